/* verify.h - filter -verify: are the documents godo stored the ones its
 * chains (docs/schema.md, "Chain") say it wrote?
 *
 * Feed every chain link and every document of the chained collections (in
 * any order), then verify_finish reports, one line each:
 *   - a link whose own digest does not match (changed), a sequence number
 *     missing or repeated in a run, a link whose prev is not the digest of
 *     the link before it (out of order, replaced), a run whose first link
 *     names a previous run's head that is not there;
 *   - a document whose digest matches no entry of its (collection, _id):
 *     changed; one with no entry at all: added outside a chain;
 *   - an entry no stored document matches: deleted;
 *   - with a logged head (-chain-head): that link missing or different,
 *     i.e. the newest links were deleted.
 * A document stored twice under one _id (an update, a replay) verifies
 * when it matches any of its entries.
 *
 * Memory: one entry per chained document (its key and digest: about 300
 * bytes each with the index), counted in bytes against a limit
 * (verify_set_limit, VERIFY_MEM_DEFAULT): past it verify_link and
 * verify_doc fail with one clear error line, rather than the filter
 * growing until the kernel kills it. Errors (out of memory, the limit):
 * -1, logged. */
#ifndef GODO_VERIFY_H
#define GODO_VERIFY_H

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "chainhead.h"
#include "digest.h"

#define VERIFY_SHOW_MAX 50 /* lines shown per kind of finding */
/* What a check may hold by default: about 7 million chained documents. */
#define VERIFY_MEM_DEFAULT (2048ull << 20)

struct verify;

struct verify_result {
	uint64_t links, docs, entries;
	uint64_t digested; /* documents that carry a dg field */
	uint64_t changed, added, deleted, link_bad, tail_bad;
};

/* key: NULL for plain SHA-256 (borrowed). NULL when out of memory. */
struct verify *verify_new(const struct digest_key *key);
void verify_free(struct verify *v);
/* At most bytes held (0: VERIFY_MEM_DEFAULT); before the first feed. */
void verify_set_limit(struct verify *v, uint64_t bytes);
/* Bytes held now (the count the limit applies to). */
uint64_t verify_held(const struct verify *v);
/* A chain link as stored. */
int verify_link(struct verify *v, const bson_t *link);
/* A stored document of collection coll. */
int verify_doc(struct verify *v, const char *coll, const bson_t *doc);
/* The findings, to out; tail may be NULL. */
void verify_finish(struct verify *v, const struct chain_head *tail, FILE *out,
                   struct verify_result *r);
/* Anything found? (A database without links fails too.) */
bool verify_failed(const struct verify_result *r);
/* No link and no document carrying a digest: written without chaining,
 * nothing to check (rather than a chain deleted). */
bool verify_unchained(const struct verify_result *r);

#endif
