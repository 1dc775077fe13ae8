/* chain.h - the tamper-evident chain of what one godo run writes
 * (docs/schema.md, "Chain").
 *
 * Every chained document gets a digest (common/digest.h: its canonical
 * form, the dg field left out), stored in the document as dg and added as an
 * entry {c: collection, i: _id, d: digest} to the open link. A link is
 * sealed into a `chain` document when writeback flushes (or when it holds
 * CHAIN_LINK_MAX entries): the entries, the run, a sequence number from 0,
 * the digest of the previous link (prev; the first link of a run names the
 * previous run's last head instead, when one was saved), the time range,
 * and its own dg. The chain document goes through the same queue and spool
 * as the documents it covers, after them, so a replay keeps the order.
 *
 * The head (run, seq, dg of the last sealed link) is what lets a deletion of
 * the newest links be seen: chain_head_save writes it to a file under the
 * state directory, and the caller logs it.
 *
 * No clock: times are the caller's. Errors: -1, logged. A document whose
 * digest cannot be computed is still written (without dg) and counted in
 * refused: it will not verify, which is what it should do. */
#ifndef GODO_CHAIN_H
#define GODO_CHAIN_H

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

#include "chainhead.h"
#include "digest.h"

#define CHAIN_LINK_MAX 512 /* entries per chain document */

struct chain {
	const struct digest_key *key; /* NULL: SHA-256; borrowed */
	char host[256];
	char run[CHAIN_RUN_MAX];
	struct chain_head prev_run; /* run "" when unknown */
	uint64_t seq;               /* of the next link */
	unsigned char prev[DIGEST_LEN];
	/* the open link's entries, packed (chainent.h): ents_len bytes used
	 * of ents_cap, grown on demand, at most CHAIN_LINK_MAX entries */
	unsigned char *ents;
	size_t ents_len, ents_cap;
	uint32_t n;
	int64_t from_ns, to_ns;
	uint64_t docs, links, refused;
};

/* host, run: copied (cut to their buffers). prev_run may be NULL. */
void chain_init(struct chain *c, const struct digest_key *key, const char *host,
                const char *run, const struct chain_head *prev_run);
void chain_fini(struct chain *c);

/* doc (without dg) is about to be written to coll at ns: its digest goes to
 * out and an entry to the open link. -1 when the digest failed (counted). */
int chain_add(struct chain *c, const char *coll, const bson_t *doc, int64_t ns,
              unsigned char out[DIGEST_LEN]);
bool chain_full(const struct chain *c);
/* The open link as a chain document in out (initialized here), and the
 * head moves to it: 1; 0 when the link is empty (out untouched); -1 on
 * failure (logged; the entries are kept for the next try). */
int chain_seal(struct chain *c, bson_t *out);
/* The last sealed link; false when none yet. */
bool chain_head(const struct chain *c, struct chain_head *out);

/* The head into path, atomically (a temporary file renamed). */
int chain_head_save(const struct chain_head *h, const char *path);
/* 0: read; 1: no such file; -1: unreadable or malformed (logged). */
int chain_head_load(struct chain_head *h, const char *path);

#endif
