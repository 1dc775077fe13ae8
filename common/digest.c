/* digest.c - see digest.h. */
#include "digest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

void
digest_init(struct digest_ctx *c, const struct digest_key *k)
{
	memset(c, 0, sizeof(*c));
	c->keyed = k != NULL && k->len > 0;
	if (c->keyed)
		hmac_sha256_set_key(&c->u.hmac, k->len, k->key);
	else
		sha256_init(&c->u.sha);
}

void
digest_update(struct digest_ctx *c, const void *p, size_t n)
{
	if (n == 0)
		return; /* p may be NULL then */
	if (c->keyed)
		hmac_sha256_update(&c->u.hmac, n, p);
	else
		sha256_update(&c->u.sha, n, p);
}

void
digest_final(struct digest_ctx *c, unsigned char out[DIGEST_LEN])
{
	if (c->keyed)
		hmac_sha256_digest(&c->u.hmac, DIGEST_LEN, out);
	else
		sha256_digest(&c->u.sha, DIGEST_LEN, out);
}

static void
put_u8(struct digest_ctx *s, uint8_t v)
{
	digest_update(s, &v, 1);
}

static void
put_u32(struct digest_ctx *s, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)(v >> 24),
	                      (unsigned char)(v >> 16), (unsigned char)(v >> 8),
	                      (unsigned char)v};
	digest_update(s, b, sizeof(b));
}

static void
put_u64(struct digest_ctx *s, uint64_t v)
{
	put_u32(s, (uint32_t)(v >> 32));
	put_u32(s, (uint32_t)v);
}

static void
put_bytes(struct digest_ctx *s, const void *p, uint32_t n)
{
	put_u32(s, n);
	digest_update(s, p, n);
}

static int put_container(struct digest_ctx *s, const bson_iter_t *it,
                         bool array, bool top, int depth);

static int
put_value(struct digest_ctx *s, const bson_iter_t *it, int depth)
{
	uint32_t n = 0, sub_n = 0;
	const uint8_t *bin = NULL;
	bson_subtype_t sub;
	double d;
	uint64_t bits;
	const char *str;

	switch (bson_iter_type(it)) {
	case BSON_TYPE_INT32:
	case BSON_TYPE_INT64:
		put_u8(s, 'i');
		put_u64(s, (uint64_t)bson_iter_as_int64(it));
		return 0;
	case BSON_TYPE_DOUBLE:
		d = bson_iter_double(it);
		memcpy(&bits, &d, sizeof(bits));
		put_u8(s, 'f');
		put_u64(s, bits);
		return 0;
	case BSON_TYPE_UTF8:
		str = bson_iter_utf8(it, &n);
		put_u8(s, 's');
		put_bytes(s, str, n);
		return 0;
	case BSON_TYPE_BINARY:
		bson_iter_binary(it, &sub, &sub_n, &bin);
		put_u8(s, 'x');
		put_u8(s, (uint8_t)sub);
		put_bytes(s, bin, sub_n);
		return 0;
	case BSON_TYPE_BOOL:
		put_u8(s, 'b');
		put_u8(s, bson_iter_bool(it) ? 1 : 0);
		return 0;
	case BSON_TYPE_NULL:
		put_u8(s, 'n');
		return 0;
	case BSON_TYPE_DATE_TIME:
		put_u8(s, 't');
		put_u64(s, (uint64_t)bson_iter_date_time(it));
		return 0;
	case BSON_TYPE_OID:
		put_u8(s, 'O');
		digest_update(s, bson_iter_oid(it)->bytes, 12);
		return 0;
	case BSON_TYPE_DOCUMENT:
		return put_container(s, it, false, false, depth + 1);
	case BSON_TYPE_ARRAY:
		return put_container(s, it, true, false, depth + 1);
	default:
		log_warnx("digest: field '%s' has BSON type 0x%02x, not in the "
		          "canonical form",
		          bson_iter_key(it), (unsigned)bson_iter_type(it));
		return -1;
	}
}

struct field {
	const char *key;
	uint32_t keylen;
	bson_iter_t it;
};

static int
field_cmp(const void *a, const void *b)
{
	const struct field *x = a, *y = b;
	uint32_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	return x->keylen < y->keylen ? -1 : x->keylen > y->keylen;
}

#define DIGEST_STACK_FIELDS 32 /* most documents: no allocation */

/* The fields of the document it points into (it itself when top), the
 * digest field left out at the top: in buf when they fit, else in *f
 * allocated here (*heap set: free it). */
static int
collect(const bson_iter_t *it, bool top, struct field *buf, struct field **f,
        bool *heap, uint32_t *n)
{
	bson_iter_t first = *it, child;
	uint32_t cap = 0;

	*f = buf;
	*heap = false;
	*n = 0;
	if (!top && !bson_iter_recurse(it, &first)) {
		log_warnx("digest: unreadable nested document");
		return -1;
	}
	child = first;
	while (bson_iter_next(&child))
		cap++;
	if (cap > DIGEST_MAX_FIELDS) {
		log_warnx("digest: more than %d fields", DIGEST_MAX_FIELDS);
		return -1;
	}
	if (cap > DIGEST_STACK_FIELDS) {
		/* bson_iter_t asks for 128-byte alignment: malloc's is not
		 * enough (UBSan); sizeof is a multiple of the alignment, as
		 * aligned_alloc wants */
		*f = aligned_alloc(_Alignof(struct field), cap * sizeof(**f));
		if (*f == NULL) {
			log_warn("digest: malloc");
			return -1;
		}
		*heap = true;
	}
	child = first;
	while (bson_iter_next(&child) && *n < cap) {
		const char *key = bson_iter_key(&child);
		uint32_t klen = bson_iter_key_len(&child);

		if (top && klen == sizeof(DIGEST_FIELD) - 1 &&
		    memcmp(key, DIGEST_FIELD, klen) == 0)
			continue;
		(*f)[*n].key = key;
		(*f)[*n].keylen = klen;
		(*f)[*n].it = child;
		(*n)++;
	}
	return 0;
}

/* An array: its values in order, keys ignored; nothing to sort. */
static int
put_array(struct digest_ctx *s, const bson_iter_t *it, int depth)
{
	bson_iter_t child;
	uint32_t n = 0;
	int rc = 0;

	if (!bson_iter_recurse(it, &child)) {
		log_warnx("digest: unreadable array");
		return -1;
	}
	while (bson_iter_next(&child))
		n++;
	if (n > DIGEST_MAX_FIELDS) {
		log_warnx("digest: more than %d fields", DIGEST_MAX_FIELDS);
		return -1;
	}
	put_u8(s, 'a');
	put_u32(s, n);
	if (!bson_iter_recurse(it, &child))
		return -1;
	while (rc == 0 && bson_iter_next(&child))
		rc = put_value(s, &child, depth);
	return rc;
}

static int
put_container(struct digest_ctx *s, const bson_iter_t *it, bool array, bool top,
              int depth)
{
	struct field buf[DIGEST_STACK_FIELDS], *f;
	uint32_t n, i;
	bool heap;
	int rc = 0;

	if (depth > DIGEST_MAX_DEPTH) {
		log_warnx("digest: nested deeper than %d", DIGEST_MAX_DEPTH);
		return -1;
	}
	if (array)
		return put_array(s, it, depth);
	if (collect(it, top, buf, &f, &heap, &n) != 0)
		return -1;
	qsort(f, n, sizeof(*f), field_cmp);
	put_u8(s, 'o');
	put_u32(s, n);
	for (i = 0; i < n && rc == 0; i++) {
		put_bytes(s, f[i].key, f[i].keylen);
		rc = put_value(s, &f[i].it, depth);
	}
	if (heap)
		free(f);
	return rc;
}

int
digest_doc(const struct digest_key *k, const bson_t *doc,
           unsigned char out[DIGEST_LEN])
{
	struct digest_ctx s;
	bson_iter_t it;
	int rc;

	if (!bson_iter_init(&it, doc)) {
		log_warnx("digest: invalid BSON document");
		return -1;
	}
	digest_init(&s, k);
	rc = put_container(&s, &it, false, true, 0);
	if (rc != 0)
		return -1;
	digest_final(&s, out);
	return 0;
}

int
digest_bytes(const struct digest_key *k, const void *p, size_t n,
             unsigned char out[DIGEST_LEN])
{
	struct digest_ctx c;

	digest_init(&c, k);
	digest_update(&c, p, n);
	digest_final(&c, out);
	return 0;
}

void
digest_hex(const unsigned char d[DIGEST_LEN], char out[2 * DIGEST_LEN + 1])
{
	static const char hx[] = "0123456789abcdef";
	int i;

	for (i = 0; i < DIGEST_LEN; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[2 * DIGEST_LEN] = '\0';
}

bool
digest_from_hex(const char *s, size_t n, unsigned char out[DIGEST_LEN])
{
	int i, hi, lo;

	if (n != 2 * DIGEST_LEN)
		return false;
	for (i = 0; i < DIGEST_LEN; i++) {
		hi = util_digit_val(s[2 * i]);
		lo = util_digit_val(s[2 * i + 1]);
		if (hi > 15 || lo > 15)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}

int
digest_key_load(struct digest_key *k, const char *path)
{
	unsigned char extra;
	ssize_t n;
	int fd;

	memset(k, 0, sizeof(*k));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		log_warn("chain key %s", path);
		return -1;
	}
	n = read(fd, k->key, sizeof(k->key));
	if (n == (ssize_t)sizeof(k->key) && read(fd, &extra, 1) == 1)
		n = -2;
	if (close(fd) != 0 && n >= 0)
		log_warn("chain key %s: close", path);
	if (n < 16) {
		log_warnx("chain key %s: %s", path,
		          n == -2 ? "longer than 256 bytes"
		          : n < 0 ? "unreadable"
		                  : "shorter than 16 bytes");
		memset(k, 0, sizeof(*k));
		return -1;
	}
	k->len = (size_t)n;
	return 0;
}
