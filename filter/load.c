/* load.c - see load.h. The only reader of the raw database. Every string
 * field may be a BSON string or BSON binary (subtype 0) holding bytes that
 * are not valid UTF-8 (docs/schema.md, Strings): both are read as bytes. */
#include "load.h"

#include <errno.h>
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "esc.h"
#include "log.h"
#include "schema.h"
#include "util.h"

#define LOAD_IN_CHUNK 500    /* most values in one $in query */
#define LOAD_MAX_LEVELS 4096 /* tree depth bound */
#define LOAD_TIMEOUT_MS 3000
#define LOAD_DOC_MAX (16 * 1024 * 1024 + 16 * 1024) /* BSON cap + slack */

struct loader {
	const struct opts *o;
	mongoc_uri_t *uri;
	mongoc_client_t *client;
	mongoc_database_t *db;
	char where[256];
	size_t level;      /* BFS level being expanded */
	bool progress;     /* stderr is a terminal: show how far reading got */
	uint64_t ndocs;    /* documents read so far */
	uint64_t shown_ms; /* when progress was last shown */
	FILE *spill;       /* pids documents, from load_tree to load_fill */
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* At most 5 times a second, on one line rewritten in place. */
static void
show_progress(struct loader *l, const char *coll, bool force)
{
	uint64_t now;

	if (!l->progress)
		return;
	now = mono_ms();
	if (!force && now - l->shown_ms < 200)
		return;
	l->shown_ms = now;
	fprintf(stderr, "\rfilter: read %llu documents (%s)\033[K",
	        (unsigned long long)l->ndocs, coll);
}

static void
driver_log_cb(mongoc_log_level_t level, const char *domain, const char *message,
              void *arg)
{
	char esc[512];

	(void)arg;
	if (level <= MONGOC_LOG_LEVEL_WARNING)
		log_debug("driver %s: %s", domain,
		          esc_log(message, strlen(message), esc, sizeof(esc)));
}

static void
store_err(const struct loader *l, const char *what, const bson_error_t *e)
{
	model_error("%s at %s: %s (domain %u, code %u)", what, l->where,
	            e->message, e->domain, e->code);
}

struct loader *
load_open(const struct opts *o)
{
	struct loader *l = fx_calloc(1, sizeof(*l));
	bson_error_t err;
	bson_t *ping;
	char uri[1024];
	bool ok;

	l->o = o;
	l->progress = isatty(STDERR_FILENO) == 1;
	mongoc_log_set_handler(driver_log_cb, NULL);
	util_uri_redact(o->mongo, uri, sizeof(uri)); /* no password in logs */
	esc_log(uri, strlen(uri), l->where, sizeof(l->where));
	if (strncmp(o->mongo, "mongodb://", 10) == 0 ||
	    strncmp(o->mongo, "mongodb+srv://", 14) == 0)
		snprintf(uri, sizeof(uri), "%s", o->mongo);
	else
		snprintf(uri, sizeof(uri), "mongodb://%s/", o->mongo);
	l->uri = mongoc_uri_new_with_error(uri, &err);
	if (l->uri == NULL) {
		model_error("bad -mongo %s: %s", l->where, err.message);
		goto fail;
	}
	if (!mongoc_uri_has_option(l->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
		mongoc_uri_set_option_as_int32(
		    l->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
		    LOAD_TIMEOUT_MS);
	if (!mongoc_uri_has_option(l->uri, MONGOC_URI_CONNECTTIMEOUTMS))
		mongoc_uri_set_option_as_int32(
		    l->uri, MONGOC_URI_CONNECTTIMEOUTMS, LOAD_TIMEOUT_MS);
	if (!mongoc_uri_has_option(l->uri, MONGOC_URI_SOCKETTIMEOUTMS))
		mongoc_uri_set_option_as_int32(
		    l->uri, MONGOC_URI_SOCKETTIMEOUTMS, 120000);
	l->client = mongoc_client_new_from_uri_with_error(l->uri, &err);
	if (l->client == NULL) {
		model_error("bad -mongo %s: %s", l->where, err.message);
		goto fail;
	}
	mongoc_client_set_error_api(l->client, MONGOC_ERROR_API_VERSION_2);
	mongoc_client_set_appname(l->client, "godo-filter");
	ping = BCON_NEW("ping", BCON_INT32(1));
	ok = mongoc_client_command_simple(l->client, "admin", ping, NULL, NULL,
	                                  &err);
	bson_destroy(ping);
	if (!ok) {
		model_error("cannot reach the store at %s: %s", l->where,
		            err.message);
		goto fail;
	}
	l->db = mongoc_client_get_database(l->client, o->db);
	return l;
fail:
	load_close(l);
	return NULL;
}

void
load_close(struct loader *l)
{
	if (l == NULL)
		return;
	if (l->progress && l->shown_ms != 0) {
		show_progress(l, "done", true);
		fputc('\n', stderr);
	}
	if (l->spill)
		fclose(l->spill);
	if (l->db)
		mongoc_database_destroy(l->db);
	if (l->client)
		mongoc_client_destroy(l->client);
	if (l->uri)
		mongoc_uri_destroy(l->uri);
	free(l);
}

void *
load_client(struct loader *l)
{
	return l->client;
}

/* ---- field readers ---- */

static bool
get_bytes(const bson_iter_t *it, struct bytes *b)
{
	const uint8_t *data;
	const char *s;
	bson_subtype_t sub;
	uint32_t len;

	switch (bson_iter_type(it)) {
	case BSON_TYPE_UTF8:
		s = bson_iter_utf8(it, &len);
		fbytes_set(b, s, len);
		return true;
	case BSON_TYPE_BINARY:
		bson_iter_binary(it, &sub, &len, &data);
		fbytes_set(b, (const char *)data, len);
		return true;
	default:
		return false;
	}
}

/* A C string field (ids, host, docker_id): bytes up to the first NUL. */
static char *
get_cstr(const bson_iter_t *it)
{
	struct bytes b = {0};
	char *s;

	if (!get_bytes(it, &b))
		return NULL;
	s = fx_strdup(b.p);
	fbytes_free(&b);
	return s;
}

static bool
get_i64(const bson_iter_t *it, int64_t *v)
{
	switch (bson_iter_type(it)) {
	case BSON_TYPE_INT32:
	case BSON_TYPE_INT64:
	case BSON_TYPE_DOUBLE:
	case BSON_TYPE_BOOL:
		*v = bson_iter_as_int64(it);
		return true;
	default:
		return false;
	}
}

static bool
get_i32(const bson_iter_t *it, int32_t *v)
{
	int64_t x;

	if (!get_i64(it, &x) || x < INT32_MIN || x > INT32_MAX)
		return false;
	*v = (int32_t)x;
	return true;
}

static bool
get_date_ns(const bson_iter_t *it, int64_t *ns)
{
	if (bson_iter_type(it) == BSON_TYPE_DATE_TIME) {
		*ns = bson_iter_date_time(it) * 1000000LL;
		return true;
	}
	return get_i64(it, ns);
}

static void
get_argv(const bson_iter_t *it, struct argv *a)
{
	bson_iter_t sub;
	size_t n = 0;

	fargv_free(a);
	if (!BSON_ITER_HOLDS_ARRAY(it) || !bson_iter_recurse(it, &sub))
		return;
	while (bson_iter_next(&sub) && n < ARGS_MAX_COUNT) {
		a->v = fx_reallocarray(a->v, n + 1, sizeof(*a->v));
		memset(&a->v[n], 0, sizeof(a->v[n]));
		if (!get_bytes(&sub, &a->v[n]))
			fbytes_set(&a->v[n], "", 0);
		n++;
	}
	a->n = n;
}

static void
get_execs(const bson_iter_t *it, struct task *t)
{
	bson_iter_t arr, doc;

	if (!BSON_ITER_HOLDS_ARRAY(it) || !bson_iter_recurse(it, &arr))
		return;
	while (bson_iter_next(&arr) && t->nexec < EXECVE_MAX * 4) {
		struct exec e;
		int64_t ms = NS_NONE, ns = NS_NONE;

		if (!BSON_ITER_HOLDS_DOCUMENT(&arr) ||
		    !bson_iter_recurse(&arr, &doc))
			continue;
		memset(&e, 0, sizeof(e));
		while (bson_iter_next(&doc)) {
			const char *k = bson_iter_key(&doc);

			if (strcmp(k, F_EXEC_NS) == 0)
				get_i64(&doc, &ns);
			else if (strcmp(k, F_EXEC_TS) == 0)
				get_date_ns(&doc, &ms);
			else if (strcmp(k, F_ARGS) == 0)
				get_argv(&doc, &e.args);
			else if (strcmp(k, F_EXE) == 0)
				get_bytes(&doc, &e.exe);
			else if (strcmp(k, F_CWD) == 0)
				get_bytes(&doc, &e.cwd);
		}
		e.ns = ns != NS_NONE ? ns : ms;
		t->execs =
		    fx_reallocarray(t->execs, t->nexec + 1, sizeof(*t->execs));
		t->execs[t->nexec++] = e;
	}
}

/* Fills t from a pids document. -1 when it has no usable _id/pid. */
static int
task_from_bson(const bson_t *doc, struct task *t)
{
	bson_iter_t it;
	int64_t start_ms = NS_NONE, exit_ms = NS_NONE, v;
	bool has_pid = false, has_tgid = false, has_thread = false;

	memset(t, 0, sizeof(*t));
	if (!bson_iter_init(&it, doc))
		return -1;
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);

		if (strcmp(k, F_ID) == 0)
			t->id = get_cstr(&it);
		else if (strcmp(k, F_HOST) == 0)
			t->host = get_cstr(&it);
		else if (strcmp(k, F_BOOT) == 0)
			t->boot = get_cstr(&it);
		else if (strcmp(k, F_PID) == 0)
			has_pid = get_i32(&it, &t->pid);
		else if (strcmp(k, F_TGID) == 0)
			has_tgid = get_i32(&it, &t->tgid);
		else if (strcmp(k, F_THREAD) == 0) {
			has_thread = true;
			t->thread = bson_iter_as_bool(&it);
		} else if (strcmp(k, F_PPID) == 0)
			t->has_ppid = get_i32(&it, &t->ppid);
		else if (strcmp(k, F_PARENT_TGID) == 0)
			t->has_ptgid = get_i32(&it, &t->parent_tgid);
		else if (strcmp(k, F_PARENT_ID) == 0)
			t->parent_id = get_cstr(&it);
		else if (strcmp(k, F_START_TICKS) == 0)
			t->has_ticks = get_i64(&it, &t->start_ticks);
		else if (strcmp(k, F_START_NS) == 0)
			t->has_start = get_i64(&it, &t->start_ns);
		else if (strcmp(k, F_START_TS) == 0)
			get_date_ns(&it, &start_ms);
		else if (strcmp(k, F_STAR) == 0)
			t->star = bson_iter_as_bool(&it);
		else if (strcmp(k, F_COMM) == 0)
			get_bytes(&it, &t->comm);
		else if (strcmp(k, F_EXE) == 0)
			get_bytes(&it, &t->exe);
		else if (strcmp(k, F_CWD) == 0)
			get_bytes(&it, &t->cwd);
		else if (strcmp(k, F_ARGS) == 0)
			get_argv(&it, &t->args);
		else if (strcmp(k, F_ARGS_TRUNC) == 0)
			t->args_trunc = bson_iter_as_bool(&it);
		else if (strcmp(k, F_EXECVE) == 0)
			get_execs(&it, t);
		else if (strcmp(k, F_EXECVE_COUNT) == 0)
			get_i32(&it, &t->execve_count);
		else if (strcmp(k, F_EXIT_NS) == 0)
			t->has_exit = get_i64(&it, &t->exit_ns);
		else if (strcmp(k, F_EXIT_TS) == 0)
			get_date_ns(&it, &exit_ms);
		else if (strcmp(k, F_EXIT_STATUS) == 0)
			t->has_status = get_i32(&it, &t->exit_status);
		else if (strcmp(k, F_EXIT_CODE) == 0)
			t->has_code = get_i32(&it, &t->exit_code);
		else if (strcmp(k, F_EXIT_SIGNAL) == 0)
			t->has_signal = get_i32(&it, &t->exit_signal);
		else if (strcmp(k, F_DOCKER_ID) == 0)
			t->docker_id = get_cstr(&it);
		else if (strcmp(k, F_ROOTFS) == 0)
			get_bytes(&it, &t->rootfs);
		else if (strcmp(k, F_SETNS) == 0)
			t->setns = bson_iter_as_bool(&it);
		else if (strcmp(k, F_SOURCE) == 0)
			get_bytes(&it, &t->source);
	}
	if (t->id == NULL || !has_pid) {
		model_task_free(t);
		return -1;
	}
	if (!has_tgid)
		t->tgid = t->pid;
	if (!has_thread)
		t->thread = t->pid != t->tgid;
	if (!t->has_start && start_ms != NS_NONE) {
		t->start_ns = start_ms;
		t->has_start = true;
	}
	if (!t->has_exit && exit_ms != NS_NONE) {
		t->exit_ns = exit_ms;
		t->has_exit = true;
	}
	/* a wait status says how it ended when code/signal are missing */
	if (t->has_status && !t->has_code && !t->has_signal) {
		v = t->exit_status;
		if ((v & 0x7f) == 0) {
			t->exit_code = (int32_t)((v >> 8) & 0xff);
			t->has_code = true;
		} else if ((v & 0x7f) != 0x7f) {
			t->exit_signal = (int32_t)(v & 0x7f);
			t->has_signal = true;
		}
	}
	if (t->docker_id != NULL && t->docker_id[0] == '\0') {
		free(t->docker_id);
		t->docker_id = NULL;
	}
	return 0;
}

/* ---- queries ---- */

static void
add_host(const struct loader *l, bson_t *q)
{
	if (l->o->host != NULL)
		BSON_APPEND_UTF8(q, F_HOST, l->o->host);
}

/* {projection: {f[0]: 1, ...}} */
static bson_t *
projection(const char *const *f, size_t n)
{
	bson_t *o = bson_new(), p;
	size_t i;

	BSON_APPEND_DOCUMENT_BEGIN(o, "projection", &p);
	for (i = 0; i < n; i++)
		BSON_APPEND_INT32(&p, f[i], 1);
	bson_append_document_end(o, &p);
	return o;
}

static bson_t *
pids_opts(void)
{
	static const char *const full[] = {
	    F_ID,        F_HOST,     F_BOOT,        F_PID,       F_TGID,
	    F_THREAD,    F_PPID,     F_PARENT_TGID, F_PARENT_ID, F_START_TICKS,
	    F_START_TS,  F_START_NS, F_STAR,        F_COMM,      F_EXE,
	    F_CWD,       F_ARGS,     F_ARGS_TRUNC,  F_EXECVE,    F_EXECVE_COUNT,
	    F_EXIT_TS,   F_EXIT_NS,  F_EXIT_STATUS, F_EXIT_CODE, F_EXIT_SIGNAL,
	    F_DOCKER_ID, F_ROOTFS,   F_SETNS,       F_SOURCE};

	return projection(full, sizeof(full) / sizeof(full[0]));
}

typedef int doc_fn(struct loader *l, struct model *m, const bson_t *doc,
                   void *arg);

/* Runs find(q, opts) on coll and calls fn per document; stops at the
 * first -1 from fn. -1 after one error line. */
static int
each_doc(struct loader *l, struct model *m, const char *coll, const bson_t *q,
         const bson_t *opts, doc_fn *fn, void *arg)
{
	mongoc_collection_t *c = mongoc_database_get_collection(l->db, coll);
	mongoc_cursor_t *cur;
	const bson_t *doc;
	bson_error_t err;
	int rc = 0;

	cur = mongoc_collection_find_with_opts(c, q, opts, NULL);
	while (rc == 0 && mongoc_cursor_next(cur, &doc)) {
		rc = fn(l, m, doc, arg);
		l->ndocs++;
		show_progress(l, coll, false);
	}
	if (rc == 0 && mongoc_cursor_error(cur, &err)) {
		store_err(l, coll, &err);
		rc = -1;
	}
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(c);
	return rc;
}

static int
count_one(struct loader *l, struct model *m, const bson_t *doc, void *arg)
{
	(void)l;
	(void)m;
	(void)doc;
	(*(int *)arg)++;
	return 0;
}

int
load_check_empty(struct loader *l)
{
	bson_t q = BSON_INITIALIZER;
	bson_t *opts = BCON_NEW("limit", BCON_INT64(1), "projection", "{", F_ID,
	                        BCON_INT32(1), "}");
	int n = 0, rc;

	add_host(l, &q);
	rc = each_doc(l, NULL, COLL_PIDS, &q, opts, count_one, &n);
	bson_destroy(&q);
	bson_destroy(opts);
	if (rc != 0)
		return -1;
	if (n == 0) {
		char h[128];

		if (l->o->host != NULL)
			model_error("database %s has no godo documents for "
			            "host %s",
			            l->o->db,
			            esc_log(l->o->host, strlen(l->o->host), h,
			                    sizeof(h)));
		else
			model_error("database %s has no godo documents (empty "
			            "or not a godo database)",
			            l->o->db);
		return -1;
	}
	return 0;
}

static bool
is_ancestor(const struct proc *a, const struct proc *p)
{
	size_t depth = 0;

	for (; p != NULL && depth < LOAD_MAX_LEVELS * 4; p = p->parent, depth++)
		if (p == a)
			return true;
	return false;
}

static int
too_many(const struct loader *l)
{
	model_error("more than %llu processes under the Docker roots; narrow "
	            "with -since/-until/-host or raise -max-procs",
	            (unsigned long long)l->o->max_procs);
	return -1;
}

/* A process document reached from parent (NULL for a star). Merges a
 * known task, links an unparented one, adds a new one. */
static int
add_task(struct loader *l, struct model *m, struct task *t, struct proc *parent)
{
	struct proc *p;

	if (t->thread || t->pid != t->tgid) {
		model_task_free(t);
		return 0;
	}
	if (parent == NULL && t->star && t->has_start &&
	    l->o->until != INT64_MAX && t->start_ns > l->o->until) {
		model_task_free(t);
		return 0;
	}
	p = model_find_id(m, t->id);
	if (p == NULL) {
		for (p = model_find_tgid(m, t->host, t->boot, t->tgid); p;
		     p = p->next_same)
			if (model_same_task(&p->lead, t))
				break;
		if (p != NULL) {
			/* same task under a second id: merge, and expand
			 * again so children naming the new id are found */
			char *id = fx_strdup(t->id);

			model_merge_task(&p->lead, t);
			model_add_alias(m, p, id);
			free(id);
			p->frontier = true;
		}
	} else {
		model_task_free(t);
	}
	if (p != NULL) {
		if (parent != NULL && p->parent == NULL && p != parent &&
		    !is_ancestor(p, parent))
			model_link(parent, p);
		return 0;
	}
	p = model_add_proc(m, t);
	if (p == NULL) {
		model_task_free(t);
		return too_many(l);
	}
	p->frontier = true;
	p->star = p->lead.star;
	if (parent != NULL)
		model_link(parent, p);
	return 0;
}

/* ---- the pids index ----
 * pids is read in one scan. The tree is expanded over an index of every
 * document's link fields, not over $in queries: a store without a usable
 * index for them (FerretDB's SQLite handler) scans the whole collection
 * for every query, and the breadth-first walk asked one per 500 ids and
 * level (24x the plain read at 10k processes). An entry costs about 200
 * bytes; the documents themselves go to an unlinked temporary file as
 * they arrive and are read back from there, in the same order, only for
 * the processes kept after the selection (load_fill): the store is read
 * once and memory follows what is kept. */

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
	struct fmap *by_parent_id; /* parent_id -> first child index + 1 */
	struct fmap
	    *by_ptgid; /* parent tgid -> first index + 1 (no parent_id) */
	struct fmap *by_tgid; /* tgid -> first thread index + 1 */
	struct fmap *strs;    /* interned host and boot strings */
	uint32_t *stars;
	size_t nstars;
	FILE *spill;   /* the documents, as read */
	char **blocks; /* arena */
	size_t nblocks, used;
};

/* s[0..n) (NULs and all) and a NUL, in the arena */
static char *
arena_mem(struct pindex *ix, const char *s, size_t len)
{
	size_t n = len + 1;
	char *d;

	if (n > ARENA_BLOCK / 16) { /* a long id: a block of its own */
		ix->blocks = fx_reallocarray(ix->blocks, ix->nblocks + 1,
		                             sizeof(*ix->blocks));
		d = fx_calloc(n, 1);
		memcpy(d, s, len);
		ix->blocks[ix->nblocks++] = d;
		ix->used = ARENA_BLOCK; /* the next string starts a new block */
		return d;
	}
	if (ix->nblocks == 0 || ix->used + n > ARENA_BLOCK) {
		ix->blocks = fx_reallocarray(ix->blocks, ix->nblocks + 1,
		                             sizeof(*ix->blocks));
		ix->blocks[ix->nblocks++] = fx_calloc(ARENA_BLOCK, 1);
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
	v = fmap_get(ix->strs, s);
	if (v == NULL) {
		v = arena_dup(ix, s);
		fmap_put(ix->strs, s, v);
	}
	return v;
}

/* chain idx into map under key (newest first; callers sort) */
static void
chain(struct pindex *ix, struct fmap *map, const char *key, uint32_t idx)
{
	uintptr_t head = (uintptr_t)fmap_get(map, key);

	ix->v[idx].next = head ? (uint32_t)(head - 1) : SK_END;
	fmap_put(map, key, (void *)(uintptr_t)(idx + 1));
}

/* raw start_ns <= until + tolerance, as the store evaluated $lte: a
 * document without a numeric start_ns does not match */
static bool
before_until(const struct loader *l, const bson_t *doc)
{
	bson_iter_t it;

	if (l->o->until == INT64_MAX)
		return true;
	if (!bson_iter_init_find(&it, doc, F_START_NS) ||
	    !(BSON_ITER_HOLDS_INT32(&it) || BSON_ITER_HOLDS_INT64(&it) ||
	      BSON_ITER_HOLDS_DOUBLE(&it)))
		return false;
	return bson_iter_as_int64(&it) <= l->o->until + MATCH_TOL_NS;
}

static int
index_doc(struct loader *l, struct model *m, const bson_t *doc, void *arg)
{
	struct pindex *ix = arg;
	struct skel *s;
	struct task t;
	char key[24];
	uint32_t idx;

	(void)m;
	if (task_from_bson(doc, &t) != 0)
		return 0;
	if (fwrite(bson_get_data(doc), 1, doc->len, ix->spill) != doc->len) {
		model_task_free(&t);
		model_error("writing a temporary file: %s", strerror(errno));
		return -1;
	}
	if (ix->n >= SK_END - 1) {
		model_task_free(&t);
		model_error("more than %u pids documents", SK_END - 1);
		return -1;
	}
	if (ix->n == ix->cap) {
		ix->cap = ix->cap ? ix->cap * 2 : 4096;
		ix->v = fx_reallocarray(ix->v, ix->cap, sizeof(*ix->v));
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
		ix->stars = fx_reallocarray(ix->stars, ix->nstars + 1,
		                            sizeof(*ix->stars));
		ix->stars[ix->nstars++] = idx;
	}
	/* children and threads are looked up only with start <= until */
	if (!before_until(l, doc))
		return 0;
	if (s->pid != s->tgid) {
		snprintf(key, sizeof(key), "%d", (int)s->tgid);
		chain(ix, ix->by_tgid, key, idx);
	} else if (s->parent_id != NULL) {
		chain(ix, ix->by_parent_id, s->parent_id, idx);
	} else if (s->has_ptgid) {
		snprintf(key, sizeof(key), "%d", (int)s->parent_tgid);
		chain(ix, ix->by_ptgid, key, idx);
	}
	return 0;
}

static void
index_free(struct pindex *ix)
{
	size_t i;

	for (i = 0; i < ix->nblocks; i++)
		free(ix->blocks[i]);
	free(ix->blocks);
	free(ix->v);
	free(ix->stars);
	fmap_free(ix->by_parent_id);
	fmap_free(ix->by_ptgid);
	fmap_free(ix->by_tgid);
	fmap_free(ix->strs);
	if (ix->spill != NULL)
		fclose(ix->spill);
}

static int
index_build(struct loader *l, struct pindex *ix)
{
	bson_t q = BSON_INITIALIZER, *opts;
	int rc;

	memset(ix, 0, sizeof(*ix));
	ix->by_parent_id = fmap_new();
	ix->by_ptgid = fmap_new();
	ix->by_tgid = fmap_new();
	ix->strs = fmap_new();
	ix->spill = tmpfile();
	if (ix->spill == NULL) {
		model_error("creating a temporary file: %s", strerror(errno));
		return -1;
	}
	opts = pids_opts();
	add_host(l, &q);
	rc = each_doc(l, NULL, COLL_PIDS, &q, opts, index_doc, ix);
	bson_destroy(&q);
	bson_destroy(opts);
	return rc;
}

/* a task holding an entry's fields, for add_task and friends */
static void
skel_task(const struct skel *s, struct task *t)
{
	memset(t, 0, sizeof(*t));
	t->id = fx_strdup(s->id);
	t->parent_id = s->parent_id ? fx_strdup(s->parent_id) : NULL;
	t->host = s->host ? fx_strdup(s->host) : NULL;
	t->boot = s->boot ? fx_strdup(s->boot) : NULL;
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
	t->docker_id = s->docker_id ? fx_strdup(s->docker_id) : NULL;
	if (s->rootfs != NULL)
		fbytes_set(&t->rootfs, s->rootfs, s->rootfs_n);
}

static int
u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Indexes of the entries chained under keys[0..n) in map, in the store's
 * order (what one find with $in returned), each once. */
static size_t
index_match(const struct pindex *ix, const struct fmap *map, char **keys,
            size_t n, uint32_t **out)
{
	uint32_t *v = NULL;
	size_t k = 0, cap = 0, i, w;

	for (i = 0; i < n; i++) {
		uintptr_t head = (uintptr_t)fmap_get(map, keys[i]);
		uint32_t j;

		for (j = head ? (uint32_t)(head - 1) : SK_END; j != SK_END;
		     j = ix->v[j].next) {
			if (k == cap) {
				cap = cap ? cap * 2 : 64;
				v = fx_reallocarray(v, cap, sizeof(*v));
			}
			v[k++] = j;
		}
	}
	model_sort(v, k, sizeof(*v), u32_cmp);
	for (i = w = 0; i < k; i++)
		if (w == 0 || v[w - 1] != v[i])
			v[w++] = v[i];
	*out = v;
	return w;
}

typedef int task_fn(struct loader *l, struct model *m, struct task *t);

static int
each_match(struct loader *l, struct model *m, const struct pindex *ix,
           const struct fmap *map, char **keys, size_t n, task_fn *fn)
{
	uint32_t *v;
	size_t k = index_match(ix, map, keys, n, &v), i;
	int rc = 0;

	for (i = 0; rc == 0 && i < k; i++) {
		struct task t;

		skel_task(&ix->v[v[i]], &t);
		rc = fn(l, m, &t);
	}
	free(v);
	return rc;
}

static int
child_by_id(struct loader *l, struct model *m, struct task *t)
{
	struct proc *parent = model_find_id(m, t->parent_id);

	if (parent == NULL) {
		model_task_free(t);
		return 0;
	}
	return add_task(l, m, t, parent);
}

static int
child_by_tgid(struct loader *l, struct model *m, struct task *t)
{
	struct proc *parent;

	/* no parent_id: the process with parent_tgid alive at the fork */
	parent = t->has_ptgid
	             ? model_match_time(m, t->host, t->boot, t->parent_tgid,
	                                t->has_start ? t->start_ns : NS_NONE)
	             : NULL;
	if (parent == NULL || parent == model_find_id(m, t->id)) {
		model_task_free(t);
		return 0;
	}
	return add_task(l, m, t, parent);
}

static int
thread_task(struct loader *l, struct model *m, struct task *t)
{
	struct proc *p;
	size_t i;

	(void)l;
	if (t->pid == t->tgid) {
		model_task_free(t);
		return 0;
	}
	/* the incarnation of tgid alive when the thread started: PID reuse
	 * never joins a thread to the wrong process */
	p = model_match_time(m, t->host, t->boot, t->tgid,
	                     t->has_start ? t->start_ns : NS_NONE);
	if (p == NULL) {
		m->orphan_threads++;
		model_task_free(t);
		return 0;
	}
	for (i = 0; i < p->nthreads; i++)
		if (model_same_task(&p->threads[i], t)) {
			model_merge_task(&p->threads[i], t);
			return 0;
		}
	p->threads =
	    fx_reallocarray(p->threads, p->nthreads + 1, sizeof(*p->threads));
	p->threads[p->nthreads++] = *t;
	return 0;
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
	int32_t *v = fx_calloc(n, sizeof(*v));
	char **keys, key[24];
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		v[i] = procs[i]->lead.tgid;
	model_sort(v, n, sizeof(*v), i32_cmp);
	for (i = 0; i < n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	keys = fx_calloc(k, sizeof(*keys));
	for (i = 0; i < k; i++) {
		snprintf(key, sizeof(key), "%d", (int)v[i]);
		keys[i] = fx_strdup(key);
	}
	free(v);
	*out = keys;
	return k;
}

static void
keys_free(char **keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

/* Stars, then their descendants level by level, then threads, over the
 * index: the same documents, in the same order, as the queries it
 * replaces ({star: true}, {parent_id: {$in}}, {parent_tgid: {$in},
 * parent_id: {$exists: false}}, {tgid: {$in}}, all with host and
 * start_ns <= until). */
static int
tree_from_index(struct loader *l, struct model *m, const struct pindex *ix)
{
	struct proc **front = NULL;
	char **ids = NULL, **tg;
	size_t level, nf, ni, nt, i, j;
	int rc = 0;

	for (i = 0; rc == 0 && i < ix->nstars; i++) {
		struct task t;

		skel_task(&ix->v[ix->stars[i]], &t);
		rc = add_task(l, m, &t, NULL);
	}
	for (level = 0; rc == 0 && level < LOAD_MAX_LEVELS; level++) {
		nf = ni = 0;
		front = fx_reallocarray(front, m->nprocs, sizeof(*front));
		for (i = 0; i < m->nprocs; i++)
			if (m->procs[i]->frontier) {
				m->procs[i]->frontier = false;
				front[nf++] = m->procs[i];
				ni += 1 + m->procs[i]->lead.nalias;
			}
		if (nf == 0)
			break;
		ids = fx_reallocarray(ids, ni, sizeof(*ids));
		for (i = ni = 0; i < nf; i++) {
			ids[ni++] = front[i]->lead.id;
			for (j = 0; j < front[i]->lead.nalias; j++)
				ids[ni++] = front[i]->lead.alias[j];
		}
		rc = each_match(l, m, ix, ix->by_parent_id, ids, ni,
		                child_by_id);
		if (rc != 0)
			break;
		nt = tgids_of(front, nf, &tg);
		rc = each_match(l, m, ix, ix->by_ptgid, tg, nt, child_by_tgid);
		keys_free(tg, nt);
	}
	free(front);
	free(ids);
	if (rc == 0 && level == LOAD_MAX_LEVELS)
		log_warnx("tree deeper than %d levels; cut there",
		          LOAD_MAX_LEVELS);
	if (rc != 0 || m->nprocs == 0)
		return rc;
	nt = tgids_of(m->procs, m->nprocs, &tg);
	rc = each_match(l, m, ix, ix->by_tgid, tg, nt, thread_task);
	keys_free(tg, nt);
	return rc;
}

/* ---- the full documents of the tree's tasks ---- */

/* Takes what dst lacks from src, a full document of the same task (its
 * id or an alias); frees src. */
static void
fill_task(struct task *dst, struct task *src)
{
	free(src->id);
	src->id = fx_strdup(dst->id); /* not a new alias */
	model_merge_task(dst, src);
}

/* a thread's document is read for its identity, parent, times, comm,
 * exit and docker_id only: its exec fields are the process's */
static void
thread_fields_only(struct task *t)
{
	fbytes_free(&t->exe);
	fbytes_free(&t->cwd);
	fbytes_free(&t->rootfs);
	fbytes_free(&t->source);
	fargv_free(&t->args);
	model_execs_free(t);
	t->star = t->setns = t->args_trunc = false;
	t->execve_count = 0;
}

static int
fill_doc(struct loader *l, struct model *m, const bson_t *doc, void *arg)
{
	struct fmap *threads = arg;
	struct proc *p;
	struct task t;
	bson_iter_t it;
	char *id;
	size_t i, j;

	(void)l;
	if (!bson_iter_init_find(&it, doc, F_ID) ||
	    (id = get_cstr(&it)) == NULL)
		return 0;
	p = model_find_id(m, id);
	if (p == NULL && (p = fmap_get(threads, id)) == NULL) {
		free(id);
		return 0;
	}
	if (!p->keep) {
		free(id);
		return 0;
	}
	if (task_from_bson(doc, &t) != 0) {
		free(id);
		return 0;
	}
	if (!t.thread && t.pid == t.tgid && model_find_id(m, id) == p) {
		fill_task(&p->lead, &t);
		free(id);
		return 0;
	}
	thread_fields_only(&t);
	for (i = 0; i < p->nthreads; i++) {
		struct task *th = &p->threads[i];
		bool mine = strcmp(th->id, id) == 0;

		for (j = 0; !mine && j < th->nalias; j++)
			mine = strcmp(th->alias[j], id) == 0;
		if (mine) {
			fill_task(th, &t);
			free(id);
			return 0;
		}
	}
	model_task_free(&t);
	free(id);
	return 0;
}

/* The documents index_doc kept, in the order the store sent them: each
 * a little-endian int32 length and the rest of the document. */
int
load_fill(struct loader *l, struct model *m)
{
	FILE *spill = l->spill;
	struct fmap *threads = fmap_new();
	uint8_t *buf = NULL;
	size_t cap = 0, i, j, k;
	int rc = 0;

	for (i = 0; i < m->nprocs; i++) {
		struct proc *p = m->procs[i];

		for (j = 0; p->keep && j < p->nthreads; j++) {
			fmap_put(threads, p->threads[j].id, p);
			for (k = 0; k < p->threads[j].nalias; k++)
				fmap_put(threads, p->threads[j].alias[k], p);
		}
	}
	if (spill == NULL)
		return 0;
	if (fflush(spill) != 0 || fseek(spill, 0, SEEK_SET) != 0) {
		model_error("reading a temporary file: %s", strerror(errno));
		rc = -1;
	}
	while (rc == 0) {
		uint8_t hdr[4];
		uint32_t len;
		bson_t doc;
		size_t got = fread(hdr, 1, 4, spill);

		if (got == 0 && feof(spill))
			break;
		len = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 |
		      (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
		if (got != 4 || len < 5 || len > LOAD_DOC_MAX) {
			model_error("reading a temporary file: bad length");
			rc = -1;
			break;
		}
		if (len > cap) {
			cap = len;
			buf = fx_reallocarray(buf, cap, 1);
		}
		memcpy(buf, hdr, 4);
		if (fread(buf + 4, 1, len - 4, spill) != len - 4 ||
		    !bson_init_static(&doc, buf, len)) {
			model_error("reading a temporary file: %s",
			            ferror(spill) ? strerror(errno) : "short");
			rc = -1;
			break;
		}
		rc = fill_doc(l, m, &doc, threads);
	}
	free(buf);
	fmap_free(threads);
	fclose(spill);
	l->spill = NULL;
	return rc;
}

int
load_tree(struct loader *l, struct model *m)
{
	struct pindex ix;
	int rc;

	rc = index_build(l, &ix);
	if (rc == 0)
		rc = tree_from_index(l, m, &ix);
	if (m->orphan_threads > 0)
		log_debug("%zu threads without their process",
		          m->orphan_threads);
	/* the documents wait for load_fill: the kept ones are known then */
	l->spill = ix.spill;
	ix.spill = NULL;
	index_free(&ix);
	return rc;
}

/* ---- files ---- */

/* The listener joins an unlink or rename that follows a close right away
 * to the closed file's document (then_* fields, docs/schema.md): here it
 * becomes an operation of its own again, owned by the process that did
 * it. */
static void
joined_op(struct model *m, const struct file *f, const struct bytes *op,
          int64_t ns, const char *proc_id, const struct bytes *new_path)
{
	struct proc *by = proc_id != NULL ? model_find_id(m, proc_id) : NULL;
	enum file_op fop;
	struct bytes raw = {0};
	struct file *g;
	char *id;
	size_t n;

	if (op->n == 6 && memcmp(op->p, "rename", 6) == 0)
		fop = FOP_RENAME;
	else if (op->n == 6 && memcmp(op->p, "unlink", 6) == 0)
		fop = FOP_UNLINK;
	else
		return;
	if (by == NULL || !by->keep || f->id == NULL)
		return;
	n = strlen(f->id) + 8;
	id = malloc(n);
	if (id == NULL)
		return;
	snprintf(id, n, "%s:%s", f->id,
	         fop == FOP_RENAME ? "rename" : "unlink");
	if (fmap_get(m->fileid, id) != NULL) {
		free(id);
		return;
	}
	fbytes_copy(&raw, &f->raw_path); /* f moves when the array grows */
	fmap_put(m->fileid, id, by);
	g = model_add_file(m);
	g->id = id;
	g->owner = by;
	g->op = fop;
	g->raw_path = raw;
	g->ns = ns;
	if (fop == FOP_RENAME)
		fbytes_copy(&g->new_path, new_path);
}

static int
file_doc(struct loader *l, struct model *m, const bson_t *doc, void *arg)
{
	bool from_fds = arg != NULL;
	struct file *f;
	struct proc *owner = NULL;
	bson_iter_t it;
	char *id = NULL, *proc_id = NULL, *then_proc = NULL;
	struct bytes op = {0}, then_op = {0}, new_path = {0};
	int64_t ms, then_ns = NS_NONE;

	(void)l;
	if (!bson_iter_init(&it, doc))
		return 0;
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);

		if (strcmp(k, F_ID) == 0 && id == NULL)
			id = get_cstr(&it);
		else if (strcmp(k, F_PROC_ID) == 0 && proc_id == NULL)
			proc_id = get_cstr(&it);
	}
	if (id != NULL && proc_id != NULL)
		owner = model_find_id(m, proc_id);
	free(proc_id);
	if (owner == NULL || !owner->keep || fmap_get(m->fileid, id) != NULL) {
		free(id);
		return 0;
	}
	fmap_put(m->fileid, id, owner);
	f = model_add_file(m);
	f->id = id;
	f->owner = owner;
	f->from_fds = from_fds;
	bson_iter_init(&it, doc);
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);

		ms = NS_NONE;
		if (strcmp(k, F_OP) == 0)
			get_bytes(&it, &op);
		else if (strcmp(k, F_FILENAME) == 0)
			get_bytes(&it, &f->raw_path);
		else if (strcmp(k, F_NEW_FILENAME) == 0)
			get_bytes(&it, &new_path);
		else if (strcmp(k, F_THEN_OP) == 0)
			get_bytes(&it, &then_op);
		else if (strcmp(k, F_THEN_NS) == 0)
			get_i64(&it, &then_ns);
		else if (strcmp(k, F_THEN_TS) == 0 && then_ns == NS_NONE &&
		         get_date_ns(&it, &ms))
			then_ns = ms;
		else if (strcmp(k, F_THEN_PROC_ID) == 0 && then_proc == NULL)
			then_proc = get_cstr(&it);
		else if (strcmp(k, F_FD) == 0)
			get_i32(&it, &f->fd);
		else if (strcmp(k, F_FLAGS) == 0)
			get_i32(&it, &f->flags);
		else if (strcmp(k, F_OPEN_NS) == 0)
			get_i64(&it, &f->open_ns);
		else if (strcmp(k, F_OPEN_TS) == 0 && f->open_ns == NS_NONE &&
		         get_date_ns(&it, &ms))
			f->open_ns = ms;
		else if (strcmp(k, F_CLOSE_NS) == 0)
			f->has_close = get_i64(&it, &f->close_ns);
		else if (strcmp(k, F_CLOSE_TS) == 0 && !f->has_close &&
		         get_date_ns(&it, &ms)) {
			f->close_ns = ms;
			f->has_close = true;
		} else if (strcmp(k, F_CLOSE_BY) == 0)
			get_bytes(&it, &f->closed_by);
		else if (strcmp(k, F_OP_NS) == 0)
			get_i64(&it, &f->ns);
		else if (strcmp(k, F_OP_TS) == 0 && f->ns == NS_NONE &&
		         get_date_ns(&it, &ms))
			f->ns = ms;
		else if (strcmp(k, F_WRITE_COUNT) == 0)
			get_i64(&it, &f->writes);
		else if (strcmp(k, F_WRITE_BYTES) == 0)
			get_i64(&it, &f->write_bytes);
	}
	if (op.set && op.n == 6 && memcmp(op.p, "rename", 6) == 0)
		f->op = FOP_RENAME;
	else if (op.set && op.n == 6 && memcmp(op.p, "unlink", 6) == 0)
		f->op = FOP_UNLINK;
	else
		f->op = FOP_OPEN;
	fbytes_free(&op);
	if (!f->raw_path.set)
		fbytes_set(&f->raw_path, "", 0);
	if (then_op.set)
		joined_op(m, f, &then_op, then_ns, then_proc, &new_path);
	else if (f->op == FOP_RENAME)
		fbytes_copy(&f->new_path, &new_path);
	fbytes_free(&then_op);
	fbytes_free(&new_path);
	free(then_proc);
	return 0;
}

int
load_files(struct loader *l, struct model *m)
{
	static const char *colls[] = {COLL_FILES, COLL_FDS};
	bson_t *opts =
	    BCON_NEW("projection", "{", F_WRITTEN, BCON_INT32(0), "}");
	char **ids = NULL;
	size_t ni = 0, i, j, c;
	int rc = 0;

	for (i = 0; i < m->nprocs; i++) {
		struct proc *p = m->procs[i];

		if (!p->keep)
			continue;
		ids =
		    fx_reallocarray(ids, ni + 1 + p->lead.nalias, sizeof(*ids));
		ids[ni++] = p->lead.id;
		for (j = 0; j < p->lead.nalias; j++)
			ids[ni++] = p->lead.alias[j];
	}
	/* files first: a document in both (moved at close) is the closed
	 * one. At most one query per collection: up to LOAD_IN_CHUNK
	 * owners one $in (an index lookup where the store has one), more
	 * a plain scan, filtered here by owner (file_doc): a store without
	 * such an index scans the collection for every query. */
	for (c = 0; rc == 0 && c < 2 && ni > 0; c++) {
		bson_t q = BSON_INITIALIZER, d, a;
		char key[24];

		add_host(l, &q);
		if (ni <= LOAD_IN_CHUNK) {
			BSON_APPEND_DOCUMENT_BEGIN(&q, F_PROC_ID, &d);
			BSON_APPEND_ARRAY_BEGIN(&d, "$in", &a);
			for (j = 0; j < ni; j++) {
				snprintf(key, sizeof(key), "%zu", j);
				BSON_APPEND_UTF8(&a, key, ids[j]);
			}
			bson_append_array_end(&d, &a);
			bson_append_document_end(&q, &d);
		}
		rc = each_doc(l, m, colls[c], &q, opts, file_doc,
		              c == 1 ? (void *)1 : NULL);
		bson_destroy(&q);
	}
	free(ids);
	bson_destroy(opts);
	return rc;
}

/* ---- gaps ---- */

static int
gap_doc(struct loader *l, struct model *m, const bson_t *doc, void *arg)
{
	struct gap g;
	bson_iter_t it;

	(void)arg;
	memset(&g, 0, sizeof(g));
	g.from_ns = g.to_ns = NS_NONE;
	if (!bson_iter_init(&it, doc))
		return 0;
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);

		if (strcmp(k, F_HOST) == 0 && g.host == NULL)
			g.host = get_cstr(&it);
		else if (strcmp(k, F_BOOT) == 0 && g.boot == NULL)
			g.boot = get_cstr(&it);
		else if (strcmp(k, F_GAP_SOURCE) == 0)
			get_bytes(&it, &g.source);
		else if (strcmp(k, F_GAP_FROM) == 0)
			get_date_ns(&it, &g.from_ns);
		else if (strcmp(k, F_GAP_TO) == 0)
			get_date_ns(&it, &g.to_ns);
		else if (strcmp(k, F_GAP_COUNT) == 0)
			get_i64(&it, &g.count);
	}
	if ((g.from_ns != NS_NONE && g.from_ns > l->o->until) ||
	    (g.to_ns != NS_NONE && g.to_ns < l->o->since)) {
		free(g.host);
		free(g.boot);
		fbytes_free(&g.source);
		return 0;
	}
	*model_add_gap(m) = g;
	return 0;
}

int
load_gaps(struct loader *l, struct model *m)
{
	bson_t q = BSON_INITIALIZER;
	bson_t *opts = BCON_NEW(
	    "projection", "{", F_HOST, BCON_INT32(1), F_BOOT, BCON_INT32(1),
	    F_GAP_SOURCE, BCON_INT32(1), F_GAP_FROM, BCON_INT32(1), F_GAP_TO,
	    BCON_INT32(1), F_GAP_COUNT, BCON_INT32(1), "}");
	int rc;

	add_host(l, &q);
	rc = each_doc(l, m, COLL_GAPS, &q, opts, gap_doc, NULL);
	bson_destroy(&q);
	bson_destroy(opts);
	return rc;
}
