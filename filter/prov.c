/* prov.c - see prov.h. */
#include "prov.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#ifndef GODO_VERSION
#define GODO_VERSION "unknown"
#endif

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The hosts of the shown processes, sorted, each once. */
static void
prov_hosts(struct prov *p, const struct model *m)
{
	size_t i, n = 0;

	p->hosts = mem_calloc(m->nprocs ? m->nprocs : 1, sizeof(*p->hosts));
	for (i = 0; i < m->nprocs; i++)
		if (m->procs[i]->keep && m->procs[i]->lead.host != NULL)
			p->hosts[n++] = m->procs[i]->lead.host;
	mem_sort(p->hosts, n, sizeof(*p->hosts), str_cmp);
	for (i = 0; i < n; i++)
		if (p->nhosts == 0 ||
		    strcmp(p->hosts[p->nhosts - 1], p->hosts[i]) != 0)
			p->hosts[p->nhosts++] = p->hosts[i];
}

static void
widen(int64_t *lo, int64_t *hi, int64_t t)
{
	if (t == NS_NONE)
		return;
	if (*lo == NS_NONE || t < *lo)
		*lo = t;
	if (*hi == NS_NONE || t > *hi)
		*hi = t;
}

/* The first and last time of what is shown: processes and files. */
static void
prov_data_span(const struct model *m, int64_t *lo, int64_t *hi)
{
	size_t i;

	*lo = *hi = NS_NONE;
	for (i = 0; i < m->nprocs; i++) {
		const struct proc *p = m->procs[i];

		if (!p->keep)
			continue;
		widen(lo, hi, model_start(p));
		widen(lo, hi, model_exit(p));
	}
	for (i = 0; i < m->nfiles; i++) {
		const struct file *f = &m->files[i];

		if (f->op != FOP_OPEN) {
			widen(lo, hi, f->ns);
			continue;
		}
		widen(lo, hi, f->open_ns);
		if (f->has_close)
			widen(lo, hi, f->close_ns);
	}
}

void
prov_build(struct prov *p, const struct model *m, const struct opts *o)
{
	int64_t lo, hi;

	memset(p, 0, sizeof(*p));
	p->db = o->db;
	if (o->store_dir != NULL) /* read from the store's files */
		snprintf(p->store, sizeof(p->store), "sqlite:%s", o->store_dir);
	else
		util_uri_redact(o->mongo != NULL ? o->mongo : "", p->store,
		                sizeof(p->store));
	if (o->host != NULL) {
		p->hosts = mem_calloc(1, sizeof(*p->hosts));
		p->hosts[p->nhosts++] = o->host;
	} else {
		prov_hosts(p, m);
	}
	prov_data_span(m, &lo, &hi);
	p->from_data = o->since == INT64_MIN;
	p->to_data = o->until == INT64_MAX;
	p->from = p->from_data ? lo : o->since;
	p->to = p->to_data ? hi : o->until;
	p->generated = o->now;
	p->version = GODO_VERSION;
	p->verify = m->verify;
}

const char *
prov_verify_word(enum model_verify_state s)
{
	switch (s) {
	case MV_INTACT:
		return "intact";
	case MV_FAILED:
		return "FAILED";
	case MV_NO_CHAIN:
		return "not chained";
	default:
		return "not checked";
	}
}

void
prov_free(struct prov *p)
{
	free(p->hosts);
	memset(p, 0, sizeof(*p));
}
