/* pindex.h - the index of every pids document's links, built in one scan
 * of the raw pids collection (rawdb_read_pids calls pindex_add per
 * document): id, parent_id, parent_tgid, tgid, times, docker_id and
 * rootfs, about 200 bytes per document; the documents themselves wait in
 * an unlinked temporary file (the spill) and are replayed once, in the
 * order read, by pindex_replay. No store: a unit test feeds it documents
 * built from JSON. Links of documents that start after the window's end
 * are not indexed (the store's start_ns <= until). */
#ifndef GODO_PINDEX_H
#define GODO_PINDEX_H

#include <bson/bson.h>
#include <stdint.h>

#include "model.h"

struct pindex;

/* The ways a document links to the tree. */
enum pindex_link {
	PINDEX_PARENT_ID,   /* a process, by its parent's id */
	PINDEX_PARENT_TGID, /* a process without parent_id, by parent_tgid */
	PINDEX_TGID,        /* a thread, by its process's tgid */
	PINDEX_NLINKS
};

/* until: the window's end (INT64_MAX: open). NULL after one error line
 * (no temporary file). */
struct pindex *pindex_new(int64_t until);
/* The pids documents pindex_add could not read (counted, listed); the
 * caller may take them (model_skip_move). */
struct skipped *pindex_skipped(struct pindex *ix);
/* Frees ix and closes the spill. NULL is fine. */
void pindex_free(struct pindex *ix);
/* One pids document (arg: the pindex); documents that decode_task
 * refuses are skipped. -1 after one error line (spill write failed, more
 * than 2^32 documents). */
int pindex_add(const bson_t *doc, void *arg);

size_t pindex_nstars(const struct pindex *ix);
/* The entry of the i-th star document. */
uint32_t pindex_star(const struct pindex *ix, size_t i);
/* Entries linked by link to keys[0..n) (ids for PINDEX_PARENT_ID,
 * decimal tgids otherwise), each once, in the order read (what one find
 * with $in returned). *out is malloc'd; returns the count. */
size_t pindex_match(const struct pindex *ix, enum pindex_link link,
                    char *const *keys, size_t n, uint32_t **out);
/* The entry's fields as a new task (owned by the caller; no command
 * line, execs or exit status: those are in the full document). */
void pindex_task(const struct pindex *ix, uint32_t i, struct task *t);

typedef int pindex_doc_fn(const bson_t *doc, void *arg);
/* Calls fn on every document added, in order, once: the spill is closed
 * afterwards. Stops at the first -1 from fn. -1 after one error line. */
int pindex_replay(struct pindex *ix, pindex_doc_fn *fn, void *arg);

#endif
