/* sjtok.c - see sjtok.h. */
#include "sjtok.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The first fault is the one reported. Always -1. */
int
sjtok_fail(struct sjtok *t, size_t at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->err[0] != '\0')
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(t->err, SJTOK_ERR_MAX, fmt, ap);
	va_end(ap);
	if (n >= 0 && n < SJTOK_ERR_MAX)
		snprintf(t->err + n, SJTOK_ERR_MAX - (size_t)n, " at byte %zu",
		         at);
	if (t->err[0] == '\0')
		snprintf(t->err, SJTOK_ERR_MAX, "malformed at byte %zu", at);
	return -1;
}

void
sjtok_buf_init(struct sjtok_buf *s)
{
	s->p = s->stack;
	s->len = 0;
	s->cap = sizeof(s->stack);
}

void
sjtok_buf_free(struct sjtok_buf *s)
{
	if (s->p != s->stack)
		free(s->p);
	sjtok_buf_init(s);
}

/* room for want more bytes; a decoded string is never longer than the
 * buffer scanned (a row: at most SJSON_MAX_ROW), so this is bounded */
static int
buf_room(struct sjtok *t, struct sjtok_buf *s, size_t want)
{
	char *p;
	size_t cap = s->cap;

	if (s->len + want <= s->cap)
		return 0;
	while (cap < s->len + want)
		cap *= 2;
	p = s->p == s->stack ? malloc(cap) : realloc(s->p, cap);
	if (p == NULL)
		return sjtok_fail(t, 0, "out of memory");
	if (s->p == s->stack)
		memcpy(p, s->stack, s->len);
	s->p = p;
	s->cap = cap;
	return 0;
}

size_t
sjtok_skip_ws(const struct sjtok *t, size_t i, size_t end)
{
	while (i < end && (t->b[i] == ' ' || t->b[i] == '\t' ||
	                   t->b[i] == '\n' || t->b[i] == '\r'))
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
sjtok_scan_string(struct sjtok *t, size_t *i, size_t end, struct sjtok_span *s)
{
	size_t j = *i + 1;

	while (j < end) {
		unsigned char ch = (unsigned char)t->b[j];

		/* the common bytes at once: not '"', '\\', nor control */
		while (ch >= 0x20 && ch != '"' && ch != '\\' && ++j < end)
			ch = (unsigned char)t->b[j];
		if (j >= end)
			break;
		if (ch == '"') {
			s->off = *i + 1;
			s->len = j - *i - 1;
			*i = j + 1;
			return 0;
		}
		if (ch < 0x20)
			return sjtok_fail(t, j,
			                  "control character in a string");
		if (ch != '\\') {
			j++;
			continue;
		}
		if (j + 1 >= end)
			break;
		if (strchr("\"\\/bfnrt", t->b[j + 1]) != NULL &&
		    t->b[j + 1] != '\0') {
			j += 2;
			continue;
		}
		if (t->b[j + 1] != 'u')
			return sjtok_fail(t, j, "bad escape in a string");
		if (end - j < 6 || hex4(t->b + j + 2) < 0)
			return sjtok_fail(t, j, "bad \\u escape in a string");
		j += 6;
	}
	return sjtok_fail(t, *i, "unterminated string");
}

/* a JSON number at b[*i]; *integer: no fraction, no exponent */
int
sjtok_scan_number(struct sjtok *t, size_t *i, size_t end, bool *integer)
{
	size_t j = *i;
	const char *b = t->b;

	*integer = true;
	if (j < end && b[j] == '-')
		j++;
	if (j < end && b[j] == '0')
		j++;
	else if (j < end && b[j] >= '1' && b[j] <= '9')
		while (j < end && b[j] >= '0' && b[j] <= '9')
			j++;
	else
		return sjtok_fail(t, j, "bad number");
	if (j < end && b[j] == '.') {
		*integer = false;
		if (++j >= end || b[j] < '0' || b[j] > '9')
			return sjtok_fail(t, j, "bad number");
		while (j < end && b[j] >= '0' && b[j] <= '9')
			j++;
	}
	if (j < end && (b[j] == 'e' || b[j] == 'E')) {
		*integer = false;
		if (++j < end && (b[j] == '+' || b[j] == '-'))
			j++;
		if (j >= end || b[j] < '0' || b[j] > '9')
			return sjtok_fail(t, j, "bad number");
		while (j < end && b[j] >= '0' && b[j] <= '9')
			j++;
	}
	if (j - *i > SJTOK_MAX_NUMBER)
		return sjtok_fail(t, *i, "number longer than %d characters",
		                  SJTOK_MAX_NUMBER);
	*i = j;
	return 0;
}

int
sjtok_scan_literal(struct sjtok *t, size_t *i, size_t end, const char *lit)
{
	size_t l = strlen(lit);

	if (end - *i < l || memcmp(t->b + *i, lit, l) != 0)
		return sjtok_fail(t, *i, "unexpected characters");
	*i += l;
	return 0;
}

/* b[*i] is '{' or '['; each member (key {0, 0} for an array) is scanned
 * and, when fn is not NULL, handed to fn */
int
sjtok_scan_container(struct sjtok *t, size_t *i, size_t end, int depth,
                     sjtok_member_fn *fn, void *arg)
{
	bool obj = t->b[*i] == '{';
	char close = obj ? '}' : ']';
	struct sjtok_span key = {0, 0}, val;
	size_t j;

	if (depth >= SJTOK_MAX_DEPTH)
		return sjtok_fail(t, *i, "nested deeper than %d",
		                  SJTOK_MAX_DEPTH);
	j = sjtok_skip_ws(t, *i + 1, end);
	if (j < end && t->b[j] == close) {
		*i = j + 1;
		return 0;
	}
	for (;;) {
		if (obj) {
			if (j >= end || t->b[j] != '"')
				return sjtok_fail(t, j,
				                  "expected a field name");
			if (sjtok_scan_string(t, &j, end, &key) != 0)
				return -1;
			j = sjtok_skip_ws(t, j, end);
			if (j >= end || t->b[j] != ':')
				return sjtok_fail(t, j, "expected ':'");
			j = sjtok_skip_ws(t, j + 1, end);
		}
		val.off = j;
		if (sjtok_skip_value(t, &j, end, depth + 1) != 0)
			return -1;
		val.len = j - val.off;
		if (fn != NULL && fn(t, key, val, arg) != 0)
			return -1;
		j = sjtok_skip_ws(t, j, end);
		if (j < end && t->b[j] == close) {
			*i = j + 1;
			return 0;
		}
		if (j >= end || t->b[j] != ',')
			return sjtok_fail(
			    t, j, j >= end ? "truncated" : "expected ','");
		j = sjtok_skip_ws(t, j + 1, end);
	}
}

/* any value at b[*i] (no blanks before it), checked; *i past it */
int
sjtok_skip_value(struct sjtok *t, size_t *i, size_t end, int depth)
{
	struct sjtok_span s;
	bool integer;

	if (*i >= end)
		return sjtok_fail(t, *i, "truncated");
	switch (t->b[*i]) {
	case '{':
	case '[':
		return sjtok_scan_container(t, i, end, depth, NULL, NULL);
	case '"':
		return sjtok_scan_string(t, i, end, &s);
	case 't':
		return sjtok_scan_literal(t, i, end, "true");
	case 'f':
		return sjtok_scan_literal(t, i, end, "false");
	case 'n':
		return sjtok_scan_literal(t, i, end, "null");
	default:
		return sjtok_scan_number(t, i, end, &integer);
	}
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
put_utf8(struct sjtok_buf *o, unsigned long cp)
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

/* \uXXXX at p (checked by sjtok_scan_string), with its low surrogate when one
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

/* the contents s of a string sjtok_scan_string accepted, decoded into o
 * (replacing o's contents) */
int
sjtok_decode_string(struct sjtok *t, struct sjtok_span s, struct sjtok_buf *o)
{
	const unsigned char *p = (const unsigned char *)t->b + s.off;
	size_t i = 0, n, used;

	o->len = 0;
	/* each input byte gives at most 3 output bytes (U+FFFD) */
	if (buf_room(t, o, s.len * 3 + 1) != 0)
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
has_escape(const struct sjtok *t, struct sjtok_span s)
{
	return memchr(t->b + s.off, '\\', s.len) != NULL;
}

/* whether two string contents are the same string */
bool
sjtok_key_eq(struct sjtok *t, struct sjtok_span a, struct sjtok_span b)
{
	struct sjtok_buf da, db;
	bool eq;

	if (a.len == b.len && memcmp(t->b + a.off, t->b + b.off, a.len) == 0)
		return true;
	if (!has_escape(t, a) && !has_escape(t, b))
		return false;
	sjtok_buf_init(&da);
	sjtok_buf_init(&db);
	eq = sjtok_decode_string(t, a, &da) == 0 &&
	     sjtok_decode_string(t, b, &db) == 0 && da.len == db.len &&
	     memcmp(da.p, db.p, da.len) == 0;
	sjtok_buf_free(&da);
	sjtok_buf_free(&db);
	return eq;
}

/* the string at v: its contents in *s */
int
sjtok_string_at(struct sjtok *t, struct sjtok_span v, struct sjtok_span *s)
{
	size_t i = v.off;

	if (v.len == 0 || t->b[v.off] != '"')
		return sjtok_fail(t, v.off, "expected a string");
	return sjtok_scan_string(t, &i, v.off + v.len, s);
}
