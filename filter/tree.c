/* tree.c - see tree.h. Links come from load.c (fork-time parent_id, or
 * parent_tgid + time); ppid is never used: shims reparent to PID 1 and runc
 * forks with CLONE_PARENT (kernel interfaces §4.2). */
#include "tree.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

size_t
tree_order(const struct model *m, bool kept_only, struct proc ***out)
{
	struct proc **q = fx_calloc(m->nprocs, sizeof(*q));
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

void
tree_build(struct model *m, const struct opts *o)
{
	struct proc **ord;
	size_t i, n;

	free(m->roots);
	m->roots = fx_calloc(m->nprocs, sizeof(*m->roots));
	m->nroots = 0;
	for (i = 0; i < m->nprocs; i++)
		if (m->procs[i]->parent == NULL)
			m->roots[m->nroots++] = m->procs[i];
	n = tree_order(m, false, &ord);
	/* reverse BFS order visits children before parents */
	for (i = n; i-- > 0;) {
		struct proc *p = ord[i];
		bool vis = overlaps(p, o);

		if (vis)
			p->keep = true;
		p->outside = p->keep && !vis;
		if (p->keep && p->parent != NULL)
			p->parent->keep = true;
	}
	free(ord);
}

static bool
hex_prefix(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i > 0;
}

static bool
ct_matches(const struct container *c, const char *want)
{
	size_t n = strlen(want);
	const char *name;
	size_t nn;

	if (hex_prefix(want) && strncmp(c->id, want, n) == 0)
		return true;
	if (!c->name.set)
		return false;
	name = c->name.p;
	nn = c->name.n;
	if (nn > 0 && name[0] == '/' && want[0] != '/') {
		name++;
		nn--;
	}
	return nn == n && memcmp(name, want, n) == 0;
}

int
tree_select(struct model *m, const struct opts *o)
{
	struct container *sel = NULL;
	struct proc **ord;
	size_t i, n, nmatch = 0;

	if (o->container == NULL)
		return 0;
	for (i = 0; i < m->ncts; i++) {
		if (!m->cts[i].keep || !ct_matches(&m->cts[i], o->container))
			continue;
		if (sel != NULL && strcmp(sel->id, m->cts[i].id) == 0)
			continue; /* same id on two hosts: impossible */
		sel = &m->cts[i];
		nmatch++;
	}
	if (nmatch == 0) {
		model_error("-container: no container in the window matches "
		            "that id prefix or name");
		return -1;
	}
	if (nmatch > 1) {
		model_error("-container: %zu containers match; give more of "
		            "the id",
		            nmatch);
		return -1;
	}
	for (i = 0; i < m->ncts; i++)
		m->cts[i].keep =
		    &m->cts[i] == sel || strcmp(m->cts[i].id, sel->id) == 0;
	n = tree_order(m, false, &ord);
	for (i = 0; i < n; i++)
		ord[i]->keep = false;
	for (i = n; i-- > 0;) {
		struct proc *p = ord[i];
		bool mine = p->ct != NULL && p->ct->keep && overlaps(p, o);

		if (mine)
			p->keep = true;
		p->outside = p->keep && !mine;
		if (p->keep && p->parent != NULL)
			p->parent->keep = true;
	}
	free(ord);
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
		model_sort(p->kids, p->nkids, sizeof(*p->kids), model_proc_cmp);
	}
	for (i = w = 0; i < m->nroots; i++)
		if (m->roots[i]->keep)
			m->roots[w++] = m->roots[i];
	m->nroots = w;
	model_sort(m->roots, m->nroots, sizeof(*m->roots), model_proc_cmp);
	model_sort(m->procs, m->nprocs, sizeof(*m->procs), model_proc_cmp);
	for (i = 0; i < m->nprocs; i++)
		m->procs[i]->order = i;
}
