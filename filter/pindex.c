/* pindex.c - see pindex.h. pids is read in one scan. The tree is expanded over
 * an index of every document's link fields, not over $in queries: a store
 * without a usable index for them (FerretDB's SQLite handler) scans the whole
 * collection for every query, and the breadth-first walk asked one per 500 ids
 * and level (24x the plain read at 10k processes). An entry costs about 200
 * bytes; the documents themselves go to an unlinked temporary file as
 * they arrive and are read back from there, in the same order, only for
 * the processes kept after the selection (discover_fill): the store is
 * read once and memory follows what is kept. */
#include "pindex.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "decode.h"
#include "log.h"
#include "schema.h"

#define PINDEX_DOC_MAX (16 * 1024 * 1024 + 16 * 1024) /* BSON cap + slack */

#define SK_END UINT32_MAX
#define ARENA_BLOCK (1024 * 1024)

struct skel {
	char *id, *parent_id;                /* in the arena */
	const char *host, *boot, *docker_id; /* interned */
	char *rootfs;                        /* in the arena; NULL: none */
	size_t rootfs_n;
	int64_t start_ticks, start_ns, exit_ns;
	int32_t pid, tgid, ppid, parent_tgid;
	uint32_t next; /* next in its chain (children or threads), SK_END */
	bool has_ppid, has_ptgid, has_ticks, has_start, has_exit, thread, star;
};

struct pindex {
	struct skel *v;
	size_t n, cap;
	/* per enum pindex_link, key -> first entry + 1: parent_id -> child,
	 * parent tgid -> child without parent_id, tgid -> thread */
	struct strmap *links[PINDEX_NLINKS];
	struct strmap *strs; /* interned host and boot strings */
	uint32_t *stars;
	size_t nstars;
	FILE *spill;   /* the documents, as read */
	int64_t until; /* children and threads started later are not chained */
	struct skipped skipped; /* documents decode_task refused */
	char **blocks;          /* arena */
	size_t nblocks, used;
};

/* s[0..n) (NULs and all) and a NUL, in the arena */
static char *
arena_mem(struct pindex *ix, const char *s, size_t len)
{
	size_t n = len + 1;
	char *d;

	if (n > ARENA_BLOCK / 16) { /* a long id: a block of its own */
		ix->blocks = mem_reallocarray(ix->blocks, ix->nblocks + 1,
		                              sizeof(*ix->blocks));
		d = mem_calloc(n, 1);
		memcpy(d, s, len);
		ix->blocks[ix->nblocks++] = d;
		ix->used = ARENA_BLOCK; /* the next string starts a new block */
		return d;
	}
	if (ix->nblocks == 0 || ix->used + n > ARENA_BLOCK) {
		ix->blocks = mem_reallocarray(ix->blocks, ix->nblocks + 1,
		                              sizeof(*ix->blocks));
		ix->blocks[ix->nblocks++] = mem_calloc(ARENA_BLOCK, 1);
		ix->used = 0;
	}
	d = ix->blocks[ix->nblocks - 1] + ix->used;
	memcpy(d, s, len);
	d[len] = '\0';
	ix->used += n;
	return d;
}

static char *
arena_dup(struct pindex *ix, const char *s)
{
	return arena_mem(ix, s, strlen(s));
}

static const char *
intern(struct pindex *ix, const char *s)
{
	char *v;

	if (s == NULL)
		return NULL;
	v = strmap_get(ix->strs, s);
	if (v == NULL) {
		v = arena_dup(ix, s);
		strmap_put(ix->strs, s, v);
	}
	return v;
}

/* chain idx into map under key (newest first; callers sort) */
static void
chain(struct pindex *ix, struct strmap *map, const char *key, uint32_t idx)
{
	uintptr_t head = (uintptr_t)strmap_get(map, key);

	ix->v[idx].next = head ? (uint32_t)(head - 1) : SK_END;
	strmap_put(map, key, (void *)(uintptr_t)(idx + 1));
}

int
pindex_add(const bson_t *doc, void *arg)
{
	struct pindex *ix = arg;
	struct skel *s;
	struct task t;
	char key[24];
	uint32_t idx;

	if (decode_task(doc, &t) != 0) {
		model_skip(&ix->skipped, COLL_PIDS, decode_any_id(doc));
		return 0;
	}
	if (fwrite(bson_get_data(doc), 1, doc->len, ix->spill) != doc->len) {
		model_task_free(&t);
		cli_error("writing a temporary file: %s", strerror(errno));
		return -1;
	}
	if (ix->n >= SK_END - 1) {
		model_task_free(&t);
		cli_error("more than %u pids documents", SK_END - 1);
		return -1;
	}
	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 4096;
		ix->v = mem_reallocarray(ix->v, ix->cap, sizeof(*ix->v));
	}
	idx = (uint32_t)ix->n++;
	s = &ix->v[idx];
	memset(s, 0, sizeof(*s));
	s->id = arena_dup(ix, t.id);
	s->parent_id = t.parent_id ? arena_dup(ix, t.parent_id) : NULL;
	s->host = intern(ix, t.host);
	s->boot = intern(ix, t.boot);
	s->docker_id = intern(ix, t.docker_id);
	if (t.rootfs.set) {
		s->rootfs = arena_mem(ix, t.rootfs.p, t.rootfs.n);
		s->rootfs_n = t.rootfs.n;
	}
	s->start_ticks = t.start_ticks;
	s->start_ns = t.start_ns;
	s->exit_ns = t.exit_ns;
	s->pid = t.pid;
	s->tgid = t.tgid;
	s->ppid = t.ppid;
	s->parent_tgid = t.parent_tgid;
	s->has_ppid = t.has_ppid;
	s->has_ptgid = t.has_ptgid;
	s->has_ticks = t.has_ticks;
	s->has_start = t.has_start;
	s->has_exit = t.has_exit;
	s->thread = t.thread;
	s->star = t.star;
	s->next = SK_END;
	model_task_free(&t);
	if (s->star) {
		ix->stars = mem_reallocarray(ix->stars, ix->nstars + 1,
		                             sizeof(*ix->stars));
		ix->stars[ix->nstars++] = idx;
	}
	/* children and threads are looked up only with start <= until */
	if (!decode_starts_by(doc, ix->until))
		return 0;
	if (s->pid != s->tgid) {
		snprintf(key, sizeof(key), "%d", (int)s->tgid);
		chain(ix, ix->links[PINDEX_TGID], key, idx);
	} else if (s->parent_id != NULL) {
		chain(ix, ix->links[PINDEX_PARENT_ID], s->parent_id, idx);
	} else if (s->has_ptgid) {
		snprintf(key, sizeof(key), "%d", (int)s->parent_tgid);
		chain(ix, ix->links[PINDEX_PARENT_TGID], key, idx);
	}
	return 0;
}

struct skipped *
pindex_skipped(struct pindex *ix)
{
	return &ix->skipped;
}

void
pindex_free(struct pindex *ix)
{
	size_t i;

	if (ix == NULL)
		return;
	mem_free_all(ix->blocks, ix->nblocks);
	free(ix->v);
	free(ix->stars);
	for (i = 0; i < PINDEX_NLINKS; i++)
		strmap_free(ix->links[i]);
	strmap_free(ix->strs);
	model_skip_free(&ix->skipped);
	/* an unlinked file being dropped: nothing to lose */
	if (ix->spill != NULL && fclose(ix->spill) != 0)
		log_debug("closing a temporary file: %s", strerror(errno));
	free(ix);
}

struct pindex *
pindex_new(int64_t until)
{
	struct pindex *ix = mem_calloc(1, sizeof(*ix));
	size_t i;

	ix->until = until;
	for (i = 0; i < PINDEX_NLINKS; i++)
		ix->links[i] = strmap_new();
	ix->strs = strmap_new();
	ix->spill = tmpfile();
	if (ix->spill == NULL) {
		cli_error("creating a temporary file: %s", strerror(errno));
		pindex_free(ix);
		return NULL;
	}
	return ix;
}

void
pindex_task(const struct pindex *ix, uint32_t i, struct task *t)
{
	const struct skel *s = &ix->v[i];

	memset(t, 0, sizeof(*t));
	t->id = mem_strdup(s->id);
	t->parent_id = s->parent_id ? mem_strdup(s->parent_id) : NULL;
	t->host = s->host ? mem_strdup(s->host) : NULL;
	t->boot = s->boot ? mem_strdup(s->boot) : NULL;
	t->start_ticks = s->start_ticks;
	t->start_ns = s->start_ns;
	t->exit_ns = s->exit_ns;
	t->pid = s->pid;
	t->tgid = s->tgid;
	t->ppid = s->ppid;
	t->parent_tgid = s->parent_tgid;
	t->has_ppid = s->has_ppid;
	t->has_ptgid = s->has_ptgid;
	t->has_ticks = s->has_ticks;
	t->has_start = s->has_start;
	t->has_exit = s->has_exit;
	t->thread = s->thread;
	t->star = s->star;
	t->docker_id = s->docker_id ? mem_strdup(s->docker_id) : NULL;
	if (s->rootfs != NULL)
		bytes_set(&t->rootfs, s->rootfs, s->rootfs_n);
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

size_t
pindex_match(const struct pindex *ix, enum pindex_link link, char *const *keys,
             size_t n, uint32_t **out)
{
	const struct strmap *map = ix->links[link];
	uint32_t *v = NULL;
	size_t k = 0, cap = 0, i, w;

	for (i = 0; i < n; i++) {
		uintptr_t head = (uintptr_t)strmap_get(map, keys[i]);
		uint32_t j;

		for (j = head ? (uint32_t)(head - 1) : SK_END; j != SK_END;
		     j = ix->v[j].next) {
			if (k == cap) {
				cap = cap ? cap * 2 : 64;
				v = mem_reallocarray(v, cap, sizeof(*v));
			}
			v[k++] = j;
		}
	}
	mem_sort(v, k, sizeof(*v), u32_cmp);
	for (i = w = 0; i < k; i++)
		if (w == 0 || v[w - 1] != v[i])
			v[w++] = v[i];
	*out = v;
	return w;
}

size_t
pindex_nstars(const struct pindex *ix)
{
	return ix->nstars;
}

uint32_t
pindex_star(const struct pindex *ix, size_t i)
{
	return ix->stars[i];
}

/* The documents pindex_add kept, in the order the store sent them: each
 * a little-endian int32 length and the rest of the document. */
int
pindex_replay(struct pindex *ix, pindex_doc_fn *fn, void *arg)
{
	FILE *spill = ix->spill;
	uint8_t *buf = NULL, hdr[4];
	size_t cap = 0, got;
	uint32_t len;
	bson_t doc;
	int rc = 0;

	if (spill == NULL)
		return 0;
	ix->spill = NULL;
	if (fflush(spill) != 0 || fseek(spill, 0, SEEK_SET) != 0) {
		cli_error("reading a temporary file: %s", strerror(errno));
		rc = -1;
	}
	while (rc == 0 && (got = fread(hdr, 1, 4, spill)) != 0) {
		len = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 |
		      (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
		if (got != 4 || len < 5 || len > PINDEX_DOC_MAX) {
			cli_error("reading a temporary file: bad length");
			rc = -1;
			break;
		}
		if (len > cap) {
			cap = len;
			buf = mem_reallocarray(buf, cap, 1);
		}
		memcpy(buf, hdr, 4);
		if (fread(buf + 4, 1, len - 4, spill) != len - 4 ||
		    !bson_init_static(&doc, buf, len)) {
			cli_error("reading a temporary file: %s",
			          ferror(spill) ? strerror(errno) : "short");
			rc = -1;
			break;
		}
		rc = fn(&doc, arg);
	}
	if (rc == 0 && ferror(spill)) {
		cli_error("reading a temporary file: %s", strerror(errno));
		rc = -1;
	}
	free(buf);
	if (fclose(spill) != 0 && rc == 0) {
		cli_error("closing a temporary file: %s", strerror(errno));
		rc = -1;
	}
	return rc;
}
