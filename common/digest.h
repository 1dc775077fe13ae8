/* digest.h - SHA-256 digests of what godo stores, for the tamper-evident
 * chain (docs/schema.md, "Chain") and of logged argvs. GNU Nettle does the
 * hashing (no global set-up, no allocation: OpenSSL 3's provider machinery
 * cost the recorder about 2 MiB of RSS); this module defines the canonical
 * form a document's digest covers, so a third party can verify a stored
 * document without godo:
 *
 *   doc    = 'o' u32(count) { u32(keylen) key value }   keys sorted bytewise
 *   array  = 'a' u32(count) { value }                   in order, keys ignored
 *   value  = 'i' i64          int32 and int64 alike
 *          | 'f' u64          double, its IEEE-754 bits
 *          | 's' u32(len) bytes          UTF-8 string
 *          | 'x' u8(subtype) u32(len) bytes   binary
 *          | 'b' u8(0|1) | 'n' (null) | 't' i64 (date, ms since the epoch)
 *          | 'O' 12 bytes (ObjectId) | doc | array
 * All integers big-endian. The top-level field DIGEST_FIELD ("dg", where
 * the digest itself is stored) is left out. Any other BSON type, more than
 * DIGEST_MAX_FIELDS fields in one document or a nesting deeper than
 * DIGEST_MAX_DEPTH makes the digest fail: godo never writes such documents,
 * so one found in the store does not verify.
 *
 * With a key (-chain-key) every digest is HMAC-SHA256 under it instead of
 * SHA-256. Errors: -1, logged; nothing is allocated that outlives a call.
 * Hashing bytes cannot fail: the streaming calls return nothing. */
#ifndef GODO_DIGEST_H
#define GODO_DIGEST_H

#include <bson/bson.h>
#include <nettle/hmac.h>
#include <nettle/sha2.h>
#include <stdbool.h>
#include <stddef.h>

#define DIGEST_LEN 32
#define DIGEST_FIELD "dg"
#define DIGEST_MAX_FIELDS 512
#define DIGEST_MAX_DEPTH 16
#define DIGEST_KEY_MAX 256

struct digest_key {
	unsigned char key[DIGEST_KEY_MAX];
	size_t len; /* 0: plain SHA-256 */
};

/* A digest being computed over bytes given in pieces: plain SHA-256 or
 * HMAC-SHA256. Plain data, no resources: it may live on the stack or in a
 * struct, be copied or dropped at any point. */
struct digest_ctx {
	bool keyed;
	union {
		struct sha256_ctx sha;
		struct hmac_sha256_ctx hmac;
	} u;
};

/* Starts c; k may be NULL or of len 0 (plain SHA-256). k is not kept. */
void digest_init(struct digest_ctx *c, const struct digest_key *k);
void digest_update(struct digest_ctx *c, const void *p, size_t n);
/* The digest of everything given since digest_init; c must be started
 * again before it is used again. */
void digest_final(struct digest_ctx *c, unsigned char out[DIGEST_LEN]);

/* Reads a key file (at least 16, at most DIGEST_KEY_MAX bytes, used as
 * is). -1 when unreadable or out of bounds. */
int digest_key_load(struct digest_key *k, const char *path);
/* The digest of n bytes at p. k may be NULL (plain SHA-256). */
int digest_bytes(const struct digest_key *k, const void *p, size_t n,
                 unsigned char out[DIGEST_LEN]);
/* The digest of doc's canonical form. */
int digest_doc(const struct digest_key *k, const bson_t *doc,
               unsigned char out[DIGEST_LEN]);
/* 64 lowercase hex digits and a NUL. */
void digest_hex(const unsigned char d[DIGEST_LEN],
                char out[2 * DIGEST_LEN + 1]);
/* Parses 64 hex digits; false otherwise. */
bool digest_from_hex(const char *s, size_t n, unsigned char out[DIGEST_LEN]);

#endif
