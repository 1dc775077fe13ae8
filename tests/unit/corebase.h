/* corebase.h - the fixture every test of the listener's core shares
 * (test_core.c, test_pidreuse.c, and through corefx.h test_scope.c and
 * test_fdshare.c): a
 * core over a fake /proc (fakeproc.h) and the fake store, one decoded
 * event being built (ev), the loop's clock, and the documents written.
 * Include after <cmocka.h>. */
#ifndef GODO_TEST_COREBASE_H
#define GODO_TEST_COREBASE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "fake_store.h"
#include "fakeproc.h"
#include "schema.h"

#define SEC 1000000000LL
#define MS 1000000LL
#define T0 (1700000000LL * SEC) /* wall time at MONOTONIC 0 */
#define BOOT "b"
#define CID "1bd9f71288bd5637173c7454bd20c43375e01276ade2a33530c0875d24f1aa8b"
#ifndef FX_CWD
#define FX_CWD "/work" /* the cwd of every event sev() starts */
#endif

struct fx {
	struct fakeproc fp;
	struct store *s;
	struct writeback wb;
	struct core *c;
	uint64_t now_ms, serial;
};

static struct sysevent ev; /* big: argv[1024] */

/* kcmp would ask the real kernel about the fake pids: the one child that
 * shares its parent's table (0: none); -1: every child; -2: kcmp cannot
 * tell (the child gone already) */
static int32_t shared_child;

static inline int
fake_files_shared(int32_t a, int32_t b)
{
	(void)a;
	if (shared_child == -2)
		return -1;
	return b == shared_child || shared_child == -1 ? 1 : 0;
}

/* all: -all; scan: an insert-only store (FerretDB's final documents);
 * proc_cap tasks at most; mem_limit bytes (0: no limit). */
static inline struct fx *
fx_new(bool all, bool scan, uint32_t proc_cap, uint64_t mem_limit)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct tracker_opts o = {all,  proc_cap,  1024, 5000,
	                         NULL, mem_limit, NULL, fake_files_shared};
	/* wall = MONOTONIC + T0, BOOTTIME = MONOTONIC: ticks = mono / 10 ms */
	struct tracker_clock clk = {T0, T0, 100};

	assert_non_null(f);
	fakeproc_new(&f->fp);
	o.proc_root = f->fp.root;
	f->s = fake_store_new(scan);
	assert_int_equal(writeback_init(&f->wb, f->s, "h", BOOT), 0);
	f->wb.group_files = false; /* one document per files write */
	f->c = core_new(&f->wb, &o, BOOT);
	assert_non_null(f->c);
	core_set_clock(f->c, &clk);
	f->now_ms = 1;
	core_set_now(f->c, 1, T0 + MS);
	f->serial = 1000;
	shared_child = 0;
	return f;
}

static inline int
fx_setup(void **state, bool all, bool scan)
{
	*state = fx_new(all, scan, 1024, 0);
	return 0;
}

static inline int
setup(void **state)
{
	return fx_setup(state, false, false);
}

static inline int
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

/* The loop's clock reads ms (events at ms are handled now). */
static inline void
now(struct fx *f, uint64_t ms)
{
	if (ms < f->now_ms)
		return;
	f->now_ms = ms;
	core_set_now(f->c, ms, T0 + (int64_t)ms * MS);
}

/* ... and the periodic work runs. */
static inline void
at(struct fx *f, uint64_t ms)
{
	now(f, ms);
	core_tick(f->c);
}

/* Starts ev: a successful syscall of pid at ms, in FX_CWD. */
static inline void
sev(enum sysev_kind kind, int32_t pid, uint64_t serial, uint64_t ms)
{
	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.has_syscall = true;
	ev.success = true;
	ev.pid = pid;
	ev.serial = serial;
	ev.time_ns = T0 + (int64_t)ms * MS;
	ev.cwd = STR_LIT(FX_CWD);
	ev.dirfd = ev.dirfd2 = SYSEV_AT_FDCWD;
}

/* ev, at its time. */
static inline void
audit(struct fx *f)
{
	now(f, (uint64_t)((ev.time_ns - T0) / MS));
	core_audit_event(f->c, &ev);
}

static inline const bson_t *
pids_doc(struct fx *f, int32_t pid, uint64_t ticks)
{
	char id[TASK_ID_MAX];
	const struct fake_op *op;

	snprintf(id, sizeof(id), BOOT ":%d:%llu", pid,
	         (unsigned long long)ticks);
	op = fake_store_find(f->s, STORE_PIDS, FAKE_INSERT, id);
	return op != NULL ? op->a : NULL;
}

static inline const bson_t *
file_doc(struct fx *f, const char *name)
{
	return fake_store_find_doc(f->s, STORE_FILES, F_FILENAME, name);
}

/* The n-th files insert of op (0 first), or NULL. */
static inline const bson_t *
op_doc(struct fx *f, const char *op, int n)
{
	size_t i;

	for (i = 0; i < fake_store_nops(f->s); i++) {
		const struct fake_op *o = fake_store_op(f->s, i);
		const char *v;

		if (o->c != STORE_FILES || o->t != FAKE_INSERT)
			continue;
		v = fake_str(o->a, F_OP);
		if (v != NULL && strcmp(v, op) == 0 && n-- == 0)
			return o->a;
	}
	return NULL;
}

#endif
