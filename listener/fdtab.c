/* fdtab.c - see fdtab.h. Entries are allocated per open (an open is far
 * rarer than a write), bounded by cap and bytes; buckets grow by rehash;
 * fdshare.c keeps the per-container lists eviction picks from. */
#include "fdtab.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fdgroup.h"
#include "fdshare.h"
#include "fdtab_impl.h"
#include "log.h"
#include "membudget.h"
#include "proctab.h"
#include "reasm.h"

#define FDTAB_BUCKETS0 256u

static size_t
entry_bytes(size_t pathlen)
{
	return sizeof(struct fdent) + pathlen + 1;
}

static size_t
file_bytes(size_t pathlen)
{
	return sizeof(struct openfile) + pathlen + 1;
}

static void
charge(struct fdtab *t, size_t n)
{
	(void)membudget_take(t->budget, n); /* checked by make_room */
	t->st.bytes += n;
}

static void
uncharge(struct fdtab *t, size_t n)
{
	membudget_give(t->budget, n);
	t->st.bytes -= n;
}

static void
free_file(struct fdtab *t, struct openfile *f)
{
	if (t != NULL)
		uncharge(t, file_bytes(f->pathlen) + f->names_extra);
	free(f->path);
	free(f);
}

/* Frees an entry and its open file's reference, without any callback. */
static void
free_entry(struct fdent *e)
{
	if (e->file != NULL && --e->file->refs == 0)
		free_file(NULL, e->file);
	free(e->path);
	free(e);
}

struct fdtab *
fdtab_new(uint32_t cap, fdtab_closed_fn *closed, void *arg)
{
	struct fdtab *t = calloc(1, sizeof(*t));

	if (t == NULL) {
		log_warn("fdtab: calloc");
		return NULL;
	}
	t->nbucket = FDTAB_BUCKETS0;
	t->bucket = calloc(t->nbucket, sizeof(*t->bucket));
	if (t->bucket == NULL) {
		log_warn("fdtab: buckets");
		free(t);
		return NULL;
	}
	t->st.cap = cap;
	t->st.bytes = t->nbucket * sizeof(*t->bucket);
	t->share.owner = t;
	t->closed = closed;
	t->arg = arg;
	return t;
}

void
fdtab_set_budget(struct fdtab *t, struct membudget *b, uint64_t max_bytes,
                 fdtab_drop_fn *drop)
{
	t->budget = b;
	t->max_bytes = max_bytes;
	t->drop = drop;
	if (!membudget_take(b, (size_t)t->st.bytes))
		log_warnx("fdtab: the memory budget is smaller than an empty "
		          "table");
}

/* An entry in the hash and the shadow behind it. */
static void
free_chain(struct fdent *e, void *arg)
{
	(void)arg;
	if (e->prev != NULL)
		free_entry(e->prev);
	free_entry(e);
}

void
fdtab_free(struct fdtab *t)
{
	if (t == NULL)
		return;
	fdtab_foreach(t, free_chain, NULL);
	fdshare_free(&t->share);
	membudget_give(t->budget, (size_t)t->st.bytes);
	free(t->bucket);
	free(t);
}

struct fdent *
fdtab_get(struct fdtab *t, int32_t tgid, int32_t fd)
{
	struct fdent *e;

	if (t->groups != NULL)
		tgid = fdgroup_key(t->groups, tgid);
	e = t->bucket[hash_fd(t->nbucket, tgid, fd)];

	for (; e != NULL; e = e->hnext)
		if (e->tgid == tgid && e->fd == fd)
			return e;
	return NULL;
}

struct fdent *
fdtab_route(struct fdtab *t, int32_t tgid, int32_t fd, uint64_t serial)
{
	struct fdent *e = fdtab_get(t, tgid, fd);

	if (e == NULL || !reasm_serial_before(serial, e->serial))
		return e;
	return e->prev;
}

/* Twice the buckets once the table outgrew them (when the bytes are
 * there; else chains get longer). */
static void
grow(struct fdtab *t)
{
	uint32_t n = t->nbucket * 2, i;
	size_t more = (size_t)t->nbucket * sizeof(*t->bucket);
	struct fdent **nb;

	if (t->st.size < t->nbucket || n == 0 ||
	    (t->max_bytes != 0 && t->st.bytes + more > t->max_bytes) ||
	    !membudget_fits(t->budget, more))
		return;
	nb = calloc(n, sizeof(*nb));
	if (nb == NULL) {
		log_warn("fdtab: %u buckets", n);
		return;
	}
	for (i = 0; i < t->nbucket; i++) {
		struct fdent *e = t->bucket[i], *next;

		for (; e != NULL; e = next) {
			uint32_t h = hash_fd(n, e->tgid, e->fd);

			next = e->hnext;
			e->hnext = nb[h];
			nb[h] = e;
		}
	}
	free(t->bucket);
	t->bucket = nb;
	t->nbucket = n;
	charge(t, more);
}

static bool
fits(const struct fdtab *t, size_t n)
{
	return (t->max_bytes == 0 || t->st.bytes + n <= t->max_bytes) &&
	       membudget_fits(t->budget, n);
}

/* Close to a bound: fairness applies. */
static bool
tight(const struct fdtab *t)
{
	return t->st.size >= t->st.cap / 4 * 3 ||
	       (t->max_bytes != 0 && t->st.bytes >= t->max_bytes / 4 * 3) ||
	       membudget_above(t->budget, 3, 4);
}

/* Does c hold its fair share (of entries or bytes) among ncont? */
static bool
at_share(const struct fdtab *t, const struct fdcont *c, uint32_t ncont)
{
	uint64_t bytes = t->max_bytes;

	if (c == NULL)
		return false;
	if (t->budget != NULL && t->budget->limit != 0 &&
	    (bytes == 0 || t->budget->limit < bytes))
		bytes = t->budget->limit;
	return c->n >= t->st.cap / ncont ||
	       (bytes != 0 && c->bytes >= bytes / ncont);
}

static void
note_drop(struct fdtab *t, const char *source, int64_t ns)
{
	if (t->drop != NULL)
		t->drop(source, ns, 1, t->arg);
}

/* e goes to make room: its shadow with it, its open file closed
 * "evicted" when this was its last descriptor. */
static void
evict(struct fdtab *t, struct fdent *e, const char *source, int64_t ns)
{
	struct task *proc = e->proc;
	struct fdent *p = e->prev;

	t->st.evicted++;
	note_drop(t, source, ns);
	e->prev = NULL;
	if (p != NULL) {
		fdtab_drop_entry(t, p, proc, ns, "evicted");
		t->st.evicted++;
		note_drop(t, source, ns);
	}
	fdtab_drop_entry(t, e, proc, ns, "evicted");
}

/* Room for n more bytes (and an entry, when entry) charged to container
 * cid: NULL when there is, else the cause of the refusal. A container at
 * its share pays with its own directories; one below takes from the
 * largest, directories first, then its oldest written file. */
static const char *
make_room(struct fdtab *t, const char *cid, size_t n, bool entry, int64_t ns)
{
	for (;;) {
		struct fdcont *c = fdshare_find(&t->share, cid), *v;
		uint32_t ncont = t->share.count + (c == NULL ? 1 : 0);
		bool over_n = entry && t->st.size >= t->st.cap;
		bool over_b = !fits(t, n);
		bool share = at_share(t, c, ncont);
		const char *cause = over_b ? "mem_limit" : "fd_table";
		struct fdent *e;

		/* an admitted entry's open file answers to the bounds only */
		if (!over_n && !over_b && (!entry || !share || !tight(t)))
			return NULL;
		v = share ? c : fdshare_largest(&t->share, c);
		if (v == NULL)
			return cause;
		e = fdshare_oldest(v, 0);
		if (e == NULL && v != c)
			e = fdshare_oldest(v, 1);
		if (e == NULL)
			return cause;
		evict(t, e, cause, ns);
	}
}

static void
refuse(struct fdtab *t, const char *cause, int64_t ns)
{
	t->st.dropped++;
	if (strcmp(cause, "mem_limit") == 0)
		t->st.nomem++;
	note_drop(t, cause, ns);
}

/* A new entry in the hash, in proc's chain and in its container's list;
 * path copied. */
struct fdent *
fdtab_add_entry(struct fdtab *t, struct task *proc, int32_t fd,
                const char *path, size_t pathlen, int64_t ns)
{
	size_t bytes = entry_bytes(pathlen);
	bool newc = fdshare_find(&t->share, proc->docker_id) == NULL;
	const char *cause;
	struct fdent *e;
	uint32_t h;

	if (newc)
		bytes += FDSHARE_CONT_BYTES;
	cause = make_room(t, proc->docker_id, bytes, true, ns);
	if (cause != NULL) {
		refuse(t, cause, ns);
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL || (e->path = malloc(pathlen + 1)) == NULL ||
	    (e->cont = fdshare_get(&t->share, proc->docker_id)) == NULL) {
		log_warn("fdtab: malloc");
		if (e != NULL)
			free(e->path);
		free(e);
		refuse(t, "mem_limit", ns);
		return NULL;
	}
	charge(t, bytes);
	memcpy(e->path, path, pathlen);
	e->path[pathlen] = '\0';
	e->pathlen = pathlen;
	e->bytes = entry_bytes(pathlen);
	e->proc = proc;
	e->tgid = proc->tgid;
	e->fd = fd;
	fdshare_link(e);
	grow(t);
	h = hash_fd(t->nbucket, e->tgid, fd);
	e->hnext = t->bucket[h];
	t->bucket[h] = e;
	fdtab_chain(e, proc);
	if (++t->st.size > t->st.high)
		t->st.high = t->st.size;
	return e;
}

void
fdtab_unhash(struct fdtab *t, struct fdent *e)
{
	struct fdent **pp = &t->bucket[hash_fd(t->nbucket, e->tgid, e->fd)];

	while (*pp != NULL && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp == e)
		*pp = e->hnext;
	e->hnext = NULL;
}

/* One descriptor goes; its open file ends with the last descriptor. */
void
fdtab_drop_entry(struct fdtab *t, struct fdent *e, const struct task *proc,
                 int64_t ns, const char *by)
{
	struct openfile *f = e->file;

	if (fdshare_unlink(&t->share, e))
		uncharge(t, FDSHARE_CONT_BYTES);
	if (f != NULL && --f->refs == 0) {
		if (t->closed != NULL)
			t->closed(f, proc, ns, by, t->arg);
		free_file(t, f);
	}
	if (!e->shadow)
		fdtab_unhash(t, e);
	*e->pprev = e->pnext;
	if (e->pnext != NULL)
		e->pnext->pprev = e->pprev;
	uncharge(t, entry_bytes(e->pathlen));
	free(e->path);
	free(e);
	t->st.size--;
}

/* The shadowed predecessor of e goes: the number was reused, so it was
 * closed before ("reuse"), or it is the one an older event closes. */
void
fdtab_drop_prev(struct fdtab *t, struct fdent *e, const struct task *proc,
                int64_t ns, const char *by)
{
	struct fdent *p = e->prev;

	if (p == NULL)
		return;
	e->prev = NULL;
	fdtab_drop_entry(t, p, proc, ns, by);
}

struct fdent *
fdtab_open(struct fdtab *t, struct task *proc, int32_t fd, const char *path,
           size_t pathlen, uint64_t serial, int64_t ns)
{
	struct fdent *old, *e;

	proc = fdtab_holder(t, proc);
	old = fdtab_get(t, proc->tgid, fd);

	if (old != NULL) {
		fdtab_drop_prev(t, old, proc, ns, "reuse");
		fdtab_unhash(t, old);
		old->shadow = true;
	}
	e = fdtab_add_entry(t, proc, fd, path, pathlen, ns);
	if (e == NULL) {
		if (old != NULL)
			fdtab_drop_entry(t, old, proc, ns, "reuse");
		return NULL;
	}
	e->serial = serial;
	e->prev = old;
	return e;
}

int
fdtab_open_file(struct fdent *e, const struct task *proc, uint64_t flags,
                int64_t ns)
{
	struct fdtab *t = e->cont->share->owner;
	size_t bytes = file_bytes(e->pathlen);
	const char *cause;
	struct openfile *f;
	bool shadow = e->shadow;

	e->shadow = true; /* not its own victim */
	cause = make_room(t, e->cont->id, bytes, false, ns);
	e->shadow = shadow;
	if (cause != NULL) {
		refuse(t, cause, ns);
		return -1;
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL || (f->path = malloc(e->pathlen + 1)) == NULL) {
		log_warn("fdtab: malloc");
		free(f);
		refuse(t, "mem_limit", ns);
		return -1;
	}
	charge(t, bytes);
	memcpy(f->path, e->path, e->pathlen + 1);
	f->pathlen = e->pathlen;
	snprintf(f->id, sizeof(f->id), "%s:%d:%" PRIu64, proc->id, e->fd,
	         e->serial);
	f->fd = e->fd;
	f->flags = flags;
	f->open_ns = ns;
	f->refs = 1;
	f->dirty = true;
	f->opener_pid = proc->pid;
	f->opener_ticks = proc->start_ticks;
	fdshare_set_file(e, f, bytes);
	return 0;
}

/* dst (new) refers to what src does: its path kind and open file. */
void
fdtab_share_entry(struct fdent *dst, const struct fdent *src)
{
	dst->dir = src->dir;
	if (src->file != NULL) {
		src->file->refs++;
		fdshare_set_file(dst, src->file, 0);
	}
}

void
fdtab_dup(struct fdtab *t, struct task *proc, int32_t oldfd, int32_t newfd,
          uint64_t serial, int64_t ns)
{
	struct fdent *src, *dst;

	proc = fdtab_holder(t, proc);
	if (newfd == oldfd)
		return;
	src = fdtab_route(t, proc->tgid, oldfd, serial);
	if (src == NULL) {
		fdtab_close(t, proc, newfd, serial, ns, "close");
		return;
	}
	dst = fdtab_open(t, proc, newfd, src->path, src->pathlen, serial, ns);
	if (dst != NULL)
		fdtab_share_entry(dst,
		                  src); /* dup's copy is not close-on-exec */
}

void
fdtab_close(struct fdtab *t, struct task *proc, int32_t fd, uint64_t serial,
            int64_t ns, const char *by)
{
	struct fdent *cur;

	proc = fdtab_holder(t, proc);
	cur = fdtab_get(t, proc->tgid, fd);

	if (cur == NULL)
		return;
	if (!reasm_serial_before(serial, cur->serial)) {
		fdtab_drop_prev(t, cur, proc, ns, "reuse");
		fdtab_drop_entry(t, cur, proc, ns, by);
	} else {
		fdtab_drop_prev(t, cur, proc, ns, by);
	}
}

void
fdtab_close_all(struct fdtab *t, struct task *proc, int64_t ns, const char *by)
{
	struct fdent *e;

	if (fdtab_group_keep(t, proc))
		return; /* the table lives on with its other processes */
	/* Unhook shadows first so every entry is dropped exactly once. */
	for (e = proc->fds; e != NULL; e = e->pnext)
		e->prev = NULL;
	while (proc->fds != NULL)
		fdtab_drop_entry(t, proc->fds, proc, ns, by);
	proc->fds_closed = true;
}

void
fdtab_count_write(struct openfile *f, int64_t ns, uint64_t bytes)
{
	if (f->wcount == 0)
		f->first_w = ns;
	f->last_w = ns;
	f->wcount++;
	f->wbytes += bytes;
	/* dates have millisecond resolution: one entry per millisecond */
	if (f->nwritten < WRITTEN_MAX &&
	    (f->nwritten == 0 ||
	     f->written[f->nwritten - 1] / 1000000 != ns / 1000000))
		f->written[f->nwritten++] = ns;
	f->dirty = true;
}

void
fdtab_mark_mapped(struct openfile *f, int64_t ns)
{
	if (f->mapped)
		return;
	f->mapped = true;
	f->mapped_ns = ns;
	f->dirty = true;
}

void
fdtab_foreach(struct fdtab *t, fdtab_fn *fn, void *arg)
{
	uint32_t i;

	for (i = 0; i < t->nbucket; i++) {
		struct fdent *e = t->bucket[i], *n;

		for (; e != NULL; e = n) {
			n = e->hnext;
			fn(e, arg);
		}
	}
}

void
fdtab_get_stats(const struct fdtab *t, struct fdtab_stats *out)
{
	*out = t->st;
	out->containers = t->share.count;
}

void
fdtab_note_writer(struct openfile *f, const struct task *proc)
{
	unsigned int i;

	for (i = 0; i < f->nwriters; i++)
		if (f->writers[i].pid == proc->pid &&
		    f->writers[i].ticks == proc->start_ticks)
			return;
	if (f->nwriters == WRITERS_MAX) {
		f->writers_more++;
		return;
	}
	f->writers[f->nwriters].pid = proc->pid;
	f->writers[f->nwriters].ticks = proc->start_ticks;
	f->nwriters++;
	f->dirty = true;
}

int
fdtab_file_set_names(struct fdtab *t, struct openfile *f, struct str path,
                     struct str raw)
{
	size_t extra = raw.p != NULL ? raw.n + 1 : 0;
	char *p = malloc(path.n + 1 + extra);

	if (p == NULL) {
		log_warn("fdtab: malloc");
		return -1;
	}
	memcpy(p, path.p, path.n);
	p[path.n] = '\0';
	f->raw_path = NULL;
	f->rawlen = 0;
	if (raw.p != NULL) {
		memcpy(p + path.n + 1, raw.p, raw.n);
		p[path.n + 1 + raw.n] = '\0';
		f->raw_path = p + path.n + 1;
		f->rawlen = raw.n;
	}
	uncharge(t, file_bytes(f->pathlen) + f->names_extra);
	free(f->path);
	f->path = p;
	f->pathlen = path.n;
	f->names_extra = extra;
	charge(t, file_bytes(f->pathlen) + f->names_extra);
	return 0;
}
