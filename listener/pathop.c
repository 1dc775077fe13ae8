/* pathop.c - see pathop.h. */
#include "pathop.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "path.h"
#include "procfs.h"
#include "schema.h"

/* The directory a relative name in an *at() call is resolved against. */
static struct str
base_dir(struct tracker *tr, const struct task *k, const struct sysevent *ev,
         int dirfd)
{
	struct fdent *d;
	ssize_t n;
	char what[32];
	bool del;

	if (dirfd == SYSEV_AT_FDCWD)
		return ev->cwd;
	d = fdtab_get(tr->ft, k->tgid, dirfd);
	if (d != NULL)
		return (struct str){d->path, d->pathlen};
	/* Not seen opening it (older than godo): the link, if still there. */
	snprintf(what, sizeof(what), "fd/%d", dirfd);
	n = procfs_readlink(tr->o.proc_root, k->tgid, what, tr->pathbuf2,
	                    sizeof(tr->pathbuf2), &del);
	if (n > 0 && tr->pathbuf2[0] == '/')
		return (struct str){tr->pathbuf2, (size_t)n};
	return ev->cwd;
}

/* Item p's name resolved against dirfd into out, as pathop_resolve. */
static long
resolve_item(struct tracker *tr, const struct task *k,
             const struct sysevent *ev, const struct sysev_path *p, int dirfd,
             char *out)
{
	struct str base = (p->name.n > 0 && p->name.p[0] == '/')
	                      ? (struct str){NULL, 0}
	                      : base_dir(tr, k, ev, dirfd);

	return path_resolve(base.p, base.n, p->name.p, p->name.n, out,
	                    PATH_MAX_BYTES + 1);
}

/* ev's nth named item of nametype want (< 0: any but PARENT), NULL when
 * there are fewer. */
static const struct sysev_path *
nth_item(const struct sysevent *ev, int want, unsigned int nth)
{
	unsigned int i;

	for (i = 0; i < ev->npath; i++) {
		const struct sysev_path *p = &ev->path[i];

		if (!p->has_name || p->nametype == NT_PARENT)
			continue;
		if (want >= 0 && (int)p->nametype != want)
			continue;
		if (nth-- == 0)
			return p;
	}
	return NULL;
}

long
pathop_resolve(struct tracker *tr, const struct task *k,
               const struct sysevent *ev, int want, int dirfd, char *out)
{
	const struct sysev_path *p = nth_item(ev, want, 0);

	return p != NULL ? resolve_item(tr, k, ev, p, dirfd, out) : -1;
}

/* Tasks with k's root, for when k has exited by the time godo reads its
 * events (a tool run by a shell): its nearest living ancestors in the
 * same container - whose processes share its root - never a task
 * outside it (a container's path is never resolved under another root;
 * the inode check would refuse the answer anyway). */
static void
root_alts(struct tracker *tr, const struct task *k, pid_t alt[PATHRES_ALT])
{
	const struct task *p = k;
	unsigned int n = 0, hops;

	if (k->docker_id[0] == '\0')
		return;
	for (hops = 0; n < PATHRES_ALT && hops < 8; hops++) {
		p = proctab_get(tr->pt, p->ptgid);
		if (p == NULL || p->tgid == k->tgid ||
		    strcmp(p->docker_id, k->docker_id) != 0)
			return;
		if (!p->exited)
			alt[n++] = p->tgid;
	}
}

struct alt_scan {
	const struct task *k;
	pid_t *alt;
	uint64_t start[PATHRES_ALT];
	unsigned int n;
};

/* Keeps the PATHRES_ALT oldest living processes of k's container: the
 * oldest (its init) are the likeliest to live on. */
static void
alt_visit(struct task *t, void *arg)
{
	struct alt_scan *s = arg;
	unsigned int i, at;

	if (t->exited || t->thread || t->tgid == s->k->tgid ||
	    strcmp(t->docker_id, s->k->docker_id) != 0)
		return;
	for (at = 0; at < s->n && s->start[at] <= t->start_ticks; at++)
		;
	if (at == PATHRES_ALT)
		return;
	for (i = s->n < PATHRES_ALT ? s->n : PATHRES_ALT - 1; i > at; i--) {
		s->alt[i] = s->alt[i - 1];
		s->start[i] = s->start[i - 1];
	}
	s->alt[at] = t->tgid;
	s->start[at] = t->start_ticks;
	if (s->n < PATHRES_ALT)
		s->n++;
}

/* alt: the oldest living processes of k's container (a scan of the task
 * table, only when k and its ancestors are gone). false when none. */
static bool
container_alts(struct tracker *tr, const struct task *k, pid_t alt[PATHRES_ALT])
{
	struct alt_scan s = {.k = k, .alt = alt};

	if (k->docker_id[0] == '\0')
		return false;
	memset(alt, 0, PATHRES_ALT * sizeof(*alt));
	proctab_foreach(tr->pt, alt_visit, &s);
	return s.n > 0;
}

/* Item p (NULL: none, -1) resolved for a document, as
 * pathop_resolve_doc. */
static int
resolve_doc_item(struct tracker *tr, const struct task *k,
                 const struct sysevent *ev, const struct sysev_path *p,
                 int dirfd, char *out, char *raw, struct pathres_ans *ans)
{
	struct pathres_req rq = {0};

	rq.proc_root = tr->o.proc_root;
	rq.roots = &tr->roots;
	rq.tgid = k->tgid;
	rq.ev = ev;
	rq.item = p;
	memset(ans, 0, sizeof(*ans));
	if (p == NULL)
		return -1;
	if (!(p->name.n > 0 && p->name.p[0] == '/'))
		rq.base = base_dir(tr, k, ev, dirfd);
	if (k->exited)
		rq.tgid = 0; /* its pid may be another's now */
	root_alts(tr, k, rq.alt);
	if (pathres_resolve(&rq, out, raw, ans) != 0)
		return -1;
	/* its shell gone too (godo reads events late under load): any
	 * living process of the container */
	if (ans->no_root && container_alts(tr, k, rq.alt)) {
		rq.tgid = 0;
		return pathres_resolve(&rq, out, raw, ans);
	}
	return 0;
}

int
pathop_resolve_doc(struct tracker *tr, const struct task *k,
                   const struct sysevent *ev, int want, int dirfd, char *out,
                   char *raw, struct pathres_ans *ans)
{
	return resolve_doc_item(tr, k, ev, nth_item(ev, want, 0), dirfd, out,
	                        raw, ans);
}

/* What resolution found, into a meta_op's fields for its filename. */
static void
apply_ans(struct meta_op *m, const struct pathres_ans *a)
{
	m->path = a->path;
	m->raw_path = a->raw;
	m->path_unverified = a->unverified;
	m->cwd_unknown = a->no_base;
	if (a->has_inode && !m->has_inode) {
		m->has_inode = true;
		m->inode = a->inode;
		m->dev_major = a->dev_major;
		m->dev_minor = a->dev_minor;
	}
}

/* RENAME_EXCHANGE: both names still exist, each on the other's file; the
 * held documents of either are written as they are (not joined). */
/* A rename, unlink or truncate with what its paths' resolution found:
 * joined to a held file's document (not an exchange: writeback_op_meta
 * joins no truncate either), else its own. */
static void
op_doc(struct tracker *tr, struct task *k, const struct sysevent *ev,
       const char *op, const struct pathres_ans *a, const struct pathres_ans *b)
{
	struct meta_op m = {0};

	m.op = op;
	m.fd = SYSEV_NO_FD;
	apply_ans(&m, a);
	if (b != NULL) {
		m.newpath = b->path;
		m.new_raw_path = b->raw;
		m.new_path_unverified = b->unverified;
		m.exchange = ev->exchange;
	}
	writeback_op_meta(tr->wb, k, ev->serial, ev->time_ns, &m);
	tr->st.ops++;
}

void
pathop_rename(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	/* pathbuf2 may be used by base_dir: the new name gets a buffer of
	 * its own, the names as given theirs. */
	char newp[PATH_MAX_BYTES + 1], raw1[PATH_MAX_BYTES + 1],
	    raw2[PATH_MAX_BYTES + 1];
	struct pathres_ans a1, a2;

	if (pathop_resolve_doc(tr, k, ev, NT_DELETE, ev->dirfd, tr->pathbuf,
	                       raw1, &a1) != 0 ||
	    pathop_resolve_doc(tr, k, ev, NT_CREATE, ev->dirfd2, newp, raw2,
	                       &a2) != 0)
		return;
	if (ev->exchange) { /* held documents of either are written as they
		             * are (not joined) */
		writeback_path_reused(tr->wb, a1.path);
		writeback_path_reused(tr->wb, a2.path);
		op_doc(tr, k, ev, OP_RENAME, &a1, &a2);
		return;
	}
	op_doc(tr, k, ev, OP_RENAME, &a1, &a2);
	writeback_path_reused(tr->wb, a2.path);
}

void
pathop_unlink(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	char raw[PATH_MAX_BYTES + 1];
	struct pathres_ans a;

	if (pathop_resolve_doc(tr, k, ev, NT_DELETE, ev->dirfd, tr->pathbuf,
	                       raw, &a) != 0)
		return;
	op_doc(tr, k, ev, OP_UNLINK, &a, NULL);
}

void
pathop_truncate(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	char raw[PATH_MAX_BYTES + 1];
	struct pathres_ans a;
	struct fdent *e;

	if (ev->npath == 0) { /* ftruncate(fd): a change to an open file */
		e = fdtab_route(tr->ft, k->tgid, (int32_t)(uint32_t)ev->a[0],
		                ev->serial);
		if (e != NULL && e->file != NULL) {
			fdtab_count_write(e->file, ev->time_ns, 0);
			fdtab_note_writer(e->file, k);
		}
		return;
	}
	/* never joined to a held document: its own, with what resolution
	 * found */
	if (pathop_resolve_doc(tr, k, ev, -1, SYSEV_AT_FDCWD, tr->pathbuf, raw,
	                       &a) == 0)
		op_doc(tr, k, ev, OP_TRUNCATE, &a, NULL);
}

/* ---- metadata and namespace operations ---- */

static const char *const meta_ops[] = {
    [SYSEV_CHMOD] = OP_CHMOD,
    [SYSEV_CHOWN] = OP_CHOWN,
    [SYSEV_SETXATTR] = OP_SETXATTR,
    [SYSEV_REMOVEXATTR] = OP_REMOVEXATTR,
    [SYSEV_UTIMES] = OP_UTIMES,
    [SYSEV_LINK] = OP_LINK,
    [SYSEV_SYMLINK] = OP_SYMLINK,
    [SYSEV_MKDIR] = OP_MKDIR,
    [SYSEV_RMDIR] = OP_RMDIR,
    [SYSEV_MKNOD] = OP_MKNOD,
    [SYSEV_FALLOCATE] = OP_FALLOCATE,
    [SYSEV_MOUNT] = OP_MOUNT,
    [SYSEV_UMOUNT] = OP_UMOUNT,
    [SYSEV_OPEN_BY_HANDLE] = OP_OPEN_BY_HANDLE,
};

/* fallocate's mode bits that change what the file holds or where
 * (linux/falloc.h); mode 0 and keep-size alone only preallocate. */
#define FALLOC_CHANGES 0xfau
static const char *const falloc_names[] = {
    "keep-size",  "punch-hole",   "no-hide-stale", "collapse-range",
    "zero-range", "insert-range", "unshare-range", "write-zeroes",
};

/* mode's bits by name, comma-separated, into buf (unknown bits as hex). */
static const char *
falloc_mode_name(uint64_t mode, char *buf, size_t cap)
{
	size_t i, n = 0;
	int len;

	buf[0] = '\0';
	for (i = 0; i < sizeof(falloc_names) / sizeof(falloc_names[0]); i++) {
		if ((mode & (1u << i)) == 0)
			continue;
		len = snprintf(buf + n, cap - n, "%s%s", n ? "," : "",
		               falloc_names[i]);
		if (len < 0 || (size_t)len >= cap - n)
			return buf;
		n += (size_t)len;
	}
	if ((mode >> i) != 0)
		(void)snprintf(buf + n, cap - n, "%s0x%llx", n ? "," : "",
		               (unsigned long long)(mode >> i << i));
	return buf;
}

/* mknod's file type; mode 0 type makes a regular file (mknod(2)). */
static const char *
node_type(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO:
		return "fifo";
	case S_IFCHR:
		return "char";
	case S_IFBLK:
		return "block";
	case S_IFSOCK:
		return "socket";
	default:
		return "file";
	}
}

/* The raw name of ev's first PATH item of nametype nt (a symlink's
 * content is an item the kernel could not type). */
static struct str
item_name(const struct sysevent *ev, enum sysev_nametype nt)
{
	unsigned int i;

	for (i = 0; i < ev->npath; i++)
		if (ev->path[i].has_name && ev->path[i].nametype == nt)
			return ev->path[i].name;
	return (struct str){NULL, 0};
}

/* The subject's path: the PATH item (of nametype want, < 0: any but
 * PARENT) resolved against dirfd into tr->pathbuf, or for an fd variant
 * its open-file session's (borrowed from the fd table). */
static void
meta_path(struct tracker *tr, const struct task *k, const struct sysevent *ev,
          int want, int dirfd, struct meta_op *m, char *raw)
{
	struct pathres_ans a;
	struct fdent *e;

	if (ev->fd != SYSEV_NO_FD) {
		e = fdtab_route(tr->ft, k->tgid, ev->fd, ev->serial);
		if (e == NULL)
			return;
		m->path = (struct str){e->path, e->pathlen};
		if (e->file != NULL) /* the session's name, as resolved */
			m->path_unverified = e->file->path_unverified;
		return;
	}
	if (pathop_resolve_doc(tr, k, ev, want, dirfd, tr->pathbuf, raw, &a) ==
	    0)
		apply_ans(m, &a);
}

/* linkat of an O_TMPFILE file (its fd as "" with AT_EMPTY_PATH, or
 * /proc/self/fd/N followed): the fd's number, else -1. */
static int
tmpfile_fd(const struct sysevent *ev)
{
	const struct sysev_path *p = nth_item(ev, NT_NORMAL, 0);
	static const char *const pre[] = {"/proc/self/fd/",
	                                  "/proc/thread-self/fd/"};
	uint64_t fd;
	size_t i;

	if (p == NULL)
		return -1;
	if (p->name.n == 0)
		return ev->dirfd >= 0 ? ev->dirfd : -1;
	for (i = 0; i < sizeof(pre) / sizeof(pre[0]); i++) {
		size_t n = strlen(pre[i]);

		if (p->name.n > n && memcmp(p->name.p, pre[i], n) == 0 &&
		    util_parse_u64((struct str){p->name.p + n, p->name.n - n},
		                   10, 0, INT32_MAX, &fd) == 0)
			return (int)fd;
	}
	return -1;
}

/* An O_TMPFILE file linked into place takes the link's name. */
static void
tmpfile_linked(struct tracker *tr, const struct task *k,
               const struct sysevent *ev, const struct meta_op *m)
{
	int fd = tmpfile_fd(ev);
	struct fdent *e;

	if (fd < 0 || m->path.p == NULL)
		return;
	e = fdtab_route(tr->ft, k->tgid, fd, ev->serial);
	if (e == NULL || e->file == NULL || !e->file->tmpfile)
		return;
	if (fdtab_file_set_names(tr->ft, e->file, m->path, m->raw_path) != 0)
		return;
	e->file->path_unverified = m->path_unverified;
	e->file->dirty = true;
}

/* A device node's major:minor, from its CREATE item. */
static void
node_rdev(const struct sysevent *ev, struct meta_op *m)
{
	const struct sysev_path *p = nth_item(ev, NT_CREATE, 0);
	uint32_t t = ev->mode & S_IFMT;

	if (p == NULL || (t != S_IFCHR && t != S_IFBLK))
		return;
	m->has_rdev = true;
	m->rdev_major = p->rdev_major;
	m->rdev_minor = p->rdev_minor;
}

/* A bind mount's source: the second item (the first is the target),
 * resolved and confirmed as a filename is; a filesystem's source string
 * is a user pointer, in no record. */
static void
mount_source(struct tracker *tr, const struct task *k,
             const struct sysevent *ev, char *out, char *raw, struct meta_op *m)
{
	struct pathres_ans a;

	if (resolve_doc_item(tr, k, ev, nth_item(ev, NT_NORMAL, 1),
	                     SYSEV_AT_FDCWD, out, raw, &a) != 0)
		return;
	m->source = a.path;
	m->source_raw = a.raw;
	m->source_unverified = a.unverified;
}

/* A link's target (the existing name), resolved and confirmed as a
 * filename is. */
static void
link_target(struct tracker *tr, const struct task *k, const struct sysevent *ev,
            char *out, char *raw, struct meta_op *m)
{
	struct pathres_ans a;

	if (pathop_resolve_doc(tr, k, ev, NT_NORMAL, ev->dirfd, out, raw, &a) !=
	    0)
		return;
	m->target = a.path;
	m->target_raw = a.raw;
	m->target_unverified = a.unverified;
}

/* open_by_handle_at names no path: the new fd, its open flags and the
 * inode the kernel logged. */
static void
open_by_handle(const struct sysevent *ev, struct meta_op *m)
{
	if (ev->has_exit && ev->exit >= 0 && ev->exit <= INT32_MAX)
		m->fd = (int32_t)ev->exit;
	m->has_flags = true;
	m->flags = (int64_t)ev->open_flags;
	if (ev->npath > 0) {
		m->has_inode = true;
		m->inode = ev->path[0].inode;
		m->dev_major = ev->path[0].dev_major;
		m->dev_minor = ev->path[0].dev_minor;
	}
}

void
pathop_meta(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	/* pathbuf2 may be used by base_dir: a link's target (a bind's
	 * source) and its name as given get their own */
	char target[PATH_MAX_BYTES + 1], traw[PATH_MAX_BYTES + 1],
	    raw[PATH_MAX_BYTES + 1], fmode[160];
	struct meta_op m = {0};
	bool creates;

	if ((size_t)ev->kind >= sizeof(meta_ops) / sizeof(meta_ops[0]) ||
	    meta_ops[ev->kind] == NULL)
		return;
	m.op = meta_ops[ev->kind];
	m.fd = ev->fd;
	m.has_mode = ev->has_mode;
	m.mode = ev->mode & 07777;
	creates = ev->kind == SYSEV_LINK || ev->kind == SYSEV_SYMLINK ||
	          ev->kind == SYSEV_MKNOD || ev->kind == SYSEV_MKDIR;
	switch (ev->kind) {
	case SYSEV_CHOWN:
		m.has_ids = true;
		m.uid = ev->uid;
		m.gid = ev->gid;
		break;
	case SYSEV_MKNOD:
		m.type = node_type(ev->mode);
		node_rdev(ev, &m);
		break;
	case SYSEV_FALLOCATE:
		if ((ev->op_flags & FALLOC_CHANGES) == 0)
			return; /* preallocation: nothing changed */
		m.falloc_mode =
		    falloc_mode_name(ev->op_flags, fmode, sizeof(fmode));
		m.has_range = true;
		m.offset = (int64_t)ev->a[2];
		m.length = (int64_t)ev->a[3];
		break;
	case SYSEV_MOUNT:
	case SYSEV_UMOUNT:
		m.has_flags = true;
		m.flags = (int64_t)ev->op_flags;
		if (ev->kind == SYSEV_MOUNT)
			mount_source(tr, k, ev, target, traw, &m);
		break;
	case SYSEV_OPEN_BY_HANDLE:
		open_by_handle(ev, &m);
		break;
	case SYSEV_SYMLINK: /* its content, as given: never resolved */
		m.target = item_name(ev, NT_UNKNOWN);
		break;
	case SYSEV_LINK:
		link_target(tr, k, ev, target, traw, &m);
		break;
	default:
		break;
	}
	if (ev->kind == SYSEV_LINK) {
		meta_path(tr, k, ev, NT_CREATE, ev->dirfd2, &m, raw);
		tmpfile_linked(tr, k, ev, &m);
	} else if (ev->kind != SYSEV_OPEN_BY_HANDLE) {
		meta_path(tr, k, ev,
		          creates                   ? NT_CREATE
		          : ev->kind == SYSEV_RMDIR ? NT_DELETE
		                                    : -1,
		          ev->dirfd, &m, raw);
	}
	if (m.path.p == NULL && m.fd < 0)
		return; /* nothing says which file */
	writeback_meta(tr->wb, k, ev->serial, ev->time_ns, &m);
	if (creates && m.path.p != NULL)
		writeback_path_reused(tr->wb, m.path);
	tr->st.ops++;
}
