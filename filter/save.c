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

static void
a_bytes(bson_t *d, const char *k, const struct bytes *b)
{
	if (b == NULL || !b->set)
		BSON_APPEND_NULL(d, k);
	else if (esc_is_clean(b->p, b->n))
		bson_append_utf8(d, k, -1, b->p, (int)b->n);
	else
		bson_append_binary(d, k, -1, BSON_SUBTYPE_BINARY,
		                   (const uint8_t *)b->p, (uint32_t)b->n);
}

static void
a_cstr(bson_t *d, const char *k, const char *s)
{
	struct bytes b = {(char *)s, s ? strlen(s) : 0, s != NULL};

	a_bytes(d, k, &b);
}

/* both forms, as the raw database: *_timestamp date and *_ns int64 */
static void
a_time(bson_t *d, const char *ts, const char *nsk, int64_t ns)
{
	if (ns == NS_NONE) {
		BSON_APPEND_NULL(d, ts);
		BSON_APPEND_NULL(d, nsk);
		return;
	}
	BSON_APPEND_DATE_TIME(d, ts, ns / 1000000);
	BSON_APPEND_INT64(d, nsk, ns);
}

static void
a_argv(bson_t *d, const char *k, const struct argv *a)
{
	bson_t arr;
	char key[24];
	size_t i;

	BSON_APPEND_ARRAY_BEGIN(d, k, &arr);
	for (i = 0; i < a->n; i++) {
		snprintf(key, sizeof(key), "%zu", i);
		a_bytes(&arr, key, &a->v[i]);
	}
	bson_append_array_end(d, &arr);
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
saver_add(struct saver *s, const bson_t *doc)
{
	bson_error_t err;

	if (s->bulk == NULL)
		s->bulk = mongoc_collection_create_bulk_operation_with_opts(
		    s->coll, NULL);
	if (!mongoc_bulk_operation_insert_with_opts(s->bulk, doc, NULL, &err)) {
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
proc_doc(bson_t *d, const struct proc *p)
{
	const struct task *t = &p->lead;
	bson_t arr, sub;
	char key[24];
	size_t i, n;

	a_cstr(d, F_ID, t->id);
	a_cstr(d, F_HOST, t->host);
	a_cstr(d, F_BOOT, t->boot);
	BSON_APPEND_INT32(d, F_TGID, t->tgid);
	a_cstr(d, "parent", p->parent ? p->parent->lead.id : NULL);
	if (p->parent)
		BSON_APPEND_INT32(d, F_PPID, p->parent->lead.tgid);
	else if (t->has_ptgid)
		BSON_APPEND_INT32(d, F_PPID, t->parent_tgid);
	BSON_APPEND_ARRAY_BEGIN(d, "children", &arr);
	for (i = n = 0; i < p->nkids; i++) {
		if (!p->kids[i]->keep)
			continue;
		snprintf(key, sizeof(key), "%zu", n++);
		a_cstr(&arr, key, p->kids[i]->lead.id);
	}
	bson_append_array_end(d, &arr);
	BSON_APPEND_ARRAY_BEGIN(d, "threads", &arr);
	for (i = 0; i < p->nthreads; i++) {
		const struct task *h = &p->threads[i];

		snprintf(key, sizeof(key), "%zu", i);
		BSON_APPEND_DOCUMENT_BEGIN(&arr, key, &sub);
		a_cstr(&sub, F_ID, h->id);
		BSON_APPEND_INT32(&sub, F_PID, h->pid);
		a_time(&sub, F_START_TS, F_START_NS,
		       h->has_start ? h->start_ns : NS_NONE);
		a_time(&sub, F_EXIT_TS, F_EXIT_NS,
		       h->has_exit ? h->exit_ns : NS_NONE);
		BSON_APPEND_BOOL(&sub, "exit_filled", h->exit_filled);
		a_cstr(&sub, F_PARENT_ID, h->parent_id);
		if (h->has_ptgid)
			BSON_APPEND_INT32(&sub, F_PARENT_TGID, h->parent_tgid);
		BSON_APPEND_BOOL(&sub, "parent_fixed", h->parent_fixed);
		bson_append_document_end(&arr, &sub);
	}
	bson_append_array_end(d, &arr);
	a_bytes(d, F_COMM, &t->comm);
	a_bytes(d, F_EXE, &t->exe);
	a_argv(d, F_ARGS, &t->args);
	BSON_APPEND_ARRAY_BEGIN(d, F_EXECVE, &arr);
	for (i = 0; i < t->nexec; i++) {
		snprintf(key, sizeof(key), "%zu", i);
		BSON_APPEND_DOCUMENT_BEGIN(&arr, key, &sub);
		a_time(&sub, F_EXEC_TS, F_EXEC_NS, t->execs[i].ns);
		a_argv(&sub, F_ARGS, &t->execs[i].args);
		a_bytes(&sub, F_EXE, &t->execs[i].exe);
		a_bytes(&sub, F_CWD, &t->execs[i].cwd);
		bson_append_document_end(&arr, &sub);
	}
	bson_append_array_end(d, &arr);
	a_bytes(d, F_CWD, &t->cwd);
	a_cstr(d, F_DOCKER_ID, p->ct ? p->ct->id : NULL);
	a_bytes(d, "container_name", p->ct ? &p->ct->name : NULL);
	a_bytes(d, "image", p->ct ? &p->ct->image : NULL);
	a_bytes(d, F_ROOTFS, render_rootfs(p));
	BSON_APPEND_BOOL(d, F_STAR, t->star);
	a_time(d, F_START_TS, F_START_NS, model_start(p));
	a_time(d, F_EXIT_TS, F_EXIT_NS, model_exit(p));
	if (t->has_code)
		BSON_APPEND_INT32(d, F_EXIT_CODE, t->exit_code);
	if (t->has_signal)
		BSON_APPEND_INT32(d, F_EXIT_SIGNAL, t->exit_signal);
	BSON_APPEND_BOOL(d, "outside_window", p->outside);
	BSON_APPEND_INT64(d, "order", (int64_t)p->order);
}

static void
file_doc(bson_t *d, const struct file *f, size_t order)
{
	const struct proc *p = f->owner;

	a_cstr(d, F_ID, f->id);
	a_cstr(d, F_OP,
	       f->op == FOP_OPEN ? "open"
	                         : (f->op == FOP_RENAME ? "rename" : "unlink"));
	a_cstr(d, "process", p->lead.id);
	BSON_APPEND_INT32(d, F_PID, p->lead.tgid);
	a_cstr(d, F_HOST, p->lead.host);
	a_cstr(d, F_DOCKER_ID, p->ct ? p->ct->id : NULL);
	a_bytes(d, F_FILENAME, &f->path);
	a_bytes(d, "raw_filename", &f->raw_path);
	a_bytes(d, "host_path", &f->host_path);
	if (f->op != FOP_OPEN) {
		a_bytes(d, F_NEW_FILENAME, &f->new_path);
		a_bytes(d, "new_host_path", &f->new_host_path);
		a_time(d, F_OP_TS, F_OP_NS, f->ns);
	} else {
		BSON_APPEND_INT32(d, F_FD, f->fd);
		BSON_APPEND_INT32(d, F_FLAGS, f->flags);
		a_time(d, F_OPEN_TS, F_OPEN_NS, f->open_ns);
		a_time(d, F_CLOSE_TS, F_CLOSE_NS,
		       f->has_close ? f->close_ns : NS_NONE);
		a_bytes(d, F_CLOSE_BY, &f->closed_by);
		BSON_APPEND_BOOL(d, "close_filled", f->close_filled);
		BSON_APPEND_INT64(d, F_WRITE_COUNT, f->writes);
		BSON_APPEND_INT64(d, F_WRITE_BYTES, f->write_bytes);
	}
	BSON_APPEND_INT64(d, "order", (int64_t)order);
}

int
save_run(const struct model *m, const struct opts *o)
{
	struct dbconn conn;
	mongoc_database_t *db;
	struct saver ps, fs;
	bson_t doc;
	size_t i;
	int rc = -1;

	if (dbconn_open(&conn, o->mongo) != 0)
		return -1;
	db = mongoc_client_get_database(conn.client, o->out);
	memset(&fs, 0, sizeof(fs));
	if (saver_open(&ps, db, OUT_PROCESSES) != 0 ||
	    saver_open(&fs, db, OUT_FILES) != 0)
		goto out;
	for (i = 0; i < m->nprocs; i++) {
		if (!m->procs[i]->keep)
			continue;
		bson_init(&doc);
		proc_doc(&doc, m->procs[i]);
		if (saver_add(&ps, &doc) != 0) {
			bson_destroy(&doc);
			goto out;
		}
		bson_destroy(&doc);
	}
	for (i = 0; i < m->nfiles; i++) {
		bson_init(&doc);
		file_doc(&doc, &m->files[i], i);
		if (saver_add(&fs, &doc) != 0) {
			bson_destroy(&doc);
			goto out;
		}
		bson_destroy(&doc);
	}
	if (saver_flush(&ps) == 0 && saver_flush(&fs) == 0)
		rc = 0;
out:
	saver_close(&ps);
	saver_close(&fs);
	mongoc_database_destroy(db);
	dbconn_close(&conn);
	return rc;
}
