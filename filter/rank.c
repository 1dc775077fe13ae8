/* rank.c - see rank.h. */
#include "rank.h"

#include <stdlib.h>
#include <string.h>

static int
gap_cmp(const void *a, const void *b)
{
	const struct rank_gap *x = a, *y = b;
	int c = strcmp(x->host, y->host);

	if (c != 0)
		return c;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	return x->to < y->to ? -1 : x->to > y->to;
}

/* The gaps as intervals, sorted, with the running latest end per host: a
 * gap known by one bound is that instant; one with neither is nowhere. */
static void
rank_gaps(struct rank *r, const struct model *m)
{
	size_t i;

	r->g = mem_calloc(m->ngaps ? m->ngaps : 1, sizeof(*r->g));
	for (i = 0; i < m->ngaps; i++) {
		const struct gap *g = &m->gaps[i];
		struct rank_gap *x = &r->g[r->ng];

		if (g->from_ns == NS_NONE && g->to_ns == NS_NONE)
			continue;
		x->host = g->host ? g->host : "";
		x->from = g->from_ns != NS_NONE ? g->from_ns : g->to_ns;
		x->to = g->to_ns != NS_NONE ? g->to_ns : g->from_ns;
		if (x->to < x->from) {
			int64_t t = x->to;

			x->to = x->from;
			x->from = t;
		}
		r->ng++;
	}
	mem_sort(r->g, r->ng, sizeof(*r->g), gap_cmp);
	for (i = 0; i < r->ng; i++)
		r->g[i].maxto =
		    i > 0 && strcmp(r->g[i - 1].host, r->g[i].host) == 0
		        ? (r->g[i - 1].maxto > r->g[i].to ? r->g[i - 1].maxto
		                                          : r->g[i].to)
		        : r->g[i].to;
}

/* Index of the last gap of host whose from <= t, or SIZE_MAX. */
static size_t
rank_last_before(const struct rank *r, const char *host, int64_t t)
{
	size_t lo = 0, hi = r->ng;

	/* the first gap after (host, t) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(r->g[mid].host, host);

		if (c < 0 || (c == 0 && r->g[mid].from <= t))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || strcmp(r->g[lo - 1].host, host) != 0)
		return SIZE_MAX;
	return lo - 1;
}

bool
rank_in_gap(const struct rank *r, const struct proc *p)
{
	int64_t t = model_start(p);
	size_t i;

	if (t == NS_NONE)
		return false;
	i = rank_last_before(r, p->lead.host ? p->lead.host : "", t);
	return i != SIZE_MAX && r->g[i].maxto >= t;
}

/* Gaps of host overlapping [from, to]. */
static size_t
rank_count_gaps(const struct rank *r, const char *host, int64_t from,
                int64_t to)
{
	size_t i = rank_last_before(r, host, to), n = 0;

	for (; i != SIZE_MAX && strcmp(r->g[i].host, host) == 0; i--) {
		if (r->g[i].maxto < from)
			break; /* none before this one reaches from */
		n += r->g[i].to >= from;
		if (i == 0)
			break;
	}
	return n;
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

		if (!p->keep || p->ct == NULL || !p->ct->keep)
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

		if (c != NULL)
			all[c - m->cts].changed++;
	}
	r->v = mem_calloc(m->ncts ? m->ncts : 1, sizeof(*r->v));
	for (i = 0; i < m->ncts; i++) {
		const struct container *c = &m->cts[i];

		if (!c->keep || c->nprocs == 0)
			continue;
		if (life[i][0] <= life[i][1])
			all[i].gaps = rank_count_gaps(r, c->host ? c->host : "",
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
	free(r->g);
	memset(r, 0, sizeof(*r));
}
