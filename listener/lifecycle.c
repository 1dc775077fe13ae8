/* lifecycle.c - see lifecycle.h. */
#include "lifecycle.h"

#include <string.h>

#include "container.h"
#include "procfs.h"

#define LATE_EVENT_NS (2000000000LL) /* audit lags the connector */
#define LIFECYCLE_IDLE_MS 1000 /* no audit event read: godo is caught up */

void
lifecycle_recorded(struct tracker *tr, struct task *k, const char *source)
{
	writeback_task_recorded(tr->wb, k, source, tr->now_ms);
}

/* The previous incarnation of a pid leaves the table. */
static void
retire(struct tracker *tr, struct task *k)
{
	if (k->fds != NULL)
		fdtab_close_all(tr->ft, k, k->exited ? k->exit_ns : tr->now_ns,
		                k->exited ? "exit" : "reuse");
	proctab_del(tr->pt, k);
}

/* A fresh slot for pid, its previous incarnation retired. */
static struct task *
new_task(struct tracker *tr, int32_t pid, int32_t tgid)
{
	struct task *k, *old = proctab_get(tr->pt, pid);

	if (old != NULL)
		retire(tr, old);
	k = proctab_add(tr->pt, pid);
	if (k == NULL)
		return NULL;
	k->tgid = tgid;
	k->thread = pid != tgid;
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
	k = new_task(tr, tid, tgid);
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

struct task *
lifecycle_for_audit(struct tracker *tr, int32_t pid, int64_t ns)
{
	struct task *k = proctab_get(tr->pt, pid);

	if (current(k, ns))
		return k;
	k = lifecycle_from_proc(tr, pid, pid, "audit");
	if (k == NULL)
		tr->st.unattributed++;
	return k;
}

void
lifecycle_fork(struct tracker *tr, const struct procconn_event *ev)
{
	struct procfs_stat st;
	struct task *k = new_task(tr, ev->pid, ev->tgid);
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
}

void
lifecycle_exec(struct tracker *tr, const struct procconn_event *ev)
{
	struct task *k = proctab_get(tr->pt, ev->pid);

	if (k == NULL || k->exited)
		k = lifecycle_from_proc(tr, ev->tgid, ev->pid, "exec");
	if (k == NULL || !tracker_recorded(tr, k))
		return;
	/* A container's first process is moved into its cgroup before it
	 * execs the container command: read the cgroup now, not at fork. */
	container_read(tr, k);
}

void
lifecycle_exit(struct tracker *tr, const struct procconn_event *ev)
{
	struct task *k = proctab_get(tr->pt, ev->pid);

	if (k == NULL || k->tgid != ev->tgid || k->exited)
		return;
	k->exited = true;
	k->exit_ns = tracker_mono_to_wall(tr, ev->ts_ns);
	k->exit_mono_ms = tr->now_ms;
	k->exit_status = ev->exit_code;
	writeback_task_exit(tr->wb, k);
}

void
lifecycle_execve(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	struct exec_info x;

	if (!ev->success)
		return;
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
	x.exe = ev->exe;
	x.cwd = ev->cwd;
	x.comm = ev->comm;
	writeback_task_exec(tr->wb, k, &x);
}

/* The first write, with the container settled first. */
static void
write_task(struct tracker *tr, struct task *k)
{
	container_settle(tr, k);
	writeback_task_write(tr->wb, k);
}

/* An exited task stays while audit events of it may still be queued:
 * the grace in godo's own time, and, while godo is reading a backlog (the
 * connector's EXIT is read first, the task's last audit events seconds
 * later under load), until the audit stream has passed the exit by the
 * grace too: retired early, those events would find no task. When no
 * audit event came for LIFECYCLE_IDLE_MS, godo is caught up. */
static bool
exit_settled(const struct tracker *tr, const struct task *k)
{
	if (!k->exited || k->exit_mono_ms > tr->now_ms ||
	    tr->now_ms - k->exit_mono_ms < tr->o.grace_ms)
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
	proctab_foreach(tr->pt, sweep_task, tr);
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
	proctab_foreach(tr->pt, close_exited, tr);
}

void
lifecycle_write_all(struct tracker *tr)
{
	proctab_foreach(tr->pt, tracker_release_task, tr);
}
