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
 *   - an entry no stored document matches: deleted (each of these three
 *     with the document's own time range, verifywin.h, or for a deleted
 *     one its link's write times, and counted per collection in
 *     verify_result.range);
 *   - with a logged head (-chain-head): that link missing or different,
 *     i.e. the newest links were deleted.
 * A document stored twice under one _id (an update, a replay) verifies
 * when it matches any of its entries.
 *
 * Memory: one entry per chained document (its key and digest: about 300
 * bytes each with the index; windowed: the window's documents and every
 * link's header, about 900 bytes, entries not kept), counted in bytes against a
 * limit (verify_set_limit, VERIFY_MEM_DEFAULT): past it verify_link and
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

/* Per kind of document finding and collection: how many, and the time
 * range of the documents' own times (a deleted one: its link's write
 * times); lo > hi when none of them has a time. */
enum verify_doc_kind { VK_CHANGED, VK_ADDED, VK_DELETED, VK_NKIND };
#define VERIFY_NCOLL 6 /* pids, files, gaps, runs, containers, other */
struct verify_range {
	uint64_t n;
	int64_t lo, hi;
};

struct verify_result {
	uint64_t links, docs, entries;
	uint64_t digested; /* documents that carry a dg field */
	uint64_t changed, added, deleted, link_bad, tail_bad;
	/* verify_set_window: only the window was checked */
	bool windowed;
	int64_t since, until;  /* ns, INT64_MIN / INT64_MAX when open */
	uint64_t win_links;    /* links whose entries were checked */
	uint64_t outside;      /* documents read and left out: not in it */
	uint64_t links_looked; /* links that took part (window and sides) */
	struct verify_range range[VK_NKIND][VERIFY_NCOLL];
};

/* key: NULL for plain SHA-256 (borrowed). NULL when out of memory. */
struct verify *verify_new(const struct digest_key *key);
void verify_free(struct verify *v);
/* At most bytes held (0: VERIFY_MEM_DEFAULT); before the first feed. */
void verify_set_limit(struct verify *v, uint64_t bytes);
/* Bytes held now (the count the limit applies to). */
uint64_t verify_held(const struct verify *v);
/* Check only the window [since, until] (ns, inclusive; INT64_MIN /
 * INT64_MAX open): before the first feed. The feed is then in passes
 * (verifywin.h): verify_link for every link, verifywin_plan,
 * verifywin_link_entries for every link, verify_doc for every document,
 * verifywin_second_look for every link when verifywin_needs_look. */
void verify_set_window(struct verify *v, int64_t since, int64_t until);
/* A chain link as stored (windowed: its header only). */
int verify_link(struct verify *v, const bson_t *link);
/* A stored document of collection coll. */
int verify_doc(struct verify *v, const char *coll, const bson_t *doc);
/* The findings, to out; tail may be NULL. */
void verify_finish(struct verify *v, const struct chain_head *tail, FILE *out,
                   struct verify_result *r);
/* "changed", "added outside a chain", "deleted" (VK_NKIND). */
const char *verify_kind_name(int k);
/* Anything found? (A database without links fails too, and a window
 * without any link.) */
bool verify_failed(const struct verify_result *r);
/* No link and no document carrying a digest: written without chaining,
 * nothing to check (rather than a chain deleted). */
bool verify_unchained(const struct verify_result *r);

#endif
