/* chainent.h - the packed form of a chain link's entries (docs/schema.md,
 * "chain"). A link lists, for each document it covers, the collection, the
 * _id and the digest. Stored as one BSON array of {c, i, d} documents, that
 * list cost FerretDB about 9 us per entry (every element and field is
 * decoded, converted and stored on its own); packed into one binary value,
 * 2 us (docs/performance.md, "The chain's entries packed"), and a third
 * party reads it as easily. One entry, bytes in order:
 *
 *   clen (1 byte, 1..CHAINENT_COLL_MAX) | coll (clen bytes) |
 *   ilen (2 bytes, big-endian, 1..CHAINENT_ID_MAX) | id (ilen bytes, the
 *   _id string's UTF-8) | digest (DIGEST_LEN bytes)
 *
 * repeated, nothing between or after. Pure functions over caller buffers:
 * no allocation, no logging. */
#ifndef GODO_CHAINENT_H
#define GODO_CHAINENT_H

#include <stddef.h>

#include "digest.h"

#define CHAINENT_COLL_MAX 64
#define CHAINENT_ID_MAX 4096
/* The most one entry takes. */
#define CHAINENT_MAX (1 + CHAINENT_COLL_MAX + 2 + CHAINENT_ID_MAX + DIGEST_LEN)

/* One entry as read: pointers into the buffer given to chainent_next. */
struct chainent {
	const char *coll;
	size_t coll_len;
	const char *id;
	size_t id_len;
	const unsigned char *d; /* DIGEST_LEN bytes */
};

/* The bytes an entry with these lengths takes; 0 when a length is out of
 * its bounds (empty or too long). */
size_t chainent_size(size_t coll_len, size_t id_len);
/* Writes the entry to out, which has room for chainent_size(coll_len,
 * id_len) bytes; returns that size (0, nothing written, when a length is
 * out of bounds). */
size_t chainent_put(unsigned char *out, const char *coll, size_t coll_len,
                    const char *id, size_t id_len,
                    const unsigned char d[DIGEST_LEN]);
/* The entry at *off of p[0..n): 1 and *off moved past it; 0 at the end
 * (*off == n); -1 when the bytes there are not a whole entry (a length
 * out of bounds or past n): malformed, *off unchanged. */
int chainent_next(const unsigned char *p, size_t n, size_t *off,
                  struct chainent *e);

#endif
