/* test_pidreuse.c - issue 16's attribution rules without root: an audit
 * event older than the task now holding its pid goes to the previous
 * incarnation or is a "pid_reused" gap, never to the newer task; the
 * resync after a connector overrun replaces stale entries; every drop (an
 * unknown pid, a full task table, the memory budget) is a gaps document
 * with its source. Driven like test_core: connector events and decoded
 * audit events built here, a fake /proc, the fake store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>

#include "corebase.h"

/* -all, as godo -all */
static int
setup_all(void **state)
{
	*state = fx_new(true, false, 1024, 0);
	return 0;
}

static void
conn(struct fx *p, enum procconn_what what, int32_t pid, uint64_t ms)
{
	struct procconn_event e;

	memset(&e, 0, sizeof(e));
	e.what = what;
	e.ts_ns = ms * (uint64_t)MS;
	e.pid = e.tgid = pid;
	e.ppid = e.ptgid = 1;
	now(p, ms);
	core_conn_event(p->c, &e);
}

/* A FORK at ms, its /proc entry (start ticks = ms / 10) made first. */
static void
fork_at(struct fx *p, int32_t pid, uint64_t ms)
{
	fakeproc_task(&p->fp, pid, pid, 1, ms / 10, "sh");
	conn(p, PROCCONN_FORK, pid, ms);
}

/* An unlink of name by pid, stamped ms (the kernel's time), read at
 * now_ms. */
static void
unlink_at(struct fx *p, int32_t pid, uint64_t ms, uint64_t now_ms,
          const char *name)
{
	sev(SYSEV_UNLINK, pid, ++p->serial, ms);
	ev.path[0].name = (struct str){name, strlen(name)};
	ev.path[0].has_name = true;
	ev.path[0].nametype = NT_DELETE;
	ev.npath = 1;
	now(p, now_ms);
	core_audit_event(p->c, &ev);
}

static const char *
owner_of(struct fx *p, const char *path)
{
	const bson_t *d =
	    fake_store_find_doc(p->s, STORE_FILES, F_FILENAME, path);

	return d != NULL ? fake_str(d, F_PROC_ID) : NULL;
}

/* The drops the gaps of source written so far count (0: none). */
static int64_t
gap_count(struct fx *p, const char *source)
{
	int64_t n = 0;
	size_t i;

	for (i = 0; i < fake_store_nops(p->s); i++) {
		const struct fake_op *op = fake_store_op(p->s, i);

		if (op->c == STORE_GAPS && op->b != NULL &&
		    strcmp(fake_str(op->b, "$set." F_GAP_SOURCE), source) == 0)
			n += fake_int(op->b, "$set." F_GAP_COUNT, 0);
	}
	return n;
}

/* The pid was reused while audit lagged: the old holder's late event
 * goes to the old holder, the new one's to the new one. */
static void
test_pidreuse_event_goes_to_previous_incarnation(void **state)
{
	struct fx *p = *state;

	fork_at(p, 200, 5000);
	conn(p, PROCCONN_EXIT, 200, 5100);
	fork_at(p, 200, 6000); /* pid reused; audit still at 5080 */
	unlink_at(p, 200, 5080, 6000, "old.txt");
	unlink_at(p, 200, 6010, 6010, "new.txt");
	assert_string_equal(owner_of(p, "/work/old.txt"), BOOT ":200:500");
	assert_string_equal(owner_of(p, "/work/new.txt"), BOOT ":200:600");
	at(p, 8000);
	assert_int_equal(gap_count(p, "pid_reused"), 0);
}

/* The previous holder is unknown (godo never saw it): the event is a gap,
 * not the new task's. */
static void
test_pidreuse_unknown_previous_is_gap(void **state)
{
	struct fx *p = *state;

	fakeproc_task(&p->fp, 300, 300, 1, 800, "sh"); /* started at 8 s */
	unlink_at(p, 300, 5000, 8100, "a.txt");
	assert_null(owner_of(p, "/work/a.txt"));
	/* the task itself is known now; a second stale event, same answer */
	unlink_at(p, 300, 5001, 8100, "b.txt");
	assert_null(owner_of(p, "/work/b.txt"));
	at(p, 9200);
	assert_int_equal(gap_count(p, "pid_reused"), 2);
	assert_int_equal(core_stats(p->c)->drops[DROP_PID_REUSED], 2);
}

/* Older than the previous incarnation too, or long after its exit: a gap. */
static void
test_pidreuse_older_than_both(void **state)
{
	struct fx *p = *state;

	fork_at(p, 210, 5000);
	conn(p, PROCCONN_EXIT, 210, 5100);
	fork_at(p, 210, 6000);
	unlink_at(p, 210, 4000, 6000, "c.txt");
	assert_null(owner_of(p, "/work/c.txt"));
	at(p, 7200);
	assert_int_equal(gap_count(p, "pid_reused"), 1);
}

/* The audit clock is coarse: an event stamped a few ms before the task's
 * start is still its own. */
static void
test_pidreuse_coarse_clock_slack(void **state)
{
	struct fx *p = *state;

	fork_at(p, 220, 5000);
	unlink_at(p, 220, 4992, 5000, "d.txt");
	assert_string_equal(owner_of(p, "/work/d.txt"), BOOT ":220:500");
}

/* After an overrun: a pid whose /proc start differs is a new task (the
 * stale entry replaced); a live task /proc no longer has is exited. */
static void
test_pidreuse_resync_replaces_stale(void **state)
{
	struct fx *p = *state;
	struct task *k;

	fork_at(p, 230, 5000);
	fork_at(p, 231, 5000);
	/* lost in an overrun: 230 exited and its pid went to a new task,
	 * 231 exited */
	fakeproc_gone(&p->fp, 230);
	fakeproc_task(&p->fp, 230, 230, 1, 900, "sh");
	fakeproc_gone(&p->fp, 231);
	now(p, 9500);
	assert_int_equal(core_snapshot(p->c), 0);
	k = proctab_get(core_proctab(p->c), 230);
	assert_non_null(k);
	assert_int_equal(k->start_ticks, 900);
	assert_string_equal(k->id, BOOT ":230:900");
	k = proctab_get(core_proctab(p->c), 231);
	assert_non_null(k);
	assert_true(k->exited);
	/* a late event of the replaced task is still not the new one's */
	unlink_at(p, 230, 5200, 9500, "e.txt");
	assert_false(owner_of(p, "/work/e.txt") != NULL &&
	             strcmp(owner_of(p, "/work/e.txt"), BOOT ":230:900") == 0);
	/* a task the scan confirms stays as it was */
	fork_at(p, 232, 9600);
	assert_int_equal(core_snapshot(p->c), 0);
	k = proctab_get(core_proctab(p->c), 232);
	assert_false(k->exited);
	assert_int_equal(k->start_ticks, 960);
}

/* An event of a pid that is nowhere: an "unattributed" gap. */
static void
test_pidreuse_unattributed_gap(void **state)
{
	struct fx *p = *state;

	unlink_at(p, 999, 5000, 5000, "f.txt");
	unlink_at(p, 998, 5100, 5100, "g.txt");
	at(p, 6200);
	assert_int_equal(gap_count(p, "unattributed"), 2);
}

/* A full task table of live tasks: the task that does not fit is a
 * "proc_table" gap; a budget too small for one more a "mem_limit" gap. */
static void
test_pidreuse_table_drops_are_gaps(void **state)
{
	struct fx *p = fx_new(true, false, 2, 0);
	struct fx *q;
	int i;

	(void)state;
	fork_at(p, 240, 5000);
	fork_at(p, 241, 5000);
	fork_at(p, 242, 5000);
	/* its event: the task still does not fit, one drop, not two */
	unlink_at(p, 242, 5100, 5100, "h.txt");
	at(p, 6200);
	assert_int_equal(gap_count(p, "proc_table"), 2);
	assert_int_equal(gap_count(p, "unattributed"), 0);
	teardown((void **)&p);

	q = fx_new(true, false, 100000, 64 * 1024);
	for (i = 0; i < 400; i++)
		fork_at(q, 1000 + i, 5000);
	at(q, 6200);
	assert_true(gap_count(q, "mem_limit") > 0);
	assert_true(core_budget(q->c)->high <= 64 * 1024);
	assert_int_equal(gap_count(q, "mem_limit"),
	                 (int64_t)core_stats(q->c)->drops[DROP_MEM_LIMIT]);
	teardown((void **)&q);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_all, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_pidreuse_event_goes_to_previous_incarnation),
	    T(test_pidreuse_unknown_previous_is_gap),
	    T(test_pidreuse_older_than_both),
	    T(test_pidreuse_coarse_clock_slack),
	    T(test_pidreuse_resync_replaces_stale),
	    T(test_pidreuse_unattributed_gap),
	    cmocka_unit_test(test_pidreuse_table_drops_are_gaps),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
