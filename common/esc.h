/* esc.h - escaping of strings that come from outside (containers, procfs,
 * the kernel). Stored documents keep bytes exactly: valid UTF-8 without NUL is
 * a BSON string, anything else BSON binary (see docs/schema.md). At output
 * each format escapes its own way:
 *  - JSON: standard escapes; bytes that are not part of valid UTF-8 become
 *    lone surrogates \udc80-\udcff (PEP 383 "surrogateescape"), so
 *    s.encode("utf-8", "surrogateescape") gives back the exact bytes; the
 *    invisible code points of esc_cp_hidden are written \uXXXX (the same
 *    string to a JSON parser, but no raw bidi override in the file).
 *  - tty/log: printable ASCII and valid UTF-8 as is, '\\' as "\\\\", controls
 *    and invalid bytes as \xHH; no newline can forge a line.
 *  - HTML: entities for & < > " '. */
#ifndef GODO_ESC_H
#define GODO_ESC_H

#include <stdbool.h>
#include <stddef.h>

/* A growable output buffer; data is always NUL-terminated. */
struct buf {
	char *data;
	size_t len, cap;
	bool oom; /* an allocation failed; contents truncated */
};

void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_add(struct buf *b, const char *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
size_t esc_utf8_len(const unsigned char *p, size_t n);
/* The code point of the valid UTF-8 sequence p[0..l) (l from esc_utf8_len). */
unsigned esc_utf8_cp(const unsigned char *p, size_t l);
/* Code points that are invisible or reorder what is shown: C1 controls
 * (U+0080-U+009F), zero-width characters (U+200B-U+200F, U+FEFF), line and
 * paragraph separators (U+2028, U+2029), bidi controls (U+202A-U+202E,
 * U+2066-U+2069). All in the BMP. */
bool esc_cp_hidden(unsigned cp);
/* True when p[0..n) is valid UTF-8 without NUL: storable as a BSON string. */
bool esc_is_clean(const char *p, size_t n);

/* Append the escaped body of a JSON string (no quotes). */
void esc_json(struct buf *b, const char *p, size_t n);
/* Append a tty/log-safe rendering. */
void esc_tty(struct buf *b, const char *p, size_t n);
/* Append HTML-escaped text (the bytes are first made tty-safe). */
void esc_html(struct buf *b, const char *p, size_t n);
/* A log-safe copy in a caller buffer (truncated with "..."). Returns out. */
const char *esc_log(const char *p, size_t n, char *out, size_t outsz);

#endif
