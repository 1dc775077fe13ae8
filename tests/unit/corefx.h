/* corefx.h - the harness of the logic tests of issue 15's scope slice
 * (test_scope.c, test_fdshare.c), as test_core's: connector and decoded
 * audit events built here, a fake /proc (fakeproc.h), the fake store, and
 * a fake kcmp (shared_child), over corebase.h. Include after <cmocka.h>. */
#ifndef GODO_TEST_COREFX_H
#define GODO_TEST_COREFX_H

#include "corebase.h"
#include "syscalls.h"

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
