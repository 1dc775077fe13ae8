/* test_prochelp.c - the proc helper's messages and both ends (prochelp.h)
 * without root: every malformed request and reply refused; a reply for
 * a pid whose start time changed refused; the recorder's deadline
 * against a fake helper that never answers (counted, then not asked while
 * backing off), stale and malformed replies skipped and counted; the real
 * server (prochelp_serve_one) in a forked child answering for the test's
 * own process: exe, cwd, ns/mnt, fd/N, the root as a descriptor, a bad
 * request refused and the next one answered, a wrong start time refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "prochelp.h"
#include "procfs.h"

/* ---- what and paths ---- */

static void
test_prochelp_what(void **state)
{
	static const char *const bad[] = {
	    "",           "exe/",           "fd/",      "fd/-1",
	    "fd/3x",      "fd/99999999999", "ns/bogus", "ns/",
	    "task/0/exe", "task/x/exe",     "task/7",   "task/7/task/7/exe",
	    "../exe",     "stat",           "root/",    "cwd ",
	};
	struct prochelp_req rq;
	char buf[64];
	unsigned int i;

	(void)state;
	memset(&rq, 0, sizeof(rq));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(prochelp_what_parse(bad[i], &rq), -1);
	assert_int_equal(prochelp_what_parse("exe", &rq), 0);
	assert_int_equal(rq.link, PROCHELP_L_EXE);
	assert_int_equal(prochelp_what_parse("fd/12", &rq), 0);
	assert_int_equal(rq.link, PROCHELP_L_FD);
	assert_int_equal(rq.fd, 12);
	assert_int_equal(prochelp_link_path(&rq, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "fd/12");
	assert_int_equal(prochelp_what_parse("task/77/ns/net", &rq), 0);
	assert_int_equal(rq.link, PROCHELP_L_NS);
	assert_int_equal(rq.tid, 77);
	assert_string_equal(prochelp_ns_name(rq.ns), "net");
	assert_int_equal(prochelp_link_path(&rq, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "task/77/ns/net");
	assert_int_equal(prochelp_what_parse("root", &rq), 0);
	assert_int_equal(prochelp_link_path(&rq, buf, 4), -1); /* no room */
	assert_int_equal(prochelp_what_parse("cwd", &rq), 0);
	assert_int_equal(prochelp_link_path(&rq, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "cwd");
	assert_null(prochelp_ns_name(99));
}

/* ---- requests ---- */

static struct prochelp_req
good_req(void)
{
	struct prochelp_req rq;

	memset(&rq, 0, sizeof(rq));
	rq.magic = PROCHELP_MAGIC;
	rq.kind = PROCHELP_LINK;
	rq.link = PROCHELP_L_FD;
	rq.seq = 5;
	rq.pid = 100;
	rq.fd = 3;
	return rq;
}

static void
test_prochelp_req_check(void **state)
{
	struct prochelp_req rq = good_req(), got, b;
	char big[sizeof(rq) + 1];

	(void)state;
	assert_int_equal(prochelp_req_check(&rq, sizeof(rq), &got), 0);
	assert_int_equal(got.fd, 3);
	assert_int_equal(prochelp_req_check(&rq, sizeof(rq) - 1, &got), -1);
	memcpy(big, &rq, sizeof(rq));
	big[sizeof(rq)] = 0;
	assert_int_equal(prochelp_req_check(big, sizeof(big), &got), -1);
#define BAD(field, v)                                                          \
	do {                                                                   \
		b = rq;                                                        \
		b.field = v;                                                   \
		assert_int_equal(prochelp_req_check(&b, sizeof(b), &got), -1); \
	} while (0)
	BAD(magic, 0);
	BAD(pid, 0);
	BAD(pid, -4);
	BAD(tid, -1);
	BAD(kind, 0);
	BAD(kind, PROCHELP_HELLO);
	BAD(link, 0);
	BAD(link, PROCHELP_L_END);
	BAD(fd, -1);
	BAD(ns, 1); /* an fd link with a namespace */
	rq.link = PROCHELP_L_EXE;
	BAD(fd, 3); /* exe with an fd number */
	rq.fd = 0;
	assert_int_equal(prochelp_req_check(&rq, sizeof(rq), &got), 0);
	rq.link = PROCHELP_L_NS;
	rq.ns = 1;
	assert_int_equal(prochelp_req_check(&rq, sizeof(rq), &got), 0);
	BAD(ns, 10);
	rq.kind = PROCHELP_ROOT;
	rq.link = 0;
	rq.ns = 0;
	rq.fd = 1;
	assert_int_equal(prochelp_req_check(&rq, sizeof(rq), &got), 0);
	BAD(fd, 2);
#undef BAD
}

/* ---- replies ---- */

static void
test_prochelp_rep_check(void **state)
{
	static struct prochelp_rep r, b;
	struct prochelp_req rq = good_req();
	size_t n;

	(void)state;
	rq.starttime = 42;
	memset(&r, 0, sizeof(r));
	r.magic = PROCHELP_MAGIC;
	r.kind = PROCHELP_LINK;
	r.seq = rq.seq;
	r.pid = rq.pid;
	r.starttime = 42;
	r.len = 4;
	memcpy(r.text, "/bin", 4);
	n = PROCHELP_REP_HDR + 4;
	assert_int_equal(prochelp_rep_check(&r, n, 0, false, &rq),
	                 PROCHELP_V_ANSWER);
	/* lengths */
	assert_int_equal(prochelp_rep_check(&r, n - 1, 0, false, &rq),
	                 PROCHELP_V_MALFORMED);
	assert_int_equal(prochelp_rep_check(&r, n + 1, 0, false, &rq),
	                 PROCHELP_V_MALFORMED);
	assert_int_equal(prochelp_rep_check(&r, 3, 0, false, &rq),
	                 PROCHELP_V_MALFORMED);
	assert_int_equal(prochelp_rep_check(&r, n, 0, true, &rq),
	                 PROCHELP_V_MALFORMED);
	assert_int_equal(prochelp_rep_check(&r, n, 1, false, &rq),
	                 PROCHELP_V_MALFORMED); /* a descriptor with text */
	b = r;
	b.len = PROCHELP_TEXT_MAX + 1;
	assert_int_equal(prochelp_rep_check(&b, sizeof(b), 0, false, &rq),
	                 PROCHELP_V_MALFORMED);
	b = r;
	b.magic++;
	assert_int_equal(prochelp_rep_check(&b, n, 0, false, &rq),
	                 PROCHELP_V_MALFORMED);
	b = r;
	b.kind = 9;
	assert_int_equal(prochelp_rep_check(&b, n, 0, false, &rq),
	                 PROCHELP_V_MALFORMED);
	b = r;
	b.err = ENOENT; /* an error carries no text */
	assert_int_equal(prochelp_rep_check(&b, n, 0, false, &rq),
	                 PROCHELP_V_MALFORMED);
	b.len = 0;
	assert_int_equal(
	    prochelp_rep_check(&b, PROCHELP_REP_HDR, 0, false, &rq),
	    PROCHELP_V_ANSWER);
	b = r;
	b.len = 0; /* success without text */
	assert_int_equal(
	    prochelp_rep_check(&b, PROCHELP_REP_HDR, 0, false, &rq),
	    PROCHELP_V_MALFORMED);
	b = r;
	b.pid = 101; /* another task's answer to this seq */
	assert_int_equal(prochelp_rep_check(&b, n, 0, false, &rq),
	                 PROCHELP_V_MALFORMED);
	/* the reuse guard: same pid, another start time */
	b = r;
	b.starttime = 43;
	assert_int_equal(prochelp_rep_check(&b, n, 0, false, &rq),
	                 PROCHELP_V_REUSED);
	/* an earlier request's answer, or none outstanding */
	b = r;
	b.seq = rq.seq - 1;
	assert_int_equal(prochelp_rep_check(&b, n, 0, false, &rq),
	                 PROCHELP_V_STALE);
	assert_int_equal(prochelp_rep_check(&r, n, 0, false, NULL),
	                 PROCHELP_V_STALE);
	/* roots: the descriptor exactly when asked */
	rq.kind = PROCHELP_ROOT;
	rq.link = 0;
	rq.fd = 1;
	b = r;
	b.kind = PROCHELP_ROOT;
	b.len = 0;
	assert_int_equal(
	    prochelp_rep_check(&b, PROCHELP_REP_HDR, 1, false, &rq),
	    PROCHELP_V_ANSWER);
	assert_int_equal(
	    prochelp_rep_check(&b, PROCHELP_REP_HDR, 0, false, &rq),
	    PROCHELP_V_MALFORMED);
	assert_int_equal(
	    prochelp_rep_check(&b, PROCHELP_REP_HDR, 2, false, &rq),
	    PROCHELP_V_MALFORMED);
	rq.fd = 0;
	assert_int_equal(
	    prochelp_rep_check(&b, PROCHELP_REP_HDR, 1, false, &rq),
	    PROCHELP_V_MALFORMED);
	/* hello */
	b = r;
	b.kind = PROCHELP_HELLO;
	b.len = 0;
	assert_int_equal(
	    prochelp_rep_check(&b, PROCHELP_REP_HDR, 0, false, NULL),
	    PROCHELP_V_HELLO);
	b.pid = 0;
	assert_int_equal(
	    prochelp_rep_check(&b, PROCHELP_REP_HDR, 0, false, NULL),
	    PROCHELP_V_MALFORMED);
}

/* ---- the recorder against a fake helper ---- */

enum fake_mode { FAKE_SILENT, FAKE_REUSED, FAKE_STALE_FIRST, FAKE_GARBAGE };

/* The fake: answers each request per mode, for the test's own pid. */
static void
fake_helper(int fd, enum fake_mode mode)
{
	struct prochelp_req rq;
	static struct prochelp_rep rep;
	ssize_t n;

	while ((n = recv(fd, &rq, sizeof(rq), 0)) == (ssize_t)sizeof(rq)) {
		memset(&rep, 0, sizeof(rep));
		rep.magic = PROCHELP_MAGIC;
		rep.kind = rq.kind;
		rep.seq = rq.seq;
		rep.pid = rq.pid;
		rep.starttime = rq.starttime;
		rep.len = 5;
		memcpy(rep.text, "/fake", 5);
		if (mode == FAKE_SILENT)
			continue;
		if (mode == FAKE_REUSED)
			rep.starttime++;
		if (mode == FAKE_STALE_FIRST) {
			rep.seq--;
			(void)send(fd, &rep, PROCHELP_REP_HDR + 5, 0);
			rep.seq++;
		}
		if (mode == FAKE_GARBAGE)
			(void)send(fd, "garbage", 7, 0);
		(void)send(fd, &rep, PROCHELP_REP_HDR + 5, 0);
	}
	_exit(0);
}

static pid_t
fake_start(struct prochelp *ph, enum fake_mode mode)
{
	int sv[2];
	pid_t p;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		close(sv[0]);
		fake_helper(sv[1], mode);
	}
	close(sv[1]);
	prochelp_attach(ph, sv[0]);
	return p;
}

static void
fake_stop(struct prochelp *ph, pid_t p)
{
	close(ph->fd);
	assert_int_equal(waitpid(p, NULL, 0), p);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void
test_prochelp_deadline(void **state)
{
	static struct prochelp ph;
	char buf[64];
	uint64_t t0, dt;
	pid_t p = fake_start(&ph, FAKE_SILENT);

	(void)state;
	ph.deadline_ms = 50;
	t0 = now_ms();
	assert_int_equal(
	    prochelp_readlink(&ph, getpid(), "exe", buf, sizeof(buf)), -1);
	dt = now_ms() - t0;
	assert_int_equal(errno, ETIMEDOUT);
	assert_true(dt >= 45 && dt < 1000);
	assert_int_equal(ph.st.timeouts, 1);
	/* backing off: refused at once, counted as down */
	t0 = now_ms();
	assert_int_equal(
	    prochelp_readlink(&ph, getpid(), "exe", buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);
	assert_true(now_ms() - t0 < 40);
	assert_int_equal(ph.st.down, 1);
	assert_int_equal(ph.st.requests, 1);
	/* both are losses the caller writes as a gap, once */
	assert_int_equal(prochelp_take_lost(&ph), 2);
	assert_int_equal(prochelp_take_lost(&ph), 0);
	fake_stop(&ph, p);
}

/* One question to a fake in mode: the answer's length (or -1 and errno)
 * and the counter the mode must move by one. */
struct fake_case {
	enum fake_mode mode;
	const char *what;
	size_t cap;
	ssize_t want;
	int want_errno;
	size_t counter; /* offsetof in struct prochelp_stats */
};

static void
test_prochelp_fake_replies(void **state)
{
	static const struct fake_case cases[] = {
	    /* a reply for the pid with another start time: refused */
	    {FAKE_REUSED, "exe", 64, -1, ESRCH,
	     offsetof(struct prochelp_stats, reused)},
	    /* an earlier sequence's reply skipped, then the answer */
	    {FAKE_STALE_FIRST, "cwd", 64, 5, 0,
	     offsetof(struct prochelp_stats, stale)},
	    /* no room for the answer */
	    {FAKE_STALE_FIRST, "cwd", 5, -1, ENAMETOOLONG,
	     offsetof(struct prochelp_stats, stale)},
	    /* garbage skipped and counted, then the answer */
	    {FAKE_GARBAGE, "fd/0", 64, 5, 0,
	     offsetof(struct prochelp_stats, malformed)},
	};
	static struct prochelp ph;
	char buf[64];
	unsigned int i;
	uint64_t moved;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct fake_case *c = &cases[i];
		pid_t p = fake_start(&ph, c->mode);
		ssize_t n =
		    prochelp_readlink(&ph, getpid(), c->what, buf, c->cap);

		assert_int_equal(n, c->want);
		if (n < 0)
			assert_int_equal(errno, c->want_errno);
		else
			assert_string_equal(buf, "/fake");
		memcpy(&moved, (const char *)&ph.st + c->counter,
		       sizeof(moved));
		assert_int_equal(moved, 1);
		/* not a link the helper answers: refused before asking */
		assert_int_equal(
		    prochelp_readlink(&ph, getpid(), "environ", buf, 64), -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(ph.st.requests, 1);
		fake_stop(&ph, p);
	}
}

/* ---- the real server ---- */

static pid_t
server_start(struct prochelp *ph)
{
	int sv[2];
	pid_t p;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	p = fork();
	assert_true(p >= 0);
	if (p == 0) {
		uint64_t bad = 0;

		close(sv[0]);
		while (prochelp_serve_one(sv[1], &bad) == 0)
			;
		_exit(bad == 1 ? 0 : 3); /* the one bad request below */
	}
	close(sv[1]);
	prochelp_attach(ph, sv[0]);
	return p;
}

/* What the kernel answers another process for /proc/PID/link, read in a
 * child: under valgrind this process's own readlink of /proc/self/exe is
 * answered by valgrind (the client's program), the server's is not (the
 * tool's), so only another process's view compares. */
static ssize_t
kernel_readlink(pid_t pid, const char *link, char *out, size_t n)
{
	char path[64];
	int fds[2], st;
	ssize_t r, got = 0;
	pid_t c;

	assert_int_equal(pipe(fds), 0);
	c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		close(fds[0]);
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, link);
		r = readlink(path, out, n);
		_exit(r > 0 && write(fds[1], out, (size_t)r) == r ? 0 : 1);
	}
	close(fds[1]);
	while ((r = read(fds[0], out + got, n - (size_t)got)) > 0)
		got += r;
	close(fds[0]);
	assert_int_equal(waitpid(c, &st, 0), c);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return got;
}

static void
test_prochelp_server(void **state)
{
	static struct prochelp ph;
	char want[4096], got[4096];
	struct prochelp_req rq;
	struct statx a, b;
	uint64_t mnt = 0, ino = 0;
	ssize_t n, w;
	int fd = -1, st;
	pid_t p = server_start(&ph), me = getpid();
	static const char *const links[] = {"exe", "cwd", "ns/mnt", "ns/net",
	                                    "fd/0"};
	unsigned int i;

	(void)state;
	ph.deadline_ms = 2000;
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		w = kernel_readlink(me, links[i], want, sizeof(want) - 1);
		assert_true(w > 0);
		want[w] = '\0';
		n = prochelp_readlink(&ph, me, links[i], got, sizeof(got));
		assert_int_equal(n, w);
		assert_string_equal(got, want);
	}
	/* a descriptor that is not open: the kernel's answer */
	assert_int_equal(
	    prochelp_readlink(&ph, me, "fd/65000", got, sizeof(got)), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(ph.st.refused, 1);
	/* the root: the identity, then the descriptor itself */
	assert_int_equal(prochelp_root(&ph, me, NULL, &mnt, &ino), 0);
	assert_int_equal(statx(AT_FDCWD, "/", 0, STATX_INO | STATX_MNT_ID, &a),
	                 0);
	assert_int_equal(ino, a.stx_ino);
	assert_int_equal(prochelp_root(&ph, me, &fd, &mnt, &ino), 0);
	assert_true(fd >= 0);
	assert_int_equal(
	    statx(fd, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID, &b), 0);
	assert_int_equal(b.stx_ino, a.stx_ino);
	if (a.stx_mask & STATX_MNT_ID)
		assert_int_equal(mnt, a.stx_mnt_id);
	close(fd);
	/* a malformed request: refused, counted, the server goes on */
	assert_int_equal(send(ph.fd, "x", 1, 0), 1);
	/* a start time that is not the task's: refused as reused */
	memset(&rq, 0, sizeof(rq));
	rq.magic = PROCHELP_MAGIC;
	rq.kind = PROCHELP_LINK;
	rq.link = PROCHELP_L_EXE;
	rq.seq = 999;
	rq.pid = me;
	rq.starttime = 1; /* the test did not start a tick after boot */
	assert_int_equal(send(ph.fd, &rq, sizeof(rq), 0), (ssize_t)sizeof(rq));
	n = recv(ph.fd, &ph.rep, sizeof(ph.rep), 0);
	assert_int_equal(n, (ssize_t)PROCHELP_REP_HDR);
	assert_int_equal(ph.rep.seq, 999);
	assert_int_equal(ph.rep.err, ESRCH);
	assert_int_equal(ph.rep.len, 0);
	/* and the next good one answered; the round trip's cost, for
	 * docs/reliability.md (a note, not a check) */
	{
		struct timespec t0, t1;
		int k;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (k = 0; k < 2000; k++)
			assert_true(prochelp_readlink(&ph, me, "exe", got,
			                              sizeof(got)) > 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		print_message("NOTE %.1f us per readlink through the helper\n",
		              ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
		               (double)(t1.tv_nsec - t0.tv_nsec)) /
		                  2000 / 1000);
	}
	close(ph.fd);
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prochelp_what),
	    cmocka_unit_test(test_prochelp_req_check),
	    cmocka_unit_test(test_prochelp_rep_check),
	    cmocka_unit_test(test_prochelp_deadline),
	    cmocka_unit_test(test_prochelp_fake_replies),
	    cmocka_unit_test(test_prochelp_server),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
