/* sjson.c - see sjson.h. The reference conversion: every object's
 * members indexed (struct mlist), fields looked up by name; the row read
 * with the tokenizer (sjtok.h: spans index the row; a value's span is
 * exact, a string's is what lies between its quotes). */
#include "sjson.h"
#include "sjson_priv.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>

/* sjson.h's bounds are the tokenizer's */
_Static_assert(SJSON_MAX_DEPTH == SJTOK_MAX_DEPTH, "nesting bound");
_Static_assert(SJSON_MAX_NUMBER == SJTOK_MAX_NUMBER, "number bound");
_Static_assert(SJSON_ERR_MAX == SJTOK_ERR_MAX, "message size");

#define SJSON_STACK_MEMBERS 48 /* members of an object before the heap */

/* one member of an object (key: inside its quotes) or item of an array */
struct member {
	struct sjtok_span key, val;
};

struct mlist {
	struct member *m;
	size_t n, cap;
	struct member stack[SJSON_STACK_MEMBERS];
};

static int conv_doc(struct ctx *c, struct sjtok_span data,
                    const struct sjtok_span *sch, bson_t *out, int depth,
                    bool top);

static void
mlist_init(struct mlist *l)
{
	l->m = l->stack;
	l->n = 0;
	l->cap = SJSON_STACK_MEMBERS;
}

static void
mlist_free(struct mlist *l)
{
	if (l->m != l->stack)
		free(l->m);
	mlist_init(l);
}

/* sjtok_member_fn: the member pushed on the list arg */
static int
mlist_push(struct sjtok *t, struct sjtok_span key, struct sjtok_span val,
           void *arg)
{
	struct mlist *l = arg;
	struct member *m;

	if (l->n == l->cap) {
		size_t cap = l->cap * 2;

		m = l->m == l->stack ? malloc(cap * sizeof(*m))
		                     : realloc(l->m, cap * sizeof(*m));
		if (m == NULL)
			return sjtok_fail(t, val.off, "out of memory");
		if (l->m == l->stack)
			memcpy(m, l->stack, sizeof(l->stack));
		l->m = m;
		l->cap = cap;
	}
	l->m[l->n].key = key;
	l->m[l->n].val = val;
	l->n++;
	return 0;
}

/* the members of the object or items of the array v (kind '{' or '[') */
static int
index_container(struct ctx *c, struct sjtok_span v, char kind, int depth,
                struct mlist *l)
{
	size_t i = v.off;

	if (v.len == 0 || c->tok.b[v.off] != kind)
		return sjtok_fail(&c->tok, v.off,
		                  kind == '{' ? "expected an object"
		                              : "expected an array");
	return sjtok_scan_container(&c->tok, &i, v.off + v.len, depth,
	                            mlist_push, l);
}

/* the member of l named key, searched from *hint on (members come in
 * the schema's order), or NULL */
static const struct member *
find_member(struct ctx *c, const struct mlist *l, struct sjtok_span key,
            size_t *hint)
{
	size_t k, j;

	for (k = 0; k < l->n; k++) {
		j = (*hint + k) % l->n;
		if (sjtok_key_eq(&c->tok, l->m[j].key, key)) {
			*hint = j + 1;
			return &l->m[j];
		}
	}
	return NULL;
}

static int
parse_elem(struct ctx *c, struct sjtok_span v, int depth, struct elem *e)
{
	struct mlist l;
	size_t k;
	int rc;

	memset(e, 0, sizeof(*e));
	mlist_init(&l);
	rc = index_container(c, v, '{', depth, &l);
	for (k = 0; rc == 0 && k < l.n; k++) {
		struct sjtok_span key = l.m[k].key, val = l.m[k].val;

		if (sjtok_span_is(&c->tok, key, "t"))
			rc = sjtok_string_at(&c->tok, val, &e->t);
		else if (sjtok_span_is(&c->tok, key, "$s"))
			e->s = val, e->has_s = true;
		else if (sjtok_span_is(&c->tok, key, "o"))
			rc = sjtok_string_at(&c->tok, val, &e->o),
			e->has_o = true;
		else if (sjtok_span_is(&c->tok, key, "i"))
			e->i = val, e->has_i = true;
		else if (sjtok_span_is(&c->tok, key, "s"))
			e->sub = val, e->has_sub = true;
		else
			rc = sjtok_fail(&c->tok, key.off,
			                "unknown schema field");
	}
	mlist_free(&l);
	if (rc == 0 && e->t.len == 0)
		return sjtok_fail(&c->tok, v.off, "schema without a type");
	return rc;
}

enum vtype
sj_elem_type(const struct ctx *c, struct sjtok_span t)
{
	static const char *const names[] = {
	    "object",   "array",     "double", "string", "binData",
	    "objectId", "bool",      "date",   "null",   "regex",
	    "int",      "timestamp", "long"};
	size_t k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (sjtok_span_is(&c->tok, t, names[k]))
			return (enum vtype)k;
	return VT_UNKNOWN;
}

/* a JSON integer at v (strict: no fraction, no exponent), as a sign and
 * magnitude up to max */
static int
parse_uint(struct ctx *c, struct sjtok_span v, bool *neg, uint64_t max,
           uint64_t *mag)
{
	size_t i = v.off;
	bool integer;
	uint64_t m = 0;

	if (v.len == 0 ||
	    sjtok_scan_number(&c->tok, &i, v.off + v.len, &integer) != 0)
		return sjtok_fail(&c->tok, v.off, "expected a number");
	if (!integer || i != v.off + v.len)
		return sjtok_fail(&c->tok, v.off, "expected an integer");
	i = v.off;
	*neg = c->tok.b[i] == '-';
	if (*neg)
		i++;
	for (; i < v.off + v.len; i++) {
		unsigned d = (unsigned)(c->tok.b[i] - '0');

		if (m > (max - d) / 10)
			return sjtok_fail(&c->tok, v.off,
			                  "integer out of range");
		m = m * 10 + d;
	}
	*mag = m;
	return 0;
}

/* a JSON integer in [-max - 1, max] */
static int
parse_int(struct ctx *c, struct sjtok_span v, int64_t max, int64_t *out)
{
	uint64_t m;
	bool neg;

	/* |min| = max + 1 */
	if (parse_uint(c, v, &neg, (uint64_t)max + 1, &m) != 0)
		return -1;
	if (!neg && m > (uint64_t)max)
		return sjtok_fail(&c->tok, v.off, "integer out of range");
	*out = neg ? (int64_t)(0 - m) : (int64_t)m;
	return 0;
}

static int
parse_double(struct ctx *c, struct sjtok_span v, double *out)
{
	char tmp[SJSON_MAX_NUMBER + 1], *endp;
	size_t i = v.off;
	bool integer;

	if (v.len == 0 ||
	    sjtok_scan_number(&c->tok, &i, v.off + v.len, &integer) != 0)
		return sjtok_fail(&c->tok, v.off, "expected a number");
	if (i != v.off + v.len)
		return sjtok_fail(&c->tok, v.off, "expected a number");
	memcpy(tmp, c->tok.b + v.off, v.len);
	tmp[v.len] = '\0';
	errno = 0;
	*out = strtod(tmp, &endp);
	if (*endp != '\0' || isinf(*out) || isnan(*out))
		return sjtok_fail(&c->tok, v.off, "double out of range");
	return 0;
}

/* standard base64 with padding (Nettle's decoder), in place: s->len
 * becomes the bytes */
static int
b64_decode(struct ctx *c, size_t at, struct sjtok_buf *s)
{
	struct base64_decode_ctx b;
	uint8_t *tmp;
	size_t n = 0;
	bool ok;

	if (s->len % 4 != 0)
		return sjtok_fail(&c->tok, at, "bad base64 length");
	tmp = malloc(BASE64_DECODE_LENGTH(s->len) + 1);
	if (tmp == NULL)
		return sjtok_fail(&c->tok, at, "out of memory");
	base64_decode_init(&b);
	ok = base64_decode_update(&b, &n, tmp, s->len, s->p) &&
	     base64_decode_final(&b) && n <= s->len;
	if (ok) {
		memcpy(s->p, tmp, n);
		s->len = n;
	}
	free(tmp);
	return ok ? 0 : sjtok_fail(&c->tok, at, "bad base64");
}

int
sj_appended(struct ctx *c, bool ok, struct sjtok_span v)
{
	return ok ? 0 : sjtok_fail(&c->tok, v.off, "document too large");
}

static int conv_value(struct ctx *c, bson_t *out, const char *key, size_t klen,
                      struct sjtok_span v, const struct sjtok_span *sch,
                      int depth);

static int
conv_array(struct ctx *c, bson_t *out, const char *key, size_t klen,
           struct sjtok_span v, const struct elem *e, int depth)
{
	struct mlist items, elems;
	char ibuf[16];
	const char *ikey;
	bson_t child;
	size_t k;
	int rc;

	mlist_init(&items);
	mlist_init(&elems);
	rc = index_container(c, v, '[', depth, &items);
	if (rc == 0 && e->has_i)
		rc = index_container(c, e->i, '[', depth, &elems);
	if (rc == 0 && items.n != elems.n)
		rc = sjtok_fail(&c->tok, v.off,
		                "%zu items in the schema, %zu in the array",
		                elems.n, items.n);
	if (rc == 0 && !bson_append_array_begin(out, key, (int)klen, &child))
		rc = sjtok_fail(&c->tok, v.off, "document too large");
	for (k = 0; rc == 0 && k < items.n; k++) {
		size_t il = bson_uint32_to_string((uint32_t)k, &ikey, ibuf,
		                                  sizeof(ibuf));

		rc = conv_value(c, &child, ikey, il, items.m[k].val,
		                &elems.m[k].val, depth + 1);
	}
	if (rc == 0)
		rc = sj_appended(c, bson_append_array_end(out, &child), v);
	mlist_free(&items);
	mlist_free(&elems);
	return rc;
}

static int
conv_object(struct ctx *c, bson_t *out, const char *key, size_t klen,
            struct sjtok_span v, const struct elem *e, int depth)
{
	bson_t child;

	if (!e->has_s)
		return sjtok_fail(&c->tok, v.off, "object without a schema");
	if (!bson_append_document_begin(out, key, (int)klen, &child))
		return sjtok_fail(&c->tok, v.off, "document too large");
	if (conv_doc(c, v, &e->s, &child, depth + 1, false) != 0)
		return -1;
	return sj_appended(c, bson_append_document_end(out, &child), v);
}

/* string, binData, objectId, regex: the decoded string first */
int
sj_conv_stringish(struct ctx *c, bson_t *out, const char *key, size_t klen,
                  struct sjtok_span v, const struct elem *e, enum vtype t)
{
	struct sjtok_buf s, opt;
	struct sjtok_span in;
	uint64_t sub;
	bson_oid_t oid;
	bool neg;
	int rc;

	sjtok_buf_init(&s);
	sjtok_buf_init(&opt);
	rc = sjtok_string_at(&c->tok, v, &in);
	if (rc == 0)
		rc = sjtok_decode_string(&c->tok, in, &s);
	if (rc != 0) {
		sjtok_buf_free(&s);
		return -1;
	}
	switch (t) {
	case VT_STRING:
		rc = sj_appended(
		    c, bson_append_utf8(out, key, (int)klen, s.p, (int)s.len),
		    v);
		break;
	case VT_BINDATA:
		if (!e->has_sub) {
			rc = sjtok_fail(&c->tok, v.off,
			                "binData without a subtype");
			break;
		}
		rc = parse_uint(c, e->sub, &neg, 255, &sub);
		if (rc == 0 && neg)
			rc = sjtok_fail(&c->tok, e->sub.off,
			                "bad binData subtype");
		if (rc == 0)
			rc = b64_decode(c, v.off, &s);
		if (rc == 0)
			rc =
			    sj_appended(c,
			                bson_append_binary(out, key, (int)klen,
			                                   (bson_subtype_t)sub,
			                                   (const uint8_t *)s.p,
			                                   (uint32_t)s.len),
			                v);
		break;
	case VT_OBJECTID:
		if (s.len != 24 || !bson_oid_is_valid(s.p, s.len)) {
			rc = sjtok_fail(&c->tok, v.off, "bad objectId");
			break;
		}
		bson_oid_init_from_string(&oid, s.p);
		rc = sj_appended(c, bson_append_oid(out, key, (int)klen, &oid),
		                 v);
		break;
	default: /* VT_REGEX */
		if (!e->has_o)
			rc =
			    sjtok_fail(&c->tok, v.off, "regex without options");
		else
			rc = sjtok_decode_string(&c->tok, e->o, &opt);
		if (rc == 0 && (memchr(s.p, '\0', s.len) != NULL ||
		                memchr(opt.p, '\0', opt.len) != NULL))
			rc = sjtok_fail(&c->tok, v.off, "NUL in a regex");
		if (rc == 0)
			rc = sj_appended(
			    c,
			    bson_append_regex_w_len(out, key, (int)klen, s.p,
			                            (int)s.len, opt.p),
			    v);
		break;
	}
	sjtok_buf_free(&s);
	sjtok_buf_free(&opt);
	return rc;
}

/* int, long, date, timestamp, double, bool */
int
sj_conv_scalar(struct ctx *c, bson_t *out, const char *key, size_t klen,
               struct sjtok_span v, enum vtype t)
{
	int64_t i;
	uint64_t u;
	double d = 0;
	bool neg;
	int k = (int)klen;

	switch (t) {
	case VT_INT:
		if (parse_int(c, v, INT32_MAX, &i) != 0)
			return -1;
		return sj_appended(
		    c, bson_append_int32(out, key, k, (int32_t)i), v);
	case VT_LONG:
		if (parse_int(c, v, INT64_MAX, &i) != 0)
			return -1;
		return sj_appended(c, bson_append_int64(out, key, k, i), v);
	case VT_DATE:
		if (parse_int(c, v, INT64_MAX, &i) != 0)
			return -1;
		return sj_appended(c, bson_append_date_time(out, key, k, i), v);
	case VT_TIMESTAMP:
		if (parse_uint(c, v, &neg, UINT64_MAX, &u) != 0)
			return -1;
		if (neg)
			return sjtok_fail(&c->tok, v.off, "negative timestamp");
		return sj_appended(c,
		                   bson_append_timestamp(out, key, k,
		                                         (uint32_t)(u >> 32),
		                                         (uint32_t)u),
		                   v);
	case VT_DOUBLE:
		if (parse_double(c, v, &d) != 0)
			return -1;
		return sj_appended(c, bson_append_double(out, key, k, d), v);
	default: /* VT_BOOL */
		if (sjtok_span_is(&c->tok, v, "true") ||
		    sjtok_span_is(&c->tok, v, "false"))
			return sj_appended(
			    c,
			    bson_append_bool(out, key, k,
			                     c->tok.b[v.off] == 't'),
			    v);
		return sjtok_fail(&c->tok, v.off, "expected true or false");
	}
}

/* one value v with its schema elem (NULL: none; only null may lack one) */
static int
conv_value(struct ctx *c, bson_t *out, const char *key, size_t klen,
           struct sjtok_span v, const struct sjtok_span *sch, int depth)
{
	struct elem e;
	enum vtype t;

	if (sjtok_span_is(&c->tok, v, "null"))
		return sj_appended(c, bson_append_null(out, key, (int)klen), v);
	if (sch == NULL)
		return sjtok_fail(&c->tok, v.off, "value without a schema");
	if (parse_elem(c, *sch, depth, &e) != 0)
		return -1;
	t = sj_elem_type(c, e.t);
	switch (t) {
	case VT_OBJECT:
		return conv_object(c, out, key, klen, v, &e, depth);
	case VT_ARRAY:
		return conv_array(c, out, key, klen, v, &e, depth);
	case VT_STRING:
	case VT_BINDATA:
	case VT_OBJECTID:
	case VT_REGEX:
		return sj_conv_stringish(c, out, key, klen, v, &e, t);
	case VT_NULL:
		return sjtok_fail(&c->tok, v.off, "null type with a value");
	case VT_UNKNOWN:
		return sjtok_fail(&c->tok, e.t.off, "unknown type");
	default:
		return sj_conv_scalar(c, out, key, klen, v, t);
	}
}

/* a schema {"p": {...}, "$k": [...]}: its properties and keys */
static int
parse_schema(struct ctx *c, struct sjtok_span v, int depth, struct mlist *props,
             struct mlist *keys)
{
	struct mlist l;
	size_t k;
	int rc;

	mlist_init(&l);
	rc = index_container(c, v, '{', depth, &l);
	for (k = 0; rc == 0 && k < l.n; k++) {
		if (sjtok_span_is(&c->tok, l.m[k].key, "p"))
			rc = index_container(c, l.m[k].val, '{', depth + 1,
			                     props);
		else if (sjtok_span_is(&c->tok, l.m[k].key, "$k"))
			rc = index_container(c, l.m[k].val, '[', depth + 1,
			                     keys);
		else
			rc = sjtok_fail(&c->tok, l.m[k].key.off,
			                "unknown schema field");
	}
	mlist_free(&l);
	return rc;
}

/* the name of a field as a BSON key: decoded, bounded, no NUL */
int
sj_field_name(struct ctx *c, struct sjtok_span v, struct sjtok_buf *name)
{
	struct sjtok_span s;

	if (sjtok_string_at(&c->tok, v, &s) != 0 ||
	    sjtok_decode_string(&c->tok, s, name) != 0)
		return -1;
	if (name->len > SJSON_MAX_KEY)
		return sjtok_fail(&c->tok, v.off,
		                  "field name longer than %d bytes",
		                  SJSON_MAX_KEY);
	if (memchr(name->p, '\0', name->len) != NULL)
		return sjtok_fail(&c->tok, v.off, "NUL in a field name");
	return 0;
}

/* the fields of data in the order of keys */
static int
conv_fields(struct ctx *c, const struct mlist *data, const struct mlist *props,
            const struct mlist *keys, bson_t *out, int depth, bool top)
{
	size_t k, hd = 0, hp = 0;
	struct sjtok_buf name;
	int rc = 0;

	sjtok_buf_init(&name);
	for (k = 0; rc == 0 && k < keys->n; k++) {
		const struct member *d, *p;
		struct sjtok_span ks;

		if (sj_field_name(c, keys->m[k].val, &name) != 0 ||
		    sjtok_string_at(&c->tok, keys->m[k].val, &ks) != 0) {
			rc = -1;
			break;
		}
		d = find_member(c, data, ks, &hd);
		if (d == NULL) {
			rc = sjtok_fail(&c->tok, keys->m[k].val.off,
			                "field missing");
			break;
		}
		if (top && c->keep != NULL &&
		    !c->keep(name.p, name.len, c->keep_arg))
			continue;
		p = find_member(c, props, ks, &hp);
		rc = conv_value(c, out, name.p, name.len, d->val,
		                p ? &p->val : NULL, depth);
	}
	sjtok_buf_free(&name);
	return rc;
}

/* the document data with its schema sch (NULL: none; only an empty
 * document may lack one); top: the row, whose "$s" member is the schema */
static int
conv_doc(struct ctx *c, struct sjtok_span data, const struct sjtok_span *sch,
         bson_t *out, int depth, bool top)
{
	struct mlist dm, props, keys;
	struct sjtok_span schema;
	size_t k;
	int rc;

	mlist_init(&dm);
	mlist_init(&props);
	mlist_init(&keys);
	rc = index_container(c, data, '{', depth, &dm);
	for (k = 0; top && rc == 0 && k < dm.n; k++)
		if (sjtok_span_is(&c->tok, dm.m[k].key, "$s"))
			break;
	if (top && rc == 0 && k == dm.n)
		rc = sjtok_fail(&c->tok, data.off, "row without a schema ($s)");
	if (top && rc == 0) {
		schema = dm.m[k].val;
		sch = &schema;
		memmove(dm.m + k, dm.m + k + 1, (dm.n - k - 1) * sizeof(*dm.m));
		dm.n--;
	}
	if (rc == 0 && sch != NULL)
		rc = parse_schema(c, *sch, depth, &props, &keys);
	if (rc == 0 && keys.n != dm.n)
		rc = sjtok_fail(&c->tok, data.off,
		                "%zu keys in the schema, %zu fields", keys.n,
		                dm.n);
	if (rc == 0)
		rc = conv_fields(c, &dm, &props, &keys, out, depth, top);
	mlist_free(&dm);
	mlist_free(&props);
	mlist_free(&keys);
	return rc;
}

int
sj_reference(struct ctx *c, bson_t *out)
{
	struct sjtok_span all;
	size_t i = sjtok_skip_ws(&c->tok, 0, c->tok.n);

	all.off = i;
	if (i >= c->tok.n || c->tok.b[i] != '{')
		return sjtok_fail(&c->tok, i, "row is not an object");
	if (sjtok_skip_value(&c->tok, &i, c->tok.n, 0) != 0)
		return -1;
	all.len = i - all.off;
	if (sjtok_skip_ws(&c->tok, i, c->tok.n) != c->tok.n)
		return sjtok_fail(&c->tok, i, "bytes after the row's object");
	return conv_doc(c, all, NULL, out, 0, true);
}

int
sjson_to_bson(const char *row, size_t len, sjson_keep_fn *keep, void *keep_arg,
              bson_t *out, char *err)
{
	struct ctx c = {{row, len, err}, keep, keep_arg};
	bson_t fast;

	err[0] = '\0';
	if (row == NULL || len == 0)
		return sjtok_fail(&c.tok, 0, "empty row");
	if (len > SJSON_MAX_ROW)
		return sjtok_fail(&c.tok, 0, "row longer than %u bytes",
		                  SJSON_MAX_ROW);
	/* into a document of its own: one it leaves has children open */
	bson_init(&fast);
	if (sj_fast(&c, &fast) == 0) {
		bool ok = bson_concat(out, &fast);

		bson_destroy(&fast);
		return ok ? 0 : sjtok_fail(&c.tok, 0, "document too large");
	}
	bson_destroy(&fast);
	/* the reference decides, with its own message */
	err[0] = '\0';
	return sj_reference(&c, out);
}
