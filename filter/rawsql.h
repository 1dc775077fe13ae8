/* rawsql.h - the raw database read straight from FerretDB's SQLite files
 * (its SQLite handler, v1.24), not through FerretDB: rawdb.c's backend for
 * -store-dir. FerretDB decodes each stored row at about 7,000 documents a
 * second (docs/performance.md); this reads the same rows with libsqlite3,
 * read-only (FerretDB may be running: SQLite's WAL lets a reader in beside
 * the writer), and turns each into the BSON document FerretDB would have
 * returned (sjson.h).
 *
 * Layout: database DB is the file DIR/data/DB.sqlite (scripts/store.sh's
 * DIR) or DIR/DB.sqlite (DIR being the data directory itself); the table
 * _ferretdb_collections maps a collection's name to its table; each
 * table's column _ferretdb_sjson holds one document per row, read in
 * rowid order (FerretDB's own order for a find without sort).
 *
 * What rawdb asks of the store is applied here, over the converted
 * documents, with the store's results: -host (field host equal, or an
 * array holding it), the $in on process ids (proc_id, or docs.proc_id of
 * a grouped document, one of ids), a projection (top-level fields kept,
 * or one left out) and a limit.
 *
 * A row that cannot be converted is not passed on: it gets one error line
 * (the first RAWSQL_ERRORS_SHOWN of them; the rest are counted), and is
 * counted and listed ("collection row N") for the caller to put in the
 * report (rawsql_each_bad), once however often it is read. Neither it nor
 * a hostile row stops the read. */
#ifndef GODO_RAWSQL_H
#define GODO_RAWSQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bson/bson.h>

#define RAWSQL_ERRORS_SHOWN 10 /* error lines for malformed rows */
#define RAWSQL_BAD_LISTED 1000 /* malformed rows kept by name */

struct rawsql;

/* Called per document; a -1 stops the read (the callback logged). */
typedef int rawsql_doc_fn(const bson_t *doc, void *arg);

struct rawsql_query {
	const char *host;        /* NULL: any host */
	char *const *ids;        /* NULL: any process */
	size_t nids;             /* ids[0..nids) */
	const char *const *keep; /* NULL: every field; _id always */
	size_t nkeep;            /* keep[0..nkeep) */
	const char *drop;        /* a field left out; NULL: none */
	uint64_t limit;          /* 0: no limit */
};

/* Opens database db under dir, read-only. NULL after one error line (no
 * such directory or file, not a FerretDB SQLite database). */
struct rawsql *rawsql_open(const char *dir, const char *db);
/* Says how many malformed rows were skipped, if any, and closes. NULL is
 * fine. */
void rawsql_close(struct rawsql *s);
/* Every document of coll matching q, in the store's order, to fn. A
 * collection that does not exist has none. 0, or -1 after one error line
 * (or fn's -1). */
int rawsql_each(struct rawsql *s, const char *coll,
                const struct rawsql_query *q, rawsql_doc_fn *fn, void *arg);
/* Whether doc matches q's host and ids (ids sorted by strcmp). */
bool rawsql_match(const bson_t *doc, const struct rawsql_query *q);
/* Calls fn(coll, label, arg) per malformed row listed so far (label:
 * "row N"); returns how many rows were malformed in all. */
uint64_t rawsql_each_bad(const struct rawsql *s,
                         void (*fn)(const char *coll, const char *label,
                                    void *arg),
                         void *arg);

#endif
