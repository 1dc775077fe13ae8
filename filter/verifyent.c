/* verifyent.c - a chain link's entries, in either stored form: packed into
 * one binary value (`ents`, common/chainent.h: godo since 2026-12-01) or
 * an array of {c, i, d} documents (`entries`: older databases). */
#include "verify_priv.h"

#include <stdlib.h>
#include <string.h>

#include "esc.h"
#include "chainent.h"
#include "schema.h"

/* "coll id" from a packed entry; NULL when either holds a NUL (a key is
 * a C string: "a\0b" would name "a"'s slot) or out of memory. */
static char *
packed_key(const struct chainent *e)
{
	struct buf b;

	if (memchr(e->coll, '\0', e->coll_len) != NULL ||
	    memchr(e->id, '\0', e->id_len) != NULL)
		return NULL;
	buf_init(&b);
	buf_add(&b, e->coll, e->coll_len);
	buf_addc(&b, ' ');
	buf_add(&b, e->id, e->id_len);
	if (b.oom) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

static int
each_packed(struct verify *v, const bson_iter_t *it, size_t link,
            verify_ent_fn fn, bool *bad)
{
	const uint8_t *p;
	uint32_t n;
	bson_subtype_t st;
	struct chainent e;
	size_t off = 0;
	int rc;
	char *key;

	bson_iter_binary(it, &st, &n, &p);
	while ((rc = chainent_next(p, n, &off, &e)) == 1) {
		key = packed_key(&e);
		if (key == NULL) {
			*bad = true;
			continue;
		}
		if (fn(v, key, e.d, link) != 0)
			return -1;
	}
	if (rc < 0) /* nothing after a broken length can be trusted */
		*bad = true;
	return 0;
}

static int
each_array(struct verify *v, const bson_iter_t *it, size_t link,
           verify_ent_fn fn, bool *bad)
{
	unsigned char d[DIGEST_LEN];
	bson_iter_t el, id;
	const uint8_t *data;
	uint32_t len;
	char coll[64], *key;
	bson_t e;

	if (!bson_iter_recurse(it, &el)) {
		*bad = true;
		return 0;
	}
	while (bson_iter_next(&el)) {
		if (!BSON_ITER_HOLDS_DOCUMENT(&el)) {
			*bad = true;
			continue;
		}
		bson_iter_document(&el, &len, &data);
		if (!bson_init_static(&e, data, len)) {
			*bad = true;
			continue;
		}
		verify_get_str(&e, F_CHAIN_COLL, coll, sizeof(coll));
		if (!bson_iter_init_find(&id, &e, F_CHAIN_ID) ||
		    !verify_get_digest(&e, F_CHAIN_DIGEST, d) ||
		    (key = verify_slot_key(coll, &id)) == NULL) {
			*bad = true;
			continue;
		}
		if (fn(v, key, d, link) != 0)
			return -1;
	}
	return 0;
}

int
verify_each_entry(struct verify *v, const bson_t *doc, size_t link,
                  verify_ent_fn fn, bool *bad)
{
	bson_iter_t it;

	*bad = false;
	if (bson_iter_init_find(&it, doc, F_CHAIN_ENTS) &&
	    BSON_ITER_HOLDS_BINARY(&it))
		return each_packed(v, &it, link, fn, bad);
	if (bson_iter_init_find(&it, doc, F_CHAIN_ENTRIES) &&
	    BSON_ITER_HOLDS_ARRAY(&it))
		return each_array(v, &it, link, fn, bad);
	*bad = true; /* a link without entries */
	return 0;
}
