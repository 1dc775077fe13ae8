/* proctab.c - see proctab.h. One allocation per task; buckets of current
 * incarnations, doubled by rehash when the table outgrows them; a list of
 * every task for foreach; per container a record with its count and its
 * exited tasks in exit order, for fair eviction. */
#include "proctab.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "membudget.h"
#include "util.h"

#define PROCTAB_BUCKETS0 64u

/* A container holding tasks. */
struct ptcont {
	char id[65];
	uint32_t n;                 /* tasks charged to it */
	struct task *xhead, *xtail; /* its exited tasks, first exit first */
	struct ptcont *next;
};

struct proctab {
	struct task **bucket;
	struct task *all; /* every task, newest first */
	struct ptcont *conts;
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
	struct ptcont *c = k->cont;
	struct task *p;

	(void)t;
	k->exited = true;
	if (k->xlisted || c == NULL)
		return;
	p = c->xtail;
	/* exits come in time order: the place is at or near the tail */
	while (p != NULL && p->exit_mono_ms > k->exit_mono_ms)
		p = p->xprev;
	k->xprev = p;
	k->xnext = p != NULL ? p->xnext : c->xhead;
	if (k->xnext != NULL)
		k->xnext->xprev = k;
	else
		c->xtail = k;
	if (p != NULL)
		p->xnext = k;
	else
		c->xhead = k;
	k->xlisted = true;
}

static void
unlist_exited(struct task *k)
{
	struct ptcont *c = k->cont;

	if (!k->xlisted)
		return;
	if (k->xprev != NULL)
		k->xprev->xnext = k->xnext;
	else
		c->xhead = k->xnext;
	if (k->xnext != NULL)
		k->xnext->xprev = k->xprev;
	else
		c->xtail = k->xprev;
	k->xlisted = false;
}

static struct ptcont *
cont_find(const struct proctab *t, const char *id)
{
	struct ptcont *c = t->conts;

	while (c != NULL && strcmp(c->id, id) != 0)
		c = c->next;
	return c;
}

/* The record of id, made (its bytes taken already) when missing; NULL
 * when out of memory (logged). */
static struct ptcont *
cont_get(struct proctab *t, const char *id)
{
	struct ptcont *c = cont_find(t, id);

	if (c != NULL)
		return c;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		log_warn("proctab: calloc");
		return NULL;
	}
	util_strlcpy(c->id, id, sizeof(c->id));
	c->next = t->conts;
	t->conts = c;
	t->st.containers++;
	t->st.bytes += sizeof(*c);
	return c;
}

/* k's container lets it go; a record left empty is freed. */
static void
cont_put(struct proctab *t, struct task *k)
{
	struct ptcont *c = k->cont, **pp = &t->conts;

	k->cont = NULL;
	if (c == NULL || --c->n > 0)
		return;
	while (*pp != c)
		pp = &(*pp)->next;
	*pp = c->next;
	free(c);
	membudget_give(t->budget, sizeof(*c));
	t->st.bytes -= sizeof(*c);
	t->st.containers--;
}

uint32_t
proctab_held_by(const struct proctab *t, const char *cont)
{
	const struct ptcont *c = cont_find(t, cont != NULL ? cont : "");

	return c != NULL ? c->n : 0;
}

void
proctab_del(struct proctab *t, struct task *k)
{
	unhash(t, k);
	unlist_exited(k);
	if (k->aprev != NULL)
		k->aprev->anext = k->anext;
	else
		t->all = k->anext;
	if (k->anext != NULL)
		k->anext->aprev = k->aprev;
	if (t->release != NULL)
		t->release(k, t->arg);
	cont_put(t, k);
	free(k);
	membudget_give(t->budget, sizeof(*k));
	t->st.bytes -= sizeof(*k);
	t->st.size--;
}

/* c's exited task that exited first and holds no open files (few do:
 * their files are closed at the sweep), else NULL. */
static struct task *
first_exited(const struct ptcont *c)
{
	struct task *k = c != NULL ? c->xhead : NULL;

	while (k != NULL && k->fds != NULL)
		k = k->xnext;
	return k;
}

/* The container holding most tasks, other than but, that has one to
 * evict. */
static struct ptcont *
largest_evictable(const struct proctab *t, const struct ptcont *but)
{
	struct ptcont *c, *best = NULL;

	for (c = t->conts; c != NULL; c = c->next)
		if (c != but && (best == NULL || c->n > best->n) &&
		    first_exited(c) != NULL)
			best = c;
	return best;
}

/* Close to a bound: fairness applies. */
static bool
tight(const struct proctab *t)
{
	return t->st.size >= t->st.cap / 4 * 3 ||
	       membudget_above(t->budget, 3, 4);
}

/* Does c hold its fair share (of entries or bytes) among ncont? */
static bool
at_share(const struct proctab *t, const struct ptcont *c, uint32_t ncont)
{
	uint64_t limit = t->budget != NULL ? t->budget->limit : 0;

	if (c == NULL)
		return false;
	return c->n >= t->st.cap / ncont ||
	       (limit != 0 &&
	        (uint64_t)c->n * sizeof(struct task) >= limit / ncont);
}

/* Refused, for cause. */
static bool
refuse(struct proctab *t, const char *cause, uint64_t *counter)
{
	(*counter)++;
	t->refusal = cause;
	return false;
}

/* Room for one more task of container id (a new record's bytes included
 * when it holds none): evicts as proctab.h says, and takes the bytes. A
 * container at its share replaces one of its own exited tasks: it stops
 * growing, it is not cut back. */
static bool
make_room(struct proctab *t, const char *id)
{
	bool paid = false; /* one of its own went: it does not grow */

	for (;;) {
		struct ptcont *c = cont_find(t, id), *v;
		size_t n = sizeof(struct task) +
		           (c == NULL ? sizeof(struct ptcont) : 0);
		uint32_t ncont = t->st.containers + (c == NULL ? 1 : 0);
		bool over_n = t->st.size >= t->st.cap;
		bool over_b = !membudget_fits(t->budget, n);
		bool share = !paid && at_share(t, c, ncont) && tight(t);
		struct task *k;

		if (!over_n && !over_b && !share)
			return membudget_take(t->budget, n) ||
			       refuse(t, "mem_limit", &t->st.nomem);
		v = share ? c : largest_evictable(t, c);
		k = first_exited(v != NULL ? v : c);
		if (k == NULL && !over_n && !over_b)
			return refuse(t, "proc_table", &t->st.share_refused);
		if (k == NULL && over_n)
			return refuse(t, "proc_table", &t->st.full);
		if (k == NULL)
			return refuse(t, "mem_limit", &t->st.nomem);
		paid = paid || k->cont == c;
		proctab_del(t, k);
		t->st.evicted++;
	}
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

/* The bytes make_room took for a task of id go back (k not made). */
static void
undo_room(struct proctab *t, bool newc)
{
	membudget_give(t->budget, sizeof(struct task) +
	                              (newc ? sizeof(struct ptcont) : 0));
	t->st.nomem++;
	t->refusal = "mem_limit";
}

static struct task *
new_task(struct proctab *t, int32_t pid, const char *id)
{
	bool newc;
	struct task *k;

	if (!make_room(t, id))
		return NULL;
	newc = cont_find(t, id) == NULL;
	k = calloc(1, sizeof(*k));
	if (k == NULL || (k->cont = cont_get(t, id)) == NULL) {
		if (k == NULL)
			log_warn("proctab: calloc");
		free(k);
		undo_room(t, newc);
		return NULL;
	}
	k->cont->n++;
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
proctab_push_in(struct proctab *t, int32_t pid, const char *cont)
{
	struct task *cur = proctab_get(t, pid), *k;
	char id[sizeof(((struct ptcont *)0)->id)];

	util_strlcpy(id, cont != NULL ? cont : "", sizeof(id));
	if (cur != NULL && cur->older != NULL)
		proctab_del(t, cur->older);
	k = new_task(t, pid, id);
	if (k != NULL)
		insert(t, k);
	return k;
}

struct task *
proctab_push(struct proctab *t, int32_t pid)
{
	return proctab_push_in(t, pid, "");
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
