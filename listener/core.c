/* core.c - see core.h. Fed by main.c's loop (connector messages, decoded
 * audit events, ticks); feeds docmap. */
#include "core.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "path.h"
#include "procfs.h"
#include "schema.h"

#define WRITE_INTENT (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)
#define LATE_EVENT_NS (2000000000LL) /* audit lags the connector */

struct core {
	struct docmap *dm;
	struct core_opts o;
	struct proctab *pt;
	struct fdtab *ft;
	char boot_id[40];
	long hz;
	int64_t off_real_mono; /* REALTIME - MONOTONIC, ns */
	int64_t off_boot_mono; /* BOOTTIME - MONOTONIC, ns */
	int64_t off_real_boot; /* REALTIME - BOOTTIME, ns */
	uint64_t last_clock_ms, last_fdflush_ms, last_sweep_ms, now_ms;
	int64_t fd_horizon_ns; /* files opened before this go to fds */
	/* Stream clocks: the time of the latest connector message and audit
	 * event handled. Age rules use them, not the wall clock, so a godo
	 * that lags behind the kernel does not write everything early. */
	int64_t cn_ns, audit_ns;
	core_drain_fn *drain;
	void *drain_arg;
	struct core_stats st;
	char pathbuf[PATH_MAX_BYTES + 1], pathbuf2[PATH_MAX_BYTES + 1];
	char args[ARGS_MAX_BYTES];
	struct str argv[ARGS_MAX_COUNT];
};

static int64_t
clock_of(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Sample MONOTONIC around the other clocks and take the midpoint. */
static void
clock_sync(struct core *c)
{
	int64_t m0 = clock_of(CLOCK_MONOTONIC);
	int64_t r = clock_of(CLOCK_REALTIME);
	int64_t b = clock_of(CLOCK_BOOTTIME);
	int64_t m1 = clock_of(CLOCK_MONOTONIC);
	int64_t m = m0 + (m1 - m0) / 2;

	c->off_real_mono = r - m;
	c->off_boot_mono = b - m;
	c->off_real_boot = r - b;
}

static void write_task(struct core *c, struct task *k);
static void write_final(struct core *c, struct task *k);

/* A slot is reused or freed: nothing recorded may be lost with it. */
static void
release_task(struct task *k, void *arg)
{
	struct core *c = arg;

	if (k->pending)
		write_task(c, k);
	write_final(c, k);
	docmap_doc_free(k->doc);
	k->doc = NULL;
}

struct core *
core_new(struct docmap *dm, const struct core_opts *o, const char *boot_id)
{
	struct core *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->dm = dm;
	c->o = *o;
	c->pt = proctab_new(o->proc_cap, release_task, c);
	c->ft = fdtab_new(o->fd_cap);
	if (c->pt == NULL || c->ft == NULL) {
		core_free(c);
		return NULL;
	}
	util_strlcpy(c->boot_id, boot_id, sizeof(c->boot_id));
	c->hz = sysconf(_SC_CLK_TCK);
	if (c->hz <= 0)
		c->hz = 100;
	clock_sync(c);
	return c;
}

void
core_set_drain(struct core *c, core_drain_fn *fn, void *arg)
{
	c->drain = fn;
	c->drain_arg = arg;
}

void
core_free(struct core *c)
{
	if (c == NULL)
		return;
	proctab_free(c->pt);
	fdtab_free(c->ft);
	free(c);
}

struct proctab *
core_proctab(struct core *c)
{
	return c->pt;
}

struct fdtab *
core_fdtab(struct core *c)
{
	return c->ft;
}

void
core_get_stats(const struct core *c, struct core_stats *out)
{
	*out = c->st;
}

static bool
recorded(const struct core *c, const struct task *k)
{
	return k->in_tree || c->o.all;
}

static void
set_id(struct core *c, struct task *k)
{
	snprintf(k->id, sizeof(k->id), "%s:%d:%" PRIu64, c->boot_id, k->pid,
	         k->start_ticks);
}

static int64_t
ticks_to_wall(const struct core *c, uint64_t ticks)
{
	return c->off_real_boot + (int64_t)ticks * (1000000000LL / c->hz);
}

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

static bool
is_star_name(const char *p, size_t n)
{
	struct str b = base_name(p, n);

	return str_eq(b, "dockerd") || str_eq(b, "containerd");
}

/* A task became recorded. Its document is written once, as an insert, when
 * it has exited or lived a second (core_tick): most tasks live shorter
 * than that, and so cost one write. Changes after that are updates. */
static void
emit_task(struct core *c, struct task *k, const char *source)
{
	if (k->written || k->pending)
		return;
	k->pending = true;
	k->source = source;
	k->rec_ms = c->now_ms ? c->now_ms : util_now_ms();
}

static void resolve_gone(struct core *c, struct task *k);

static void
write_task(struct core *c, struct task *k)
{
	if (k->cg_gone && k->docker_id[0] == '\0')
		resolve_gone(c, k);
	if (docmap_task_write(c->dm, k, k->doc) == 0) {
		k->written = true;
		/* insert-only: the final document repeats the whole state */
		if (!docmap_insert_only(c->dm)) {
			docmap_doc_free(k->doc);
			k->doc = NULL;
		}
	}
	k->pending = false;
}

/* A written task changed. On a store whose updates scan the collection
 * (FerretDB) the change waits for the task's final document, an insert;
 * elsewhere it is an update now (1). */
static bool
update_now(struct core *c, struct task *k)
{
	if (!docmap_insert_only(c->dm))
		return true;
	k->final_due = true;
	return false;
}

static void
write_final(struct core *c, struct task *k)
{
	if (!k->final_due)
		return;
	(void)docmap_task_final(c->dm, k, k->doc);
	k->final_due = false;
}

static struct task_doc *
task_doc(struct task *k)
{
	if (k->doc == NULL)
		k->doc = docmap_doc_new();
	return k->doc;
}

/* One descriptor goes; its session ends with the last descriptor. */
static void
drop_fd(struct core *c, struct fdent *e, const struct task *proc, int64_t ns,
        const char *by)
{
	struct fsess *ss = e->sess;

	if (ss != NULL && --ss->refs == 0) {
		if (recorded(c, proc)) {
			docmap_fd_close(c->dm, ss, proc, ns, by);
			c->st.files_closed++;
		}
		free(ss->path);
		free(ss);
	}
	fdtab_del(c->ft, e);
}

static void
close_file(struct core *c, struct fdent *e, const struct task *proc, int64_t ns,
           const char *by)
{
	/* A shadowed predecessor whose close never came: the number was
	 * reused, so it was closed before. */
	if (e->prev != NULL) {
		struct fdent *p = e->prev;

		e->prev = NULL;
		drop_fd(c, p, proc, ns, "reuse");
	}
	drop_fd(c, e, proc, ns, by);
}

/* The entry an event on fd with this serial belongs to: events of other
 * threads may arrive after a later open of the same number. */
static struct fdent *
route_fd(struct core *c, const struct task *k, int32_t fd, uint64_t serial)
{
	struct fdent *e = fdtab_get(c->ft, k->tgid, fd);

	if (e == NULL || serial >= e->serial)
		return e;
	return e->prev;
}

/* The close of the entry route_fd() found. */
static void
close_routed(struct core *c, struct task *k, int32_t fd, uint64_t serial,
             int64_t ns, const char *by)
{
	struct fdent *cur = fdtab_get(c->ft, k->tgid, fd);

	if (cur == NULL)
		return;
	if (serial >= cur->serial) {
		close_file(c, cur, k, ns, by);
	} else if (cur->prev != NULL) {
		struct fdent *p = cur->prev;

		cur->prev = NULL;
		drop_fd(c, p, k, ns, by);
	}
}

/* Frees what the process chain holds: its open descriptors. */
static void
close_all(struct core *c, struct task *proc, int64_t ns, const char *by)
{
	struct fdent *e;

	/* Unhook shadows first so every entry is dropped exactly once. */
	for (e = proc->fds; e != NULL; e = e->pnext)
		e->prev = NULL;
	while (proc->fds != NULL)
		drop_fd(c, proc->fds, proc, ns, by);
	proc->fds_closed = true;
}

/* The previous incarnation of a pid leaves the table. */
static void
retire(struct core *c, struct task *k)
{
	if (k->fds != NULL)
		close_all(c, k, k->exited ? k->exit_ns : util_wall_ns(),
		          k->exited ? "exit" : "reuse");
	proctab_del(c->pt, k);
}

static long overlay_root(int32_t pid, char *out, size_t outsz);

static void
set_rootfs(struct core *c, struct task *k, const char *p, size_t n)
{
	struct task_doc *d;

	if (k->written && update_now(c, k)) {
		docmap_rootfs(c->dm, k, (struct str){p, n});
		return;
	}
	d = task_doc(k);
	if (d == NULL)
		return;
	free(d->rootfs);
	d->rootfs = strndup(p, n);
}

/* On entering a container (its cgroup seen for the first time) the task
 * also records the container's root on the host, while it still lives. */
static void
read_docker_id(struct core *c, struct task *k)
{
	char id[65];
	long n;
	int rc = procfs_read_cgroup(k->tgid, id);

	if (rc < 0 && k->docker_id[0] == '\0')
		k->cg_gone = true; /* resolved from its runc when written */
	if (rc != 1 || strcmp(id, k->docker_id) == 0)
		return;
	memcpy(k->docker_id, id, sizeof(id));
	if (k->written && update_now(c, k))
		docmap_docker(c->dm, k);
	n = overlay_root(k->tgid, c->pathbuf, sizeof(c->pathbuf));
	if (n > 0)
		set_rootfs(c, k, c->pathbuf, (size_t)n);
}

/* A task known only from /proc (older than godo, or its FORK was lost). */
static struct task *
task_from_proc(struct core *c, int32_t tgid, int32_t tid, const char *source)
{
	struct procfs_stat st;
	struct task *k, *old, *parent;

	if (procfs_read_stat(tgid, tid, &st) != 0)
		return NULL;
	old = proctab_get(c->pt, tid);
	if (old != NULL)
		retire(c, old);
	k = proctab_add(c->pt, tid);
	if (k == NULL)
		return NULL;
	k->tgid = tgid;
	k->thread = tid != tgid;
	k->start_ticks = st.starttime;
	k->start_ns = ticks_to_wall(c, st.starttime);
	set_id(c, k);
	if (k->thread) {
		struct task *proc = proctab_get(c->pt, tgid);

		k->ppid = k->ptgid = proc ? proc->ptgid : 0;
	} else {
		k->ppid = k->ptgid = st.ppid;
	}
	parent = proctab_get(c->pt, k->ptgid);
	if (parent != NULL && !parent->thread) {
		util_strlcpy(k->parent_id, parent->id, sizeof(k->parent_id));
		k->in_tree = parent->in_tree;
		memcpy(k->docker_id, parent->docker_id, sizeof(k->docker_id));
	}
	if (k->thread) {
		struct task *proc = proctab_get(c->pt, tgid);

		if (proc != NULL) {
			k->in_tree = proc->in_tree;
			memcpy(k->docker_id, proc->docker_id,
			       sizeof(k->docker_id));
		}
	}
	if (source != NULL && recorded(c, k))
		emit_task(c, k, source);
	return k;
}

/* The process (leader task) an audit event belongs to. */
static struct task *
proc_for_audit(struct core *c, int32_t pid, int64_t ns)
{
	struct task *k = proctab_get(c->pt, pid);

	if (k != NULL && !(k->exited && ns > k->exit_ns + LATE_EVENT_NS))
		return k;
	if (c->drain != NULL) {
		c->drain(c->drain_arg);
		k = proctab_get(c->pt, pid);
		if (k != NULL &&
		    !(k->exited && ns > k->exit_ns + LATE_EVENT_NS))
			return k;
	}
	k = task_from_proc(c, pid, pid, "audit");
	if (k == NULL)
		c->st.unattributed++;
	return k;
}

static void
on_fork(struct core *c, const struct procconn_event *ev)
{
	struct task *k, *old, *parent, *proc = NULL;
	struct procfs_stat st;
	uint64_t ticks;

	old = proctab_get(c->pt, ev->pid);
	if (old != NULL)
		retire(c, old);
	k = proctab_add(c->pt, ev->pid);
	if (k == NULL)
		return;
	k->tgid = ev->tgid;
	k->thread = ev->pid != ev->tgid;
	k->ppid = ev->ppid;
	k->ptgid = ev->ptgid;
	ticks = (uint64_t)((int64_t)ev->ts_ns + c->off_boot_mono) /
	        (uint64_t)(1000000000LL / c->hz);
	/* The connector's time is taken just after the kernel's start time:
	 * a tick boundary may fall between. /proc settles it while the task
	 * lives. */
	if (procfs_read_stat(ev->tgid, ev->pid, &st) == 0 &&
	    st.starttime + 1 >= ticks && st.starttime <= ticks + 1)
		ticks = st.starttime;
	k->start_ticks = ticks;
	k->start_ns = (int64_t)ev->ts_ns + c->off_real_mono;
	set_id(c, k);
	parent = proctab_get(c->pt, ev->ptgid);
	if (parent != NULL) {
		util_strlcpy(k->parent_id, parent->id, sizeof(k->parent_id));
		k->in_tree = parent->in_tree;
		memcpy(k->docker_id, parent->docker_id, sizeof(k->docker_id));
	}
	if (k->thread && (proc = proctab_get(c->pt, ev->tgid)) != NULL) {
		k->in_tree = proc->in_tree;
		memcpy(k->docker_id, proc->docker_id, sizeof(k->docker_id));
	}
	if (recorded(c, k))
		emit_task(c, k, "fork");
}

static void
on_exec(struct core *c, const struct procconn_event *ev)
{
	struct task *k = proctab_get(c->pt, ev->pid);

	if (k == NULL || k->exited)
		k = task_from_proc(c, ev->tgid, ev->pid, "exec");
	if (k == NULL || !recorded(c, k))
		return;
	/* A container's first process is moved into its cgroup before it
	 * execs the container command: read the cgroup now, not at fork. */
	read_docker_id(c, k);
}

static void
on_task_exit(struct core *c, const struct procconn_event *ev)
{
	struct task *k = proctab_get(c->pt, ev->pid);

	if (k == NULL || k->tgid != ev->tgid || k->exited)
		return;
	k->exited = true;
	k->exit_ns = (int64_t)ev->ts_ns + c->off_real_mono;
	k->exit_mono_ms = c->now_ms ? c->now_ms : util_now_ms();
	k->exit_status = ev->exit_code;
	if (k->written && update_now(c, k))
		docmap_exit(c->dm, k, ev->exit_code);
}

void
core_conn_event(struct core *c, const struct procconn_event *ev)
{
	c->st.cn_events++;
	if ((int64_t)ev->ts_ns + c->off_real_mono > c->cn_ns)
		c->cn_ns = (int64_t)ev->ts_ns + c->off_real_mono;
	switch (ev->what) {
	case PROCCONN_FORK:
		on_fork(c, ev);
		break;
	case PROCCONN_EXEC:
		on_exec(c, ev);
		break;
	case PROCCONN_EXIT:
		on_task_exit(c, ev);
		break;
	default:
		break;
	}
}

static void
fill_exec(struct exec_info *x, const struct sysevent *ev)
{
	memset(x, 0, sizeof(*x));
	x->ns = ev->time_ns;
	x->argv = ev->argv;
	x->argc = ev->argc;
	x->truncated = ev->args_truncated;
	x->exe = ev->exe;
	x->cwd = ev->cwd;
	x->comm = ev->comm;
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

/* runc create/exec and the shim name the container they work for: a
 * process they start that exits before its cgroup is read inherits it. */
static void
note_runtime(struct task *k, const struct sysevent *ev)
{
	unsigned int i;

	if (!is_runtime_name(ev->exe.p, ev->exe.n))
		return;
	for (i = 0; i < ev->argc; i++)
		if (is_hex64(ev->argv[i])) {
			memcpy(k->hint_id, ev->argv[i].p, 64);
			k->hint_id[64] = '\0';
		}
}

/* The container of a task that left before its cgroup was read: its
 * parent's, or the one its runc was started for. */
static void
resolve_gone(struct core *c, struct task *k)
{
	const struct task *p = k;
	int depth;

	for (depth = 0; depth < 4; depth++) {
		const struct task *parent = proctab_get(c->pt, p->ptgid);

		if (parent == NULL || parent->thread ||
		    strcmp(parent->id, p->parent_id) != 0)
			return;
		if (parent->docker_id[0] != '\0' ||
		    parent->hint_id[0] != '\0') {
			memcpy(k->docker_id,
			       parent->docker_id[0] ? parent->docker_id
			                            : parent->hint_id,
			       sizeof(k->docker_id));
			return;
		}
		p = parent;
	}
}

static void
on_execve(struct core *c, struct task *k, const struct sysevent *ev)
{
	struct exec_info x;

	if (!ev->success)
		return;
	if (!k->star && is_star_name(ev->exe.p, ev->exe.n) && ev->argc > 0 &&
	    is_star_name(ev->argv[0].p, ev->argv[0].n)) {
		k->star = k->in_tree = true;
		c->st.stars++;
		if (k->written && update_now(c, k))
			docmap_star(c->dm, k);
	}
	if (!recorded(c, k))
		return;
	note_runtime(k, ev);
	emit_task(c, k, "exec");
	k->nexec++;
	fill_exec(&x, ev);
	if (k->written && update_now(c, k))
		docmap_exec(c->dm, k, &x);
	else if (task_doc(k) != NULL)
		docmap_doc_exec(k->doc, &x);
}

/* The directory a relative name in an *at() call is resolved against. */
static struct str
base_dir(struct core *c, const struct task *k, const struct sysevent *ev,
         int dirfd)
{
	struct fdent *d;
	ssize_t n;
	char lnk[64];

	if (dirfd == SYSEV_AT_FDCWD)
		return ev->cwd;
	d = fdtab_get(c->ft, k->tgid, dirfd);
	if (d != NULL)
		return (struct str){d->path, d->pathlen};
	/* Not seen opening it (older than godo): the link, if still there. */
	snprintf(lnk, sizeof(lnk), "/proc/%d/fd/%d", k->tgid, dirfd);
	n = readlink(lnk, c->pathbuf2, sizeof(c->pathbuf2) - 1);
	if (n > 0 && c->pathbuf2[0] == '/')
		return (struct str){c->pathbuf2, (size_t)n};
	return ev->cwd;
}

/* The path of the first item of the wanted type (or any non-PARENT one
 * when want < 0), resolved and cleaned into out. Length or -1. */
static long
event_path(struct core *c, const struct task *k, const struct sysevent *ev,
           int want, int dirfd, char *out)
{
	unsigned int i;

	for (i = 0; i < ev->npath; i++) {
		const struct sysev_path *p = &ev->path[i];
		struct str base;

		if (!p->has_name || p->nametype == NT_PARENT)
			continue;
		if (want >= 0 && (int)p->nametype != want)
			continue;
		base = (p->name.n > 0 && p->name.p[0] == '/')
		           ? (struct str){NULL, 0}
		           : base_dir(c, k, ev, dirfd);
		return path_resolve(base.p, base.n, p->name.p, p->name.n, out,
		                    PATH_MAX_BYTES + 1);
	}
	return -1;
}

static struct fsess *
new_sess(const struct task *k, int32_t fd, const struct sysevent *ev,
         const char *path, size_t n)
{
	struct fsess *ss = calloc(1, sizeof(*ss));

	if (ss == NULL)
		return NULL;
	ss->path = malloc(n + 1);
	if (ss->path == NULL) {
		free(ss);
		return NULL;
	}
	memcpy(ss->path, path, n);
	ss->path[n] = '\0';
	ss->pathlen = n;
	snprintf(ss->id, sizeof(ss->id), "%s:%d:%" PRIu64, k->id, fd,
	         ev->serial);
	ss->fd = fd;
	ss->flags = ev->open_flags;
	ss->open_ns = ev->time_ns;
	ss->refs = 1;
	ss->dirty = true;
	return ss;
}

/* A new holder of fd number fd: the old one is shadowed (its late events
 * still find it), and an older shadow is dropped. */
static struct fdent *
replace_fd(struct core *c, struct task *k, int32_t fd, const char *path,
           size_t n, uint64_t serial, int64_t ns)
{
	struct fdent *old = fdtab_get(c->ft, k->tgid, fd), *e;

	if (old != NULL) {
		if (old->prev != NULL) {
			struct fdent *p = old->prev;

			old->prev = NULL;
			drop_fd(c, p, k, ns, "reuse");
		}
		fdtab_shadow(c->ft, old);
	}
	e = fdtab_add(c->ft, k->tgid, fd, path, n, &k->fds);
	if (e == NULL) {
		if (old != NULL)
			drop_fd(c, old, k, ns, "reuse");
		return NULL;
	}
	e->serial = serial;
	e->prev = old;
	return e;
}

static void
on_open(struct core *c, struct task *k, const struct sysevent *ev)
{
	struct fdent *e;
	long n;
	int fd;

	if (!ev->success || ev->exit < 0 || ev->exit > INT32_MAX)
		return;
	fd = (int)ev->exit;
	n = event_path(c, k, ev, -1, ev->dirfd, c->pathbuf);
	if (n < 0)
		return;
	e = replace_fd(c, k, fd, c->pathbuf, (size_t)n, ev->serial,
	               ev->time_ns);
	if (e == NULL)
		return;
	e->dir = (ev->open_flags & WRITE_INTENT) == 0;
	if (!e->dir) {
		docmap_path_reused(c->dm, c->pathbuf, (size_t)n);
		e->sess = new_sess(k, fd, ev, c->pathbuf, (size_t)n);
	}
}

static void
count_write(struct fsess *e, int64_t ns, uint64_t bytes)
{
	if (e->wcount == 0)
		e->first_w = ns;
	e->last_w = ns;
	e->wcount++;
	e->wbytes += bytes;
	/* dates have millisecond resolution: one entry per millisecond */
	if (e->nwritten < WRITTEN_MAX &&
	    (e->nwritten == 0 ||
	     e->written[e->nwritten - 1] / 1000000 != ns / 1000000))
		e->written[e->nwritten++] = ns;
	e->dirty = true;
}

static void
on_write(struct core *c, struct task *k, const struct sysevent *ev)
{
	struct fdent *e;

	if (!ev->success || ev->exit < 0)
		return;
	e = route_fd(c, k, (int32_t)(uint32_t)ev->a[0], ev->serial);
	if (e != NULL && e->sess != NULL)
		count_write(e->sess, ev->time_ns, (uint64_t)ev->exit);
}

/* dup2(old, new): new now refers to old's file (and whatever new was is
 * closed). The copy is a file session of its own, opened now. */
/* dup2(old, new): new now refers to old's open file, the same session
 * (and whatever new was is closed). */
static void
on_dup(struct core *c, struct task *k, const struct sysevent *ev)
{
	struct fdent *src, *dst;
	int32_t oldfd = (int32_t)(uint32_t)ev->a[0];
	int32_t newfd;

	if (!ev->success || ev->exit < 0 || ev->exit > INT32_MAX)
		return;
	newfd = (int32_t)ev->exit;
	if (newfd == oldfd)
		return;
	src = route_fd(c, k, oldfd, ev->serial);
	if (src == NULL) {
		close_routed(c, k, newfd, ev->serial, ev->time_ns, "close");
		return;
	}
	dst = replace_fd(c, k, newfd, src->path, src->pathlen, ev->serial,
	                 ev->time_ns);
	if (dst == NULL)
		return;
	dst->dir = src->dir;
	dst->sess = src->sess;
	if (dst->sess != NULL)
		dst->sess->refs++;
}

static void
on_close(struct core *c, struct task *k, const struct sysevent *ev)
{
	close_routed(c, k, (int32_t)(uint32_t)ev->a[0], ev->serial, ev->time_ns,
	             "close");
}

static void
on_rename(struct core *c, struct task *k, const struct sysevent *ev)
{
	long n1, n2;

	n1 = event_path(c, k, ev, NT_DELETE, ev->dirfd, c->pathbuf);
	if (n1 < 0)
		return;
	/* pathbuf2 may be used by base_dir: resolve the new name into a
	 * buffer of its own. */
	{
		char newp[PATH_MAX_BYTES + 1];

		n2 = event_path(c, k, ev, NT_CREATE, ev->dirfd2, newp);
		if (n2 < 0)
			return;
		docmap_op(c->dm, k, "rename", ev->serial, ev->time_ns,
		          c->pathbuf, (size_t)n1, newp, (size_t)n2);
		docmap_path_reused(c->dm, newp, (size_t)n2);
	}
	c->st.ops++;
}

static void
on_unlink(struct core *c, struct task *k, const struct sysevent *ev)
{
	long n = event_path(c, k, ev, NT_DELETE, ev->dirfd, c->pathbuf);

	if (n < 0)
		return;
	docmap_op(c->dm, k, "unlink", ev->serial, ev->time_ns, c->pathbuf,
	          (size_t)n, NULL, 0);
	c->st.ops++;
}

static void
on_truncate(struct core *c, struct task *k, const struct sysevent *ev)
{
	struct fdent *e;
	long n;

	if (!ev->success)
		return;
	if (ev->npath == 0) { /* ftruncate(fd): a change to an open file */
		e = route_fd(c, k, (int32_t)(uint32_t)ev->a[0], ev->serial);
		if (e != NULL && e->sess != NULL)
			count_write(e->sess, ev->time_ns, 0);
		return;
	}
	n = event_path(c, k, ev, -1, SYSEV_AT_FDCWD, c->pathbuf);
	if (n >= 0)
		docmap_op(c->dm, k, "truncate", ev->serial, ev->time_ns,
		          c->pathbuf, (size_t)n, NULL, 0);
}

/* The host path of the root mount of pid, from its mountinfo: for overlay
 * (Docker's overlay2) the "merged" directory beside the upperdir. */
static long
overlay_root(int32_t pid, char *out, size_t outsz)
{
	char path[64], buf[16384];
	const char *line, *end, *best = NULL;
	size_t bestlen = 0;
	ssize_t n;
	bool trunc;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", pid);
	n = procfs_read_file(path, buf, sizeof(buf), &trunc);
	if (n <= 0)
		return -1;
	for (line = buf; line < buf + n; line = end + 1) {
		const char *f = line, *up;
		int field;

		end = memchr(line, '\n', (size_t)(buf + n - line));
		if (end == NULL)
			end = buf + n;
		/* field 5 is the mount point */
		for (field = 1; field < 5 && f < end; field++) {
			f = memchr(f, ' ', (size_t)(end - f));
			if (f == NULL)
				break;
			f++;
		}
		if (f == NULL || f + 2 > end || f[0] != '/' || f[1] != ' ')
			continue;
		up = memmem(line, (size_t)(end - line), "upperdir=", 9);
		if (up == NULL)
			continue;
		up += 9;
		best = up;
		bestlen = 0;
		while (up + bestlen < end && up[bestlen] != ',' &&
		       up[bestlen] != ' ')
			bestlen++;
	}
	if (best == NULL || bestlen < 5 ||
	    memcmp(best + bestlen - 5, "/diff", 5) != 0 ||
	    bestlen - 5 + 8 >= outsz)
		return -1;
	memcpy(out, best, bestlen - 5);
	memcpy(out + bestlen - 5, "/merged", 8);
	return (long)(bestlen - 5 + 7);
}

static void
on_pivot_root(struct core *c, struct task *k, const struct sysevent *ev)
{
	long n;

	/* The event's CWD is read after the pivot ("/"): the container's
	 * root on the host comes from the new root mount instead. */
	if (!ev->success)
		return;
	if (k->docker_id[0] == '\0')
		read_docker_id(c, k);
	n = overlay_root(k->tgid, c->pathbuf, sizeof(c->pathbuf));
	if (n > 0)
		set_rootfs(c, k, c->pathbuf, (size_t)n);
}

void
core_audit_event(struct core *c, const struct sysevent *ev)
{
	struct task *k;

	c->st.audit_events++;
	if (ev->time_ns > c->audit_ns)
		c->audit_ns = ev->time_ns;
	if (!ev->has_syscall || ev->kind == SYSEV_OTHER ||
	    ev->kind == SYSEV_CLONE)
		return;
	k = proc_for_audit(c, ev->pid, ev->time_ns);
	if (k == NULL)
		return;
	if (ev->kind == SYSEV_EXECVE) {
		on_execve(c, k, ev);
		return;
	}
	if (!recorded(c, k))
		return;
	emit_task(c, k, "audit");
	switch (ev->kind) {
	case SYSEV_OPEN:
		on_open(c, k, ev);
		break;
	case SYSEV_WRITE:
		on_write(c, k, ev);
		break;
	case SYSEV_CLOSE:
		on_close(c, k, ev);
		break;
	case SYSEV_DUP:
		on_dup(c, k, ev);
		break;
	case SYSEV_RENAME:
		if (ev->success)
			on_rename(c, k, ev);
		break;
	case SYSEV_UNLINK:
		if (ev->success)
			on_unlink(c, k, ev);
		break;
	case SYSEV_TRUNCATE:
		on_truncate(c, k, ev);
		break;
	case SYSEV_EXIT:
		/* exit_group ends every thread and closes what is open, but
		 * other threads' last events may still be on their way: the
		 * files are closed when the exit is swept (core_tick). */
		break;
	case SYSEV_PIVOT_ROOT:
		on_pivot_root(c, k, ev);
		break;
	case SYSEV_SETNS:
		if (!ev->success)
			break;
		if (k->written && update_now(c, k))
			docmap_setns(c->dm, k);
		else if (task_doc(k) != NULL)
			k->doc->setns = true;
		break;
	default:
		break;
	}
}

static void
flush_fd(struct fdent *e, void *arg)
{
	struct core *c = arg;
	struct task *proc;

	struct fsess *ss = e->sess;

	if (ss == NULL || !ss->dirty || ss->open_ns > c->fd_horizon_ns)
		return;
	proc = proctab_get(c->pt, e->tgid);
	if (proc == NULL || !recorded(c, proc))
		return;
	if (docmap_fd_open(c->dm, ss, proc) == 0)
		ss->in_fds = true;
	ss->dirty = false;
}

/* A running task's document is first written when it is this old (stream
 * time). Later changes to a written document are updates, and an update
 * scans the whole collection on FerretDB's SQLite handler (its _id index
 * is not used): most tasks end before ten seconds and cost one insert. */
#define CORE_WRITE_AGE_NS (10 * 1000000000LL)

static void
sweep_task(struct task *k, void *arg)
{
	struct core *c = arg;

	if (k->pending &&
	    (k->exited ? k->exit_mono_ms + 1000 <= c->now_ms
	               : (k->rec_ms == 0 ||
	                  k->start_ns + CORE_WRITE_AGE_NS <= c->cn_ns)))
		write_task(c, k);
	if (k->final_due && k->exited && k->exit_mono_ms + 1000 <= c->now_ms)
		write_final(c, k);
	if (!k->exited || k->exit_mono_ms + c->o.grace_ms > c->now_ms)
		return;
	/* exit_group's audit event was lost or never came (a thread
	 * exit): the process's exit closed its files. */
	if (k->fds != NULL)
		close_all(c, k, k->exit_ns, "exit");
	proctab_del(c->pt, k); /* release_task writes a due final document */
}

void
core_tick(struct core *c, uint64_t now_ms)
{
	c->now_ms = now_ms;
	if (now_ms - c->last_fdflush_ms >= 200) {
		/* A file open for less than a second is written once, at
		 * close, into files. */
		c->fd_horizon_ns = c->audit_ns - 1000000000LL;
		fdtab_foreach(c->ft, flush_fd, c);
		docmap_release(c->dm, c->audit_ns, now_ms);
		c->last_fdflush_ms = now_ms;
	}
	if (now_ms - c->last_sweep_ms >= 1000) {
		proctab_foreach(c->pt, sweep_task, c);
		c->last_sweep_ms = now_ms;
	}
	if (now_ms - c->last_clock_ms >= 60000) {
		clock_sync(c); /* follows steps of the wall clock */
		c->last_clock_ms = now_ms;
	}
}

static void
write_pending(struct task *k, void *arg)
{
	if (k->pending)
		write_task(arg, k);
	write_final(arg, k);
}

static void
close_exited(struct task *k, void *arg)
{
	if (k->exited && k->fds != NULL)
		close_all(arg, k, k->exit_ns, "exit");
}

void
core_shutdown(struct core *c)
{
	proctab_foreach(c->pt, close_exited, c);
	c->fd_horizon_ns = INT64_MAX;
	fdtab_foreach(c->ft, flush_fd, c);
	docmap_release(c->dm, INT64_MAX, UINT64_MAX);
	proctab_foreach(c->pt, write_pending, c);
}

/* ---- the startup snapshot ---- */

static int
snap_one(pid_t pid, pid_t tid, void *arg)
{
	struct core *c = arg;

	if (proctab_get(c->pt, tid) == NULL)
		(void)task_from_proc(c, pid, tid, NULL);
	return 0;
}

static void
snap_star(struct task *k, void *arg)
{
	struct core *c = arg;
	char exe[PATH_MAX_BYTES];
	struct procfs_stat st;
	ssize_t n;
	bool del;

	if (k->thread)
		return;

	n = procfs_readlink(k->tgid, "exe", exe, sizeof(exe), &del);
	if (n > 0 && is_star_name(exe, (size_t)n) &&
	    procfs_read_stat(k->tgid, k->pid, &st) == 0 &&
	    is_star_name(st.comm, strlen(st.comm))) {
		k->star = k->in_tree = true;
		c->st.stars++;
	}
}

static bool
is_shim(const struct core *c, const struct task *k)
{
	struct procfs_stat st;

	(void)c;
	return procfs_read_stat(k->tgid, k->pid, &st) == 0 &&
	       strncmp(st.comm, "containerd-shim", 15) == 0;
}

struct snap_ctx {
	struct core *c;
	const struct task *containerd;
};

static void
snap_find_containerd(struct task *k, void *arg)
{
	struct snap_ctx *s = arg;
	struct procfs_stat st;

	if (k->star && procfs_read_stat(k->tgid, k->pid, &st) == 0 &&
	    strcmp(st.comm, "containerd") == 0 &&
	    (s->containerd == NULL ||
	     k->start_ticks < s->containerd->start_ticks))
		s->containerd = k;
}

/* Parent links from ppid, membership by walking up to a star. Shims that
 * were reparented to init before godo started are hung under containerd,
 * which forked them. */
static void
snap_link(struct task *k, void *arg)
{
	struct snap_ctx *s = arg;
	struct core *c = s->c;
	const struct task *p = k;
	int depth;

	if (k->thread)
		return;
	if (k->parent_id[0] == '\0') {
		struct task *parent = proctab_get(c->pt, k->ptgid);

		if (parent != NULL)
			util_strlcpy(k->parent_id, parent->id,
			             sizeof(k->parent_id));
	}
	if (k->ptgid == 1 && s->containerd != NULL && is_shim(c, k)) {
		util_strlcpy(k->parent_id, s->containerd->id,
		             sizeof(k->parent_id));
		k->in_tree = true;
		return;
	}
	for (depth = 0; p != NULL && depth < 256; depth++) {
		if (p->star || (p != k && p->in_tree)) {
			k->in_tree = true;
			return;
		}
		if (p->ptgid <= 1)
			break;
		p = proctab_get(c->pt, p->ptgid);
	}
}

static void
snap_link_shim_children(struct task *k, void *arg)
{
	struct snap_ctx *s = arg;
	const struct task *p = k;
	int depth;

	if (k->thread || k->in_tree)
		return;
	/* descendants of a hung shim */
	for (depth = 0; p != NULL && depth < 256; depth++) {
		if (p != k && p->in_tree) {
			k->in_tree = true;
			return;
		}
		if (p->ptgid <= 1)
			break;
		p = proctab_get(s->c->pt, p->ptgid);
	}
}

static void
snap_emit(struct task *k, void *arg)
{
	struct core *c = arg;
	struct exec_info x;
	struct procfs_stat st;
	char cwd[PATH_MAX_BYTES], exe[PATH_MAX_BYTES];
	ssize_t n, ncwd, nexe;
	unsigned int argc = 0;
	size_t i, start = 0;
	bool trunc = false, del;

	if (k->thread) {
		struct task *proc = proctab_get(c->pt, k->tgid);

		if (proc != NULL) {
			k->in_tree = proc->in_tree;
			memcpy(k->docker_id, proc->docker_id,
			       sizeof(k->docker_id));
		}
	} else if (recorded(c, k)) {
		char id[65];

		if (procfs_read_cgroup(k->tgid, id) == 1)
			memcpy(k->docker_id, id, sizeof(id));
	}
	if (!recorded(c, k) || k->written || k->pending)
		return;
	emit_task(c, k, "snapshot");
	k->rec_ms = 0; /* old already: written at the next tick */
	memset(&x, 0, sizeof(x));
	x.ns = k->start_ns;
	n = procfs_read_cmdline(k->tgid, c->args, sizeof(c->args), &trunc);
	for (i = 0; n > 0 && i < (size_t)n && argc < ARGS_MAX_COUNT; i++) {
		if (c->args[i] == '\0') {
			c->argv[argc++] =
			    (struct str){c->args + start, i - start};
			start = i + 1;
		}
	}
	if (n > 0 && start < (size_t)n && argc < ARGS_MAX_COUNT)
		c->argv[argc++] =
		    (struct str){c->args + start, (size_t)n - start};
	x.argv = c->argv;
	x.argc = argc;
	x.truncated = trunc;
	ncwd = procfs_readlink(k->tgid, "cwd", cwd, sizeof(cwd), &del);
	nexe = procfs_readlink(k->tgid, "exe", exe, sizeof(exe), &del);
	if (ncwd > 0)
		x.cwd = (struct str){cwd, (size_t)ncwd};
	if (nexe > 0)
		x.exe = (struct str){exe, (size_t)nexe};
	if (procfs_read_stat(k->tgid, k->pid, &st) == 0)
		x.comm =
		    (struct str){st.comm, strnlen(st.comm, sizeof(st.comm))};
	if (task_doc(k) != NULL)
		docmap_doc_info(k->doc, &x);
}

int
core_snapshot(struct core *c)
{
	struct snap_ctx s = {c, NULL};

	if (procfs_scan_tasks(snap_one, c) < 0)
		return -1;
	proctab_foreach(c->pt, snap_star, c);
	proctab_foreach(c->pt, snap_find_containerd, &s);
	proctab_foreach(c->pt, snap_link, &s);
	proctab_foreach(c->pt, snap_link_shim_children, &s);
	proctab_foreach(c->pt, snap_emit, c);
	return 0;
}
