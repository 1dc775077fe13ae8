/* fuzz_esc.c - libFuzzer target for the output escapers (esc.c) and
 * lexical path cleaning (path.c). Properties, not just "no crash":
 *  - esc_is_clean agrees with an independent UTF-8 validator;
 *  - esc_json output is valid UTF-8 without control bytes nor invisible
 *    code points (esc_cp_hidden), and decoding it (surrogateescape for
 *    \udcXX) gives back the input bytes;
 *  - esc_tty output has no control bytes and decodes back to the input;
 *    esc_html is esc_tty with entities, and esc_log fits its buffer;
 *  - path_resolve returns a clean absolute path (no "//", ".", "..",
 *    trailing '/') that resolves to itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esc.h"
#include "path.h"

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			        __LINE__, #c);                                 \
			abort();                                               \
		}                                                              \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 3629 validity, written from the table in section 4, not from
 * esc.c. Returns the length of the sequence at p, 0 when invalid. */
static size_t
utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c <= 0x7f)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c == 0xe0)
		len = 3, lo = 0xa0;
	else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
		len = 3;
	else if (c == 0xed)
		len = 3, hi = 0x9f;
	else if (c == 0xf0)
		len = 4, lo = 0x90;
	else if (c >= 0xf1 && c <= 0xf3)
		len = 4;
	else if (c == 0xf4)
		len = 4, hi = 0x8f;
	else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

static bool
utf8_valid(const char *s, size_t n, bool allow_nul)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, l;

	while (i < n) {
		if (u[i] == 0 && !allow_nul)
			return false;
		l = utf8_seq(u + i, n - i);
		if (l == 0)
			return false;
		i += l;
	}
	return true;
}

static int
hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static unsigned int
hexn(const char *p, size_t k)
{
	unsigned int v = 0;
	size_t i;

	for (i = 0; i < k; i++) {
		CHECK(hexv(p[i]) >= 0);
		v = v * 16 + (unsigned int)hexv(p[i]);
	}
	return v;
}

/* A BMP code point as UTF-8 (2 or 3 bytes). */
static void
utf8_put(struct buf *out, unsigned int cp)
{
	if (cp < 0x800) {
		buf_addc(out, (char)(0xc0 | cp >> 6));
	} else {
		buf_addc(out, (char)(0xe0 | cp >> 12));
		buf_addc(out, (char)(0x80 | ((cp >> 6) & 0x3f)));
	}
	buf_addc(out, (char)(0x80 | (cp & 0x3f)));
}

/* JSON string body back to bytes, \udc80-\udcff as the raw byte. */
static void
json_decode(const char *s, size_t n, struct buf *out)
{
	size_t i = 0;
	unsigned int cp;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		CHECK(c >= 0x20 && c != 0x7f && c != '"');
		CHECK(c != '<' && c != '>' && c != '&');
		if (c >= 0x80) { /* valid UTF-8, never an invisible one */
			size_t l =
			    esc_utf8_len((const unsigned char *)s + i, n - i);

			CHECK(l > 0);
			CHECK(!esc_cp_hidden(
			    esc_utf8_cp((const unsigned char *)s + i, l)));
			buf_add(out, s + i, l);
			i += l;
			continue;
		}
		if (c != '\\') {
			buf_addc(out, (char)c);
			i++;
			continue;
		}
		CHECK(i + 1 < n);
		switch (s[i + 1]) {
		case '"':
		case '\\':
			buf_addc(out, s[i + 1]);
			i += 2;
			break;
		case 'n':
			buf_addc(out, '\n');
			i += 2;
			break;
		case 't':
			buf_addc(out, '\t');
			i += 2;
			break;
		case 'u':
			CHECK(i + 6 <= n);
			cp = hexn(s + i + 2, 4);
			i += 6;
			if (cp >= 0xdc80 && cp <= 0xdcff)
				buf_addc(out, (char)(cp - 0xdc00));
			else if (cp >= 0x80) {
				/* invisible code points (C1, bidi, zero
				 * width) are \u-escaped: back to UTF-8 */
				CHECK(esc_cp_hidden(cp));
				utf8_put(out, cp);
			} else {
				/* only controls and <>& are \u-escaped */
				CHECK(cp < 0x20 || cp == 0x7f || cp == '<' ||
				      cp == '>' || cp == '&');
				buf_addc(out, (char)cp);
			}
			break;
		default:
			CHECK(!"bad JSON escape");
		}
	}
}

/* tty rendering back to bytes. */
static void
tty_decode(const char *s, size_t n, struct buf *out)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		CHECK(c >= 0x20 && c != 0x7f);
		if (c != '\\') {
			buf_addc(out, (char)c);
			i++;
			continue;
		}
		CHECK(i + 1 < n);
		if (s[i + 1] == '\\') {
			buf_addc(out, '\\');
			i += 2;
		} else {
			CHECK(s[i + 1] == 'x' && i + 4 <= n);
			buf_addc(out, (char)hexn(s + i + 2, 2));
			i += 4;
		}
	}
}

static void
html_unescape(const char *s, size_t n, struct buf *out)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {{"&amp;", '&'},
	            {"&lt;", '<'},
	            {"&gt;", '>'},
	            {"&quot;", '"'},
	            {"&#39;", '\''}};
	size_t i = 0, k, l;

	while (i < n) {
		CHECK(s[i] != '<' && s[i] != '>' && s[i] != '"' &&
		      s[i] != '\'');
		if (s[i] != '&') {
			buf_addc(out, s[i++]);
			continue;
		}
		for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
			l = strlen(ents[k].ent);
			if (n - i >= l && memcmp(s + i, ents[k].ent, l) == 0)
				break;
		}
		CHECK(k < sizeof(ents) / sizeof(ents[0]));
		buf_addc(out, ents[k].c);
		i += l;
	}
}

static void
check_escapers(const char *p, size_t n)
{
	struct buf b, d, t;
	char logbuf[64];
	size_t outsz;

	buf_init(&b);
	buf_init(&d);
	buf_init(&t);

	CHECK(esc_is_clean(p, n) == utf8_valid(p, n, false));

	esc_json(&b, p, n);
	CHECK(!b.oom);
	CHECK(utf8_valid(b.data != NULL ? b.data : "", b.len, false));
	json_decode(b.data, b.len, &d);
	CHECK(d.len == n && (n == 0 || memcmp(d.data, p, n) == 0));

	buf_reset(&b);
	buf_reset(&d);
	esc_tty(&b, p, n);
	CHECK(utf8_valid(b.data != NULL ? b.data : "", b.len, false));
	tty_decode(b.data, b.len, &d);
	CHECK(d.len == n && (n == 0 || memcmp(d.data, p, n) == 0));

	buf_reset(&d);
	esc_html(&t, p, n);
	html_unescape(t.data, t.len, &d);
	CHECK(d.len == b.len &&
	      (b.len == 0 || memcmp(d.data, b.data, b.len) == 0));

	outsz = n > 0 ? (unsigned char)p[0] % sizeof(logbuf) : 0;
	memset(logbuf, 'Z', sizeof(logbuf));
	esc_log(p, n, logbuf, outsz);
	if (outsz > 0) {
		CHECK(memchr(logbuf, '\0', outsz) != NULL);
		CHECK(strlen(logbuf) <= b.len);
	}

	buf_free(&b);
	buf_free(&d);
	buf_free(&t);
}

static void
check_clean_path(const char *out, long len)
{
	long i;

	CHECK(len >= 1 && out[0] == '/' && out[len] == '\0');
	CHECK(len == 1 || out[len - 1] != '/');
	for (i = 0; i < len; i++) {
		if (out[i] != '/')
			continue;
		CHECK(i + 1 >= len || out[i + 1] != '/');
		CHECK(!(i + 1 < len && out[i + 1] == '.' &&
		        (i + 2 >= len || out[i + 2] == '/')));
		CHECK(!(i + 2 < len && out[i + 1] == '.' && out[i + 2] == '.' &&
		        (i + 3 >= len || out[i + 3] == '/')));
	}
}

static void
check_path(const char *p, size_t n)
{
	char out[4096], again[4096];
	size_t split = 0, outsz;
	const char *base = NULL;
	long len, len2;

	/* byte 0: where base ends (0: no base); byte 1: output size */
	if (n >= 2) {
		split = (unsigned char)p[0] % (n - 1);
		outsz = (unsigned char)p[1] < 16 ? (unsigned char)p[1]
		                                 : sizeof(out);
		p += 2;
		n -= 2;
	} else {
		outsz = sizeof(out);
	}
	if (split > 0) {
		base = p;
		p += split;
		n -= split;
	}
	memset(out, 'Z', sizeof(out));
	len = path_resolve(base, split, p, n, out, outsz);
	if (len < 0)
		return;
	CHECK((size_t)len < outsz);
	check_clean_path(out, len);
	len2 = path_resolve(NULL, 0, out, (size_t)len, again, sizeof(again));
	CHECK(len2 == len && memcmp(out, again, (size_t)len) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p = malloc(size > 0 ? size : 1);

	CHECK(p != NULL);
	if (size > 0)
		memcpy(p, data, size);
	check_escapers(p, size);
	check_path(p, size);
	free(p);
	return 0;
}
