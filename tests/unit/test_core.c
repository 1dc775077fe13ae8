/* test_core.c - the listener's logic driven by event sequences, without
 * root: connector events and decoded audit events built here, a fake
 * /proc (fakeproc.h) and the fake store. Covers task incarnations (pid
 * reuse, late events), exec args, exit codes, container attribution,
 * open-file sessions (shadowing, dup routing, dirfds), path operations,
 * the fds flush, the sweep, the snapshot and shutdown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corebase.h"

#define DAEMON 100

static int
setup_all(void **state)
{
	return fx_setup(state, true, false);
}

static int
setup_insert_only(void **state)
{
	return fx_setup(state, false, true);
}

static void
conn(struct fx *f, enum procconn_what what, int32_t pid, int32_t tgid,
     int32_t ptgid, uint64_t ms, uint32_t code)
{
	struct procconn_event e;

	memset(&e, 0, sizeof(e));
	e.what = what;
	e.ts_ns = ms * (uint64_t)MS;
	e.pid = pid;
	e.tgid = tgid;
	e.ppid = e.ptgid = ptgid;
	e.exit_code = code;
	now(f, ms);
	core_conn_event(f->c, &e);
}

/* A FORK at ms, its /proc entry (start ticks = ms / 10) made first. */
static void
fork_task(struct fx *f, int32_t pid, int32_t tgid, int32_t ptgid, uint64_t ms)
{
	fakeproc_task(&f->fp, tgid, pid, ptgid, ms / 10, "sh");
	conn(f, PROCCONN_FORK, pid, tgid, ptgid, ms, 0);
}

static void
exit_task(struct fx *f, int32_t pid, uint64_t ms, uint32_t status)
{
	conn(f, PROCCONN_EXIT, pid, pid, 1, ms, status);
}

static void
sev_path(unsigned int i, const char *name, enum sysev_nametype nt)
{
	ev.path[i].name = (struct str){name, strlen(name)};
	ev.path[i].has_name = true;
	ev.path[i].nametype = nt;
	if (ev.npath <= i)
		ev.npath = i + 1;
}

/* execve(exe, argv...) by pid at ms */
static void
do_execve(struct fx *f, int32_t pid, uint64_t ms, const char *exe,
          const char *a0, const char *a1)
{
	sev(SYSEV_EXECVE, pid, ++f->serial, ms);
	ev.exe = (struct str){exe, strlen(exe)};
	ev.argv[0] = (struct str){a0, strlen(a0)};
	ev.argc = 1;
	if (a1 != NULL) {
		ev.argv[1] = (struct str){a1, strlen(a1)};
		ev.argc = 2;
	}
	ev.comm = ev.argv[0];
	audit(f);
}

/* dockerd as pid DAEMON, known from /proc and its execve. */
static void
start_daemon(struct fx *f)
{
	fakeproc_task(&f->fp, DAEMON, DAEMON, 1, 1, "dockerd");
	fakeproc_serving(&f->fp, DAEMON, "/run/docker.sock", 4242);
	do_execve(f, DAEMON, 1, "/usr/bin/dockerd", "/usr/bin/dockerd", NULL);
}

static uint64_t
open_file(struct fx *f, int32_t pid, uint64_t ms, const char *name, int64_t fd,
          uint64_t flags)
{
	sev(SYSEV_OPEN, pid, ++f->serial, ms);
	sev_path(0, name, NT_CREATE);
	ev.exit = fd;
	ev.open_flags = flags;
	audit(f);
	return f->serial;
}

static void
fd_call(struct fx *f, enum sysev_kind kind, int32_t pid, uint64_t serial,
        uint64_t ms, int64_t a0, int64_t ret)
{
	sev(kind, pid, serial, ms);
	ev.a[0] = (uint64_t)a0;
	ev.exit = ret;
	audit(f);
}

/* ---- tasks ---- */

/* A child of dockerd is recorded and written 1 s after its exit, with its
 * parent's _id. */
static void
test_core_child_of_daemon_recorded(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	exit_task(f, 200, 5500, 0);
	at(f, 5500);
	assert_null(pids_doc(f, 200, 500));
	at(f, 6600);
	d = pids_doc(f, 200, 500);
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_PARENT_ID), BOOT ":100:1");
	assert_string_equal(fake_str(d, F_SOURCE), "fork");
	assert_int_equal(fake_int(d, F_START_NS, 0), T0 + 5000 * MS);
	assert_int_equal(fake_int(d, F_EXIT_CODE, -1), 0);
	/* the daemon itself, with its mark */
	assert_null(pids_doc(f, DAEMON, 1)); /* younger than 10 s */
	core_shutdown(f->c);
	assert_true(fake_int(pids_doc(f, DAEMON, 1), F_STAR, 0));
}

/* Outside the Docker tree nothing is written. */
static void
test_core_outside_tree_not_recorded(void **state)
{
	struct fx *f = *state;

	fork_task(f, 300, 300, 1, 5000);
	exit_task(f, 300, 5100, 0);
	at(f, 7000);
	core_shutdown(f->c);
	assert_int_equal(fake_store_nops(f->s), 0);
}

/* -all: every task. */
static void
test_core_all_records_everything(void **state)
{
	struct fx *f = *state;

	fork_task(f, 300, 300, 1, 5000);
	core_shutdown(f->c);
	assert_non_null(pids_doc(f, 300, 500));
}

/* A new task with a pid in use: the old incarnation stays behind it until
 * swept, the new one has its own _id. */
static void
test_core_pid_reuse_new_id(void **state)
{
	struct fx *f = *state;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	exit_task(f, 200, 5100, 0);
	fork_task(f, 200, 200, DAEMON, 8000);
	at(f, 8000);
	assert_non_null(pids_doc(f, 200, 500)); /* released: written */
	core_shutdown(f->c);
	assert_non_null(pids_doc(f, 200, 800));
	assert_false(fake_has(pids_doc(f, 200, 800), F_EXIT_NS));
}

/* An audit event that comes late (within 2 s of the exit) still belongs to
 * the task that exited. */
static void
test_core_late_event_of_old_incarnation(void **state)
{
	struct fx *f = *state;
	uint64_t s;
	const bson_t *d;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	s = open_file(f, 200, 5050, "/tmp/late", 3, O_WRONLY | O_CREAT);
	exit_task(f, 200, 5100, 0);
	fd_call(f, SYSEV_CLOSE, 200, s + 1, 6000, 3, 0);
	core_shutdown(f->c);
	d = file_doc(f, "/tmp/late");
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_PROC_ID), BOOT ":200:500");
	assert_false(fake_has(d, F_CLOSE_BY)); /* "close" */
}

/* Later than that, the pid is someone else: read from /proc, and the
 * dispatcher says so first, so the loop can read the connector. */
static void
test_core_event_after_exit_window(void **state)
{
	struct fx *f = *state;
	const struct tracker_stats *st = core_stats(f->c);

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	exit_task(f, 200, 5100, 0);
	fakeproc_task(&f->fp, 200, 200, DAEMON, 700, "sh");
	sev(SYSEV_WRITE, 200, ++f->serial, 8000);
	assert_false(core_audit_known(f->c, &ev));
	audit(f);
	assert_int_equal(st->unattributed, 0);
	sev(SYSEV_WRITE, 200, ++f->serial, 8001);
	assert_true(core_audit_known(f->c, &ev));
	core_shutdown(f->c);
	assert_string_equal(fake_str(pids_doc(f, 200, 700), F_SOURCE), "audit");
}

/* A pid that is nowhere: the event is counted as unattributed. */
static void
test_core_unknown_pid_unattributed(void **state)
{
	struct fx *f = *state;

	sev(SYSEV_OPEN, 999, 5, 10);
	assert_false(core_audit_known(f->c, &ev));
	audit(f);
	assert_int_equal(core_stats(f->c)->unattributed, 1);
	assert_int_equal(core_stats(f->c)->audit_events, 1);
	/* events godo does not attribute at all */
	sev(SYSEV_CLONE, 999, 6, 10);
	assert_true(core_audit_known(f->c, &ev));
}

/* execve's arguments, exe and cwd into the document. */
static void
test_core_exec_args(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	do_execve(f, 200, 5001, "/bin/cat", "cat", "/etc/passwd");
	core_shutdown(f->c);
	d = pids_doc(f, 200, 500);
	assert_string_equal(fake_str(d, "args.1"), "/etc/passwd");
	assert_string_equal(fake_str(d, F_EXE), "/bin/cat");
	assert_string_equal(fake_str(d, F_CWD), "/work");
	assert_string_equal(fake_str(d, "execve.0.args.0"), "cat");
	assert_int_equal(fake_int(d, F_EXECVE_COUNT, 0), 1);
}

/* The connector's exit status: code and signal. */
static void
test_core_exit_code(void **state)
{
	struct fx *f = *state;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	fork_task(f, 201, 201, DAEMON, 5000);
	exit_task(f, 200, 5100, 2 << 8);
	exit_task(f, 201, 5100, 15);
	at(f, 7000);
	assert_int_equal(fake_int(pids_doc(f, 200, 500), F_EXIT_CODE, -1), 2);
	assert_int_equal(fake_int(pids_doc(f, 201, 500), F_EXIT_SIGNAL, -1),
	                 15);
}

/* A thread takes its process's container and membership. */
static void
test_core_thread_inherits(void **state)
{
	struct fx *f = *state;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	fork_task(f, 201, 200, DAEMON, 5010);
	core_shutdown(f->c);
	assert_true(fake_int(pids_doc(f, 201, 501), F_THREAD, 0));
	assert_int_equal(fake_int(pids_doc(f, 201, 501), F_TGID, 0), 200);
}

/* ---- containers ---- */

static const char mountinfo[] =
    "1 0 0:1 / /proc rw - proc proc rw\n"
    "2 1 0:2 / / rw - overlay overlay rw,lowerdir=/l,"
    "upperdir=/var/lib/docker/overlay2/abc/diff,workdir=/w\n";

/* At exec the cgroup names the container; the rootfs is the overlay's
 * merged directory. */
static void
test_core_container_from_cgroup(void **state)
{
	struct fx *f = *state;
	const char cg[] = "0::/docker/" CID "\n";
	const bson_t *d;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	fakeproc_text(&f->fp, 200, "cgroup", cg, sizeof(cg) - 1);
	fakeproc_text(&f->fp, 200, "mountinfo", mountinfo,
	              sizeof(mountinfo) - 1);
	conn(f, PROCCONN_EXEC, 200, 200, 0, 5001, 0);
	fork_task(f, 202, 202, 200, 5002); /* inherits at fork */
	core_shutdown(f->c);
	d = pids_doc(f, 200, 500);
	assert_string_equal(fake_str(d, F_DOCKER_ID), CID);
	assert_string_equal(fake_str(d, F_ROOTFS),
	                    "/var/lib/docker/overlay2/abc/merged");
	assert_string_equal(fake_str(pids_doc(f, 202, 500), F_DOCKER_ID), CID);
}

/* runc (pid 200) started for CID by the daemon, and its child pid, forked
 * at 5002 and gone before its cgroup could be read, whose exec the
 * connector reports at 5003. */
static void
runc_child_gone(struct fx *f, int32_t pid)
{
	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	do_execve(f, 200, 5001, "/usr/bin/runc", "runc", CID);
	fork_task(f, pid, pid, 200, 5002);
	fakeproc_gone(&f->fp, pid);
	conn(f, PROCCONN_EXEC, pid, pid, 0, 5003, 0);
}

/* A process runc started that is gone before its cgroup could be read
 * takes the container runc was started for. */
static void
test_core_container_from_runc_hint(void **state)
{
	struct fx *f = *state;

	runc_child_gone(f, 210);
	exit_task(f, 210, 5004, 0);
	at(f, 7000);
	assert_string_equal(fake_str(pids_doc(f, 210, 500), F_DOCKER_ID), CID);
	assert_false(fake_has(pids_doc(f, 200, 500), F_DOCKER_ID));
}

/* runc (or the shim) naming a container is the host's, even gone before
 * its cgroup was read; so are its forks that never exec. */
static void
test_core_container_runtime_gone_stays_host(void **state)
{
	struct fx *f = *state;
	size_t i, unlinks = 0;

	start_daemon(f);
	fork_task(f, 190, 190, DAEMON, 4990);
	do_execve(f, 190, 4991, "/usr/bin/containerd-shim-runc-v2",
	          "containerd-shim-runc-v2", CID);
	fork_task(f, 200, 200, 190, 5000);
	fakeproc_gone(&f->fp, 200);
	conn(f, PROCCONN_EXEC, 200, 200, 190, 5001, 0);
	/* Go's child before its execve: audited first, the runtime unknown */
	sev(SYSEV_UNLINK, 200, ++f->serial, 5001);
	sev_path(0, "pre.txt", NT_DELETE);
	audit(f);
	do_execve(f, 200, 5001, "/usr/bin/runc", "runc", CID);
	fork_task(f, 220, 220, 200, 5002);
	fakeproc_gone(&f->fp, 220);
	sev(SYSEV_UNLINK, 220, ++f->serial, 5003);
	sev_path(0, "gone.txt", NT_DELETE);
	audit(f);
	exit_task(f, 220, 5004, 0);
	exit_task(f, 200, 5005, 0);
	at(f, 7000);
	assert_false(fake_has(pids_doc(f, 200, 500), F_DOCKER_ID));
	assert_false(fake_has(pids_doc(f, 220, 500), F_DOCKER_ID));
	for (i = 0; i < fake_store_nops(f->s); i++) {
		const struct fake_op *o = fake_store_op(f->s, i);

		if (o->c == STORE_FILES && o->t == FAKE_INSERT) {
			unlinks++;
			assert_false(fake_has(o->a, F_DOCKER_ID));
		}
	}
	assert_int_equal(unlinks, 2);
}

/* The container's init gone before its cgroup was read, and its child that
 * never execs (busybox sh runs mv as a forked applet): the child settles
 * from the same runc as its parent, not left without a container. */
static void
test_core_container_fork_child_of_unsettled(void **state)
{
	struct fx *f = *state;

	runc_child_gone(f, 210);
	do_execve(f, 210, 5003, "/bin/sh", "sh", "-c");
	fork_task(f, 211, 211, 210, 5004);
	fakeproc_gone(&f->fp, 211);
	sev(SYSEV_UNLINK, 211, ++f->serial, 5004);
	sev_path(0, "gone.txt", NT_DELETE);
	audit(f);
	exit_task(f, 211, 5005, 0);
	exit_task(f, 210, 5006, 0);
	at(f, 7000);
	assert_string_equal(fake_str(pids_doc(f, 211, 500), F_DOCKER_ID), CID);
	assert_string_equal(fake_str(pids_doc(f, 210, 500), F_DOCKER_ID), CID);
	assert_string_equal(
	    fake_str(fake_store_find_doc(f->s, STORE_FILES, F_OP, "unlink"),
	             F_DOCKER_ID),
	    CID);
}

/* A prestart hook runc runs on the host (Docker's libnetwork-setkey: the
 * daemon's own binary), gone before its cgroup was read: the host's, not
 * the container's runc was started for (test_auditd: plugin_agrees_ops). */
static void
test_core_container_runc_hook_stays_host(void **state)
{
	struct fx *f = *state;

	runc_child_gone(f, 230);
	/* run in runc's bundle directory, which names the container */
	sev(SYSEV_EXECVE, 230, ++f->serial, 5003);
	ev.exe = STR_LIT("/usr/bin/dockerd");
	ev.argv[0] = STR_LIT("libnetwork-setkey");
	ev.argv[1] = STR_LIT(CID);
	ev.argc = 2;
	ev.comm = ev.argv[0];
	ev.cwd =
	    STR_LIT("/run/containerd/io.containerd.runtime.v2.task/moby/" CID);
	audit(f);
	sev(SYSEV_UNLINK, 230, ++f->serial, 5004);
	sev_path(0, "hook.txt", NT_DELETE);
	audit(f);
	exit_task(f, 230, 5005, 0);
	at(f, 7000);
	assert_false(fake_has(pids_doc(f, 230, 500), F_DOCKER_ID));
	assert_false(
	    fake_has(fake_store_find_doc(f->s, STORE_FILES, F_OP, "unlink"),
	             F_DOCKER_ID));
}

/* The spoof: a container's init that is a binary at /usr/bin/dockerd
 * (its name, args and directory the image's), gone before its cgroup was
 * read, is still the container's: not taken for a hook. */
static void
test_core_container_init_named_dockerd_not_hook(void **state)
{
	struct fx *f = *state;

	runc_child_gone(f, 231);
	do_execve(f, 231, 5003, "/usr/bin/dockerd", "libnetwork-setkey", CID);
	sev(SYSEV_UNLINK, 231, ++f->serial, 5004);
	sev_path(0, "evade.txt", NT_DELETE);
	audit(f);
	exit_task(f, 231, 5005, 0);
	at(f, 7000);
	assert_string_equal(fake_str(pids_doc(f, 231, 500), F_DOCKER_ID), CID);
	assert_string_equal(
	    fake_str(fake_store_find_doc(f->s, STORE_FILES, F_OP, "unlink"),
	             F_DOCKER_ID),
	    CID);
}

/* setns and pivot_root of a task not yet written go into its document. */
static void
test_core_setns_and_pivot_root(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	fakeproc_text(&f->fp, 200, "mountinfo", mountinfo,
	              sizeof(mountinfo) - 1);
	sev(SYSEV_SETNS, 200, ++f->serial, 5001);
	audit(f);
	sev(SYSEV_PIVOT_ROOT, 200, ++f->serial, 5002);
	audit(f);
	core_shutdown(f->c);
	d = pids_doc(f, 200, 500);
	assert_true(fake_int(d, F_SETNS, 0));
	assert_string_equal(fake_str(d, F_ROOTFS),
	                    "/var/lib/docker/overlay2/abc/merged");
}

/* ---- open files ---- */

/* open, two writes, close: one files document, path from the cwd. */
static void
test_core_open_write_close(void **state)
{
	struct fx *f = *state;
	uint64_t s;
	const bson_t *d;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	s = open_file(f, 200, 5001, "out/a.txt", 4, O_WRONLY | O_CREAT);
	fd_call(f, SYSEV_WRITE, 200, s + 1, 5002, 4, 10);
	fd_call(f, SYSEV_WRITE, 200, s + 2, 5003, 4, 5);
	fd_call(f, SYSEV_CLOSE, 200, s + 3, 5004, 4, 0);
	at(f, 6000);
	assert_null(file_doc(f, "/work/out/a.txt")); /* held */
	at(f, 8000);
	d = file_doc(f, "/work/out/a.txt");
	assert_non_null(d);
	assert_int_equal(fake_int(d, F_WRITE_COUNT, 0), 2);
	assert_int_equal(fake_int(d, F_WRITE_BYTES, 0), 15);
	assert_int_equal(fake_int(d, F_FD, 0), 4);
	assert_false(fake_has(d, F_CLOSE_BY)); /* "close" */
	assert_int_equal(core_stats(f->c)->files_closed, 1);
}

/* A write that the audit serial places before a reopen of the same number
 * counts for the earlier file. */
static void
test_core_fd_shadowing(void **state)
{
	struct fx *f = *state;
	uint64_t s1, s2;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	s1 = open_file(f, 200, 5001, "/tmp/one", 3, O_WRONLY);
	f->serial += 5;
	s2 = open_file(f, 200, 5002, "/tmp/two", 3, O_WRONLY);
	fd_call(f, SYSEV_WRITE, 200, s1 + 2, 5003, 3, 100);
	fd_call(f, SYSEV_CLOSE, 200, s1 + 3, 5004, 3, 0);
	fd_call(f, SYSEV_CLOSE, 200, s2 + 1, 5005, 3, 0);
	core_shutdown(f->c);
	assert_int_equal(fake_int(file_doc(f, "/tmp/one"), F_WRITE_BYTES, -1),
	                 100);
	assert_int_equal(fake_int(file_doc(f, "/tmp/two"), F_WRITE_BYTES, -1),
	                 0);
}

/* The same across the wrap of the kernel's 32-bit serial: the reopen got
 * serial 3, the write 0xffffffff is older and counts for the first file;
 * the close at 0 closes the first file, not the second. */
static void
test_core_fd_shadowing_across_serial_wrap(void **state)
{
	struct fx *f = *state;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	f->serial = 0xfffffffdu;
	(void)open_file(f, 200, 5001, "/tmp/one", 3, O_WRONLY);
	f->serial = 2;
	(void)open_file(f, 200, 5002, "/tmp/two", 3, O_WRONLY);
	fd_call(f, SYSEV_WRITE, 200, 0xffffffffu, 5003, 3, 100);
	fd_call(f, SYSEV_CLOSE, 200, 0, 5004, 3, 0);
	fd_call(f, SYSEV_WRITE, 200, 4, 5005, 3, 7);
	fd_call(f, SYSEV_CLOSE, 200, 5, 5006, 3, 0);
	core_shutdown(f->c);
	assert_int_equal(fake_int(file_doc(f, "/tmp/one"), F_WRITE_BYTES, -1),
	                 100);
	assert_false(
	    fake_has(file_doc(f, "/tmp/one"), F_CLOSE_BY)); /* "close" */
	assert_int_equal(fake_int(file_doc(f, "/tmp/two"), F_WRITE_BYTES, -1),
	                 7);
	assert_false(
	    fake_has(file_doc(f, "/tmp/two"), F_CLOSE_BY)); /* "close" */
}

/* dup2(3, 1), a write on 1, close 3: still open; close 1: written once
 * with the write. */
static void
test_core_dup_routing(void **state)
{
	struct fx *f = *state;
	uint64_t s;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	s = open_file(f, 200, 5001, "/var/log/app.log", 3, O_WRONLY | O_APPEND);
	fd_call(f, SYSEV_DUP, 200, s + 1, 5002, 3, 1);
	fd_call(f, SYSEV_WRITE, 200, s + 2, 5003, 1, 42);
	fd_call(f, SYSEV_CLOSE, 200, s + 3, 5004, 3, 0);
	at(f, 9000);
	assert_null(file_doc(f, "/var/log/app.log"));
	fd_call(f, SYSEV_CLOSE, 200, s + 4, 9001, 1, 0);
	at(f, 12000);
	assert_int_equal(
	    fake_int(file_doc(f, "/var/log/app.log"), F_WRITE_BYTES, -1), 42);
	assert_int_equal(fake_store_count(f->s, STORE_FILES, FAKE_INSERT), 1);
}

/* openat(dirfd, name): against the directory godo saw opened, else the
 * process's fd link in /proc. */
static void
test_core_dirfd_resolution(void **state)
{
	struct fx *f = *state;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	(void)open_file(f, 200, 5001, "/srv/data", 7, O_RDONLY);
	sev(SYSEV_OPEN, 200, ++f->serial, 5002);
	sev_path(0, "x.log", NT_CREATE);
	ev.dirfd = 7;
	ev.exit = 8;
	ev.open_flags = O_WRONLY | O_CREAT;
	audit(f);
	fakeproc_link(&f->fp, "200/fd/9", "/opt/old");
	sev(SYSEV_OPEN, 200, ++f->serial, 5003);
	sev_path(0, "y.log", NT_CREATE);
	ev.dirfd = 9;
	ev.exit = 10;
	ev.open_flags = O_WRONLY;
	audit(f);
	core_shutdown(f->c);
	assert_non_null(fake_store_find_doc(f->s, STORE_FDS, F_FILENAME,
	                                    "/srv/data/x.log"));
	assert_non_null(
	    fake_store_find_doc(f->s, STORE_FDS, F_FILENAME, "/opt/old/y.log"));
}

/* A file open longer than a second is in fds at the next flush; its close
 * writes files and deletes the fds document. */
static void
test_core_long_open_file_in_fds(void **state)
{
	struct fx *f = *state;
	uint64_t s;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	s = open_file(f, 200, 5001, "/data/db", 5, O_RDWR);
	at(f, 5300);
	assert_int_equal(fake_store_count(f->s, STORE_FDS, FAKE_INSERT), 0);
	fd_call(f, SYSEV_WRITE, 200, s + 1, 6500, 5, 1);
	at(f, 6600);
	assert_int_equal(fake_store_count(f->s, STORE_FDS, FAKE_INSERT), 1);
	fd_call(f, SYSEV_CLOSE, 200, s + 2, 6700, 5, 0);
	assert_int_equal(fake_store_count(f->s, STORE_FDS, FAKE_DELETE), 1);
	assert_non_null(file_doc(f, "/data/db"));
}

/* The process exits without closing: its files close at the sweep after
 * the grace period ("exit"), once the audit stream has passed the exit by
 * the grace too. */
static void
test_core_exit_closes_files(void **state)
{
	struct fx *f = *state;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	(void)open_file(f, 200, 5001, "/tmp/left", 3, O_WRONLY);
	exit_task(f, 200, 5002, 0);
	at(f, 6000);
	assert_null(file_doc(f, "/tmp/left"));
	(void)open_file(f, DAEMON, 10500, "/tmp/daemon", 4, O_RDONLY);
	at(f, 11000);
	assert_null(proctab_get(core_proctab(f->c), 200)); /* retired */
	at(f, 13100);
	assert_string_equal(fake_str(file_doc(f, "/tmp/left"), F_CLOSE_BY),
	                    "exit");
}

/* godo lags the kernel: the connector's EXIT is read seconds before the
 * task's last audit events. While godo reads that backlog, the task stays
 * until the audit stream has passed its exit by the grace, so a late
 * event is still its own; once no audit event comes, it goes. */
static void
test_core_exited_task_kept_while_audit_lags(void **state)
{
	struct fx *f = *state;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	exit_task(f, 200, 5002, 0);
	now(f, 11900); /* the backlog: an event of 5001 read at 11900 */
	(void)open_file(f, DAEMON, 5001, "/tmp/backlog", 4, O_RDONLY);
	at(f, 12000); /* godo's grace is over, the stream's is not */
	assert_non_null(proctab_get(core_proctab(f->c), 200));
	(void)open_file(f, 200, 5001, "/tmp/late", 3, O_WRONLY);
	assert_non_null(proctab_get(core_proctab(f->c), 200));
	at(f, 13500); /* no audit event for 1.5 s: caught up */
	assert_null(proctab_get(core_proctab(f->c), 200));
}

/* Aging by event time: under load the audit stream passes an exit long
 * before godo's grace is over. Every record of a task is queued before its
 * exit, so once the stream is a second past it the task goes at the next
 * sweep, its files closed "exit"; until then it is kept. */
static void
test_core_exited_task_goes_once_stream_passed(void **state)
{
	struct fx *f = *state;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	(void)open_file(f, 200, 5001, "/tmp/mine", 3, O_WRONLY);
	exit_task(f, 200, 5002, 0);
	(void)open_file(f, DAEMON, 5900, "/tmp/d1", 4, O_RDONLY);
	at(f, 5950); /* the stream 0.9 s past the exit */
	assert_non_null(proctab_get(core_proctab(f->c), 200));
	(void)open_file(f, DAEMON, 6100, "/tmp/d2", 5, O_RDONLY);
	at(f, 7000); /* 1.1 s past; godo's 5 s grace is far from over */
	assert_null(proctab_get(core_proctab(f->c), 200));
	at(f, 9000);
	assert_string_equal(fake_str(file_doc(f, "/tmp/mine"), F_CLOSE_BY),
	                    "exit");
}

/* ---- path operations ---- */

/* A rename right after the close whose names godo could not confirm (no
 * task root here): its own document, marked; the file's is not joined
 * (test_opmarks: the joined ones). */
static void
test_core_rename_unconfirmed_alone(void **state)
{
	struct fx *f = *state;
	uint64_t s;
	const bson_t *d;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	s = open_file(f, 200, 5001, "/etc/.tmp", 3, O_WRONLY | O_CREAT);
	fd_call(f, SYSEV_CLOSE, 200, s + 1, 5002, 3, 0);
	sev(SYSEV_RENAME, 200, s + 2, 5003);
	sev_path(0, "/etc/.tmp", NT_DELETE);
	sev_path(1, "/etc/passwd", NT_CREATE);
	audit(f);
	core_shutdown(f->c);
	d = op_doc(f, "rename", 0);
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_FILENAME), "/etc/.tmp");
	assert_string_equal(fake_str(d, F_NEW_FILENAME), "/etc/passwd");
	assert_true(fake_int(d, F_PATH_UNVERIFIED, 0));
	assert_true(fake_int(d, F_NEW_PATH_UNVERIFIED, 0));
	assert_false(fake_has(op_doc(f, "open", 0), F_THEN_OP));
	assert_int_equal(fake_store_count(f->s, STORE_FILES, FAKE_INSERT), 2);
	assert_int_equal(core_stats(f->c)->ops, 1);
}

/* An unlink of a path godo did not see written, and a failed one. */
static void
test_core_unlink_alone(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	sev(SYSEV_UNLINK, 200, ++f->serial, 5001);
	sev_path(0, "gone.txt", NT_DELETE);
	audit(f);
	sev(SYSEV_UNLINK, 200, ++f->serial, 5002);
	sev_path(0, "kept.txt", NT_DELETE);
	ev.success = false;
	audit(f);
	d = file_doc(f, "/work/gone.txt");
	assert_string_equal(fake_str(d, F_OP), "unlink");
	assert_null(file_doc(f, "/work/kept.txt"));
}

/* truncate(path) is an operation; ftruncate(fd) a change of the file. */
static void
test_core_truncate(void **state)
{
	struct fx *f = *state;
	uint64_t s;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	sev(SYSEV_TRUNCATE, 200, ++f->serial, 5001);
	sev_path(0, "/var/t", NT_NORMAL);
	audit(f);
	s = open_file(f, 200, 5002, "/var/u", 3, O_WRONLY);
	fd_call(f, SYSEV_TRUNCATE, 200, s + 1, 5003, 3, 0);
	fd_call(f, SYSEV_CLOSE, 200, s + 2, 5004, 3, 0);
	core_shutdown(f->c);
	assert_string_equal(fake_str(file_doc(f, "/var/t"), F_OP), "truncate");
	assert_int_equal(fake_int(file_doc(f, "/var/u"), F_WRITE_COUNT, 0), 1);
}

/* ---- write policy through the dispatcher ---- */

/* A long-running task is written at 10 s of connector stream time. */
static void
test_core_task_written_at_age(void **state)
{
	struct fx *f = *state;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	at(f, 6000);
	assert_null(pids_doc(f, 200, 500));
	fork_task(f, 300, 300, 1, 15000); /* the stream moves on */
	at(f, 16000);
	assert_non_null(pids_doc(f, 200, 500));
}

/* Insert-only store: an exec after the first write makes a final
 * document at the exit. */
static void
test_core_insert_only_final(void **state)
{
	struct fx *f = *state;
	const struct fake_op *op;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	fork_task(f, 300, 300, 1, 15000);
	at(f, 16000);
	assert_non_null(pids_doc(f, 200, 500));
	do_execve(f, 200, 16001, "/bin/sleep", "sleep", "1");
	exit_task(f, 200, 16500, 0);
	at(f, 18000);
	op = fake_store_find(f->s, STORE_PIDS, FAKE_INSERT,
	                     BOOT ":200:500:final");
	assert_non_null(op);
	assert_string_equal(fake_str(op->a, "args.0"), "sleep");
	assert_int_equal(fake_store_count(f->s, STORE_PIDS, FAKE_UPSERT), 0);
}

/* Shutdown writes what is pending and open. */
static void
test_core_shutdown_writes_all(void **state)
{
	struct fx *f = *state;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	(void)open_file(f, 200, 5001, "/tmp/open", 3, O_WRONLY);
	core_shutdown(f->c);
	assert_non_null(pids_doc(f, 200, 500));
	assert_non_null(pids_doc(f, DAEMON, 1));
	assert_non_null(
	    fake_store_find_doc(f->s, STORE_FDS, F_FILENAME, "/tmp/open"));
}

/* ---- the snapshot ---- */

static void
snap_task(struct fx *f, int pid, int ppid, const char *comm, const char *exe,
          const char *cmdline, size_t n)
{
	char rel[32];

	fakeproc_task(&f->fp, pid, pid, ppid, (unsigned long long)pid, comm);
	snprintf(rel, sizeof(rel), "%d/exe", pid);
	fakeproc_link(&f->fp, rel, exe);
	snprintf(rel, sizeof(rel), "%d/cwd", pid);
	fakeproc_link(&f->fp, rel, "/root");
	fakeproc_text(&f->fp, pid, "cmdline", cmdline, n);
	fakeproc_text(&f->fp, pid, "cgroup", "0::/\n", 5);
}

/* dockerd and its child are recorded with args, cwd, exe; a task outside
 * the tree is not. */
static void
test_core_snapshot(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	snap_task(f, 100, 1, "dockerd", "/usr/bin/dockerd",
	          "/usr/bin/dockerd\0-H\0fd://\0", 25);
	fakeproc_serving(&f->fp, 100, "/var/run/docker.sock", 77);
	snap_task(f, 150, 100, "sleep", "/bin/sleep",
	          "sleep\0"
	          "10\0",
	          9);
	snap_task(f, 300, 1, "cron", "/usr/sbin/cron", "cron\0", 5);
	fakeproc_task(&f->fp, 150, 151, 100, 151, "sleep"); /* a thread */
	assert_int_equal(core_snapshot(f->c), 0);
	assert_int_equal(core_stats(f->c)->daemons, 1);
	at(f, 2000);
	d = pids_doc(f, 100, 100);
	assert_true(fake_int(d, F_STAR, 0));
	assert_string_equal(fake_str(d, "args.2"), "fd://");
	assert_string_equal(fake_str(d, F_SOURCE), "snapshot");
	d = pids_doc(f, 150, 150);
	assert_string_equal(fake_str(d, "args.1"), "10");
	assert_string_equal(fake_str(d, F_CWD), "/root");
	assert_string_equal(fake_str(d, F_EXE), "/bin/sleep");
	assert_false(fake_has(d, F_COMM)); /* "sleep": exe's base name */
	assert_string_equal(fake_str(d, F_PARENT_ID), BOOT ":100:100");
	assert_true(fake_int(pids_doc(f, 151, 151), F_THREAD, 0));
	assert_null(pids_doc(f, 300, 300));
}

/* A shim reparented to init hangs under containerd; its children too. */
static void
test_core_snapshot_shim(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	snap_task(f, 110, 1, "containerd", "/usr/bin/containerd",
	          "containerd\0", 11);
	fakeproc_serving(&f->fp, 110, "/run/containerd/containerd.sock", 78);
	snap_task(f, 400, 1, "containerd-shim", "/usr/bin/containerd-shim",
	          "shim\0", 5);
	fakeproc_host(&f->fp, 400);
	snap_task(f, 401, 400, "nginx", "/usr/sbin/nginx", "nginx\0", 6);
	assert_int_equal(core_snapshot(f->c), 0);
	core_shutdown(f->c);
	d = pids_doc(f, 400, 400);
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_PARENT_ID), BOOT ":110:110");
	assert_non_null(pids_doc(f, 401, 401));
}

/* A proc root that cannot be read fails the snapshot. */
static void
test_core_snapshot_no_root(void **state)
{
	struct tracker_opts o = {false,
	                         1024,
	                         1024,
	                         5000,
	                         "/nonexistent/godo-proc",
	                         0,
	                         NULL,
	                         fake_files_shared};
	struct store *s = fake_store_new(false);
	struct writeback wb;
	struct core *c;

	(void)state;
	assert_int_equal(writeback_init(&wb, s, "h", BOOT), 0);
	wb.group_files = false; /* one document per files write */
	c = core_new(&wb, &o, BOOT);
	assert_non_null(c);
	assert_int_equal(core_snapshot(c), -1);
	core_free(c);
	writeback_fini(&wb);
	fake_store_free(s);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

/* ---- metadata and namespace operations (h-fid) ---- */

/* A metadata event as the decoder leaves it (no fd, ids unchanged). */
static void
meta_sev(struct fx *f, enum sysev_kind kind, int32_t pid, uint64_t ms)
{
	sev(kind, pid, ++f->serial, ms);
	ev.cwd = STR_LIT("/tmp/fidcap/w");
	ev.fd = SYSEV_NO_FD;
	ev.uid = ev.gid = SYSEV_ID_UNCHANGED;
}

static void
meta_mode(uint32_t mode)
{
	ev.has_mode = true;
	ev.mode = mode;
}

/* The fields every operation document carries. */
static void
assert_op_doc(const bson_t *d, const char *op, const char *name, uint64_t ms)
{
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_OP), op);
	assert_string_equal(fake_str(d, F_PROC_ID), BOOT ":200:500");
	assert_int_equal(fake_int(d, F_PID, 0), 200);
	assert_int_equal(fake_int(d, F_OP_NS, 0), T0 + (int64_t)ms * MS);
	assert_true(fake_has(d, F_OP_TS));
	if (name != NULL)
		assert_string_equal(fake_str(d, F_FILENAME), name);
	else
		assert_false(fake_has(d, F_FILENAME));
}

/* The events of meta_ops.log (tests/data/audit/, decoded in
 * test_sysevent), through the logic: one files document each, field by
 * field. Paths against the cwd, a dirfd godo saw opened, an fd's open-file
 * session; an fd godo never saw is kept as fd, without filename. */
static void
test_core_meta_chmod_chown(void **state)
{
	struct fx *f = *state;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	(void)open_file(f, 200, 5001, "/tmp/fidcap/w", 3,
	                O_RDONLY | O_DIRECTORY | O_PATH);
	(void)open_file(f, 200, 5002, "/tmp/fidcap/w/f", 4, O_WRONLY | O_CREAT);
	meta_sev(f, SYSEV_CHMOD, 200, 5003); /* chmod("f", 04755) */
	sev_path(0, "f", NT_NORMAL);
	meta_mode(04755);
	audit(f);
	meta_sev(f, SYSEV_CHMOD, 200, 5004); /* fchmod(4, 0600) */
	ev.fd = 4;
	meta_mode(0600);
	audit(f);
	meta_sev(f, SYSEV_CHMOD, 200, 5005); /* fchmodat2(3, "f", 0640) */
	ev.dirfd = 3;
	sev_path(0, "f", NT_NORMAL);
	meta_mode(0640);
	audit(f);
	meta_sev(f, SYSEV_CHOWN, 200, 5006); /* chown("f", 1000, -1) */
	sev_path(0, "f", NT_NORMAL);
	ev.uid = 1000;
	audit(f);
	meta_sev(f, SYSEV_CHOWN, 200, 5007); /* fchown(9, -1, 50): unknown */
	ev.fd = 9;
	ev.gid = 50;
	audit(f);
	meta_sev(f, SYSEV_CHMOD, 200, 5008); /* failed: nothing changed */
	sev_path(0, "nonexistent", NT_NORMAL);
	meta_mode(0777);
	ev.success = false;
	audit(f);

	assert_op_doc(op_doc(f, "chmod", 0), "chmod", "/tmp/fidcap/w/f", 5003);
	assert_int_equal(fake_int(op_doc(f, "chmod", 0), F_MODE, -1), 04755);
	assert_false(fake_has(op_doc(f, "chmod", 0), F_FD));
	assert_false(fake_has(op_doc(f, "chmod", 0), F_UID));
	assert_op_doc(op_doc(f, "chmod", 1), "chmod", "/tmp/fidcap/w/f", 5004);
	assert_int_equal(fake_int(op_doc(f, "chmod", 1), F_MODE, -1), 0600);
	assert_int_equal(fake_int(op_doc(f, "chmod", 1), F_FD, -1), 4);
	assert_op_doc(op_doc(f, "chmod", 2), "chmod", "/tmp/fidcap/w/f", 5005);
	assert_int_equal(fake_int(op_doc(f, "chmod", 2), F_MODE, -1), 0640);
	assert_null(op_doc(f, "chmod", 3));
	assert_op_doc(op_doc(f, "chown", 0), "chown", "/tmp/fidcap/w/f", 5006);
	assert_int_equal(fake_int(op_doc(f, "chown", 0), F_UID, 0), 1000);
	assert_int_equal(fake_int(op_doc(f, "chown", 0), F_GID, 0), -1);
	assert_false(fake_has(op_doc(f, "chown", 0), F_MODE));
	assert_op_doc(op_doc(f, "chown", 1), "chown", NULL, 5007);
	assert_int_equal(fake_int(op_doc(f, "chown", 1), F_FD, -1), 9);
	assert_int_equal(fake_int(op_doc(f, "chown", 1), F_UID, 0), -1);
	assert_int_equal(fake_int(op_doc(f, "chown", 1), F_GID, 0), 50);
	assert_int_equal(core_stats(f->c)->ops, 5);
}

static void
test_core_meta_xattr_utimes(void **state)
{
	struct fx *f = *state;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	(void)open_file(f, 200, 5001, "/tmp/fidcap/w/f", 4, O_WRONLY | O_CREAT);
	meta_sev(f, SYSEV_SETXATTR, 200, 5002); /* setxattr("f", ...) */
	sev_path(0, "f", NT_NORMAL);
	audit(f);
	meta_sev(f, SYSEV_REMOVEXATTR, 200, 5003); /* fremovexattr(4, ...) */
	ev.fd = 4;
	audit(f);
	meta_sev(f, SYSEV_UTIMES, 200, 5004); /* utimensat(AT_FDCWD, "f") */
	sev_path(0, "f", NT_NORMAL);
	audit(f);
	meta_sev(f, SYSEV_UTIMES, 200, 5005); /* futimens(4) */
	ev.fd = 4;
	audit(f);

	assert_op_doc(op_doc(f, "setxattr", 0), "setxattr", "/tmp/fidcap/w/f",
	              5002);
	assert_false(fake_has(op_doc(f, "setxattr", 0), F_FD));
	assert_op_doc(op_doc(f, "removexattr", 0), "removexattr",
	              "/tmp/fidcap/w/f", 5003);
	assert_int_equal(fake_int(op_doc(f, "removexattr", 0), F_FD, -1), 4);
	assert_op_doc(op_doc(f, "utimes", 0), "utimes", "/tmp/fidcap/w/f",
	              5004);
	assert_op_doc(op_doc(f, "utimes", 1), "utimes", "/tmp/fidcap/w/f",
	              5005);
	assert_int_equal(fake_int(op_doc(f, "utimes", 1), F_FD, -1), 4);
}

/* link: filename the new name, target the existing one (both resolved);
 * symlink: target its content as given; mkdir, rmdir (also unlinkat
 * AT_REMOVEDIR through a dirfd); mknod with its type. */
static void
test_core_meta_links_dirs_nodes(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	(void)open_file(f, 200, 5001, "/tmp/fidcap/w", 3,
	                O_RDONLY | O_DIRECTORY | O_PATH);
	meta_sev(f, SYSEV_LINK, 200, 5002); /* link("f", "hl") */
	sev_path(0, "/tmp/fidcap/w", NT_PARENT);
	sev_path(1, "f", NT_NORMAL);
	sev_path(2, "hl", NT_CREATE);
	audit(f);
	meta_sev(f, SYSEV_LINK, 200, 5003); /* linkat(3, "f", AT_FDCWD, ..) */
	ev.dirfd = 3;
	sev_path(0, "/tmp/fidcap/w", NT_PARENT);
	sev_path(1, "f", NT_NORMAL);
	sev_path(2, "../hl2", NT_CREATE);
	audit(f);
	meta_sev(f, SYSEV_SYMLINK, 200, 5004); /* symlink("target/x", "sl") */
	sev_path(0, "/tmp/fidcap/w", NT_PARENT);
	sev_path(1, "target/x", NT_UNKNOWN);
	sev_path(2, "sl", NT_CREATE);
	audit(f);
	meta_sev(f, SYSEV_MKDIR, 200, 5005); /* mkdir("dd", 0750) */
	sev_path(0, "/tmp/fidcap/w", NT_PARENT);
	sev_path(1, "dd", NT_CREATE);
	meta_mode(0750);
	audit(f);
	meta_sev(f, SYSEV_RMDIR, 200, 5006); /* unlinkat(3, "d2", REMOVEDIR) */
	ev.dirfd = 3;
	sev_path(0, "/tmp/fidcap/w", NT_PARENT);
	sev_path(1, "d2", NT_DELETE);
	audit(f);
	meta_sev(f, SYSEV_MKNOD, 200, 5007); /* mknodat(3, "cdev", chr 0600) */
	ev.dirfd = 3;
	sev_path(0, "/tmp/fidcap/w", NT_PARENT);
	sev_path(1, "cdev", NT_CREATE);
	meta_mode(020600);
	audit(f);
	meta_sev(f, SYSEV_MKNOD, 200, 5008); /* mknod("fifo", S_IFIFO|0644) */
	sev_path(0, "/tmp/fidcap/w", NT_PARENT);
	sev_path(1, "fifo", NT_CREATE);
	meta_mode(010644);
	audit(f);

	d = op_doc(f, "link", 0);
	assert_op_doc(d, "link", "/tmp/fidcap/w/hl", 5002);
	assert_string_equal(fake_str(d, F_TARGET), "/tmp/fidcap/w/f");
	d = op_doc(f, "link", 1);
	assert_op_doc(d, "link", "/tmp/fidcap/hl2", 5003);
	assert_string_equal(fake_str(d, F_TARGET), "/tmp/fidcap/w/f");
	d = op_doc(f, "symlink", 0);
	assert_op_doc(d, "symlink", "/tmp/fidcap/w/sl", 5004);
	assert_string_equal(fake_str(d, F_TARGET), "target/x");
	d = op_doc(f, "mkdir", 0);
	assert_op_doc(d, "mkdir", "/tmp/fidcap/w/dd", 5005);
	assert_int_equal(fake_int(d, F_MODE, -1), 0750);
	assert_false(fake_has(d, F_TARGET));
	d = op_doc(f, "rmdir", 0);
	assert_op_doc(d, "rmdir", "/tmp/fidcap/w/d2", 5006);
	assert_false(fake_has(d, F_MODE));
	d = op_doc(f, "mknod", 0);
	assert_op_doc(d, "mknod", "/tmp/fidcap/w/cdev", 5007);
	assert_string_equal(fake_str(d, F_TYPE), "char");
	assert_int_equal(fake_int(d, F_MODE, -1), 0600);
	d = op_doc(f, "mknod", 1);
	assert_op_doc(d, "mknod", "/tmp/fidcap/w/fifo", 5008);
	assert_string_equal(fake_str(d, F_TYPE), "fifo");
	assert_int_equal(fake_int(d, F_MODE, -1), 0644);
	assert_int_equal(fake_store_count(f->s, STORE_FILES, FAKE_INSERT), 7);
}

/* ---- writes that are not write(2), more operations (h-fid) ---- */

/* An event of fidelity.log by its fd and kernel return value. */
static void
io_sev(struct fx *f, enum sysev_kind kind, int fd, int64_t ret, uint64_t ms)
{
	meta_sev(f, kind, 200, ms);
	ev.fd = fd;
	ev.exit = ret;
	ev.has_exit = true;
}

/* copy_file_range(3 -> 4) 23893 bytes, sendfile 18, splice from the file
 * into a pipe (6: not a session) then from the pipe into the file (18):
 * the destination session counts each call's exit value; the mmap of a
 * file opened for writing marks it mapped. */
static void
test_core_xwrite_and_mmap(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	(void)open_file(f, 200, 5001, "/tmp/fidcap/w/cfr.out", 4,
	                O_WRONLY | O_CREAT | O_TRUNC);
	(void)open_file(f, 200, 5001, "/tmp/fidcap/w/mm.out", 5,
	                O_RDWR | O_CREAT | O_TRUNC);
	io_sev(f, SYSEV_XWRITE, 4, 23893, 5002); /* copy_file_range */
	audit(f);
	io_sev(f, SYSEV_XWRITE, 4, 18, 5003); /* sendfile */
	audit(f);
	io_sev(f, SYSEV_XWRITE, 6, 18, 5004); /* splice into a pipe */
	audit(f);
	io_sev(f, SYSEV_XWRITE, 4, 0, 5005); /* splice at EOF: nothing */
	audit(f);
	io_sev(f, SYSEV_XWRITE, 4, 7, 5006); /* failed: not counted */
	ev.success = false;
	audit(f);
	io_sev(f, SYSEV_MMAP, 5, 0x7f0000000000, 5007); /* PROT_WRITE, shared */
	ev.has_mmap = true;
	ev.mmap_fd = 5;
	ev.mmap_flags = 1;
	ev.a[2] = 3;
	audit(f);
	io_sev(f, SYSEV_MMAP, 4, 0x7f0000000000, 5008); /* read-only shared */
	ev.has_mmap = true;
	ev.mmap_fd = 4;
	ev.mmap_flags = 1;
	ev.a[2] = 1;
	audit(f);
	fd_call(f, SYSEV_CLOSE, 200, ++f->serial, 5009, 4, 0);
	fd_call(f, SYSEV_CLOSE, 200, ++f->serial, 5009, 5, 0);
	at(f, 9000);

	d = file_doc(f, "/tmp/fidcap/w/cfr.out");
	assert_non_null(d);
	assert_int_equal(fake_int(d, F_WRITE_COUNT, 0), 2);
	assert_int_equal(fake_int(d, F_WRITE_BYTES, 0), 23893 + 18);
	assert_int_equal(fake_int(d, F_FIRST_WRITE, 0), T0 + 5002 * MS);
	assert_int_equal(fake_int(d, F_LAST_WRITE, 0), T0 + 5003 * MS);
	assert_false(fake_has(d, F_MAPPED));
	d = file_doc(f, "/tmp/fidcap/w/mm.out");
	assert_non_null(d);
	assert_int_equal(fake_int(d, F_WRITE_COUNT, -1), 0);
	assert_true(fake_has(d, F_MAPPED));
	assert_int_equal(fake_int(d, F_MAPPED_NS, 0), T0 + 5007 * MS);
}

/* renameat2 RENAME_EXCHANGE: one rename document with both names and
 * exchange: true; a plain rename has no exchange field. */
static void
test_core_rename_exchange(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	meta_sev(f, SYSEV_RENAME, 200, 5001);
	sev_path(0, "a", NT_DELETE);
	sev_path(1, "b", NT_DELETE);
	sev_path(2, "b", NT_CREATE);
	sev_path(3, "a", NT_CREATE);
	ev.exchange = true;
	audit(f);
	meta_sev(f, SYSEV_RENAME, 200, 5002);
	sev_path(0, "c", NT_DELETE);
	sev_path(1, "d", NT_DELETE);
	sev_path(2, "d", NT_CREATE);
	audit(f);
	at(f, 9000);

	d = op_doc(f, "rename", 0);
	assert_op_doc(d, "rename", "/tmp/fidcap/w/a", 5001);
	assert_string_equal(fake_str(d, F_NEW_FILENAME), "/tmp/fidcap/w/b");
	assert_true(fake_has(d, F_EXCHANGE));
	d = file_doc(f, "/tmp/fidcap/w/c");
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_NEW_FILENAME), "/tmp/fidcap/w/d");
	assert_false(fake_has(d, F_EXCHANGE));
}

/* fallocate punch-hole|keep-size and zero-range on a session's fd, named;
 * mode 0 and keep-size alone (preallocation) are no operation. */
static void
test_core_fallocate(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	(void)open_file(f, 200, 5001, "/tmp/fidcap/w/fa.out", 3,
	                O_RDWR | O_CREAT);
	io_sev(f, SYSEV_FALLOCATE, 3, 0, 5002);
	ev.op_flags = 3;
	ev.a[2] = 4096;
	ev.a[3] = 8192;
	audit(f);
	io_sev(f, SYSEV_FALLOCATE, 3, 0, 5003);
	ev.op_flags = 0x10;
	audit(f);
	io_sev(f, SYSEV_FALLOCATE, 3, 0, 5004);
	ev.op_flags = 1; /* keep-size only */
	audit(f);
	io_sev(f, SYSEV_FALLOCATE, 3, 0, 5005);
	ev.op_flags = 0x302; /* punch-hole and bits no kernel has yet */
	audit(f);

	d = op_doc(f, "fallocate", 0);
	assert_op_doc(d, "fallocate", "/tmp/fidcap/w/fa.out", 5002);
	assert_string_equal(fake_str(d, F_FALLOC_MODE), "keep-size,punch-hole");
	assert_int_equal(fake_int(d, F_OFFSET, -1), 4096);
	assert_int_equal(fake_int(d, F_LENGTH, -1), 8192);
	assert_int_equal(fake_int(d, F_FD, -1), 3);
	d = op_doc(f, "fallocate", 1);
	assert_string_equal(fake_str(d, F_FALLOC_MODE), "zero-range");
	d = op_doc(f, "fallocate", 2);
	assert_op_doc(d, "fallocate", "/tmp/fidcap/w/fa.out", 5005);
	assert_string_equal(fake_str(d, F_FALLOC_MODE), "punch-hole,0x300");
	assert_null(op_doc(f, "fallocate", 3));
}

/* mount of a filesystem (target only), a bind (target and source),
 * umount2; open_by_handle_at with no name: fd, flags, inode, dev; mknod of
 * a char device with its rdev. */
static void
test_core_mount_handle_rdev(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	meta_sev(f, SYSEV_MOUNT, 200, 5001);
	sev_path(0, "mnt", NT_NORMAL);
	ev.op_flags = 6;
	audit(f);
	meta_sev(f, SYSEV_MOUNT, 200, 5002);
	sev_path(0, "mnt/b", NT_NORMAL);
	sev_path(1, "/tmp/fidcap/w/src.txt", NT_NORMAL);
	ev.op_flags = 0x1000;
	audit(f);
	meta_sev(f, SYSEV_UMOUNT, 200, 5003);
	sev_path(0, "mnt/b", NT_NORMAL);
	ev.op_flags = 2;
	audit(f);
	meta_sev(f, SYSEV_OPEN_BY_HANDLE, 200, 5004);
	sev_path(0, "", NT_NORMAL);
	ev.path[0].inode = 9995137;
	ev.path[0].dev_major = 0xfe;
	ev.dirfd = 3;
	ev.open_flags = 2;
	ev.exit = 4;
	ev.has_exit = true;
	audit(f);
	meta_sev(f, SYSEV_MKNOD, 200, 5005);
	sev_path(0, "cdev", NT_CREATE);
	ev.path[0].rdev_major = 1;
	ev.path[0].rdev_minor = 3;
	meta_mode(020600);
	audit(f);

	d = op_doc(f, "mount", 0);
	assert_op_doc(d, "mount", "/tmp/fidcap/w/mnt", 5001);
	assert_int_equal(fake_int(d, F_FLAGS, -1), 6);
	assert_false(fake_has(d, F_MOUNT_SOURCE));
	d = op_doc(f, "mount", 1);
	assert_op_doc(d, "mount", "/tmp/fidcap/w/mnt/b", 5002);
	assert_string_equal(fake_str(d, F_MOUNT_SOURCE),
	                    "/tmp/fidcap/w/src.txt");
	assert_int_equal(fake_int(d, F_FLAGS, -1), 0x1000);
	d = op_doc(f, "umount", 0);
	assert_op_doc(d, "umount", "/tmp/fidcap/w/mnt/b", 5003);
	assert_int_equal(fake_int(d, F_FLAGS, -1), 2);
	d = op_doc(f, "open_by_handle_at", 0);
	assert_op_doc(d, "open_by_handle_at", NULL, 5004);
	assert_int_equal(fake_int(d, F_FD, -1), 4);
	assert_int_equal(fake_int(d, F_FLAGS, -1), 2);
	assert_int_equal(fake_int(d, F_INODE, -1), 9995137);
	assert_string_equal(fake_str(d, F_DEV), "254:0");
	d = op_doc(f, "mknod", 0);
	assert_string_equal(fake_str(d, F_TYPE), "char");
	assert_string_equal(fake_str(d, F_RDEV), "1:3");
}

/* An exec whose argv was cut: the pids document and its execve entry
 * carry the tail, length and index of the cut argument, the digest; an
 * argv from PROCTITLE is marked, with no digest. */
static void
test_core_exec_args_cut(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	sev(SYSEV_EXECVE, 200, ++f->serial, 5001);
	ev.exe = STR_LIT("/bin/sh");
	ev.argv[0] = STR_LIT("/bin/sh");
	ev.argv[1] = STR_LIT("-c");
	ev.argv[2] = STR_LIT("####");
	ev.argc = 3;
	ev.args_truncated = true;
	ev.ncut = 1;
	ev.cut[0].index = 2;
	ev.cut[0].length = 40017;
	ev.cut[0].tail = STR_LIT("##\necho payload-xyz");
	ev.has_args_sha256 = true;
	memcpy(ev.args_sha256, "ab12", 5);
	ev.comm = ev.argv[0];
	audit(f);
	fork_task(f, 201, 201, DAEMON, 5002);
	sev(SYSEV_EXECVE, 201, ++f->serial, 5003);
	ev.exe = STR_LIT("/bin/true");
	ev.argv[0] = STR_LIT("true");
	ev.argc = 1;
	ev.args_from_proctitle = true;
	audit(f);
	fork_task(f, 202, 202, DAEMON, 5004);
	sev(SYSEV_EXECVE, 202, ++f->serial, 5005);
	ev.exe = STR_LIT("/bin/false");
	ev.argc = 0;
	ev.args_missing = true;
	audit(f);
	core_shutdown(f->c);

	d = pids_doc(f, 200, 500);
	assert_non_null(d);
	assert_true(fake_has(d, F_ARGS_TRUNC));
	assert_string_equal(fake_str(d, "args.2"), "####");
	assert_int_equal(fake_int(d, "args_cut.0.index", -1), 2);
	assert_int_equal(fake_int(d, "args_cut.0.length", -1), 40017);
	assert_string_equal(fake_str(d, "args_cut.0.tail"),
	                    "##\necho payload-xyz");
	assert_false(fake_has(d, "args_cut.1"));
	assert_string_equal(fake_str(d, F_ARGS_SHA256), "ab12");
	assert_int_equal(fake_int(d, "execve.0.args_cut.0.index", -1), 2);
	assert_string_equal(fake_str(d, "execve.0." F_ARGS_SHA256), "ab12");
	assert_false(fake_has(d, F_ARGS_SOURCE));
	d = pids_doc(f, 201, 500);
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_ARGS_SOURCE), "proctitle");
	assert_false(fake_has(d, F_ARGS_SHA256));
	assert_false(fake_has(d, F_ARGS_CUT));
	/* no EXECVE, no PROCTITLE: argv unknown, said so */
	d = pids_doc(f, 202, 500);
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_ARGS_SOURCE), "none");
	assert_string_equal(fake_str(d, "execve.0." F_ARGS_SOURCE), "none");
}

/* ---- h-fds: inherited descriptors, exec from a non-leader thread ---- */

#define ID(pid, ticks) BOOT ":" #pid ":" #ticks

/* A session's document: closed (files) or still open (fds). */
static const bson_t *
sess_doc(struct fx *f, const char *name)
{
	const bson_t *d = file_doc(f, name);

	if (d == NULL)
		d = fake_store_find_doc(f->s, STORE_FDS, F_FILENAME, name);
	assert_non_null(d);
	return d;
}

/* A clone by parent that returned child (the parent's audit event). */
static void
clone_call(struct fx *f, int32_t parent, int32_t child, uint64_t ms)
{
	sev(SYSEV_CLONE, parent, ++f->serial, ms);
	ev.exit = child;
	audit(f);
}

/* A call on descriptors with its first three arguments. */
static void
fd_call3(struct fx *f, enum sysev_kind kind, int32_t pid, uint64_t ms,
         uint64_t a0, uint64_t a1, uint64_t a2, int64_t ret)
{
	sev(kind, pid, ++f->serial, ms);
	ev.a[0] = a0;
	ev.a[1] = a1;
	ev.a[2] = a2;
	ev.exit = ret;
	audit(f);
}

/* dup3(old, new, flags) on x86_64. */
static void
dup3_call(struct fx *f, int32_t pid, uint64_t ms, int32_t oldfd, int32_t newfd,
          uint64_t flags)
{
	sev(SYSEV_DUP, pid, ++f->serial, ms);
	ev.arch = 0xc000003eu;
	ev.syscall = 292;
	ev.a[0] = (uint64_t)oldfd;
	ev.a[1] = (uint64_t)newfd;
	ev.a[2] = flags;
	ev.exit = newfd;
	audit(f);
}

/* `sh -c 'exec 3>/f; (echo child >&3); sh -c "echo grandchild >&3"'`: the
 * connector's FORKs are read before the parent's open (audit lags); the
 * child's and the grandchild's writes count on the parent's session, all
 * three its writers; the session's document stays the opener's and is
 * written once, when the last descriptor goes. */
static void
test_core_fork_inherits(void **state)
{
	struct fx *f = *state;
	const bson_t *d;
	uint64_t s;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	fork_task(f, 201, 201, 200, 5010); /* the subshell */
	fork_task(f, 202, 202, 200, 5020); /* sh -c, before its exec */
	s = open_file(f, 200, 5001, "/f", 3, O_WRONLY | O_CREAT | O_TRUNC);
	fd_call(f, SYSEV_WRITE, 200, s + 1, 5002, 3, 4);
	clone_call(f, 200, 201, 5010);
	/* the grandchild's write comes before its parent's clone event */
	do_execve(f, 202, 5021, "/bin/sh", "sh", "-c");
	fd_call(f, SYSEV_WRITE, 202, ++f->serial, 5022, 3, 11);
	clone_call(f, 200, 202, 5020);
	fd_call(f, SYSEV_WRITE, 201, ++f->serial, 5011, 3, 6);
	fd_call(f, SYSEV_CLOSE, 200, ++f->serial, 5030, 3, 0);
	exit_task(f, 201, 5031, 0);
	fd_call(f, SYSEV_CLOSE, 201, ++f->serial, 5031, 3, 0);
	at(f, 9000);
	assert_null(file_doc(f, "/f")); /* the grandchild still holds it */
	fd_call(f, SYSEV_CLOSE, 202, ++f->serial, 9001, 3, 0);
	at(f, 12000);
	d = file_doc(f, "/f");
	assert_non_null(d);
	assert_int_equal(fake_store_count(f->s, STORE_FILES, FAKE_INSERT), 1);
	assert_int_equal(fake_int(d, F_WRITE_COUNT, 0), 3);
	assert_int_equal(fake_int(d, F_WRITE_BYTES, 0), 21);
	assert_string_equal(fake_str(d, F_PROC_ID), ID(200, 500));
	assert_string_equal(fake_str(d, F_WRITERS ".0"), ID(200, 500));
	assert_string_equal(fake_str(d, F_WRITERS ".1"), ID(202, 502));
	assert_string_equal(fake_str(d, F_WRITERS ".2"), ID(201, 501));
	assert_false(fake_has(d, F_WRITERS ".3"));
	assert_false(fake_has(d, F_WRITERS_MORE));
	assert_false(fake_has(d, F_CLOSE_BY)); /* "close" */
}

/* The opener exits and leaves the table while its child still holds the
 * session: its documents (fds while open, files at the end) stay the
 * opener's. */
static void
test_core_inherited_outlives_opener(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	(void)open_file(f, 200, 5001, "/o", 3, O_WRONLY);
	fork_task(f, 201, 201, 200, 5002);
	clone_call(f, 200, 201, 5002);
	exit_task(f, 200, 5003, 0);
	fd_call(f, SYSEV_WRITE, 201, ++f->serial, 5004, 3, 3);
	(void)open_file(f, DAEMON, 10500, "/tmp/daemon", 4, O_RDONLY);
	at(f, 11000);
	assert_null(proctab_get(core_proctab(f->c), 200)); /* retired */
	d = fake_store_find_doc(f->s, STORE_FDS, F_FILENAME, "/o");
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_PROC_ID), ID(200, 500));
	fd_call(f, SYSEV_WRITE, 201, ++f->serial, 11001, 3, 4);
	fd_call(f, SYSEV_CLOSE, 201, ++f->serial, 11002, 3, 0);
	at(f, 14000);
	d = file_doc(f, "/o");
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_PROC_ID), ID(200, 500));
	assert_int_equal(fake_int(d, F_PID, 0), 200);
	assert_int_equal(fake_int(d, F_WRITE_BYTES, 0), 7);
	assert_string_equal(fake_str(d, F_WRITERS ".0"), ID(201, 500));
	assert_false(fake_has(d, F_CLOSE_BY)); /* "close" */
}

/* A thread shares its process's table: its write is the process's, and a
 * new thread gets no copy of its own. */
static void
test_core_thread_no_copy(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	(void)open_file(f, 200, 5001, "/t", 3, O_WRONLY);
	fork_task(f, 201, 200, DAEMON, 5002);
	clone_call(f, 200, 201, 5002);
	fd_call(f, SYSEV_WRITE, 200, ++f->serial, 5003, 3, 2);
	assert_null(fdtab_get(core_fdtab(f->c), 201, 3));
	core_shutdown(f->c);
	d = sess_doc(f, "/t");
	/* the opener alone wrote: writers left out (docs/schema.md) */
	assert_string_equal(fake_str(d, F_PROC_ID), ID(200, 500));
	assert_false(fake_has(d, F_WRITERS));
}

/* More writers than WRITERS_MAX: the first are listed, the writes of the
 * others counted. */
static void
test_core_writers_bounded(void **state)
{
	struct fx *f = *state;
	const bson_t *d;
	int32_t i;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	(void)open_file(f, 200, 5001, "/w", 3, O_WRONLY);
	for (i = 0; i < WRITERS_MAX + 2; i++) {
		fork_task(f, 300 + i, 300 + i, 200, 5010);
		clone_call(f, 200, 300 + i, 5010);
		fd_call(f, SYSEV_WRITE, 300 + i, ++f->serial, 5011, 3, 1);
		fd_call(f, SYSEV_WRITE, 300 + i, ++f->serial, 5011, 3, 1);
	}
	core_shutdown(f->c);
	d = sess_doc(f, "/w");
	assert_int_equal(fake_int(d, F_WRITE_COUNT, 0), 2 * (WRITERS_MAX + 2));
	assert_string_equal(fake_str(d, F_WRITERS ".0"), ID(300, 501));
	assert_string_equal(fake_str(d, F_WRITERS ".7"), ID(307, 501));
	assert_false(fake_has(d, F_WRITERS ".8"));
	assert_int_equal(fake_int(d, F_WRITERS_MORE, 0), 4);
}

/* Close-on-exec: O_CLOEXEC at open, dup3(O_CLOEXEC), F_DUPFD_CLOEXEC and
 * F_SETFD go at the child's exec; F_DUPFD's copy, dup2's and a descriptor
 * whose mark F_SETFD cleared stay. The parent's descriptors are its own:
 * its copy of the session is still open. */
static void
test_core_cloexec_at_exec(void **state)
{
	struct fx *f = *state;
	struct fdtab *t;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	(void)open_file(f, 200, 5001, "/a", 3, O_WRONLY | O_CLOEXEC);
	(void)open_file(f, 200, 5001, "/b", 4, O_WRONLY);
	fd_call3(f, SYSEV_DUP, 200, 5002, 4, 5, O_CLOEXEC, 5); /* dup2 */
	dup3_call(f, 200, 5002, 4, 6, O_CLOEXEC);
	dup3_call(f, 200, 5002, 4, 7, 0);
	fd_call3(f, SYSEV_FCNTL, 200, 5003, 4, F_DUPFD_CLOEXEC, 10, 10);
	fd_call3(f, SYSEV_FCNTL, 200, 5003, 4, F_DUPFD, 20, 20);
	fd_call3(f, SYSEV_FCNTL, 200, 5003, 4, F_SETFD, FD_CLOEXEC, 0);
	fd_call3(f, SYSEV_FCNTL, 200, 5003, 3, F_SETFD, 0, 0); /* cleared */
	fd_call3(f, SYSEV_FCNTL, 200, 5003, 20, F_GETFD, 0, 0);
	fork_task(f, 201, 201, 200, 5004);
	clone_call(f, 200, 201, 5004);
	do_execve(f, 201, 5005, "/bin/true", "true", NULL);
	t = core_fdtab(f->c);
	assert_non_null(fdtab_get(t, 201, 3));
	assert_null(fdtab_get(t, 201, 4));
	assert_non_null(fdtab_get(t, 201, 5));
	assert_null(fdtab_get(t, 201, 6));
	assert_non_null(fdtab_get(t, 201, 7));
	assert_null(fdtab_get(t, 201, 10));
	assert_non_null(fdtab_get(t, 201, 20));
	assert_non_null(fdtab_get(t, 200, 4));
	assert_non_null(fdtab_get(t, 200, 10));
	fd_call(f, SYSEV_WRITE, 201, ++f->serial, 5006, 4, 9); /* not /b's */
	fd_call(f, SYSEV_WRITE, 201, ++f->serial, 5006, 20, 2);
	core_shutdown(f->c);
	assert_int_equal(fake_int(sess_doc(f, "/b"), F_WRITE_BYTES, -1), 2);
	assert_string_equal(fake_str(sess_doc(f, "/b"), F_WRITERS ".0"),
	                    ID(201, 500));
}

/* close_range(4, ~0): 4 and 5 go, 3 stays; CLOSE_RANGE_CLOEXEC (4) marks
 * 3 for the exec instead. */
static void
test_core_close_range(void **state)
{
	struct fx *f = *state;
	struct fdtab *t;

	start_daemon(f);
	fork_task(f, 200, 200, DAEMON, 5000);
	(void)open_file(f, 200, 5001, "/r3", 3, O_WRONLY);
	(void)open_file(f, 200, 5001, "/r4", 4, O_WRONLY);
	(void)open_file(f, 200, 5001, "/r5", 5, O_WRONLY);
	fd_call3(f, SYSEV_CLOSE_RANGE, 200, 5002, 4, 0xffffffffu, 0, 0);
	t = core_fdtab(f->c);
	assert_non_null(fdtab_get(t, 200, 3));
	assert_null(fdtab_get(t, 200, 4));
	assert_null(fdtab_get(t, 200, 5));
	fd_call3(f, SYSEV_CLOSE_RANGE, 200, 5003, 0, 3, 4, 0);
	assert_non_null(fdtab_get(t, 200, 3));
	do_execve(f, 200, 5004, "/bin/true", "true", NULL);
	assert_null(fdtab_get(t, 200, 3));
	core_shutdown(f->c);
	assert_string_equal(fake_str(sess_doc(f, "/r3"), F_CLOSE_BY), "exec");
	assert_false(fake_has(sess_doc(f, "/r4"), F_CLOSE_BY)); /* "close" */
	assert_false(fake_has(sess_doc(f, "/r5"), F_CLOSE_BY)); /* "close" */
}

/* A thread's exec (Go): the connector reports the leader's exit, then the
 * exec under the leader's pid, and the exec'ing thread's tid is gone from
 * /proc. Same task, same _id, the exec recorded with its args, its files
 * open, the thread entry retired; the process's real exit later is
 * recorded with its own time. */
static void
test_core_nonleader_exec(void **state)
{
	struct fx *f = *state;
	const bson_t *d;
	struct task *k;
	char p[512];

	start_daemon(f);
	fork_task(f, 300, 300, DAEMON, 5000);
	fork_task(f, 301, 300, DAEMON, 5010);
	(void)open_file(f, 300, 5011, "/go.log", 3, O_WRONLY);
	snprintf(p, sizeof(p), "%s/300/task/301/stat", f->fp.root);
	assert_int_equal(unlink(p), 0);
	conn(f, PROCCONN_EXIT, 300, 300, DAEMON, 5020, 9);
	conn(f, PROCCONN_EXEC, 300, 300, DAEMON, 5020, 0);
	do_execve(f, 300, 5020, "/bin/sh", "sh", "-x");
	k = proctab_get(core_proctab(f->c), 300);
	assert_non_null(k);
	assert_false(k->exited);
	assert_null(k->older);
	assert_true(proctab_get(core_proctab(f->c), 301)->exited);
	assert_non_null(fdtab_get(core_fdtab(f->c), 300, 3));
	fd_call(f, SYSEV_WRITE, 300, ++f->serial, 5030, 3, 5);
	fakeproc_gone(&f->fp, 300);
	exit_task(f, 300, 5040, 0);
	core_shutdown(f->c);
	d = pids_doc(f, 300, 500);
	assert_non_null(d);
	assert_string_equal(fake_str(d, "execve.0.args.1"), "-x");
	assert_int_equal(fake_int(d, F_EXECVE_COUNT, 0), 1);
	assert_int_equal(fake_int(d, F_EXIT_CODE, -1), 0);
	assert_int_equal(fake_int(d, F_EXIT_NS, 0), T0 + 5040 * MS);
	assert_int_equal(fake_store_count(f->s, STORE_PIDS, FAKE_INSERT), 3);
	d = pids_doc(f, 301, 501);
	assert_int_equal(fake_int(d, F_EXIT_NS, 0), T0 + 5020 * MS);
	assert_int_equal(fake_int(sess_doc(f, "/go.log"), F_WRITE_BYTES, -1),
	                 5);
}

/* A threaded process's leader exits and no exec follows: an exit, as
 * reported, once due (at the sweep 200 ms on); a new task of the pid
 * settles it at once. */
static void
test_core_threaded_leader_exit(void **state)
{
	struct fx *f = *state;
	struct task *k;

	start_daemon(f);
	fork_task(f, 300, 300, DAEMON, 5000);
	fork_task(f, 301, 300, DAEMON, 5010);
	fork_task(f, 400, 400, DAEMON, 5000);
	fork_task(f, 401, 400, DAEMON, 5010);
	conn(f, PROCCONN_EXIT, 301, 300, DAEMON, 5020, 0);
	conn(f, PROCCONN_EXIT, 300, 300, DAEMON, 5020, 3 << 8);
	conn(f, PROCCONN_EXIT, 400, 400, DAEMON, 5030, 0);
	k = proctab_get(core_proctab(f->c), 300);
	assert_false(k->exited);              /* parked */
	fork_task(f, 400, 400, DAEMON, 5040); /* pid 400 reused */
	k = proctab_get(core_proctab(f->c), 400)->older;
	assert_non_null(k);
	assert_true(k->exited);
	assert_int_equal(k->exit_ns, T0 + 5030 * MS);
	at(f, 7000);
	k = proctab_get(core_proctab(f->c), 300);
	assert_true(k->exited);
	assert_int_equal(k->exit_ns, T0 + 5020 * MS);
	core_shutdown(f->c);
	assert_int_equal(fake_int(pids_doc(f, 300, 500), F_EXIT_CODE, -1), 3);
}

/* Without a known live thread a leader's exit is an exit, /proc or not. */
static void
test_core_leader_exit_without_threads(void **state)
{
	struct fx *f = *state;

	start_daemon(f);
	fork_task(f, 300, 300, DAEMON, 5000);
	conn(f, PROCCONN_EXIT, 300, 300, DAEMON, 5020, 0);
	assert_true(proctab_get(core_proctab(f->c), 300)->exited);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_core_child_of_daemon_recorded),
	    T(test_core_outside_tree_not_recorded),
	    cmocka_unit_test_setup_teardown(test_core_all_records_everything,
	                                    setup_all, teardown),
	    T(test_core_pid_reuse_new_id),
	    T(test_core_late_event_of_old_incarnation),
	    T(test_core_event_after_exit_window),
	    T(test_core_unknown_pid_unattributed),
	    T(test_core_exec_args),
	    T(test_core_exit_code),
	    T(test_core_thread_inherits),
	    T(test_core_container_from_cgroup),
	    T(test_core_container_from_runc_hint),
	    T(test_core_container_fork_child_of_unsettled),
	    T(test_core_container_runtime_gone_stays_host),
	    T(test_core_container_runc_hook_stays_host),
	    T(test_core_container_init_named_dockerd_not_hook),
	    T(test_core_setns_and_pivot_root),
	    T(test_core_open_write_close),
	    T(test_core_fd_shadowing),
	    T(test_core_fd_shadowing_across_serial_wrap),
	    T(test_core_dup_routing),
	    T(test_core_dirfd_resolution),
	    T(test_core_long_open_file_in_fds),
	    T(test_core_exit_closes_files),
	    T(test_core_exited_task_kept_while_audit_lags),
	    T(test_core_exited_task_goes_once_stream_passed),
	    T(test_core_rename_unconfirmed_alone),
	    T(test_core_unlink_alone),
	    T(test_core_truncate),
	    T(test_core_task_written_at_age),
	    cmocka_unit_test_setup_teardown(test_core_insert_only_final,
	                                    setup_insert_only, teardown),
	    T(test_core_shutdown_writes_all),
	    T(test_core_snapshot),
	    T(test_core_snapshot_shim),
	    cmocka_unit_test(test_core_snapshot_no_root),
	    /* h-fid: metadata and namespace operations */
	    T(test_core_meta_chmod_chown),
	    T(test_core_meta_xattr_utimes),
	    T(test_core_meta_links_dirs_nodes),
	    /* h-fid: writes that are not write(2), more operations */
	    T(test_core_xwrite_and_mmap),
	    T(test_core_rename_exchange),
	    T(test_core_fallocate),
	    T(test_core_mount_handle_rdev),
	    T(test_core_exec_args_cut),
	    /* h-fds: inherited descriptors, exec from a non-leader thread */
	    T(test_core_fork_inherits),
	    T(test_core_inherited_outlives_opener),
	    T(test_core_thread_no_copy),
	    T(test_core_writers_bounded),
	    T(test_core_cloexec_at_exec),
	    T(test_core_close_range),
	    T(test_core_nonleader_exec),
	    T(test_core_leader_exit_without_threads),
	    T(test_core_threaded_leader_exit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
