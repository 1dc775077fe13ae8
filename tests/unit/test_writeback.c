/* test_writeback.c - the write policy without a server: when a task's
 * document is first written (exit or age), updates versus the final
 * document of an insert-only store, the hold ring for closed files (bound,
 * order, merges), gaps, runs and the spool's losses. Against
 * tests/unit/fake_store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docbuild.h"
#include "fake_store.h"
#include "membudget.h"
#include "schema.h"
#include "writeback.h"
#include "wbfix.h"

#define SEC 1000000000LL
#define T0 (1700000000LL * SEC) /* a wall time */

struct fix {
	struct store *s;
	struct writeback wb;
};

static int
setup_scan(void **state, bool scan)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->s = fake_store_new(scan);
	assert_non_null(f->s);
	assert_int_equal(writeback_init(&f->wb, f->s, "h1", "boot"), 0);
	/* one document per files write here; grouping: test_wb_group_* */
	f->wb.group_files = false;
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_scan(state, false);
}

static int
setup_insert_only(void **state)
{
	return setup_scan(state, true);
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	writeback_fini(&f->wb);
	fake_store_free(f->s);
	free(f);
	return 0;
}

static void
make_task(struct task *k, int32_t pid, int64_t start_ns)
{
	wbfix_task(k, pid, start_ns);
}

static void
make_exec(struct exec_info *x, struct str *argv, const char *a0, const char *a1,
          int64_t ns)
{
	memset(x, 0, sizeof(*x));
	argv[0] = (struct str){a0, strlen(a0)};
	argv[1] = (struct str){a1, strlen(a1)};
	x->argv = argv;
	x->argc = 2;
	x->ns = ns;
	x->exe = STR_LIT("/bin/sh");
	x->cwd = STR_LIT("/tmp");
	x->comm = STR_LIT("sh");
}

/* Process pid forked, then exec'd "sh -c" at T0 + 1: its first exec. */
static void
forked_sh(struct fix *f, struct task *k, int32_t pid, struct exec_info *x,
          struct str *argv)
{
	make_task(k, pid, T0);
	writeback_task_recorded(&f->wb, k, "fork", 1);
	make_exec(x, argv, "sh", "-c", T0 + 1);
	k->nexec = 1;
	writeback_task_exec(&f->wb, k, x);
}

static const bson_t *
task_doc(struct fix *f, const char *id)
{
	const struct fake_op *op =
	    fake_store_find(f->s, STORE_PIDS, FAKE_INSERT, id);

	return op != NULL ? op->a : NULL;
}

/* A running task is written once it is 10 s old in stream time. */
static void
test_wb_task_written_at_age(void **state)
{
	struct fix *f = *state;
	struct task k;

	make_task(&k, 10, T0);
	writeback_task_recorded(&f->wb, &k, "fork", 5000);
	assert_true(k.wb.pending);
	assert_false(writeback_task_due(&k, 6000, T0 + 9 * SEC));
	assert_true(writeback_task_due(&k, 6000, T0 + 10 * SEC));
	writeback_task_write(&f->wb, &k);
	assert_true(k.wb.written);
	assert_false(k.wb.pending);
	assert_string_equal(fake_str(task_doc(f, k.id), F_SOURCE), "fork");
	assert_string_equal(fake_str(task_doc(f, k.id), F_HOST), "h1");
	/* written: never due again */
	assert_false(writeback_task_due(&k, 99000, T0 + 99 * SEC));
	writeback_task_release(&f->wb, &k);
	assert_int_equal(fake_store_nops(f->s), 1);
}

/* An exited task is written 1 s after godo learnt of the exit. */
static void
test_wb_task_written_after_exit(void **state)
{
	struct fix *f = *state;
	struct task k;

	make_task(&k, 11, T0);
	writeback_task_recorded(&f->wb, &k, "fork", 5000);
	k.exited = true;
	k.exit_ns = T0 + SEC;
	k.exit_mono_ms = 6000;
	k.exit_status = 0x0300; /* exit(3) */
	writeback_task_exit(&f->wb, &k);
	assert_int_equal(fake_store_nops(f->s), 0); /* not written yet */
	assert_false(writeback_task_due(&k, 6999, T0 + SEC));
	assert_true(writeback_task_due(&k, 7000, T0 + SEC));
	writeback_task_write(&f->wb, &k);
	assert_int_equal(fake_int(task_doc(f, k.id), F_EXIT_CODE, -1), 3);
	assert_false(fake_has(task_doc(f, k.id), F_EXIT_SIGNAL));
	assert_int_equal(fake_int(task_doc(f, k.id), F_EXIT_NS, 0), T0 + SEC);
	writeback_task_release(&f->wb, &k);
}

/* A snapshot task (recorded at 0) is due at once. */
static void
test_wb_snapshot_due_at_once(void **state)
{
	struct fix *f = *state;
	struct task k;

	make_task(&k, 12, T0);
	writeback_task_recorded(&f->wb, &k, "snapshot", 0);
	assert_true(writeback_task_due(&k, 1, T0));
	writeback_task_recorded(&f->wb, &k, "audit", 5); /* first one wins */
	assert_string_equal(k.wb.source, "snapshot");
	writeback_task_release(&f->wb, &k);
	assert_string_equal(fake_str(task_doc(f, k.id), F_SOURCE), "snapshot");
}

/* Killed by a signal: exit_signal, no exit_code. */
static void
test_wb_exit_signal(void **state)
{
	struct fix *f = *state;
	struct task k;

	make_task(&k, 13, T0);
	writeback_task_recorded(&f->wb, &k, "fork", 1);
	k.exited = true;
	k.exit_status = 9;
	writeback_task_release(&f->wb, &k);
	assert_int_equal(fake_int(task_doc(f, k.id), F_EXIT_SIGNAL, -1), 9);
	assert_false(fake_has(task_doc(f, k.id), F_EXIT_CODE));
}

/* Before the first write an exec goes into the document; after it, an
 * update ($addToSet, $max) on a store whose updates are cheap. */
static void
test_wb_exec_before_and_after_write(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct exec_info x;
	struct str argv[2];
	const struct fake_op *op;

	forked_sh(f, &k, 14, &x, argv);
	writeback_task_write(&f->wb, &k);
	assert_null(k.wb.doc); /* freed once written */
	assert_string_equal(fake_str(task_doc(f, k.id), "args.1"), "-c");
	assert_string_equal(fake_str(task_doc(f, k.id), "execve.0.exe"),
	                    "/bin/sh");
	assert_int_equal(fake_int(task_doc(f, k.id), F_EXECVE_COUNT, 0), 1);
	make_exec(&x, argv, "ls", "-l", T0 + 2);
	k.nexec = 2;
	writeback_task_exec(&f->wb, &k, &x);
	op = fake_store_find(f->s, STORE_PIDS, FAKE_UPSERT, k.id);
	assert_non_null(op);
	assert_string_equal(fake_str(op->b, "$set.args.0"), "ls");
	assert_int_equal(fake_int(op->b, "$max.execve_count", 0), 2);
	assert_true(fake_has(op->b, "$addToSet.execve"));
	assert_false(k.wb.final_due);
	writeback_task_release(&f->wb, &k);
}

/* execve entries stop at EXECVE_MAX; execve_count counts them all. */
static void
test_wb_exec_entries_capped(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct exec_info x;
	struct str argv[2];
	char key[32];
	int i;

	make_task(&k, 15, T0);
	writeback_task_recorded(&f->wb, &k, "fork", 1);
	for (i = 0; i < EXECVE_MAX + 4; i++) {
		make_exec(&x, argv, "true", "x", T0 + i);
		k.nexec++;
		writeback_task_exec(&f->wb, &k, &x);
	}
	writeback_task_release(&f->wb, &k);
	assert_int_equal(fake_int(task_doc(f, k.id), F_EXECVE_COUNT, 0),
	                 EXECVE_MAX + 4);
	snprintf(key, sizeof(key), "execve.%d", EXECVE_MAX - 1);
	assert_true(fake_has(task_doc(f, k.id), key));
	snprintf(key, sizeof(key), "execve.%d", EXECVE_MAX);
	assert_false(fake_has(task_doc(f, k.id), key));
}

/* Insert-only: a change after the first write waits for the final
 * document (an insert with the whole state), due 1 s after the exit. */
static void
test_wb_insert_only_final_document(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct exec_info x;
	struct str argv[2];
	char fid[TASK_ID_MAX + 8];
	const bson_t *fin;

	make_task(&k, 16, T0);
	writeback_task_recorded(&f->wb, &k, "fork", 1);
	writeback_task_write(&f->wb, &k);
	make_exec(&x, argv, "sleep", "9", T0 + 5);
	k.nexec = 1;
	writeback_task_exec(&f->wb, &k, &x);
	assert_int_equal(fake_store_count(f->s, STORE_PIDS, FAKE_UPSERT), 0);
	assert_true(k.wb.final_due);
	k.exited = true;
	k.exit_mono_ms = 9000;
	writeback_task_exit(&f->wb, &k);
	assert_false(writeback_final_due(&k, 9999));
	assert_true(writeback_final_due(&k, 10000));
	writeback_task_final(&f->wb, &k);
	snprintf(fid, sizeof(fid), "%s:final", k.id);
	fin = task_doc(f, fid);
	assert_non_null(fin);
	assert_string_equal(fake_str(fin, F_FINAL_OF), k.id);
	assert_string_equal(fake_str(fin, "args.0"), "sleep");
	assert_true(fake_has(fin, F_EXIT_NS));
	assert_int_equal(f->wb.st.finals, 1);
	writeback_task_release(&f->wb, &k); /* nothing more */
	assert_int_equal(fake_store_count(f->s, STORE_PIDS, FAKE_INSERT), 2);
}

/* Insert-only: a task released before its exit still gets its final. */
static void
test_wb_insert_only_release_writes_final(void **state)
{
	struct fix *f = *state;
	struct task k;

	make_task(&k, 17, T0);
	writeback_task_recorded(&f->wb, &k, "fork", 1);
	writeback_task_write(&f->wb, &k);
	strcpy(k.docker_id, "abc");
	writeback_task_docker(&f->wb, &k);
	writeback_task_setns(&f->wb, &k);
	writeback_task_release(&f->wb, &k);
	assert_null(k.wb.doc);
	assert_int_equal(fake_store_count(f->s, STORE_PIDS, FAKE_INSERT), 2);
	assert_int_equal(fake_store_count(f->s, STORE_PIDS, FAKE_UPSERT), 0);
}

/* Normal store: flags and container of a written task are $set. */
static void
test_wb_updates_of_written_task(void **state)
{
	struct fix *f = *state;
	struct task k;
	const struct fake_op *op;

	make_task(&k, 18, T0);
	writeback_task_recorded(&f->wb, &k, "fork", 1);
	writeback_task_write(&f->wb, &k);
	k.daemon = true;
	writeback_task_daemon(&f->wb, &k);
	op = fake_store_find(f->s, STORE_PIDS, FAKE_UPSERT, k.id);
	assert_true(fake_int(op->b, "$set.star", 0));
	writeback_task_rootfs(&f->wb, &k, "/var/lib/docker/x/merged", 24);
	op = fake_store_find(f->s, STORE_PIDS, FAKE_UPSERT, k.id);
	assert_string_equal(fake_str(op->b, "$set.rootfs"),
	                    "/var/lib/docker/x/merged");
	writeback_task_release(&f->wb, &k);
	assert_int_equal(fake_store_count(f->s, STORE_PIDS, FAKE_UPSERT), 2);
}

/* Before the first write, setns and rootfs go into the document. */
static void
test_wb_setns_rootfs_in_document(void **state)
{
	struct fix *f = *state;
	struct task k;

	make_task(&k, 19, T0);
	writeback_task_recorded(&f->wb, &k, "fork", 1);
	writeback_task_setns(&f->wb, &k);
	writeback_task_rootfs(&f->wb, &k, "/r/merged", 9);
	writeback_task_rootfs(&f->wb, &k, "/s/merged", 9);
	writeback_task_release(&f->wb, &k);
	assert_true(fake_int(task_doc(f, k.id), F_SETNS, 0));
	assert_string_equal(fake_str(task_doc(f, k.id), F_ROOTFS), "/s/merged");
}

/* A refused insert leaves the task unwritten and is counted. */
static void
test_wb_refused_write_counted(void **state)
{
	struct fix *f = *state;
	struct task k;

	make_task(&k, 20, T0);
	writeback_task_recorded(&f->wb, &k, "fork", 1);
	fake_store_fail(f->s, 1);
	writeback_task_write(&f->wb, &k);
	assert_false(k.wb.written);
	assert_false(k.wb.pending);
	assert_int_equal(f->wb.st.failed, 1);
	writeback_task_release(&f->wb, &k);
}

/* ---- files ---- */

static void
make_file(struct openfile *o, const char *id, const char *path, int64_t ns)
{
	wbfix_file(o, id, path, ns);
}

/* A closed file is held WRITEBACK_HOLD_NS of stream time, then written. */
static void
test_wb_hold_released_by_stream(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct openfile o;

	make_task(&k, 30, T0);
	make_file(&o, "f1", "/tmp/a", T0);
	o.wcount = 2;
	o.wbytes = 10;
	writeback_file_closed(&f->wb, &o, &k, T0 + SEC, "close", 100);
	assert_int_equal(fake_store_nops(f->s), 0);
	writeback_release(&f->wb, T0 + SEC + WRITEBACK_HOLD_NS - 1, 101);
	assert_int_equal(fake_store_nops(f->s), 0);
	writeback_release(&f->wb, T0 + SEC + WRITEBACK_HOLD_NS, 102);
	assert_int_equal(fake_store_nops(f->s), 1);
	assert_false(
	    fake_has(fake_store_op(f->s, 0)->a, F_CLOSE_BY)); /* "close" */
	assert_int_equal(fake_int(fake_store_op(f->s, 0)->a, F_WRITE_BYTES, 0),
	                 10);
	assert_int_equal(f->wb.nheld, 0);
}

/* An idle stream does not keep documents: the wall bound writes them. */
static void
test_wb_hold_released_by_wall_clock(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct openfile o;

	make_task(&k, 31, T0);
	make_file(&o, "f2", "/tmp/b", T0);
	writeback_file_closed(&f->wb, &o, &k, T0, "close", 100);
	writeback_release(&f->wb, T0, 100 + WRITEBACK_HOLD_WALL_MS - 1);
	assert_int_equal(fake_store_nops(f->s), 0);
	writeback_release(&f->wb, T0, 100 + WRITEBACK_HOLD_WALL_MS);
	assert_int_equal(fake_store_nops(f->s), 1);
}

/* An unlink right after the close joins the file's document. */
static void
test_wb_unlink_merges_into_held(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct openfile o;
	const bson_t *d;

	make_task(&k, 32, T0);
	make_file(&o, "f3", "/tmp/c", T0);
	writeback_file_closed(&f->wb, &o, &k, T0 + 10, "close", 100);
	writeback_op(&f->wb, &k, OP_UNLINK, 77, T0 + 20, STR_LIT("/tmp/c"),
	             (struct str){NULL, 0});
	assert_int_equal(fake_store_nops(f->s), 1);
	d = fake_store_op(f->s, 0)->a;
	assert_string_equal(fake_str(d, F_ID), "f3");
	assert_string_equal(fake_str(d, F_THEN_OP), "unlink");
	assert_int_equal(fake_int(d, F_THEN_NS, 0), T0 + 20);
	assert_int_equal(f->wb.st.merged, 1);
	assert_int_equal(f->wb.nheld, 0);
}

/* What a files document leaves out (docs/schema.md "Fields left out"):
 * closed_by "close", writers that are the file's own process alone, a
 * written list of one date, then_proc_id / then_pid of the file's own
 * process. Each is kept when it says more. */
static void
test_wb_file_fields_left_out(void **state)
{
	struct fix *f = *state;
	struct task k, k2;
	struct openfile o;
	const bson_t *d;

	make_task(&k, 33, T0);
	make_task(&k2, 34, T0);
	make_file(&o, "f4", "/tmp/d", T0);
	o.wcount = 2;
	o.first_w = T0 + 1;
	o.last_w = T0 + 2;
	o.written[0] = T0 + 1;
	o.nwritten = 1;
	o.writers[0].pid = k.pid;
	o.writers[0].ticks = k.start_ticks;
	o.nwriters = 1;
	writeback_file_closed(&f->wb, &o, &k, T0 + 10, "close", 100);
	writeback_op(&f->wb, &k2, OP_UNLINK, 78, T0 + 20, STR_LIT("/tmp/d"),
	             (struct str){NULL, 0});
	d = fake_store_op(f->s, 0)->a;
	assert_string_equal(fake_str(d, F_ID), "f4");
	assert_false(fake_has(d, F_CLOSE_BY));
	assert_false(fake_has(d, F_WRITERS));
	assert_false(fake_has(d, F_WRITTEN));
	assert_int_equal(fake_int(d, F_FIRST_WRITE, 0), T0 + 1);
	assert_string_equal(fake_str(d, F_THEN_PROC_ID), k2.id);
	assert_int_equal(fake_int(d, F_THEN_PID, 0), 34);

	make_file(&o, "f5", "/tmp/e", T0);
	o.wcount = 2;
	o.first_w = T0 + 1;
	o.last_w = T0 + 2 * 1000000;
	o.written[0] = T0 + 1;
	o.written[1] = T0 + 2 * 1000000;
	o.nwritten = 2;
	o.writers[0].pid = k2.pid;
	o.writers[0].ticks = k2.start_ticks;
	o.nwriters = 1;
	writeback_file_closed(&f->wb, &o, &k, T0 + 10, "exit", 100);
	writeback_op(&f->wb, &k, OP_UNLINK, 79, T0 + 20, STR_LIT("/tmp/e"),
	             (struct str){NULL, 0});
	d = fake_store_op(f->s, 1)->a;
	assert_string_equal(fake_str(d, F_ID), "f5");
	assert_string_equal(fake_str(d, F_CLOSE_BY), "exit");
	assert_string_equal(fake_str(d, F_WRITERS ".0"), k2.id);
	assert_true(fake_has(d, F_WRITTEN ".1"));
	assert_string_equal(fake_str(d, F_THEN_OP), "unlink");
	assert_false(fake_has(d, F_THEN_PROC_ID));
	assert_false(fake_has(d, F_THEN_PID));
}

/* A rename joins too, with its new name; an operation in another
 * container, or older than the close, does not. */
static void
test_wb_merge_rules(void **state)
{
	struct fix *f = *state;
	struct task k, other;
	struct openfile o;
	const bson_t *d;

	make_task(&k, 33, T0);
	make_task(&other, 34, T0);
	strcpy(other.docker_id, "c2");
	make_file(&o, "f4", "/tmp/d", T0);
	writeback_file_closed(&f->wb, &o, &k, T0 + 10, "close", 100);
	writeback_op(&f->wb, &other, OP_UNLINK, 1, T0 + 20, STR_LIT("/tmp/d"),
	             (struct str){NULL, 0});
	writeback_op(&f->wb, &k, OP_UNLINK, 2, T0 + 5, STR_LIT("/tmp/d"),
	             (struct str){NULL, 0});
	assert_int_equal(fake_store_nops(f->s), 2); /* two plain ops */
	assert_string_equal(fake_str(fake_store_op(f->s, 0)->a, F_OP),
	                    "unlink");
	writeback_op(&f->wb, &k, OP_RENAME, 3, T0 + 30, STR_LIT("/tmp/d"),
	             STR_LIT("/tmp/e"));
	assert_int_equal(fake_store_nops(f->s), 3);
	d = fake_store_op(f->s, 2)->a;
	assert_string_equal(fake_str(d, F_ID), "f4");
	assert_string_equal(fake_str(d, F_NEW_FILENAME), "/tmp/e");
}

/* truncate by name never joins a held document. */
static void
test_wb_truncate_is_own_document(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct openfile o;
	char id[TASK_ID_MAX + 48];

	make_task(&k, 35, T0);
	make_file(&o, "f5", "/tmp/t", T0);
	writeback_file_closed(&f->wb, &o, &k, T0, "close", 100);
	writeback_op(&f->wb, &k, OP_TRUNCATE, 9, T0 + 1, STR_LIT("/tmp/t"),
	             (struct str){NULL, 0});
	snprintf(id, sizeof(id), "%s:truncate:9", k.id);
	assert_non_null(fake_store_find(f->s, STORE_FILES, FAKE_INSERT, id));
	assert_int_equal(f->wb.nheld, 1);
}

/* A path opened again: its held document takes no more operations. */
static void
test_wb_path_reused_writes_held(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct openfile o;

	make_task(&k, 36, T0);
	make_file(&o, "f6", "/tmp/r", T0);
	writeback_file_closed(&f->wb, &o, &k, T0, "close", 100);
	writeback_path_reused(&f->wb, STR_LIT("/tmp/r"));
	assert_int_equal(fake_store_nops(f->s), 1);
	writeback_op(&f->wb, &k, OP_UNLINK, 5, T0 + 1, STR_LIT("/tmp/r"),
	             (struct str){NULL, 0});
	assert_int_equal(fake_store_nops(f->s), 2);
	assert_false(fake_has(fake_store_op(f->s, 0)->a, F_THEN_OP));
	assert_int_equal(f->wb.st.merged, 0);
}

/* The ring is bounded: the oldest document goes first when it is full,
 * and release writes in close order. */
static void
test_wb_hold_ring_bound_and_order(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct openfile o;
	char id[32], path[32];
	int i;

	make_task(&k, 37, T0);
	for (i = 0; i < WRITEBACK_HOLD_MAX + 2; i++) {
		snprintf(id, sizeof(id), "g%d", i);
		snprintf(path, sizeof(path), "/tmp/p%d", i);
		make_file(&o, id, path, T0);
		writeback_file_closed(&f->wb, &o, &k, T0 + i, "close", 100);
	}
	assert_int_equal(f->wb.nheld, WRITEBACK_HOLD_MAX);
	assert_int_equal(fake_store_nops(f->s), 2);
	assert_string_equal(fake_str(fake_store_op(f->s, 0)->a, F_ID), "g0");
	assert_string_equal(fake_str(fake_store_op(f->s, 1)->a, F_ID), "g1");
	writeback_release(&f->wb, INT64_MAX, UINT64_MAX);
	assert_int_equal(fake_store_nops(f->s), WRITEBACK_HOLD_MAX + 2);
	for (i = 0; i < WRITEBACK_HOLD_MAX + 2; i++) {
		snprintf(id, sizeof(id), "g%d", i);
		assert_string_equal(
		    fake_str(fake_store_op(f->s, (size_t)i)->a, F_ID), id);
	}
}

/* A file that has an fds document: its files document at once, and the
 * fds document deleted. */
static void
test_wb_file_with_fds_document(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct openfile o;
	const struct fake_op *op;

	make_task(&k, 38, T0);
	make_file(&o, "f7", "/var/log/x", T0);
	writeback_file_open(&f->wb, &o, &k);
	assert_true(o.in_fds);
	assert_false(o.dirty);
	assert_non_null(fake_store_find(f->s, STORE_FDS, FAKE_INSERT, "f7"));
	o.wcount = 5;
	writeback_file_open(&f->wb, &o, &k);
	op = fake_store_find(f->s, STORE_FDS, FAKE_UPSERT, "f7");
	assert_non_null(op);
	assert_int_equal(fake_int(op->b, "$set.write_count", 0), 5);
	writeback_file_closed(&f->wb, &o, &k, T0 + SEC, "exit", 100);
	assert_int_equal(f->wb.nheld, 0);
	assert_non_null(fake_store_find(f->s, STORE_FILES, FAKE_INSERT, "f7"));
	assert_non_null(fake_store_find(f->s, STORE_FDS, FAKE_DELETE, "f7"));
}

/* ---- gaps, runs, losses ---- */

static void
test_wb_gap_and_run(void **state)
{
	struct fix *f = *state;
	const struct fake_op *op;

	writeback_gap(&f->wb, "audit", T0, T0 + SEC, 12);
	op = fake_store_op(f->s, 0);
	assert_int_equal(op->c, STORE_GAPS);
	assert_string_equal(fake_str(op->b, "$set.source"), "audit");
	assert_int_equal(fake_int(op->b, "$set.from_ns", 0), T0);
	assert_int_equal(fake_int(op->b, "$set.to_ns", 0), T0 + SEC);
	assert_int_equal(fake_int(op->b, "$set.count", 0), 12);
	writeback_run(&f->wb, 42, T0, 0, T0 + 5);
	op = fake_store_op(f->s, 1);
	assert_int_equal(op->c, STORE_RUNS);
	assert_int_equal(fake_int(op->b, "$set.last_seen_ns", 0), T0 + 5);
	assert_false(fake_has(op->b, "$set.stop_timestamp"));
	writeback_run(&f->wb, 42, T0, T0 + 9, T0 + 9);
	op = fake_store_op(f->s, 2);
	assert_true(fake_has(op->b, "$set.stop_timestamp"));
	assert_string_equal(fake_str(op->a, F_ID),
	                    fake_str(fake_store_op(f->s, 1)->a, F_ID));
}

/* Operations the full spool lost become one "spool" gap once the store
 * answers again. */
static void
test_wb_spool_losses_become_gap(void **state)
{
	struct fix *f = *state;
	const struct fake_op *op;

	fake_store_lose(f->s, 7, true);
	writeback_flush(&f->wb, 100, T0);
	assert_int_equal(fake_store_nops(f->s), 0); /* still down */
	fake_store_lose(f->s, 3, false);
	writeback_flush(&f->wb, 200, T0 + SEC);
	assert_int_equal(fake_store_nops(f->s), 1);
	op = fake_store_op(f->s, 0);
	assert_string_equal(fake_str(op->b, "$set.source"), "spool");
	assert_int_equal(fake_int(op->b, "$set.count", 0), 10);
	assert_int_equal(fake_int(op->b, "$set.from_ns", 0), T0);
	writeback_flush(&f->wb, 300, T0 + 2 * SEC);
	assert_int_equal(fake_store_nops(f->s), 1);
}

/* Drops of one cause between two writes make one gap with their count
 * and time range; an empty tally writes nothing. */
static void
test_wb_tally_one_gap_per_write(void **state)
{
	struct fix *f = *state;
	struct gap_tally t;
	const struct fake_op *op;
	int i;

	memset(&t, 0, sizeof(t));
	writeback_tally_write(&f->wb, &t, "reasm_flood");
	for (i = 0; i < 1000; i++)
		writeback_tally(&t, T0 + SEC - i, 1);
	writeback_tally(&t, T0 + 2 * SEC, 2);
	writeback_tally_write(&f->wb, &t, "reasm_flood");
	writeback_tally_write(&f->wb, &t, "reasm_flood");
	writeback_flush(&f->wb, 100, T0 + 3 * SEC);
	assert_int_equal(fake_store_nops(f->s), 1);
	op = fake_store_op(f->s, 0);
	assert_string_equal(fake_str(op->b, "$set.source"), "reasm_flood");
	assert_int_equal(fake_int(op->b, "$set.count", 0), 1002);
	assert_int_equal(fake_int(op->b, "$set.from_ns", 0), T0 + SEC - 999);
	assert_int_equal(fake_int(op->b, "$set.to_ns", 0), T0 + 2 * SEC);
	assert_int_equal(t.count, 0);
}

/* Bytes that are not UTF-8 are kept as binary, not mangled. */
static void
test_wb_binary_filename(void **state)
{
	struct fix *f = *state;
	struct task k;
	bson_iter_t it;

	make_task(&k, 39, T0);
	writeback_op(&f->wb, &k, OP_UNLINK, 1, T0, STR_LIT("/tmp/\xff\xfe"),
	             (struct str){NULL, 0});
	assert_true(
	    bson_iter_init_find(&it, fake_store_op(f->s, 0)->a, F_FILENAME));
	assert_true(BSON_ITER_HOLDS_BINARY(&it));
}

/* --- Issue 16: what the write-back keeps, charged in bytes (wbdoc.h) */

static struct membudget tb; /* outlives each test: teardown gives back */

/* A pending document takes bytes as it grows and gives them all back once
 * written. */
static void
test_wb_budget_doc_charged_and_given_back(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct exec_info x;
	struct str argv[2];
	char big[3000];
	uint64_t one;

	membudget_init(&tb, 1 << 20);
	writeback_set_budget(&f->wb, &tb);
	make_task(&k, 50, T0);
	writeback_task_recorded(&f->wb, &k, "fork", 1);
	make_exec(&x, argv, "sh", "-c", T0 + 1);
	writeback_task_exec(&f->wb, &k, &x);
	one = tb.used;
	assert_true(one >= sizeof(struct task_doc));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	make_exec(&x, argv, "python3", big, T0 + 2);
	writeback_task_exec(&f->wb, &k, &x);
	assert_true(tb.used >= one + 2 * 3000); /* execve entry + last args */
	assert_int_equal(tb.used, k.wb.doc->charged);
	writeback_task_write(&f->wb, &k);
	assert_null(k.wb.doc);
	assert_int_equal(tb.used, 0);
	assert_int_equal(f->wb.st.mem_early + f->wb.st.mem_drops, 0);
	writeback_task_release(&f->wb, &k);
}

/* Refused: a pending document is written at once, with what it holds. */
static void
test_wb_budget_refused_writes_now(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct exec_info x;
	struct str argv[2];

	membudget_init(&tb, 64); /* less than one document */
	writeback_set_budget(&f->wb, &tb);
	forked_sh(f, &k, 51, &x, argv);
	assert_true(k.wb.written);
	assert_null(k.wb.doc);
	assert_string_equal(fake_str(task_doc(f, k.id), "args.1"), "-c");
	assert_int_equal(f->wb.st.mem_early, 1);
	assert_int_equal(f->wb.st.mem_drops, 0);
	assert_int_equal(tb.used, 0);
	assert_true(tb.refused > 0);
	writeback_task_release(&f->wb, &k);
}

/* Insert-only: a written task's changes kept for its final document are
 * let go when refused, and said so: a mem_docs gap. */
static void
test_wb_budget_refused_after_write_is_gap(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct exec_info x;
	struct str argv[2];

	membudget_init(&tb, 64);
	writeback_set_budget(&f->wb, &tb);
	make_task(&k, 52, T0);
	writeback_task_recorded(&f->wb, &k, "fork", 1);
	writeback_task_write(&f->wb, &k);
	make_exec(&x, argv, "sleep", "9", T0 + 5);
	k.nexec = 1;
	writeback_task_exec(&f->wb, &k, &x);
	assert_null(k.wb.doc);
	assert_int_equal(f->wb.st.mem_drops, 1);
	assert_int_equal(tb.used, 0);
	writeback_flush(&f->wb, 100, T0 + SEC);
	assert_int_equal(fake_store_count(f->s, STORE_GAPS, FAKE_UPSERT), 1);
	assert_string_equal(
	    fake_str(fake_store_op(f->s, fake_store_nops(f->s) - 1)->b,
	             "$set.source"),
	    "mem_docs");
	writeback_task_release(&f->wb, &k);
}

/* Held files take their bytes while held; refused, the document is written
 * at once instead of held. */
static void
test_wb_budget_held_files(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct openfile o;

	membudget_init(&tb, 1 << 20);
	writeback_set_budget(&f->wb, &tb);
	make_task(&k, 53, T0);
	make_file(&o, "f53", "/tmp/held", T0);
	writeback_file_closed(&f->wb, &o, &k, T0 + SEC, "close", 100);
	assert_int_equal(fake_store_nops(f->s), 0);
	assert_int_equal(f->wb.nheld, 1);
	assert_true(tb.used > strlen("/tmp/held"));
	writeback_release(&f->wb, INT64_MAX, UINT64_MAX);
	assert_int_equal(fake_store_nops(f->s), 1);
	assert_int_equal(tb.used, 0);
	membudget_init(&tb, 64);
	make_file(&o, "f54", "/tmp/nowhere", T0);
	writeback_file_closed(&f->wb, &o, &k, T0 + SEC, "close", 200);
	assert_int_equal(fake_store_nops(f->s), 2); /* written, not held */
	assert_int_equal(f->wb.nheld, 0);
	assert_int_equal(tb.used, 0);
}

/* A document written whole (insert-only store): the newest execve entry
 * is its time only, the document's own args, exe and cwd being that
 * exec's; older entries stay whole (docs/schema.md "Fields left out"). */
static void
test_wb_whole_newest_exec_bare(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct exec_info x;
	struct str argv[2];
	const bson_t *d;

	forked_sh(f, &k, 18, &x, argv);
	make_exec(&x, argv, "ls", "-l", T0 + 2);
	x.exe = STR_LIT("/bin/ls");
	k.nexec = 2;
	writeback_task_exec(&f->wb, &k, &x);
	writeback_task_release(&f->wb, &k);
	d = task_doc(f, k.id);
	assert_non_null(d);
	assert_string_equal(fake_str(d, "execve.0.args.0"), "sh");
	assert_string_equal(fake_str(d, "execve.0.exe"), "/bin/sh");
	assert_int_equal(fake_int(d, "execve.1.ns", 0), T0 + 2);
	assert_false(fake_has(d, "execve.1.args"));
	assert_false(fake_has(d, "execve.1.exe"));
	assert_false(fake_has(d, "execve.1.cwd"));
	assert_string_equal(fake_str(d, "args.0"), "ls");
	assert_string_equal(fake_str(d, F_EXE), "/bin/ls");
	assert_int_equal(fake_int(d, F_EXECVE_COUNT, 0), 2);
	/* comm "sh" is not /bin/ls's base name: kept */
	assert_string_equal(fake_str(d, F_COMM), "sh");
}

/* comm left out when it is exe's base name cut to 15 bytes, in the
 * document; an update ($set) always names it. */
static void
test_wb_comm_left_out(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct exec_info x;
	struct str argv[2];
	const struct fake_op *op;

	forked_sh(f, &k, 23, &x, argv);
	writeback_task_write(&f->wb, &k);
	assert_false(fake_has(task_doc(f, k.id), F_COMM));
	make_exec(&x, argv, "sh", "-c", T0 + 2);
	k.nexec = 2;
	writeback_task_exec(&f->wb, &k, &x);
	op = fake_store_find(f->s, STORE_PIDS, FAKE_UPSERT, k.id);
	assert_non_null(op);
	assert_string_equal(fake_str(op->b, "$set.comm"), "sh");
	writeback_task_release(&f->wb, &k);
	assert_true(docbuild_comm_derivable(STR_LIT("a-very-long-pro"),
	                                    STR_LIT("/x/a-very-long-program")));
	assert_false(
	    docbuild_comm_derivable(STR_LIT("sh"), STR_LIT("/usr/bin/dash")));
	assert_false(docbuild_comm_derivable(STR_LIT("prog"),
	                                     STR_LIT("/x/prog (deleted)")));
	assert_false(docbuild_comm_derivable(STR_LIT("x"), STR_LIT("")));
}

/* Args known after the exec without one (a snapshot): the document's own
 * are not the exec's, so the entry stays whole; a store updated in place
 * gets whole entries too (a later $set would change the top level). */
static void
test_wb_whole_entry_kept_when_not_newest(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct exec_info x;
	struct str argv[2];
	const bson_t *d;

	forked_sh(f, &k, 19, &x, argv);
	make_exec(&x, argv, "other", "args", T0 + 2);
	writeback_task_info(&f->wb, &k, &x);
	writeback_task_release(&f->wb, &k);
	d = task_doc(f, k.id);
	assert_non_null(d);
	assert_string_equal(fake_str(d, "execve.0.args.0"), "sh");
	assert_string_equal(fake_str(d, "args.0"), "other");
}

static void
test_wb_updated_store_entries_whole(void **state)
{
	struct fix *f = *state;
	struct task k;
	struct exec_info x;
	struct str argv[2];

	forked_sh(f, &k, 20, &x, argv);
	writeback_task_write(&f->wb, &k);
	assert_string_equal(fake_str(task_doc(f, k.id), "execve.0.args.0"),
	                    "sh");
	writeback_task_release(&f->wb, &k);
}

/* parent_tgid only when it is not ppid; exit_status only when code or
 * signal do not say all of it (a core dump's bit). */
static void
test_wb_derivable_fields_left_out(void **state)
{
	struct fix *f = *state;
	struct task k;
	const bson_t *d;

	make_task(&k, 21, T0);
	writeback_task_recorded(&f->wb, &k, "fork", 1);
	k.exited = true;
	k.exit_status = 3 << 8;
	writeback_task_release(&f->wb, &k);
	d = task_doc(f, k.id);
	assert_int_equal(fake_int(d, F_PPID, 0), 1);
	assert_false(fake_has(d, F_PARENT_TGID));
	assert_int_equal(fake_int(d, F_EXIT_CODE, -1), 3);
	assert_false(fake_has(d, F_EXIT_STATUS));

	make_task(&k, 22, T0);
	k.ppid = 40; /* forked by a thread of process 4 */
	k.ptgid = 4;
	writeback_task_recorded(&f->wb, &k, "fork", 1);
	k.exited = true;
	k.exit_status = 0x80 | 11; /* SIGSEGV, core dumped */
	writeback_task_release(&f->wb, &k);
	d = task_doc(f, k.id);
	assert_int_equal(fake_int(d, F_PARENT_TGID, 0), 4);
	assert_int_equal(fake_int(d, F_EXIT_SIGNAL, 0), 11);
	assert_int_equal(fake_int(d, F_EXIT_STATUS, 0), 0x80 | 11);
	assert_true(docbuild_status_derivable(9));
	assert_true(docbuild_status_derivable(255 << 8));
	assert_false(docbuild_status_derivable(0x7f));
	assert_false(docbuild_status_derivable((1 << 16) | (2 << 8)));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define TI(fn) cmocka_unit_test_setup_teardown(fn, setup_insert_only, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_wb_task_written_at_age),
	    T(test_wb_task_written_after_exit),
	    T(test_wb_snapshot_due_at_once),
	    T(test_wb_exit_signal),
	    T(test_wb_exec_before_and_after_write),
	    T(test_wb_exec_entries_capped),
	    TI(test_wb_insert_only_final_document),
	    TI(test_wb_insert_only_release_writes_final),
	    T(test_wb_updates_of_written_task),
	    T(test_wb_setns_rootfs_in_document),
	    T(test_wb_refused_write_counted),
	    T(test_wb_hold_released_by_stream),
	    T(test_wb_hold_released_by_wall_clock),
	    T(test_wb_unlink_merges_into_held),
	    T(test_wb_file_fields_left_out),
	    T(test_wb_merge_rules),
	    T(test_wb_truncate_is_own_document),
	    T(test_wb_path_reused_writes_held),
	    T(test_wb_hold_ring_bound_and_order),
	    T(test_wb_file_with_fds_document),
	    T(test_wb_gap_and_run),
	    T(test_wb_spool_losses_become_gap),
	    T(test_wb_tally_one_gap_per_write),
	    T(test_wb_binary_filename),
	    T(test_wb_budget_doc_charged_and_given_back),
	    T(test_wb_budget_refused_writes_now),
	    TI(test_wb_budget_refused_after_write_is_gap),
	    T(test_wb_budget_held_files),
	    TI(test_wb_whole_newest_exec_bare),
	    TI(test_wb_whole_entry_kept_when_not_newest),
	    T(test_wb_updated_store_entries_whole),
	    T(test_wb_comm_left_out),
	    T(test_wb_derivable_fields_left_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
