/* rawdb.h - the only reader of the raw database (godo's, -db): one
 * cursor per collection, each read once (a store may have no index for
 * anything but _id: FerretDB's SQLite handler scans the collection for
 * every query), -host applied in every query. Documents go to a callback
 * as they arrive; decoding them is decode.c's. While stderr is a
 * terminal a progress line counts the documents read.
 *
 * Two ways in: over the wire (-mongo, dbconn.h), or, with -store-dir,
 * straight from the files of FerretDB's SQLite handler (rawsql.h: the
 * same documents, queries and order, without FerretDB's decoding). */
#ifndef GODO_RAWDB_H
#define GODO_RAWDB_H

#include <bson/bson.h>

#include "opts.h"

struct rawdb;

/* Called per document; a -1 stops the read (the callback logged). */
typedef int rawdb_doc_fn(const bson_t *doc, void *arg);

/* Connects to o->mongo (dbconn.h) and opens o->db; with o->store_dir,
 * opens o->db's file there instead (rawsql.h). NULL after one error
 * line. o is borrowed for the reader's life. */
struct rawdb *rawdb_open(const struct opts *o);
/* Ends the progress line, disconnects. NULL is fine. */
void rawdb_close(struct rawdb *db);
/* -1 with one error line when the raw database holds no pids documents
 * (for -host: none of that host) or cannot be read. */
int rawdb_check_empty(struct rawdb *db);
/* Every pids document (the fields decode_task reads). */
int rawdb_read_pids(struct rawdb *db, rawdb_doc_fn *fn, void *arg);
/* coll (files or fds) documents whose process_id is one of ids[0..n):
 * one $in query up to RAWDB_IN_MAX ids, else a plain scan that fn
 * filters (one scan beats many queries on a store without an index).
 * A grouped document (common/fgroup.h) matches when any member's process
 * is one of ids and reaches fn once per member, as a flat document of the
 * older shape: fn keeps the processes it wants. */
int rawdb_read_files(struct rawdb *db, const char *coll, char *const *ids,
                     size_t n, rawdb_doc_fn *fn, void *arg);
/* Every containers document (the identities godo recorded). */
int rawdb_read_containers(struct rawdb *db, rawdb_doc_fn *fn, void *arg);
/* Every gaps document. */
int rawdb_read_gaps(struct rawdb *db, rawdb_doc_fn *fn, void *arg);
/* Every document of coll, whole (-verify digests them). */
int rawdb_read_whole(struct rawdb *db, const char *coll, rawdb_doc_fn *fn,
                     void *arg);
/* Stored documents that could not be read as documents (-store-dir: a
 * malformed row), so far: fn(coll, label, arg) for each of the first
 * RAWSQL_BAD_LISTED, the count of all returned. Over the wire always 0
 * (the store fails the read instead). */
uint64_t rawdb_each_unreadable(struct rawdb *db,
                               void (*fn)(const char *coll, const char *label,
                                          void *arg),
                               void *arg);

#endif
