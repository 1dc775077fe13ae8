/* writeback.c - see writeback.h. */
#include "writeback.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "schema.h"
#include "wbchain.h"
#include "wbdoc.h"

/* A finished files document (grouped or alone) into the store. */
static int
files_emit(const bson_t *doc, void *arg)
{
	struct writeback *wb = arg;

	return wbchain_insert(wb, STORE_FILES, doc);
}

/* The grouped files documents go to the store; refusals are counted. */
static void
files_flush(struct writeback *wb)
{
	fgroup_flush(&wb->fgroup);
	wb->st.failed += wb->fgroup.failed;
	wb->fgroup.failed = 0;
}

int
writeback_init(struct writeback *wb, struct store *s, const char *host,
               const char *boot_id)
{
	memset(wb, 0, sizeof(*wb));
	wb->store = s;
	wb->cx.host = host;
	wb->cx.boot_id = boot_id;
	bson_init(&wb->sel);
	bson_init(&wb->upd);
	wb->group_files = true;
	fgroup_init(&wb->fgroup, files_emit, wb, false); /* per container */
	wb->held = calloc(WRITEBACK_HOLD_MAX, sizeof(*wb->held));
	if (wb->held == NULL) {
		log_warn("writeback: calloc");
		return -1;
	}
	return 0;
}

void
writeback_chain(struct writeback *wb, struct chain *c, const char *head_path)
{
	wb->chain = c;
	wb->head_path = head_path;
}

void
writeback_set_budget(struct writeback *wb, struct membudget *b)
{
	wb->budget = b;
}

void
writeback_fini(struct writeback *wb)
{
	if (wb->held != NULL)
		writeback_release(wb, INT64_MAX, UINT64_MAX);
	files_flush(wb);
	if (wb->chain != NULL)
		wbchain_fini(wb);
	free(wb->held);
	wb->held = NULL;
	bson_destroy(&wb->sel);
	bson_destroy(&wb->upd);
}

/* The store logged a refusal: count it. */
static void
tally(struct writeback *wb, int rc)
{
	if (rc != 0)
		wb->st.failed++;
}

/* Updates scan the store, or would break a chained document's digest:
 * tasks are written as first and final documents. */
static bool
insert_only(const struct writeback *wb)
{
	return wb->chain != NULL || store_updates_scan(wb->store);
}

/* The one insert path (chained or not: wbchain.c). */
static void
put(struct writeback *wb, enum store_coll c, const bson_t *doc)
{
	if (c == STORE_FILES && wb->group_files)
		tally(wb, fgroup_add(&wb->fgroup, doc)); /* at the flush */
	else
		tally(wb, wbchain_insert(wb, c, doc));
}

/* Empties wb->sel and wb->upd for the next update. */
static void
reset(struct writeback *wb)
{
	bson_reinit(&wb->sel);
	bson_reinit(&wb->upd);
}

/* Starts an update of document id in wb->sel, wb->upd. */
static void
begin(struct writeback *wb, const char *id)
{
	reset(wb);
	docbuild_id(&wb->sel, id);
}

static void
upsert(struct writeback *wb, enum store_coll c)
{
	tally(wb, wbchain_upsert(wb, c));
}

/* ---- tasks ---- */

void
writeback_task_recorded(struct writeback *wb, struct task *k,
                        const char *source, uint64_t now_ms)
{
	(void)wb;
	if (k->wb.written || k->wb.pending)
		return;
	k->wb.pending = true;
	k->wb.source = source;
	k->wb.rec_ms = now_ms;
}

/* k changed: true when the change is to be an update now (its document
 * exists and updates are cheap). On an insert-only store it waits for the
 * final document; before the first write it goes into the document. */
static bool
update_now(struct writeback *wb, struct task *k)
{
	if (!k->wb.written)
		return false;
	if (!insert_only(wb))
		return true;
	k->wb.final_due = true;
	return false;
}

void
writeback_task_exec(struct writeback *wb, struct task *k,
                    const struct exec_info *x)
{
	if (update_now(wb, k)) {
		begin(wb, k->id);
		docbuild_exec_update(&wb->upd, k, x);
		upsert(wb, STORE_PIDS);
	} else if (wbdoc_get(wb, k) != NULL) {
		docbuild_doc_exec(k->wb.doc, x);
		wbdoc_charge(wb, k);
	}
}

void
writeback_task_info(struct writeback *wb, struct task *k,
                    const struct exec_info *x)
{
	if (wbdoc_get(wb, k) != NULL) {
		docbuild_doc_info(k->wb.doc, x);
		wbdoc_charge(wb, k);
	}
}

void
writeback_task_exit(struct writeback *wb, struct task *k)
{
	if (update_now(wb, k)) {
		begin(wb, k->id);
		docbuild_exit_update(&wb->upd, k);
		upsert(wb, STORE_PIDS);
	}
}

void
writeback_task_docker(struct writeback *wb, struct task *k)
{
	if (update_now(wb, k)) {
		begin(wb, k->id);
		docbuild_set_bytes(&wb->upd, F_DOCKER_ID, k->docker_id,
		                   strlen(k->docker_id));
		upsert(wb, STORE_PIDS);
	}
}

/* {$set: {key: true}} now, or true in the document: the task's flags */
static void
set_flag(struct writeback *wb, struct task *k, const char *key)
{
	begin(wb, k->id);
	docbuild_set_true(&wb->upd, key);
	upsert(wb, STORE_PIDS);
}

void
writeback_task_daemon(struct writeback *wb, struct task *k)
{
	if (update_now(wb, k))
		set_flag(wb, k, F_STAR);
}

void
writeback_task_setns(struct writeback *wb, struct task *k)
{
	if (update_now(wb, k))
		set_flag(wb, k, F_SETNS);
	else if (wbdoc_get(wb, k) != NULL)
		k->wb.doc->setns = true; /* no bytes */
}

void
writeback_task_rootfs(struct writeback *wb, struct task *k, const char *p,
                      size_t n)
{
	if (update_now(wb, k)) {
		begin(wb, k->id);
		docbuild_set_bytes(&wb->upd, F_ROOTFS, p, n);
		upsert(wb, STORE_PIDS);
	} else if (wbdoc_get(wb, k) != NULL) {
		if (docbuild_doc_rootfs(k->wb.doc, p, n) != 0)
			wb->st.failed++;
		wbdoc_charge(wb, k);
	}
}

static bool
exit_settled(const struct task *k, uint64_t now_ms)
{
	return k->exited && k->exit_mono_ms + WRITEBACK_EXIT_WAIT_MS <= now_ms;
}

bool
writeback_task_due(const struct task *k, uint64_t now_ms, int64_t stream_ns)
{
	if (!k->wb.pending)
		return false;
	if (k->exited)
		return exit_settled(k, now_ms);
	return k->wb.rec_ms == 0 ||
	       k->start_ns + WRITEBACK_TASK_AGE_NS <= stream_ns;
}

bool
writeback_final_due(const struct task *k, uint64_t now_ms)
{
	return k->wb.final_due && exit_settled(k, now_ms);
}

/* The task's document as an insert: first or final. */
static int
insert_task(struct writeback *wb, const struct task *k, bool final)
{
	bson_t doc = BSON_INITIALIZER;
	struct docctx cx = wb->cx;
	int rc;

	cx.whole = insert_only(wb);
	docbuild_task(&doc, &cx, k, k->wb.doc, final);
	rc = wbchain_insert(wb, STORE_PIDS, &doc);
	tally(wb, rc);
	bson_destroy(&doc);
	return rc;
}

void
writeback_task_write(struct writeback *wb, struct task *k)
{
	if (!k->wb.pending)
		return;
	if (insert_task(wb, k, false) == 0) {
		k->wb.written = true;
		wb->st.tasks++;
		/* insert-only: the final document repeats the whole state */
		if (!insert_only(wb))
			wbdoc_free(wb, k);
	}
	k->wb.pending = false;
}

void
writeback_task_final(struct writeback *wb, struct task *k)
{
	if (!k->wb.final_due)
		return;
	if (insert_task(wb, k, true) == 0)
		wb->st.finals++;
	k->wb.final_due = false;
}

void
writeback_task_release(struct writeback *wb, struct task *k)
{
	writeback_task_write(wb, k);
	writeback_task_final(wb, k);
	wbdoc_free(wb, k);
}

/* ---- files ---- */

void
writeback_file_open(struct writeback *wb, struct openfile *f,
                    const struct task *proc)
{
	bson_t set;
	int rc;

	/* The whole state: later flushes only grow the counters, and a
	 * replay writes the same values. */
	if (!f->in_fds) {
		bson_t doc = BSON_INITIALIZER;

		docbuild_id(&doc, f->id);
		docbuild_file(&doc, &wb->cx, f, proc);
		rc = store_insert(wb->store, STORE_FDS, &doc);
		bson_destroy(&doc);
	} else {
		begin(wb, f->id);
		BSON_APPEND_DOCUMENT_BEGIN(&wb->upd, "$set", &set);
		docbuild_file(&set, &wb->cx, f, proc);
		bson_append_document_end(&wb->upd, &set);
		rc = store_upsert(wb->store, STORE_FDS, &wb->sel, &wb->upd);
	}
	tally(wb, rc);
	if (rc == 0)
		f->in_fds = true;
	f->dirty = false;
}

static struct held_file *
held_at(struct writeback *wb, unsigned int i)
{
	return &wb->held[(wb->head + i) % WRITEBACK_HOLD_MAX];
}

/* Writes h's document (if any) and empties the slot. */
static void
write_held(struct writeback *wb, struct held_file *h)
{
	if (h->doc == NULL)
		return;
	put(wb, STORE_FILES, h->doc);
	bson_destroy(h->doc);
	h->doc = NULL;
	wbdoc_hold_give(wb, h);
	free(h->path);
	h->path = NULL;
}

/* Drops empty slots at the head. */
static void
trim_head(struct writeback *wb)
{
	while (wb->nheld > 0 && held_at(wb, 0)->doc == NULL) {
		wb->head = (wb->head + 1) % WRITEBACK_HOLD_MAX;
		wb->nheld--;
	}
}

/* Takes doc (with its _id) into the ring. -1: not held (out of memory,
 * logged, or refused by the budget): the caller writes it now. */
static int
hold(struct writeback *wb, const struct openfile *f, const struct task *proc,
     int64_t close_ns, bson_t *doc, uint64_t now_ms)
{
	struct held_file *h;

	if (wb->nheld == WRITEBACK_HOLD_MAX) { /* full: the oldest goes now */
		write_held(wb, held_at(wb, 0));
		trim_head(wb);
	}
	h = held_at(wb, wb->nheld);
	h->path = malloc(f->pathlen + 1);
	if (h->path == NULL) {
		log_warn("writeback: malloc");
		return -1;
	}
	memcpy(h->path, f->path, f->pathlen + 1);
	h->pathlen = f->pathlen;
	h->hash = fgroup_hash(f->path, f->pathlen);
	memcpy(h->docker_id, proc->docker_id, sizeof(h->docker_id));
	h->close_ns = close_ns;
	h->born_ms = now_ms;
	h->doc = doc;
	if (!wbdoc_hold_take(wb, h)) { /* written now instead */
		h->doc = NULL;
		free(h->path);
		h->path = NULL;
		return -1;
	}
	wb->nheld++;
	return 0;
}

void
writeback_file_closed(struct writeback *wb, const struct openfile *f,
                      const struct task *proc, int64_t close_ns, const char *by,
                      uint64_t now_ms)
{
	bson_t *doc = bson_new();

	docbuild_id(doc, f->id);
	docbuild_file_closed(doc, &wb->cx, f, proc, close_ns, by);
	/* a file with an fds document is written at once: its fds
	 * document goes now */
	if (f->in_fds || hold(wb, f, proc, close_ns, doc, now_ms) != 0) {
		put(wb, STORE_FILES, doc);
		bson_destroy(doc);
	}
	if (f->in_fds) {
		begin(wb, f->id);
		tally(wb, store_delete(wb->store, STORE_FDS, &wb->sel));
	}
}

/* The newest held document of this path in this container (any, when
 * docker_id is NULL), or NULL. */
static struct held_file *
find_held(struct writeback *wb, struct str path, const char *docker_id)
{
	uint32_t hash = fgroup_hash(path.p, path.n);
	unsigned int i;

	for (i = wb->nheld; i-- > 0;) {
		struct held_file *h = held_at(wb, i);

		if (h->doc != NULL && h->hash == hash && h->pathlen == path.n &&
		    memcmp(h->path, path.p, path.n) == 0 &&
		    (docker_id == NULL || strcmp(h->docker_id, docker_id) == 0))
			return h;
	}
	return NULL;
}

/* An unlink or rename of a held file's path joins its document when its
 * own marks are the document's (docbuild_then_fits): true when it did. */
static bool
join_held(struct writeback *wb, const struct task *proc, int64_t ns,
          const struct meta_op *m)
{
	struct held_file *h = NULL;

	if (strcmp(m->op, OP_TRUNCATE) != 0)
		h = find_held(wb, m->path, proc->docker_id);
	if (h == NULL || ns < h->close_ns || !docbuild_then_fits(h->doc, m))
		return false;
	docbuild_then(h->doc, proc, ns, m);
	write_held(wb, h);
	trim_head(wb);
	wb->st.merged++;
	return true;
}

void
writeback_op_meta(struct writeback *wb, const struct task *proc,
                  uint64_t serial, int64_t ns, const struct meta_op *m)
{
	if (!join_held(wb, proc, ns, m))
		writeback_meta(wb, proc, serial, ns, m);
}

void
writeback_op(struct writeback *wb, const struct task *proc, const char *op,
             uint64_t serial, int64_t ns, struct str path, struct str newpath)
{
	char id[TASK_ID_MAX + 48];
	bson_t doc = BSON_INITIALIZER;
	struct meta_op m = {0};

	m.op = op;
	m.path = path;
	m.newpath = newpath;
	m.fd = -1;
	if (join_held(wb, proc, ns, &m))
		return;
	docbuild_op_id(id, sizeof(id), proc, op, serial);
	docbuild_id(&doc, id);
	docbuild_op(&doc, &wb->cx, proc, op, ns, path, newpath);
	put(wb, STORE_FILES, &doc);
	bson_destroy(&doc);
}

void
writeback_meta(struct writeback *wb, const struct task *proc, uint64_t serial,
               int64_t ns, const struct meta_op *m)
{
	char id[TASK_ID_MAX + 48];
	bson_t doc = BSON_INITIALIZER;

	docbuild_op_id(id, sizeof(id), proc, m->op, serial);
	docbuild_id(&doc, id);
	docbuild_meta(&doc, &wb->cx, proc, ns, m);
	put(wb, STORE_FILES, &doc);
	bson_destroy(&doc);
}

void
writeback_path_reused(struct writeback *wb, struct str path)
{
	struct held_file *h;

	while ((h = find_held(wb, path, NULL)) != NULL)
		write_held(wb, h);
	trim_head(wb);
}

void
writeback_release(struct writeback *wb, int64_t stream_ns, uint64_t now_ms)
{
	while (wb->nheld > 0) {
		struct held_file *h = held_at(wb, 0);

		if (h->doc != NULL &&
		    h->close_ns > stream_ns - WRITEBACK_HOLD_NS &&
		    now_ms < h->born_ms + WRITEBACK_HOLD_WALL_MS)
			break;
		write_held(wb, h);
		wb->head = (wb->head + 1) % WRITEBACK_HOLD_MAX;
		wb->nheld--;
	}
}

/* ---- gaps, runs, losses ---- */

void
writeback_gap(struct writeback *wb, const char *source, int64_t from_ns,
              int64_t to_ns, uint64_t count)
{
	reset(wb);
	docbuild_gap(&wb->sel, &wb->upd, &wb->cx, source, from_ns, to_ns,
	             count);
	upsert(wb, STORE_GAPS);
}

void
writeback_tally(struct gap_tally *t, int64_t ns, uint64_t n)
{
	if (t->count == 0 || ns < t->from_ns)
		t->from_ns = ns;
	if (t->count == 0 || ns > t->to_ns)
		t->to_ns = ns;
	t->count += n;
}

void
writeback_tally_write(struct writeback *wb, struct gap_tally *t,
                      const char *source)
{
	if (t->count == 0)
		return;
	writeback_gap(wb, source, t->from_ns, t->to_ns, t->count);
	memset(t, 0, sizeof(*t));
}

bool
writeback_container(struct writeback *wb, const struct ctinfo *ci,
                    int64_t seen_ns, uint64_t *last_hash)
{
	bson_t doc = BSON_INITIALIZER;
	uint64_t hash;
	int rc = -1;

	docbuild_container(&doc, &wb->cx, ci, seen_ns, &hash);
	if (hash != *last_hash) {
		rc = wbchain_insert(wb, STORE_CONTAINERS, &doc);
		tally(wb, rc);
		if (rc == 0)
			*last_hash = hash;
	}
	bson_destroy(&doc);
	return rc == 0;
}

void
writeback_run(struct writeback *wb, int pid, int64_t start_ns, int64_t stop_ns,
              int64_t seen_ns)
{
	reset(wb);
	docbuild_run(&wb->sel, &wb->upd, &wb->cx, pid, start_ns, stop_ns,
	             seen_ns);
	upsert(wb, STORE_RUNS);
}

void
writeback_flush(struct writeback *wb, uint64_t now_ms, int64_t wall_ns)
{
	struct store_stats ss;

	wb->wall_ns = wall_ns;
	files_flush(wb); /* before the link that seals them */
	if (wb->chain != NULL)
		wbchain_flush(wb, now_ms);
	writeback_tally_write(wb, &wb->mem_gap, "mem_docs");
	(void)store_flush(wb->store, now_ms); /* logged, spooled, counted */
	store_get_stats(wb->store, &ss);
	if (ss.lost_ops > wb->lost_seen) {
		if (wb->loss_from_ns == 0)
			wb->loss_from_ns = wall_ns;
		wb->loss_count += ss.lost_ops - wb->lost_seen;
		wb->lost_seen = ss.lost_ops;
	}
	if (wb->loss_count > 0 && !ss.down) {
		writeback_gap(wb, "spool", wb->loss_from_ns, wall_ns,
		              wb->loss_count);
		wb->loss_count = 0;
		wb->loss_from_ns = 0;
	}
}
