/* pathop.c - see pathop.h. */
#include "pathop.h"

#include <stdio.h>

#include "path.h"
#include "procfs.h"

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
