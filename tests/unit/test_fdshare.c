/* test_fdshare.c - descriptor tables shared by processes (clone with
 * CLONE_FILES, not a thread) without root: one table for both (a write
 * through a descriptor the sibling opened after the clone is counted, the
 * writer listed), the table living on when its holder exits first, exec
 * and unshare(CLONE_FILES) giving a copy, close_range with
 * CLOSE_RANGE_UNSHARE closing the caller's copy only (by a member or the
 * holder) and without it the shared table, clone's flags when kcmp cannot
 * tell, and a flood of sharers bounded (copies, gaps fd_share). Driven
 * like test_core (corefx.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "corefx.h"
#include "fdgroup.h"

/* dockerd 100 serving; its child 200. */
static void
daemon_parent(struct fx *f)
{
	fork_proc(f, 100, 1, 10, "dockerd", "/usr/bin/dockerd");
	fakeproc_serving(&f->fp, 100, "/run/docker.sock", 55);
	do_execve(f, 100, 11, "/usr/bin/dockerd", "dockerd");
	fork_proc(f, 200, 100, 20, "clonefiles", "/bin/clonefiles");
}

/* daemon_parent, and 200 clones 201 sharing its table (shared_child). */
static void
clone_files(struct fx *f)
{
	daemon_parent(f);
	shared_child = 201;
	fork_proc(f, 201, 200, 30, "clonefiles", "/bin/clonefiles");
}

/* ev: parent's clone-family record (x86_64 syscall sc, flags a0) that
 * returned child; the caller delivers it (audit) or asks about it. */
static void
clone_ev(struct fx *f, int32_t parent, uint64_t ms, int sc, uint64_t flags,
         int64_t child)
{
	sev(SYSEV_CLONE, parent, ++f->serial, ms);
	ev.arch = ARCH_X86_64;
	ev.syscall = sc;
	ev.a[0] = flags;
	ev.exit = child;
}

/* writers[i]; absent writers (docs/schema.md "Fields left out") are the
 * file's own process alone. */
static const char *
writer(const bson_t *d, int i)
{
	char key[32];

	if (!fake_has(d, F_WRITERS))
		return i == 0 ? fake_str(d, F_PROC_ID) : NULL;
	snprintf(key, sizeof(key), F_WRITERS ".%d", i);
	return fake_str(d, key);
}

/* The parent opens after the clone, the child writes through that
 * descriptor: counted on the session, the child a writer. */
static void
test_fdshare_clone_files_sibling_open(void **state)
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
	assert_false(fake_has(d, F_CLOSE_BY)); /* "close" */
	assert_string_equal(writer(d, 0), BOOT ":201:3");
	assert_string_equal(writer(d, 1), BOOT ":200:2");
}

/* The child writes and exits first, the parent writes and closes: as
 * clonefiles does. */
static void
test_fdshare_clone_files_member_exits(void **state)
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
	assert_false(fake_has(d, F_CLOSE_BY)); /* "close" */
}

/* A flood of CLONE_FILES children: the map holds FDGROUP_MEMBERS_MAX,
 * the others get copies, each a gap fd_share; all still counted. */
static void
test_fdshare_clone_files_flood(void **state)
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
test_fdshare_clone_flags(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	clone_files(f);
	shared_child = -2;
	clone_ev(f, 200, 30, 56, 0x400 | 17, 7); /* CLONE_FILES | SIGCHLD */
	audit(f);
	fork_proc(f, 202, 200, 31, "c", "/bin/c");
	open_fd(f, 202, 32, "/dev/null", 3); /* 202: a copy, made now */
	clone_ev(f, 200, 33, 57, 0, 8);      /* fork */
	audit(f);
	open_fd(f, 200, 40, "/tmp/shared", 5);
	fd_ev(f, SYSEV_WRITE, 201, 41, 5, 6); /* shares: counted */
	fd_ev(f, SYSEV_WRITE, 202, 42, 5, 6); /* its copy has no 5 */
	fd_ev(f, SYSEV_CLOSE, 200, 44, 5, 0);
	flush(f);
	d = file_doc(f, "/tmp/shared");
	assert_non_null(d);
	assert_int_equal(fake_int(d, F_WRITE_COUNT, -1), 1);
	assert_false(fake_has(d, F_CLOSE_BY)); /* "close" */
	assert_string_equal(writer(d, 0), BOOT ":201:3");
}

/* The parent's clone(2) event read before the FORK it made (a fork storm
 * held the FORK behind more than one connector read): the event is not
 * "known" until the FORK is in, so the listener reads the connector first
 * and the flags still decide, kcmp being unable to tell. A thread's clone
 * and a clone whose child (same namespace) is known are known at once. */
static void
test_fdshare_clone_before_fork(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	daemon_parent(f);
	shared_child = -2; /* both gone when godo asks */
	/* CLONE_FILES | SIGCHLD; 7: the child in the container's namespace */
	clone_ev(f, 200, 30, 56, 0x400 | 17, 7);
	assert_false(core_audit_known(f->c, &ev));
	fork_proc(f, 201, 200, 30, "clonefiles", "/bin/clonefiles");
	assert_true(core_audit_known(f->c, &ev));
	audit(f);
	open_fd(f, 201, 31, "/dev/null", 3);
	open_fd(f, 200, 40, "/tmp/shared", 5);
	fd_ev(f, SYSEV_WRITE, 201, 41, 5, 6);
	fd_ev(f, SYSEV_WRITE, 200, 42, 5, 7);
	fd_ev(f, SYSEV_CLOSE, 200, 44, 5, 0);
	flush(f);
	d = file_doc(f, "/tmp/shared");
	assert_non_null(d);
	assert_int_equal(fake_int(d, F_WRITE_COUNT, -1), 2);
	assert_string_equal(writer(d, 0), BOOT ":201:3");
	/* a fork of the same namespace whose child is known: no read */
	fork_proc(f, 202, 200, 50, "c", "/bin/c");
	clone_ev(f, 200, 50, 57, 0, 202);
	audit(f); /* takes 202's pending copy */
	assert_true(core_audit_known(f->c, &ev));
	/* a thread has no table of its own: nothing to wait for */
	clone_ev(f, 200, 51, 56, 0x10000 | 0x400 | 0x100,
	         9); /* THREAD|FILES|VM */
	assert_true(core_audit_known(f->c, &ev));
}

/* The parent exits first: the table lives on with the child. */
static void
test_fdshare_clone_files_holder_exits(void **state)
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
test_fdshare_clone_files_exec_unshares(void **state)
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
test_fdshare_clone_files_unshare(void **state)
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

/* close_range(3, ~0, CLOSE_RANGE_UNSHARE) by pid: its table is copied
 * first, then closed; the other process keeps the descriptor and writes
 * through it. flags 0: the one table, closed for both. */
static void
close_range_by(struct fx *f, int32_t pid, uint64_t flags)
{
	sev(SYSEV_CLOSE_RANGE, pid, ++f->serial, 41);
	ev.a[0] = 3;
	ev.a[1] = 0xffffffffu;
	ev.a[2] = flags;
	audit(f);
}

static void
close_range_unshare(struct fx *f, int32_t closer, int32_t other)
{
	const bson_t *d;
	char id[32];

	clone_files(f);
	fd_ev(f, SYSEV_CLONE, 200, 30, 0x400 | 17, 201); /* CLONE_FILES */
	open_fd(f, 200, 40, "/tmp/kept", 3);
	close_range_by(f, closer, 2); /* CLOSE_RANGE_UNSHARE */
	fd_ev(f, SYSEV_WRITE, other, 42, 3, 5);
	fd_ev(f, SYSEV_WRITE, closer, 43, 3, 7); /* EBADF in truth */
	fd_ev(f, SYSEV_CLOSE, other, 44, 3, 0);
	flush(f);
	d = file_doc(f, "/tmp/kept");
	assert_non_null(d);
	assert_int_equal(fake_int(d, F_WRITE_COUNT, -1), 1);
	assert_int_equal(fake_int(d, F_WRITE_BYTES, -1), 5);
	snprintf(id, sizeof(id), BOOT ":%d:%d", other, other == 200 ? 2 : 3);
	assert_string_equal(writer(d, 0), id);
	assert_false(fake_has(d, F_WRITERS ".1"));
	assert_false(fake_has(d, F_CLOSE_BY)); /* "close" */
	assert_int_equal(fake_int(d, F_CLOSE_NS, 0), T0 + 44 * MS);
}

static void
test_fdshare_close_range_unshare_member(void **state)
{
	close_range_unshare(*state, 201, 200);
}

static void
test_fdshare_close_range_unshare_holder(void **state)
{
	close_range_unshare(*state, 200, 201);
}

/* Without the flag the table both share loses the descriptor. */
static void
test_fdshare_close_range_shared(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	clone_files(f);
	fd_ev(f, SYSEV_CLONE, 200, 30, 0x400 | 17, 201);
	open_fd(f, 200, 40, "/tmp/gone", 3);
	close_range_by(f, 201, 0);
	fd_ev(f, SYSEV_WRITE, 200, 42, 3, 5); /* EBADF in truth */
	flush(f);
	d = file_doc(f, "/tmp/gone");
	assert_non_null(d);
	assert_int_equal(fake_int(d, F_WRITE_COUNT, -1), 0);
	assert_int_equal(fake_int(d, F_CLOSE_NS, 0), T0 + 41 * MS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_fdshare_clone_files_sibling_open, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fdshare_clone_before_fork,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fdshare_clone_flags, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_fdshare_clone_files_flood,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_fdshare_clone_files_member_exits, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_fdshare_clone_files_holder_exits, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_fdshare_clone_files_exec_unshares, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fdshare_clone_files_unshare,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_fdshare_close_range_unshare_member, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_fdshare_close_range_unshare_holder, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fdshare_close_range_shared,
	                                    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
