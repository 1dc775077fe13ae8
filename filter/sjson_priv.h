/* sjson_priv.h - what sjson.c (the reference conversion: every member
 * indexed, looked up by name) shares with sjson_fast.c (one pass over the
 * row, in the schema's order): spans into the row, the tokenizer, the
 * scalar conversions. Not for other modules. */
#ifndef GODO_SJSON_PRIV_H
#define GODO_SJSON_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include <bson/bson.h>

#include "sjson.h"

#define SJSON_STACK_MEMBERS 48 /* members of an object before the heap */
#define SJSON_STACK_STR 512    /* bytes of a decoded string before it */

struct span {
	size_t off, len;
};

/* one member of an object (key: inside its quotes) or item of an array */
struct member {
	struct span key, val;
};

struct mlist {
	struct member *m;
	size_t n, cap;
	struct member stack[SJSON_STACK_MEMBERS];
};

/* a decoded string */
struct sbuf {
	char *p;
	size_t len, cap;
	char stack[SJSON_STACK_STR];
};

struct ctx {
	const char *b; /* the row */
	size_t n;
	char *err;
	sjson_keep_fn *keep;
	void *keep_arg;
};

/* a schema elem, its fields' spans (len 0: absent) */
struct elem {
	struct span t, s, o, i, sub; /* t, o: string contents */
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

/* The first fault is the one reported, with its byte offset. -1. */
int sj_fail(struct ctx *c, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sj_sbuf_init(struct sbuf *s);
void sj_sbuf_free(struct sbuf *s);
/* i past blanks, up to end */
size_t sj_skip_ws(const struct ctx *c, size_t i, size_t end);
/* b[*i] is '"': *i past the closing quote, s the contents (checked:
 * escapes, no control characters) */
int sj_scan_string(struct ctx *c, size_t *i, size_t end, struct span *s);
int sj_scan_literal(struct ctx *c, size_t *i, size_t end, const char *lit);
/* any value at b[*i] (no blanks before it), checked, containers at most
 * SJSON_MAX_DEPTH deep counting from depth; *i past it */
int sj_skip_value(struct ctx *c, size_t *i, size_t end, int depth);
/* whether two string contents are the same string */
bool sj_key_eq(struct ctx *c, struct span a, struct span b);
bool sj_span_is(const struct ctx *c, struct span s, const char *lit);
/* the string at v: its contents in *s */
int sj_string_at(struct ctx *c, struct span v, struct span *s);
enum vtype sj_elem_type(const struct ctx *c, struct span t);
/* the name of a field (the string at v) as a BSON key: decoded, at most
 * SJSON_MAX_KEY bytes, no NUL */
int sj_field_name(struct ctx *c, struct span v, struct sbuf *name);
int sj_appended(struct ctx *c, bool ok, struct span v);
/* string, binData, objectId, regex at v with its schema elem e */
int sj_conv_stringish(struct ctx *c, bson_t *out, const char *key, size_t klen,
                      struct span v, const struct elem *e, enum vtype t);
/* int, long, date, timestamp, double, bool at v */
int sj_conv_scalar(struct ctx *c, bson_t *out, const char *key, size_t klen,
                   struct span v, enum vtype t);
/* The reference conversion (sjson.c): every member indexed, looked up by
 * name; the row whole, its fields in out. 0, or -1 with c->err. */
int sj_reference(struct ctx *c, bson_t *out);
/* The one-pass conversion (sjson_fast.c): 0, or -1 when the row is not
 * one it takes (then out is dirty and the reference conversion decides:
 * it gives the same result on every row the fast one takes). */
int sj_fast(struct ctx *c, bson_t *out);

#endif
