/* verify_priv.h - the state verify.c and verifywin.c share (not for other
 * modules: they use verify.h). One check holds every link's header, the
 * entries of the links it checks, and one slot per (collection, _id) it
 * judges. */
#ifndef GODO_VERIFY_PRIV_H
#define GODO_VERIFY_PRIV_H

#include "verify.h"

/* One entry of a link: a digest some document of (collection, _id) had. */
struct entry {
	unsigned char d[DIGEST_LEN];
	uint32_t link;      /* index into links */
	struct entry *next; /* same key */
};

/* The entries of one (collection, _id), and whether a document was seen. */
struct slot {
	struct entry *first;
	char *key;                   /* owned: "coll id" for messages */
	bool seen;                   /* a stored document has this key */
	unsigned char d[DIGEST_LEN]; /* its digest (zeros: none computable) */
	int64_t lo, hi;              /* its times (VERIFY_NO_TIME: none) */
	uint8_t coll;                /* verify_coll_index */
	/* window: an entry of a link outside it (the second look) */
	bool pending; /* seen, none of its window entries matches */
	bool else_any, else_match;
	uint32_t else_link; /* the (first matching) one */
};

struct link {
	char run[CHAIN_RUN_MAX];
	uint64_t seq;
	unsigned char dg[DIGEST_LEN], prev[DIGEST_LEN];
	bool has_prev, own_ok, has_prev_run;
	bool win;      /* window: its entries are read (verifywin.c) */
	bool evidence; /* window: a document of the window matched it */
	struct chain_head prev_run;
	int64_t from_ns, to_ns; /* write times */
};

struct verify {
	const struct digest_key *key;
	struct strmap *slots; /* key -> struct slot */
	struct slot **all;    /* every slot, for the deleted pass */
	size_t nall, capall;
	struct link *links;
	size_t nlinks, caplinks;
	struct verify_result r;
	uint64_t shown[8];
	FILE *out;
	uint64_t held, limit; /* bytes (verify_set_limit) */
	bool over;            /* the limit was passed (said once) */
};

/* verify.c's helpers verifywin.c uses too. */
bool verify_take(struct verify *v, size_t n);
char *verify_slot_key(const char *coll, const bson_iter_t *id);
struct slot *verify_slot_get(struct verify *v, char *key);
int verify_add_entries(struct verify *v, const bson_t *doc, uint32_t link);
/* Called by verify_each_entry for each entry of link: key ("coll id",
 * malloc'd: fn owns it) and the digest. 0 to go on, -1 to stop. */
typedef int (*verify_ent_fn)(struct verify *v, char *key,
                             const unsigned char d[DIGEST_LEN], size_t link);
/* The entries of link document doc (verifyent.c), packed or in the older
 * array, through fn; *bad when any entry was malformed or the link has
 * none. -1 when fn stopped it. */
int verify_each_entry(struct verify *v, const bson_t *doc, size_t link,
                      verify_ent_fn fn, bool *bad);
bool verify_get_digest(const bson_t *doc, const char *field,
                       unsigned char out[DIGEST_LEN]);
int64_t verify_get_i64(const bson_t *doc, const char *field);
void verify_get_str(const bson_t *doc, const char *field, char *out, size_t n);
/* The link (run, seq) among the sorted links: its index, or -1. */
ptrdiff_t verify_find_link(const struct verify *v, const char *run,
                           uint64_t seq);
/* Sequence, prev and own digests of links [i, end); mid: i is not the
 * run's first stored link (no "links 0.. missing" before it). */
void verify_check_slice(struct verify *v, size_t i, size_t end, bool mid);
void verify_check_prev_run(struct verify *v, const struct link *first);
int verify_link_cmp(const void *a, const void *b);
/* The index after the run that starts at i (links sorted). */
size_t verify_run_end(const struct verify *v, size_t i);

#endif
