/* model.c - ownership of the filter's model, the string map behind its
 * indexes, task merging. See model.h. */
#include "model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void *
fx_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatalx("out of memory");
	return p;
}

void *
fx_reallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if (size != 0 && n > SIZE_MAX / size)
		fatalx("out of memory");
	q = realloc(p, n * size != 0 ? n * size : 1);
	if (q == NULL)
		fatalx("out of memory");
	return q;
}

void
model_sort(void *base, size_t n, size_t size,
           int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

void
model_error(const char *fmt, ...)
{
	va_list ap;

	fputs("filter: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

char *
fx_strdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (p == NULL)
		fatalx("out of memory");
	return p;
}

/* ---- hmap: open addressing, FNV-1a, grown at 50% load ---- */

struct fmap {
	char **keys;
	void **vals;
	size_t cap, len;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

struct fmap *
fmap_new(void)
{
	struct fmap *h = fx_calloc(1, sizeof(*h));

	h->cap = 64;
	h->keys = fx_calloc(h->cap, sizeof(*h->keys));
	h->vals = fx_calloc(h->cap, sizeof(*h->vals));
	return h;
}

void
fmap_free(struct fmap *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->cap; i++)
		free(h->keys[i]);
	free(h->keys);
	free(h->vals);
	free(h);
}

static size_t
slot(const struct fmap *h, const char *key)
{
	size_t i = (size_t)hash_str(key) & (h->cap - 1);

	while (h->keys[i] != NULL && strcmp(h->keys[i], key) != 0)
		i = (i + 1) & (h->cap - 1);
	return i;
}

void *
fmap_get(const struct fmap *h, const char *key)
{
	size_t i = slot(h, key);

	return h->keys[i] ? h->vals[i] : NULL;
}

static void
grow(struct fmap *h)
{
	struct fmap n;
	size_t i, j;

	n.cap = h->cap * 2;
	n.len = h->len;
	n.keys = fx_calloc(n.cap, sizeof(*n.keys));
	n.vals = fx_calloc(n.cap, sizeof(*n.vals));
	for (i = 0; i < h->cap; i++) {
		if (h->keys[i] == NULL)
			continue;
		j = slot(&n, h->keys[i]);
		n.keys[j] = h->keys[i];
		n.vals[j] = h->vals[i];
	}
	free(h->keys);
	free(h->vals);
	*h = n;
}

int
fmap_put(struct fmap *h, const char *key, void *val)
{
	size_t i;

	if ((h->len + 1) * 2 > h->cap)
		grow(h);
	i = slot(h, key);
	if (h->keys[i] == NULL) {
		h->keys[i] = fx_strdup(key);
		h->len++;
	}
	h->vals[i] = val;
	return 0;
}

size_t
fmap_len(const struct fmap *h)
{
	return h->len;
}

/* ---- bytes ---- */

void
fbytes_set(struct bytes *b, const char *p, size_t n)
{
	free(b->p);
	b->p = fx_calloc(n + 1, 1);
	if (n > 0)
		memcpy(b->p, p, n);
	b->n = n;
	b->set = true;
}

void
fbytes_free(struct bytes *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void
fbytes_copy(struct bytes *dst, const struct bytes *src)
{
	if (!src->set) {
		fbytes_free(dst);
		return;
	}
	fbytes_set(dst, src->p, src->n);
}

void
fargv_free(struct argv *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		fbytes_free(&a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

void
fargv_copy(struct argv *dst, const struct argv *src)
{
	size_t i;

	fargv_free(dst);
	dst->v = fx_calloc(src->n, sizeof(*dst->v));
	dst->n = src->n;
	for (i = 0; i < src->n; i++)
		fbytes_copy(&dst->v[i], &src->v[i]);
}

/* ---- tasks ---- */

void
model_execs_free(struct task *t)
{
	size_t i;

	for (i = 0; i < t->nexec; i++) {
		fargv_free(&t->execs[i].args);
		fbytes_free(&t->execs[i].exe);
		fbytes_free(&t->execs[i].cwd);
	}
	free(t->execs);
	t->execs = NULL;
	t->nexec = 0;
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
	fbytes_free(&t->comm);
	fbytes_free(&t->exe);
	fbytes_free(&t->cwd);
	fbytes_free(&t->rootfs);
	fbytes_free(&t->source);
	fargv_free(&t->args);
	model_execs_free(t);
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
take_bytes(struct bytes *dst, struct bytes *src)
{
	if (!dst->set && src->set) {
		*dst = *src;
		memset(src, 0, sizeof(*src));
	}
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

static bool
argv_eq(const struct argv *a, const struct argv *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (a->v[i].n != b->v[i].n ||
		    (a->v[i].n > 0 &&
		     memcmp(a->v[i].p, b->v[i].p, a->v[i].n) != 0))
			return false;
	return true;
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

void
model_merge_task(struct task *t, struct task *o)
{
	size_t i, j;

	if (strcmp(t->id, o->id) != 0) {
		t->alias = fx_reallocarray(t->alias, t->nalias + 1 + o->nalias,
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
		}
	}
	take_str(&t->parent_id, &o->parent_id);
	take_str(&t->docker_id, &o->docker_id);
	take_bytes(&t->comm, &o->comm);
	take_bytes(&t->exe, &o->exe);
	take_bytes(&t->cwd, &o->cwd);
	take_bytes(&t->rootfs, &o->rootfs);
	take_bytes(&t->source, &o->source);
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
			    argv_eq(&t->execs[j].args, &o->execs[i].args))
				break;
		if (j < t->nexec)
			continue;
		t->execs =
		    fx_reallocarray(t->execs, t->nexec + 1, sizeof(*t->execs));
		t->execs[t->nexec++] = o->execs[i];
		memset(&o->execs[i], 0, sizeof(o->execs[i]));
	}
	execs_sort_stable(t->execs, t->nexec);
	if (t->args.n == 0 && o->args.n > 0) {
		t->args = o->args;
		o->args.v = NULL;
		o->args.n = 0;
	}
	model_task_free(o);
}

/* ---- model ---- */

struct model *
model_new(size_t max_procs)
{
	struct model *m = fx_calloc(1, sizeof(*m));

	m->max_procs = max_procs;
	m->byid = fmap_new();
	m->bytg = fmap_new();
	m->fileid = fmap_new();
	m->ctid = fmap_new();
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
	p = fx_calloc(1, sizeof(*p));
	p->lead = *t;
	memset(t, 0, sizeof(*t));
	if (m->nprocs == m->capprocs) {
		m->capprocs = m->capprocs ? m->capprocs * 2 : 256;
		m->procs =
		    fx_reallocarray(m->procs, m->capprocs, sizeof(*m->procs));
	}
	m->procs[m->nprocs++] = p;
	fmap_put(m->byid, p->lead.id, p);
	for (i = 0; i < p->lead.nalias; i++)
		fmap_put(m->byid, p->lead.alias[i], p);
	tg_key(key, sizeof(key), p->lead.host, p->lead.boot, p->lead.tgid);
	head = fmap_get(m->bytg, key);
	p->next_same = head;
	fmap_put(m->bytg, key, p);
	return p;
}

void
model_add_alias(struct model *m, struct proc *p, const char *id)
{
	fmap_put(m->byid, id, p);
}

struct proc *
model_find_id(struct model *m, const char *id)
{
	return id ? fmap_get(m->byid, id) : NULL;
}

struct proc *
model_find_tgid(struct model *m, const char *host, const char *boot,
                int32_t tgid)
{
	char key[512];

	tg_key(key, sizeof(key), host, boot, tgid);
	return fmap_get(m->bytg, key);
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
	if (parent->nkids == parent->capkids) {
		parent->capkids = parent->capkids ? parent->capkids * 2 : 4;
		parent->kids = fx_reallocarray(parent->kids, parent->capkids,
		                               sizeof(*parent->kids));
	}
	parent->kids[parent->nkids++] = kid;
}

struct file *
model_add_file(struct model *m)
{
	struct file *f;

	if (m->nfiles == m->capfiles) {
		m->capfiles = m->capfiles ? m->capfiles * 2 : 256;
		m->files =
		    fx_reallocarray(m->files, m->capfiles, sizeof(*m->files));
	}
	f = &m->files[m->nfiles++];
	memset(f, 0, sizeof(*f));
	f->open_ns = f->close_ns = f->ns = NS_NONE;
	return f;
}

static void
ct_key(char *key, size_t size, const char *host, const char *id)
{
	snprintf(key, size, "%s\x1f%s", host ? host : "", id);
}

struct container *
model_container(struct model *m, const char *host, const char *id)
{
	struct container *c;
	char key[512];
	uintptr_t idx;

	ct_key(key, sizeof(key), host, id);
	idx = (uintptr_t)fmap_get(m->ctid, key);
	if (idx != 0)
		return &m->cts[idx - 1];
	if (m->ncts == m->capcts) {
		m->capcts = m->capcts ? m->capcts * 2 : 16;
		m->cts = fx_reallocarray(m->cts, m->capcts, sizeof(*m->cts));
	}
	c = &m->cts[m->ncts++];
	memset(c, 0, sizeof(*c));
	c->id = fx_strdup(id);
	c->host = fx_strdup(host);
	fmap_put(m->ctid, key, (void *)(uintptr_t)m->ncts);
	return c;
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

	model_sort(m->cts, m->ncts, sizeof(*m->cts), ct_cmp);
	fmap_free(m->ctid);
	m->ctid = fmap_new();
	for (i = 0; i < m->ncts; i++) {
		ct_key(key, sizeof(key), m->cts[i].host, m->cts[i].id);
		fmap_put(m->ctid, key, (void *)(uintptr_t)(i + 1));
	}
}

struct gap *
model_add_gap(struct model *m)
{
	struct gap *g;

	if (m->ngaps == m->capgaps) {
		m->capgaps = m->capgaps ? m->capgaps * 2 : 16;
		m->gaps =
		    fx_reallocarray(m->gaps, m->capgaps, sizeof(*m->gaps));
	}
	g = &m->gaps[m->ngaps++];
	memset(g, 0, sizeof(*g));
	return g;
}

static void
file_free(struct file *f)
{
	free(f->id);
	fbytes_free(&f->path);
	fbytes_free(&f->new_path);
	fbytes_free(&f->raw_path);
	fbytes_free(&f->closed_by);
	fbytes_free(&f->host_path);
	fbytes_free(&f->new_host_path);
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
		file_free(&m->files[i]);
	free(m->files);
	for (i = 0; i < m->ncts; i++) {
		free(m->cts[i].id);
		free(m->cts[i].host);
		fbytes_free(&m->cts[i].name);
		fbytes_free(&m->cts[i].image);
		fbytes_free(&m->cts[i].rootfs);
	}
	free(m->cts);
	for (i = 0; i < m->ngaps; i++) {
		free(m->gaps[i].host);
		free(m->gaps[i].boot);
		fbytes_free(&m->gaps[i].source);
	}
	free(m->gaps);
	fmap_free(m->byid);
	fmap_free(m->bytg);
	fmap_free(m->fileid);
	fmap_free(m->ctid);
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
