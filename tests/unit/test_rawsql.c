/* test_rawsql.c - filter/rawsql.c on a database laid out as FerretDB's
 * SQLite handler lays it out (DIR/data/DB.sqlite, _ferretdb_collections,
 * a _ferretdb_sjson column), made here with libsqlite3: documents come in
 * rowid order; -host, the $in on process ids (proc_id and a group's
 * docs.proc_id), the projections and the limit give the store's answers;
 * malformed and hostile rows are counted and listed, never passed on,
 * never the end of the read; a writer holding the database (WAL) does not
 * stop the reader; the errors for a wrong directory or database. No
 * store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rawsql.h"

#define S_STR "{\"t\":\"string\"}"
#define S_INT "{\"t\":\"int\"}"

/* a pids row: _id, host, pid, comm */
#define PID(id, host, pid, comm)                                               \
	"{\"$s\":{\"p\":{\"_id\":" S_STR ",\"host\":" S_STR ",\"pid\":" S_INT  \
	",\"comm\":" S_STR "},\"$k\":[\"_id\",\"host\",\"pid\",\"comm\"]},"    \
	"\"_id\":\"" id "\",\"host\":\"" host "\",\"pid\":" pid                \
	",\"comm\":\"" comm "\"}"

static const char *const pid_rows[] = {
    PID("p1", "h1", "1", "a"),
    "{not json",
    PID("p2", "h2", "2", "b"),
    "{\"$s\":{\"p\":{},\"$k\":[]},\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    PID("p3", "h1", "3", "c"),
};

static const char *const file_rows[] = {
    /* flat: p1's */
    "{\"$s\":{\"p\":{\"_id\":" S_STR ",\"host\":" S_STR ",\"proc_id\":" S_STR
    ",\"written\":{\"t\":\"array\",\"i\":[{\"t\":"
    "\"date\"}]}},\"$k\":[\"_id\",\"host\",\"proc_id\",\"written\"]},"
    "\"_id\":\"f1\",\"host\":\"h1\",\"proc_id\":\"p1\",\"written\":[5]}",
    /* a group: p2 first, then a member of p3 */
    "{\"$s\":{\"p\":{\"_id\":" S_STR ",\"host\":" S_STR ",\"proc_id\":" S_STR
    ",\"docs\":{\"t\":\"array\",\"i\":["
    "{\"t\":\"object\",\"$s\":{\"p\":{\"_id\":" S_STR "},\"$k\":[\"_id\"]}},"
    "{\"t\":\"object\",\"$s\":{\"p\":{\"_id\":" S_STR ",\"proc_id\":" S_STR
    "},\"$k\":[\"_id\",\"proc_id\"]}}]}},"
    "\"$k\":[\"_id\",\"host\",\"proc_id\",\"docs\"]},"
    "\"_id\":\"g1\",\"host\":\"h1\",\"proc_id\":\"p2\","
    "\"docs\":[{\"_id\":\"m1\"},{\"_id\":\"m2\",\"proc_id\":\"p3\"}]}",
    /* flat: p3's, another host */
    "{\"$s\":{\"p\":{\"_id\":" S_STR ",\"host\":" S_STR ",\"proc_id\":" S_STR
    "},\"$k\":[\"_id\",\"host\",\"proc_id\"]},"
    "\"_id\":\"f3\",\"host\":\"h2\",\"proc_id\":\"p3\"}",
};

struct fix {
	char dir[64], data[96], file[160];
};

static void
exec_sql(sqlite3 *h, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err ? err : "?");
}

static void
insert_rows(sqlite3 *h, const char *table, const char *const *rows, size_t n)
{
	char sql[128];
	sqlite3_stmt *st;
	size_t i;

	snprintf(sql, sizeof(sql), "INSERT INTO \"%s\" VALUES (?1)", table);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	for (i = 0; i < n; i++) {
		assert_int_equal(
		    sqlite3_bind_text(st, 1, rows[i], -1, SQLITE_STATIC),
		    SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_DONE);
		assert_int_equal(sqlite3_reset(st), SQLITE_OK);
	}
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
}

/* DIR/data/t.sqlite as FerretDB's SQLite handler makes it (WAL) */
static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));
	sqlite3 *h;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_rawsql.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->data, sizeof(f->data), "%s/data", f->dir);
	assert_int_equal(mkdir(f->data, 0700), 0);
	snprintf(f->file, sizeof(f->file), "%s/t.sqlite", f->data);
	assert_int_equal(sqlite3_open(f->file, &h), SQLITE_OK);
	exec_sql(h, "PRAGMA journal_mode=WAL");
	exec_sql(h, "CREATE TABLE _ferretdb_collections (name TEXT NOT NULL "
	            "UNIQUE, table_name TEXT NOT NULL UNIQUE, settings TEXT "
	            "NOT NULL) STRICT");
	exec_sql(h, "INSERT INTO _ferretdb_collections VALUES "
	            "('pids', 'pids_00000001', '{}'), "
	            "('files', 'files_00000002', '{}')");
	exec_sql(h, "CREATE TABLE pids_00000001 (_ferretdb_sjson TEXT NOT "
	            "NULL CHECK(_ferretdb_sjson != '')) STRICT");
	exec_sql(h, "CREATE TABLE files_00000002 (_ferretdb_sjson TEXT NOT "
	            "NULL CHECK(_ferretdb_sjson != '')) STRICT");
	insert_rows(h, "pids_00000001", pid_rows,
	            sizeof(pid_rows) / sizeof(pid_rows[0]));
	insert_rows(h, "files_00000002", file_rows,
	            sizeof(file_rows) / sizeof(file_rows[0]));
	assert_int_equal(sqlite3_close(h), SQLITE_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* the _ids seen, space-separated */
struct seen {
	char ids[256];
	int n, stop_at;
};

static int
collect(const bson_t *doc, void *arg)
{
	struct seen *s = arg;
	bson_iter_t it;

	s->n++;
	if (bson_iter_init_find(&it, doc, "_id") && BSON_ITER_HOLDS_UTF8(&it)) {
		if (s->ids[0] != '\0')
			strcat(s->ids, " ");
		strcat(s->ids, bson_iter_utf8(&it, NULL));
	}
	return s->stop_at != 0 && s->n >= s->stop_at ? -1 : 0;
}

static struct rawsql *
open_fix(const struct fix *f)
{
	struct rawsql *s = rawsql_open(f->dir, "t");

	assert_non_null(s);
	return s;
}

static void
label_cat(const char *coll, const char *label, void *arg)
{
	char *out = arg;

	strcat(out, coll);
	strcat(out, " ");
	strcat(out, label);
	strcat(out, ";");
}

/* rowid order; the two bad rows counted and listed, not passed on, once
 * however often they are read */
static void
test_rawsql_scan(void **state)
{
	struct rawsql *s = open_fix(*state);
	struct rawsql_query q = {0};
	struct seen seen = {"", 0, 0};
	char labels[256] = "";

	assert_int_equal(rawsql_each(s, "pids", &q, collect, &seen), 0);
	assert_string_equal(seen.ids, "p1 p2 p3");
	assert_int_equal(rawsql_each_bad(s, label_cat, labels), 2);
	assert_string_equal(labels, "pids row 2;pids row 4;");
	/* read again: the same two */
	memset(&seen, 0, sizeof(seen));
	labels[0] = '\0';
	assert_int_equal(rawsql_each(s, "pids", &q, collect, &seen), 0);
	assert_int_equal(rawsql_each_bad(s, label_cat, labels), 2);
	assert_string_equal(labels, "pids row 2;pids row 4;");
	rawsql_close(s);
}

static void
test_rawsql_host(void **state)
{
	struct rawsql *s = open_fix(*state);
	struct rawsql_query q = {.host = "h1"};
	struct seen seen = {"", 0, 0};

	assert_int_equal(rawsql_each(s, "pids", &q, collect, &seen), 0);
	assert_string_equal(seen.ids, "p1 p3");
	rawsql_close(s);
}

/* the $in: proc_id, or a group member's (docs.proc_id) */
static void
test_rawsql_ids(void **state)
{
	static char *const p3[] = {"p3"};
	static char *const p21[] = {"p2", "p1"}; /* unsorted */
	struct rawsql *s = open_fix(*state);
	struct rawsql_query q = {.ids = p3, .nids = 1};
	struct seen seen = {"", 0, 0};

	assert_int_equal(rawsql_each(s, "files", &q, collect, &seen), 0);
	assert_string_equal(seen.ids, "g1 f3");
	memset(&seen, 0, sizeof(seen));
	q.host = "h1";
	assert_int_equal(rawsql_each(s, "files", &q, collect, &seen), 0);
	assert_string_equal(seen.ids, "g1");
	memset(&seen, 0, sizeof(seen));
	q.host = NULL;
	q.ids = p21;
	q.nids = 2;
	assert_int_equal(rawsql_each(s, "files", &q, collect, &seen), 0);
	assert_string_equal(seen.ids, "f1 g1");
	rawsql_close(s);
}

static int
check_fields(const bson_t *doc, void *arg)
{
	const char *want = arg;
	char got[128] = "";
	bson_iter_t it;

	assert_true(bson_iter_init(&it, doc));
	while (bson_iter_next(&it)) {
		strcat(got, bson_iter_key(&it));
		strcat(got, " ");
	}
	assert_string_equal(got, want);
	return 0;
}

/* a field list keeps _id; a dropped field goes; a limit; a field the
 * match reads but the projection leaves out is not passed on */
static void
test_rawsql_projection(void **state)
{
	static const char *const comm[] = {"comm"};
	static char *const p1[] = {"p1"};
	struct rawsql *s = open_fix(*state);
	struct rawsql_query q = {.keep = comm, .nkeep = 1};
	struct seen seen = {"", 0, 0};

	assert_int_equal(rawsql_each(s, "pids", &q, check_fields, "_id comm "),
	                 0);
	q.host = "h2";
	assert_int_equal(rawsql_each(s, "pids", &q, check_fields, "_id comm "),
	                 0);
	memset(&q, 0, sizeof(q));
	q.drop = "written";
	q.ids = p1;
	q.nids = 1;
	assert_int_equal(
	    rawsql_each(s, "files", &q, check_fields, "_id host proc_id "), 0);
	memset(&q, 0, sizeof(q));
	q.limit = 2;
	assert_int_equal(rawsql_each(s, "pids", &q, collect, &seen), 0);
	assert_string_equal(seen.ids, "p1 p2");
	rawsql_close(s);
}

/* no such collection: none; fn's -1 ends the read with -1 */
static void
test_rawsql_missing_and_stop(void **state)
{
	struct rawsql *s = open_fix(*state);
	struct rawsql_query q = {0};
	struct seen seen = {"", 0, 1};

	assert_int_equal(rawsql_each(s, "gaps", &q, collect, &seen), 0);
	assert_int_equal(seen.n, 0);
	assert_int_equal(rawsql_each(s, "pids", &q, collect, &seen), -1);
	assert_int_equal(seen.n, 1);
	rawsql_close(s);
}

/* a writer in the middle of a transaction (FerretDB running) */
static void
test_rawsql_beside_writer(void **state)
{
	struct fix *f = *state;
	struct rawsql_query q = {0};
	struct seen seen = {"", 0, 0};
	struct rawsql *s;
	sqlite3 *w;

	assert_int_equal(sqlite3_open(f->file, &w), SQLITE_OK);
	exec_sql(w, "BEGIN IMMEDIATE");
	exec_sql(w, "DELETE FROM pids_00000001");
	s = open_fix(f);
	assert_int_equal(rawsql_each(s, "pids", &q, collect, &seen), 0);
	assert_string_equal(seen.ids, "p1 p2 p3");
	rawsql_close(s);
	exec_sql(w, "ROLLBACK");
	assert_int_equal(sqlite3_close(w), SQLITE_OK);
}

static void
test_rawsql_open_errors(void **state)
{
	struct fix *f = *state;
	char path[192];
	FILE *fp;

	assert_null(rawsql_open("/nonexistent/store", "t"));
	assert_null(rawsql_open(f->dir, "nope"));
	assert_null(rawsql_open(f->dir, "../data/t"));
	assert_null(rawsql_open(f->dir, ""));
	/* a file that is not a FerretDB database */
	snprintf(path, sizeof(path), "%s/junk.sqlite", f->data);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(fputs("not sqlite at all, just bytes", fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	assert_null(rawsql_open(f->dir, "junk"));
	/* scripts/store.sh says the store is another server */
	snprintf(path, sizeof(path), "%s/handler", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(fputs("postgresql\n", fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	assert_null(rawsql_open(f->dir, "t"));
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(fputs("sqlite\n", fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	/* the data directory itself works too */
	rawsql_close(open_fix(f));
	{
		struct rawsql *s = rawsql_open(f->data, "t");

		assert_non_null(s);
		rawsql_close(s);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rawsql_scan, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rawsql_host, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rawsql_ids, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rawsql_projection, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_rawsql_missing_and_stop, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_rawsql_beside_writer, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_rawsql_open_errors, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
