/* auditfloor.c - issue 22's floor: a recorder that registers as the audit
 * daemon and reads every record, then discards it. What any recorder pays
 * to receive the kernel's stream, and nothing more: compare.sh runs it in
 * go-libaudit's place (-libaudit bench/auditfloor), which passes arguments
 * it ignores. It writes nothing, so compare.sh's drain check times out
 * (15 s) and counts no events; lost and wait show whether it kept up.
 * Stops on SIGTERM or SIGINT (the kernel drops the registration when the
 * socket closes). */
#include <errno.h>
#include <libaudit.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(void)
{
	static char buf[1 << 16];
	struct sigaction sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: recv returns EINTR */
	if (sigaction(SIGTERM, &sa, NULL) != 0 ||
	    sigaction(SIGINT, &sa, NULL) != 0) {
		perror("auditfloor: sigaction");
		return 1;
	}
	fd = audit_open();
	if (fd < 0) {
		perror("auditfloor: audit_open");
		return 1;
	}
	if (audit_set_pid(fd, (uint32_t)getpid(), WAIT_YES) <= 0) {
		fprintf(stderr, "auditfloor: cannot register as the audit "
		                "daemon\n");
		audit_close(fd);
		return 1;
	}
	while (!stop)
		if (recv(fd, buf, sizeof(buf), 0) < 0 && errno != EINTR &&
		    errno != ENOBUFS) {
			perror("auditfloor: recv");
			break;
		}
	audit_close(fd);
	return 0;
}
