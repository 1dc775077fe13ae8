/* fdtab.c - see fdtab.h. Entries are allocated per open (an open is far
 * rarer than a write) and bounded by cap. */
#include "fdtab.h"

#include <stdlib.h>
#include <string.h>

#define FDTAB_BUCKETS 65536

struct fdtab {
	struct fdent *bucket[FDTAB_BUCKETS];
	uint32_t cap, size, high;
	uint64_t dropped;
};

static uint32_t
hash_fd(int32_t tgid, int32_t fd)
{
	return (((uint32_t)tgid * 2654435761u) ^ ((uint32_t)fd * 40503u)) &
	       (FDTAB_BUCKETS - 1);
}

static void
free_sess(struct fsess *s)
{
	if (s != NULL && --s->refs == 0) {
		free(s->path);
		free(s);
	}
}

struct fdtab *
fdtab_new(uint32_t cap)
{
	struct fdtab *t = calloc(1, sizeof(*t));

	if (t != NULL)
		t->cap = cap;
	return t;
}

void
fdtab_free(struct fdtab *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	for (i = 0; i < FDTAB_BUCKETS; i++) {
		struct fdent *e = t->bucket[i], *n;

		for (; e != NULL; e = n) {
			n = e->hnext;
			if (e->prev != NULL) {
				free_sess(e->prev->sess);
				free(e->prev->path);
				free(e->prev);
			}
			free_sess(e->sess);
			free(e->path);
			free(e);
		}
	}
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
fdtab_add(struct fdtab *t, int32_t tgid, int32_t fd, const char *path,
          size_t pathlen, struct fdent **proc_head)
{
	struct fdent *e;
	uint32_t h;

	if (t->size >= t->cap) {
		t->dropped++;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->path = malloc(pathlen + 1);
	if (e->path == NULL) {
		free(e);
		return NULL;
	}
	memcpy(e->path, path, pathlen);
	e->path[pathlen] = '\0';
	e->pathlen = pathlen;
	e->tgid = tgid;
	e->fd = fd;
	h = hash_fd(tgid, fd);
	e->hnext = t->bucket[h];
	t->bucket[h] = e;
	e->pnext = *proc_head;
	if (*proc_head != NULL)
		(*proc_head)->pprev = &e->pnext;
	e->pprev = proc_head;
	*proc_head = e;
	if (++t->size > t->high)
		t->high = t->size;
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

void
fdtab_shadow(struct fdtab *t, struct fdent *e)
{
	unhash(t, e);
	e->shadow = true;
}

void
fdtab_del(struct fdtab *t, struct fdent *e)
{
	if (!e->shadow)
		unhash(t, e);
	*e->pprev = e->pnext;
	if (e->pnext != NULL)
		e->pnext->pprev = e->pprev;
	free(e->path);
	free(e);
	t->size--;
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
	out->size = t->size;
	out->high = t->high;
	out->cap = t->cap;
	out->dropped = t->dropped;
}
