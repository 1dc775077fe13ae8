/* tree.c - see tree.h. Links come from load.c (fork-time parent_id, or
 * parent_tgid + time); ppid is never used: shims reparent to PID 1 and runc
 * forks with CLONE_PARENT (kernel interfaces §4.2). */
#include "tree.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "containers.h"

size_t
tree_order(const struct model *m, bool kept_only, struct proc ***out)
{
	struct proc **q = mem_calloc(m->nprocs, sizeof(*q));
	size_t head = 0, tail = 0, i;

	for (i = 0; i < m->nroots; i++)
		if (!kept_only || m->roots[i]->keep)
			q[tail++] = m->roots[i];
	while (head < tail) {
		struct proc *p = q[head++];

		for (i = 0; i < p->nkids && tail < m->nprocs; i++)
			if (!kept_only || p->kids[i]->keep)
				q[tail++] = p->kids[i];
	}
	*out = q;
	return tail;
}

static bool
overlaps(const struct proc *p, const struct opts *o)
{
	int64_t s = model_start(p), e = model_exit(p);

	if (s != NS_NONE && s > o->until)
		return false;
	if (e != NS_NONE && e < o->since)
		return false;
	return true;
}

static bool
in_selection(const struct proc *p, const struct opts *o)
{
	return p->ct != NULL && p->ct->keep && overlaps(p, o);
}

/* keep = wanted(p) or a kept descendant; outside = kept only for one.
 * The reverse of the BFS order visits children before parents. */
static void
keep_with_ancestors(struct model *m, const struct opts *o,
                    bool (*wanted)(const struct proc *, const struct opts *))
{
	struct proc **ord;
	size_t i, n = tree_order(m, false, &ord);

	for (i = n; i-- > 0;) {
		struct proc *p = ord[i];
		bool want = wanted(p, o);

		if (want)
			p->keep = true;
		p->outside = p->keep && !want;
		if (p->keep && p->parent != NULL)
			p->parent->keep = true;
	}
	free(ord);
}

void
tree_build(struct model *m, const struct opts *o)
{
	size_t i;

	free(m->roots);
	m->roots = mem_calloc(m->nprocs, sizeof(*m->roots));
	m->nroots = 0;
	for (i = 0; i < m->nprocs; i++)
		if (m->procs[i]->parent == NULL)
			m->roots[m->nroots++] = m->procs[i];
	keep_with_ancestors(m, o, overlaps);
}

int
tree_select(struct model *m, const struct opts *o)
{
	struct container *sel = NULL;
	size_t i, nmatch = 0;

	if (o->container == NULL)
		return 0;
	for (i = 0; i < m->ncts; i++) {
		if (!m->cts[i].keep ||
		    !containers_match(&m->cts[i], o->container))
			continue;
		if (sel != NULL && strcmp(sel->id, m->cts[i].id) == 0)
			continue; /* same id on two hosts: impossible */
		sel = &m->cts[i];
		nmatch++;
	}
	if (nmatch == 0) {
		cli_error("-container: no container in the window matches "
		          "that id prefix or name");
		return -1;
	}
	if (nmatch > 1) {
		cli_error("-container: %zu containers match; give more of "
		          "the id",
		          nmatch);
		return -1;
	}
	for (i = 0; i < m->ncts; i++)
		m->cts[i].keep =
		    &m->cts[i] == sel || strcmp(m->cts[i].id, sel->id) == 0;
	for (i = 0; i < m->nprocs; i++)
		m->procs[i]->keep = false;
	keep_with_ancestors(m, o, in_selection);
	return 0;
}

void
tree_sort(struct model *m)
{
	size_t i, j, w;

	for (i = 0; i < m->nprocs; i++) {
		struct proc *p = m->procs[i];

		for (j = w = 0; j < p->nkids; j++)
			if (p->kids[j]->keep)
				p->kids[w++] = p->kids[j];
		p->nkids = w;
		mem_sort(p->kids, p->nkids, sizeof(*p->kids), model_proc_cmp);
	}
	for (i = w = 0; i < m->nroots; i++)
		if (m->roots[i]->keep)
			m->roots[w++] = m->roots[i];
	m->nroots = w;
	mem_sort(m->roots, m->nroots, sizeof(*m->roots), model_proc_cmp);
	mem_sort(m->procs, m->nprocs, sizeof(*m->procs), model_proc_cmp);
	for (i = 0; i < m->nprocs; i++)
		m->procs[i]->order = i;
}
