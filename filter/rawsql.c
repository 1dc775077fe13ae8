/* rawsql.c - see rawsql.h. */
#include "rawsql.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "esc.h"
#include "mem.h"
#include "sjson.h"

#define RAWSQL_BUSY_MS 10000 /* a checkpoint of the running store */
#define RAWSQL_LABEL_MAX 96

struct bad_row {
	char *coll, *label;
};

struct rawsql {
	sqlite3 *h;
	char path[4096]; /* for messages */
	uint64_t nbad;   /* malformed rows */
	struct bad_row *bad;
	size_t nlisted;
};

/* the per-query state a row's conversion and match read */
struct each {
	struct rawsql *s;
	const char *coll;
	const struct rawsql_query *q;
	char **ids;    /* q's ids, sorted */
	bool refilter; /* a field the match reads is not in the projection */
};

static bool
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* a FerretDB database name: no path in it */
static bool
db_name_ok(const char *db)
{
	return db[0] != '\0' && db[0] != '.' && strchr(db, '/') == NULL &&
	       strlen(db) < 256;
}

/* scripts/store.sh names its server in DIR/handler: 0 when it is not
 * there or is FerretDB's SQLite handler */
static int
check_handler(const char *dir, const char *edir)
{
	char path[4096], h[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/handler", dir);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fgets(h, sizeof(h), f) == NULL)
		h[0] = '\0';
	fclose(f);
	h[strcspn(h, "\n")] = '\0';
	if (h[0] == '\0' || strcmp(h, "sqlite") == 0)
		return 0;
	cli_error("-store-dir %s: the store there is %s, not FerretDB's "
	          "SQLite handler: read it with -mongo",
	          edir, esc_log(h, strlen(h), path, sizeof(path)));
	return -1;
}

/* DIR/data/DB.sqlite, else DIR/DB.sqlite: 0, or -1 after one error */
static int
find_file(const char *dir, const char *db, char *path, size_t size)
{
	char e1[256], e2[128];

	if (!db_name_ok(db)) {
		cli_error("-store-dir: bad database name %s",
		          esc_log(db, strlen(db), e2, sizeof(e2)));
		return -1;
	}
	esc_log(dir, strlen(dir), e1, sizeof(e1));
	if (!is_dir(dir)) {
		cli_error("-store-dir %s: no such directory", e1);
		return -1;
	}
	if (check_handler(dir, e1) != 0)
		return -1;
	snprintf(path, size, "%s/data/%s.sqlite", dir, db);
	if (is_file(path))
		return 0;
	snprintf(path, size, "%s/%s.sqlite", dir, db);
	if (is_file(path))
		return 0;
	cli_error("-store-dir %s: no database %s (neither data/%s.sqlite nor "
	          "%s.sqlite in it; is it scripts/store.sh's directory?)",
	          e1, db, db, db);
	return -1;
}

static void
sql_error(const struct rawsql *s, const char *what)
{
	char e[256];

	cli_error("%s in %s: %s", what,
	          esc_log(s->path, strlen(s->path), e, sizeof(e)),
	          s->h ? sqlite3_errmsg(s->h) : "out of memory");
}

/* the metadata table is there: a FerretDB database */
static int
check_ferret(struct rawsql *s)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
	    s->h, "SELECT 1 FROM _ferretdb_collections LIMIT 1", -1, &st, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	if (rc != SQLITE_OK)
		sql_error(s, "not a FerretDB SQLite database "
		             "(no _ferretdb_collections)");
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : -1;
}

struct rawsql *
rawsql_open(const char *dir, const char *db)
{
	struct rawsql *s = mem_calloc(1, sizeof(*s));

	if (find_file(dir, db, s->path, sizeof(s->path)) != 0) {
		free(s);
		return NULL;
	}
	if (sqlite3_open_v2(s->path, &s->h, SQLITE_OPEN_READONLY, NULL) !=
	        SQLITE_OK ||
	    sqlite3_busy_timeout(s->h, RAWSQL_BUSY_MS) != SQLITE_OK) {
		sql_error(s, "cannot open");
		rawsql_close(s);
		return NULL;
	}
	if (check_ferret(s) != 0) {
		rawsql_close(s);
		return NULL;
	}
	return s;
}

void
rawsql_close(struct rawsql *s)
{
	size_t i;
	char e[256];

	if (s == NULL)
		return;
	if (s->nbad > 0)
		cli_error("%llu malformed rows in %s could not be read (the "
		          "report lists them as unreadable documents)",
		          (unsigned long long)s->nbad,
		          esc_log(s->path, strlen(s->path), e, sizeof(e)));
	for (i = 0; i < s->nlisted; i++) {
		free(s->bad[i].coll);
		free(s->bad[i].label);
	}
	free(s->bad);
	if (s->h != NULL)
		sqlite3_close(s->h);
	free(s);
}

/* the table that holds coll; *table NULL (0) when there is none */
static int
table_of(struct rawsql *s, const char *coll, char **table)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*table = NULL;
	rc = sqlite3_prepare_v2(s->h,
	                        "SELECT table_name FROM _ferretdb_collections "
	                        "WHERE name = ?1",
	                        -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, coll, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
			*table = mem_strdup(
			    (const char *)sqlite3_column_text(st, 0));
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	if (rc != SQLITE_OK)
		sql_error(s, "reading FerretDB's collections");
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : -1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
has_id(char *const *ids, size_t n, const char *v)
{
	return bsearch(&v, ids, n, sizeof(*ids), cmp_str) != NULL;
}

/* it is s, or an array holding s (the store's equality) */
static bool
value_is(const bson_iter_t *it, const char *s)
{
	bson_iter_t a;
	uint32_t len;
	const char *v;

	if (BSON_ITER_HOLDS_UTF8(it)) {
		v = bson_iter_utf8(it, &len);
		return strlen(s) == len && memcmp(v, s, len) == 0;
	}
	if (!BSON_ITER_HOLDS_ARRAY(it) || !bson_iter_recurse(it, &a))
		return false;
	while (bson_iter_next(&a))
		if (BSON_ITER_HOLDS_UTF8(&a) &&
		    strcmp(bson_iter_utf8(&a, NULL), s) == 0)
			return true;
	return false;
}

/* it is one of ids, or an array holding one */
static bool
value_in(const bson_iter_t *it, char *const *ids, size_t n)
{
	bson_iter_t a;

	if (BSON_ITER_HOLDS_UTF8(it))
		return has_id(ids, n, bson_iter_utf8(it, NULL));
	if (!BSON_ITER_HOLDS_ARRAY(it) || !bson_iter_recurse(it, &a))
		return false;
	while (bson_iter_next(&a))
		if (BSON_ITER_HOLDS_UTF8(&a) &&
		    has_id(ids, n, bson_iter_utf8(&a, NULL)))
			return true;
	return false;
}

/* docs.proc_id: a member (or the one document) naming one of ids */
static bool
member_in(const bson_iter_t *docs, char *const *ids, size_t n)
{
	bson_iter_t a, f;

	if (BSON_ITER_HOLDS_DOCUMENT(docs))
		return bson_iter_recurse(docs, &f) &&
		       bson_iter_find(&f, "proc_id") && value_in(&f, ids, n);
	if (!BSON_ITER_HOLDS_ARRAY(docs) || !bson_iter_recurse(docs, &a))
		return false;
	while (bson_iter_next(&a))
		if (BSON_ITER_HOLDS_DOCUMENT(&a) && bson_iter_recurse(&a, &f) &&
		    bson_iter_find(&f, "proc_id") && value_in(&f, ids, n))
			return true;
	return false;
}

bool
rawsql_match(const bson_t *doc, const struct rawsql_query *q)
{
	bson_iter_t it;

	if (q->host != NULL &&
	    !(bson_iter_init_find(&it, doc, "host") && value_is(&it, q->host)))
		return false;
	if (q->ids == NULL)
		return true;
	if (bson_iter_init_find(&it, doc, "proc_id") &&
	    value_in(&it, q->ids, q->nids))
		return true;
	return bson_iter_init_find(&it, doc, "docs") &&
	       member_in(&it, q->ids, q->nids);
}

/* the projection's answer for a top-level field */
static bool
projected(const struct rawsql_query *q, const char *key, size_t len)
{
	size_t i;

	if (q->drop != NULL)
		return !(strlen(q->drop) == len &&
		         memcmp(q->drop, key, len) == 0);
	if (q->keep == NULL || (len == 3 && memcmp(key, "_id", 3) == 0))
		return true;
	for (i = 0; i < q->nkeep; i++)
		if (strlen(q->keep[i]) == len &&
		    memcmp(q->keep[i], key, len) == 0)
			return true;
	return false;
}

static bool
match_field(const struct rawsql_query *q, const char *key, size_t len)
{
	return (q->host != NULL && len == 4 && memcmp(key, "host", 4) == 0) ||
	       (q->ids != NULL &&
	        ((len == 7 && memcmp(key, "proc_id", 7) == 0) ||
	         (len == 4 && memcmp(key, "docs", 4) == 0)));
}

/* sjson_keep_fn: what the projection keeps and what the match reads */
static bool
keep_field(const char *key, size_t len, void *arg)
{
	const struct each *e = arg;

	return projected(e->q, key, len) || match_field(e->q, key, len);
}

/* a malformed row already noted */
static bool
listed(const struct rawsql *s, const char *coll, const char *label)
{
	size_t i;

	for (i = 0; i < s->nlisted; i++)
		if (strcmp(s->bad[i].coll, coll) == 0 &&
		    strcmp(s->bad[i].label, label) == 0)
			return true;
	return false;
}

static void
note_bad(struct each *e, sqlite3_int64 rowid, const char *why)
{
	struct rawsql *s = e->s;
	char label[RAWSQL_LABEL_MAX], path[256];

	snprintf(label, sizeof(label), "row %lld", (long long)rowid);
	if (listed(s, e->coll, label))
		return; /* read again (-verify reads a collection twice) */
	s->nbad++;
	if (s->nbad <= RAWSQL_ERRORS_SHOWN)
		cli_error("malformed document in %s, collection %s, %s: %s%s",
		          esc_log(s->path, strlen(s->path), path, sizeof(path)),
		          e->coll, label, why,
		          s->nbad == RAWSQL_ERRORS_SHOWN ? " (further ones are "
		                                           "counted, not shown)"
		                                         : "");
	if (s->nlisted >= RAWSQL_BAD_LISTED)
		return;
	s->bad = mem_reallocarray(s->bad, s->nlisted + 1, sizeof(*s->bad));
	s->bad[s->nlisted].coll = mem_strdup(e->coll);
	s->bad[s->nlisted].label = mem_strdup(label);
	s->nlisted++;
}

/* the projected fields of doc only (a match field it leaves out) */
static void
reproject(const struct rawsql_query *q, const bson_t *doc, bson_t *out)
{
	bson_iter_t it;

	bson_init(out);
	if (!bson_iter_init(&it, doc))
		return;
	while (bson_iter_next(&it))
		if (projected(q, bson_iter_key(&it), bson_iter_key_len(&it)) &&
		    !bson_append_iter(out, NULL, 0, &it))
			return;
}

/* one row: converted, matched, to fn. 1: passed on, 0: not, -1: fn's */
static int
one_row(struct each *e, sqlite3_stmt *st, rawsql_doc_fn *fn, void *arg)
{
	const char *row = (const char *)sqlite3_column_text(st, 1);
	size_t len = (size_t)sqlite3_column_bytes(st, 1);
	char err[SJSON_ERR_MAX];
	bson_t doc, proj;
	int rc = 0;

	bson_init(&doc);
	if (sjson_to_bson(row, row ? len : 0, keep_field, e, &doc, err) != 0) {
		note_bad(e, sqlite3_column_int64(st, 0), err);
	} else if (rawsql_match(&doc, e->q)) {
		if (e->refilter) {
			reproject(e->q, &doc, &proj);
			rc = fn(&proj, arg) == 0 ? 1 : -1;
			bson_destroy(&proj);
		} else {
			rc = fn(&doc, arg) == 0 ? 1 : -1;
		}
	}
	bson_destroy(&doc);
	return rc;
}

static int
scan_table(struct each *e, const char *table, rawsql_doc_fn *fn, void *arg)
{
	char *sql = sqlite3_mprintf(
	    "SELECT rowid, _ferretdb_sjson FROM \"%w\" ORDER BY rowid", table);
	sqlite3_stmt *st = NULL;
	uint64_t sent = 0;
	int rc, r = 0;

	if (sql == NULL) {
		cli_error("out of memory");
		return -1;
	}
	rc = sqlite3_prepare_v2(e->s->h, sql, -1, &st, NULL);
	sqlite3_free(sql);
	while (rc == SQLITE_OK && r >= 0 &&
	       (e->q->limit == 0 || sent < e->q->limit)) {
		int step = sqlite3_step(st);

		if (step == SQLITE_DONE)
			break;
		if (step != SQLITE_ROW) {
			rc = step;
			break;
		}
		r = one_row(e, st, fn, arg);
		sent += r > 0;
	}
	if (rc != SQLITE_OK)
		sql_error(e->s, "reading a collection");
	sqlite3_finalize(st);
	return rc != SQLITE_OK || r < 0 ? -1 : 0;
}

int
rawsql_each(struct rawsql *s, const char *coll, const struct rawsql_query *q,
            rawsql_doc_fn *fn, void *arg)
{
	struct each e = {s, coll, q, NULL, false};
	struct rawsql_query sq = *q;
	char *table;
	int rc;

	if (table_of(s, coll, &table) != 0)
		return -1;
	if (table == NULL)
		return 0; /* no such collection: no documents */
	if (q->ids != NULL) {
		e.ids = mem_calloc(q->nids + 1, sizeof(*e.ids));
		memcpy(e.ids, q->ids, q->nids * sizeof(*e.ids));
		qsort(e.ids, q->nids, sizeof(*e.ids), cmp_str);
		sq.ids = e.ids;
	}
	e.q = &sq;
	e.refilter = (q->host != NULL && !projected(q, "host", 4)) ||
	             (q->ids != NULL && (!projected(q, "proc_id", 7) ||
	                                 !projected(q, "docs", 4)));
	rc = scan_table(&e, table, fn, arg);
	free(e.ids);
	free(table);
	return rc;
}

uint64_t
rawsql_each_bad(const struct rawsql *s,
                void (*fn)(const char *coll, const char *label, void *arg),
                void *arg)
{
	size_t i;

	for (i = 0; i < s->nlisted; i++)
		fn(s->bad[i].coll, s->bad[i].label, arg);
	return s->nbad;
}
