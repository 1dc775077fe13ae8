/* corefx.h - the harness of the logic tests of issue 15's scope slice
 * (test_scope.c, test_fdshare.c), as test_core's: connector and decoded
 * audit events built here, a fake /proc (fakeproc.h), the fake store, and
 * a fake kcmp (shared_child). Include after <cmocka.h>. */
#ifndef GODO_TEST_COREFX_H
#define GODO_TEST_COREFX_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
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

static inline int
fake_files_shared(int32_t a, int32_t b)
{
	(void)a;
	if (shared_child == -2)
		return -1;
	return b == shared_child || shared_child == -1 ? 1 : 0;
}

static inline int
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

static inline void
now(struct fx *f, uint64_t ms)
{
	if (ms < f->now_ms)
		return;
	f->now_ms = ms;
	core_set_now(f->c, ms, T0 + (int64_t)ms * MS);
}

static inline void
at(struct fx *f, uint64_t ms)
{
	now(f, ms);
	core_tick(f->c);
}

static inline void
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
static inline void
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
	ev.cwd = STR_LIT("/");
	ev.dirfd = ev.dirfd2 = SYSEV_AT_FDCWD;
}

static inline void
audit(struct fx *f)
{
	now(f, (uint64_t)((ev.time_ns - T0) / MS));
	core_audit_event(f->c, &ev);
}

static inline void
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

static inline void
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

static inline void
fd_ev(struct fx *f, enum sysev_kind kind, int32_t pid, uint64_t ms, int64_t a0,
      int64_t ret)
{
	sev(kind, pid, ++f->serial, ms);
	ev.a[0] = (uint64_t)a0;
	ev.exit = ret;
	audit(f);
}

static inline void
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

static inline int64_t
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

static inline void
flush(struct fx *f)
{
	core_shutdown(f->c);
}

#endif
