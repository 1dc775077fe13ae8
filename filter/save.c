/* save.c - see save.h. The one writer of the -out database. */
#include "save.h"

#include <mongoc/mongoc.h>
#include <string.h>

#include "cli.h"
#include "dbconn.h"
#include "esc.h"
#include "render.h"
#include "schema.h"

#define SAVE_BATCH 1000

struct saver {
	mongoc_collection_t *coll;
	mongoc_bulk_operation_t *bulk;
	size_t n;
	const char *name;
};

/* A document being built. An append fails only when the document would
 * pass BSON's size limit; then ok is false and the document is refused
 * (saver_add). */
struct doc {
	bson_t *b;
	bool ok;
	bool open; /* a sub-document begun in its parent */
};

/* every append goes through this */
#define PUT(d, append) ((d)->ok = (append) && (d)->ok)

static void
a_bytes(struct doc *d, const char *k, const struct bytes *b)
{
	if (b == NULL || !b->set)
		PUT(d, BSON_APPEND_NULL(d->b, k));
	else if (esc_is_clean(b->p, b->n))
		PUT(d, bson_append_utf8(d->b, k, -1, b->p, (int)b->n));
	else
		PUT(d,
		    bson_append_binary(d->b, k, -1, BSON_SUBTYPE_BINARY,
		                       (const uint8_t *)b->p, (uint32_t)b->n));
}

static void
a_cstr(struct doc *d, const char *k, const char *s)
{
	struct bytes b = {(char *)s, s ? strlen(s) : 0, s != NULL};

	a_bytes(d, k, &b);
}

static void
a_i32(struct doc *d, const char *k, int32_t v)
{
	PUT(d, BSON_APPEND_INT32(d->b, k, v));
}

static void
a_i64(struct doc *d, const char *k, int64_t v)
{
	PUT(d, BSON_APPEND_INT64(d->b, k, v));
}

static void
a_bool(struct doc *d, const char *k, bool v)
{
	PUT(d, BSON_APPEND_BOOL(d->b, k, v));
}

/* both forms, as the raw database: *_timestamp date and *_ns int64 */
static void
a_time(struct doc *d, const char *ts, const char *nsk, int64_t ns)
{
	if (ns == NS_NONE) {
		PUT(d, BSON_APPEND_NULL(d->b, ts));
		PUT(d, BSON_APPEND_NULL(d->b, nsk));
		return;
	}
	PUT(d, BSON_APPEND_DATE_TIME(d->b, ts, ns / 1000000));
	a_i64(d, nsk, ns);
}

/* a sub-document or array of d under k: sub points into d until a_end.
 * When it cannot begin, sub is a detached empty document (appends to it
 * are harmless) and d is marked bad. */
static void
a_begin(struct doc *d, const char *k, bool array, bson_t *b, struct doc *sub)
{
	sub->b = b;
	sub->open = array ? BSON_APPEND_ARRAY_BEGIN(d->b, k, b)
	                  : BSON_APPEND_DOCUMENT_BEGIN(d->b, k, b);
	sub->ok = sub->open;
	if (!sub->open) {
		bson_init(b);
		d->ok = false;
	}
}

static void
a_end(struct doc *d, bool array, struct doc *sub)
{
	if (!sub->open)
		bson_destroy(sub->b);
	else if (array)
		PUT(d, bson_append_array_end(d->b, sub->b));
	else
		PUT(d, bson_append_document_end(d->b, sub->b));
	d->ok = d->ok && sub->ok;
}

/* the decimal key of array element i */
static const char *
a_key(char *key, size_t size, size_t i)
{
	snprintf(key, size, "%zu", i);
	return key;
}

static void
a_argv(struct doc *d, const char *k, const struct argv *a)
{
	struct doc arr;
	bson_t b;
	char key[24];
	size_t i;

	a_begin(d, k, true, &b, &arr);
	for (i = 0; i < a->n; i++)
		a_bytes(&arr, a_key(key, sizeof(key), i), &a->v[i]);
	a_end(d, true, &arr);
}

static int
saver_flush(struct saver *s)
{
	bson_error_t err;
	bson_t reply;
	bool ok;

	if (s->n == 0)
		return 0;
	ok = mongoc_bulk_operation_execute(s->bulk, &reply, &err) != 0;
	bson_destroy(&reply);
	mongoc_bulk_operation_destroy(s->bulk);
	s->bulk = NULL;
	s->n = 0;
	if (!ok) {
		cli_error("saving %s: %s (domain %u, code %u)", s->name,
		          err.message, err.domain, err.code);
		return -1;
	}
	return 0;
}

static int
saver_add(struct saver *s, const struct doc *doc)
{
	bson_error_t err;

	if (!doc->ok) {
		cli_error("saving %s: a document too large for BSON", s->name);
		return -1;
	}

	if (s->bulk == NULL)
		s->bulk = mongoc_collection_create_bulk_operation_with_opts(
		    s->coll, NULL);
	if (!mongoc_bulk_operation_insert_with_opts(s->bulk, doc->b, NULL,
	                                            &err)) {
		cli_error("saving %s: %s", s->name, err.message);
		return -1;
	}
	if (++s->n >= SAVE_BATCH)
		return saver_flush(s);
	return 0;
}

static int
saver_open(struct saver *s, mongoc_database_t *db, const char *name)
{
	bson_error_t err;

	memset(s, 0, sizeof(*s));
	s->name = name;
	s->coll = mongoc_database_get_collection(db, name);
	/* replaced: a missing collection (code 26) is fine */
	if (!mongoc_collection_drop_with_opts(s->coll, NULL, &err) &&
	    err.code != 26 && strstr(err.message, "not found") == NULL) {
		cli_error("dropping %s: %s (domain %u, code %u)", name,
		          err.message, err.domain, err.code);
		return -1;
	}
	return 0;
}

static void
saver_close(struct saver *s)
{
	if (s->bulk)
		mongoc_bulk_operation_destroy(s->bulk);
	if (s->coll)
		mongoc_collection_destroy(s->coll);
}

static void
proc_threads(struct doc *d, const struct proc *p)
{
	struct doc arr, sub;
	bson_t ab, sb;
	char key[24];
	size_t i;

	a_begin(d, "threads", true, &ab, &arr);
	for (i = 0; i < p->nthreads; i++) {
		const struct task *h = &p->threads[i];

		a_begin(&arr, a_key(key, sizeof(key), i), false, &sb, &sub);
		a_cstr(&sub, F_ID, h->id);
		a_i32(&sub, F_PID, h->pid);
		a_time(&sub, F_START_TS, F_START_NS,
		       h->has_start ? h->start_ns : NS_NONE);
		a_time(&sub, F_EXIT_TS, F_EXIT_NS,
		       h->has_exit ? h->exit_ns : NS_NONE);
		a_bool(&sub, "exit_filled", h->exit_filled);
		a_cstr(&sub, F_PARENT_ID, h->parent_id);
		if (h->has_ptgid)
			a_i32(&sub, F_PARENT_TGID, h->parent_tgid);
		a_bool(&sub, "parent_fixed", h->parent_fixed);
		a_end(&arr, false, &sub);
	}
	a_end(d, true, &arr);
}

/* a cut argv's extras, those it has (docs/schema.md, h-fid) */
static void
save_argextra(struct doc *d, const struct argextra *x)
{
	struct doc arr, sub;
	bson_t ab, sb;
	char key[24];
	size_t i;

	if (x->cuts.n > 0) {
		a_begin(d, F_ARGS_CUT, true, &ab, &arr);
		for (i = 0; i < x->cuts.n; i++) {
			a_begin(&arr, a_key(key, sizeof(key), i), false, &sb,
			        &sub);
			a_i32(&sub, F_ARGS_CUT_INDEX, x->cuts.v[i].index);
			a_i64(&sub, F_ARGS_CUT_LENGTH, x->cuts.v[i].length);
			a_bytes(&sub, F_ARGS_CUT_TAIL, &x->cuts.v[i].tail);
			a_end(&arr, false, &sub);
		}
		a_end(d, true, &arr);
	}
	if (x->cut_lost > 0)
		a_i32(d, F_ARGS_CUT_LOST, x->cut_lost);
	if (x->sha256.set)
		a_bytes(d, F_ARGS_SHA256, &x->sha256);
	if (x->source.set)
		a_bytes(d, F_ARGS_SOURCE, &x->source);
}

static void
proc_execs(struct doc *d, const struct task *t)
{
	struct doc arr, sub;
	bson_t ab, sb;
	char key[24];
	size_t i;

	a_begin(d, F_EXECVE, true, &ab, &arr);
	for (i = 0; i < t->nexec; i++) {
		a_begin(&arr, a_key(key, sizeof(key), i), false, &sb, &sub);
		a_time(&sub, F_EXEC_TS, F_EXEC_NS, t->execs[i].ns);
		a_argv(&sub, F_ARGS, &t->execs[i].args);
		save_argextra(&sub, &t->execs[i].ax);
		a_bytes(&sub, F_EXE, &t->execs[i].exe);
		a_bytes(&sub, F_CWD, &t->execs[i].cwd);
		a_end(&arr, false, &sub);
	}
	a_end(d, true, &arr);
}

static void
proc_doc(struct doc *d, const struct proc *p)
{
	const struct task *t = &p->lead;
	struct doc arr;
	bson_t ab;
	char key[24];
	size_t i, n;

	a_cstr(d, F_ID, t->id);
	a_cstr(d, F_HOST, t->host);
	a_cstr(d, F_BOOT, t->boot);
	a_i32(d, F_TGID, t->tgid);
	a_cstr(d, "parent", p->parent ? p->parent->lead.id : NULL);
	if (p->parent)
		a_i32(d, F_PPID, p->parent->lead.tgid);
	else if (t->has_ptgid)
		a_i32(d, F_PPID, t->parent_tgid);
	a_begin(d, "children", true, &ab, &arr);
	for (i = n = 0; i < p->nkids; i++)
		if (p->kids[i]->keep)
			a_cstr(&arr, a_key(key, sizeof(key), n++),
			       p->kids[i]->lead.id);
	a_end(d, true, &arr);
	proc_threads(d, p);
	a_bytes(d, F_COMM, &t->comm);
	a_bytes(d, F_EXE, &t->exe);
	a_argv(d, F_ARGS, &t->args);
	save_argextra(d, &t->ax);
	proc_execs(d, t);
	a_bytes(d, F_CWD, &t->cwd);
	a_cstr(d, F_DOCKER_ID, p->ct ? p->ct->id : NULL);
	a_bytes(d, "container_name", p->ct ? &p->ct->name : NULL);
	a_bytes(d, "image", p->ct ? &p->ct->image : NULL);
	a_bytes(d, F_ROOTFS, render_rootfs(p));
	a_bool(d, F_STAR, t->star);
	a_time(d, F_START_TS, F_START_NS, model_start(p));
	a_time(d, F_EXIT_TS, F_EXIT_NS, model_exit(p));
	if (t->has_code)
		a_i32(d, F_EXIT_CODE, t->exit_code);
	if (t->has_signal)
		a_i32(d, F_EXIT_SIGNAL, t->exit_signal);
	a_bool(d, "outside_window", p->outside);
	a_i64(d, "order", (int64_t)p->order);
}

/* h-paths: the name as given, an unconfirmed path (docs/schema.md) */
static void
save_given(struct doc *d, const struct file *f)
{
	const char *k2 = render_second_kind(f);
	bool rn = k2 != NULL && strcmp(k2, "new") == 0;
	bool src = k2 != NULL && strcmp(k2, "source") == 0;

	if (f->given_path.set)
		a_bytes(d, F_RAW_PATH, &f->given_path);
	if (f->path_unverified)
		a_bool(d, F_PATH_UNVERIFIED, true);
	if (k2 == NULL)
		return;
	if (f->given2.set)
		a_bytes(d,
		        rn ? F_NEW_RAW_PATH
		           : (src ? F_SOURCE_RAW_PATH : F_TARGET_RAW_PATH),
		        &f->given2);
	if (f->unverified2)
		a_bool(d,
		       rn ? F_NEW_PATH_UNVERIFIED
		          : (src ? F_SOURCE_UNVERIFIED : F_TARGET_UNVERIFIED),
		       true);
}

/* the fields of the ops added by h-fid, those it has (docs/schema.md) */
static void
save_more(struct doc *d, const struct file *f)
{
	if (f->exchange)
		a_bool(d, F_EXCHANGE, true);
	if (f->falloc_mode.set)
		a_bytes(d, F_FALLOC_MODE, &f->falloc_mode);
	if (f->has_range) {
		a_i64(d, F_OFFSET, f->offset);
		a_i64(d, F_LENGTH, f->length);
	}
	if (f->source.set)
		a_bytes(d, F_MOUNT_SOURCE, &f->source);
	if (f->has_flags)
		a_i64(d, F_FLAGS, f->flags);
	if (f->rdev.set)
		a_bytes(d, F_RDEV, &f->rdev);
	if (f->has_inode) {
		a_i64(d, F_INODE, f->inode);
		a_bytes(d, F_DEV, &f->dev);
	}
	save_given(d, f);
}

/* a metadata op's fields, those it has (docs/schema.md) */
static void
save_meta(struct doc *d, const struct file *f)
{
	if (f->target.set)
		a_bytes(d, F_TARGET, &f->target);
	if (f->type.set)
		a_bytes(d, F_TYPE, &f->type);
	if (f->has_mode)
		a_i32(d, F_MODE, f->mode);
	if (f->has_uid)
		a_i64(d, F_UID, f->uid);
	if (f->has_gid)
		a_i64(d, F_GID, f->gid);
	save_more(d, f);
}

static void
file_doc(struct doc *d, const struct file *f, size_t order)
{
	const struct proc *p = f->owner;

	a_cstr(d, F_ID, f->id);
	if (f->op == FOP_OPEN)
		a_cstr(d, F_OP, OP_OPEN);
	else
		a_bytes(d, F_OP, &f->op_name);
	a_cstr(d, "process", p->lead.id);
	a_i32(d, F_PID, p->lead.tgid);
	a_cstr(d, F_HOST, p->lead.host);
	a_cstr(d, F_DOCKER_ID, p->ct ? p->ct->id : NULL);
	a_bytes(d, F_FILENAME, &f->path);
	a_bytes(d, "raw_filename", &f->raw_path);
	a_bytes(d, "host_path", &f->host_path);
	if (f->op != FOP_OPEN) {
		a_bytes(d, F_NEW_FILENAME, &f->new_path);
		a_bytes(d, "new_host_path", &f->new_host_path);
		a_time(d, F_OP_TS, F_OP_NS, f->ns);
		save_meta(d, f);
	} else {
		a_i32(d, F_FD, f->fd);
		a_i32(d, F_FLAGS, f->flags);
		a_time(d, F_OPEN_TS, F_OPEN_NS, f->open_ns);
		a_time(d, F_CLOSE_TS, F_CLOSE_NS,
		       f->has_close ? f->close_ns : NS_NONE);
		a_bytes(d, F_CLOSE_BY, &f->closed_by);
		a_bool(d, "close_filled", f->close_filled);
		a_i64(d, F_WRITE_COUNT, f->writes);
		a_i64(d, F_WRITE_BYTES, f->write_bytes);
		if (f->mapped) {
			a_bool(d, F_MAPPED, true);
			a_i64(d, F_MAPPED_NS, f->mapped_ns);
		}
		if (f->writers.n > 0) {
			a_argv(d, F_WRITERS, &f->writers);
			a_i64(d, F_WRITERS_MORE, f->writers_more);
		}
		if (f->has_inode) {
			a_i64(d, F_INODE, f->inode);
			a_bytes(d, F_DEV, &f->dev);
		}
		save_given(d, f);
	}
	a_i64(d, "order", (int64_t)order);
}

/* one document: proc (p) or file (f, its order i) */
static int
save_one(struct saver *s, const struct proc *p, const struct file *f, size_t i)
{
	bson_t b = BSON_INITIALIZER;
	struct doc d = {&b, true, true};
	int rc;

	if (p != NULL)
		proc_doc(&d, p);
	else
		file_doc(&d, f, i);
	rc = saver_add(s, &d);
	bson_destroy(&b);
	return rc;
}

int
save_out_is_raw(const struct opts *o, bool *raw)
{
	static const char *const rawcolls[] = {COLL_PIDS, COLL_GAPS, COLL_RUNS};
	struct dbconn conn;
	mongoc_database_t *db;
	bson_error_t err;
	char **names;
	size_t i, j;

	*raw = false;
	if (dbconn_open(&conn, o->mongo) != 0)
		return -1;
	db = mongoc_client_get_database(conn.client, o->out);
	names = mongoc_database_get_collection_names_with_opts(db, NULL, &err);
	if (names == NULL)
		dbconn_error(&conn, "listing the collections of -out", &err);
	for (i = 0; names != NULL && names[i] != NULL; i++)
		for (j = 0; j < sizeof(rawcolls) / sizeof(rawcolls[0]); j++)
			if (strcmp(names[i], rawcolls[j]) == 0)
				*raw = true;
	bson_strfreev(names);
	mongoc_database_destroy(db);
	dbconn_close(&conn);
	return names == NULL ? -1 : 0;
}

int
save_run(const struct model *m, const struct opts *o)
{
	struct dbconn conn;
	mongoc_database_t *db;
	struct saver ps, fs;
	size_t i;
	int rc = -1;

	if (dbconn_open(&conn, o->mongo) != 0)
		return -1;
	db = mongoc_client_get_database(conn.client, o->out);
	memset(&fs, 0, sizeof(fs));
	if (saver_open(&ps, db, OUT_PROCESSES) != 0 ||
	    saver_open(&fs, db, OUT_FILES) != 0)
		goto out;
	for (i = 0; i < m->nprocs; i++)
		if (m->procs[i]->keep &&
		    save_one(&ps, m->procs[i], NULL, 0) != 0)
			goto out;
	for (i = 0; i < m->nfiles; i++)
		if (save_one(&fs, NULL, &m->files[i], i) != 0)
			goto out;
	if (saver_flush(&ps) == 0 && saver_flush(&fs) == 0)
		rc = 0;
out:
	saver_close(&ps);
	saver_close(&fs);
	mongoc_database_destroy(db);
	dbconn_close(&conn);
	return rc;
}
