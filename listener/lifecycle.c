/* lifecycle.c - see lifecycle.h. */
#include "lifecycle.h"

#include <sched.h>
#include <string.h>

#include "container.h"
#include "procfs.h"
#include "scope.h"
#include "syscalls.h"

#define LATE_EVENT_NS (2000000000LL) /* audit lags the connector */
#define LIFECYCLE_IDLE_MS 1000 /* no audit event read: godo is caught up */
/* An audit event's time is the coarse wall clock at syscall entry (a
 * jiffy, cut to ms), a task's start from /proc is cut to USER_HZ ticks:
 * an event this much before a task's start is still its own. A pid cannot
 * cycle through the pid space that fast. */
#define START_SLACK_NS (20 * 1000000LL)
/* The audit stream this far past an exit has delivered the task's last
 * event (exit_settled). */
#define STREAM_SETTLE_NS (1000000000LL)

void
lifecycle_recorded(struct tracker *tr, struct task *k, const char *source)
{
	writeback_task_recorded(tr->wb, k, source, tr->now_ms);
}

static void unpark_pid(struct tracker *tr, int32_t pid);

/* The previous incarnation of a pid leaves the table. */
static void
retire(struct tracker *tr, struct task *k)
{
	if (k->fds != NULL)
		fdtab_close_all(tr->ft, k, k->exited ? k->exit_ns : tr->now_ns,
		                k->exited ? "exit" : "reuse");
	proctab_del(tr->pt, k);
}

/* The container a new task is charged to (proctab_push_in): its
 * process's for a thread, else its parent's (container_inherit), "" (the
 * host) when godo has neither. */
static const char *
container_of(struct tracker *tr, int32_t pid, int32_t tgid, int32_t ptgid)
{
	struct task *p = proctab_get(tr->pt, pid != tgid ? tgid : ptgid);

	return p != NULL ? p->docker_id : "";
}

/* A fresh slot for pid (parent ptgid). An exited previous incarnation
 * stays behind it (proctab_push) for its late audit events, its
 * descriptors closed (the numbers are the new one's now); a live one is
 * gone (its exit was not seen) and retires. A refusal is a drop. */
static struct task *
new_task(struct tracker *tr, int32_t pid, int32_t tgid, int32_t ptgid)
{
	struct task *k, *old;

	unpark_pid(tr, pid);
	old = proctab_get(tr->pt, pid);
	if (old != NULL && !old->exited)
		retire(tr, old);
	else if (old != NULL && old->fds != NULL)
		fdtab_close_all(tr->ft, old, old->exit_ns, "exit");
	k = proctab_push_in(tr->pt, pid, container_of(tr, pid, tgid, ptgid));
	if (k == NULL) {
		bool mem = proctab_refusal(tr->pt)[0] == 'm';

		tracker_drop(tr, mem ? DROP_MEM_LIMIT : DROP_PROC_TABLE,
		             tr->now_ns, 1);
		return NULL;
	}
	k->tgid = tgid;
	k->thread = pid != tgid;
	if (k->thread)
		dethread_note_thread(&tr->dt, tgid);
	return k;
}

struct task *
lifecycle_from_proc(struct tracker *tr, int32_t tgid, int32_t tid,
                    const char *source)
{
	struct procfs_stat st;
	struct task *k;

	if (procfs_read_stat(tr->o.proc_root, tgid, tid, &st) != 0)
		return NULL;
	k = new_task(tr, tid, tgid, st.ppid);
	if (k == NULL)
		return NULL;
	k->start_ticks = st.starttime;
	k->start_ns = tracker_ticks_to_wall(tr, st.starttime);
	tracker_set_id(tr, k);
	if (k->thread) {
		struct task *proc = proctab_get(tr->pt, tgid);

		k->ppid = k->ptgid = proc ? proc->ptgid : 0;
	} else {
		k->ppid = k->ptgid = st.ppid;
	}
	container_inherit(tr, k);
	if (source != NULL && tracker_recorded(tr, k))
		lifecycle_recorded(tr, k, source);
	return k;
}

/* Is k the task an event at ns may belong to (not long gone)? */
static bool
current(const struct task *k, int64_t ns)
{
	return k != NULL && !(k->exited && ns > k->exit_ns + LATE_EVENT_NS);
}

bool
lifecycle_known(struct tracker *tr, int32_t pid, int64_t ns)
{
	return current(proctab_get(tr->pt, pid), ns);
}

/* Did k start after an event at ns (the event is a previous holder's)? */
static bool
before_start(const struct task *k, int64_t ns)
{
	return ns + START_SLACK_NS < k->start_ns;
}

/* An event older than pid's task: its previous incarnation's, when godo
 * still has it, else a drop: never the newer task's. */
static struct task *
older_holder(struct tracker *tr, struct task *k, int64_t ns)
{
	struct task *o = k->older;

	if (o != NULL && !before_start(o, ns) && current(o, ns))
		return o;
	tracker_drop(tr, DROP_PID_REUSED, ns, 1);
	return NULL;
}

/* Tasks the table refused so far. */
static uint64_t
table_drops(const struct tracker *tr)
{
	return tr->st.drops[DROP_PROC_TABLE] + tr->st.drops[DROP_MEM_LIMIT];
}

static bool
table_refused(const struct tracker *tr, uint64_t before)
{
	return table_drops(tr) != before;
}

struct task *
lifecycle_for_audit(struct tracker *tr, int32_t pid, int64_t ns)
{
	struct task *k = proctab_get(tr->pt, pid);
	uint64_t before = table_drops(tr);

	if (k != NULL && before_start(k, ns))
		return older_holder(tr, k, ns);
	if (current(k, ns))
		return k;
	k = lifecycle_from_proc(tr, pid, pid, "audit");
	if (k == NULL) {
		/* a full table was counted as such already */
		if (!table_refused(tr, before)) {
			tracker_drop(tr, DROP_UNATTRIBUTED, ns, 1);
			tr->st.unattributed++;
		}
		return NULL;
	}
	return before_start(k, ns) ? older_holder(tr, k, ns) : k;
}

/* The child (pid) gets its parent's (tgid) descriptors, or shares its
 * table: the current incarnations (a pid reused this fast would have to
 * cycle the pid space). */
static void
inherit_now(struct tracker *tr, const struct fdinherit_fork *f)
{
	struct task *c = proctab_get(tr->pt, f->child);
	struct task *p = proctab_get(tr->pt, f->parent);

	if (c == NULL || p == NULL || c->tgid != f->child)
		return;
	if (f->shared) {
		if (!fdtab_share(tr->ft, p, c, tr->now_ns))
			tracker_drop(tr, DROP_FD_SHARE, tr->now_ns, 1);
	} else if (p->fds != NULL)
		fdtab_inherit(tr->ft, p, c, tr->now_ns);
}

void
lifecycle_inherit(struct tracker *tr, int32_t child)
{
	struct fdinherit_fork f;

	if (fdinherit_take(&tr->inh, child, &f))
		inherit_now(tr, &f);
}

/* What a clone audit event says of the child's descriptor table: 1
 * shared, 0 not (fork, vfork, clone without CLONE_FILES), -1 unknown
 * (clone3's flags are behind a pointer; a thread shares its process's). */
static int
clone_shares(const struct sysevent *ev)
{
	bool x64 = ev->arch == ARCH_X86_64;

	if (ev->syscall == (x64 ? 57 : 2) || ev->syscall == (x64 ? 58 : 190))
		return 0;
	if (ev->syscall != (x64 ? 56 : 120) || (ev->a[0] & CLONE_THREAD) != 0)
		return -1;
	return (ev->a[0] & CLONE_FILES) != 0;
}

bool
lifecycle_clone_known(struct tracker *tr, const struct sysevent *ev)
{
	struct task *p = proctab_get(tr->pt, ev->pid), *c;
	int32_t parent = p != NULL ? p->tgid : ev->pid;
	int32_t child = (int32_t)ev->exit;
	bool x64 = ev->arch == ARCH_X86_64;

	if (ev->syscall == (x64 ? 56 : 120) && (ev->a[0] & CLONE_THREAD) != 0)
		return true; /* a thread: no table of its own */
	if (fdinherit_has_clone(&tr->inh, child, parent))
		return true;
	/* same pid namespace: its FORK was read, its copy taken already */
	c = proctab_get(tr->pt, child);
	return c != NULL && c->ptgid == parent && current(c, ev->time_ns);
}

void
lifecycle_clone(struct tracker *tr, const struct sysevent *ev)
{
	struct task *p = proctab_get(tr->pt, ev->pid);
	struct fdinherit_fork f;
	int shares = clone_shares(ev);

	if (!fdinherit_take_clone(&tr->inh, (int32_t)ev->exit,
	                          p != NULL ? p->tgid : ev->pid, &f))
		return;
	if (shares >= 0)
		f.shared = shares == 1;
	inherit_now(tr, &f);
}

/* A new process (not a thread: threads share their process's table)
 * inherits its parent's descriptors once the parent's events before the
 * fork are in (fdinherit.h), or, sharing its parent's table (kcmp says so
 * at the FORK: clone3's flags are not in its audit record), uses it. */
static void
note_fork(struct tracker *tr, const struct task *k)
{
	struct fdinherit_fork f, old;

	if (k->thread || k->ptgid <= 0 || k->ptgid == k->tgid)
		return;
	/* CLONE_FILES: asked now, while both live; applied in audit order */
	f.child = k->pid;
	f.parent = k->ptgid;
	f.shared = tr->o.files_shared(k->ptgid, k->pid) == 1;
	if (fdinherit_note(&tr->inh, &f, &old))
		inherit_now(tr, &old);
}

void
lifecycle_fork(struct tracker *tr, const struct procconn_event *ev)
{
	struct procfs_stat st;
	struct task *k = new_task(tr, ev->pid, ev->tgid, ev->ptgid);
	uint64_t ticks;

	if (k == NULL)
		return;
	k->ppid = ev->ppid;
	k->ptgid = ev->ptgid;
	ticks = tracker_mono_to_ticks(tr, ev->ts_ns);
	/* The connector's time is taken just after the kernel's start time:
	 * a tick boundary may fall between. /proc settles it while the task
	 * lives. */
	if (procfs_read_stat(tr->o.proc_root, ev->tgid, ev->pid, &st) == 0 &&
	    st.starttime + 1 >= ticks && st.starttime <= ticks + 1)
		ticks = st.starttime;
	k->start_ticks = ticks;
	k->start_ns = tracker_mono_to_wall(tr, ev->ts_ns);
	tracker_set_id(tr, k);
	container_inherit(tr, k);
	if (tracker_recorded(tr, k))
		lifecycle_recorded(tr, k, "fork");
	note_fork(tr, k);
}

/* ---- exec from a thread other than the leader (Go programs) ----
 * The kernel ends the other threads, reports the leader's EXIT, and the
 * exec'ing thread takes the leader's pid and start time; its old tid
 * vanishes without an EXIT. The process lives on: same task, same _id.
 * The EXIT of a leader whose process made threads waits (dethread.h) for
 * an EXEC of its pid: then it was the exec; else it is an exit once due. */

/* an EXEC follows its leader's EXIT within microseconds */
#define DETHREAD_WAIT_MS 200

static void
exit_task(struct tracker *tr, struct task *k, int64_t ns, uint32_t code,
          uint64_t mono_ms)
{
	k->exit_ns = ns;
	k->exit_mono_ms = mono_ms;
	proctab_exited(tr->pt, k);
	k->exit_status = code;
	writeback_task_exit(tr->wb, k);
}

/* A parked EXIT no EXEC followed: the task exits as reported. */
static void
unpark(struct tracker *tr, const struct dethread_exit *x)
{
	struct task *k = proctab_get(tr->pt, x->pid);

	dethread_forget(&tr->dt, x->pid);
	if (k != NULL && !k->exited && k->start_ticks == x->start_ticks)
		exit_task(tr, k, x->exit_ns, x->code, x->mono_ms);
}

/* The parked exits that are due (every one: all). */
static void
unpark_due(struct tracker *tr, bool all)
{
	struct dethread_exit x;

	while (dethread_due(&tr->dt, all ? UINT64_MAX : tr->now_ms,
	                    all ? 0 : DETHREAD_WAIT_MS, &x))
		unpark(tr, &x);
}

/* pid gets a new task: an EXIT of its previous one still parked was one. */
static void
unpark_pid(struct tracker *tr, int32_t pid)
{
	struct dethread_exit x;

	if (dethread_take(&tr->dt, pid, &x))
		unpark(tr, &x);
}

struct threads_of {
	struct tracker *tr;
	int32_t tgid;
	int64_t ns; /* the exec */
};

/* A thread of w->tgid that /proc no longer has was the exec'ing one (or
 * is gone since): it exits at the exec. */
static void
retire_gone(struct task *k, void *arg)
{
	struct threads_of *w = arg;
	struct procfs_stat st;

	if (!k->thread || k->tgid != w->tgid || k->exited ||
	    procfs_read_stat(w->tr->o.proc_root, w->tgid, k->pid, &st) == 0)
		return;
	exit_task(w->tr, k, w->ns, 0, w->tr->now_ms);
}

/* Was ev the exec of a thread, after its leader's parked EXIT? Then the
 * process lives on and its threads /proc no longer has are gone. */
static void
dethread_exec(struct tracker *tr, const struct procconn_event *ev)
{
	struct dethread_exit x;
	struct threads_of w = {tr, ev->tgid, 0};

	if (ev->pid != ev->tgid || !dethread_take(&tr->dt, ev->pid, &x))
		return;
	w.ns = tracker_mono_to_wall(tr, ev->ts_ns);
	proctab_foreach(tr->pt, retire_gone, &w);
}

void
lifecycle_exec(struct tracker *tr, const struct procconn_event *ev)
{
	struct task *k;

	dethread_exec(tr, ev);
	k = proctab_get(tr->pt, ev->pid);
	if (k == NULL || k->exited)
		k = lifecycle_from_proc(tr, ev->tgid, ev->pid, "exec");
	if (k == NULL)
		return;
	scope_exec(tr, k);
	if (!tracker_recorded(tr, k))
		return;
	/* A container's first process is moved into its cgroup before it
	 * execs the container command: read the cgroup now, not at fork. */
	container_read(tr, k);
}

void
lifecycle_exit(struct tracker *tr, const struct procconn_event *ev)
{
	struct task *k = proctab_get(tr->pt, ev->pid);
	int64_t ns = tracker_mono_to_wall(tr, ev->ts_ns);

	if (k == NULL || k->tgid != ev->tgid || k->exited)
		return;
	if (!k->thread && tracker_recorded(tr, k) &&
	    dethread_threaded(&tr->dt, k->tgid)) {
		struct dethread_exit x = {k->pid, k->start_ticks, ns,
		                          ev->exit_code, tr->now_ms};
		struct dethread_exit due;

		if (dethread_park(&tr->dt, &x, &due))
			unpark(tr, &due);
		return;
	}
	if (!k->thread)
		dethread_forget(&tr->dt, k->tgid);
	exit_task(tr, k, ns, ev->exit_code, tr->now_ms);
}

void
lifecycle_execve(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	struct exec_info x;

	if (!ev->success)
		return;
	/* close-on-exec descriptors go with the old program; a shared
	 * table is copied first (a member holds no entries itself) */
	fdtab_exec(tr->ft, k, ev->time_ns);
	scope_exec(tr, k); /* its connector EXEC may have been lost */
	container_execve(tr, k, ev);
	if (!tracker_recorded(tr, k))
		return;
	lifecycle_recorded(tr, k, "exec");
	k->nexec++;
	memset(&x, 0, sizeof(x));
	x.ns = ev->time_ns;
	x.argv = ev->argv;
	x.argc = ev->argc;
	x.truncated = ev->args_truncated;
	x.cut = ev->cut;
	x.ncut = ev->ncut;
	x.ncut_lost = ev->ncut_lost;
	x.sha256 = ev->has_args_sha256 ? ev->args_sha256 : NULL;
	x.from_proctitle = ev->args_from_proctitle;
	x.args_missing = ev->args_missing;
	x.exe = ev->exe;
	x.cwd = ev->cwd;
	x.comm = ev->comm;
	writeback_task_exec(tr->wb, k, &x);
}

/* Whether k's exec, if audited, has been applied: an exec seen, or k gone
 * and the audit stream past its exit (or idle). */
static bool
exec_known(const struct tracker *tr, const struct task *k)
{
	return k->nexec > 0 ||
	       (k->exited && (tr->audit_ns >= k->exit_ns ||
	                      tr->now_ms - tr->audit_ms >= LIFECYCLE_IDLE_MS));
}

/* The first write, with the container settled first. */
static void
write_task(struct tracker *tr, struct task *k)
{
	container_settle(tr, k, exec_known(tr, k));
	writeback_task_write(tr->wb, k);
}

/* An exited task stays while audit events of it may still be queued.
 * Every record of a task is queued in the kernel before its exit, and the
 * kernel's audit queue is one FIFO: once the audit stream has passed the
 * exit by STREAM_SETTLE_NS (margin for the coarse audit clock and the
 * connector's clock offset), every event of the task was read, whatever
 * godo's own time says: it goes then (under load, most exited tasks go
 * this way, after about a second instead of the grace). Else it stays the
 * grace in godo's own time, and, while godo is reading a backlog (the
 * connector's EXIT is read first, the task's last audit events seconds
 * later under load), until the audit stream has passed the exit: retired
 * early, those events would find no task. When no audit event came for
 * LIFECYCLE_IDLE_MS, godo is caught up. */
static bool
exit_settled(const struct tracker *tr, const struct task *k)
{
	if (!k->exited || k->exit_mono_ms > tr->now_ms)
		return false;
	if (tr->audit_ns - k->exit_ns >= STREAM_SETTLE_NS)
		return true;
	if (tr->now_ms - k->exit_mono_ms < tr->o.grace_ms)
		return false;
	if (tr->now_ms - tr->audit_ms >= LIFECYCLE_IDLE_MS)
		return true;
	return tr->audit_ns - k->exit_ns >= (int64_t)tr->o.grace_ms * 1000000;
}

static void
sweep_task(struct task *k, void *arg)
{
	struct tracker *tr = arg;

	if (writeback_task_due(k, tr->now_ms, tr->cn_ns))
		write_task(tr, k);
	if (writeback_final_due(k, tr->now_ms))
		writeback_task_final(tr->wb, k);
	if (!exit_settled(tr, k))
		return;
	/* exit_group's audit event was lost or never came (a thread
	 * exit): the process's exit closed its files. */
	if (k->fds != NULL)
		fdtab_close_all(tr->ft, k, k->exit_ns, "exit");
	proctab_del(tr->pt, k); /* the release hook writes what is due */
}

void
lifecycle_sweep(struct tracker *tr)
{
	unpark_due(tr, false);
	proctab_foreach(tr->pt, sweep_task, tr);
	/* the tasks and documents swept go back to the kernel */
	(void)membudget_trim(&tr->budget, tr->now_ms);
}

static void
close_exited(struct task *k, void *arg)
{
	struct tracker *tr = arg;

	if (k->exited && k->fds != NULL)
		fdtab_close_all(tr->ft, k, k->exit_ns, "exit");
}

void
lifecycle_close_exited(struct tracker *tr)
{
	unpark_due(tr, true);
	proctab_foreach(tr->pt, close_exited, tr);
}

void
lifecycle_write_all(struct tracker *tr)
{
	proctab_foreach(tr->pt, tracker_release_task, tr);
}
