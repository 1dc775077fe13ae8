/*
 * readfloor.c - the store's own floor for bench/filter_scale.sh: reads
 * every document of the collections the filter reads (pids, files, fds,
 * gaps) with a plain cursor each, with the filter's projections and the
 * driver's default batch size, and discards them. Prints one line:
 *
 *   docs=612345 pids=... files=... fds=... gaps=... seconds=12.345
 *
 * With -store-dir DIR the same documents are read straight from the local
 * FerretDB's SQLite files (filter/rawsql.h, the filter's -store-dir) and
 * converted to BSON: the floor of the direct read. -dump COLL (with
 * -store-dir) writes COLL's whole documents, as converted, to stdout, one
 * BSON document after another (tests/integration/test_filter_direct.py
 * compares them with the wire's, byte for byte).
 */
#include <inttypes.h>
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "flags.h"
#include "rawsql.h"
#include "schema.h"

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* count of documents read, -1 on a store error */
static int64_t
read_all(mongoc_database_t *db, const char *coll, const bson_t *opts)
{
	mongoc_collection_t *c = mongoc_database_get_collection(db, coll);
	bson_t q = BSON_INITIALIZER;
	mongoc_cursor_t *cur;
	const bson_t *doc;
	bson_error_t err;
	int64_t n = 0;

	cur = mongoc_collection_find_with_opts(c, &q, opts, NULL);
	while (mongoc_cursor_next(cur, &doc))
		n++;
	if (mongoc_cursor_error(cur, &err)) {
		fprintf(stderr, "readfloor: %s: %s\n", coll, err.message);
		n = -1;
	}
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(c);
	bson_destroy(&q);
	return n;
}

static int
count_doc(const bson_t *doc, void *arg)
{
	(void)doc;
	(*(int64_t *)arg)++;
	return 0;
}

static int
put_doc(const bson_t *doc, void *arg)
{
	return fwrite(bson_get_data(doc), 1, doc->len, arg) == doc->len ? 0
	                                                                : -1;
}

/* -dump: coll's whole documents from the store's files, to stdout */
static int
dump_direct(const char *dir, const char *dbname, const char *coll)
{
	struct rawsql *s = rawsql_open(dir, dbname);
	struct rawsql_query q = {0};
	int rc;

	if (s == NULL)
		return -1;
	rc = rawsql_each(s, coll, &q, put_doc, stdout);
	rawsql_close(s);
	return rc != 0 || fflush(stdout) != 0 ? -1 : 0;
}

/* the collections from the store's files: rawsql with the projections
 * (all: none) */
static int
read_direct(const char *dir, const char *dbname, const char *const *pf,
            size_t npf, bool all, const char *const *colls, int64_t *counts)
{
	struct rawsql *s = rawsql_open(dir, dbname);
	struct rawsql_query q[4] = {{.keep = pf, .nkeep = npf},
	                            {.drop = F_WRITTEN},
	                            {.drop = F_WRITTEN},
	                            {0}};
	size_t i;
	int rc = 0;

	if (s == NULL)
		return -1;
	if (all)
		memset(q, 0, sizeof(q));
	for (i = 0; rc == 0 && i < 4; i++) {
		counts[i] = 0;
		rc = rawsql_each(s, colls[i], &q[i], count_doc, &counts[i]);
	}
	rawsql_close(s);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *mongo = "127.0.0.1:27017", *dbname = "scale";
	const char *store_dir = NULL, *dump = NULL;
	bool all_fields = false;
	struct flag tab[] = {
	    {"mongo", FLAG_STR, &mongo, "store host:port or mongodb:// URI",
	     NULL},
	    {"db", FLAG_STR, &dbname, "raw database to read", NULL},
	    {"all-fields", FLAG_BOOL, &all_fields,
	     "no projection: whole documents", NULL},
	    {"store-dir", FLAG_STR, &store_dir,
	     "read FerretDB's SQLite files in DIR (scripts/store.sh's) "
	     "directly, as filter -store-dir does",
	     NULL},
	    {"dump", FLAG_STR, &dump,
	     "with -store-dir: write this collection's whole documents "
	     "(BSON, one after another) to stdout instead",
	     NULL},
	};
	int ntab = (int)(sizeof(tab) / sizeof(tab[0]));
	/* the filter's projections (filter/rawdb.c): pids by field list,
	 * files and fds without the written array */
	static const char *pid_fields[] = {
	    F_ID,        F_HOST,     F_BOOT,        F_PID,       F_TGID,
	    F_THREAD,    F_PPID,     F_PARENT_TGID, F_PARENT_ID, F_START_TICKS,
	    F_START_TS,  F_START_NS, F_STAR,        F_COMM,      F_EXE,
	    F_CWD,       F_ARGS,     F_ARGS_TRUNC,  F_EXECVE,    F_EXECVE_COUNT,
	    F_EXIT_TS,   F_EXIT_NS,  F_EXIT_STATUS, F_EXIT_CODE, F_EXIT_SIGNAL,
	    F_DOCKER_ID, F_ROOTFS,   F_SETNS,       F_SOURCE};
	const char *colls[] = {COLL_PIDS, COLL_FILES, COLL_FDS, COLL_GAPS};
	int64_t counts[4], total = 0;
	bson_t *popts = bson_new(), *fopts, *none = bson_new(), p;
	mongoc_client_t *client;
	mongoc_database_t *db;
	char uri[1024];
	double t0;
	size_t i;
	int idx, rc = 1;

	idx = flags_parse(tab, ntab, argc, argv);
	if (idx == FLAGS_HELP) {
		flags_usage(stdout, "readfloor [flags]", tab, ntab);
		return 0;
	}
	if (idx < 0 || idx < argc)
		return 2;
	BSON_APPEND_DOCUMENT_BEGIN(popts, "projection", &p);
	for (i = 0; i < sizeof(pid_fields) / sizeof(pid_fields[0]); i++)
		BSON_APPEND_INT32(&p, pid_fields[i], 1);
	bson_append_document_end(popts, &p);
	fopts = BCON_NEW("projection", "{", F_WRITTEN, BCON_INT32(0), "}");
	if (store_dir != NULL && dump != NULL) {
		rc = dump_direct(store_dir, dbname, dump) == 0 ? 0 : 1;
		goto out;
	}
	if (store_dir != NULL) {
		t0 = mono_s();
		if (read_direct(store_dir, dbname, pid_fields,
		                sizeof(pid_fields) / sizeof(pid_fields[0]),
		                all_fields, colls, counts) != 0)
			goto out;
		printf("docs=%" PRId64 " pids=%" PRId64 " files=%" PRId64
		       " fds=%" PRId64 " gaps=%" PRId64 " seconds=%.3f\n",
		       counts[0] + counts[1] + counts[2] + counts[3], counts[0],
		       counts[1], counts[2], counts[3], mono_s() - t0);
		rc = 0;
		goto out;
	}
	mongoc_init();
	if (strncmp(mongo, "mongodb://", 10) == 0)
		snprintf(uri, sizeof(uri), "%s", mongo);
	else
		snprintf(uri, sizeof(uri), "mongodb://%s/", mongo);
	client = mongoc_client_new(uri);
	if (client == NULL) {
		fprintf(stderr, "readfloor: bad -mongo\n");
		goto out;
	}
	mongoc_client_set_error_api(client, MONGOC_ERROR_API_VERSION_2);
	db = mongoc_client_get_database(client, dbname);
	t0 = mono_s();
	for (i = 0; i < 4; i++) {
		const bson_t *o = all_fields ? none
		                  : i == 0   ? popts
		                  : i < 3    ? fopts
		                             : none;

		counts[i] = read_all(db, colls[i], o);
		if (counts[i] < 0)
			break;
		total += counts[i];
	}
	if (i == 4) {
		printf("docs=%" PRId64 " pids=%" PRId64 " files=%" PRId64
		       " fds=%" PRId64 " gaps=%" PRId64 " seconds=%.3f\n",
		       total, counts[0], counts[1], counts[2], counts[3],
		       mono_s() - t0);
		rc = 0;
	}
	mongoc_database_destroy(db);
	mongoc_client_destroy(client);
out:
	bson_destroy(popts);
	bson_destroy(fopts);
	bson_destroy(none);
	mongoc_cleanup();
	return rc;
}
