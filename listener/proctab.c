/* proctab.c - see proctab.h. A pool of task slots with chained buckets of
 * pool indices; all memory is taken at proctab_new(). */
#include "proctab.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

struct proctab {
	struct task *pool;
	int32_t *bucket;
	uint32_t cap, nbucket, size, high;
	int32_t free_head;
	uint64_t evicted;
	proctab_release_fn *release;
	void *arg;
};

static uint32_t
hash_pid(const struct proctab *t, int32_t pid)
{
	return ((uint32_t)pid * 2654435761u) & (t->nbucket - 1);
}

struct proctab *
proctab_new(uint32_t cap, proctab_release_fn *release, void *arg)
{
	struct proctab *t = calloc(1, sizeof(*t));
	uint32_t i;

	if (t == NULL) {
		log_warn("proctab: calloc");
		return NULL;
	}
	t->release = release;
	t->arg = arg;
	t->cap = cap;
	t->nbucket = 1;
	while (t->nbucket < cap)
		t->nbucket <<= 1;
	t->pool = calloc(cap, sizeof(*t->pool));
	t->bucket = malloc(t->nbucket * sizeof(*t->bucket));
	if (t->pool == NULL || t->bucket == NULL) {
		log_warn("proctab: %u tasks", cap);
		proctab_free(t);
		return NULL;
	}
	for (i = 0; i < t->nbucket; i++)
		t->bucket[i] = -1;
	for (i = 0; i < cap; i++)
		t->pool[i].next = i + 1 < cap ? (int32_t)(i + 1) : -1;
	t->free_head = cap ? 0 : -1;
	return t;
}

void
proctab_free(struct proctab *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	for (i = 0; t->pool != NULL && i < t->cap; i++)
		if (t->pool[i].used && t->release != NULL)
			t->release(&t->pool[i], t->arg);
	free(t->pool);
	free(t->bucket);
	free(t);
}

struct task *
proctab_get(struct proctab *t, int32_t pid)
{
	int32_t i = t->bucket[hash_pid(t, pid)];

	while (i >= 0) {
		if (t->pool[i].pid == pid)
			return &t->pool[i];
		i = t->pool[i].next;
	}
	return NULL;
}

void
proctab_del(struct proctab *t, struct task *k)
{
	int32_t idx = (int32_t)(k - t->pool);
	int32_t *pp = &t->bucket[hash_pid(t, k->pid)];

	while (*pp >= 0 && *pp != idx)
		pp = &t->pool[*pp].next;
	if (*pp == idx)
		*pp = k->next;
	if (t->release != NULL)
		t->release(k, t->arg);
	memset(k, 0, sizeof(*k));
	k->next = t->free_head;
	t->free_head = idx;
	t->size--;
}

/* The oldest exited task, else nothing: live tasks are never evicted. */
static bool
evict_one(struct proctab *t)
{
	struct task *best = NULL;
	uint32_t i;

	for (i = 0; i < t->cap; i++) {
		struct task *k = &t->pool[i];

		if (k->used && k->exited && k->fds == NULL &&
		    (best == NULL || k->exit_mono_ms < best->exit_mono_ms))
			best = k;
	}
	if (best == NULL)
		return false;
	proctab_del(t, best);
	t->evicted++;
	return true;
}

struct task *
proctab_add(struct proctab *t, int32_t pid)
{
	struct task *k;
	int32_t idx;
	uint32_t h;

	if (t->free_head < 0 && !evict_one(t))
		return NULL;
	idx = t->free_head;
	k = &t->pool[idx];
	t->free_head = k->next;
	memset(k, 0, sizeof(*k));
	k->used = true;
	k->pid = pid;
	h = hash_pid(t, pid);
	k->next = t->bucket[h];
	t->bucket[h] = idx;
	if (++t->size > t->high)
		t->high = t->size;
	return k;
}

void
proctab_foreach(struct proctab *t, proctab_fn *fn, void *arg)
{
	uint32_t i;

	for (i = 0; i < t->cap; i++)
		if (t->pool[i].used)
			fn(&t->pool[i], arg);
}

void
proctab_get_stats(const struct proctab *t, struct proctab_stats *out)
{
	out->size = t->size;
	out->high = t->high;
	out->cap = t->cap;
	out->evicted = t->evicted;
}
