/* container.c - see container.h. */
#include "container.h"

#include <string.h>

#include "procfs.h"
#include "scope.h"

#define CONTAINER_SETTLE_DEPTH 4 /* ancestors a gone task settles from */

/* The last path element of p[0..n). */
static struct str
base_name(const char *p, size_t n)
{
	const char *base = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] == '/')
			base = p + i + 1;
	return (struct str){base, n - (size_t)(base - p)};
}

bool
container_is_daemon_name(const char *p, size_t n)
{
	struct str b = base_name(p, n);

	return str_eq(b, "dockerd") || str_eq(b, "containerd");
}

static bool
is_runtime_name(const char *p, size_t n)
{
	struct str b = base_name(p, n);

	return str_eq(b, "runc") || str_has_prefix(b, "containerd-shim");
}

static bool
is_hex64(struct str s)
{
	size_t i;

	if (s.n != 64)
		return false;
	for (i = 0; i < 64; i++)
		if (!((s.p[i] >= '0' && s.p[i] <= '9') ||
		      (s.p[i] >= 'a' && s.p[i] <= 'f')))
			return false;
	return true;
}

static void
take_from(struct task *k, const struct task *from)
{
	k->in_tree = from->in_tree;
	memcpy(k->docker_id, from->docker_id, sizeof(k->docker_id));
}

void
container_inherit(struct tracker *tr, struct task *k)
{
	struct task *parent = proctab_get(tr->pt, k->ptgid), *proc;

	if (parent != NULL && !parent->thread) {
		util_strlcpy(k->parent_id, parent->id, sizeof(k->parent_id));
		take_from(k, parent);
	}
	if (k->thread && (proc = proctab_get(tr->pt, k->tgid)) != NULL)
		take_from(k, proc);
}

static void
read_rootfs(struct tracker *tr, struct task *k)
{
	ssize_t n = procfs_read_overlay_root(tr->o.proc_root, k->tgid,
	                                     tr->pathbuf, sizeof(tr->pathbuf));

	if (n > 0)
		writeback_task_rootfs(tr->wb, k, tr->pathbuf, (size_t)n);
}

void
container_read(struct tracker *tr, struct task *k)
{
	char id[PROCFS_DOCKER_ID_LEN + 1];
	int rc = procfs_read_cgroup(tr->o.proc_root, k->tgid, id);

	/* the latest read counts: runc init is read on the host, then
	 * gone when it has become the container's command */
	k->cg_gone = rc < 0 && k->docker_id[0] == '\0'; /* settled later */
	k->cg_read = rc >= 0;
	if (rc != 1 || strcmp(id, k->docker_id) == 0)
		return;
	memcpy(k->docker_id, id, sizeof(id));
	writeback_task_docker(tr->wb, k);
	read_rootfs(tr, k);
	ctwatch_seen(tr->cw, tr->wb, k->docker_id, tr->now_ms, tr->now_ns);
}

void
container_pivot_root(struct tracker *tr, struct task *k)
{
	/* The event's CWD is read after the pivot ("/"): the container's
	 * root on the host comes from the new root mount instead. */
	if (k->docker_id[0] == '\0')
		container_read(tr, k);
	read_rootfs(tr, k);
}

/* A hook runc runs on the host: the daemon's own binary, run in the
 * bundle directory runc works in, whose path holds the container's id
 * (runc's hint). A container's own init cannot pass for one by its name
 * alone: its directory is inside the container and the id is drawn when
 * the container is created. */
static bool
is_hook(struct tracker *tr, const struct task *k, const struct sysevent *ev)
{
	const struct task *parent = proctab_get(tr->pt, k->ptgid);

	return container_is_daemon_name(ev->exe.p, ev->exe.n) &&
	       parent != NULL && parent->hint_id[0] != '\0' &&
	       ev->cwd.n >= 64 &&
	       memmem(ev->cwd.p, ev->cwd.n, parent->hint_id, 64) != NULL;
}

void
container_execve(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	unsigned int i;

	scope_daemon_exec(tr, k, ev); /* by what it is, not its name */
	k->daemon_exe = is_hook(tr, k, ev);
	/* runc create/exec and the shim name the container they work for: a
	 * process they start that exits before its cgroup is read inherits
	 * it. */
	if (!tracker_recorded(tr, k) || !is_runtime_name(ev->exe.p, ev->exe.n))
		return;
	for (i = 0; i < ev->argc; i++)
		if (is_hex64(ev->argv[i])) {
			memcpy(k->hint_id, ev->argv[i].p, 64);
			k->hint_id[64] = '\0';
		}
}

/* The container k is in by its ancestors, depth levels up at most, or
 * NULL: a runtime naming a container (runc create/start/delete, the shim)
 * works for it from the host; a task whose cgroup was read without a
 * container is the host's; one that exec'd (its exec audited: a hint, if
 * any, is known; or last: the task is leaving) and was gone before its cgroup
 * was read is in its parent's container or in the one its runc was started for
 * (not a hook runc ran on the host: the daemon's own binary, as Docker's
 * libnetwork-setkey); a fork that never exec'd is where its parent is. */
static const char *
settled_id(struct tracker *tr, const struct task *k, int depth, bool last)
{
	const struct task *parent;

	if (k->docker_id[0] != '\0')
		return k->docker_id;
	if (k->hint_id[0] != '\0' || k->cg_read || depth == 0 ||
	    (k->cg_gone && k->nexec == 0 && !last))
		return NULL;
	parent = proctab_get(tr->pt, k->ptgid);
	if (parent == NULL || parent->thread ||
	    strcmp(parent->id, k->parent_id) != 0)
		return NULL;
	if (k->cg_gone && parent->docker_id[0] == '\0' &&
	    parent->hint_id[0] != '\0')
		return k->daemon_exe ? NULL : parent->hint_id;
	return settled_id(tr, parent, depth - 1, last);
}

void
container_settle(struct tracker *tr, struct task *k, bool last)
{
	const char *id;

	if (k->docker_id[0] != '\0' || k->thread || k->cg_read)
		return;
	id = settled_id(tr, k, CONTAINER_SETTLE_DEPTH, last);
	if (id != NULL)
		memcpy(k->docker_id, id, sizeof(k->docker_id));
}

static void
scan_daemon(struct task *k, void *arg)
{
	struct tracker *tr = arg;

	if (k->daemon && !k->thread && !k->exited)
		ctwatch_daemon(tr->cw, k->tgid);
}

/* A container the snapshot found at start: its identity too. */
static void
scan_container(struct task *k, void *arg)
{
	struct tracker *tr = arg;

	if (!k->thread && k->docker_id[0] != '\0' && tracker_recorded(tr, k))
		ctwatch_seen(tr->cw, tr->wb, k->docker_id, tr->now_ms,
		             tr->now_ns);
}

void
container_tick(struct tracker *tr)
{
	bool first;

	scope_tick(tr);
	if (ctwatch_want_scan(tr->cw, tr->now_ms, &first)) {
		proctab_foreach(tr->pt, scan_daemon, tr);
		if (first) /* the daemons' roots are known by now */
			proctab_foreach(tr->pt, scan_container, tr);
	}
	ctwatch_tick(tr->cw, tr->wb, tr->now_ms, tr->now_ns);
}
