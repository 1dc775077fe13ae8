/* rootcache.c - see rootcache.h. */
#include "rootcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"

void
rootcache_init(struct rootcache *rc)
{
	memset(rc, 0, sizeof(*rc));
}

static void
drop(struct rootcache_ent *e)
{
	if (e->live)
		(void)close(e->fd);
	e->live = false;
	e->fd = -1;
}

void
rootcache_fini(struct rootcache *rc)
{
	unsigned int i;

	for (i = 0; i < ROOTCACHE_SLOTS; i++)
		drop(&rc->e[i]);
}

void
rootcache_tick(struct rootcache *rc, uint64_t now_ms)
{
	unsigned int i;

	rc->now_ms = now_ms;
	for (i = 0; i < ROOTCACHE_SLOTS; i++)
		if (rc->e[i].live &&
		    now_ms - rc->e[i].used_ms >= ROOTCACHE_IDLE_MS)
			drop(&rc->e[i]);
}

/* The identity of what path or fd (path "" with AT_EMPTY_PATH) is: 0, or
 * 1 when the kernel gives no mount id, or -1 when it cannot be had (the
 * task gone). */
static int
identify(int dirfd, const char *path, int flags, uint64_t *mnt_id,
         uint64_t *ino)
{
	struct statx sx;

	if (statx(dirfd, path, flags, STATX_INO | STATX_MNT_ID, &sx) != 0)
		return -1;
	if (!(sx.stx_mask & STATX_MNT_ID) || !(sx.stx_mask & STATX_INO))
		return 1;
	*mnt_id = sx.stx_mnt_id;
	*ino = sx.stx_ino;
	return 0;
}

static struct rootcache_ent *
find(struct rootcache *rc, uint64_t mnt_id, uint64_t ino)
{
	unsigned int i;

	for (i = 0; i < ROOTCACHE_SLOTS; i++)
		if (rc->e[i].live && rc->e[i].mnt_id == mnt_id &&
		    rc->e[i].ino == ino)
			return &rc->e[i];
	return NULL;
}

/* A free slot, else the least recently used one, emptied. */
static struct rootcache_ent *
victim(struct rootcache *rc)
{
	struct rootcache_ent *v = &rc->e[0];
	unsigned int i;

	for (i = 0; i < ROOTCACHE_SLOTS; i++) {
		if (!rc->e[i].live)
			return &rc->e[i];
		if (rc->e[i].used_ms < v->used_ms)
			v = &rc->e[i];
	}
	drop(v);
	return v;
}

/* fd (a root just opened) as the answer, kept in a slot when it can be
 * identified and its path fits one. fd is consumed. */
static int
keep_fresh(struct rootcache *rc, int fd, char *buf, size_t cap,
           struct rootcache_ref *ref)
{
	struct rootcache_ent *e;
	uint64_t mnt_id, ino;
	ssize_t n;

	n = procfs_fd_path(fd, buf, cap);
	if (n <= 0) {
		(void)close(fd);
		return -1;
	}
	*ref = (struct rootcache_ref){fd, true, (size_t)n};
	/* the fd's own identity: the root may have changed since the
	 * statx that missed */
	if (rc == NULL || (size_t)n >= ROOTCACHE_ROOT_MAX ||
	    identify(fd, "", AT_EMPTY_PATH, &mnt_id, &ino) != 0) {
		if (rc != NULL)
			rc->st.uncached++;
		return 0;
	}
	e = find(rc, mnt_id, ino);
	if (e == NULL)
		e = victim(rc);
	else
		drop(e);
	e->fd = fd;
	e->live = true;
	e->mnt_id = mnt_id;
	e->ino = ino;
	e->used_ms = rc->now_ms;
	e->n = (size_t)n;
	memcpy(e->root, buf, (size_t)n + 1);
	ref->owned = false;
	return 0;
}

/* A fresh answer: path opened. */
static int
open_fresh(struct rootcache *rc, const char *path, char *buf, size_t cap,
           struct rootcache_ref *ref)
{
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	return keep_fresh(rc, fd, buf, cap, ref);
}

/* e (live) as the answer: 0, or -1 when its path does not fit cap. */
static int
answer(struct rootcache *rc, struct rootcache_ent *e, char *buf, size_t cap,
       struct rootcache_ref *ref)
{
	if (e->n >= cap)
		return -1;
	e->used_ms = rc->now_ms;
	memcpy(buf, e->root, e->n + 1);
	*ref = (struct rootcache_ref){e->fd, false, e->n};
	return 0;
}

/* The entry for (mnt_id, ino) as the answer: 0, or -1 when none. */
static int
hit(struct rootcache *rc, uint64_t mnt_id, uint64_t ino, char *buf, size_t cap,
    struct rootcache_ref *ref)
{
	struct rootcache_ent *e = find(rc, mnt_id, ino);

	if (e == NULL || answer(rc, e, buf, cap, ref) != 0) {
		rc->st.misses++;
		return -1;
	}
	rc->st.hits++;
	return 0;
}

int
rootcache_open(struct rootcache *rc, const char *path, char *buf, size_t cap,
               struct rootcache_ref *ref)
{
	uint64_t mnt_id, ino;
	int id;

	*ref = (struct rootcache_ref){-1, false, 0};
	if (rc == NULL)
		return open_fresh(NULL, path, buf, cap, ref);
	id = identify(AT_FDCWD, path, 0, &mnt_id, &ino);
	if (id < 0)
		return -1; /* gone: no second syscall to hear it again */
	if (id == 0 && hit(rc, mnt_id, ino, buf, cap, ref) == 0)
		return 0;
	return open_fresh(rc, path, buf, cap, ref);
}

static struct rootcache_memo *
memo_slot(struct rootcache *rc, pid_t tgid)
{
	return &rc->m[(uint32_t)tgid % ROOTCACHE_MEMO];
}

void
rootcache_forget(struct rootcache *rc, pid_t tgid)
{
	struct rootcache_memo *m = memo_slot(rc, tgid);

	if (m->tgid == tgid)
		m->tgid = 0;
}

/* tgid's root from its memo, still held open: 0, else -1. */
static int
memo_hit(struct rootcache *rc, pid_t tgid, char *buf, size_t cap,
         struct rootcache_ref *ref)
{
	struct rootcache_memo *m = memo_slot(rc, tgid);
	struct rootcache_ent *e;

	if (m->tgid != tgid || rc->now_ms - m->at_ms >= ROOTCACHE_MEMO_MS)
		return -1;
	e = find(rc, m->mnt_id, m->ino);
	if (e == NULL || answer(rc, e, buf, cap, ref) != 0)
		return -1;
	rc->st.memo_hits++;
	return 0;
}

static void
memo_put(struct rootcache *rc, pid_t tgid, uint64_t mnt_id, uint64_t ino)
{
	*memo_slot(rc, tgid) =
	    (struct rootcache_memo){tgid, mnt_id, ino, rc->now_ms};
}

/* The root through the gate: its identity first (a hit costs no
 * descriptor), then the descriptor; remembered for tgid. */
static int
open_gated(struct rootcache *rc, const struct procfs_gate *g, pid_t tgid,
           char *buf, size_t cap, struct rootcache_ref *ref)
{
	uint64_t mnt_id = 0, ino = 0;
	int fd = -1;

	if (rc != NULL) {
		if (g->root(g->arg, tgid, NULL, &mnt_id, &ino) != 0)
			return -1;
		if (mnt_id != 0) {
			memo_put(rc, tgid, mnt_id, ino);
			if (hit(rc, mnt_id, ino, buf, cap, ref) == 0)
				return 0;
		}
	}
	if (g->root(g->arg, tgid, &fd, &mnt_id, &ino) != 0 || fd < 0)
		return -1;
	return keep_fresh(rc, fd, buf, cap, ref);
}

int
rootcache_open_task(struct rootcache *rc, const char *proc_root, pid_t tgid,
                    char *buf, size_t cap, struct rootcache_ref *ref)
{
	const struct procfs_gate *g;
	char p[512];
	int n;

	*ref = (struct rootcache_ref){-1, false, 0};
	if (tgid <= 0)
		return -1;
	if (rc != NULL && memo_hit(rc, tgid, buf, cap, ref) == 0)
		return 0;
	n = snprintf(p, sizeof(p), "%s/%d/root", proc_root, (int)tgid);
	if (n < 0 || (size_t)n >= sizeof(p))
		return -1;
	if (rootcache_open(rc, p, buf, cap, ref) == 0)
		return 0;
	g = procfs_gate_for(proc_root, errno);
	if (g == NULL)
		return -1;
	return open_gated(rc, g, tgid, buf, cap, ref);
}

void
rootcache_put(struct rootcache_ref *ref)
{
	if (ref->owned && ref->fd >= 0)
		(void)close(ref->fd);
	ref->fd = -1;
	ref->owned = false;
}
