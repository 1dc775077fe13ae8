/* pathop.c - see pathop.h. */
#include "pathop.h"

#include <stdio.h>
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

/* RENAME_EXCHANGE: both names still exist, each on the other's file; the
 * held documents of either are written as they are (not joined). */
static void
rename_exchange(struct tracker *tr, struct task *k, const struct sysevent *ev,
                struct str a, struct str b)
{
	struct meta_op m = {0};

	m.op = OP_RENAME;
	m.fd = SYSEV_NO_FD;
	m.path = a;
	m.newpath = b;
	m.exchange = true;
	writeback_path_reused(tr->wb, a);
	writeback_path_reused(tr->wb, b);
	writeback_meta(tr->wb, k, ev->serial, ev->time_ns, &m);
	tr->st.ops++;
}

void
pathop_rename(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	/* pathbuf2 may be used by base_dir: the new name gets a buffer of
	 * its own. */
	char newp[PATH_MAX_BYTES + 1];
	long n1, n2;

	n1 = pathop_resolve(tr, k, ev, NT_DELETE, ev->dirfd, tr->pathbuf);
	if (n1 < 0)
		return;
	n2 = pathop_resolve(tr, k, ev, NT_CREATE, ev->dirfd2, newp);
	if (n2 < 0)
		return;
	if (ev->exchange) {
		rename_exchange(tr, k, ev,
		                (struct str){tr->pathbuf, (size_t)n1},
		                (struct str){newp, (size_t)n2});
		return;
	}
	writeback_op(tr->wb, k, OP_RENAME, ev->serial, ev->time_ns,
	             (struct str){tr->pathbuf, (size_t)n1},
	             (struct str){newp, (size_t)n2});
	writeback_path_reused(tr->wb, (struct str){newp, (size_t)n2});
	tr->st.ops++;
}

void
pathop_unlink(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	long n = pathop_resolve(tr, k, ev, NT_DELETE, ev->dirfd, tr->pathbuf);

	if (n < 0)
		return;
	writeback_op(tr->wb, k, OP_UNLINK, ev->serial, ev->time_ns,
	             (struct str){tr->pathbuf, (size_t)n},
	             (struct str){NULL, 0});
	tr->st.ops++;
}

void
pathop_truncate(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	struct fdent *e;
	long n;

	if (ev->npath == 0) { /* ftruncate(fd): a change to an open file */
		e = fdtab_route(tr->ft, k->tgid, (int32_t)(uint32_t)ev->a[0],
		                ev->serial);
		if (e != NULL && e->file != NULL) {
			fdtab_count_write(e->file, ev->time_ns, 0);
			fdtab_note_writer(e->file, k);
		}
		return;
	}
	n = pathop_resolve(tr, k, ev, -1, SYSEV_AT_FDCWD, tr->pathbuf);
	if (n >= 0)
		writeback_op(tr->wb, k, OP_TRUNCATE, ev->serial, ev->time_ns,
		             (struct str){tr->pathbuf, (size_t)n},
		             (struct str){NULL, 0});
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
static struct str
meta_path(struct tracker *tr, const struct task *k, const struct sysevent *ev,
          int want, int dirfd)
{
	struct fdent *e;
	long n;

	if (ev->fd != SYSEV_NO_FD) {
		e = fdtab_route(tr->ft, k->tgid, ev->fd, ev->serial);
		return e != NULL ? (struct str){e->path, e->pathlen}
		                 : (struct str){NULL, 0};
	}
	n = pathop_resolve(tr, k, ev, want, dirfd, tr->pathbuf);
	return n >= 0 ? (struct str){tr->pathbuf, (size_t)n}
	              : (struct str){NULL, 0};
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

/* A bind mount's source: the second item (the first is the target); a
 * filesystem's source string is a user pointer, in no record. */
static struct str
mount_source(struct tracker *tr, const struct task *k,
             const struct sysevent *ev, char *out)
{
	const struct sysev_path *p = nth_item(ev, NT_NORMAL, 1);
	long n;

	if (p == NULL)
		return (struct str){NULL, 0};
	n = resolve_item(tr, k, ev, p, SYSEV_AT_FDCWD, out);
	return n >= 0 ? (struct str){out, (size_t)n} : (struct str){NULL, 0};
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
	/* pathbuf2 may be used by base_dir: a link's target gets its own */
	char target[PATH_MAX_BYTES + 1], fmode[160];
	struct meta_op m = {0};
	bool creates;
	long n;

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
			m.source = mount_source(tr, k, ev, target);
		break;
	case SYSEV_OPEN_BY_HANDLE:
		open_by_handle(ev, &m);
		break;
	case SYSEV_SYMLINK: /* its content, as given: never resolved */
		m.target = item_name(ev, NT_UNKNOWN);
		break;
	case SYSEV_LINK:
		n = pathop_resolve(tr, k, ev, NT_NORMAL, ev->dirfd, target);
		if (n >= 0)
			m.target = (struct str){target, (size_t)n};
		break;
	default:
		break;
	}
	if (ev->kind == SYSEV_LINK)
		m.path = meta_path(tr, k, ev, NT_CREATE, ev->dirfd2);
	else if (ev->kind == SYSEV_OPEN_BY_HANDLE)
		m.path = (struct str){NULL, 0};
	else
		m.path = meta_path(tr, k, ev,
		                   creates                   ? NT_CREATE
		                   : ev->kind == SYSEV_RMDIR ? NT_DELETE
		                                             : -1,
		                   ev->dirfd);
	if (m.path.p == NULL && m.fd < 0)
		return; /* nothing says which file */
	writeback_meta(tr->wb, k, ev->serial, ev->time_ns, &m);
	if (creates && m.path.p != NULL)
		writeback_path_reused(tr->wb, m.path);
	tr->st.ops++;
}
