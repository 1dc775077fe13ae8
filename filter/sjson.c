/* sjson.c - see sjson.h. Spans index the row; a value's span is exact
 * (no surrounding blanks), a string's is what lies between its quotes. */
#include "sjson.h"
#include "sjson_priv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>

#include "util.h"

static int conv_doc(struct ctx *c, struct span data, const struct span *sch,
                    bson_t *out, int depth, bool top);

/* The first fault is the one reported. Always -1. */
int
sj_fail(struct ctx *c, size_t at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->err[0] != '\0')
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(c->err, SJSON_ERR_MAX, fmt, ap);
	va_end(ap);
	if (n >= 0 && n < SJSON_ERR_MAX)
		snprintf(c->err + n, SJSON_ERR_MAX - (size_t)n, " at byte %zu",
		         at);
	if (c->err[0] == '\0')
		snprintf(c->err, SJSON_ERR_MAX, "malformed at byte %zu", at);
	return -1;
}

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

static int
mlist_push(struct ctx *c, struct mlist *l, struct span key, struct span val)
{
	struct member *m;

	if (l->n == l->cap) {
		size_t cap = l->cap * 2;

		m = l->m == l->stack ? malloc(cap * sizeof(*m))
		                     : realloc(l->m, cap * sizeof(*m));
		if (m == NULL)
			return sj_fail(c, val.off, "out of memory");
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

void
sj_sbuf_init(struct sbuf *s)
{
	s->p = s->stack;
	s->len = 0;
	s->cap = sizeof(s->stack);
}

void
sj_sbuf_free(struct sbuf *s)
{
	if (s->p != s->stack)
		free(s->p);
	sj_sbuf_init(s);
}

/* room for want more bytes; a decoded string is never longer than the
 * row, so this is bounded by SJSON_MAX_ROW */
static int
sbuf_room(struct ctx *c, struct sbuf *s, size_t want)
{
	char *p;
	size_t cap = s->cap;

	if (s->len + want <= s->cap)
		return 0;
	while (cap < s->len + want)
		cap *= 2;
	p = s->p == s->stack ? malloc(cap) : realloc(s->p, cap);
	if (p == NULL)
		return sj_fail(c, 0, "out of memory");
	if (s->p == s->stack)
		memcpy(p, s->stack, s->len);
	s->p = p;
	s->cap = cap;
	return 0;
}

size_t
sj_skip_ws(const struct ctx *c, size_t i, size_t end)
{
	while (i < end && (c->b[i] == ' ' || c->b[i] == '\t' ||
	                   c->b[i] == '\n' || c->b[i] == '\r'))
		i++;
	return i;
}

/* four hex digits at p (4 bytes readable): their value, or -1 */
static long
hex4(const char *p)
{
	long v = 0;
	int k, h;

	for (k = 0; k < 4; k++) {
		h = util_digit_val(p[k]);
		if (h > 15)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* b[*i] is '"': *i past the closing quote, s the contents */
int
sj_scan_string(struct ctx *c, size_t *i, size_t end, struct span *s)
{
	size_t j = *i + 1;

	while (j < end) {
		unsigned char ch = (unsigned char)c->b[j];

		/* the common bytes at once: not '"', '\\', nor control */
		while (ch >= 0x20 && ch != '"' && ch != '\\' && ++j < end)
			ch = (unsigned char)c->b[j];
		if (j >= end)
			break;
		if (ch == '"') {
			s->off = *i + 1;
			s->len = j - *i - 1;
			*i = j + 1;
			return 0;
		}
		if (ch < 0x20)
			return sj_fail(c, j, "control character in a string");
		if (ch != '\\') {
			j++;
			continue;
		}
		if (j + 1 >= end)
			break;
		if (strchr("\"\\/bfnrt", c->b[j + 1]) != NULL &&
		    c->b[j + 1] != '\0') {
			j += 2;
			continue;
		}
		if (c->b[j + 1] != 'u')
			return sj_fail(c, j, "bad escape in a string");
		if (end - j < 6 || hex4(c->b + j + 2) < 0)
			return sj_fail(c, j, "bad \\u escape in a string");
		j += 6;
	}
	return sj_fail(c, *i, "unterminated string");
}

/* a JSON number at b[*i]; *integer: no fraction, no exponent */
static int
scan_number(struct ctx *c, size_t *i, size_t end, bool *integer)
{
	size_t j = *i;
	const char *b = c->b;

	*integer = true;
	if (j < end && b[j] == '-')
		j++;
	if (j < end && b[j] == '0')
		j++;
	else if (j < end && b[j] >= '1' && b[j] <= '9')
		while (j < end && b[j] >= '0' && b[j] <= '9')
			j++;
	else
		return sj_fail(c, j, "bad number");
	if (j < end && b[j] == '.') {
		*integer = false;
		if (++j >= end || b[j] < '0' || b[j] > '9')
			return sj_fail(c, j, "bad number");
		while (j < end && b[j] >= '0' && b[j] <= '9')
			j++;
	}
	if (j < end && (b[j] == 'e' || b[j] == 'E')) {
		*integer = false;
		if (++j < end && (b[j] == '+' || b[j] == '-'))
			j++;
		if (j >= end || b[j] < '0' || b[j] > '9')
			return sj_fail(c, j, "bad number");
		while (j < end && b[j] >= '0' && b[j] <= '9')
			j++;
	}
	if (j - *i > SJSON_MAX_NUMBER)
		return sj_fail(c, *i, "number longer than %d characters",
		               SJSON_MAX_NUMBER);
	*i = j;
	return 0;
}

int
sj_scan_literal(struct ctx *c, size_t *i, size_t end, const char *lit)
{
	size_t l = strlen(lit);

	if (end - *i < l || memcmp(c->b + *i, lit, l) != 0)
		return sj_fail(c, *i, "unexpected characters");
	*i += l;
	return 0;
}

/* b[*i] is '{' or '['; each member (key NULL for an array) is scanned and,
 * when l is not NULL, pushed */
static int
scan_container(struct ctx *c, size_t *i, size_t end, int depth, struct mlist *l)
{
	bool obj = c->b[*i] == '{';
	char close = obj ? '}' : ']';
	struct span key = {0, 0}, val;
	size_t j;

	if (depth >= SJSON_MAX_DEPTH)
		return sj_fail(c, *i, "nested deeper than %d", SJSON_MAX_DEPTH);
	j = sj_skip_ws(c, *i + 1, end);
	if (j < end && c->b[j] == close) {
		*i = j + 1;
		return 0;
	}
	for (;;) {
		if (obj) {
			if (j >= end || c->b[j] != '"')
				return sj_fail(c, j, "expected a field name");
			if (sj_scan_string(c, &j, end, &key) != 0)
				return -1;
			j = sj_skip_ws(c, j, end);
			if (j >= end || c->b[j] != ':')
				return sj_fail(c, j, "expected ':'");
			j = sj_skip_ws(c, j + 1, end);
		}
		val.off = j;
		if (sj_skip_value(c, &j, end, depth + 1) != 0)
			return -1;
		val.len = j - val.off;
		if (l != NULL && mlist_push(c, l, key, val) != 0)
			return -1;
		j = sj_skip_ws(c, j, end);
		if (j < end && c->b[j] == close) {
			*i = j + 1;
			return 0;
		}
		if (j >= end || c->b[j] != ',')
			return sj_fail(c, j,
			               j >= end ? "truncated" : "expected ','");
		j = sj_skip_ws(c, j + 1, end);
	}
}

/* any value at b[*i] (no blanks before it), checked; *i past it */
int
sj_skip_value(struct ctx *c, size_t *i, size_t end, int depth)
{
	struct span s;
	bool integer;

	if (*i >= end)
		return sj_fail(c, *i, "truncated");
	switch (c->b[*i]) {
	case '{':
	case '[':
		return scan_container(c, i, end, depth, NULL);
	case '"':
		return sj_scan_string(c, i, end, &s);
	case 't':
		return sj_scan_literal(c, i, end, "true");
	case 'f':
		return sj_scan_literal(c, i, end, "false");
	case 'n':
		return sj_scan_literal(c, i, end, "null");
	default:
		return scan_number(c, i, end, &integer);
	}
}

/* the members of the object or items of the array v (kind '{' or '[') */
static int
index_container(struct ctx *c, struct span v, char kind, int depth,
                struct mlist *l)
{
	size_t i = v.off;

	if (v.len == 0 || c->b[v.off] != kind)
		return sj_fail(c, v.off,
		               kind == '{' ? "expected an object"
		                           : "expected an array");
	return scan_container(c, &i, v.off + v.len, depth, l);
}

/* length of the valid UTF-8 sequence at p (avail bytes), 0 if invalid */
static size_t
utf8_len(const unsigned char *p, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, k;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (k = 2; k < n; k++)
		if (p[k] < 0x80 || p[k] > 0xbf)
			return 0;
	return n;
}

static void
put_utf8(struct sbuf *o, unsigned long cp)
{
	char *p = o->p + o->len;

	if (cp < 0x80) {
		p[0] = (char)cp;
		o->len += 1;
	} else if (cp < 0x800) {
		p[0] = (char)(0xc0 | (cp >> 6));
		p[1] = (char)(0x80 | (cp & 0x3f));
		o->len += 2;
	} else if (cp < 0x10000) {
		p[0] = (char)(0xe0 | (cp >> 12));
		p[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		p[2] = (char)(0x80 | (cp & 0x3f));
		o->len += 3;
	} else {
		p[0] = (char)(0xf0 | (cp >> 18));
		p[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		p[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		p[3] = (char)(0x80 | (cp & 0x3f));
		o->len += 4;
	}
}

/* \uXXXX at p (checked by scan_string), with its low surrogate when one
 * follows; *used: bytes consumed. A lone surrogate is U+FFFD. */
static unsigned long
unicode_escape(const char *p, size_t avail, size_t *used)
{
	long hi = hex4(p + 2), lo;

	*used = 6;
	if (hi < 0xd800 || hi > 0xdfff)
		return (unsigned long)hi;
	if (hi <= 0xdbff && avail >= 12 && p[6] == '\\' && p[7] == 'u') {
		lo = hex4(p + 8);
		if (lo >= 0xdc00 && lo <= 0xdfff) {
			*used = 12;
			return 0x10000 + (((unsigned long)hi - 0xd800) << 10) +
			       ((unsigned long)lo - 0xdc00);
		}
	}
	return 0xfffd;
}

static char
simple_escape(char e)
{
	switch (e) {
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	default:
		return e; /* " \ / */
	}
}

/* the contents s of a string scan_string accepted, decoded into o
 * (replacing o's contents) */
static int
decode_string(struct ctx *c, struct span s, struct sbuf *o)
{
	const unsigned char *p = (const unsigned char *)c->b + s.off;
	size_t i = 0, n, used;

	o->len = 0;
	/* each input byte gives at most 3 output bytes (U+FFFD) */
	if (sbuf_room(c, o, s.len * 3 + 1) != 0)
		return -1;
	while (i < s.len) {
		if (p[i] == '\\' && p[i + 1] == 'u') {
			put_utf8(o, unicode_escape((const char *)p + i,
			                           s.len - i, &used));
			i += used;
		} else if (p[i] == '\\') {
			o->p[o->len++] = simple_escape((char)p[i + 1]);
			i += 2;
		} else if (p[i] < 0x80) {
			o->p[o->len++] = (char)p[i++];
		} else if ((n = utf8_len(p + i, s.len - i)) > 0) {
			memcpy(o->p + o->len, p + i, n);
			o->len += n;
			i += n;
		} else {
			put_utf8(o, 0xfffd);
			i++;
		}
	}
	o->p[o->len] = '\0';
	return 0;
}

static bool
has_escape(const struct ctx *c, struct span s)
{
	return memchr(c->b + s.off, '\\', s.len) != NULL;
}

/* whether two string contents are the same string */
bool
sj_key_eq(struct ctx *c, struct span a, struct span b)
{
	struct sbuf da, db;
	bool eq;

	if (a.len == b.len && memcmp(c->b + a.off, c->b + b.off, a.len) == 0)
		return true;
	if (!has_escape(c, a) && !has_escape(c, b))
		return false;
	sj_sbuf_init(&da);
	sj_sbuf_init(&db);
	eq = decode_string(c, a, &da) == 0 && decode_string(c, b, &db) == 0 &&
	     da.len == db.len && memcmp(da.p, db.p, da.len) == 0;
	sj_sbuf_free(&da);
	sj_sbuf_free(&db);
	return eq;
}

/* the member of l named key, searched from *hint on (members come in
 * the schema's order), or NULL */
static const struct member *
find_member(struct ctx *c, const struct mlist *l, struct span key, size_t *hint)
{
	size_t k, j;

	for (k = 0; k < l->n; k++) {
		j = (*hint + k) % l->n;
		if (sj_key_eq(c, l->m[j].key, key)) {
			*hint = j + 1;
			return &l->m[j];
		}
	}
	return NULL;
}

bool
sj_span_is(const struct ctx *c, struct span s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(c->b + s.off, lit, s.len) == 0;
}

/* the string at v: its contents in *s */
int
sj_string_at(struct ctx *c, struct span v, struct span *s)
{
	size_t i = v.off;

	if (v.len == 0 || c->b[v.off] != '"')
		return sj_fail(c, v.off, "expected a string");
	return sj_scan_string(c, &i, v.off + v.len, s);
}

static int
parse_elem(struct ctx *c, struct span v, int depth, struct elem *e)
{
	struct mlist l;
	size_t k;
	int rc;

	memset(e, 0, sizeof(*e));
	mlist_init(&l);
	rc = index_container(c, v, '{', depth, &l);
	for (k = 0; rc == 0 && k < l.n; k++) {
		struct span key = l.m[k].key, val = l.m[k].val;

		if (sj_span_is(c, key, "t"))
			rc = sj_string_at(c, val, &e->t);
		else if (sj_span_is(c, key, "$s"))
			e->s = val, e->has_s = true;
		else if (sj_span_is(c, key, "o"))
			rc = sj_string_at(c, val, &e->o), e->has_o = true;
		else if (sj_span_is(c, key, "i"))
			e->i = val, e->has_i = true;
		else if (sj_span_is(c, key, "s"))
			e->sub = val, e->has_sub = true;
		else
			rc = sj_fail(c, key.off, "unknown schema field");
	}
	mlist_free(&l);
	if (rc == 0 && e->t.len == 0)
		return sj_fail(c, v.off, "schema without a type");
	return rc;
}

enum vtype
sj_elem_type(const struct ctx *c, struct span t)
{
	static const char *const names[] = {
	    "object",   "array",     "double", "string", "binData",
	    "objectId", "bool",      "date",   "null",   "regex",
	    "int",      "timestamp", "long"};
	size_t k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (sj_span_is(c, t, names[k]))
			return (enum vtype)k;
	return VT_UNKNOWN;
}

/* a JSON integer at v (strict: no fraction, no exponent), as a sign and
 * magnitude up to max */
static int
parse_uint(struct ctx *c, struct span v, bool *neg, uint64_t max, uint64_t *mag)
{
	size_t i = v.off;
	bool integer;
	uint64_t m = 0;

	if (v.len == 0 || scan_number(c, &i, v.off + v.len, &integer) != 0)
		return sj_fail(c, v.off, "expected a number");
	if (!integer || i != v.off + v.len)
		return sj_fail(c, v.off, "expected an integer");
	i = v.off;
	*neg = c->b[i] == '-';
	if (*neg)
		i++;
	for (; i < v.off + v.len; i++) {
		unsigned d = (unsigned)(c->b[i] - '0');

		if (m > (max - d) / 10)
			return sj_fail(c, v.off, "integer out of range");
		m = m * 10 + d;
	}
	*mag = m;
	return 0;
}

/* a JSON integer in [-max - 1, max] */
static int
parse_int(struct ctx *c, struct span v, int64_t max, int64_t *out)
{
	uint64_t m;
	bool neg;

	/* |min| = max + 1 */
	if (parse_uint(c, v, &neg, (uint64_t)max + 1, &m) != 0)
		return -1;
	if (!neg && m > (uint64_t)max)
		return sj_fail(c, v.off, "integer out of range");
	*out = neg ? (int64_t)(0 - m) : (int64_t)m;
	return 0;
}

static int
parse_double(struct ctx *c, struct span v, double *out)
{
	char tmp[SJSON_MAX_NUMBER + 1], *endp;
	size_t i = v.off;
	bool integer;

	if (v.len == 0 || scan_number(c, &i, v.off + v.len, &integer) != 0)
		return sj_fail(c, v.off, "expected a number");
	if (i != v.off + v.len)
		return sj_fail(c, v.off, "expected a number");
	memcpy(tmp, c->b + v.off, v.len);
	tmp[v.len] = '\0';
	errno = 0;
	*out = strtod(tmp, &endp);
	if (*endp != '\0' || isinf(*out) || isnan(*out))
		return sj_fail(c, v.off, "double out of range");
	return 0;
}

/* standard base64 with padding (Nettle's decoder), in place: s->len
 * becomes the bytes */
static int
b64_decode(struct ctx *c, size_t at, struct sbuf *s)
{
	struct base64_decode_ctx b;
	uint8_t *tmp;
	size_t n = 0;
	bool ok;

	if (s->len % 4 != 0)
		return sj_fail(c, at, "bad base64 length");
	tmp = malloc(BASE64_DECODE_LENGTH(s->len) + 1);
	if (tmp == NULL)
		return sj_fail(c, at, "out of memory");
	base64_decode_init(&b);
	ok = base64_decode_update(&b, &n, tmp, s->len, s->p) &&
	     base64_decode_final(&b) && n <= s->len;
	if (ok) {
		memcpy(s->p, tmp, n);
		s->len = n;
	}
	free(tmp);
	return ok ? 0 : sj_fail(c, at, "bad base64");
}

int
sj_appended(struct ctx *c, bool ok, struct span v)
{
	return ok ? 0 : sj_fail(c, v.off, "document too large");
}

static int conv_value(struct ctx *c, bson_t *out, const char *key, size_t klen,
                      struct span v, const struct span *sch, int depth);

static int
conv_array(struct ctx *c, bson_t *out, const char *key, size_t klen,
           struct span v, const struct elem *e, int depth)
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
		rc = sj_fail(c, v.off,
		             "%zu items in the schema, %zu in the array",
		             elems.n, items.n);
	if (rc == 0 && !bson_append_array_begin(out, key, (int)klen, &child))
		rc = sj_fail(c, v.off, "document too large");
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
            struct span v, const struct elem *e, int depth)
{
	bson_t child;

	if (!e->has_s)
		return sj_fail(c, v.off, "object without a schema");
	if (!bson_append_document_begin(out, key, (int)klen, &child))
		return sj_fail(c, v.off, "document too large");
	if (conv_doc(c, v, &e->s, &child, depth + 1, false) != 0)
		return -1;
	return sj_appended(c, bson_append_document_end(out, &child), v);
}

/* string, binData, objectId, regex: the decoded string first */
int
sj_conv_stringish(struct ctx *c, bson_t *out, const char *key, size_t klen,
                  struct span v, const struct elem *e, enum vtype t)
{
	struct sbuf s, opt;
	struct span in;
	uint64_t sub;
	bson_oid_t oid;
	bool neg;
	int rc;

	sj_sbuf_init(&s);
	sj_sbuf_init(&opt);
	rc = sj_string_at(c, v, &in);
	if (rc == 0)
		rc = decode_string(c, in, &s);
	if (rc != 0) {
		sj_sbuf_free(&s);
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
			rc = sj_fail(c, v.off, "binData without a subtype");
			break;
		}
		rc = parse_uint(c, e->sub, &neg, 255, &sub);
		if (rc == 0 && neg)
			rc = sj_fail(c, e->sub.off, "bad binData subtype");
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
			rc = sj_fail(c, v.off, "bad objectId");
			break;
		}
		bson_oid_init_from_string(&oid, s.p);
		rc = sj_appended(c, bson_append_oid(out, key, (int)klen, &oid),
		                 v);
		break;
	default: /* VT_REGEX */
		if (!e->has_o)
			rc = sj_fail(c, v.off, "regex without options");
		else
			rc = decode_string(c, e->o, &opt);
		if (rc == 0 && (memchr(s.p, '\0', s.len) != NULL ||
		                memchr(opt.p, '\0', opt.len) != NULL))
			rc = sj_fail(c, v.off, "NUL in a regex");
		if (rc == 0)
			rc = sj_appended(
			    c,
			    bson_append_regex_w_len(out, key, (int)klen, s.p,
			                            (int)s.len, opt.p),
			    v);
		break;
	}
	sj_sbuf_free(&s);
	sj_sbuf_free(&opt);
	return rc;
}

/* int, long, date, timestamp, double, bool */
int
sj_conv_scalar(struct ctx *c, bson_t *out, const char *key, size_t klen,
               struct span v, enum vtype t)
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
			return sj_fail(c, v.off, "negative timestamp");
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
		if (sj_span_is(c, v, "true") || sj_span_is(c, v, "false"))
			return sj_appended(
			    c,
			    bson_append_bool(out, key, k, c->b[v.off] == 't'),
			    v);
		return sj_fail(c, v.off, "expected true or false");
	}
}

/* one value v with its schema elem (NULL: none; only null may lack one) */
static int
conv_value(struct ctx *c, bson_t *out, const char *key, size_t klen,
           struct span v, const struct span *sch, int depth)
{
	struct elem e;
	enum vtype t;

	if (sj_span_is(c, v, "null"))
		return sj_appended(c, bson_append_null(out, key, (int)klen), v);
	if (sch == NULL)
		return sj_fail(c, v.off, "value without a schema");
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
		return sj_fail(c, v.off, "null type with a value");
	case VT_UNKNOWN:
		return sj_fail(c, e.t.off, "unknown type");
	default:
		return sj_conv_scalar(c, out, key, klen, v, t);
	}
}

/* a schema {"p": {...}, "$k": [...]}: its properties and keys */
static int
parse_schema(struct ctx *c, struct span v, int depth, struct mlist *props,
             struct mlist *keys)
{
	struct mlist l;
	size_t k;
	int rc;

	mlist_init(&l);
	rc = index_container(c, v, '{', depth, &l);
	for (k = 0; rc == 0 && k < l.n; k++) {
		if (sj_span_is(c, l.m[k].key, "p"))
			rc = index_container(c, l.m[k].val, '{', depth + 1,
			                     props);
		else if (sj_span_is(c, l.m[k].key, "$k"))
			rc = index_container(c, l.m[k].val, '[', depth + 1,
			                     keys);
		else
			rc = sj_fail(c, l.m[k].key.off, "unknown schema field");
	}
	mlist_free(&l);
	return rc;
}

/* the name of a field as a BSON key: decoded, bounded, no NUL */
int
sj_field_name(struct ctx *c, struct span v, struct sbuf *name)
{
	struct span s;

	if (sj_string_at(c, v, &s) != 0 || decode_string(c, s, name) != 0)
		return -1;
	if (name->len > SJSON_MAX_KEY)
		return sj_fail(c, v.off, "field name longer than %d bytes",
		               SJSON_MAX_KEY);
	if (memchr(name->p, '\0', name->len) != NULL)
		return sj_fail(c, v.off, "NUL in a field name");
	return 0;
}

/* the fields of data in the order of keys */
static int
conv_fields(struct ctx *c, const struct mlist *data, const struct mlist *props,
            const struct mlist *keys, bson_t *out, int depth, bool top)
{
	size_t k, hd = 0, hp = 0;
	struct sbuf name;
	int rc = 0;

	sj_sbuf_init(&name);
	for (k = 0; rc == 0 && k < keys->n; k++) {
		const struct member *d, *p;
		struct span ks;

		if (sj_field_name(c, keys->m[k].val, &name) != 0 ||
		    sj_string_at(c, keys->m[k].val, &ks) != 0) {
			rc = -1;
			break;
		}
		d = find_member(c, data, ks, &hd);
		if (d == NULL) {
			rc = sj_fail(c, keys->m[k].val.off, "field missing");
			break;
		}
		if (top && c->keep != NULL &&
		    !c->keep(name.p, name.len, c->keep_arg))
			continue;
		p = find_member(c, props, ks, &hp);
		rc = conv_value(c, out, name.p, name.len, d->val,
		                p ? &p->val : NULL, depth);
	}
	sj_sbuf_free(&name);
	return rc;
}

/* the document data with its schema sch (NULL: none; only an empty
 * document may lack one); top: the row, whose "$s" member is the schema */
static int
conv_doc(struct ctx *c, struct span data, const struct span *sch, bson_t *out,
         int depth, bool top)
{
	struct mlist dm, props, keys;
	struct span schema;
	size_t k;
	int rc;

	mlist_init(&dm);
	mlist_init(&props);
	mlist_init(&keys);
	rc = index_container(c, data, '{', depth, &dm);
	for (k = 0; top && rc == 0 && k < dm.n; k++)
		if (sj_span_is(c, dm.m[k].key, "$s"))
			break;
	if (top && rc == 0 && k == dm.n)
		rc = sj_fail(c, data.off, "row without a schema ($s)");
	if (top && rc == 0) {
		schema = dm.m[k].val;
		sch = &schema;
		memmove(dm.m + k, dm.m + k + 1, (dm.n - k - 1) * sizeof(*dm.m));
		dm.n--;
	}
	if (rc == 0 && sch != NULL)
		rc = parse_schema(c, *sch, depth, &props, &keys);
	if (rc == 0 && keys.n != dm.n)
		rc = sj_fail(c, data.off, "%zu keys in the schema, %zu fields",
		             keys.n, dm.n);
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
	struct span all;
	size_t i = sj_skip_ws(c, 0, c->n);

	all.off = i;
	if (i >= c->n || c->b[i] != '{')
		return sj_fail(c, i, "row is not an object");
	if (sj_skip_value(c, &i, c->n, 0) != 0)
		return -1;
	all.len = i - all.off;
	if (sj_skip_ws(c, i, c->n) != c->n)
		return sj_fail(c, i, "bytes after the row's object");
	return conv_doc(c, all, NULL, out, 0, true);
}

int
sjson_to_bson(const char *row, size_t len, sjson_keep_fn *keep, void *keep_arg,
              bson_t *out, char *err)
{
	struct ctx c = {row, len, err, keep, keep_arg};
	bson_t fast;

	err[0] = '\0';
	if (row == NULL || len == 0)
		return sj_fail(&c, 0, "empty row");
	if (len > SJSON_MAX_ROW)
		return sj_fail(&c, 0, "row longer than %u bytes",
		               SJSON_MAX_ROW);
	/* into a document of its own: one it leaves has children open */
	bson_init(&fast);
	if (sj_fast(&c, &fast) == 0) {
		bool ok = bson_concat(out, &fast);

		bson_destroy(&fast);
		return ok ? 0 : sj_fail(&c, 0, "document too large");
	}
	bson_destroy(&fast);
	/* the reference decides, with its own message */
	err[0] = '\0';
	return sj_reference(&c, out);
}
