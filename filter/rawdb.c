/* rawdb.c - see rawdb.h. */
#include "rawdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "dbconn.h"
#include "esc.h"
#include "fgroup.h"
#include "log.h"
#include "mem.h"
#include "rawsql.h"
#include "schema.h"
#include "util.h"

#define RAWDB_IN_MAX 500 /* most values in one $in query */

struct rawdb {
	const struct opts *o;
	struct dbconn conn;
	mongoc_database_t *db;
	struct rawsql *sql; /* -store-dir: FerretDB's files, not the wire */
	bool progress;      /* stderr is a terminal: show how far reading got */
	uint64_t ndocs;     /* documents read so far */
	uint64_t shown_ms;  /* when progress was last shown */
};

/* At most 5 times a second, on one line rewritten in place. */
static void
show_progress(struct rawdb *db, const char *coll, bool force)
{
	uint64_t now;

	if (!db->progress)
		return;
	now = util_now_ms();
	if (!force && now - db->shown_ms < 200)
		return;
	db->shown_ms = now;
	fprintf(stderr, "\rfilter: read %llu documents (%s)\033[K",
	        (unsigned long long)db->ndocs, coll);
}

struct rawdb *
rawdb_open(const struct opts *o)
{
	struct rawdb *db = mem_calloc(1, sizeof(*db));

	db->o = o;
	db->progress = isatty(STDERR_FILENO) == 1;
	if (o->store_dir != NULL) {
		db->sql = rawsql_open(o->store_dir, o->db);
		if (db->sql == NULL) {
			free(db);
			return NULL;
		}
		return db;
	}
	if (dbconn_open(&db->conn, o->mongo) != 0) {
		free(db);
		return NULL;
	}
	db->db = mongoc_client_get_database(db->conn.client, o->db);
	return db;
}

void
rawdb_close(struct rawdb *db)
{
	if (db == NULL)
		return;
	/* the progress line is erased, not left above the report */
	if (db->progress && db->shown_ms != 0)
		fputs("\r\033[K", stderr);
	if (db->db)
		mongoc_database_destroy(db->db);
	rawsql_close(db->sql);
	dbconn_close(&db->conn);
	free(db);
}

static int
add_host(const struct rawdb *db, bson_t *q)
{
	if (db->o->host == NULL || BSON_APPEND_UTF8(q, F_HOST, db->o->host))
		return 0;
	cli_error("building a store query");
	return -1;
}

/* Runs find(q, opts) on coll and calls fn per document; stops at the
 * first -1 from fn. -1 after one error line. */
static int
each_doc(struct rawdb *db, const char *coll, const bson_t *q,
         const bson_t *opts, rawdb_doc_fn *fn, void *arg)
{
	mongoc_collection_t *c = mongoc_database_get_collection(db->db, coll);
	mongoc_cursor_t *cur;
	const bson_t *doc;
	bson_error_t err;
	int rc = 0;

	cur = mongoc_collection_find_with_opts(c, q, opts, NULL);
	while (rc == 0 && mongoc_cursor_next(cur, &doc)) {
		rc = fn(doc, arg);
		db->ndocs++;
		show_progress(db, coll, false);
	}
	if (rc == 0 && mongoc_cursor_error(cur, &err)) {
		dbconn_error(&db->conn, coll, &err);
		rc = -1;
	}
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(c);
	return rc;
}

/* coll with host; opts and q are destroyed */
static int
read_coll(struct rawdb *db, const char *coll, bson_t *q, bson_t *opts,
          rawdb_doc_fn *fn, void *arg)
{
	int rc = add_host(db, q);

	if (rc == 0)
		rc = each_doc(db, coll, q, opts, fn, arg);
	bson_destroy(q);
	bson_destroy(opts);
	return rc;
}

/* fn with the progress line, for the direct read */
struct counted {
	struct rawdb *db;
	const char *coll;
	rawdb_doc_fn *fn;
	void *arg;
};

static int
counted_doc(const bson_t *doc, void *arg)
{
	struct counted *c = arg;
	int rc = c->fn(doc, c->arg);

	c->db->ndocs++;
	show_progress(c->db, c->coll, false);
	return rc;
}

/* -store-dir: coll from FerretDB's files, q with -host */
static int
read_sql(struct rawdb *db, const char *coll, struct rawsql_query *q,
         rawdb_doc_fn *fn, void *arg)
{
	struct counted c = {db, coll, fn, arg};

	q->host = db->o->host;
	return rawsql_each(db->sql, coll, q, counted_doc, &c);
}

static int
count_one(const bson_t *doc, void *arg)
{
	(void)doc;
	(*(int *)arg)++;
	return 0;
}

int
rawdb_check_empty(struct rawdb *db)
{
	bson_t *opts = BCON_NEW("limit", BCON_INT64(1), "projection", "{", F_ID,
	                        BCON_INT32(1), "}");
	const char *host = db->o->host;
	char h[128];
	int n = 0, rc;

	if (db->sql != NULL) {
		static const char *const id[] = {F_ID};
		struct rawsql_query q = {.keep = id, .nkeep = 1, .limit = 1};

		bson_destroy(opts);
		rc = read_sql(db, COLL_PIDS, &q, count_one, &n);
	} else {
		rc = read_coll(db, COLL_PIDS, bson_new(), opts, count_one, &n);
	}
	if (rc != 0)
		return -1;
	if (n > 0)
		return 0;
	if (host != NULL)
		cli_error("database %s has no godo documents for host %s",
		          db->o->db, esc_log(host, strlen(host), h, sizeof(h)));
	else
		cli_error("database %s has no godo documents (empty or not a "
		          "godo database)",
		          db->o->db);
	return -1;
}

/* {projection: {f[0]: 1, ...}}; a few short keys always fit */
static bson_t *
projection(const char *const *f, size_t n)
{
	bson_t *o = bson_new(), p;
	bool ok = BSON_APPEND_DOCUMENT_BEGIN(o, "projection", &p);
	size_t i;

	for (i = 0; ok && i < n; i++)
		ok = BSON_APPEND_INT32(&p, f[i], 1);
	if (!ok || !bson_append_document_end(o, &p))
		fatalx("building a store query");
	return o;
}

int
rawdb_read_pids(struct rawdb *db, rawdb_doc_fn *fn, void *arg)
{
	static const char *const full[] = {
	    F_ID, F_HOST, F_BOOT, F_PID, F_TGID, F_THREAD, F_PPID,
	    F_PARENT_TGID, F_PARENT_ID, F_START_TICKS, F_START_TS, F_START_NS,
	    F_STAR, F_COMM, F_EXE, F_CWD, F_ARGS, F_ARGS_TRUNC, F_EXECVE,
	    F_EXECVE_COUNT, F_EXIT_TS, F_EXIT_NS, F_EXIT_STATUS, F_EXIT_CODE,
	    F_EXIT_SIGNAL, F_DOCKER_ID, F_ROOTFS, F_SETNS, F_SOURCE,
	    /* a cut argv (h-fid) */
	    F_ARGS_CUT, F_ARGS_CUT_LOST, F_ARGS_SHA256, F_ARGS_SOURCE};
	struct rawsql_query q = {.keep = full,
	                         .nkeep = sizeof(full) / sizeof(full[0])};

	if (db->sql != NULL)
		return read_sql(db, COLL_PIDS, &q, fn, arg);
	return read_coll(db, COLL_PIDS, bson_new(),
	                 projection(full, sizeof(full) / sizeof(full[0])), fn,
	                 arg);
}

/* fn and its arg, for a grouped document's members */
struct member_fn {
	rawdb_doc_fn *fn;
	void *arg;
};

static int
each_member(const bson_t *doc, void *arg)
{
	const struct member_fn *m = arg;

	return fgroup_each(doc, m->fn, m->arg);
}

int
rawdb_read_files(struct rawdb *db, const char *coll, char *const *ids, size_t n,
                 rawdb_doc_fn *fn, void *arg)
{
	bson_t *q = bson_new(), d, a;
	char key[24];
	size_t j;
	struct member_fn m = {fn, arg};

	if (n == 0) {
		bson_destroy(q);
		return 0;
	}
	if (db->sql != NULL) {
		struct rawsql_query sq = {
		    .ids = ids, .nids = n, .drop = F_WRITTEN};

		bson_destroy(q);
		return read_sql(db, coll, &sq, each_member, &m);
	}
	if (n <= RAWDB_IN_MAX) {
		bson_t or, alt;
		bool ok = BSON_APPEND_ARRAY_BEGIN(q, "$or", & or);
		/* a grouped document (common/fgroup.h) names its first
		 * member's process, the other members their own */
		const char *keys[2] = {F_PROC_ID, FGROUP_FIELD "." F_PROC_ID};
		int k;

		for (k = 0; ok && k < 2; k++) {
			ok = BSON_APPEND_DOCUMENT_BEGIN(& or, k ? "1" : "0",
			                                &alt) &&
			     BSON_APPEND_DOCUMENT_BEGIN(&alt, keys[k], &d) &&
			     BSON_APPEND_ARRAY_BEGIN(&d, "$in", &a);
			for (j = 0; ok && j < n; j++) {
				snprintf(key, sizeof(key), "%zu", j);
				ok = BSON_APPEND_UTF8(&a, key, ids[j]);
			}
			ok = ok && bson_append_array_end(&d, &a) &&
			     bson_append_document_end(&alt, &d) &&
			     bson_append_document_end(& or, &alt);
		}
		if (!ok || !bson_append_array_end(q, & or)) {
			cli_error("building the files query");
			bson_destroy(q);
			return -1;
		}
	}
	/* each member of a group reaches fn as a document of its own (the
	 * caller keeps the processes it asked for) */
	return read_coll(
	    db, coll, q,
	    BCON_NEW("projection", "{", F_WRITTEN, BCON_INT32(0), "}"),
	    each_member, &m);
}

int
rawdb_read_gaps(struct rawdb *db, rawdb_doc_fn *fn, void *arg)
{
	static const char *const f[] = {F_HOST,     F_BOOT,   F_GAP_SOURCE,
	                                F_GAP_FROM, F_GAP_TO, F_GAP_COUNT};
	struct rawsql_query q = {.keep = f, .nkeep = sizeof(f) / sizeof(f[0])};

	if (db->sql != NULL)
		return read_sql(db, COLL_GAPS, &q, fn, arg);
	return read_coll(db, COLL_GAPS, bson_new(),
	                 projection(f, sizeof(f) / sizeof(f[0])), fn, arg);
}

int
rawdb_read_whole(struct rawdb *db, const char *coll, rawdb_doc_fn *fn,
                 void *arg)
{
	struct rawsql_query q = {0};

	if (db->sql != NULL)
		return read_sql(db, coll, &q, fn, arg);
	return read_coll(db, coll, bson_new(), bson_new(), fn, arg);
}

uint64_t
rawdb_each_unreadable(struct rawdb *db,
                      void (*fn)(const char *coll, const char *label,
                                 void *arg),
                      void *arg)
{
	return db->sql != NULL ? rawsql_each_bad(db->sql, fn, arg) : 0;
}

int
rawdb_read_containers(struct rawdb *db, rawdb_doc_fn *fn, void *arg)
{
	return rawdb_read_whole(db, COLL_CONTAINERS, fn, arg);
}
