/* scope.c - see scope.h. */
#include "scope.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "daemonid.h"
#include "lifecycle.h"
#include "procfs.h"
#include "snapshot.h"

#define SCOPE_DEPTH_MAX 256

/* k becomes recorded (source) with its /proc details, when it was not. */
static void
record_now(struct tracker *tr, struct task *k, const char *source)
{
	if (k->wb.pending || k->wb.written)
		return;
	lifecycle_recorded(tr, k, source);
	if (!k->exited)
		snapshot_info(tr, k);
}

/* Is k below root over fork-time parents, every process between them
 * (and k) started at or after since_ns? */
static bool
below(struct tracker *tr, const struct task *k, const struct task *root,
      int64_t since_ns)
{
	const struct task *p = k;
	int depth;

	for (depth = 0; depth < SCOPE_DEPTH_MAX; depth++) {
		if (p->start_ns + SCOPE_SETNS_SLACK_NS < since_ns ||
		    p->ptgid <= 1 || p->ptgid == p->tgid)
			return false;
		p = proctab_get(tr->pt, p->ptgid);
		if (p == root)
			return true;
		if (p == NULL || p->thread)
			return false;
	}
	return false;
}

struct adopt {
	struct tracker *tr;
	const struct task *root;
	int64_t since_ns;
	const char *source;
};

static void
adopt_proc(struct task *k, void *arg)
{
	struct adopt *a = arg;

	if (k->thread || k == a->root || k->in_tree ||
	    !below(a->tr, k, a->root, a->since_ns))
		return;
	k->in_tree = true;
	if (k->docker_id[0] == '\0')
		memcpy(k->docker_id, a->root->docker_id, sizeof(k->docker_id));
	record_now(a->tr, k, a->source);
}

/* threads of processes now in the tree (a thread's events are its own) */
static void
adopt_thread(struct task *k, void *arg)
{
	struct adopt *a = arg;
	struct task *proc;

	if (!k->thread || k->in_tree ||
	    (proc = proctab_get(a->tr->pt, k->tgid)) == NULL || !proc->in_tree)
		return;
	k->in_tree = true;
	memcpy(k->docker_id, proc->docker_id, sizeof(k->docker_id));
	record_now(a->tr, k, a->source);
}

/* The tasks godo has below root, started since since_ns, join it. */
static void
adopt(struct tracker *tr, const struct task *root, int64_t since_ns,
      const char *source)
{
	struct adopt a = {tr, root, since_ns, source};

	proctab_foreach(tr->pt, adopt_proc, &a);
	proctab_foreach(tr->pt, adopt_thread, &a);
}

/* k is a root of its own: field star, source why. */
static void
make_root(struct tracker *tr, struct task *k, const char *source)
{
	k->root = k->in_tree = true;
	tr->st.roots++;
	writeback_task_daemon(tr->wb, k); /* star, when written already */
	record_now(tr, k, source);
}

/* ---- usermode helpers ---- */

/* Is pid a kernel thread (no exe, its parent kthreadd)? */
static bool
kernel_thread(struct tracker *tr, int32_t pid)
{
	struct procfs_stat st;
	char exe[PATH_MAX_BYTES];
	bool del;

	if (pid == SCOPE_KTHREADD)
		return true;
	if (procfs_read_stat(tr->o.proc_root, pid, 0, &st) != 0 ||
	    st.ppid != SCOPE_KTHREADD)
		return false;
	return procfs_readlink(tr->o.proc_root, pid, "exe", exe, sizeof(exe),
	                       &del) < 0 &&
	       errno == ENOENT;
}

void
scope_exec(struct tracker *tr, struct task *k)
{
	/* A kernel thread never execs: a child of kthreadd (CLONE_PARENT
	 * of call_usermodehelper) or of a kworker (UMH_WAIT_PROC) that does
	 * is a helper the kernel started. */
	const struct task *p;

	if (k->thread || k->root || k->ptgid <= 1)
		return;
	p = proctab_get(tr->pt, k->ptgid);
	if (k->ptgid != SCOPE_KTHREADD && p != NULL &&
	    p->ptgid != SCOPE_KTHREADD)
		return; /* cheap: the parent is no child of kthreadd */
	/* k itself no kernel thread (the snapshot sees those too) */
	if (!kernel_thread(tr, k->ptgid) || kernel_thread(tr, k->pid))
		return;
	make_root(tr, k, "usermode_helper");
}

/* ---- the engine's daemons ---- */

/* Is k the configured daemon (-daemon-exe)? Its exe from /proc; where
 * /proc cannot tell (the proc helper down: -privsep) the exec's own
 * SYSCALL record's exe= (hint; n 0: none), which the kernel printed. */
static bool
configured(struct tracker *tr, const struct task *k, struct str hint)
{
	char exe[PATH_MAX_BYTES];
	bool del;
	ssize_t n;

	if (tr->o.daemon_exe == NULL || tr->o.daemon_exe[0] == '\0')
		return false;
	n = procfs_readlink(tr->o.proc_root, k->tgid, "exe", exe, sizeof(exe),
	                    &del);
	if (n < 0 && errno != ENOENT && errno != ESRCH && hint.n > 0)
		return hint.n == strlen(tr->o.daemon_exe) &&
		       memcmp(hint.p, tr->o.daemon_exe, hint.n) == 0;
	return n > 0 && !del && strcmp(exe, tr->o.daemon_exe) == 0;
}

static bool
confirmed(struct tracker *tr, const struct task *k, enum daemonid_kind kind,
          struct str hint)
{
	return configured(tr, k, hint) ||
	       (daemonid_host_root(tr->o.proc_root, k->tgid) &&
	        daemonid_serves(tr->o.proc_root, k->tgid, kind));
}

static void
mark_daemon(struct tracker *tr, struct task *k)
{
	k->daemon = k->in_tree = true;
	tr->st.daemons++;
	writeback_task_daemon(tr->wb, k);
	ctwatch_daemon(tr->cw, k->tgid);
}

/* k waits for its socket (only a root-run host process may: nothing a
 * container or a user does fills the queue); a full queue gives up the
 * candidate that waited longest. */
static void
enqueue(struct tracker *tr, const struct task *k, enum daemonid_kind kind,
        struct str hint)
{
	struct daemonid_cand *c = &tr->cand[0];
	unsigned int i;

	if (!configured(tr, k, hint) &&
	    !daemonid_host_root(tr->o.proc_root, k->tgid))
		return;
	for (i = 0; i < DAEMONID_CAND_MAX; i++) {
		struct daemonid_cand *x = &tr->cand[i];

		if (x->pid == k->pid || x->pid == 0) {
			c = x;
			break;
		}
		if (x->until_ms < c->until_ms)
			c = x;
	}
	c->pid = k->pid;
	c->ticks = k->start_ticks;
	c->kind = kind;
	c->until_ms = tr->now_ms + DAEMONID_WAIT_MS;
}

static enum daemonid_kind
kind_of(struct str a, struct str b, struct str c)
{
	enum daemonid_kind kind = daemonid_name(a.p, a.n);

	if (kind == DAEMONID_NONE)
		kind = daemonid_name(b.p, b.n);
	if (kind == DAEMONID_NONE)
		kind = daemonid_name(c.p, c.n);
	return kind;
}

/* A candidate by name: the daemon now, or waiting for its socket. hint:
 * the exec's exe= (n 0: none). */
static void
consider(struct tracker *tr, struct task *k, enum daemonid_kind kind,
         struct str hint)
{
	if (kind == DAEMONID_NONE)
		return;
	if (confirmed(tr, k, kind, hint))
		mark_daemon(tr, k);
	else
		enqueue(tr, k, kind, hint);
}

void
scope_daemon_exec(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	struct str a0 = ev->argc > 0 ? ev->argv[0] : (struct str){"", 0};

	if (k->daemon || k->thread)
		return;
	consider(tr, k, kind_of(ev->exe, a0, ev->comm), ev->exe);
}

void
scope_daemon_proc(struct tracker *tr, struct task *k)
{
	struct procfs_stat st;
	ssize_t n;
	bool del;

	if (k->daemon || k->thread)
		return;
	n = procfs_readlink(tr->o.proc_root, k->tgid, "exe", tr->pathbuf,
	                    sizeof(tr->pathbuf), &del);
	if (procfs_read_stat(tr->o.proc_root, k->tgid, k->pid, &st) != 0)
		return;
	consider(tr, k,
	         kind_of((struct str){tr->pathbuf, n > 0 ? (size_t)n : 0},
	                 (struct str){st.comm, strlen(st.comm)},
	                 (struct str){"", 0}),
	         (struct str){"", 0});
}

void
scope_tick(struct tracker *tr)
{
	unsigned int i;

	for (i = 0; i < DAEMONID_CAND_MAX; i++) {
		struct daemonid_cand *c = &tr->cand[i];
		struct task *k;

		if (c->pid == 0)
			continue;
		k = proctab_get(tr->pt, c->pid);
		if (k == NULL || k->exited || k->start_ticks != c->ticks ||
		    k->daemon || tr->now_ms > c->until_ms) {
			c->pid = 0;
			continue;
		}
		if (!confirmed(tr, k, c->kind, (struct str){"", 0}))
			continue;
		c->pid = 0;
		mark_daemon(tr, k);
		record_now(tr, k, "daemon");
		adopt(tr, k, 0, "daemon");
	}
}

bool
scope_is_shim(struct tracker *tr, const struct task *k)
{
	ssize_t n;
	bool del;
	const char *base;

	n = procfs_readlink(tr->o.proc_root, k->tgid, "exe", tr->pathbuf2,
	                    sizeof(tr->pathbuf2), &del);
	if (n <= 0)
		return false;
	base = strrchr(tr->pathbuf2, '/');
	base = base != NULL ? base + 1 : tr->pathbuf2;
	return strncmp(base, "containerd-shim", 15) == 0 &&
	       daemonid_host_root(tr->o.proc_root, k->tgid);
}

/* ---- setns from the host ---- */

static const char *const ns_kinds[] = {
    "mnt", "pid_for_children", "net", "ipc", "uts", "cgroup"};

struct ns_search {
	struct tracker *tr;
	char what[64];    /* k's link, "task/TID/ns/<kind>" */
	const char *kind; /* its kind */
	const struct task *k;
	const struct task *found;
	unsigned int visits;
};

static void
ns_match(struct task *t, void *arg)
{
	struct ns_search *s = arg;
	char what[64];

	if (s->found != NULL || t->thread || t->exited ||
	    t->docker_id[0] == '\0' || !t->in_tree ||
	    s->visits >= SCOPE_SETNS_VISITS)
		return;
	s->visits++;
	snprintf(what, sizeof(what), "ns/%s", s->kind);
	if (daemonid_same_ns(s->tr->o.proc_root, s->k->tgid, s->what, t->tgid,
	                     what))
		s->found = t;
}

/* The recorded container whose namespace of some kind k has entered
 * (k's differs from the host's); NULL when none. *gone when k's links
 * could not be read. */
static const struct task *
entered(struct tracker *tr, const struct task *k, bool *gone)
{
	struct ns_search s;
	pid_t host = daemonid_host_pid(tr->o.proc_root);
	char hwhat[64], l[64];
	size_t i;
	bool del;

	memset(&s, 0, sizeof(s));
	s.tr = tr;
	s.k = k;
	*gone = false;
	for (i = 0; i < sizeof(ns_kinds) / sizeof(ns_kinds[0]); i++) {
		s.kind = ns_kinds[i];
		snprintf(s.what, sizeof(s.what), "task/%d/ns/%s", (int)k->pid,
		         s.kind);
		if (procfs_readlink(tr->o.proc_root, k->tgid, s.what, l,
		                    sizeof(l), &del) < 0) {
			*gone = true;
			return NULL;
		}
		snprintf(hwhat, sizeof(hwhat), "ns/%s", s.kind);
		if (daemonid_same_ns(tr->o.proc_root, k->tgid, s.what, host,
		                     hwhat))
			continue;
		proctab_foreach(tr->pt, ns_match, &s);
		if (s.found != NULL)
			return s.found;
	}
	return NULL;
}

void
scope_setns(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	const struct task *ct;
	ssize_t n;
	bool gone;

	if (!ev->success || tracker_recorded(tr, k))
		return;
	ct = entered(tr, k, &gone);
	if (gone) { /* it left before godo could look: counted */
		tracker_drop(tr, DROP_SETNS, ev->time_ns, 1);
		return;
	}
	if (ct == NULL)
		return;
	memcpy(k->docker_id, ct->docker_id, sizeof(k->docker_id));
	make_root(tr, k, "setns");
	writeback_task_docker(tr->wb, k);
	writeback_task_setns(tr->wb, k);
	n = procfs_read_overlay_root(tr->o.proc_root, k->tgid, tr->pathbuf,
	                             sizeof(tr->pathbuf));
	if (n > 0)
		writeback_task_rootfs(tr->wb, k, tr->pathbuf, (size_t)n);
	adopt(tr, k, ev->time_ns, "setns");
}

void
scope_unshare(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	if ((ev->a[0] & CLONE_FILES) != 0)
		fdtab_unshare(tr->ft, k, ev->time_ns);
}
