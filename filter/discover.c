/* discover.c - see discover.h. */
#include "discover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "decode.h"
#include "log.h"
#include "repair.h"
#include "schema.h"

/* what pindex_match found, handed to one of the task_fn below */
typedef int task_fn(const struct discover *d, struct task *t);

/* No depth bound: links are only made by add_task, never to an
 * ancestor, so parent chains have no cycle and end. */
static bool
is_ancestor(const struct proc *a, const struct proc *p)
{
	for (; p != NULL; p = p->parent)
		if (p == a)
			return true;
	return false;
}

static int
too_many(const struct discover *d)
{
	cli_error("more than %llu processes under the Docker roots; narrow "
	          "with -since/-until/-host or raise -max-procs",
	          (unsigned long long)d->o->max_procs);
	return -1;
}

/* The known process t is a document of: by id, or the same task under a
 * second id (then merged, aliased, and expanded again so that children
 * naming the new id are found). Frees t when known. */
static struct proc *
known_task(struct model *m, struct task *t)
{
	struct proc *p = model_find_id(m, t->id);
	char *id;

	if (p != NULL) {
		model_task_free(t);
		return p;
	}
	for (p = model_find_tgid(m, t->host, t->boot, t->tgid); p;
	     p = p->next_same)
		if (model_same_task(&p->lead, t))
			break;
	if (p == NULL)
		return NULL;
	id = mem_strdup(t->id);
	model_merge_task(&p->lead, t);
	model_add_alias(m, p, id);
	free(id);
	p->frontier = true;
	return p;
}

/* A process document reached from parent (NULL for a star). Merges a
 * known task, links an unparented one, adds a new one. */
static int
add_task(const struct discover *d, struct task *t, struct proc *parent)
{
	struct model *m = d->m;
	struct proc *p;

	if (t->thread || t->pid != t->tgid) {
		model_task_free(t);
		return 0;
	}
	if (parent == NULL && t->star && t->has_start &&
	    d->o->until != INT64_MAX && t->start_ns > d->o->until) {
		model_task_free(t);
		return 0;
	}
	p = known_task(m, t);
	if (p != NULL) {
		if (parent != NULL && p->parent == NULL && p != parent &&
		    !is_ancestor(p, parent))
			model_link(parent, p);
		return 0;
	}
	p = model_add_proc(m, t);
	if (p == NULL) {
		model_task_free(t);
		return too_many(d);
	}
	p->frontier = true;
	p->star = p->lead.star;
	if (parent != NULL)
		model_link(parent, p);
	return 0;
}

/* a child found by link: parent is NULL when not in the tree */
static int
add_child(const struct discover *d, struct task *t, struct proc *parent)
{
	if (parent == NULL || parent == model_find_id(d->m, t->id)) {
		model_task_free(t);
		return 0;
	}
	return add_task(d, t, parent);
}

static int
child_by_id(const struct discover *d, struct task *t)
{
	return add_child(d, t, model_find_id(d->m, t->parent_id));
}

static int
child_by_tgid(const struct discover *d, struct task *t)
{
	/* no parent_id: the process with parent_tgid alive at the fork */
	return add_child(
	    d, t,
	    t->has_ptgid
	        ? model_match_time(d->m, t->host, t->boot, t->parent_tgid,
	                           t->has_start ? t->start_ns : NS_NONE)
	        : NULL);
}

static int
thread_task(const struct discover *d, struct task *t)
{
	struct proc *p;
	size_t i;

	if (t->pid == t->tgid) {
		model_task_free(t);
		return 0;
	}
	/* the incarnation of tgid alive when the thread started: PID reuse
	 * never joins a thread to the wrong process */
	p = model_match_time(d->m, t->host, t->boot, t->tgid,
	                     t->has_start ? t->start_ns : NS_NONE);
	if (p == NULL) {
		d->m->orphan_threads++;
		model_task_free(t);
		return 0;
	}
	for (i = 0; i < p->nthreads; i++)
		if (model_same_task(&p->threads[i], t)) {
			model_merge_task(&p->threads[i], t);
			return 0;
		}
	p->threads =
	    mem_reallocarray(p->threads, p->nthreads + 1, sizeof(*p->threads));
	p->threads[p->nthreads++] = *t;
	return 0;
}

static int
each_match(const struct discover *d, const struct pindex *ix,
           enum pindex_link link, char **keys, size_t n, task_fn *fn)
{
	uint32_t *v;
	size_t k = pindex_match(ix, link, keys, n, &v), i;
	int rc = 0;

	for (i = 0; rc == 0 && i < k; i++) {
		struct task t;

		pindex_task(ix, v[i], &t);
		rc = fn(d, &t);
	}
	free(v);
	return rc;
}

static int
i32_cmp(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* distinct tgids of procs[0..n), as decimal keys */
static size_t
tgids_of(struct proc **procs, size_t n, char ***out)
{
	int32_t *v = mem_calloc(n, sizeof(*v));
	char **keys, key[24];
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		v[i] = procs[i]->lead.tgid;
	mem_sort(v, n, sizeof(*v), i32_cmp);
	for (i = 0; i < n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	keys = mem_calloc(k, sizeof(*keys));
	for (i = 0; i < k; i++) {
		snprintf(key, sizeof(key), "%d", (int)v[i]);
		keys[i] = mem_strdup(key);
	}
	free(v);
	*out = keys;
	return k;
}

/* the tgids of procs[0..n) matched over link */
static int
each_tgid_match(const struct discover *d, const struct pindex *ix,
                struct proc **procs, size_t n, enum pindex_link link,
                task_fn *fn)
{
	char **tg;
	size_t nt = tgids_of(procs, n, &tg);
	int rc = each_match(d, ix, link, tg, nt, fn);

	mem_free_all(tg, nt);
	return rc;
}

/* Processes marked frontier (found, not yet expanded), unmarked, into
 * *front; their ids and aliases into *ids. Returns the count of procs. */
static size_t
take_frontier(struct model *m, struct proc ***front, char ***ids, size_t *ni)
{
	size_t nf = 0, i, j;

	*ni = 0;
	*front = mem_reallocarray(*front, m->nprocs, sizeof(**front));
	for (i = 0; i < m->nprocs; i++)
		if (m->procs[i]->frontier) {
			m->procs[i]->frontier = false;
			(*front)[nf++] = m->procs[i];
			*ni += 1 + m->procs[i]->lead.nalias;
		}
	*ids = mem_reallocarray(*ids, *ni, sizeof(**ids));
	for (i = *ni = 0; i < nf; i++) {
		(*ids)[(*ni)++] = (*front)[i]->lead.id;
		for (j = 0; j < (*front)[i]->lead.nalias; j++)
			(*ids)[(*ni)++] = (*front)[i]->lead.alias[j];
	}
	return nf;
}

/* Stars, then their descendants level by level, then threads: the same
 * documents, in the same order, as the queries the index replaces
 * ({star: true}, {parent_id: {$in}}, {parent_tgid: {$in}, parent_id:
 * {$exists: false}}, {tgid: {$in}}, all with host and start_ns <=
 * until). */
int
discover_tree(const struct discover *d, const struct pindex *ix)
{
	struct model *m = d->m;
	struct proc **front = NULL;
	char **ids = NULL;
	size_t nf, ni, i;
	int rc = 0;

	for (i = 0; rc == 0 && i < pindex_nstars(ix); i++) {
		struct task t;

		pindex_task(ix, pindex_star(ix, i), &t);
		rc = add_task(d, &t, NULL);
	}
	/* no level bound: a fork chain of any depth is followed (each
	 * process enters the frontier once per new id, so this ends) */
	while (rc == 0) {
		nf = take_frontier(m, &front, &ids, &ni);
		if (nf == 0)
			break;
		rc = each_match(d, ix, PINDEX_PARENT_ID, ids, ni, child_by_id);
		if (rc == 0)
			rc = each_tgid_match(d, ix, front, nf,
			                     PINDEX_PARENT_TGID, child_by_tgid);
	}
	free(front);
	free(ids);
	if (rc == 0 && m->nprocs > 0)
		rc = each_tgid_match(d, ix, m->procs, m->nprocs, PINDEX_TGID,
		                     thread_task);
	if (m->orphan_threads > 0)
		log_debug("%zu threads without their process",
		          m->orphan_threads);
	return rc;
}

/* ---- the full documents of the tree's tasks ---- */

struct fill {
	struct model *m;
	struct strmap *threads; /* thread task id or alias -> proc */
};

/* Takes what dst lacks from src, a full document of the same task (its
 * id or an alias); frees src. */
static void
fill_task(struct task *dst, struct task *src)
{
	free(src->id);
	src->id = mem_strdup(dst->id); /* not a new alias */
	model_merge_task(dst, src);
}

static bool
is_task_id(const struct task *t, const char *id)
{
	size_t j;

	if (strcmp(t->id, id) == 0)
		return true;
	for (j = 0; j < t->nalias; j++)
		if (strcmp(t->alias[j], id) == 0)
			return true;
	return false;
}

/* t, a full document of one of p's tasks (id names it), into that task */
static void
fill_proc(struct model *m, struct proc *p, const char *id, struct task *t)
{
	size_t i;

	if (!t->thread && t->pid == t->tgid && model_find_id(m, id) == p) {
		fill_task(&p->lead, t);
		return;
	}
	/* a thread's exec fields are the process's */
	model_task_drop_image(t);
	for (i = 0; i < p->nthreads; i++)
		if (is_task_id(&p->threads[i], id)) {
			fill_task(&p->threads[i], t);
			return;
		}
	model_task_free(t);
}

static int
fill_doc(const bson_t *doc, void *arg)
{
	struct fill *f = arg;
	struct proc *p;
	struct task t;
	char *id = decode_id(doc);

	if (id == NULL)
		return 0;
	p = model_find_id(f->m, id);
	if (p == NULL)
		p = strmap_get(f->threads, id);
	if (p != NULL && p->keep && decode_task(doc, &t) == 0)
		fill_proc(f->m, p, id, &t);
	free(id);
	return 0;
}

int
discover_fill(const struct discover *d, struct pindex *ix)
{
	struct fill f = {d->m, strmap_new()};
	size_t i, j, k;
	int rc;

	for (i = 0; i < d->m->nprocs; i++) {
		struct proc *p = d->m->procs[i];

		for (j = 0; p->keep && j < p->nthreads; j++) {
			strmap_put(f.threads, p->threads[j].id, p);
			for (k = 0; k < p->threads[j].nalias; k++)
				strmap_put(f.threads, p->threads[j].alias[k],
				           p);
		}
	}
	rc = pindex_replay(ix, fill_doc, &f);
	strmap_free(f.threads);
	return rc;
}

/* ---- files and gaps ---- */

size_t
discover_kept_ids(const struct model *m, char ***out)
{
	char **ids = NULL;
	size_t ni = 0, i, j;

	for (i = 0; i < m->nprocs; i++) {
		struct proc *p = m->procs[i];

		if (!p->keep)
			continue;
		ids = mem_reallocarray(ids, ni + 1 + p->lead.nalias,
		                       sizeof(*ids));
		ids[ni++] = p->lead.id;
		for (j = 0; j < p->lead.nalias; j++)
			ids[ni++] = p->lead.alias[j];
	}
	*out = ids;
	return ni;
}

static int
file_or_fd(const struct discover *d, const bson_t *doc, bool from_fds)
{
	struct model *m = d->m;
	struct file_doc fd;
	struct proc *owner;
	struct file *f;

	if (decode_file(doc, &fd) != 0) {
		model_skip(&m->skipped, from_fds ? COLL_FDS : COLL_FILES,
		           decode_any_id(doc));
		return 0;
	}
	owner = model_find_id(m, fd.proc_id);
	if (owner == NULL || !owner->keep ||
	    strmap_get(m->fileid, fd.f.id) != NULL) {
		decode_file_free(&fd);
		return 0;
	}
	strmap_put(m->fileid, fd.f.id, owner);
	fd.f.owner = owner;
	fd.f.from_fds = from_fds;
	f = model_add_file(m);
	*f = fd.f;
	memset(&fd.f, 0, sizeof(fd.f));
	if (fd.joined) {
		const struct joined_new nw = {&fd.new_path, &fd.new_given,
		                              fd.new_unverified};

		repair_joined_op(m, f, fd.then_op, fd.then_ns,
		                 model_find_id(m, fd.then_proc), &nw);
	} else if (f->op == FOP_RENAME) {
		bytes_copy(&f->new_path, &fd.new_path);
		bytes_copy(&f->given2, &fd.new_given);
		f->unverified2 = fd.new_unverified;
	}
	decode_file_free(&fd);
	return 0;
}

int
discover_file(const bson_t *doc, void *arg)
{
	return file_or_fd(arg, doc, false);
}

int
discover_fd(const bson_t *doc, void *arg)
{
	return file_or_fd(arg, doc, true);
}

int
discover_gap(const bson_t *doc, void *arg)
{
	const struct discover *d = arg;
	struct gap g;

	decode_gap(doc, &g);
	if ((g.from_ns != NS_NONE && g.from_ns > d->o->until) ||
	    (g.to_ns != NS_NONE && g.to_ns < d->o->since)) {
		model_gap_free(&g);
		return 0;
	}
	*model_add_gap(d->m) = g;
	return 0;
}
