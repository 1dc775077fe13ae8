/* pathres.c - see pathres.h. */
#include "pathres.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "log.h"
#include "path.h"
#include "procfs.h"

/* Symlinks and ".." stay inside the root; /proc's magic links (fd/N,
 * root, cwd of another task) are refused outright. */
#define PATHRES_RESOLVE (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
#define PATHRES_BUF (PATH_MAX_BYTES + 1)
#define PATHRES_NAME_MAX 255

/* ---- the pure parts ---- */

static bool
is_child_item(const struct sysev_path *p)
{
	return p->nametype == NT_CREATE || p->nametype == NT_DELETE;
}

const struct sysev_path *
pathres_parent_of(const struct sysevent *ev, const struct sysev_path *item)
{
	unsigned int i, nth = 0, parents = 0;

	if (!is_child_item(item))
		return NULL;
	for (i = 0; i < ev->npath && &ev->path[i] != item; i++)
		if (is_child_item(&ev->path[i]))
			nth++;
	if (i == ev->npath)
		return NULL; /* not one of ev's items */
	for (i = 0; i < ev->npath; i++) {
		if (ev->path[i].nametype != NT_PARENT)
			continue;
		if (parents++ == nth)
			return &ev->path[i];
	}
	return NULL;
}

long
pathres_join(struct str base, struct str name, char *out, size_t cap)
{
	size_t n = 0;

	if (name.n > 0 && name.p[0] == '/') {
		base = (struct str){NULL, 0};
	} else if (base.p == NULL || base.n == 0 || base.p[0] != '/') {
		return -1;
	}
	if (base.n + 1 + name.n + 1 > cap)
		return -1;
	if (base.n > 0) {
		memcpy(out, base.p, base.n);
		n = base.n;
		if (out[n - 1] != '/')
			out[n++] = '/';
	}
	if (name.n > 0)
		memcpy(out + n, name.p, name.n);
	n += name.n;
	out[n] = '\0';
	return (long)n;
}

void
pathres_split(struct str p, struct str *dir, struct str *last)
{
	size_t end = p.n, slash;

	while (end > 1 && p.p[end - 1] == '/')
		end--;
	slash = end;
	while (slash > 0 && p.p[slash - 1] != '/')
		slash--;
	*last = (struct str){p.p + slash, end - slash};
	/* the directory: up to the slash before last, its own trailing
	 * slashes dropped, "/" at least */
	while (slash > 1 && p.p[slash - 1] == '/')
		slash--;
	*dir = (struct str){p.p, slash > 0 ? slash : 0};
	if (end == 1 && p.n > 0 && p.p[0] == '/')
		*last = (struct str){p.p + 1, 0}; /* "/" itself */
}

long
pathres_under_root(struct str root, struct str p, char *out, size_t cap)
{
	struct str rest = p;

	if (!(root.n == 1 && root.p[0] == '/')) {
		if (p.n < root.n || memcmp(p.p, root.p, root.n) != 0 ||
		    (p.n > root.n && p.p[root.n] != '/'))
			return -1;
		rest = (struct str){p.p + root.n, p.n - root.n};
	}
	if (rest.n == 0)
		rest = (struct str){"/", 1};
	if (rest.n + 1 > cap || rest.p[0] != '/')
		return -1;
	memmove(out, rest.p, rest.n);
	out[rest.n] = '\0';
	return (long)rest.n;
}

/* ---- the kernel's answers ---- */

static bool
same_file(const struct stat *st, const struct sysev_path *it)
{
	return it->inode != 0 && st->st_ino == it->inode &&
	       major(st->st_dev) == it->dev_major &&
	       minor(st->st_dev) == it->dev_minor;
}

/* p under rootfd (p absolute: from the root), O_PATH. -1 when it cannot
 * be opened (gone, a magic link, a loop, a name too long). */
static int
open_in(int rootfd, const char *p, uint64_t flags)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = flags | O_PATH | O_CLOEXEC;
	how.resolve = PATHRES_RESOLVE;
	return (int)syscall(SYS_openat2, rootfd, p, &how, sizeof(how));
}

/* fd's path as the kernel prints it from godo's root, NUL-terminated in
 * out (PATHRES_BUF); -1 when it is not a plain path (unlinked, too long). */
static long
fd_path(int fd, char *out)
{
	return (long)procfs_fd_path(fd, out, PATHRES_BUF);
}

/* The object itself: not followed first (lchown, an O_PATH open, the
 * file a name ends in), followed when the record's inode is a symlink's
 * target. Its path into out; -1 when it is not the item's inode. */
static long
by_object(int rootfd, const char *p, const struct sysev_path *it, char *out)
{
	struct stat st;
	long n = -1;
	int fd = open_in(rootfd, p, O_NOFOLLOW);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && !same_file(&st, it) && S_ISLNK(st.st_mode)) {
		close(fd);
		fd = open_in(rootfd, p, 0);
		if (fd < 0)
			return -1;
		if (fstat(fd, &st) != 0)
			st.st_ino = 0;
	}
	if (same_file(&st, it))
		n = fd_path(fd, out);
	close(fd);
	return n;
}

/* A created or removed name: the directory must be the PARENT item's;
 * the name is then the kernel's own, unless a CREATE item is now another
 * file (or a symlink the kernel followed: then the object decides). */
static long
by_parent(int rootfd, const char *p, size_t plen, const struct sysev_path *it,
          const struct sysev_path *parent, char *out)
{
	char dir[PATHRES_BUF], last[PATHRES_NAME_MAX + 1];
	struct str d, l;
	struct stat st;
	long n = -1;
	int dfd;

	pathres_split((struct str){p, plen}, &d, &l);
	if (l.n == 0 || l.n > PATHRES_NAME_MAX || d.n == 0)
		return -1;
	memcpy(dir, d.p, d.n);
	dir[d.n] = '\0';
	memcpy(last, l.p, l.n);
	last[l.n] = '\0';
	dfd = open_in(rootfd, dir, O_DIRECTORY);
	if (dfd < 0)
		return -1;
	if (fstat(dfd, &st) != 0 || !same_file(&st, parent))
		goto out;
	if (it->nametype == NT_CREATE) {
		if (fstatat(dfd, last, &st, AT_SYMLINK_NOFOLLOW) != 0)
			goto out; /* gone since */
		if (!same_file(&st, it)) {
			/* O_CREAT through a dangling symlink made its target */
			if (S_ISLNK(st.st_mode))
				n = by_object(rootfd, p, it, out);
			goto out;
		}
	}
	n = fd_path(dfd, out);
	if (n < 0 || (size_t)n + 1 + l.n + 1 > PATHRES_BUF) {
		n = -1;
		goto out;
	}
	if (out[n - 1] != '/')
		out[n++] = '/';
	memcpy(out + n, last, l.n + 1);
	n += (long)l.n;
out:
	close(dfd);
	return n;
}

/* A task's root: <proc_root>/<tgid>/root, opened (its magic link
 * followed once, by godo, to the kernel's object) or found open in the
 * cache, its printed path in root. -1 when the task is gone. */
static int
open_root1(const struct pathres_req *req, pid_t tgid, char *root,
           struct rootcache_ref *ref)
{
	return rootcache_open_task(req->roots, req->proc_root, tgid, root,
	                           PATHRES_BUF, ref);
}

/* req's task's root, else the first of its alternatives that lives. */
static int
open_root(const struct pathres_req *req, char *root, struct rootcache_ref *ref)
{
	unsigned int i;

	if (open_root1(req, req->tgid, root, ref) == 0)
		return 0;
	for (i = 0; i < PATHRES_ALT && req->alt[i] > 0; i++)
		if (open_root1(req, req->alt[i], root, ref) == 0)
			return 0;
	return -1;
}

/* The confirmed path of req's item into out; -1 when not confirmed
 * (*no_root: because no candidate's root could be opened). */
static long
confirm(const struct pathres_req *req, char *out, bool *no_root)
{
	char joined[PATHRES_BUF], root[PATHRES_BUF], got[PATHRES_BUF];
	const struct sysev_path *parent;
	struct rootcache_ref ref;
	long jn, n = -1;

	if (req->item->inode == 0)
		return -1;
	jn = pathres_join(req->base, req->item->name, joined, sizeof(joined));
	if (jn <= 0 || memchr(joined, '\0', (size_t)jn) != NULL)
		return -1;
	if (open_root(req, root, &ref) != 0) {
		*no_root = true;
		return -1;
	}
	parent = pathres_parent_of(req->ev, req->item);
	n = parent != NULL && parent->inode != 0
	        ? by_parent(ref.fd, joined, (size_t)jn, req->item, parent, got)
	        : by_object(ref.fd, joined, req->item, got);
	if (n > 0)
		n = pathres_under_root((struct str){root, ref.n},
		                       (struct str){got, (size_t)n}, out,
		                       PATHRES_BUF);
	rootcache_put(&ref);
	return n;
}

int
pathres_resolve(const struct pathres_req *req, char *out, char *rawbuf,
                struct pathres_ans *ans)
{
	const struct sysev_path *it = req->item;
	struct str base = req->base;
	long nlex, n;

	memset(ans, 0, sizeof(*ans));
	if (it->inode != 0) {
		ans->has_inode = true;
		ans->inode = it->inode;
		ans->dev_major = it->dev_major;
		ans->dev_minor = it->dev_minor;
	}
	if (it->name.n > 0 && it->name.p[0] == '/')
		base = (struct str){NULL, 0};
	else if (base.p == NULL || base.n == 0 || base.p[0] != '/') {
		/* "<too_long>", or no cwd at all: the name is kept as given,
		 * relative, and marked */
		if (it->name.n >= PATHRES_BUF) {
			log_debug("pathres: pid %d: name too long",
			          (int)req->tgid);
			return -1;
		}
		memcpy(rawbuf, it->name.p, it->name.n);
		rawbuf[it->name.n] = '\0';
		ans->path = (struct str){rawbuf, it->name.n};
		ans->unverified = true;
		ans->no_base = true;
		return 0;
	}
	nlex = path_resolve(base.p, base.n, it->name.p, it->name.n, rawbuf,
	                    PATHRES_BUF);
	if (nlex < 0) {
		log_debug("pathres: pid %d: name too long", (int)req->tgid);
		return -1;
	}
	ans->path = (struct str){rawbuf, (size_t)nlex};
	ans->unverified = true;
	n = confirm(req, out, &ans->no_root);
	if (n <= 0)
		return 0;
	ans->path = (struct str){out, (size_t)n};
	ans->unverified = false;
	if (n != nlex || memcmp(out, rawbuf, (size_t)n) != 0)
		ans->raw = (struct str){rawbuf, (size_t)nlex};
	return 0;
}
