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
#include "corefx.h"
#include "daemonid.h"

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
	    cmocka_unit_test(test_scope_unix_lines),
	    cmocka_unit_test_setup_teardown(test_scope_unix_long_file, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
