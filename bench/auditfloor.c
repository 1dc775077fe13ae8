/* auditfloor.c - issue 22's floor: a recorder that registers as the audit
 * daemon and reads every record, then discards it. What any recorder pays
 * to receive the kernel's stream, and nothing more: compare.sh runs it in
 * go-libaudit's place (-libaudit bench/auditfloor), which passes arguments
 * it ignores. It writes nothing, so compare.sh's drain check times out
 * (15 s) and counts no events; lost and wait show whether it kept up.
 *
 * Built with AUDITFLOOR_KEEP (bench/auditkeep) it keeps what it reads: each
 * record as one text line, "type=N msg=TEXT", to stdout (go-libaudit's
 * raw form, which compare.sh counts and finds its sentinel in), through a
 * 64 KiB stdio buffer flushed whenever the socket runs dry. The floor of
 * a recorder that keeps anything: no parsing, no reassembly, one write
 * per buffer.
 *
 * Stops on SIGTERM or SIGINT (the kernel drops the registration when the
 * socket closes). */
#include <errno.h>
#include <libaudit.h>
#include <linux/netlink.h>
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

#ifdef AUDITFLOOR_KEEP
/* One record, n bytes with its netlink header, as a text line. The
 * kernel's text may end in NULs; a short or bad header keeps nothing. */
static int
keep(const char *buf, ssize_t n)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)(const void *)buf;
	size_t len;

	if (n < (ssize_t)NLMSG_HDRLEN)
		return 0;
	len = (size_t)n - NLMSG_HDRLEN;
	while (len > 0 && buf[NLMSG_HDRLEN + len - 1] == '\0')
		len--;
	if (printf("type=%u msg=%.*s\n", (unsigned)h->nlmsg_type, (int)len,
	           buf + NLMSG_HDRLEN) < 0) {
		perror("auditkeep: write");
		return -1;
	}
	return 0;
}

/* Reads without blocking while records wait; flushes before it sleeps. */
static ssize_t
next(int fd, char *buf, size_t size)
{
	ssize_t n = recv(fd, buf, size, MSG_DONTWAIT);

	if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
		return n;
	if (fflush(stdout) != 0) {
		perror("auditkeep: write");
		return -2;
	}
	return recv(fd, buf, size, 0);
}
#else
static int
keep(const char *buf, ssize_t n)
{
	(void)buf;
	(void)n;
	return 0;
}

static ssize_t
next(int fd, char *buf, size_t size)
{
	return recv(fd, buf, size, 0);
}
#endif

int
main(void)
{
	static char buf[1 << 16];
	static char obuf[1 << 16];
	struct sigaction sa;
	ssize_t n;
	int fd, rc = 0;

	if (setvbuf(stdout, obuf, _IOFBF, sizeof(obuf)) != 0) {
		perror("auditfloor: setvbuf");
		return 1;
	}
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
	while (!stop) {
		n = next(fd, buf, sizeof(buf));
		if (n == -2 || (n >= 0 && keep(buf, n) != 0)) {
			rc = 1;
			break;
		}
		if (n < 0 && errno != EINTR && errno != ENOBUFS) {
			perror("auditfloor: recv");
			rc = 1;
			break;
		}
	}
	audit_close(fd);
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
}
