/* test_scope.c - issue 15's scope decisions without root, driven like
 * test_core (connector and decoded audit events, a fake /proc, the fake
 * store): daemons by what they are (a name alone, in a container or on the
 * host, makes no root; a candidate that serves its socket later is
 * confirmed from the tick, its children recorded then); kernel usermode
 * helpers as roots; a host process that setns into a recorded container
 * recorded from then on, with its children; a process naming itself
 * containerd-shim; and /proc/net/unix lines, hostile ones included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "daemonid.h"
#include "fdgroup.h"
#include "fake_store.h"
#include "fakeproc.h"
#include "schema.h"
#include "syscalls.h"

#define SEC 1000000000LL
#define MS 1000000LL
#define T0 (1700000000LL * SEC) /* wall time at MONOTONIC 0 */
#define BOOT "b"
#define CID "1bd9f71288bd5637173c7454bd20c43375e01276ade2a33530c0875d24f1aa8b"

struct fx {
	struct fakeproc fp;
	struct store *s;
	struct writeback wb;
	struct core *c;
	uint64_t now_ms, serial;
};

static struct sysevent ev; /* big: argv[1024] */

/* No two fake processes share a descriptor table (kcmp would ask the real
 * kernel about the fake pids). */
/* the one child that shares its table; -1: every child; -2: kcmp cannot
 * tell (the child gone already) */
static int32_t shared_child;

static int
fake_files_shared(int32_t a, int32_t b)
{
	(void)a;
	if (shared_child == -2)
		return -1;
	return b == shared_child || shared_child == -1 ? 1 : 0;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct tracker_opts o = {false, 1024, 1024, 5000,
	                         NULL,  0,    NULL, fake_files_shared};
	struct tracker_clock clk = {T0, T0, 100}; /* ticks = mono / 10 ms */

	assert_non_null(f);
	fakeproc_new(&f->fp);
	o.proc_root = f->fp.root;
	f->s = fake_store_new(false);
	assert_int_equal(writeback_init(&f->wb, f->s, "h", BOOT), 0);
	f->c = core_new(&f->wb, &o, BOOT);
	assert_non_null(f->c);
	core_set_clock(f->c, &clk);
	f->now_ms = 1;
	core_set_now(f->c, 1, T0 + MS);
	f->serial = 1000;
	shared_child = 0;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	core_free(f->c);
	writeback_fini(&f->wb);
	fake_store_free(f->s);
	fakeproc_free(&f->fp);
	free(f);
	return 0;
}

static void
now(struct fx *f, uint64_t ms)
{
	if (ms < f->now_ms)
		return;
	f->now_ms = ms;
	core_set_now(f->c, ms, T0 + (int64_t)ms * MS);
}

static void
at(struct fx *f, uint64_t ms)
{
	now(f, ms);
	core_tick(f->c);
}

static void
conn(struct fx *f, enum procconn_what what, int32_t pid, int32_t ptgid,
     uint64_t ms)
{
	struct procconn_event e;

	memset(&e, 0, sizeof(e));
	e.what = what;
	e.ts_ns = ms * (uint64_t)MS;
	e.pid = e.tgid = pid;
	e.ppid = e.ptgid = ptgid;
	now(f, ms);
	core_conn_event(f->c, &e);
}

/* A process forked at ms (start ticks ms / 10), with an exe link. */
static void
fork_proc(struct fx *f, int32_t pid, int32_t ptgid, uint64_t ms,
          const char *comm, const char *exe)
{
	char rel[32];

	fakeproc_task(&f->fp, pid, pid, ptgid, ms / 10, comm);
	snprintf(rel, sizeof(rel), "%d/exe", pid);
	fakeproc_link(&f->fp, rel, exe);
	fakeproc_text(&f->fp, pid, "cmdline", comm, strlen(comm) + 1);
	conn(f, PROCCONN_FORK, pid, ptgid, ms);
}

static void
sev(enum sysev_kind kind, int32_t pid, uint64_t serial, uint64_t ms)
{
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.has_syscall = true;
	ev.success = true;
	ev.pid = pid;
	ev.serial = serial;
	ev.time_ns = T0 + (int64_t)ms * MS;
	ev.cwd = STR_LIT("/");
	ev.dirfd = ev.dirfd2 = SYSEV_AT_FDCWD;
}

static void
audit(struct fx *f)
{
	now(f, (uint64_t)((ev.time_ns - T0) / MS));
	core_audit_event(f->c, &ev);
}

static void
do_execve(struct fx *f, int32_t pid, uint64_t ms, const char *exe,
          const char *a0)
{
	sev(SYSEV_EXECVE, pid, ++f->serial, ms);
	ev.exe = (struct str){exe, strlen(exe)};
	ev.argv[0] = (struct str){a0, strlen(a0)};
	ev.argc = 1;
	ev.comm = ev.argv[0];
	audit(f);
}

static void
open_fd(struct fx *f, int32_t pid, uint64_t ms, const char *name, int64_t fd)
{
	sev(SYSEV_OPEN, pid, ++f->serial, ms);
	ev.path[0].name = (struct str){name, strlen(name)};
	ev.path[0].has_name = true;
	ev.path[0].nametype = NT_CREATE;
	ev.npath = 1;
	ev.exit = fd;
	ev.open_flags = 01101; /* O_WRONLY|O_CREAT|O_TRUNC */
	audit(f);
}

static void
fd_ev(struct fx *f, enum sysev_kind kind, int32_t pid, uint64_t ms, int64_t a0,
      int64_t ret)
{
	sev(kind, pid, ++f->serial, ms);
	ev.a[0] = (uint64_t)a0;
	ev.exit = ret;
	audit(f);
}

static void
open_write(struct fx *f, int32_t pid, uint64_t ms, const char *name)
{
	sev(SYSEV_OPEN, pid, ++f->serial, ms);
	ev.path[0].name = (struct str){name, strlen(name)};
	ev.path[0].has_name = true;
	ev.path[0].nametype = NT_CREATE;
	ev.npath = 1;
	ev.exit = 3;
	ev.open_flags = 01101; /* O_WRONLY|O_CREAT|O_TRUNC */
	audit(f);
	sev(SYSEV_CLOSE, pid, ++f->serial, ms);
	ev.a[0] = 3;
	audit(f);
}

static const bson_t *
pids_doc(struct fx *f, int32_t pid, uint64_t ticks)
{
	char id[TASK_ID_MAX];
	const struct fake_op *op;

	snprintf(id, sizeof(id), BOOT ":%d:%llu", pid,
	         (unsigned long long)ticks);
	op = fake_store_find(f->s, STORE_PIDS, FAKE_INSERT, id);
	return op != NULL ? op->a : NULL;
}

static const bson_t *
file_doc(struct fx *f, const char *name)
{
	return fake_store_find_doc(f->s, STORE_FILES, F_FILENAME, name);
}

static int64_t
gap_count(struct fx *f, const char *source)
{
	int64_t n = 0;
	size_t i;

	for (i = 0; i < fake_store_nops(f->s); i++) {
		const struct fake_op *op = fake_store_op(f->s, i);

		if (op->c == STORE_GAPS && op->b != NULL &&
		    strcmp(fake_str(op->b, "$set." F_GAP_SOURCE), source) == 0)
			n += fake_int(op->b, "$set." F_GAP_COUNT, 0);
	}
	return n;
}

static void
flush(struct fx *f)
{
	core_shutdown(f->c);
}

/* ---- daemons ---- */

/* A host root process named dockerd that serves no socket is no root; a
 * child of it writes unrecorded. */
static void
test_scope_dockerd_name_alone(void **state)
{
	struct fx *f = *state;

	fork_proc(f, 100, 1, 10, "dockerd", "/tmp/x/dockerd");
	fakeproc_host(&f->fp, 100);
	do_execve(f, 100, 11, "/tmp/x/dockerd", "/tmp/x/dockerd");
	fork_proc(f, 101, 100, 20, "sh", "/bin/sh");
	open_write(f, 101, 21, "/tmp/out");
	at(f, 3000);
	flush(f);
	assert_int_equal(core_stats(f->c)->daemons, 0);
	assert_null(pids_doc(f, 100, 1));
	assert_null(file_doc(f, "/tmp/out"));
}

/* A process in another mount namespace (a container's) named dockerd
 * that even serves a docker.sock of its own: no root. */
static void
test_scope_dockerd_in_container(void **state)
{
	struct fx *f = *state;

	fork_proc(f, 100, 1, 10, "dockerd", "/usr/bin/dockerd");
	fakeproc_serving(&f->fp, 100, "/run/docker.sock", 55);
	fakeproc_link(&f->fp, "100/ns/mnt", "mnt:[4026532999]");
	do_execve(f, 100, 11, "/usr/bin/dockerd", "dockerd");
	at(f, 3000);
	flush(f);
	assert_int_equal(core_stats(f->c)->daemons, 0);
	assert_null(pids_doc(f, 100, 1));
}

/* In a container's cgroup: no root either. */
static void
test_scope_dockerd_in_container_cgroup(void **state)
{
	struct fx *f = *state;
	char cg[128];
	int n = snprintf(cg, sizeof(cg), "0::/docker/%s\n", CID);

	fork_proc(f, 100, 1, 10, "dockerd", "/usr/bin/dockerd");
	fakeproc_serving(&f->fp, 100, "/run/docker.sock", 55);
	fakeproc_text(&f->fp, 100, "cgroup", cg, (size_t)n);
	do_execve(f, 100, 11, "/usr/bin/dockerd", "dockerd");
	at(f, 3000);
	assert_int_equal(core_stats(f->c)->daemons, 0);
}

/* A socket with the right path but not a listener, or a listener on
 * another path, confirms nothing. */
static void
test_scope_dockerd_wrong_socket(void **state)
{
	struct fx *f = *state;
	static const char nl[] =
	    "Num RefCount Protocol Flags Type St Inode Path\n"
	    "0000: 00000002 00000000 00000000 0001 03 55 /run/docker.sock\n"
	    "0000: 00000002 00000000 00010000 0001 01 55 /run/docker.sock.x\n";

	fork_proc(f, 100, 1, 10, "dockerd", "/usr/bin/dockerd");
	fakeproc_serving(&f->fp, 100, "/run/other.sock", 55);
	fakeproc_text(&f->fp, 100, "net/unix", nl, sizeof(nl) - 1);
	do_execve(f, 100, 11, "/usr/bin/dockerd", "dockerd");
	at(f, 3000);
	assert_int_equal(core_stats(f->c)->daemons, 0);
}

/* dockerd listens a moment after its exec: confirmed from the tick, and
 * its child forked meanwhile is recorded with it (k3s: containerd run
 * from another binary, named by argv[0] only, works the same). */
static void
test_scope_daemon_confirmed_later(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	fork_proc(f, 100, 1, 10, "containerd", "/var/lib/k3s/data/bin/k3s");
	fakeproc_host(&f->fp, 100);
	do_execve(f, 100, 11, "/var/lib/k3s/data/bin/k3s", "containerd");
	fork_proc(f, 101, 100, 20, "shim", "/bin/shim");
	at(f, 1500);
	assert_int_equal(core_stats(f->c)->daemons, 0);
	fakeproc_serving(&f->fp, 100, "/run/k3s/containerd/containerd.sock",
	                 66);
	at(f, 3000);
	assert_int_equal(core_stats(f->c)->daemons, 1);
	open_write(f, 101, 3001, "/tmp/shim-out");
	flush(f);
	d = pids_doc(f, 100, 1);
	assert_non_null(d);
	assert_true(fake_int(d, F_STAR, 0));
	assert_string_equal(fake_str(d, F_SOURCE), "daemon");
	d = pids_doc(f, 101, 2);
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_PARENT_ID), BOOT ":100:1");
	assert_non_null(file_doc(f, "/tmp/shim-out"));
}

/* A candidate that never serves is given up after its wait. */
static void
test_scope_candidate_expires(void **state)
{
	struct fx *f = *state;

	fork_proc(f, 100, 1, 10, "dockerd", "/usr/bin/dockerd");
	fakeproc_host(&f->fp, 100);
	do_execve(f, 100, 11, "/usr/bin/dockerd", "dockerd");
	at(f, 11 + DAEMONID_WAIT_MS + 1000);
	fakeproc_serving(&f->fp, 100, "/run/docker.sock", 55);
	at(f, 11 + DAEMONID_WAIT_MS + 3000);
	assert_int_equal(core_stats(f->c)->daemons, 0);
}

/* A process that named itself containerd-shim, hanging under init, is
 * not hung under containerd at the snapshot; a genuine shim is. */
static void
test_scope_fake_shim(void **state)
{
	struct fx *f = *state;

	fakeproc_task(&f->fp, 110, 110, 1, 110, "containerd");
	fakeproc_link(&f->fp, "110/exe", "/usr/bin/containerd");
	fakeproc_serving(&f->fp, 110, "/run/containerd/containerd.sock", 78);
	fakeproc_task(&f->fp, 400, 400, 1, 400, "containerd-shim");
	fakeproc_link(&f->fp, "400/exe", "/usr/bin/python3");
	fakeproc_host(&f->fp, 400);
	fakeproc_task(&f->fp, 410, 410, 1, 410, "containerd-shim");
	fakeproc_link(&f->fp, "410/exe", "/usr/bin/containerd-shim-runc-v2");
	fakeproc_host(&f->fp, 410);
	assert_int_equal(core_snapshot(f->c), 0);
	flush(f);
	assert_int_equal(core_stats(f->c)->daemons, 1);
	assert_non_null(pids_doc(f, 110, 110));
	assert_null(pids_doc(f, 400, 400));
	assert_non_null(pids_doc(f, 410, 410));
}

/* ---- usermode helpers ---- */

/* A child of kthreadd that execs is a root of its own; its child is
 * recorded under it; a kernel thread (no exe) in the snapshot is not. */
static void
test_scope_usermode_helper(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	fakeproc_task(&f->fp, 2, 2, 0, 0, "kthreadd");
	fakeproc_task(&f->fp, 50, 50, 2, 1, "kworker/0:1"); /* no exe */
	assert_int_equal(core_snapshot(f->c), 0);
	fork_proc(f, 300, 2, 100, "umh.sh", "/bin/dash");
	conn(f, PROCCONN_EXEC, 300, 2, 101);
	do_execve(f, 300, 101, "/bin/dash", "/bin/sh");
	open_write(f, 300, 102, "/tmp/umh-out");
	fork_proc(f, 301, 300, 110, "cat", "/bin/cat");
	flush(f);
	d = pids_doc(f, 300, 10);
	assert_non_null(d);
	assert_true(fake_int(d, F_STAR, 0));
	assert_string_equal(fake_str(d, F_SOURCE), "usermode_helper");
	assert_non_null(file_doc(f, "/tmp/umh-out"));
	assert_non_null(pids_doc(f, 301, 11));
	assert_null(pids_doc(f, 50, 1));
	assert_null(pids_doc(f, 2, 0));
}

/* modprobe's helper: the child of a kworker (UMH_WAIT_PROC). */
static void
test_scope_helper_of_kworker(void **state)
{
	struct fx *f = *state;

	fakeproc_task(&f->fp, 2, 2, 0, 0, "kthreadd");
	fakeproc_task(&f->fp, 50, 50, 2, 1, "kworker/u4:2");
	assert_int_equal(core_snapshot(f->c), 0);
	fork_proc(f, 300, 50, 100, "modprobe", "/sbin/modprobe");
	conn(f, PROCCONN_EXEC, 300, 50, 101);
	flush(f);
	assert_non_null(pids_doc(f, 300, 10));
	assert_int_equal(core_stats(f->c)->roots, 1);
}

/* A child of an ordinary host process (not a kernel thread) that execs:
 * nothing. */
static void
test_scope_no_helper(void **state)
{
	struct fx *f = *state;

	fork_proc(f, 60, 1, 1, "bash", "/bin/bash");
	fork_proc(f, 300, 60, 100, "ls", "/bin/ls");
	conn(f, PROCCONN_EXEC, 300, 60, 101);
	flush(f);
	assert_null(pids_doc(f, 300, 10));
	assert_int_equal(core_stats(f->c)->roots, 0);
}

/* ---- setns from the host ---- */

/* A recorded container process 200 (mount namespace X); host process 500
 * (not recorded) enters it. */
static void
container_and_host(struct fx *f)
{
	char cg[128];
	int n = snprintf(cg, sizeof(cg), "0::/docker/%s\n", CID);

	fork_proc(f, 100, 1, 10, "dockerd", "/usr/bin/dockerd");
	fakeproc_serving(&f->fp, 100, "/run/docker.sock", 55);
	do_execve(f, 100, 11, "/usr/bin/dockerd", "dockerd");
	fork_proc(f, 200, 100, 20, "sleep", "/bin/sleep");
	fakeproc_host(&f->fp, 200);
	fakeproc_text(&f->fp, 200, "cgroup", cg, (size_t)n);
	fakeproc_link(&f->fp, "200/ns/mnt", "mnt:[4026532999]");
	conn(f, PROCCONN_EXEC, 200, 100, 21);
	fork_proc(f, 500, 1, 30, "nsenter", "/usr/bin/nsenter");
	fakeproc_host(&f->fp, 500);
	fork_proc(f, 501, 500, 31, "nsenter", "/usr/bin/nsenter"); /* before */
}

/* 500's thread links ("task/500/ns/<kind>"): mnt as given, the others
 * the host's. */
static void
task_ns(struct fx *f, int pid, const char *mnt)
{
	static const char *const kinds[] = {
	    "mnt", "pid_for_children", "net", "ipc", "uts", "cgroup"};
	char rel[64], dir[256];
	size_t i;

	snprintf(dir, sizeof(dir), "%s/%d/task/%d/ns", f->fp.root, pid, pid);
	fakeproc_mkdir(dir);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(rel, sizeof(rel), "%d/task/%d/ns/%s", pid, pid,
		         kinds[i]);
		fakeproc_link(&f->fp, rel, i == 0 ? mnt : "x:[4026531841]");
		if (i > 0) {
			snprintf(rel, sizeof(rel), "1/ns/%s", kinds[i]);
			fakeproc_link(&f->fp, rel, "x:[4026531841]");
		}
	}
}

static void
setns_at(struct fx *f, int32_t pid, uint64_t ms)
{
	sev(SYSEV_SETNS, pid, ++f->serial, ms);
	audit(f);
}

static void
test_scope_setns_into_container(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	container_and_host(f);
	task_ns(f, 500, "mnt:[4026532999]");
	setns_at(f, 500, 40);
	fork_proc(f, 502, 500, 41, "sh", "/bin/sh"); /* after: joins */
	open_write(f, 502, 42, "/tmp/setns-file");
	open_write(f, 501, 43, "/tmp/host-file");
	flush(f);
	d = pids_doc(f, 500, 3);
	assert_non_null(d);
	assert_true(fake_int(d, F_STAR, 0));
	assert_true(fake_int(d, F_SETNS, 0));
	assert_string_equal(fake_str(d, F_SOURCE), "setns");
	assert_string_equal(fake_str(d, F_DOCKER_ID), CID);
	d = pids_doc(f, 502, 4);
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_DOCKER_ID), CID);
	d = file_doc(f, "/tmp/setns-file");
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_DOCKER_ID), CID);
	/* forked before the setns: still a host process */
	assert_null(pids_doc(f, 501, 3));
	assert_null(file_doc(f, "/tmp/host-file"));
}

/* A child forked after the setns but known before it is handled (audit
 * lags the connector) joins too. */
static void
test_scope_setns_child_known_first(void **state)
{
	struct fx *f = *state;

	container_and_host(f);
	task_ns(f, 500, "mnt:[4026532999]");
	fork_proc(f, 502, 500, 41, "sh", "/bin/sh");
	setns_at(f, 500, 40);
	open_write(f, 502, 42, "/tmp/setns-file");
	flush(f);
	assert_non_null(pids_doc(f, 502, 4));
	assert_non_null(file_doc(f, "/tmp/setns-file"));
}

/* setns into the host's own namespaces, or another unknown one: nothing
 * recorded. */
static void
test_scope_setns_host_to_host(void **state)
{
	struct fx *f = *state;

	container_and_host(f);
	task_ns(f, 500, "mnt:[4026531841]");
	setns_at(f, 500, 40);
	task_ns(f, 501, "mnt:[4026533333]");
	setns_at(f, 501, 41);
	flush(f);
	assert_null(pids_doc(f, 500, 3));
	assert_null(pids_doc(f, 501, 3));
	assert_int_equal(core_stats(f->c)->roots, 0);
}

/* The host task left before godo could compare: a gap. */
static void
test_scope_setns_gone_is_gap(void **state)
{
	struct fx *f = *state;

	container_and_host(f);
	setns_at(f, 500, 40); /* no task/500/ns links */
	flush(f);
	assert_null(pids_doc(f, 500, 3));
	assert_int_equal(gap_count(f, "setns_unresolved"), 1);
}

/* ---- descriptor tables shared by processes (CLONE_FILES) ---- */

/* dockerd 100 serving; its child 200, which clones 201 sharing its
 * table (shared_child). */
static void
clone_files(struct fx *f)
{
	fork_proc(f, 100, 1, 10, "dockerd", "/usr/bin/dockerd");
	fakeproc_serving(&f->fp, 100, "/run/docker.sock", 55);
	do_execve(f, 100, 11, "/usr/bin/dockerd", "dockerd");
	fork_proc(f, 200, 100, 20, "clonefiles", "/bin/clonefiles");
	shared_child = 201;
	fork_proc(f, 201, 200, 30, "clonefiles", "/bin/clonefiles");
}

static const char *
writer(const bson_t *d, int i)
{
	char key[32];

	snprintf(key, sizeof(key), F_WRITERS ".%d", i);
	return fake_str(d, key);
}

/* The parent opens after the clone, the child writes through that
 * descriptor: counted on the session, the child a writer. */
static void
test_scope_clone_files_sibling_open(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	clone_files(f);
	open_fd(f, 200, 40, "/tmp/shared", 3);
	fd_ev(f, SYSEV_WRITE, 201, 41, 3, 5);
	fd_ev(f, SYSEV_WRITE, 200, 42, 3, 2);
	fd_ev(f, SYSEV_CLOSE, 201, 43, 3, 0); /* closes it for both */
	fd_ev(f, SYSEV_WRITE, 200, 44, 3, 9); /* EBADF in truth: not counted */
	flush(f);
	d = file_doc(f, "/tmp/shared");
	assert_non_null(d);
	assert_int_equal(fake_int(d, F_WRITE_COUNT, -1), 2);
	assert_string_equal(fake_str(d, F_CLOSE_BY), "close");
	assert_string_equal(writer(d, 0), BOOT ":201:3");
	assert_string_equal(writer(d, 1), BOOT ":200:2");
}

/* The child writes and exits first, the parent writes and closes: as
 * clonefiles does. */
static void
test_scope_clone_files_member_exits(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	clone_files(f);
	do_execve(f, 200, 29, "/bin/clonefiles", "clonefiles");
	fd_ev(f, SYSEV_CLONE, 200, 30, 0x400 | 17, 12); /* its ns's pid */
	open_fd(f, 200, 40, "/tmp/shared", 5);
	fd_ev(f, SYSEV_WRITE, 200, 40, 4, 4); /* the pipe */
	fd_ev(f, SYSEV_WRITE, 201, 41, 5, 6);
	conn(f, PROCCONN_EXIT, 201, 200, 42);
	conn(f, PROCCONN_EXIT, 200, 100, 45);
	fd_ev(f, SYSEV_WRITE, 200, 43, 5, 7);
	fd_ev(f, SYSEV_CLOSE, 200, 44, 5, 0);
	at(f, 20000);
	flush(f);
	d = file_doc(f, "/tmp/shared");
	assert_non_null(d);
	assert_int_equal(fake_int(d, F_WRITE_COUNT, -1), 2);
	assert_string_equal(fake_str(d, F_CLOSE_BY), "close");
}

/* A flood of CLONE_FILES children: the map holds FDGROUP_MEMBERS_MAX,
 * the others get copies, each a gap fd_share; all still counted. */
static void
test_scope_clone_files_flood(void **state)
{
	struct fx *f = *state;
	const bson_t *d;
	int32_t pid;

	clone_files(f);
	shared_child = -1;
	for (pid = 1000; pid < 1000 + (int32_t)FDGROUP_MEMBERS_MAX + 10;
	     pid++) {
		fork_proc(f, pid, 200, 40, "c", "/bin/c");
		fd_ev(f, SYSEV_CLONE, 200, 40, 0x400 | 17, pid);
	}
	open_fd(f, 200, 50, "/tmp/shared", 5);
	fd_ev(f, SYSEV_WRITE, 1000, 51, 5, 1);    /* a member: sees it */
	fd_ev(f, SYSEV_WRITE, pid - 1, 52, 5, 1); /* a copy: does not */
	fd_ev(f, SYSEV_CLOSE, 200, 53, 5, 0);
	flush(f);
	d = file_doc(f, "/tmp/shared");
	assert_non_null(d);
	assert_int_equal(fake_int(d, F_WRITE_COUNT, -1), 1);
	/* 201 is a member too */
	assert_int_equal(gap_count(f, "fd_share"), 11);
}

/* kcmp could not tell (the child was gone when godo read its FORK): the
 * parent's clone(2) flags do, its exit value the child's pid in the
 * container's namespace. The child's first event (an open) comes before
 * the parent's open of the file it then writes. A fork(2) is a copy. */
static void
test_scope_clone_flags(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	clone_files(f);
	shared_child = -2;
	sev(SYSEV_CLONE, 200, ++f->serial, 30);
	ev.arch = ARCH_X86_64;
	ev.syscall = 56;
	ev.a[0] = 0x400 | 17; /* CLONE_FILES | SIGCHLD */
	ev.exit = 7;
	audit(f);
	fork_proc(f, 202, 200, 31, "c", "/bin/c");
	open_fd(f, 202, 32, "/dev/null", 3); /* 202: a copy, made now */
	sev(SYSEV_CLONE, 200, ++f->serial, 33);
	ev.arch = ARCH_X86_64;
	ev.syscall = 57; /* fork */
	ev.exit = 8;
	audit(f);
	open_fd(f, 200, 40, "/tmp/shared", 5);
	fd_ev(f, SYSEV_WRITE, 201, 41, 5, 6); /* shares: counted */
	fd_ev(f, SYSEV_WRITE, 202, 42, 5, 6); /* its copy has no 5 */
	fd_ev(f, SYSEV_CLOSE, 200, 44, 5, 0);
	flush(f);
	d = file_doc(f, "/tmp/shared");
	assert_non_null(d);
	assert_int_equal(fake_int(d, F_WRITE_COUNT, -1), 1);
	assert_string_equal(fake_str(d, F_CLOSE_BY), "close");
	assert_string_equal(writer(d, 0), BOOT ":201:3");
}

/* The parent exits first: the table lives on with the child. */
static void
test_scope_clone_files_holder_exits(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	clone_files(f);
	open_fd(f, 201, 40, "/tmp/shared", 4);
	conn(f, PROCCONN_EXIT, 200, 100, 50);
	at(f, 8000); /* the parent swept */
	fd_ev(f, SYSEV_WRITE, 201, 8001, 4, 7);
	assert_null(file_doc(f, "/tmp/shared"));
	conn(f, PROCCONN_EXIT, 201, 200, 8002);
	at(f, 16000);
	d = file_doc(f, "/tmp/shared");
	assert_non_null(d);
	assert_int_equal(fake_int(d, F_WRITE_COUNT, -1), 1);
	assert_string_equal(fake_str(d, F_CLOSE_BY), "exit");
	assert_string_equal(writer(d, 0), BOOT ":201:3");
	flush(f);
}

/* The child execs: it gets a copy; the parent's later open is not its. */
static void
test_scope_clone_files_exec_unshares(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	clone_files(f);
	open_fd(f, 200, 40, "/tmp/before", 3);
	do_execve(f, 201, 41, "/bin/sh", "sh");
	open_fd(f, 200, 42, "/tmp/after", 5);
	fd_ev(f, SYSEV_WRITE, 201, 43, 5, 1); /* not its descriptor */
	fd_ev(f, SYSEV_CLOSE, 200, 44, 3, 0);
	fd_ev(f, SYSEV_WRITE, 201, 45, 3, 4); /* its copy still open */
	fd_ev(f, SYSEV_CLOSE, 201, 46, 3, 0);
	fd_ev(f, SYSEV_CLOSE, 200, 47, 5, 0);
	flush(f);
	d = file_doc(f, "/tmp/before");
	assert_non_null(d);
	assert_int_equal(fake_int(d, F_WRITE_COUNT, -1), 1);
	assert_string_equal(writer(d, 0), BOOT ":201:3");
	d = file_doc(f, "/tmp/after");
	assert_non_null(d);
	assert_int_equal(fake_int(d, F_WRITE_COUNT, -1), 0);
}

/* unshare(CLONE_FILES) by the child: the same. A child that does not
 * share (fork) has a copy from the start. */
static void
test_scope_clone_files_unshare(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	clone_files(f);
	fork_proc(f, 202, 200, 31, "forked", "/bin/forked");
	fd_ev(f, SYSEV_CLONE, 200, 31, 0x11, 202);  /* the parent's fork */
	fd_ev(f, SYSEV_UNSHARE, 201, 39, 0x400, 0); /* CLONE_FILES */
	open_fd(f, 200, 40, "/tmp/after", 3);
	fd_ev(f, SYSEV_WRITE, 201, 41, 3, 1);
	fd_ev(f, SYSEV_WRITE, 202, 42, 3, 1);
	fd_ev(f, SYSEV_CLOSE, 200, 43, 3, 0);
	flush(f);
	d = file_doc(f, "/tmp/after");
	assert_non_null(d);
	assert_int_equal(fake_int(d, F_WRITE_COUNT, -1), 0);
}

/* ---- /proc/net/unix ---- */

static void
test_scope_unix_lines(void **state)
{
	static const char ok[] =
	    "ffff8a: 00000002 00000000 00010000 0001 01 21845 /run/docker.sock";
	static const char spaced[] = "ffff8a: 00000002 00000000 00010000 0001 "
	                             "01 21845 /run/my dir/docker.sock";
	static const char notlisten[] =
	    "ffff8a: 00000003 00000000 00000000 0001 03 21845 /run/docker.sock";
	static const char abstract[] =
	    "ffff8a: 00000002 00000000 00010000 0001 01 21845 @/docker.sock";
	static const char bad_ino[] =
	    "ffff8a: 00000002 00000000 00010000 0001 01 2x845 /run/docker.sock";
	static const char short_line[] = "ffff8a: 00000002 00000000";
	static const char ctd[] = "ffff8a: 00000002 00000000 00010000 0001 01 "
	                          "7 /run/containerd/containerd.sock";

	(void)state;
	assert_int_equal(
	    daemonid_parse_unix_line(ok, sizeof(ok) - 1, DAEMONID_DOCKERD),
	    21845);
	assert_int_equal(daemonid_parse_unix_line(spaced, sizeof(spaced) - 1,
	                                          DAEMONID_DOCKERD),
	                 21845);
	assert_int_equal(
	    daemonid_parse_unix_line(ok, sizeof(ok) - 1, DAEMONID_CONTAINERD),
	    0);
	assert_int_equal(daemonid_parse_unix_line(notlisten,
	                                          sizeof(notlisten) - 1,
	                                          DAEMONID_DOCKERD),
	                 0);
	assert_int_equal(daemonid_parse_unix_line(
	                     abstract, sizeof(abstract) - 1, DAEMONID_DOCKERD),
	                 0);
	assert_int_equal(daemonid_parse_unix_line(bad_ino, sizeof(bad_ino) - 1,
	                                          DAEMONID_DOCKERD),
	                 0);
	assert_int_equal(daemonid_parse_unix_line(short_line,
	                                          sizeof(short_line) - 1,
	                                          DAEMONID_DOCKERD),
	                 0);
	assert_int_equal(
	    daemonid_parse_unix_line(ctd, sizeof(ctd) - 1, DAEMONID_CONTAINERD),
	    7);
	assert_int_equal(daemonid_name("/usr/bin/dockerd", 16),
	                 DAEMONID_DOCKERD);
	assert_int_equal(daemonid_name("dockerd-x", 9), DAEMONID_NONE);
	assert_int_equal(daemonid_name("containerd", 10), DAEMONID_CONTAINERD);
}

/* A /proc/net/unix far longer than a read chunk, with an overlong line
 * before the listener: the listener is still found. */
static void
test_scope_unix_long_file(void **state)
{
	struct fx *f = *state;
	size_t cap = 200000, n = 0;
	char *text = malloc(cap);
	int i;

	assert_non_null(text);
	n += (size_t)snprintf(text + n, cap - n, "Num RefCount\n0000: ");
	for (i = 0; i < 30000; i++)
		text[n++] = 'x';
	text[n++] = '\n';
	for (i = 0; i < 1500; i++)
		n += (size_t)snprintf(text + n, cap - n,
		                      "0000: 00000002 00000000 00000000 0001 "
		                      "03 %d /run/s%d\n",
		                      1000 + i, i);
	n += (size_t)snprintf(text + n, cap - n,
	                      "0000: 00000002 00000000 00010000 0001 01 55 "
	                      "/run/docker.sock\n");
	fakeproc_serving(&f->fp, 100, "/run/docker.sock", 55);
	fakeproc_text(&f->fp, 100, "net/unix", text, n);
	free(text);
	assert_true(daemonid_serves(f->fp.root, 100, DAEMONID_DOCKERD));
	assert_false(daemonid_serves(f->fp.root, 100, DAEMONID_CONTAINERD));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_scope_dockerd_name_alone,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scope_dockerd_in_container,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_scope_dockerd_in_container_cgroup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scope_dockerd_wrong_socket,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scope_daemon_confirmed_later,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scope_candidate_expires, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_scope_fake_shim, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_scope_usermode_helper, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_scope_helper_of_kworker, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_scope_no_helper, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_scope_setns_into_container,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scope_setns_child_known_first,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scope_setns_host_to_host,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scope_setns_gone_is_gap, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_scope_clone_files_sibling_open,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scope_clone_flags, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_scope_clone_files_flood, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_scope_clone_files_member_exits,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scope_clone_files_holder_exits,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_scope_clone_files_exec_unshares, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scope_clone_files_unshare,
	                                    setup, teardown),
	    cmocka_unit_test(test_scope_unix_lines),
	    cmocka_unit_test_setup_teardown(test_scope_unix_long_file, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
