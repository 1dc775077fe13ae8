/* test_kernel.c - auditsock, rules and procconn against the real kernel:
 * registration as the audit daemon, godo's rules producing the expected
 * records, exact restoration of the audit state, purge of stale rules,
 * refusal (and forced takeover) when another daemon is registered, and the
 * proc connector's FORK/EXEC/EXIT, and tampering from the host (auditctl
 * -D, a changed rule, a prepended never rule, -e 0, a rival daemon)
 * detected and repaired. Needs root; skips otherwise. The audit
 * state is shared: main holds /tmp/godo-audit.lock, as every test that
 * registers as the audit daemon does. Every test's teardown puts the state
 * back even when an assertion failed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/file.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <libaudit.h>

#include "log.h"
#include "rules.h"
#include "rules_kern.h"
#include "rules_check.h"
#include "auditsock.h"
#include "procconn.h"
#include "util.h"

#define MAX_KIDS 4

/* The rule a host user prepends to blind every exit rule after it; keyed
 * so that teardown finds it whatever the test reached. */
#define NEVER_KEY "godo-kt-never"
#define NEVER_ALL "exit,never -S all -k " NEVER_KEY

struct fix {
	struct auditsock *src;
	struct rules *rules;
	struct procconn *conn;
	int ctl; /* a plain control socket (not registered) */
	pid_t kids[MAX_KIDS];
	int nkids;
	char dir[64];
	bool never_added; /* auditctl -A exit,never -S all: delete it */
};

/* The audit state before the suite. */
static struct auditsock_status before;
static int before_keyed = -1;
static bool have_root;

static int
suite_setup(void **state)
{
	int ctl;

	(void)state;
	log_init("test_kernel", LOG_LVL_WARN);
	have_root = geteuid() == 0;
	if (!have_root)
		return 0;
	ctl = audit_open();
	if (ctl < 0)
		return -1;
	if (auditsock_query_status(ctl, &before, 2000) < 0) {
		audit_close(ctl);
		return -1;
	}
	before_keyed = rules_count_keyed(ctl, RULES_KEY);
	audit_close(ctl);
	return before_keyed < 0 ? -1 : 0;
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->ctl = -1;
	*state = f;
	return 0;
}

/* Puts everything back, whatever the test reached. */
static int
teardown(void **state)
{
	struct fix *f = *state;
	struct auditsock_status now;
	int i, ctl;

	if (f->never_added) {
		/* through the library, by its key: a failed auditctl -d
		 * must not leave every later test blind */
		ctl = audit_open();
		if (ctl < 0 || rules_purge(ctl, NEVER_KEY) < 0 ||
		    rules_count_keyed(ctl, NEVER_KEY) != 0)
			print_message("teardown: could not delete the never "
			              "rule\n");
		if (ctl >= 0)
			audit_close(ctl);
	}
	if (f->rules != NULL)
		rules_remove(auditsock_ctl_fd(f->src), f->rules);
	auditsock_close(f->src);
	procconn_close(f->conn);
	for (i = 0; i < f->nkids; i++) {
		kill(f->kids[i], SIGKILL);
		waitpid(f->kids[i], NULL, 0);
	}
	if (have_root) {
		ctl = f->ctl >= 0 ? f->ctl : audit_open();
		if (ctl >= 0) {
			/* our own leftovers only: none were there before */
			if (before_keyed == 0)
				rules_purge(ctl, RULES_KEY);
			if (auditsock_query_status(ctl, &now, 2000) == 0 &&
			    now.enabled != before.enabled &&
			    before.enabled != 2)
				audit_set_enabled(ctl, before.enabled);
			audit_close(ctl);
		}
	}
	if (f->dir[0] != '\0') {
		char p[128];

		snprintf(p, sizeof(p), "%s/out.txt", f->dir);
		unlink(p);
		rmdir(f->dir);
	}
	free(f);
	return 0;
}

#define NEED_ROOT()                                                            \
	do {                                                                   \
		if (!have_root) {                                              \
			print_message("not root: skipped\n");                  \
			skip();                                                \
		}                                                              \
	} while (0)

/* Registration tests need the audit daemon role free: another daemon
 * (auditd, a running godo) is not ours to displace. */
#define NEED_NO_DAEMON()                                                       \
	do {                                                                   \
		NEED_ROOT();                                                   \
		if (before.pid != 0 && kill((pid_t)before.pid, 0) == 0) {      \
			print_message("audit daemon pid %u registered: "       \
			              "skipped\n",                             \
			              before.pid);                             \
			skip();                                                \
		}                                                              \
	} while (0)

static uint64_t
deadline_ms(unsigned int ms)
{
	return util_now_ms() + ms;
}

/* ---- (1) register, rules, records, exact restore ---- */

struct seen {
	pid_t child;
	bool execve_arg;   /* EXECVE with the hex-encoded argument */
	bool openat_keyed; /* SYSCALL openat by the child, key="godo" */
	unsigned long records;
};

static bool
has(const char *p, size_t n, const char *needle)
{
	return memmem(p, n, needle, strlen(needle)) != NULL;
}

static void
on_record(uint16_t type, const char *p, size_t n, void *arg)
{
	struct seen *s = arg;
	char pid[32];

	s->records++;
	if (type == AUDIT_EXECVE && has(p, n, "a0=\"echo\"") &&
	    has(p, n, " a1=6172672077697468207370616365"))
		s->execve_arg = true; /* "arg with space", hex (docs 1.7) */
	snprintf(pid, sizeof(pid), " pid=%ld ", (long)s->child);
	if (type == AUDIT_SYSCALL && has(p, n, " syscall=257 ") &&
	    has(p, n, pid) && has(p, n, "key=\"godo\""))
		s->openat_keyed = true;
}

static void
test_kernel_audit_records_and_restore(void **state)
{
	struct fix *f = *state;
	struct auditsock_opts o = {.backlog_limit = 8192};
	struct rules_opts ro = {.pid = getpid()};
	struct auditsock_status st;
	struct seen seen = {0};
	struct pollfd pfd;
	uint64_t end;
	int failed = -1, fd, ctl, dn;
	pid_t c;

	NEED_NO_DAEMON();
	snprintf(f->dir, sizeof(f->dir), "/tmp/godo-kt.XXXXXX");
	assert_non_null(mkdtemp(f->dir));

	f->src = auditsock_open(&o);
	assert_non_null(f->src);
	assert_int_equal(auditsock_status(f->src, &st), 0);
	assert_int_equal(st.enabled, 1);
	assert_int_equal(st.pid, (uint32_t)getpid());
	assert_int_equal(st.backlog_limit, 8192);

	assert_true(rules_purge(auditsock_ctl_fd(f->src), RULES_KEY) >= 0);
	f->rules = rules_install(auditsock_ctl_fd(f->src), &ro, &failed);
	assert_non_null(f->rules);
	assert_int_equal(failed, 0);
	assert_int_equal(rules_count(f->rules), 30);
	assert_int_equal(rules_count_keyed(auditsock_ctl_fd(f->src), RULES_KEY),
	                 30);

	c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		if (chdir(f->dir) < 0)
			_exit(10);
		fd = open("out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || write(fd, "x", 1) != 1)
			_exit(11);
		close(fd);
		dn = open("/dev/null", O_WRONLY);
		if (dn < 0 || dup2(dn, 1) < 0)
			_exit(12);
		execl("/bin/echo", "echo", "arg with space", (char *)NULL);
		_exit(13);
	}
	f->kids[f->nkids++] = c;
	seen.child = c;

	pfd.fd = auditsock_fd(f->src);
	pfd.events = POLLIN;
	end = deadline_ms(10000);
	while (!(seen.execve_arg && seen.openat_keyed) && util_now_ms() < end) {
		if (poll(&pfd, 1, 200) < 0 && errno != EINTR)
			fail_msg("poll: %s", strerror(errno));
		assert_true(auditsock_read(f->src, on_record, &seen, 256) >= 0);
	}
	assert_true(seen.execve_arg);
	assert_true(seen.openat_keyed);
	assert_int_equal(auditsock_counters(f->src)->bad_sender, 0);
	assert_int_equal(auditsock_counters(f->src)->malformed, 0);

	/* status polling on the control socket */
	assert_int_equal(auditsock_request_status(f->src), 0);
	pfd.fd = auditsock_ctl_fd(f->src);
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_true(auditsock_status_read(f->src) >= 0);
	assert_true(auditsock_counters(f->src)->status_polls >= 2);

	{
		int nr = rules_count(f->rules);
		int removed = rules_remove(auditsock_ctl_fd(f->src), f->rules);

		f->rules = NULL; /* freed by rules_remove either way */
		assert_int_equal(removed, nr);
	}
	auditsock_close(f->src);
	f->src = NULL;

	ctl = audit_open();
	assert_true(ctl >= 0);
	f->ctl = ctl;
	assert_int_equal(auditsock_query_status(ctl, &st, 2000), 0);
	assert_int_equal(st.enabled, before.enabled);
	assert_int_equal(st.pid, before.pid);
	assert_int_equal(st.backlog_limit, before.backlog_limit);
	assert_int_equal(st.backlog_wait_time, before.backlog_wait_time);
	assert_int_equal(rules_count_keyed(ctl, RULES_KEY), before_keyed);
}

/* ---- (2) stale rules of a crashed run ---- */

static void
test_kernel_purge_stale_rules(void **state)
{
	struct fix *f = *state;
	struct rules_opts ro = {.pid = 31337};
	struct rules *rs;
	int failed = -1, n;

	NEED_ROOT();
	if (before_keyed != 0)
		skip(); /* someone else's godo rules: not ours to purge */
	f->ctl = audit_open();
	assert_true(f->ctl >= 0);
	rs = rules_install(f->ctl, &ro, &failed);
	assert_non_null(rs);
	assert_int_equal(failed, 0);
	n = rules_count(rs);
	rules_free(rs); /* "crash": the kernel keeps them */
	assert_true(n >= 20);
	assert_int_equal(rules_count_keyed(f->ctl, RULES_KEY), n);
	assert_int_equal(rules_purge(f->ctl, RULES_KEY), n);
	assert_int_equal(rules_count_keyed(f->ctl, RULES_KEY), 0);
	assert_int_equal(rules_purge(f->ctl, RULES_KEY), 0);
}

/* ---- (3) another audit daemon ---- */

/* A child that registers as the audit daemon, reports the result on
 * res[1], and unregisters when go[0] gets a byte (or dies of a signal). */
static pid_t
rival_start(int *res_fd, int *go_fd)
{
	int res[2], go[2], rc, fd;
	char b;
	pid_t c;

	if (pipe(res) < 0 || pipe(go) < 0)
		return -1;
	c = fork();
	if (c == 0) {
		close(res[0]);
		close(go[1]);
		fd = audit_open();
		rc = fd < 0 ? -errno : audit_set_pid(fd, getpid(), WAIT_NO);
		if (write(res[1], &rc, sizeof(rc)) != sizeof(rc))
			_exit(1);
		if (read(go[0], &b, 1) < 0)
			_exit(1);
		audit_set_pid(fd, 0, WAIT_NO);
		_exit(0);
	}
	close(res[1]);
	close(go[0]);
	*res_fd = res[0];
	*go_fd = go[1];
	return c;
}

static void
test_kernel_other_daemon_refused(void **state)
{
	struct fix *f = *state;
	struct auditsock_opts o = {0};
	struct auditsock_status st;
	int rc = 0, res, go, status;
	pid_t c;

	NEED_NO_DAEMON();
	c = rival_start(&res, &go);
	assert_true(c > 0);
	f->kids[f->nkids++] = c;
	assert_int_equal(read(res, &rc, sizeof(rc)), sizeof(rc));
	assert_true(rc > 0);

	errno = 0;
	f->src = auditsock_open(&o);
	assert_null(f->src);
	assert_int_equal(errno, EEXIST);

	f->ctl = audit_open();
	assert_true(f->ctl >= 0);
	assert_int_equal(auditsock_query_status(f->ctl, &st, 2000), 0);
	assert_int_equal(st.pid, (uint32_t)c); /* untouched */
	assert_int_equal(st.enabled, before.enabled);

	assert_int_equal(write(go, "x", 1), 1); /* rival unregisters */
	assert_int_equal(waitpid(c, &status, 0), c);
	f->nkids--;
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(res);
	close(go);
	assert_int_equal(auditsock_query_status(f->ctl, &st, 2000), 0);
	assert_int_equal(st.pid, 0);
}

static void
test_kernel_other_daemon_forced(void **state)
{
	struct fix *f = *state;
	struct auditsock_opts o = {.force = true};
	struct auditsock_status st;
	int rc = 0, res, go, status;
	pid_t c;

	NEED_NO_DAEMON();
	c = rival_start(&res, &go);
	assert_true(c > 0);
	f->kids[f->nkids++] = c;
	assert_int_equal(read(res, &rc, sizeof(rc)), sizeof(rc));
	assert_true(rc > 0);

	f->src = auditsock_open(&o); /* SIGTERMs the rival, takes over */
	assert_non_null(f->src);
	assert_int_equal(waitpid(c, &status, 0), c);
	f->nkids--;
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	assert_int_equal(auditsock_status(f->src, &st), 0);
	assert_int_equal(st.pid, (uint32_t)getpid());
	auditsock_close(f->src);
	f->src = NULL;
	close(res);
	close(go);

	f->ctl = audit_open();
	assert_true(f->ctl >= 0);
	assert_int_equal(auditsock_query_status(f->ctl, &st, 2000), 0);
	assert_int_equal(st.pid, 0);
	assert_int_equal(st.enabled, before.enabled);
}

/* ---- (4) proc connector ---- */

struct cseen {
	pid_t a, b;
	bool thread_fork, a_exit3, b_exec, b_exit9, a_fork;
	int32_t thread_tid;
};

static void
on_event(const struct procconn_event *ev, void *arg)
{
	struct cseen *s = arg;

	switch (ev->what) {
	case PROCCONN_FORK:
		if (ev->pid == s->a && ev->tgid == s->a)
			s->a_fork = true;
		if (ev->tgid == s->a && ev->pid != ev->tgid) {
			s->thread_fork = true;
			s->thread_tid = ev->pid;
		}
		break;
	case PROCCONN_EXEC:
		if (ev->pid == s->b && ev->tgid == s->b)
			s->b_exec = true;
		break;
	case PROCCONN_EXIT:
		if (ev->pid == s->a && ev->tgid == s->a && ev->exit_code == 768)
			s->a_exit3 = true;
		if (ev->pid == s->b && ev->exit_code == 9)
			s->b_exit9 = true;
		break;
	default:
		break;
	}
}

static void *
idle_thread(void *arg)
{
	(void)arg;
	return NULL;
}

static void
pump(struct procconn *c, struct cseen *s, bool *until, unsigned int ms)
{
	struct pollfd pfd = {.fd = procconn_fd(c), .events = POLLIN};
	uint64_t end = deadline_ms(ms);

	while (!*until && util_now_ms() < end) {
		poll(&pfd, 1, 100);
		assert_true(procconn_read(c, on_event, s, 256) >= 0);
	}
}

static void
test_kernel_connector_fork_exec_exit(void **state)
{
	struct fix *f = *state;
	struct cseen s = {0};
	pthread_t t;
	pid_t c;

	NEED_ROOT();
	f->conn = procconn_open(0);
	assert_non_null(f->conn);
	assert_true(procconn_resync_take(f->conn));
	assert_false(procconn_resync_take(f->conn));

	c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		if (pthread_create(&t, NULL, idle_thread, NULL) != 0)
			_exit(1);
		pthread_join(t, NULL);
		_exit(3);
	}
	s.a = c;
	f->kids[f->nkids++] = c;
	c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		execl("/bin/sleep", "sleep", "30", (char *)NULL);
		_exit(1);
	}
	s.b = c;
	f->kids[f->nkids++] = c;

	pump(f->conn, &s, &s.b_exec, 5000);
	assert_true(s.b_exec);
	assert_int_equal(kill(s.b, SIGKILL), 0);
	pump(f->conn, &s, &s.b_exit9, 5000);
	pump(f->conn, &s, &s.a_exit3, 5000);
	assert_true(s.a_fork);
	assert_true(s.thread_fork);
	assert_true(s.thread_tid != s.a);
	assert_true(s.a_exit3);
	assert_true(s.b_exit9);
	assert_int_equal(procconn_counters(f->conn)->malformed, 0);
}

/* ---- (5) tampering from the host: detected and repaired ---- */

/* A child that opens a file for writing in dir; returns whether its
 * openat came through keyed within ms. */
static bool
child_openat_seen(struct fix *f, unsigned int ms)
{
	struct seen seen = {0};
	struct pollfd pfd = {.fd = auditsock_fd(f->src), .events = POLLIN};
	uint64_t end;
	int status, fd;
	pid_t c;

	c = fork();
	assert_true(c >= 0);
	if (c == 0) {
		if (chdir(f->dir) < 0)
			_exit(10);
		fd = open("out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		_exit(fd < 0 ? 11 : 0);
	}
	assert_int_equal(waitpid(c, &status, 0), c);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	seen.child = c;
	end = deadline_ms(ms);
	while (!seen.openat_keyed && util_now_ms() < end) {
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
			fail_msg("poll: %s", strerror(errno));
		assert_true(auditsock_read(f->src, on_record, &seen, 256) >= 0);
	}
	return seen.openat_keyed;
}

static void
shell(const char *cmd)
{
	int rc = system(cmd);

	if (rc != 0)
		fail_msg("%s: status %d", cmd, rc);
}

static struct rules_check
check_now(struct fix *f)
{
	struct rules_check c;

	assert_int_equal(rules_check(auditsock_ctl_fd(f->src), f->rules, &c),
	                 0);
	return c;
}

/* rules_check_intact, with what was found when it is not. */
static void
assert_intact(const struct rules_check *c, bool want)
{
	if (rules_check_intact(c) == want)
		return;
	fail_msg("intact %d, want %d: listed %d expected %d present %d "
	         "missing %d alien %d blind exit %d task %d other %d",
	         rules_check_intact(c), want, c->listed, c->expected,
	         c->present, c->missing, c->alien, c->blind_exit, c->blind_task,
	         c->blind_other);
}

static struct auditsock_health
health_now(struct fix *f)
{
	struct auditsock_status st;
	struct auditsock_health h;

	assert_int_equal(auditsock_status(f->src, &st), 0);
	auditsock_health(f->src, &h);
	assert_true(h.known);
	return h;
}

/* Installs godo's rules and times rules_check: the status poll calls it
 * every second. Skips unless the audit daemon role is free and the kernel
 * has no rules (auditctl -D is not ours to run on someone's rules).
 * Returns the number of godo's rules. */
static int
tamper_setup(struct fix *f)
{
	struct auditsock_opts o = {.backlog_limit = 8192};
	struct rules_opts ro = {.pid = getpid()};
	struct rules_check c;
	uint64_t t0, t1;
	int failed = -1, i;

	NEED_NO_DAEMON();
	if (before_keyed != 0)
		skip();
	snprintf(f->dir, sizeof(f->dir), "/tmp/godo-kt.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->src = auditsock_open(&o);
	assert_non_null(f->src);
	f->rules = rules_build(&ro, NULL);
	assert_non_null(f->rules);
	c = check_now(f);
	rules_free(f->rules);
	f->rules = NULL;
	if (c.listed != 0) {
		print_message("%d audit rules present: not ours to delete "
		              "(auditctl -D), skipped\n",
		              c.listed);
		skip();
	}
	f->rules = rules_install(auditsock_ctl_fd(f->src), &ro, &failed);
	assert_non_null(f->rules);
	assert_int_equal(failed, 0);
	t0 = util_now_ms();
	for (i = 0; i < 200; i++)
		c = check_now(f);
	t1 = util_now_ms();
	print_message("rules_check: %.3f ms per call (%d rules listed)\n",
	              (double)(t1 - t0) / 200, c.listed);
	assert_true(t1 - t0 < 200 * 5); /* well under 5 ms a call */
	assert_intact(&c, true);
	assert_int_equal(c.present, rules_count(f->rules));
	assert_int_equal(c.listed, rules_count(f->rules));
	return c.listed;
}

static void
test_kernel_tamper_rules_deleted_changed(void **state)
{
	struct fix *f = *state;
	struct rules_check c;
	int n = tamper_setup(f);

	shell("auditctl -D >/dev/null"); /* augenrules starts with -D */
	c = check_now(f);
	assert_intact(&c, false);
	assert_int_equal(c.missing, n);
	assert_int_equal(c.listed, 0);
	assert_int_equal(
	    rules_reinstall(auditsock_ctl_fd(f->src), f->rules, false), 0);
	c = check_now(f);
	assert_intact(&c, true);
	assert_int_equal(c.listed, n);
	assert_true(child_openat_seen(f, 10000));

	/* a godo-keyed rule that is not godo's: changed */
	shell("auditctl -a always,exit -F arch=b64 -S chmod -k godo "
	      ">/dev/null");
	c = check_now(f);
	assert_intact(&c, false);
	assert_int_equal(c.alien, 1);
	assert_int_equal(c.missing, 0);
	assert_int_equal(
	    rules_reinstall(auditsock_ctl_fd(f->src), f->rules, false), 0);
	c = check_now(f);
	assert_intact(&c, true);
	assert_int_equal(c.alien, 0);
	assert_int_equal(rules_count_keyed(auditsock_ctl_fd(f->src), RULES_KEY),
	                 n);
}

static void
test_kernel_tamper_prepended_never(void **state)
{
	struct fix *f = *state;
	struct rules_check c;
	int n = tamper_setup(f);

	f->never_added = true; /* teardown deletes it whatever happens */
	shell("auditctl -A " NEVER_ALL " >/dev/null 2>&1");
	c = check_now(f);
	assert_intact(&c, false);
	assert_int_equal(c.blind_exit, 1);
	assert_int_equal(c.present, n);
	assert_false(child_openat_seen(f, 1500)); /* blind indeed */

	assert_int_equal(
	    rules_reinstall(auditsock_ctl_fd(f->src), f->rules, true), 0);
	c = check_now(f);
	assert_intact(&c, true);
	assert_int_equal(c.blind_exit, 0);
	assert_int_equal(c.listed, n + 1); /* the never rule is still there */
	assert_true(child_openat_seen(f, 10000));
	shell("auditctl -d " NEVER_ALL " >/dev/null");
	f->never_added = false;
	c = check_now(f);
	assert_intact(&c, true);
	assert_int_equal(c.listed, n);
	/* prepended rules are removed with the flags they were added with */
	n = rules_remove(auditsock_ctl_fd(f->src), f->rules);
	f->rules = NULL;
	assert_true(n > 0);
	assert_int_equal(rules_count_keyed(auditsock_ctl_fd(f->src), RULES_KEY),
	                 0);
}

static void
test_kernel_tamper_disabled_and_displaced(void **state)
{
	struct fix *f = *state;
	struct auditsock_opts o = {.backlog_limit = 8192};
	struct auditsock_health h;
	int rc = 0, res, go, status;
	pid_t c;

	NEED_NO_DAEMON();
	f->src = auditsock_open(&o);
	assert_non_null(f->src);
	h = health_now(f);
	assert_false(h.disabled || h.displaced || h.locked);
	assert_int_equal(auditsock_reenable(f->src), 0); /* nothing to do */

	shell("auditctl -e 0 >/dev/null");
	h = health_now(f);
	assert_true(h.disabled);
	assert_int_equal(auditsock_reenable(f->src), 0);
	h = health_now(f);
	assert_false(h.disabled);
	assert_int_equal(h.enabled, 1);
	assert_int_equal(auditsock_counters(f->src)->reenabled, 1);
	assert_true(auditsock_counters(f->src)->disabled_polls >= 1);

	/* godo's registration dropped (any socket of this process may), a
	 * rival takes the role */
	f->ctl = audit_open();
	assert_true(f->ctl >= 0);
	assert_true(audit_set_pid(f->ctl, 0, WAIT_NO) > 0);
	c = rival_start(&res, &go);
	assert_true(c > 0);
	f->kids[f->nkids++] = c;
	assert_int_equal(read(res, &rc, sizeof(rc)), sizeof(rc));
	assert_true(rc > 0);
	h = health_now(f);
	assert_true(h.displaced);
	assert_int_equal(h.pid, (uint32_t)c);
	errno = 0;
	assert_int_equal(auditsock_reclaim(f->src, false), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(auditsock_reclaim(f->src, true), 0); /* SIGTERM */
	assert_int_equal(waitpid(c, &status, 0), c);
	f->nkids--;
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	close(res);
	close(go);
	h = health_now(f);
	assert_false(h.displaced);
	assert_int_equal(h.pid, (uint32_t)getpid());
	assert_int_equal(auditsock_counters(f->src)->reclaimed, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_kernel_audit_records_and_restore, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kernel_purge_stale_rules,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kernel_other_daemon_refused,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kernel_other_daemon_forced,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_kernel_connector_fork_exec_exit, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_kernel_tamper_rules_deleted_changed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kernel_tamper_prepended_never,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_kernel_tamper_disabled_and_displaced, setup, teardown),
	};
	int lock =
	    open("/tmp/godo-audit.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	int rc;

	if (lock < 0 || flock(lock, LOCK_EX) != 0) {
		perror("/tmp/godo-audit.lock");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, suite_setup, NULL);
	close(lock);
	return rc;
}
