/* core.c - see core.h. Fed by main.c's loop. */
#include "core.h"

#include <fcntl.h>
#include <stdlib.h>

#include "container.h"
#include "fileio.h"
#include "lifecycle.h"
#include "log.h"
#include "pathop.h"
#include "scope.h"
#include "snapshot.h"
#include "syscalls.h"

/* linux/close_range.h, not in every libc's headers */
#define GODO_CLOSE_RANGE_CLOEXEC (1u << 2)
#define GODO_CLOSE_RANGE_UNSHARE (1u << 1)
#define WRITE_INTENT (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)
#define FDFLUSH_MS 200
#define SWEEP_MS 1000
#define FD_AGE_NS 1000000000LL /* younger open files are written at close */

struct core {
	struct tracker tr;
	uint64_t last_fdflush_ms, last_sweep_ms;
	int64_t fd_horizon_ns; /* files opened before this go to fds */
};

struct core *
core_new(struct writeback *wb, const struct tracker_opts *o,
         const char *boot_id)
{
	struct core *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		log_warn("core: calloc");
		return NULL;
	}
	if (tracker_init(&c->tr, wb, o, boot_id) != 0) {
		free(c);
		return NULL;
	}
	return c;
}

void
core_free(struct core *c)
{
	if (c == NULL)
		return;
	tracker_fini(&c->tr);
	free(c);
}

void
core_set_clock(struct core *c, const struct tracker_clock *clk)
{
	c->tr.clk = *clk;
}

void
core_set_now(struct core *c, uint64_t now_ms, int64_t wall_ns)
{
	c->tr.now_ms = now_ms;
	c->tr.now_ns = wall_ns;
}

struct proctab *
core_proctab(struct core *c)
{
	return c->tr.pt;
}

struct fdtab *
core_fdtab(struct core *c)
{
	return c->tr.ft;
}

const struct membudget *
core_budget(const struct core *c)
{
	return &c->tr.budget;
}

const struct tracker_stats *
core_stats(const struct core *c)
{
	return &c->tr.st;
}

int
core_snapshot(struct core *c)
{
	return snapshot_take(&c->tr);
}

void
core_conn_event(struct core *c, const struct procconn_event *ev)
{
	struct tracker *tr = &c->tr;
	int64_t ns = tracker_mono_to_wall(tr, ev->ts_ns);

	tr->st.cn_events++;
	if (ns > tr->cn_ns)
		tr->cn_ns = ns;
	switch (ev->what) {
	case PROCCONN_FORK:
		lifecycle_fork(tr, ev);
		break;
	case PROCCONN_EXEC:
		lifecycle_exec(tr, ev);
		break;
	case PROCCONN_EXIT:
		lifecycle_exit(tr, ev);
		break;
	default:
		break;
	}
}

/* ---- open files: fdtab keeps them ---- */

/* A file opened for writing: its session takes what path resolution
 * found (pathres.h); a failure to store it leaves the session's path as
 * resolved, unmarked only when it was confirmed. */
static void
open_names(struct tracker *tr, struct openfile *f, const struct pathres_ans *a,
           uint64_t flags)
{
	f->path_unverified = a->unverified;
	f->cwd_unknown = a->no_base;
	f->tmpfile = (flags & __O_TMPFILE) != 0;
	if (a->has_inode) {
		f->has_inode = true;
		f->inode = a->inode;
		f->dev_major = a->dev_major;
		f->dev_minor = a->dev_minor;
	}
	if (a->raw.p != NULL &&
	    fdtab_file_set_names(tr->ft, f, a->path, a->raw) != 0)
		f->path_unverified = true; /* the name as given is lost */
}

static void
on_open(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	char raw[PATH_MAX_BYTES + 1];
	struct pathres_ans a = {0};
	bool writes = (ev->open_flags & WRITE_INTENT) != 0;
	struct fdent *e;
	long n;

	if (ev->exit < 0 || ev->exit > INT32_MAX)
		return;
	/* a directory's path is only a base for later names: resolved
	 * when they are */
	if (writes) {
		if (pathop_resolve_doc(tr, k, ev, -1, ev->dirfd, tr->pathbuf,
		                       raw, &a) != 0)
			return;
	} else {
		n = pathop_resolve(tr, k, ev, -1, ev->dirfd, tr->pathbuf);
		if (n < 0)
			return;
		a.path = (struct str){tr->pathbuf, (size_t)n};
	}
	e = fdtab_open(tr->ft, k, (int32_t)ev->exit, a.path.p, a.path.n,
	               ev->serial, ev->time_ns);
	if (e == NULL)
		return;
	e->cloexec = (ev->open_flags & O_CLOEXEC) != 0;
	e->dir = !writes;
	if (e->dir)
		return;
	writeback_path_reused(tr->wb, a.path);
	/* refused by the bounds (a drop) or out of memory (logged): the
	 * number stays known, as a path only */
	if (fdtab_open_file(e, k, ev->open_flags, ev->time_ns) != 0)
		e->dir = true;
	else
		open_names(tr, e->file, &a, ev->open_flags);
}

static int32_t
arg_fd(const struct sysevent *ev)
{
	return (int32_t)(uint32_t)ev->a[0];
}

static void
on_write(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	struct fdent *e;

	if (ev->exit < 0)
		return;
	e = fdtab_route(tr->ft, k->tgid, arg_fd(ev), ev->serial);
	if (e != NULL && e->file != NULL) {
		fdtab_count_write(e->file, ev->time_ns, (uint64_t)ev->exit);
		fdtab_note_writer(e->file, k);
	}
}

/* dup2(old, new): new now refers to old's open file (and whatever new was
 * is closed). */
static void
on_dup(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	if (ev->exit < 0 || ev->exit > INT32_MAX)
		return;
	fdtab_dup(tr->ft, k, arg_fd(ev), (int32_t)ev->exit, ev->serial,
	          ev->time_ns);
	if (syscalls_lookup(ev->arch, ev->syscall) == SC_DUP3 &&
	    (ev->a[2] & O_CLOEXEC) != 0)
		fdtab_set_cloexec(tr->ft, k, (int32_t)ev->exit, ev->serial,
		                  true);
}

/* fcntl: F_DUPFD / F_DUPFD_CLOEXEC are dups onto the lowest free number
 * at or above arg; F_SETFD sets the close-on-exec mark. */
static void
on_fcntl(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	switch (ev->a[1]) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (ev->exit < 0 || ev->exit > INT32_MAX)
			return;
		fdtab_dup(tr->ft, k, arg_fd(ev), (int32_t)ev->exit, ev->serial,
		          ev->time_ns);
		if (ev->a[1] == F_DUPFD_CLOEXEC)
			fdtab_set_cloexec(tr->ft, k, (int32_t)ev->exit,
			                  ev->serial, true);
		break;
	case F_SETFD:
		fdtab_set_cloexec(tr->ft, k, arg_fd(ev), ev->serial,
		                  (ev->a[2] & FD_CLOEXEC) != 0);
		break;
	default:
		break;
	}
}

/* close_range(first, last, flags): CLOSE_RANGE_CLOEXEC marks instead of
 * closing; CLOSE_RANGE_UNSHARE first gives the caller a copy of a table
 * it shares (CLONE_FILES), so only the copy is closed: the others keep
 * their descriptors. */
static void
on_close_range(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	uint32_t first = (uint32_t)ev->a[0], last = (uint32_t)ev->a[1];

	if (first > last)
		return;
	if ((ev->a[2] & GODO_CLOSE_RANGE_UNSHARE) != 0)
		fdtab_unshare(tr->ft, k, ev->time_ns);
	fdtab_close_range(tr->ft, k, first, last,
	                  (ev->a[2] & GODO_CLOSE_RANGE_CLOEXEC) != 0,
	                  ev->time_ns);
}

bool
core_audit_known(struct core *c, const struct sysevent *ev)
{
	if (ev->kind == SYSEV_CLONE)
		return !ev->success || ev->exit <= 0 || ev->exit > INT32_MAX ||
		       lifecycle_clone_known(&c->tr, ev);
	if (!ev->has_syscall || ev->kind == SYSEV_OTHER)
		return true; /* not attributed at all */
	return lifecycle_known(&c->tr, ev->pid, ev->time_ns);
}

static void
on_close(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	fdtab_close(tr->ft, k, arg_fd(ev), ev->serial, ev->time_ns, "close");
}

static void
on_pivot_root(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	(void)ev;
	container_pivot_root(tr, k);
}

static void
on_setns(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	(void)ev;
	writeback_task_setns(tr->wb, k);
}

typedef void handler_fn(struct tracker *tr, struct task *k,
                        const struct sysevent *ev);

/* exit_group (SYSEV_EXIT) ends every thread and closes what is open, but
 * other threads' last events may still be on their way: the files are
 * closed when the exit is swept. */
static handler_fn *const handlers[] = {
    [SYSEV_OPEN] = on_open,
    [SYSEV_WRITE] = on_write,
    [SYSEV_CLOSE] = on_close,
    [SYSEV_DUP] = on_dup,
    [SYSEV_RENAME] = pathop_rename,
    [SYSEV_UNLINK] = pathop_unlink,
    [SYSEV_TRUNCATE] = pathop_truncate,
    [SYSEV_PIVOT_ROOT] = on_pivot_root,
    [SYSEV_SETNS] = on_setns,
    [SYSEV_CHMOD] = pathop_meta,
    [SYSEV_CHOWN] = pathop_meta,
    [SYSEV_SETXATTR] = pathop_meta,
    [SYSEV_REMOVEXATTR] = pathop_meta,
    [SYSEV_UTIMES] = pathop_meta,
    [SYSEV_LINK] = pathop_meta,
    [SYSEV_SYMLINK] = pathop_meta,
    [SYSEV_MKDIR] = pathop_meta,
    [SYSEV_RMDIR] = pathop_meta,
    [SYSEV_MKNOD] = pathop_meta,
    [SYSEV_XWRITE] = fileio_xwrite,
    [SYSEV_MMAP] = fileio_mmap,
    [SYSEV_FALLOCATE] = pathop_meta,
    [SYSEV_MOUNT] = pathop_meta,
    [SYSEV_UMOUNT] = pathop_meta,
    [SYSEV_OPEN_BY_HANDLE] = pathop_meta,
    [SYSEV_FCNTL] = on_fcntl,
    [SYSEV_CLOSE_RANGE] = on_close_range,
    [SYSEV_UNSHARE] = scope_unshare,
};

/* The events of a recorded task, by kind. A failed call changed nothing,
 * but a failed close still released the descriptor. */
static void
dispatch(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	if (!ev->success && ev->kind != SYSEV_CLOSE)
		return;
	if ((size_t)ev->kind < sizeof(handlers) / sizeof(handlers[0]) &&
	    handlers[ev->kind] != NULL)
		handlers[ev->kind](tr, k, ev);
}

/* Events after which a task's root (and so its memo, rootcache.h) may
 * be another: forgotten whether or not the task is recorded. */
static bool
root_may_change(const struct sysevent *ev)
{
	switch (ev->kind) {
	case SYSEV_PIVOT_ROOT:
	case SYSEV_SETNS:
	case SYSEV_UNSHARE:
	case SYSEV_MOUNT:
	case SYSEV_UMOUNT:
	case SYSEV_EXIT:
		return true;
	default:
		return false;
	}
}

void
core_audit_event(struct core *c, const struct sysevent *ev)
{
	struct tracker *tr = &c->tr;
	struct task *k;

	tr->st.audit_events++;
	tr->audit_ms = tr->now_ms;
	if (ev->time_ns > tr->audit_ns)
		tr->audit_ns = ev->time_ns;
	/* the parent's events before the fork are in: the child's copy */
	if (ev->kind == SYSEV_CLONE && ev->success && ev->exit > 0 &&
	    ev->exit <= INT32_MAX)
		lifecycle_clone(tr, ev);
	if (!ev->has_syscall || ev->kind == SYSEV_OTHER ||
	    ev->kind == SYSEV_CLONE)
		return;
	if (root_may_change(ev))
		rootcache_forget(&tr->roots, ev->pid);
	k = lifecycle_for_audit(tr, ev->pid, ev->time_ns);
	if (k == NULL)
		return;
	lifecycle_inherit(tr, k->pid);
	if (ev->kind == SYSEV_EXECVE) {
		lifecycle_execve(tr, k, ev);
		return;
	}
	if (ev->kind == SYSEV_SETNS && !tracker_recorded(tr, k))
		scope_setns(tr, k, ev); /* a host task entering a container */
	if (!tracker_recorded(tr, k))
		return;
	lifecycle_recorded(tr, k, "audit");
	/* its documents carry its container: a child gone before its
	 * cgroup was read takes it from its ancestors first */
	container_settle(tr, k, false);
	dispatch(tr, k, ev);
}

/* ---- periodic work ---- */

static void
flush_fd(struct fdent *e, void *arg)
{
	struct core *c = arg;
	struct openfile *f = e->file;
	struct task *proc;

	if (f == NULL || !f->dirty || f->open_ns > c->fd_horizon_ns)
		return;
	proc = proctab_get(c->tr.pt, e->tgid);
	if (proc == NULL || !tracker_recorded(&c->tr, proc))
		return;
	/* the opener's document, whichever process holds it now */
	writeback_file_open(c->tr.wb, f, tracker_file_owner(&c->tr, f, proc));
}

static void
flush_fds(struct core *c, int64_t horizon_ns)
{
	c->fd_horizon_ns = horizon_ns;
	fdtab_foreach(c->tr.ft, flush_fd, c);
}

void
core_tick(struct core *c)
{
	struct tracker *tr = &c->tr;

	if (tr->now_ms - c->last_fdflush_ms >= FDFLUSH_MS) {
		/* A file open for less than a second is written once, at
		 * close, into files. */
		flush_fds(c, tr->audit_ns - FD_AGE_NS);
		writeback_release(tr->wb, tr->audit_ns, tr->now_ms);
		c->last_fdflush_ms = tr->now_ms;
	}
	rootcache_tick(&tr->roots, tr->now_ms);
	if (tr->now_ms - c->last_sweep_ms >= SWEEP_MS) {
		lifecycle_sweep(tr);
		tracker_write_gaps(tr);
		container_tick(tr);
		c->last_sweep_ms = tr->now_ms;
	}
}

void
core_shutdown(struct core *c)
{
	lifecycle_close_exited(&c->tr);
	flush_fds(c, INT64_MAX);
	writeback_release(c->tr.wb, INT64_MAX, UINT64_MAX);
	lifecycle_write_all(&c->tr);
	tracker_write_gaps(&c->tr);
}
