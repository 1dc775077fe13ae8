/* proctab.c - see proctab.h. One allocation per task; buckets of current
 * incarnations, doubled by rehash when the table outgrows them; a list of
 * every task for foreach and eviction. */
#include "proctab.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "membudget.h"

#define PROCTAB_BUCKETS0 64u

struct proctab {
	struct task **bucket;
	struct task *all;           /* every task, newest first */
	struct task *xhead, *xtail; /* exited tasks, first exit first */
	uint32_t nbucket;
	struct proctab_stats st;
	const char *refusal;
	struct membudget *budget;
	proctab_release_fn *release;
	void *arg;
};

static uint32_t
hash_pid(uint32_t nbucket, int32_t pid)
{
	return ((uint32_t)pid * 2654435761u) & (nbucket - 1);
}

static struct task **
alloc_buckets(uint32_t n)
{
	struct task **b = calloc(n, sizeof(*b));

	if (b == NULL)
		log_warn("proctab: %u buckets", n);
	return b;
}

struct proctab *
proctab_new(uint32_t cap, proctab_release_fn *release, void *arg)
{
	struct proctab *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		log_warn("proctab: calloc");
		return NULL;
	}
	t->release = release;
	t->arg = arg;
	t->st.cap = cap;
	t->nbucket = PROCTAB_BUCKETS0;
	t->bucket = alloc_buckets(t->nbucket);
	if (t->bucket == NULL) {
		free(t);
		return NULL;
	}
	t->st.bytes = t->nbucket * sizeof(*t->bucket);
	return t;
}

void
proctab_set_budget(struct proctab *t, struct membudget *b)
{
	t->budget = b;
	if (!membudget_take(b, (size_t)t->st.bytes))
		log_warnx("proctab: the memory budget is smaller than an "
		          "empty table");
}

void
proctab_free(struct proctab *t)
{
	if (t == NULL)
		return;
	while (t->all != NULL)
		proctab_del(t, t->all);
	membudget_give(t->budget, (size_t)t->st.bytes);
	free(t->bucket);
	free(t);
}

struct task *
proctab_get(struct proctab *t, int32_t pid)
{
	struct task *k = t->bucket[hash_pid(t->nbucket, pid)];

	while (k != NULL && k->pid != pid)
		k = k->hnext;
	return k;
}

/* The hash link that points at k, a current incarnation. */
static struct task **
link_of(struct proctab *t, const struct task *k)
{
	struct task **pp = &t->bucket[hash_pid(t->nbucket, k->pid)];

	while (*pp != NULL && *pp != k)
		pp = &(*pp)->hnext;
	return pp;
}

/* k leaves the hash (or its front's older link); its own older, if any,
 * takes its place. */
static void
unhash(struct proctab *t, struct task *k)
{
	struct task *front = proctab_get(t, k->pid), **pp;

	if (front != NULL && front != k && front->older == k) {
		front->older = NULL;
		return;
	}
	pp = link_of(t, k);
	if (*pp != k)
		return;
	if (k->older != NULL) {
		k->older->hnext = k->hnext;
		*pp = k->older;
	} else {
		*pp = k->hnext;
	}
}

void
proctab_exited(struct proctab *t, struct task *k)
{
	struct task *p = t->xtail;

	k->exited = true;
	if (k->xlisted)
		return;
	/* exits come in time order: the place is at or near the tail */
	while (p != NULL && p->exit_mono_ms > k->exit_mono_ms)
		p = p->xprev;
	k->xprev = p;
	k->xnext = p != NULL ? p->xnext : t->xhead;
	if (k->xnext != NULL)
		k->xnext->xprev = k;
	else
		t->xtail = k;
	if (p != NULL)
		p->xnext = k;
	else
		t->xhead = k;
	k->xlisted = true;
}

static void
unlist_exited(struct proctab *t, struct task *k)
{
	if (!k->xlisted)
		return;
	if (k->xprev != NULL)
		k->xprev->xnext = k->xnext;
	else
		t->xhead = k->xnext;
	if (k->xnext != NULL)
		k->xnext->xprev = k->xprev;
	else
		t->xtail = k->xprev;
	k->xlisted = false;
}

void
proctab_del(struct proctab *t, struct task *k)
{
	unhash(t, k);
	unlist_exited(t, k);
	if (k->aprev != NULL)
		k->aprev->anext = k->anext;
	else
		t->all = k->anext;
	if (k->anext != NULL)
		k->anext->aprev = k->aprev;
	if (t->release != NULL)
		t->release(k, t->arg);
	free(k);
	membudget_give(t->budget, sizeof(*k));
	t->st.bytes -= sizeof(*k);
	t->st.size--;
}

/* The exited task that exited first, else nothing: live tasks are never
 * evicted, nor those still holding files (few: their files are closed at
 * the sweep). */
static bool
evict_one(struct proctab *t)
{
	struct task *best = t->xhead;

	while (best != NULL && best->fds != NULL)
		best = best->xnext;
	if (best == NULL)
		return false;
	proctab_del(t, best);
	t->st.evicted++;
	return true;
}

/* Twice the buckets when the table outgrew them; without the bytes, the
 * chains just get longer. */
static void
grow(struct proctab *t)
{
	uint32_t n = t->nbucket * 2, i;
	size_t bytes = (size_t)(n - t->nbucket) * sizeof(*t->bucket);
	struct task **nb;

	if (t->st.size < t->nbucket || n == 0 ||
	    !membudget_take(t->budget, bytes))
		return;
	nb = alloc_buckets(n);
	if (nb == NULL) {
		membudget_give(t->budget, bytes);
		return;
	}
	for (i = 0; i < t->nbucket; i++) {
		struct task *k = t->bucket[i], *next;

		for (; k != NULL; k = next) {
			uint32_t h = hash_pid(n, k->pid);

			next = k->hnext;
			k->hnext = nb[h];
			nb[h] = k;
		}
	}
	free(t->bucket);
	t->bucket = nb;
	t->nbucket = n;
	t->st.bytes += bytes;
}

/* Room for one more task (cap and bytes), evicting when needed. */
static bool
make_room(struct proctab *t)
{
	while (t->st.size >= t->st.cap) {
		if (!evict_one(t)) {
			t->st.full++;
			t->refusal = "proc_table";
			return false;
		}
	}
	while (!membudget_take(t->budget, sizeof(struct task))) {
		if (!evict_one(t)) {
			t->st.nomem++;
			t->refusal = "mem_limit";
			return false;
		}
	}
	return true;
}

static struct task *
new_task(struct proctab *t, int32_t pid)
{
	struct task *k;

	if (!make_room(t))
		return NULL;
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		log_warn("proctab: calloc");
		membudget_give(t->budget, sizeof(*k));
		t->st.nomem++;
		t->refusal = "mem_limit";
		return NULL;
	}
	k->pid = pid;
	k->anext = t->all;
	if (t->all != NULL)
		t->all->aprev = k;
	t->all = k;
	t->st.bytes += sizeof(*k);
	if (++t->st.size > t->st.high)
		t->st.high = t->st.size;
	return k;
}

/* k into the hash, in front of pid's current incarnation when there is
 * one (that becomes k's older). */
static void
insert(struct proctab *t, struct task *k)
{
	struct task **pp, *cur;

	grow(t);
	cur = proctab_get(t, k->pid);
	pp = cur != NULL ? link_of(t, cur)
	                 : &t->bucket[hash_pid(t->nbucket, k->pid)];
	if (cur != NULL) {
		k->hnext = cur->hnext;
		cur->hnext = NULL;
		k->older = cur;
	} else {
		k->hnext = *pp;
	}
	*pp = k;
}

struct task *
proctab_push(struct proctab *t, int32_t pid)
{
	struct task *cur = proctab_get(t, pid), *k;

	if (cur != NULL && cur->older != NULL)
		proctab_del(t, cur->older);
	k = new_task(t, pid);
	if (k != NULL)
		insert(t, k);
	return k;
}

struct task *
proctab_add(struct proctab *t, int32_t pid)
{
	return proctab_push(t, pid);
}

const char *
proctab_refusal(const struct proctab *t)
{
	return t->refusal != NULL ? t->refusal : "proc_table";
}

void
proctab_foreach(struct proctab *t, proctab_fn *fn, void *arg)
{
	struct task *k = t->all, *next;

	for (; k != NULL; k = next) {
		next = k->anext;
		fn(k, arg);
	}
}

void
proctab_get_stats(const struct proctab *t, struct proctab_stats *out)
{
	*out = t->st;
}
