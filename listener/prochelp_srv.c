/* prochelp_srv.c - see prochelp.h: the helper's side, the keeper and the
 * server it forks. The server answers through a handle on /proc/PID
 * opened before the start time is checked: if the pid is reused after
 * the check, that handle names the dead task and every lookup under it
 * fails (ESRCH, ENOENT) instead of answering for the new one. */
#include "prochelp.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include "frame.h"
#include "log.h"
#include "priv.h"
#include "procfs.h"

#define STAT_BUF 1024

/* The start time of the task dirfd (/proc/PID) names. 0 or -1 (errno). */
static int
starttime_at(int dirfd, uint64_t *out)
{
	char buf[STAT_BUF];
	struct procfs_stat st;
	ssize_t n;
	int fd = openat(dirfd, "stat", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (procfs_parse_stat(buf, (size_t)n, &st) != 0) {
		errno = EIO;
		return -1;
	}
	*out = st.starttime;
	return 0;
}

static uint16_t
errcode(int e)
{
	return e > 0 && e < 4096 ? (uint16_t)e : EIO;
}

static void
reply(int fd, struct prochelp_rep *rep, int pass_fd)
{
	/* a recorder that stopped reading: the answer is dropped (it is
	 * stale by its deadline anyway), the server goes on */
	if (frame_send(fd, rep, PROCHELP_REP_HDR + rep->len, NULL, 0, pass_fd,
	               MSG_DONTWAIT) < 0 &&
	    errno != EAGAIN)
		log_warn("proc helper: send");
}

/* rq answered under dirfd into rep; *pass the root's descriptor. */
static void
answer(const struct prochelp_req *rq, int dirfd, struct prochelp_rep *rep,
       int *pass)
{
	char rel[64];
	struct statx sx;
	ssize_t n;

	if (rq->kind == PROCHELP_ROOT) {
		int fd =
		    openat(dirfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0 || statx(fd, "", AT_EMPTY_PATH,
		                    STATX_INO | STATX_MNT_ID, &sx) != 0) {
			rep->err = errcode(errno);
			if (fd >= 0)
				(void)close(fd);
			return;
		}
		rep->mnt_id = (sx.stx_mask & STATX_MNT_ID) ? sx.stx_mnt_id : 0;
		rep->ino = sx.stx_ino;
		if (rq->fd == 1)
			*pass = fd;
		else
			(void)close(fd);
		return;
	}
	if (prochelp_link_path(rq, rel, sizeof(rel)) != 0) {
		rep->err = EINVAL;
		return;
	}
	n = readlinkat(dirfd, rel, rep->text, sizeof(rep->text));
	if (n < 0)
		rep->err = errcode(errno);
	else if ((size_t)n >= sizeof(rep->text) || n == 0)
		rep->err = ENAMETOOLONG;
	else
		rep->len = (uint32_t)n;
}

int
prochelp_serve_one(int fd, uint64_t *bad)
{
	struct prochelp_req rq;
	static struct prochelp_rep rep;
	char buf[sizeof(rq) + 1], dir[32];
	int dirfd, pass = -1;
	ssize_t n;

	n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	if (prochelp_req_check(buf, (size_t)n, &rq) != 0) {
		(*bad)++;
		return 0;
	}
	memset(&rep, 0, PROCHELP_REP_HDR);
	rep.magic = PROCHELP_MAGIC;
	rep.kind = rq.kind;
	rep.seq = rq.seq;
	rep.pid = rq.pid;
	snprintf(dir, sizeof(dir), "/proc/%d", (int)rq.pid);
	dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 || starttime_at(dirfd, &rep.starttime) != 0)
		rep.err = errcode(errno);
	else if (rep.starttime != rq.starttime)
		rep.err = ESRCH; /* the pid names another task now */
	else
		answer(&rq, dirfd, &rep, &pass);
	if (dirfd >= 0)
		(void)close(dirfd);
	reply(fd, &rep, pass);
	if (pass >= 0)
		(void)close(pass);
	return 0;
}

static void
close_others(int keep)
{
	long fd;

	if (syscall(SYS_close_range, (unsigned)keep + 1, ~0U, 0) == 0)
		return;
	for (fd = keep + 1; fd < 65536; fd++)
		(void)close((int)fd);
}

static void
server_main(void)
{
	struct prochelp_rep hello;
	uint64_t bad = 0;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	(void)prctl(PR_SET_NAME, "godo-prochelp", 0, 0, 0);
	memset(&hello, 0, sizeof(hello));
	hello.magic = PROCHELP_MAGIC;
	hello.kind = PROCHELP_HELLO;
	hello.pid = (int32_t)getpid();
	reply(PROCHELP_FD, &hello, -1);
	while (prochelp_serve_one(PROCHELP_FD, &bad) == 0)
		;
	if (bad > 0)
		log_warnx("proc helper: %llu malformed requests refused",
		          (unsigned long long)bad);
	_exit(0);
}

/* Is the recorder's end still open? (The keeper holds the socket too, so
 * the server cannot tell; a zero-byte peek is EOF.) */
static bool
peer_gone(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
}

static volatile sig_atomic_t keeper_stop;

static void
on_term(int sig)
{
	(void)sig;
	keeper_stop = 1;
}

/* The server stopped and reaped before the keeper exits: nothing of the
 * helper outlives the recorder's prochelp_stop. SIGTERM, whose default
 * action the server keeps, not SIGKILL: a tool that watches the process
 * (valgrind) then still writes its report. */
static void __attribute__((noreturn)) keeper_exit(pid_t s)
{
	if (s > 0) {
		(void)kill(s, SIGTERM);
		while (waitpid(s, NULL, 0) < 0 && errno == EINTR)
			;
	}
	_exit(0);
}

void
prochelp_keeper_main(int fd)
{
	struct sigaction sa;
	uint64_t keep =
	    (1ull << CAP_SYS_PTRACE) | (1ull << CAP_DAC_READ_SEARCH);
	struct timespec pause = {0, 100 * 1000 * 1000};
	sigset_t none;
	pid_t s;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	(void)prctl(PR_SET_NAME, "godo-phkeeper", 0, 0, 0);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)signal(SIGINT, SIG_IGN); /* the recorder decides when to stop */
	(void)signal(SIGHUP, SIG_IGN);
	(void)signal(SIGUSR1, SIG_IGN);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGCHLD, SIG_DFL);
	/* no SA_RESTART: SIGTERM interrupts the wait for the server */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) != 0)
		_exit(1);
	if (fd != PROCHELP_FD &&
	    (dup2(fd, PROCHELP_FD) != PROCHELP_FD || close(fd) != 0))
		_exit(1);
	close_others(PROCHELP_FD);
	if (priv_keep_only(keep) != 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		_exit(1);
	while (!keeper_stop) {
		int status;

		s = fork();
		if (s < 0) {
			log_warn("proc helper: fork");
		} else if (s == 0) {
			(void)signal(SIGTERM, SIG_DFL);
			server_main();
		} else {
			while (waitpid(s, &status, 0) < 0)
				if (errno != EINTR || keeper_stop)
					keeper_exit(s);
			if (WIFSIGNALED(status))
				log_warnx("proc helper: server %d killed by "
				          "signal %d",
				          (int)s, WTERMSIG(status));
		}
		if (peer_gone(PROCHELP_FD))
			_exit(0);
		/* at most ten servers a second */
		(void)nanosleep(&pause, NULL);
	}
	_exit(0);
}
