/* fdtab.c - see fdtab.h. Entries are allocated per open (an open is far
 * rarer than a write) and bounded by cap. */
#include "fdtab.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proctab.h"
#include "reasm.h"

#define FDTAB_BUCKETS 65536

struct fdtab {
	struct fdent *bucket[FDTAB_BUCKETS];
	struct fdtab_stats st;
	fdtab_closed_fn *closed;
	void *arg;
};

static uint32_t
hash_fd(int32_t tgid, int32_t fd)
{
	return (((uint32_t)tgid * 2654435761u) ^ ((uint32_t)fd * 40503u)) &
	       (FDTAB_BUCKETS - 1);
}

static void
free_file(struct openfile *f)
{
	free(f->path);
	free(f);
}

/* Frees an entry and its open file's reference, without any callback. */
static void
free_entry(struct fdent *e)
{
	if (e->file != NULL && --e->file->refs == 0)
		free_file(e->file);
	free(e->path);
	free(e);
}

struct fdtab *
fdtab_new(uint32_t cap, fdtab_closed_fn *closed, void *arg)
{
	struct fdtab *t = calloc(1, sizeof(*t));

	if (t != NULL) {
		t->st.cap = cap;
		t->closed = closed;
		t->arg = arg;
		return t;
	}
	log_warn("fdtab: calloc");
	return NULL;
}

/* An entry in the hash and the shadow behind it. */
static void
free_chain(struct fdent *e, void *arg)
{
	(void)arg;
	if (e->prev != NULL)
		free_entry(e->prev);
	free_entry(e);
}

void
fdtab_free(struct fdtab *t)
{
	if (t == NULL)
		return;
	fdtab_foreach(t, free_chain, NULL);
	free(t);
}

struct fdent *
fdtab_get(struct fdtab *t, int32_t tgid, int32_t fd)
{
	struct fdent *e = t->bucket[hash_fd(tgid, fd)];

	for (; e != NULL; e = e->hnext)
		if (e->tgid == tgid && e->fd == fd)
			return e;
	return NULL;
}

struct fdent *
fdtab_route(struct fdtab *t, int32_t tgid, int32_t fd, uint64_t serial)
{
	struct fdent *e = fdtab_get(t, tgid, fd);

	if (e == NULL || !reasm_serial_before(serial, e->serial))
		return e;
	return e->prev;
}

/* A new entry in the hash and in proc's chain; path copied. */
static struct fdent *
add_entry(struct fdtab *t, struct task *proc, int32_t fd, const char *path,
          size_t pathlen)
{
	struct fdent *e;
	uint32_t h;

	if (t->st.size >= t->st.cap) {
		t->st.dropped++;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL || (e->path = malloc(pathlen + 1)) == NULL) {
		log_warn("fdtab: malloc");
		free(e);
		return NULL;
	}
	memcpy(e->path, path, pathlen);
	e->path[pathlen] = '\0';
	e->pathlen = pathlen;
	e->tgid = proc->tgid;
	e->fd = fd;
	h = hash_fd(e->tgid, fd);
	e->hnext = t->bucket[h];
	t->bucket[h] = e;
	e->pnext = proc->fds;
	if (proc->fds != NULL)
		proc->fds->pprev = &e->pnext;
	e->pprev = &proc->fds;
	proc->fds = e;
	if (++t->st.size > t->st.high)
		t->st.high = t->st.size;
	return e;
}

static void
unhash(struct fdtab *t, struct fdent *e)
{
	struct fdent **pp = &t->bucket[hash_fd(e->tgid, e->fd)];

	while (*pp != NULL && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp == e)
		*pp = e->hnext;
	e->hnext = NULL;
}

/* One descriptor goes; its open file ends with the last descriptor. */
static void
drop(struct fdtab *t, struct fdent *e, const struct task *proc, int64_t ns,
     const char *by)
{
	struct openfile *f = e->file;

	if (f != NULL && --f->refs == 0) {
		if (t->closed != NULL)
			t->closed(f, proc, ns, by, t->arg);
		free_file(f);
	}
	if (!e->shadow)
		unhash(t, e);
	*e->pprev = e->pnext;
	if (e->pnext != NULL)
		e->pnext->pprev = e->pprev;
	free(e->path);
	free(e);
	t->st.size--;
}

/* The shadowed predecessor of e goes: the number was reused, so it was
 * closed before ("reuse"), or it is the one an older event closes. */
static void
drop_prev(struct fdtab *t, struct fdent *e, const struct task *proc, int64_t ns,
          const char *by)
{
	struct fdent *p = e->prev;

	if (p == NULL)
		return;
	e->prev = NULL;
	drop(t, p, proc, ns, by);
}

struct fdent *
fdtab_open(struct fdtab *t, struct task *proc, int32_t fd, const char *path,
           size_t pathlen, uint64_t serial, int64_t ns)
{
	struct fdent *old = fdtab_get(t, proc->tgid, fd), *e;

	if (old != NULL) {
		drop_prev(t, old, proc, ns, "reuse");
		unhash(t, old);
		old->shadow = true;
	}
	e = add_entry(t, proc, fd, path, pathlen);
	if (e == NULL) {
		if (old != NULL)
			drop(t, old, proc, ns, "reuse");
		return NULL;
	}
	e->serial = serial;
	e->prev = old;
	return e;
}

int
fdtab_open_file(struct fdent *e, const struct task *proc, uint64_t flags,
                int64_t ns)
{
	struct openfile *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->path = malloc(e->pathlen + 1)) == NULL) {
		log_warn("fdtab: malloc");
		free(f);
		return -1;
	}
	memcpy(f->path, e->path, e->pathlen + 1);
	f->pathlen = e->pathlen;
	snprintf(f->id, sizeof(f->id), "%s:%d:%" PRIu64, proc->id, e->fd,
	         e->serial);
	f->fd = e->fd;
	f->flags = flags;
	f->open_ns = ns;
	f->refs = 1;
	f->dirty = true;
	e->file = f;
	return 0;
}

void
fdtab_dup(struct fdtab *t, struct task *proc, int32_t oldfd, int32_t newfd,
          uint64_t serial, int64_t ns)
{
	struct fdent *src, *dst;

	if (newfd == oldfd)
		return;
	src = fdtab_route(t, proc->tgid, oldfd, serial);
	if (src == NULL) {
		fdtab_close(t, proc, newfd, serial, ns, "close");
		return;
	}
	dst = fdtab_open(t, proc, newfd, src->path, src->pathlen, serial, ns);
	if (dst == NULL)
		return;
	dst->dir = src->dir;
	dst->file = src->file;
	if (dst->file != NULL)
		dst->file->refs++;
}

void
fdtab_close(struct fdtab *t, struct task *proc, int32_t fd, uint64_t serial,
            int64_t ns, const char *by)
{
	struct fdent *cur = fdtab_get(t, proc->tgid, fd);

	if (cur == NULL)
		return;
	if (!reasm_serial_before(serial, cur->serial)) {
		drop_prev(t, cur, proc, ns, "reuse");
		drop(t, cur, proc, ns, by);
	} else {
		drop_prev(t, cur, proc, ns, by);
	}
}

void
fdtab_close_all(struct fdtab *t, struct task *proc, int64_t ns, const char *by)
{
	struct fdent *e;

	/* Unhook shadows first so every entry is dropped exactly once. */
	for (e = proc->fds; e != NULL; e = e->pnext)
		e->prev = NULL;
	while (proc->fds != NULL)
		drop(t, proc->fds, proc, ns, by);
	proc->fds_closed = true;
}

void
fdtab_count_write(struct openfile *f, int64_t ns, uint64_t bytes)
{
	if (f->wcount == 0)
		f->first_w = ns;
	f->last_w = ns;
	f->wcount++;
	f->wbytes += bytes;
	/* dates have millisecond resolution: one entry per millisecond */
	if (f->nwritten < WRITTEN_MAX &&
	    (f->nwritten == 0 ||
	     f->written[f->nwritten - 1] / 1000000 != ns / 1000000))
		f->written[f->nwritten++] = ns;
	f->dirty = true;
}

void
fdtab_mark_mapped(struct openfile *f, int64_t ns)
{
	if (f->mapped)
		return;
	f->mapped = true;
	f->mapped_ns = ns;
	f->dirty = true;
}

void
fdtab_foreach(struct fdtab *t, fdtab_fn *fn, void *arg)
{
	uint32_t i;

	for (i = 0; i < FDTAB_BUCKETS; i++) {
		struct fdent *e = t->bucket[i], *n;

		for (; e != NULL; e = n) {
			n = e->hnext;
			fn(e, arg);
		}
	}
}

void
fdtab_get_stats(const struct fdtab *t, struct fdtab_stats *out)
{
	*out = t->st;
}
