/* sjtok.h - the JSON tokenizer under sjson.c (the reference conversion)
 * and sjson_fast.c (the one-pass one): blanks, strings (checked when
 * scanned, decoded on demand), numbers, the literals, whole values skipped,
 * containers walked member by member. Fed a caller's buffer (a stored row:
 * untrusted, not NUL-terminated) and reads it by offsets: a span is an
 * offset and a length into that buffer, never a pointer, valid as long as
 * the buffer is; every scan stops at the end it is given (at most the
 * buffer's n) and never writes to the buffer. Nothing is allocated but a
 * decoded string longer than SJTOK_STACK_STR (struct sjtok_buf, the
 * caller's to free); containers nest at most SJTOK_MAX_DEPTH deep, so the
 * recursion is bounded.
 *
 * Errors: a function that fails returns -1 (sjtok_key_eq: false) with the
 * message and its byte offset in t->err, written by sjtok_fail. The first
 * fault is the one kept: a caller that fails on its own while unwinding
 * (sjtok_fail again) leaves it; clearing err[0] starts over. The caller
 * reports its own faults (schema, ranges) through sjtok_fail too, into the
 * same buffer. */
#ifndef GODO_SJTOK_H
#define GODO_SJTOK_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define SJTOK_MAX_DEPTH 100 /* nested containers, the outermost at 0 */
#define SJTOK_MAX_NUMBER 64 /* characters of one number */
#define SJTOK_ERR_MAX 160   /* bytes of t->err, its NUL included */
#define SJTOK_STACK_STR 512 /* bytes of a decoded string before the heap */

/* The buffer scanned and where its first fault is told. b[0..n) is
 * borrowed (not copied, not NUL-terminated); err is the caller's,
 * SJTOK_ERR_MAX bytes, err[0] '\0' before the first scan. */
struct sjtok {
	const char *b;
	size_t n;
	char *err;
};

/* b[off..off+len). A value's span is exact (no blanks around it); a
 * string's "contents" are what lies between its quotes, undecoded. */
struct sjtok_span {
	size_t off, len;
};

/* Writes fmt's message and " at byte AT" to t->err unless a fault is
 * already there; a message cut to fit loses the offset, an empty one is
 * "malformed at byte AT". Always -1. */
int sjtok_fail(struct sjtok *t, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* i past blanks (space, tab, LF, CR), at most end. */
size_t sjtok_skip_ws(const struct sjtok *t, size_t i, size_t end);

/* b[*i] is '"' (the caller checked): *i past the closing quote, *s the
 * contents. Checked: no byte below 0x20, every escape one of \" \\ \/ \b
 * \f \n \r \t or \u and four hex digits. Bytes from 0x80 up are not
 * (sjtok_decode_string replaces invalid UTF-8). -1: a control character,
 * a bad escape, no closing quote before end ("unterminated string"). */
int sjtok_scan_string(struct sjtok *t, size_t *i, size_t end,
                      struct sjtok_span *s);

/* A JSON number at b[*i] (-, then 0 or digits not starting with 0, then
 * optionally . and digits, then optionally e or E, a sign, digits), at
 * most SJTOK_MAX_NUMBER characters: *i past it, *integer when it has
 * neither fraction nor exponent. What follows it is not looked at. -1:
 * no number there, no digit after '.', 'e' or the sign (a truncated
 * number: "1.", "-", "1e+"), or too long. */
int sjtok_scan_number(struct sjtok *t, size_t *i, size_t end, bool *integer);

/* The bytes of lit (true, false, null) at b[*i]: *i past them. -1
 * otherwise, also when end comes first. */
int sjtok_scan_literal(struct sjtok *t, size_t *i, size_t end, const char *lit);

/* One member of a container, given by sjtok_scan_container before it
 * reads the next: key the member's name (contents; {0, 0} for an array's
 * item), val its value (exact). 0 to go on; -1, having called sjtok_fail,
 * ends the scan with -1. */
typedef int sjtok_member_fn(struct sjtok *t, struct sjtok_span key,
                            struct sjtok_span val, void *arg);

/* b[*i] is '{' or '[' (the caller checked), a container at depth: *i past
 * its close. Each member is checked (in an object a string name, ':',
 * then a value; blanks allowed between tokens) and, when fn is not NULL,
 * handed to fn in order. -1: depth is SJTOK_MAX_DEPTH or more ("nested
 * deeper than"), a member is malformed, a ',' or the close is missing, or
 * end comes first ("truncated"). */
int sjtok_scan_container(struct sjtok *t, size_t *i, size_t end, int depth,
                         sjtok_member_fn *fn, void *arg);

/* Any value at b[*i] (no blanks before it; a container at depth), checked
 * as the functions above check it: *i past it. -1: malformed, or end
 * comes first. */
int sjtok_skip_value(struct sjtok *t, size_t *i, size_t end, int depth);

/* The string at the start of the exact value span v, scanned within v:
 * its contents in *s. -1: v is not a string ("expected a string") or one
 * sjtok_scan_string refuses. */
int sjtok_string_at(struct sjtok *t, struct sjtok_span v, struct sjtok_span *s);

/* Whether the bytes of s are exactly lit (NUL-terminated); no decoding.
 * Inline: the conversions test every schema field and type name with it. */
static inline bool
sjtok_span_is(const struct sjtok *t, struct sjtok_span s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(t->b + s.off, lit, s.len) == 0;
}

/* Whether two string contents sjtok_scan_string accepted decode to the
 * same string (byte-equal ones are, undecoded). false too when decoding
 * runs out of memory, with that message in t->err. */
bool sjtok_key_eq(struct sjtok *t, struct sjtok_span a, struct sjtok_span b);

/* A decoded string: p[0..len), then '\0'. p points into stack until the
 * string outgrows it, then to the heap. The caller's: sjtok_buf_init
 * before use, sjtok_buf_free after (which leaves it initialized and
 * empty, to reuse). Never copied as a struct: p may point into its own
 * stack. */
struct sjtok_buf {
	char *p;
	size_t len, cap;
	char stack[SJTOK_STACK_STR];
};

void sjtok_buf_init(struct sjtok_buf *o);
void sjtok_buf_free(struct sjtok_buf *o);

/* The contents s of a string sjtok_scan_string accepted (only those: the
 * decoder relies on its checks of the escapes), decoded into o, replacing
 * what it held: escapes resolved, a \u surrogate pair joined, a lone
 * surrogate and each byte of invalid UTF-8 U+FFFD, as Go's decoder reads
 * them. The result may hold NUL bytes (\u0000). -1: out of memory. */
int sjtok_decode_string(struct sjtok *t, struct sjtok_span s,
                        struct sjtok_buf *o);

#endif
