/* docmap.c - see docmap.h. */
#include "docmap.h"

#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "esc.h"
#include "log.h"
#include "schema.h"

void
docmap_init(struct docmap *dm, struct store *s, const char *host,
            const char *boot_id)
{
	dm->store = s;
	dm->host = host;
	dm->boot_id = boot_id;
	bson_init(&dm->sel);
	bson_init(&dm->upd);
	/* without the ring every document is written at once */
	dm->held = calloc(DOCMAP_HOLD_MAX, sizeof(*dm->held));
	dm->head = dm->nheld = 0;
	dm->merged = 0;
}

void
docmap_fini(struct docmap *dm)
{
	docmap_release(dm, INT64_MAX, UINT64_MAX);
	free(dm->held);
	dm->held = NULL;
	bson_destroy(&dm->sel);
	bson_destroy(&dm->upd);
}

void
docmap_append_bytes(bson_t *b, const char *key, const char *p, size_t n)
{
	if (esc_is_clean(p, n))
		bson_append_utf8(b, key, -1, p, (int)n);
	else
		bson_append_binary(b, key, -1, BSON_SUBTYPE_BINARY,
		                   (const uint8_t *)p, (uint32_t)n);
}

static void
append_date(bson_t *b, const char *key, int64_t ns)
{
	bson_append_date_time(b, key, -1, ns / 1000000);
}

static void
begin(struct docmap *dm, const char *id)
{
	bson_reinit(&dm->sel);
	bson_reinit(&dm->upd);
	BSON_APPEND_UTF8(&dm->sel, F_ID, id);
}

struct task_doc *
docmap_doc_new(void)
{
	struct task_doc *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->execs = bson_new();
	d->last = bson_new();
	return d;
}

void
docmap_doc_free(struct task_doc *d)
{
	if (d == NULL)
		return;
	bson_destroy(d->execs);
	bson_destroy(d->last);
	free(d->rootfs);
	free(d);
}

static void append_args(bson_t *b, const char *key, const struct exec_info *x);
static void append_info(bson_t *set, const struct exec_info *x);
static void append_exec_entry(bson_t *arr, const char *idx,
                              const struct exec_info *x);

void
docmap_doc_exec(struct task_doc *d, const struct exec_info *x)
{
	char idx[16];

	if (d->nexecs < EXECVE_MAX) {
		snprintf(idx, sizeof(idx), "%u", d->nexecs);
		append_exec_entry(d->execs, idx, x);
	}
	d->nexecs++;
	docmap_doc_info(d, x);
}

void
docmap_doc_info(struct task_doc *d, const struct exec_info *x)
{
	bson_reinit(d->last);
	append_info(d->last, x);
}

/* Fields of struct task every pids document has. */
static void
task_fields(bson_t *b, const struct task *k)
{
	BSON_APPEND_INT32(b, F_PID, k->pid);
	BSON_APPEND_INT32(b, F_TGID, k->tgid);
	if (k->thread) /* absent on processes: every field costs the store */
		BSON_APPEND_BOOL(b, F_THREAD, true);
	BSON_APPEND_INT32(b, F_PPID, k->ppid);
	BSON_APPEND_INT32(b, F_PARENT_TGID, k->ptgid);
	if (k->parent_id[0] != '\0')
		BSON_APPEND_UTF8(b, F_PARENT_ID, k->parent_id);
	BSON_APPEND_INT64(b, F_START_TICKS, (int64_t)k->start_ticks);
	append_date(b, F_START_TS, k->start_ns);
	BSON_APPEND_INT64(b, F_START_NS, k->start_ns);
	if (k->star)
		BSON_APPEND_BOOL(b, F_STAR, true);
	if (k->docker_id[0] != '\0')
		BSON_APPEND_UTF8(b, F_DOCKER_ID, k->docker_id);
}

static void exit_fields(bson_t *b, const struct task *k, uint32_t status);

static void
state_fields(bson_t *b, const struct task *k, const struct task_doc *d)
{
	task_fields(b, k);
	if (d != NULL) {
		bson_concat(b, d->last);
		if (d->rootfs != NULL)
			BSON_APPEND_UTF8(b, F_ROOTFS, d->rootfs);
		if (d->setns)
			BSON_APPEND_BOOL(b, F_SETNS, true);
	}
	if (k->exited)
		exit_fields(b, k, k->exit_status);
}

bool
docmap_insert_only(const struct docmap *dm)
{
	return store_updates_scan(dm->store);
}

static int task_insert(struct docmap *dm, const struct task *k,
                       const struct task_doc *d, bool final);

int
docmap_task_write(struct docmap *dm, const struct task *k,
                  const struct task_doc *d)
{
	return task_insert(dm, k, d, false);
}

int
docmap_task_final(struct docmap *dm, const struct task *k,
                  const struct task_doc *d)
{
	return task_insert(dm, k, d, true);
}

static int
task_insert(struct docmap *dm, const struct task *k, const struct task_doc *d,
            bool final)
{
	bson_t doc = BSON_INITIALIZER;
	char id[TASK_ID_MAX + 8];
	int rc;

	if (final) {
		snprintf(id, sizeof(id), "%s:final", k->id);
		BSON_APPEND_UTF8(&doc, F_ID, id);
		BSON_APPEND_UTF8(&doc, F_FINAL_OF, k->id);
	} else
		BSON_APPEND_UTF8(&doc, F_ID, k->id);
	BSON_APPEND_UTF8(&doc, F_HOST, dm->host);
	BSON_APPEND_UTF8(&doc, F_BOOT, dm->boot_id);
	BSON_APPEND_UTF8(&doc, F_SOURCE, k->source ? k->source : "audit");
	state_fields(&doc, k, d);
	if (d != NULL && d->nexecs > 0) {
		BSON_APPEND_ARRAY(&doc, F_EXECVE, d->execs);
		BSON_APPEND_INT32(&doc, F_EXECVE_COUNT, (int32_t)d->nexecs);
	}
	rc = store_insert(dm->store, STORE_PIDS, &doc);
	bson_destroy(&doc);
	return rc;
}

static void
append_args(bson_t *b, const char *key, const struct exec_info *x)
{
	bson_t arr;
	unsigned int i;
	char idx[16];

	BSON_APPEND_ARRAY_BEGIN(b, key, &arr);
	for (i = 0; i < x->argc; i++) {
		snprintf(idx, sizeof(idx), "%u", i);
		docmap_append_bytes(&arr, idx, x->argv[i].p, x->argv[i].n);
	}
	bson_append_array_end(b, &arr);
}

static void
append_info(bson_t *set, const struct exec_info *x)
{
	append_args(set, F_ARGS, x);
	if (x->truncated)
		BSON_APPEND_BOOL(set, F_ARGS_TRUNC, true);
	if (x->exe.n > 0)
		docmap_append_bytes(set, F_EXE, x->exe.p, x->exe.n);
	if (x->cwd.n > 0)
		docmap_append_bytes(set, F_CWD, x->cwd.p, x->cwd.n);
	if (x->comm.n > 0)
		docmap_append_bytes(set, F_COMM, x->comm.p, x->comm.n);
}

static void
append_exec_entry(bson_t *arr, const char *idx, const struct exec_info *x)
{
	bson_t ent;

	BSON_APPEND_DOCUMENT_BEGIN(arr, idx, &ent);
	append_date(&ent, F_EXEC_TS, x->ns);
	BSON_APPEND_INT64(&ent, F_EXEC_NS, x->ns);
	append_args(&ent, F_ARGS, x);
	if (x->exe.n > 0)
		docmap_append_bytes(&ent, F_EXE, x->exe.p, x->exe.n);
	if (x->cwd.n > 0)
		docmap_append_bytes(&ent, F_CWD, x->cwd.p, x->cwd.n);
	bson_append_document_end(arr, &ent);
}

int
docmap_exec(struct docmap *dm, const struct task *k, const struct exec_info *x)
{
	bson_t set, add, max;

	begin(dm, k->id);
	BSON_APPEND_DOCUMENT_BEGIN(&dm->upd, "$set", &set);
	append_info(&set, x);
	bson_append_document_end(&dm->upd, &set);
	if (k->nexec <= EXECVE_MAX) {
		/* $addToSet: a replayed exec is the same element. */
		BSON_APPEND_DOCUMENT_BEGIN(&dm->upd, "$addToSet", &add);
		append_exec_entry(&add, F_EXECVE, x);
		bson_append_document_end(&dm->upd, &add);
	}
	BSON_APPEND_DOCUMENT_BEGIN(&dm->upd, "$max", &max);
	BSON_APPEND_INT32(&max, F_EXECVE_COUNT, (int32_t)k->nexec);
	bson_append_document_end(&dm->upd, &max);
	return store_upsert(dm->store, STORE_PIDS, &dm->sel, &dm->upd);
}

static void
exit_fields(bson_t *b, const struct task *k, uint32_t status)
{
	append_date(b, F_EXIT_TS, k->exit_ns);
	BSON_APPEND_INT64(b, F_EXIT_NS, k->exit_ns);
	BSON_APPEND_INT32(b, F_EXIT_STATUS, (int32_t)status);
	if ((status & 0x7f) == 0)
		BSON_APPEND_INT32(b, F_EXIT_CODE,
		                  (int32_t)((status >> 8) & 0xff));
	else
		BSON_APPEND_INT32(b, F_EXIT_SIGNAL, (int32_t)(status & 0x7f));
}

int
docmap_exit(struct docmap *dm, const struct task *k, uint32_t status)
{
	bson_t set;

	begin(dm, k->id);
	BSON_APPEND_DOCUMENT_BEGIN(&dm->upd, "$set", &set);
	exit_fields(&set, k, status);
	bson_append_document_end(&dm->upd, &set);
	return store_upsert(dm->store, STORE_PIDS, &dm->sel, &dm->upd);
}

static int
set_one(struct docmap *dm, const struct task *k, const char *key, const char *p,
        size_t n, bool flag)
{
	bson_t set;

	begin(dm, k->id);
	BSON_APPEND_DOCUMENT_BEGIN(&dm->upd, "$set", &set);
	if (p != NULL)
		docmap_append_bytes(&set, key, p, n);
	else
		BSON_APPEND_BOOL(&set, key, flag);
	bson_append_document_end(&dm->upd, &set);
	return store_upsert(dm->store, STORE_PIDS, &dm->sel, &dm->upd);
}

int
docmap_docker(struct docmap *dm, const struct task *k)
{
	return set_one(dm, k, F_DOCKER_ID, k->docker_id, strlen(k->docker_id),
	               false);
}

int
docmap_rootfs(struct docmap *dm, const struct task *k, struct str rootfs)
{
	return set_one(dm, k, F_ROOTFS, rootfs.p, rootfs.n, false);
}

int
docmap_setns(struct docmap *dm, const struct task *k)
{
	return set_one(dm, k, F_SETNS, NULL, 0, true);
}

int
docmap_star(struct docmap *dm, const struct task *k)
{
	return set_one(dm, k, F_STAR, NULL, 0, true);
}

static void
append_file(struct docmap *dm, bson_t *set, const struct fsess *e,
            const struct task *proc)
{
	bson_t arr;
	unsigned int i;
	char idx[16];

	BSON_APPEND_UTF8(set, F_HOST, dm->host);
	BSON_APPEND_UTF8(set, F_BOOT, dm->boot_id);
	BSON_APPEND_UTF8(set, F_OP, "open");
	BSON_APPEND_UTF8(set, F_PROC_ID, proc->id);
	BSON_APPEND_INT32(set, F_PID, proc->pid);
	BSON_APPEND_INT32(set, F_TGID, proc->tgid);
	if (proc->docker_id[0] != '\0')
		BSON_APPEND_UTF8(set, F_DOCKER_ID, proc->docker_id);
	docmap_append_bytes(set, F_FILENAME, e->path, e->pathlen);
	BSON_APPEND_INT32(set, F_FD, e->fd);
	BSON_APPEND_INT32(set, F_FLAGS, (int32_t)e->flags);
	append_date(set, F_OPEN_TS, e->open_ns);
	BSON_APPEND_INT64(set, F_OPEN_NS, e->open_ns);
	BSON_APPEND_INT64(set, F_WRITE_COUNT, (int64_t)e->wcount);
	BSON_APPEND_INT64(set, F_WRITE_BYTES, (int64_t)e->wbytes);
	if (e->wcount > 0) {
		BSON_APPEND_INT64(set, F_FIRST_WRITE, e->first_w);
		BSON_APPEND_INT64(set, F_LAST_WRITE, e->last_w);
	}
	BSON_APPEND_ARRAY_BEGIN(set, F_WRITTEN, &arr);
	for (i = 0; i < e->nwritten; i++) {
		snprintf(idx, sizeof(idx), "%u", i);
		append_date(&arr, idx, e->written[i]);
	}
	bson_append_array_end(set, &arr);
}

/* {_id: id, fields...} as an insert: cheap on every store. */
static int
insert_set(struct docmap *dm, enum store_coll c, const char *id,
           const bson_t *fields)
{
	bson_t doc = BSON_INITIALIZER;
	int rc;

	BSON_APPEND_UTF8(&doc, F_ID, id);
	bson_concat(&doc, fields);
	rc = store_insert(dm->store, c, &doc);
	bson_destroy(&doc);
	return rc;
}

/* ---- closed files held back for a following unlink or rename ---- */

static uint32_t
path_hash(const char *p, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (n-- > 0)
		h = (h ^ (uint8_t)*p++) * 16777619u;
	return h;
}

static struct held_file *
held_at(struct docmap *dm, unsigned int i)
{
	return &dm->held[(dm->head + i) % DOCMAP_HOLD_MAX];
}

static int
write_held(struct docmap *dm, struct held_file *h)
{
	int rc;

	if (h->doc == NULL)
		return 0;
	rc = store_insert(dm->store, STORE_FILES, h->doc);

	bson_destroy(h->doc);
	h->doc = NULL;
	free(h->path);
	h->path = NULL;
	return rc;
}

/* Drops empty slots at the head. */
static void
trim_head(struct docmap *dm)
{
	while (dm->nheld > 0 && held_at(dm, 0)->doc == NULL) {
		dm->head = (dm->head + 1) % DOCMAP_HOLD_MAX;
		dm->nheld--;
	}
}

/* 0: the document is held (and will be written); -1: write it now. */
static int
hold(struct docmap *dm, const struct fsess *e, const struct task *proc,
     int64_t close_ns, const bson_t *fields)
{
	struct held_file *h;

	if (dm->held == NULL)
		return -1;
	if (dm->nheld == DOCMAP_HOLD_MAX) { /* full: the oldest goes now */
		(void)write_held(dm, held_at(dm, 0));
		trim_head(dm);
	}
	h = held_at(dm, dm->nheld);
	h->path = malloc(e->pathlen + 1);
	h->doc = bson_new();
	if (h->path == NULL || h->doc == NULL) {
		free(h->path);
		h->path = NULL;
		if (h->doc != NULL)
			bson_destroy(h->doc);
		h->doc = NULL;
		return -1;
	}
	memcpy(h->path, e->path, e->pathlen);
	h->path[e->pathlen] = '\0';
	h->pathlen = e->pathlen;
	h->hash = path_hash(e->path, e->pathlen);
	snprintf(h->docker_id, sizeof(h->docker_id), "%s", proc->docker_id);
	h->close_ns = close_ns;
	h->born_ms = util_now_ms();
	BSON_APPEND_UTF8(h->doc, F_ID, e->id);
	bson_concat(h->doc, fields);
	dm->nheld++;
	return 0;
}

/* The newest held document of this path in this container, or NULL. */
static struct held_file *
find_held(struct docmap *dm, const char *path, size_t pathlen,
          const char *docker_id)
{
	uint32_t hash = path_hash(path, pathlen);
	unsigned int i;

	for (i = dm->nheld; i-- > 0;) {
		struct held_file *h = held_at(dm, i);

		if (h->doc != NULL && h->hash == hash &&
		    h->pathlen == pathlen &&
		    memcmp(h->path, path, pathlen) == 0 &&
		    (docker_id == NULL || strcmp(h->docker_id, docker_id) == 0))
			return h;
	}
	return NULL;
}

/* An unlink or rename of a held file's path: into its document. */
static int
merge_op(struct docmap *dm, const struct task *proc, const char *op, int64_t ns,
         const char *path, size_t pathlen, const char *newpath, size_t newlen)
{
	struct held_file *h;
	int rc;

	if (dm->held == NULL)
		return -1;
	h = find_held(dm, path, pathlen, proc->docker_id);
	if (h == NULL || ns < h->close_ns)
		return -1;
	BSON_APPEND_UTF8(h->doc, F_THEN_OP, op);
	append_date(h->doc, F_THEN_TS, ns);
	BSON_APPEND_INT64(h->doc, F_THEN_NS, ns);
	BSON_APPEND_UTF8(h->doc, F_THEN_PROC_ID, proc->id);
	BSON_APPEND_INT32(h->doc, F_THEN_PID, proc->pid);
	if (newpath != NULL)
		docmap_append_bytes(h->doc, F_NEW_FILENAME, newpath, newlen);
	rc = write_held(dm, h);
	trim_head(dm);
	dm->merged++;
	return rc;
}

void
docmap_path_reused(struct docmap *dm, const char *path, size_t pathlen)
{
	struct held_file *h;

	if (dm->held == NULL)
		return;
	while ((h = find_held(dm, path, pathlen, NULL)) != NULL)
		(void)write_held(dm, h);
	trim_head(dm);
}

void
docmap_release(struct docmap *dm, int64_t stream_ns, uint64_t now_ms)
{
	if (dm->held == NULL)
		return;
	while (dm->nheld > 0) {
		struct held_file *h = held_at(dm, 0);

		if (h->doc != NULL &&
		    h->close_ns > stream_ns - DOCMAP_HOLD_NS &&
		    now_ms < h->born_ms + DOCMAP_HOLD_WALL_MS)
			break;
		if (h->doc != NULL)
			(void)write_held(dm, h);
		dm->head = (dm->head + 1) % DOCMAP_HOLD_MAX;
		dm->nheld--;
	}
}

int
docmap_fd_open(struct docmap *dm, const struct fsess *e,
               const struct task *proc)
{
	bson_t set;
	int rc;

	/* The whole state: later flushes only grow the counters, and a
	 * replay writes the same values. */
	if (!e->in_fds) {
		bson_init(&set);
		append_file(dm, &set, e, proc);
		rc = insert_set(dm, STORE_FDS, e->id, &set);
		bson_destroy(&set);
		return rc;
	}
	begin(dm, e->id);
	BSON_APPEND_DOCUMENT_BEGIN(&dm->upd, "$set", &set);
	append_file(dm, &set, e, proc);
	bson_append_document_end(&dm->upd, &set);
	return store_upsert(dm->store, STORE_FDS, &dm->sel, &dm->upd);
}

int
docmap_fd_close(struct docmap *dm, const struct fsess *e,
                const struct task *proc, int64_t close_ns, const char *by)
{
	bson_t set = BSON_INITIALIZER;
	int rc;

	append_file(dm, &set, e, proc);
	append_date(&set, F_CLOSE_TS, close_ns);
	BSON_APPEND_INT64(&set, F_CLOSE_NS, close_ns);
	BSON_APPEND_UTF8(&set, F_CLOSE_BY, by);
	/* a file with an fds document is written at once: its fds
	 * document goes now */
	if (!e->in_fds && hold(dm, e, proc, close_ns, &set) == 0)
		rc = 0;
	else
		rc = insert_set(dm, STORE_FILES, e->id, &set);
	bson_destroy(&set);
	if (e->in_fds) {
		begin(dm, e->id);
		if (store_delete(dm->store, STORE_FDS, &dm->sel) != 0)
			rc = -1;
	}
	return rc;
}

int
docmap_op(struct docmap *dm, const struct task *proc, const char *op,
          uint64_t serial, int64_t ns, const char *path, size_t pathlen,
          const char *newpath, size_t newlen)
{
	char id[TASK_ID_MAX + 48];
	bson_t set;

	int rc;

	if (strcmp(op, "truncate") != 0 &&
	    merge_op(dm, proc, op, ns, path, pathlen, newpath, newlen) == 0)
		return 0;
	snprintf(id, sizeof(id), "%s:%s:%" PRIu64, proc->id, op, serial);
	bson_init(&set);
	BSON_APPEND_UTF8(&set, F_HOST, dm->host);
	BSON_APPEND_UTF8(&set, F_BOOT, dm->boot_id);
	BSON_APPEND_UTF8(&set, F_OP, op);
	BSON_APPEND_UTF8(&set, F_PROC_ID, proc->id);
	BSON_APPEND_INT32(&set, F_PID, proc->pid);
	BSON_APPEND_INT32(&set, F_TGID, proc->tgid);
	if (proc->docker_id[0] != '\0')
		BSON_APPEND_UTF8(&set, F_DOCKER_ID, proc->docker_id);
	docmap_append_bytes(&set, F_FILENAME, path, pathlen);
	if (newpath != NULL)
		docmap_append_bytes(&set, F_NEW_FILENAME, newpath, newlen);
	append_date(&set, F_OP_TS, ns);
	BSON_APPEND_INT64(&set, F_OP_NS, ns);
	rc = insert_set(dm, STORE_FILES, id, &set);
	bson_destroy(&set);
	return rc;
}

int
docmap_gap(struct docmap *dm, const char *source, int64_t from_ns,
           int64_t to_ns, uint64_t count)
{
	char id[160];
	bson_t set;

	snprintf(id, sizeof(id), "%s:%s:%s:%" PRId64, dm->host, dm->boot_id,
	         source, from_ns);
	begin(dm, id);
	BSON_APPEND_DOCUMENT_BEGIN(&dm->upd, "$set", &set);
	BSON_APPEND_UTF8(&set, F_HOST, dm->host);
	BSON_APPEND_UTF8(&set, F_BOOT, dm->boot_id);
	BSON_APPEND_UTF8(&set, F_GAP_SOURCE, source);
	append_date(&set, F_GAP_FROM, from_ns);
	append_date(&set, F_GAP_TO, to_ns);
	BSON_APPEND_INT64(&set, "from_ns", from_ns);
	BSON_APPEND_INT64(&set, "to_ns", to_ns);
	BSON_APPEND_INT64(&set, F_GAP_COUNT, (int64_t)count);
	bson_append_document_end(&dm->upd, &set);
	return store_upsert(dm->store, STORE_GAPS, &dm->sel, &dm->upd);
}

int
docmap_run(struct docmap *dm, int pid, int64_t start_ns, int64_t stop_ns,
           int64_t seen_ns)
{
	char id[160];
	bson_t set;

	snprintf(id, sizeof(id), "%s:%s:%d:%" PRId64, dm->host, dm->boot_id,
	         pid, start_ns);
	begin(dm, id);
	BSON_APPEND_DOCUMENT_BEGIN(&dm->upd, "$set", &set);
	BSON_APPEND_UTF8(&set, F_HOST, dm->host);
	BSON_APPEND_UTF8(&set, F_BOOT, dm->boot_id);
	BSON_APPEND_INT32(&set, F_PID, pid);
	BSON_APPEND_UTF8(&set, "version", GODO_VERSION);
	append_date(&set, F_START_TS, start_ns);
	if (stop_ns != 0)
		append_date(&set, "stop_timestamp", stop_ns);
	BSON_APPEND_INT64(&set, "start_ns", start_ns);
	BSON_APPEND_INT64(&set, "last_seen_ns", seen_ns);
	bson_append_document_end(&dm->upd, &set);
	return store_upsert(dm->store, STORE_RUNS, &dm->sel, &dm->upd);
}
