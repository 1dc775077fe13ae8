/* test_priv.c - priv_drop on the real kernel, each test in a forked child
 * (a dropped capability never comes back to the test process): the
 * capability sets and no_new_privs in /proc/self/status, an execve that
 * regains nothing, /proc of a non-dumpable task of another user still
 * readable (and not without the kept capabilities), and godo's audit
 * session still able to poll status, remove its rules and unregister after
 * the drop while CAP_NET_ADMIN is gone. Needs root with the capabilities
 * priv_drop keeps plus CAP_SETPCAP; skips otherwise. The audit test takes
 * /tmp/godo-audit.lock like the other tests that touch the audit state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include <libaudit.h>

#include "log.h"
#include "priv.h"
#include "rules.h"
#include "rules_kern.h"
#include "auditsock.h"
#include "procconn.h"

#define AUDIT_LOCK "/tmp/godo-audit.lock"
#define NOBODY 65534

/* What a child saw, sent back through a pipe. */
struct res {
	int rc;
	char err[256];
	uint64_t before_prm, before_bnd;
	uint64_t inh, prm, eff, bnd, amb;
	int nnp;
	uint64_t exec_prm, exec_eff; /* of /bin/cat run after the drop */
	int exec_ok;
	/* errno of each /proc access to the other user's task, 0: worked */
	int e_exe, e_cwd, e_fddir, e_fdlink, e_mountinfo;
	int e_root_exe, e_root_fdlink; /* a full-capability root task */
	/* the audit test */
	int skipped;
	char why[128];
	int nrules, e_status, e_rcvbufforce, removed, rules_before;
	int rules_left;
	uint32_t pid_after;
};

typedef void child_fn(struct res *r, void *arg);

static bool can_run;
static pid_t nobody = -1, rootful = -1;
static int hold = -1; /* the helpers exit when this closes */

struct status {
	uint64_t inh, prm, eff, bnd, amb;
	int nnp;
};

static uint64_t
hexfield(const char *buf, const char *name)
{
	const char *p = strstr(buf, name);

	return p != NULL ? strtoull(p + strlen(name), NULL, 16) : ~0ull;
}

static void
parse_status(const char *buf, struct status *st)
{
	const char *p = strstr(buf, "\nNoNewPrivs:");

	st->inh = hexfield(buf, "\nCapInh:");
	st->prm = hexfield(buf, "\nCapPrm:");
	st->eff = hexfield(buf, "\nCapEff:");
	st->bnd = hexfield(buf, "\nCapBnd:");
	st->amb = hexfield(buf, "\nCapAmb:");
	st->nnp = p != NULL ? atoi(p + strlen("\nNoNewPrivs:")) : -1;
}

static int
read_status(struct status *st)
{
	char buf[8192];
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	parse_status(buf, st);
	return 0;
}

/* Runs fn in a child and returns what it wrote. */
static void
run_child(child_fn *fn, void *arg, struct res *r)
{
	int p[2], ws;
	pid_t pid;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct res cr;

		close(p[0]);
		memset(&cr, 0, sizeof(cr));
		fn(&cr, arg);
		n = write(p[1], &cr, sizeof(cr));
		_exit(n == (ssize_t)sizeof(cr) ? 0 : 1);
	}
	close(p[1]);
	n = read(p[0], r, sizeof(*r));
	close(p[0]);
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	assert_int_equal(n, (ssize_t)sizeof(*r));
}

static int
errno_of(int rc)
{
	return rc < 0 ? (errno != 0 ? errno : EIO) : 0;
}

static void
drop_and_status(struct res *r)
{
	struct status st;

	if (read_status(&st) == 0) {
		r->before_prm = st.prm;
		r->before_bnd = st.bnd;
	}
	r->rc = priv_drop(r->err, sizeof(r->err));
	if (read_status(&st) == 0) {
		r->inh = st.inh;
		r->prm = st.prm;
		r->eff = st.eff;
		r->bnd = st.bnd;
		r->amb = st.amb;
		r->nnp = st.nnp;
	}
}

/* /bin/cat /proc/self/status: what an execve by the dropped uid 0 gets. */
static void
exec_status(struct res *r)
{
	char buf[8192];
	size_t len = 0;
	ssize_t n;
	int p[2], ws;
	pid_t pid;
	struct status st;

	if (pipe(p) != 0)
		return;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl("/bin/cat", "cat", "/proc/self/status", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (len < sizeof(buf) - 1 &&
	       (n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	close(p[0]);
	buf[len] = '\0';
	if (pid < 0 || waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws) ||
	    WEXITSTATUS(ws) != 0)
		return;
	parse_status(buf, &st);
	r->exec_prm = st.prm;
	r->exec_eff = st.eff;
	r->exec_ok = 1;
}

static void
child_sets(struct res *r, void *arg)
{
	(void)arg;
	drop_and_status(r);
	exec_status(r);
}

static int
caps_set_raw(uint64_t eff, uint64_t prm)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	d[0].effective = (uint32_t)eff;
	d[1].effective = (uint32_t)(eff >> 32);
	d[0].permitted = (uint32_t)prm;
	d[1].permitted = (uint32_t)(prm >> 32);
	return (int)syscall(SYS_capset, &h, d);
}

/* The reads core.c, procfs.c and localstore.c make of another task. */
static void
proc_reads(struct res *r, pid_t pid)
{
	char path[64], buf[4096];
	struct dirent *de;
	DIR *d;
	int fd;

	errno = 0;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	r->e_exe = errno_of((int)readlink(path, buf, sizeof(buf)));
	snprintf(path, sizeof(path), "/proc/%d/cwd", (int)pid);
	r->e_cwd = errno_of((int)readlink(path, buf, sizeof(buf)));
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	r->e_mountinfo = errno_of(fd < 0 ? -1 : (int)read(fd, buf, 4096));
	if (fd >= 0)
		close(fd);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	r->e_fddir = errno_of(d != NULL ? 0 : -1);
	r->e_fdlink = ENOENT;
	while (d != NULL && (de = readdir(d)) != NULL) {
		char lnk[320];

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(lnk, sizeof(lnk), "%s/%s", path, de->d_name);
		r->e_fdlink = errno_of((int)readlink(lnk, buf, sizeof(buf)));
		break;
	}
	if (d != NULL)
		closedir(d);
}

static void
root_reads(struct res *r, pid_t pid)
{
	char path[64], buf[4096];

	errno = 0;
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	r->e_root_exe = errno_of((int)readlink(path, buf, sizeof(buf)));
	snprintf(path, sizeof(path), "/proc/%d/fd/0", (int)pid);
	r->e_root_fdlink = errno_of((int)readlink(path, buf, sizeof(buf)));
}

static void
child_proc(struct res *r, void *arg)
{
	(void)arg;
	r->rc = priv_drop(r->err, sizeof(r->err));
	proc_reads(r, nobody);
	root_reads(r, rootful);
}

/* The control: the same reads with none of the kept capabilities. */
static void
child_proc_without(struct res *r, void *arg)
{
	(void)arg;
	r->rc = caps_set_raw(0, 0);
	proc_reads(r, nobody);
	root_reads(r, rootful);
}

static void
child_audit(struct res *r, void *arg)
{
	struct auditsock_opts ao;
	struct auditsock_status st;
	struct auditsock *src;
	struct rules *rules;
	struct procconn *conn;
	struct rules_opts ro = {getpid(), NULL, 0};
	int v = 1 << 20, ctl, failed = 0;

	(void)arg;
	memset(&ao, 0, sizeof(ao));
	ao.rcvbuf = 1 << 20;
	src = auditsock_open(&ao);
	if (src == NULL) {
		r->skipped = 1;
		snprintf(r->why, sizeof(r->why), "auditsock_open: %s",
		         strerror(errno));
		return;
	}
	ctl = audit_open();
	r->rules_before = ctl >= 0 ? rules_count_keyed(ctl, RULES_KEY) : -1;
	if (ctl >= 0)
		audit_close(ctl);
	conn = procconn_open(0);
	rules = rules_install(auditsock_ctl_fd(src), &ro, &failed);
	r->nrules = rules_count(rules);
	r->rc = priv_drop(r->err, sizeof(r->err));
	/* What godo's loop and teardown do after the drop. */
	r->e_status = auditsock_status(src, &st) == 0 ? 0 : EPERM;
	r->e_rcvbufforce = errno_of(setsockopt(auditsock_fd(src), SOL_SOCKET,
	                                       SO_RCVBUFFORCE, &v, sizeof(v)));
	r->removed = rules_remove(auditsock_ctl_fd(src), rules);
	auditsock_close(src);
	procconn_close(conn);
	ctl = audit_open();
	r->rules_left = ctl >= 0 ? rules_count_keyed(ctl, RULES_KEY) : -1;
	if (ctl >= 0 && auditsock_query_status(ctl, &st, 2000) == 0)
		r->pid_after = st.pid;
	if (ctl >= 0)
		audit_close(ctl);
}

static int
suite_setup(void **state)
{
	struct status st;
	uint64_t need = priv_keep_mask() | (1ull << CAP_SETPCAP);
	int p[2];
	char c;

	(void)state;
	log_init("test_priv", LOG_LVL_ERROR);
	can_run =
	    geteuid() == 0 && read_status(&st) == 0 && (st.eff & need) == need;
	if (!can_run)
		return 0;
	/* Two tasks blocked on a pipe until the suite ends: one of another
	 * user, dumpable as after any plain execve (setuid cleared that), as
	 * godo meets them in containers; one root with every capability, as
	 * dockerd and containerd. */
	if (pipe(p) != 0)
		return -1;
	nobody = fork();
	if (nobody == 0) {
		close(p[1]);
		if (setgid(NOBODY) != 0 || setuid(NOBODY) != 0 ||
		    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0)
			_exit(1);
		(void)read(p[0], &c, 1);
		_exit(0);
	}
	rootful = fork();
	if (rootful == 0) {
		close(p[1]);
		(void)read(p[0], &c, 1);
		_exit(0);
	}
	close(p[0]);
	hold = p[1];
	if (nobody < 0 || rootful < 0)
		return -1;
	usleep(100000);
	return 0;
}

static int
suite_teardown(void **state)
{
	(void)state;
	if (hold >= 0)
		close(hold);
	if (nobody > 0)
		waitpid(nobody, NULL, 0);
	if (rootful > 0)
		waitpid(rootful, NULL, 0);
	return 0;
}

#define NEED_CAPS()                                                            \
	do {                                                                   \
		if (!can_run) {                                                \
			print_message("not root with full capabilities: "      \
			              "skipped\n");                            \
			skip();                                                \
		}                                                              \
	} while (0)

static void
test_priv_drop_leaves_kept_sets_and_no_new_privs(void **state)
{
	struct res r;
	uint64_t keep = priv_keep_mask();

	(void)state;
	NEED_CAPS();
	run_child(child_sets, NULL, &r);
	if (r.rc != 0)
		print_message("priv_drop: %s\n", r.err);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.eff, keep & r.before_prm);
	assert_int_equal(r.prm, keep & r.before_prm);
	assert_int_equal(r.inh, 0);
	assert_int_equal(r.amb, 0);
	assert_int_equal(r.bnd, keep & r.before_bnd);
	assert_int_equal(r.nnp, 1);
	assert_true((keep & (1ull << CAP_NET_ADMIN)) == 0);
	assert_true((keep & (1ull << CAP_SETPCAP)) == 0);
	/* uid 0 execs a plain binary: nothing beyond the kept set. */
	assert_int_equal(r.exec_ok, 1);
	assert_int_equal(r.exec_prm & ~keep, 0);
	assert_int_equal(r.exec_eff & ~keep, 0);
}

static void
test_priv_drop_keeps_proc_of_other_users(void **state)
{
	struct res r;

	(void)state;
	NEED_CAPS();
	run_child(child_proc, NULL, &r);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.e_exe, 0);
	assert_int_equal(r.e_cwd, 0);
	assert_int_equal(r.e_fddir, 0);
	assert_int_equal(r.e_fdlink, 0);
	assert_int_equal(r.e_mountinfo, 0);
	assert_int_equal(r.e_root_exe, 0);
	assert_int_equal(r.e_root_fdlink, 0);
}

/* Shows the test above means something: the same reads fail without the
 * kept capabilities (CAP_SYS_PTRACE for the links, CAP_DAC_READ_SEARCH for
 * the fd directory). */
static void
test_proc_of_other_users_needs_kept_caps(void **state)
{
	struct res r;

	(void)state;
	NEED_CAPS();
	run_child(child_proc_without, NULL, &r);
	assert_int_equal(r.rc, 0);
	assert_int_not_equal(r.e_exe, 0);
	assert_int_not_equal(r.e_cwd, 0);
	assert_int_not_equal(r.e_fddir, 0);
	assert_int_not_equal(r.e_root_exe, 0);
	assert_int_not_equal(r.e_root_fdlink, 0);
	assert_int_equal(r.e_mountinfo, 0); /* world-readable, no check */
}

static void
test_priv_drop_keeps_audit_teardown(void **state)
{
	struct res r;
	int lock;

	(void)state;
	NEED_CAPS();
	lock = open(AUDIT_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	assert_true(lock >= 0);
	assert_int_equal(flock(lock, LOCK_EX), 0);
	run_child(child_audit, NULL, &r);
	close(lock);
	if (r.skipped) {
		print_message("%s: skipped\n", r.why);
		skip();
	}
	if (r.rc != 0)
		print_message("priv_drop: %s\n", r.err);
	assert_int_equal(r.rc, 0);
	assert_true(r.nrules > 0);
	assert_int_equal(r.e_status, 0);          /* AUDIT_GET still allowed */
	assert_int_equal(r.e_rcvbufforce, EPERM); /* CAP_NET_ADMIN gone */
	assert_int_equal(r.removed, r.nrules);
	assert_int_equal(r.rules_left, r.rules_before);
	assert_int_equal(r.pid_after, 0); /* unregistered */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_priv_drop_leaves_kept_sets_and_no_new_privs),
	    cmocka_unit_test(test_priv_drop_keeps_proc_of_other_users),
	    cmocka_unit_test(test_proc_of_other_users_needs_kept_caps),
	    cmocka_unit_test(test_priv_drop_keeps_audit_teardown),
	};

	return cmocka_run_group_tests(tests, suite_setup, suite_teardown);
}
