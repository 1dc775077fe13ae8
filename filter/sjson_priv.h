/* sjson_priv.h - what sjson.c (the reference conversion: every member
 * indexed, looked up by name) shares with sjson_fast.c (one pass over the
 * row, in the schema's order): the row's context, schema elems and their
 * types, the scalar conversions. Both read the row with the tokenizer
 * (sjtok.h). Not for other modules. */
#ifndef GODO_SJSON_PRIV_H
#define GODO_SJSON_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include <bson/bson.h>

#include "sjson.h"
#include "sjtok.h"

/* one row being converted: the tokenizer's buffer and error, the
 * projection */
struct ctx {
	struct sjtok tok; /* the row; the first fault in tok.err */
	sjson_keep_fn *keep;
	void *keep_arg;
};

/* a schema elem, its fields' spans (len 0: absent) */
struct elem {
	struct sjtok_span t, s, o, i, sub; /* t, o: string contents */
	bool has_s, has_o, has_i, has_sub;
};

enum vtype {
	VT_OBJECT,
	VT_ARRAY,
	VT_DOUBLE,
	VT_STRING,
	VT_BINDATA,
	VT_OBJECTID,
	VT_BOOL,
	VT_DATE,
	VT_NULL,
	VT_REGEX,
	VT_INT,
	VT_TIMESTAMP,
	VT_LONG,
	VT_UNKNOWN
};

enum vtype sj_elem_type(const struct ctx *c, struct sjtok_span t);
/* the name of a field (the string at v) as a BSON key: decoded, at most
 * SJSON_MAX_KEY bytes, no NUL */
int sj_field_name(struct ctx *c, struct sjtok_span v, struct sjtok_buf *name);
int sj_appended(struct ctx *c, bool ok, struct sjtok_span v);
/* string, binData, objectId, regex at v with its schema elem e */
int sj_conv_stringish(struct ctx *c, bson_t *out, const char *key, size_t klen,
                      struct sjtok_span v, const struct elem *e, enum vtype t);
/* int, long, date, timestamp, double, bool at v */
int sj_conv_scalar(struct ctx *c, bson_t *out, const char *key, size_t klen,
                   struct sjtok_span v, enum vtype t);
/* The reference conversion (sjson.c): every member indexed, looked up by
 * name; the row whole, its fields in out. 0, or -1 with c->tok.err. */
int sj_reference(struct ctx *c, bson_t *out);
/* The one-pass conversion (sjson_fast.c): 0, or -1 when the row is not
 * one it takes (then out is dirty and the reference conversion decides:
 * it gives the same result on every row the fast one takes). */
int sj_fast(struct ctx *c, bson_t *out);

#endif
