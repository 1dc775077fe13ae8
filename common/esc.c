/* esc.c - see esc.h. */
#include "esc.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->oom = false;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

static bool
buf_grow(struct buf *b, size_t need)
{
	size_t cap;
	char *p;

	if (b->oom)
		return false;
	if (b->len + need + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + need + 1)
		cap *= 2;
	p = realloc(b->data, cap);
	if (p == NULL) {
		b->oom = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void
buf_add(struct buf *b, const char *p, size_t n)
{
	if (!buf_grow(b, n))
		return;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->data[b->len] = '\0';
		return;
	}
	b->len += (size_t)n;
}

size_t
esc_utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len, i;
	unsigned int cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* overlong, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

unsigned
esc_utf8_cp(const unsigned char *p, size_t l)
{
	static const unsigned char lead_mask[5] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	unsigned cp = p[0] & lead_mask[l];
	size_t i;

	for (i = 1; i < l; i++)
		cp = (cp << 6) | (p[i] & 0x3f);
	return cp;
}

bool
esc_cp_hidden(unsigned cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0xfeff;
}

bool
esc_is_clean(const char *p, size_t n)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, l;

	while (i < n) {
		if (u[i] == 0)
			return false;
		l = esc_utf8_len(u + i, n - i);
		if (l == 0)
			return false;
		i += l;
	}
	return true;
}

/* How a format writes one byte that is not part of a valid multi-byte
 * UTF-8 sequence: ASCII (invalid false) or a stray byte >= 0x80. */
typedef void esc_byte_fn(struct buf *b, unsigned char c, bool invalid);

/* The walk both formats share: valid multi-byte UTF-8 is copied as it is
 * (for JSON, hide_cp: an invisible code point as \uXXXX), every other
 * byte goes to one_byte. */
static void
esc_walk(struct buf *b, const char *p, size_t n, esc_byte_fn *one_byte,
         bool hide_cp)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, l;

	while (i < n) {
		if (u[i] >= 0x80 && (l = esc_utf8_len(u + i, n - i)) != 0) {
			unsigned cp = esc_utf8_cp(u + i, l);

			if (hide_cp && esc_cp_hidden(cp))
				buf_printf(b, "\\u%04x", cp);
			else
				buf_add(b, p + i, l);
			i += l;
			continue;
		}
		one_byte(b, u[i], u[i] >= 0x80);
		i++;
	}
}

static void
json_byte(struct buf *b, unsigned char c, bool invalid)
{
	if (invalid)
		buf_printf(b, "\\udc%02x", c); /* surrogateescape */
	else if (c == '"' || c == '\\') {
		buf_addc(b, '\\');
		buf_addc(b, (char)c);
	} else if (c == '\n')
		buf_adds(b, "\\n");
	else if (c == '\t')
		buf_adds(b, "\\t");
	else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&')
		/* <, >, & escaped so the JSON can sit inside HTML. */
		buf_printf(b, "\\u%04x", c);
	else
		buf_addc(b, (char)c);
}

static void
tty_byte(struct buf *b, unsigned char c, bool invalid)
{
	if (c == '\\')
		buf_adds(b, "\\\\");
	else if (invalid || c < 0x20 || c == 0x7f)
		buf_printf(b, "\\x%02x", c);
	else
		buf_addc(b, (char)c);
}

void
esc_json(struct buf *b, const char *p, size_t n)
{
	esc_walk(b, p, n, json_byte, true);
}

void
esc_tty(struct buf *b, const char *p, size_t n)
{
	esc_walk(b, p, n, tty_byte, false);
}

/* The characters HTML text and attribute values must not hold as is. */
static const char *const html_entity[256] = {
    ['&'] = "&amp;",  ['<'] = "&lt;",   ['>'] = "&gt;",
    ['"'] = "&quot;", ['\''] = "&#39;",
};

void
esc_html(struct buf *b, const char *p, size_t n)
{
	const char *entity;
	struct buf t;
	size_t i;

	buf_init(&t);
	esc_tty(&t, p, n);
	for (i = 0; i < t.len; i++) {
		entity = html_entity[(unsigned char)t.data[i]];
		if (entity != NULL)
			buf_adds(b, entity);
		else
			buf_addc(b, t.data[i]);
	}
	buf_free(&t);
}

const char *
esc_log(const char *p, size_t n, char *out, size_t outsz)
{
	struct buf t;

	buf_init(&t);
	esc_tty(&t, p, n);
	if (outsz == 0)
		goto done;
	if (t.len < outsz) {
		memcpy(out, t.data ? t.data : "", t.len + 1);
	} else if (outsz > 4) {
		memcpy(out, t.data, outsz - 4);
		memcpy(out + outsz - 4, "...", 4);
	} else {
		out[0] = '\0';
	}
done:
	buf_free(&t);
	return out;
}
