/* snapshot.c - see snapshot.h. */
#include "snapshot.h"

#include <string.h>

#include "container.h"
#include "lifecycle.h"
#include "procfs.h"
#include "scope.h"

#define TREE_DEPTH_MAX 256

struct snap {
	struct tracker *tr;
	const struct task *containerd;
};

/* Is k the task /proc shows as st (same start, a tick of rounding
 * aside: a fork's start comes from the connector's clock)? */
static bool
same_task(const struct task *k, const struct procfs_stat *st)
{
	return !k->exited && k->start_ticks + 1 >= st->starttime &&
	       k->start_ticks <= st->starttime + 1;
}

/* A task of /proc: known, or read in. A known entry of that pid that
 * started at another time is stale (its exit and the new fork were lost
 * in an overrun): replaced. */
static int
snap_one(pid_t pid, pid_t tid, void *arg)
{
	struct tracker *tr = arg;
	struct task *k = proctab_get(tr->pt, tid);
	struct procfs_stat st;

	if (k != NULL &&
	    (procfs_read_stat(tr->o.proc_root, pid, tid, &st) != 0 ||
	     same_task(k, &st))) {
		k->seen_scan = tr->scan;
		return 0;
	}
	k = lifecycle_from_proc(tr, pid, tid, NULL); /* NULL: gone */
	if (k != NULL)
		k->seen_scan = tr->scan;
	return 0;
}

/* A live task /proc no longer shows exited unseen (an overrun lost its
 * EXIT): it is retired like any exited task, its exit time unknown (the
 * scan's), its document without an exit code. */
static void
snap_gone(struct task *k, void *arg)
{
	struct tracker *tr = arg;

	if (k->exited || k->seen_scan == tr->scan)
		return;
	k->exit_ns = tr->now_ns;
	k->exit_mono_ms = tr->now_ms;
	proctab_exited(tr->pt, k);
}

static bool
read_comm(struct tracker *tr, const struct task *k, struct procfs_stat *st)
{
	return procfs_read_stat(tr->o.proc_root, k->tgid, k->pid, st) == 0;
}

/* dockerd/containerd by what they are (scope.h), usermode helpers */
static void
snap_daemon(struct task *k, void *arg)
{
	struct tracker *tr = arg;

	if (k->thread)
		return;
	scope_daemon_proc(tr, k);
	if (!k->exited)
		scope_exec(tr, k);
}

static void
snap_find_containerd(struct task *k, void *arg)
{
	struct snap *s = arg;
	struct procfs_stat st;

	if (k->daemon && read_comm(s->tr, k, &st) &&
	    strcmp(st.comm, "containerd") == 0 &&
	    (s->containerd == NULL ||
	     k->start_ticks < s->containerd->start_ticks))
		s->containerd = k;
}

/* Is an ancestor of k (or k itself, when self) in the tree? */
static bool
tree_above(struct tracker *tr, const struct task *k, bool self)
{
	const struct task *p = k;
	int depth;

	for (depth = 0; p != NULL && depth < TREE_DEPTH_MAX; depth++) {
		if ((self && p->daemon) || (p != k && p->in_tree))
			return true;
		if (p->ptgid <= 1)
			break;
		p = proctab_get(tr->pt, p->ptgid);
	}
	return false;
}

/* Parent links from ppid, membership by walking up to a daemon. Shims
 * that were reparented to init before godo started are hung under
 * containerd, which forked them. */
static void
snap_link(struct task *k, void *arg)
{
	struct snap *s = arg;
	struct tracker *tr = s->tr;
	struct procfs_stat st;

	if (k->thread)
		return;
	if (k->parent_id[0] == '\0') {
		struct task *parent = proctab_get(tr->pt, k->ptgid);

		if (parent != NULL)
			util_strlcpy(k->parent_id, parent->id,
			             sizeof(k->parent_id));
	}
	if (k->ptgid == 1 && s->containerd != NULL && read_comm(tr, k, &st) &&
	    strncmp(st.comm, "containerd-shim", 15) == 0 &&
	    scope_is_shim(tr, k)) {
		util_strlcpy(k->parent_id, s->containerd->id,
		             sizeof(k->parent_id));
		k->in_tree = true;
		return;
	}
	if (tree_above(tr, k, true))
		k->in_tree = true;
}

/* descendants of a hung shim */
static void
snap_link_shim_children(struct task *k, void *arg)
{
	struct snap *s = arg;

	if (!k->thread && !k->in_tree && tree_above(s->tr, k, false))
		k->in_tree = true;
}

void
snapshot_info(struct tracker *tr, struct task *k)
{
	struct exec_info x;
	struct procfs_stat st;
	char cwd[PATH_MAX_BYTES], exe[PATH_MAX_BYTES];
	ssize_t n, ncwd, nexe;
	bool trunc = false, more = false, del;

	memset(&x, 0, sizeof(x));
	x.ns = k->start_ns;
	n = procfs_read_cmdline(tr->o.proc_root, k->tgid, tr->args,
	                        sizeof(tr->args), &trunc);
	if (n > 0)
		x.argc = (unsigned int)procfs_split_cmdline(
		    tr->args, (size_t)n, tr->argv, ARGS_MAX_COUNT, &more);
	x.argv = tr->argv;
	x.truncated = trunc || more;
	ncwd = procfs_readlink(tr->o.proc_root, k->tgid, "cwd", cwd,
	                       sizeof(cwd), &del);
	nexe = procfs_readlink(tr->o.proc_root, k->tgid, "exe", exe,
	                       sizeof(exe), &del);
	if (ncwd > 0)
		x.cwd = (struct str){cwd, (size_t)ncwd};
	if (nexe > 0)
		x.exe = (struct str){exe, (size_t)nexe};
	if (read_comm(tr, k, &st))
		x.comm =
		    (struct str){st.comm, strnlen(st.comm, sizeof(st.comm))};
	writeback_task_info(tr->wb, k, &x);
}

static void
snap_emit(struct task *k, void *arg)
{
	struct tracker *tr = arg;

	if (k->thread) {
		container_inherit(tr, k);
	} else if (tracker_recorded(tr, k)) {
		char id[PROCFS_DOCKER_ID_LEN + 1];

		if (procfs_read_cgroup(tr->o.proc_root, k->tgid, id) == 1)
			memcpy(k->docker_id, id, sizeof(id));
	}
	if (!tracker_recorded(tr, k) || k->wb.written || k->wb.pending)
		return;
	/* old already: written at the next sweep */
	writeback_task_recorded(tr->wb, k, "snapshot", 0);
	snapshot_info(tr, k);
}

int
snapshot_take(struct tracker *tr)
{
	struct snap s = {tr, NULL};

	tr->scan++;
	if (procfs_scan_tasks(tr->o.proc_root, snap_one, tr) < 0)
		return -1;
	proctab_foreach(tr->pt, snap_gone, tr);
	proctab_foreach(tr->pt, snap_daemon, tr);
	proctab_foreach(tr->pt, snap_find_containerd, &s);
	proctab_foreach(tr->pt, snap_link, &s);
	proctab_foreach(tr->pt, snap_link_shim_children, &s);
	proctab_foreach(tr->pt, snap_emit, tr);
	return 0;
}
