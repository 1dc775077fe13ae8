/* model.c - ownership of the filter's model and task merging. See
 * model.h. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* ---- tasks ---- */

void
model_execs_free(struct task *t)
{
	size_t i;

	for (i = 0; i < t->nexec; i++) {
		model_argextra_free(&t->execs[i].ax);
		bytes_argv_free(&t->execs[i].args);
		bytes_free(&t->execs[i].exe);
		bytes_free(&t->execs[i].cwd);
	}
	free(t->execs);
	t->execs = NULL;
	t->nexec = 0;
}

void
model_argextra_free(struct argextra *x)
{
	size_t i;

	for (i = 0; i < x->cuts.n; i++)
		bytes_free(&x->cuts.v[i].tail);
	free(x->cuts.v);
	bytes_free(&x->sha256);
	bytes_free(&x->source);
	memset(x, 0, sizeof(*x));
}

void
model_argextra_copy(struct argextra *dst, const struct argextra *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	if (src->cuts.n > 0) {
		dst->cuts.v = mem_calloc(src->cuts.n, sizeof(*dst->cuts.v));
		for (i = 0; i < src->cuts.n; i++) {
			dst->cuts.v[i].index = src->cuts.v[i].index;
			dst->cuts.v[i].length = src->cuts.v[i].length;
			bytes_copy(&dst->cuts.v[i].tail, &src->cuts.v[i].tail);
		}
		dst->cuts.n = src->cuts.n;
	}
	dst->cut_lost = src->cut_lost;
	bytes_copy(&dst->sha256, &src->sha256);
	bytes_copy(&dst->source, &src->source);
}

void
model_fill_bare_exec(struct task *t)
{
	struct exec *e;

	if (t->nexec == 0 || !t->execs[t->nexec - 1].bare)
		return;
	e = &t->execs[t->nexec - 1];
	model_argextra_free(&e->ax);
	bytes_argv_free(&e->args);
	bytes_free(&e->exe);
	bytes_free(&e->cwd);
	bytes_argv_copy(&e->args, &t->args);
	bytes_copy(&e->exe, &t->exe);
	bytes_copy(&e->cwd, &t->cwd);
	model_argextra_copy(&e->ax, &t->ax);
	e->bare = false;
}

void
model_task_drop_image(struct task *t)
{
	bytes_free(&t->exe);
	bytes_free(&t->cwd);
	bytes_free(&t->rootfs);
	bytes_free(&t->source);
	bytes_argv_free(&t->args);
	model_argextra_free(&t->ax);
	model_execs_free(t);
	t->star = t->setns = t->args_trunc = false;
	t->execve_count = 0;
}

void
model_task_free(struct task *t)
{
	size_t i;

	free(t->id);
	free(t->host);
	free(t->boot);
	free(t->parent_id);
	free(t->docker_id);
	bytes_free(&t->comm);
	model_task_drop_image(t);
	for (i = 0; i < t->nalias; i++)
		free(t->alias[i]);
	free(t->alias);
	memset(t, 0, sizeof(*t));
}

bool
model_same_task(const struct task *a, const struct task *b)
{
	int64_t d;

	if (a->pid != b->pid || a->thread != b->thread)
		return false;
	if (strcmp(a->host ? a->host : "", b->host ? b->host : "") != 0 ||
	    strcmp(a->boot ? a->boot : "", b->boot ? b->boot : "") != 0)
		return false;
	if (strcmp(a->id, b->id) == 0)
		return true;
	if (!a->has_ticks || !b->has_ticks)
		return false;
	/* the connector's start can fall one tick off /proc's (kernel
	 * interfaces §3): the same task may carry two ids */
	d = a->start_ticks - b->start_ticks;
	return d >= -1 && d <= 1;
}

static void
take_str(char **dst, char **src)
{
	if (*dst == NULL && *src != NULL) {
		*dst = *src;
		*src = NULL;
	}
}

static int
exec_cmp(const void *a, const void *b)
{
	const struct exec *x = a, *y = b;

	return (x->ns > y->ns) - (x->ns < y->ns);
}

/* Insertion sort by time, stable: execs sharing a time keep the order of
 * their document (qsort may swap them). The lists are short (EXECVE_MAX
 * per document). */
static void
execs_sort_stable(struct exec *v, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct exec x = v[i];

		for (j = i; j > 0 && exec_cmp(&v[j - 1], &x) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static int64_t
last_exec_ns(const struct task *t)
{
	int64_t m = INT64_MIN;
	size_t i;

	for (i = 0; i < t->nexec; i++)
		if (t->execs[i].ns > m)
			m = t->execs[i].ns;
	return m;
}

/* dst takes src's value when src has one */
static void
swap_bytes(struct bytes *dst, struct bytes *src)
{
	struct bytes x;

	if (!src->set)
		return;
	x = *dst;
	*dst = *src;
	*src = x;
}

static void
argextra_swap(struct argextra *a, struct argextra *b)
{
	struct argextra x = *a;

	*a = *b;
	*b = x;
}

static bool
argextra_set(const struct argextra *x)
{
	return x->cuts.n > 0 || x->sha256.set || x->source.set;
}

void
model_merge_task(struct task *t, struct task *o)
{
	size_t i, j;

	if (strcmp(t->id, o->id) != 0) {
		t->alias = mem_reallocarray(t->alias, t->nalias + 1 + o->nalias,
		                            sizeof(*t->alias));
		t->alias[t->nalias++] = o->id;
		o->id = NULL;
		for (i = 0; i < o->nalias; i++) {
			t->alias[t->nalias++] = o->alias[i];
			o->alias[i] = NULL;
		}
	}
	/* the document with the later exec knows the task's current image (a
	 * task's final document after an exec past its first write) */
	if (last_exec_ns(o) > last_exec_ns(t)) {
		swap_bytes(&t->comm, &o->comm);
		swap_bytes(&t->exe, &o->exe);
		swap_bytes(&t->cwd, &o->cwd);
		if (o->args.n > 0) {
			struct argv a = t->args;

			t->args = o->args;
			o->args = a;
			argextra_swap(&t->ax, &o->ax); /* what goes with args */
		}
	}
	take_str(&t->parent_id, &o->parent_id);
	take_str(&t->docker_id, &o->docker_id);
	bytes_take(&t->comm, &o->comm);
	bytes_take(&t->exe, &o->exe);
	bytes_take(&t->cwd, &o->cwd);
	bytes_take(&t->rootfs, &o->rootfs);
	bytes_take(&t->source, &o->source);
#define TAKE(f, h)                                                             \
	if (!t->h && o->h) {                                                   \
		t->f = o->f;                                                   \
		t->h = true;                                                   \
	}
	TAKE(ppid, has_ppid)
	TAKE(parent_tgid, has_ptgid)
	TAKE(start_ticks, has_ticks)
	TAKE(start_ns, has_start)
	TAKE(exit_code, has_code)
	TAKE(exit_signal, has_signal)
	TAKE(exit_status, has_status)
#undef TAKE
	if (o->has_start && t->has_start && o->start_ns < t->start_ns)
		t->start_ns = o->start_ns;
	if (o->has_exit && (!t->has_exit || o->exit_ns > t->exit_ns)) {
		t->exit_ns = o->exit_ns;
		t->has_exit = true;
	}
	t->star |= o->star;
	t->setns |= o->setns;
	t->args_trunc |= o->args_trunc;
	if (o->execve_count > t->execve_count)
		t->execve_count = o->execve_count;
	/* execs: union by time and args (audit times are a 4 ms tick: two
	 * execs of one task can share one) */
	for (i = 0; i < o->nexec; i++) {
		for (j = 0; j < t->nexec; j++)
			if (t->execs[j].ns == o->execs[i].ns &&
			    bytes_argv_eq(&t->execs[j].args, &o->execs[i].args))
				break;
		if (j < t->nexec)
			continue;
		t->execs =
		    mem_reallocarray(t->execs, t->nexec + 1, sizeof(*t->execs));
		t->execs[t->nexec++] = o->execs[i];
		memset(&o->execs[i], 0, sizeof(o->execs[i]));
	}
	execs_sort_stable(t->execs, t->nexec);
	if (t->args.n == 0 && o->args.n > 0) {
		t->args = o->args;
		o->args.v = NULL;
		o->args.n = 0;
		argextra_swap(&t->ax, &o->ax); /* what goes with args */
	} else if (!argextra_set(&t->ax) && argextra_set(&o->ax) &&
	           bytes_argv_eq(&t->args, &o->args)) {
		argextra_swap(&t->ax, &o->ax);
	}
	model_task_free(o);
}

/* ---- model ---- */

struct model *
model_new(size_t max_procs)
{
	struct model *m = mem_calloc(1, sizeof(*m));

	m->max_procs = max_procs;
	m->byid = strmap_new();
	m->bytg = strmap_new();
	m->fileid = strmap_new();
	m->ctid = strmap_new();
	m->ctdocid = strmap_new();
	return m;
}

static void
tg_key(char *key, size_t size, const char *host, const char *boot, int32_t tgid)
{
	/* host and boot never hold \x1f in practice; a collision only
	 * widens the candidate chain, which is then checked by time */
	snprintf(key, size, "%s\x1f%s\x1f%d", host ? host : "",
	         boot ? boot : "", (int)tgid);
}

struct proc *
model_add_proc(struct model *m, struct task *t)
{
	struct proc *p, *head;
	char key[512];
	size_t i;

	if (m->nprocs >= m->max_procs)
		return NULL;
	p = mem_calloc(1, sizeof(*p));
	p->lead = *t;
	memset(t, 0, sizeof(*t));
	*(struct proc **)mem_push(&m->procs, &m->nprocs, &m->capprocs,
	                          sizeof(*m->procs), 256) = p;
	strmap_put(m->byid, p->lead.id, p);
	for (i = 0; i < p->lead.nalias; i++)
		strmap_put(m->byid, p->lead.alias[i], p);
	tg_key(key, sizeof(key), p->lead.host, p->lead.boot, p->lead.tgid);
	head = strmap_get(m->bytg, key);
	p->next_same = head;
	strmap_put(m->bytg, key, p);
	return p;
}

void
model_add_alias(struct model *m, struct proc *p, const char *id)
{
	strmap_put(m->byid, id, p);
}

struct proc *
model_find_id(struct model *m, const char *id)
{
	return id ? strmap_get(m->byid, id) : NULL;
}

struct proc *
model_find_tgid(struct model *m, const char *host, const char *boot,
                int32_t tgid)
{
	char key[512];

	tg_key(key, sizeof(key), host, boot, tgid);
	return strmap_get(m->bytg, key);
}

struct proc *
model_match_time(struct model *m, const char *host, const char *boot,
                 int32_t tgid, int64_t ns)
{
	struct proc *p, *best = NULL;
	int64_t s, e;

	for (p = model_find_tgid(m, host, boot, tgid); p; p = p->next_same) {
		if (p->lead.tgid != tgid)
			continue;
		s = model_start(p);
		e = model_exit(p);
		if (ns != NS_NONE) {
			if (s != NS_NONE && s > ns + MATCH_TOL_NS)
				continue;
			if (e != NS_NONE && e < ns - MATCH_TOL_NS)
				continue;
		}
		if (best == NULL || model_start(best) < s)
			best = p;
	}
	return best;
}

void
model_link(struct proc *parent, struct proc *kid)
{
	kid->parent = parent;
	*(struct proc **)mem_push(&parent->kids, &parent->nkids,
	                          &parent->capkids, sizeof(*parent->kids), 4) =
	    kid;
}

struct file *
model_add_file(struct model *m)
{
	struct file *f = mem_push(&m->files, &m->nfiles, &m->capfiles,
	                          sizeof(*m->files), 256);

	f->open_ns = f->close_ns = f->ns = NS_NONE;
	return f;
}

static void
ct_key(char *key, size_t size, const char *host, const char *id)
{
	snprintf(key, size, "%s\x1f%s", host ? host : "", id);
}

/* The slot of host/id in a container array and its index; created (when
 * create) or NULL. */
static struct container *
ct_slot(struct strmap *map, struct container **arr, size_t *n, size_t *cap,
        const char *host, const char *id, bool create)
{
	struct container *c;
	char key[512];
	uintptr_t idx;

	ct_key(key, sizeof(key), host, id);
	idx = (uintptr_t)strmap_get(map, key);
	if (idx != 0)
		return &(*arr)[idx - 1];
	if (!create)
		return NULL;
	c = mem_push(arr, n, cap, sizeof(*c), 16);
	c->id = mem_strdup(id);
	c->host = mem_strdup(host);
	strmap_put(map, key, (void *)(uintptr_t)*n);
	return c;
}

struct container *
model_container(struct model *m, const char *host, const char *id)
{
	return ct_slot(m->ctid, &m->cts, &m->ncts, &m->capcts, host, id, true);
}

struct container *
model_ctdoc(struct model *m, const char *host, const char *id)
{
	return ct_slot(m->ctdocid, &m->ctdocs, &m->nctdocs, &m->capctdocs, host,
	               id, true);
}

struct container *
model_find_ctdoc(struct model *m, const char *host, const char *id)
{
	return ct_slot(m->ctdocid, &m->ctdocs, &m->nctdocs, &m->capctdocs, host,
	               id, false);
}

void
model_container_free(struct container *c)
{
	size_t i;

	free(c->id);
	free(c->host);
	bytes_free(&c->name);
	bytes_free(&c->image);
	bytes_free(&c->rootfs);
	bytes_free(&c->ident.image_id);
	bytes_free(&c->ident.created);
	bytes_free(&c->ident.started);
	bytes_free(&c->ident.network);
	bytes_argv_free(&c->ident.labels);
	bytes_argv_free(&c->ident.caps);
	for (i = 0; i < c->ident.nmounts; i++) {
		bytes_free(&c->ident.mounts[i].type);
		bytes_free(&c->ident.mounts[i].source);
		bytes_free(&c->ident.mounts[i].destination);
	}
	free(c->ident.mounts);
	for (i = 0; i < c->ident.nnames; i++)
		bytes_free(&c->ident.names[i].name);
	free(c->ident.names);
	memset(c, 0, sizeof(*c));
}

static int
ct_cmp(const void *a, const void *b)
{
	const struct container *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : strcmp(x->host, y->host);
}

void
model_sort_containers(struct model *m)
{
	char key[512];
	size_t i;

	mem_sort(m->cts, m->ncts, sizeof(*m->cts), ct_cmp);
	strmap_free(m->ctid);
	m->ctid = strmap_new();
	for (i = 0; i < m->ncts; i++) {
		ct_key(key, sizeof(key), m->cts[i].host, m->cts[i].id);
		strmap_put(m->ctid, key, (void *)(uintptr_t)(i + 1));
	}
}

struct gap *
model_add_gap(struct model *m)
{
	return mem_push(&m->gaps, &m->ngaps, &m->capgaps, sizeof(*m->gaps), 16);
}

void
model_gap_free(struct gap *g)
{
	free(g->host);
	free(g->boot);
	bytes_free(&g->source);
	memset(g, 0, sizeof(*g));
}

void
model_file_free(struct file *f)
{
	free(f->id);
	bytes_free(&f->path);
	bytes_free(&f->new_path);
	bytes_free(&f->raw_path);
	bytes_free(&f->closed_by);
	bytes_free(&f->host_path);
	bytes_free(&f->new_host_path);
	bytes_free(&f->op_name);
	bytes_free(&f->target);
	bytes_free(&f->type);
	bytes_free(&f->falloc_mode);
	bytes_free(&f->given_path);
	bytes_free(&f->given2);
	bytes_free(&f->source);
	bytes_free(&f->rdev);
	bytes_free(&f->dev);
	bytes_argv_free(&f->writers);
	f->id = NULL;
}

const char *
model_op_name(enum file_op op)
{
	switch (op) {
	case FOP_OPEN:
		return "open";
	case FOP_RENAME:
		return "rename";
	case FOP_UNLINK:
		return "unlink";
	case FOP_OTHER:
		break;
	}
	return NULL;
}

void
model_file_set_op(struct file *f, enum file_op op, const struct bytes *name)
{
	const char *own = model_op_name(op);

	f->op = op;
	bytes_free(&f->op_name);
	if (op == FOP_OPEN)
		return;
	if (own != NULL)
		bytes_set(&f->op_name, own, strlen(own));
	else if (name != NULL && name->set)
		bytes_set(&f->op_name, name->p,
		          name->n < FOP_NAME_MAX ? name->n : FOP_NAME_MAX);
	else
		bytes_set(&f->op_name, "", 0);
}

void
model_skip(struct skipped *s, const char *coll, char *id)
{
	size_t n = strlen(coll) + (id ? strlen(id) : 8) + 2;
	char *e;

	s->n++;
	if (s->nids >= SKIPPED_LISTED) {
		free(id);
		return;
	}
	e = mem_calloc(n, 1);
	snprintf(e, n, "%s %s", coll, id ? id : "(no _id)");
	free(id);
	s->ids = mem_reallocarray(s->ids, s->nids + 1, sizeof(*s->ids));
	s->ids[s->nids++] = e;
}

void
model_skip_move(struct skipped *to, struct skipped *from)
{
	size_t i;

	to->n += from->n - from->nids;
	for (i = 0; i < from->nids; i++) {
		/* listed here: counted again by model_skip */
		char *sp = strchr(from->ids[i], ' ');

		*sp = '\0';
		model_skip(to, from->ids[i], mem_strdup(sp + 1));
	}
	model_skip_free(from);
}

void
model_skip_free(struct skipped *s)
{
	mem_free_all(s->ids, s->nids);
	memset(s, 0, sizeof(*s));
}

bool
model_incomplete(const struct model *m)
{
	return m->skipped.n > 0;
}

void
model_free(struct model *m)
{
	size_t i, j;

	if (m == NULL)
		return;
	for (i = 0; i < m->nprocs; i++) {
		struct proc *p = m->procs[i];

		model_task_free(&p->lead);
		for (j = 0; j < p->nthreads; j++)
			model_task_free(&p->threads[j]);
		free(p->threads);
		free(p->kids);
		free(p);
	}
	free(m->procs);
	free(m->roots);
	for (i = 0; i < m->nfiles; i++)
		model_file_free(&m->files[i]);
	free(m->files);
	for (i = 0; i < m->ncts; i++)
		model_container_free(&m->cts[i]);
	free(m->cts);
	for (i = 0; i < m->nctdocs; i++)
		model_container_free(&m->ctdocs[i]);
	free(m->ctdocs);
	strmap_free(m->ctdocid);
	model_skip_free(&m->skipped);
	for (i = 0; i < m->ngaps; i++)
		model_gap_free(&m->gaps[i]);
	free(m->gaps);
	strmap_free(m->byid);
	strmap_free(m->bytg);
	strmap_free(m->fileid);
	strmap_free(m->ctid);
	free(m);
}

int64_t
model_start(const struct proc *p)
{
	return p->lead.has_start ? p->lead.start_ns : NS_NONE;
}

int64_t
model_exit(const struct proc *p)
{
	return p->lead.has_exit ? p->lead.exit_ns : NS_NONE;
}

int
model_proc_cmp(const void *a, const void *b)
{
	const struct proc *x = *(struct proc *const *)a;
	const struct proc *y = *(struct proc *const *)b;
	int64_t s = model_start(x), t = model_start(y);

	if (s != t)
		return s < t ? -1 : 1;
	return strcmp(x->lead.id, y->lead.id);
}
