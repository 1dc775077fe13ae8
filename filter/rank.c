/* rank.c - see rank.h. */
#include "rank.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static int
pt_cmp(const void *a, const void *b)
{
	const struct rank_pt *x = a, *y = b;
	int c = strcmp(x->host, y->host);

	if (c != 0)
		return c;
	return x->t < y->t ? -1 : x->t > y->t;
}

/* The gaps' ends, sorted: a gap known by one bound is that instant; one
 * with neither is nowhere. */
static void
rank_gaps(struct rank *r, const struct model *m)
{
	size_t i, n = m->ngaps ? m->ngaps : 1;

	r->from = mem_calloc(n, sizeof(*r->from));
	r->to = mem_calloc(n, sizeof(*r->to));
	for (i = 0; i < m->ngaps; i++) {
		const struct gap *g = &m->gaps[i];
		int64_t from = g->from_ns != NS_NONE ? g->from_ns : g->to_ns;
		int64_t to = g->to_ns != NS_NONE ? g->to_ns : g->from_ns;

		if (from == NS_NONE)
			continue;
		r->from[r->ng].host = r->to[r->ng].host =
		    g->host ? g->host : "";
		r->from[r->ng].t = from < to ? from : to;
		r->to[r->ng].t = from < to ? to : from;
		r->ng++;
	}
	mem_sort(r->from, r->ng, sizeof(*r->from), pt_cmp);
	mem_sort(r->to, r->ng, sizeof(*r->to), pt_cmp);
}

/* The first point of v[0..n) after (host, t), or at it unless incl. */
static size_t
rank_bound(const struct rank_pt *v, size_t n, const char *host, int64_t t,
           bool incl)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v[mid].host, host);

		if (c < 0 ||
		    (c == 0 && (v[mid].t < t || (incl && v[mid].t == t))))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The points of host in v before t (t included when incl). */
static size_t
rank_before(const struct rank_pt *v, size_t n, const char *host, int64_t t,
            bool incl)
{
	return rank_bound(v, n, host, t, incl) -
	       rank_bound(v, n, host, INT64_MIN, false);
}

/* Gaps of host overlapping [a, b] (bounds included). */
static size_t
rank_overlaps(const struct rank *r, const char *host, int64_t a, int64_t b)
{
	return rank_before(r->from, r->ng, host, b, true) -
	       rank_before(r->to, r->ng, host, a, false);
}

bool
rank_in_gap(const struct rank *r, const struct proc *p)
{
	int64_t t = model_start(p);

	return t != NS_NONE &&
	       rank_overlaps(r, p->lead.host ? p->lead.host : "", t, t) > 0;
}

static int
ct_cmp(const void *a, const void *b)
{
	const struct rank_ct *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	if (x->changed != y->changed)
		return x->changed > y->changed ? -1 : 1;
	if (x->started != y->started)
		return x->started > y->started ? -1 : 1;
	return x->c < y->c ? -1 : x->c > y->c; /* model order: id, host */
}

/* The container runtime at work in a container (runc init setting up its
 * root, the shim): the same setup for every container, not its activity. */
static bool
runtime_proc(const struct proc *p)
{
	const struct bytes *e = &p->lead.exe;
	const char *base;
	size_t n;

	if (!e->set || e->n == 0)
		return false;
	base = memrchr(e->p, '/', e->n);
	base = base != NULL ? base + 1 : e->p;
	n = e->n - (size_t)(base - e->p);
	return (n == 4 && memcmp(base, "runc", 4) == 0) ||
	       (n >= 15 && memcmp(base, "containerd-shim", 15) == 0);
}

/* A change the runtime made in a container: by runc or the shim, or by a
 * process runc started there (the container's init, a docker exec: its
 * parent is outside the container) before it exec'd the container's
 * command — runc init mounting the root and creating device nodes in the
 * process that then becomes the init (~80 changes in every container). */
static bool
runtime_change(const struct file *f)
{
	const struct proc *p = f->owner;
	int64_t t = f->open_ns != NS_NONE ? f->open_ns : f->ns;

	if (runtime_proc(p))
		return true;
	if (p->parent != NULL && p->parent->ct == p->ct)
		return false;
	return p->lead.nexec > 0 && t != NS_NONE && t < p->lead.execs[0].ns;
}

/* The first start and last exit (INT64_MAX: still running) of each shown
 * container, and the processes it started. */
static void
rank_lives(struct rank_ct *v, int64_t (*life)[2], const struct model *m)
{
	size_t i;

	for (i = 0; i < m->nprocs; i++) {
		const struct proc *p = m->procs[i];
		int64_t s = model_start(p), e = model_exit(p);
		int64_t *l;

		if (!p->keep || p->ct == NULL || !p->ct->keep ||
		    runtime_proc(p))
			continue;
		l = life[p->ct - m->cts];
		v[p->ct - m->cts].started += !p->outside;
		if (s != NS_NONE && s < l[0])
			l[0] = s;
		if (e == NS_NONE)
			e = INT64_MAX;
		if (e > l[1])
			l[1] = e;
	}
}

void
rank_build(struct rank *r, const struct model *m)
{
	int64_t(*life)[2] = mem_calloc(m->ncts ? m->ncts : 1, sizeof(*life));
	struct rank_ct *all = mem_calloc(m->ncts ? m->ncts : 1, sizeof(*all));
	size_t i;

	memset(r, 0, sizeof(*r));
	rank_gaps(r, m);
	for (i = 0; i < m->ncts; i++) {
		all[i].c = &m->cts[i];
		life[i][0] = INT64_MAX;
		life[i][1] = INT64_MIN;
	}
	rank_lives(all, life, m);
	for (i = 0; i < m->nfiles; i++) {
		const struct container *c = m->files[i].owner->ct;

		if (c != NULL && !runtime_change(&m->files[i]))
			all[c - m->cts].changed++;
	}
	r->v = mem_calloc(m->ncts ? m->ncts : 1, sizeof(*r->v));
	for (i = 0; i < m->ncts; i++) {
		const struct container *c = &m->cts[i];

		if (!c->keep || c->nprocs == 0)
			continue;
		if (life[i][0] <= life[i][1])
			all[i].gaps = rank_overlaps(r, c->host ? c->host : "",
			                            life[i][0], life[i][1]);
		all[i].score = all[i].started + all[i].changed + all[i].gaps;
		r->v[r->n++] = all[i];
	}
	mem_sort(r->v, r->n, sizeof(*r->v), ct_cmp);
	free(all);
	free(life);
}

void
rank_free(struct rank *r)
{
	free(r->v);
	free(r->from);
	free(r->to);
	memset(r, 0, sizeof(*r));
}
