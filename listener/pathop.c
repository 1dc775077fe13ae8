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

long
pathop_resolve(struct tracker *tr, const struct task *k,
               const struct sysevent *ev, int want, int dirfd, char *out)
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
		           : base_dir(tr, k, ev, dirfd);
		return path_resolve(base.p, base.n, p->name.p, p->name.n, out,
		                    PATH_MAX_BYTES + 1);
	}
	return -1;
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
		if (e != NULL && e->file != NULL)
			fdtab_count_write(e->file, ev->time_ns, 0);
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
    [SYSEV_CHMOD] = OP_CHMOD,       [SYSEV_CHOWN] = OP_CHOWN,
    [SYSEV_SETXATTR] = OP_SETXATTR, [SYSEV_REMOVEXATTR] = OP_REMOVEXATTR,
    [SYSEV_UTIMES] = OP_UTIMES,     [SYSEV_LINK] = OP_LINK,
    [SYSEV_SYMLINK] = OP_SYMLINK,   [SYSEV_MKDIR] = OP_MKDIR,
    [SYSEV_RMDIR] = OP_RMDIR,       [SYSEV_MKNOD] = OP_MKNOD,
};

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

void
pathop_meta(struct tracker *tr, struct task *k, const struct sysevent *ev)
{
	/* pathbuf2 may be used by base_dir: a link's target gets its own */
	char target[PATH_MAX_BYTES + 1];
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
