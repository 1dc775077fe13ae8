/* util.h - small helpers both binaries share: byte slices, clocks, strict
 * number parsing, bounded copies. */
#ifndef GODO_UTIL_H
#define GODO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A borrowed byte range; not NUL-terminated. */
struct str {
	const char *p;
	size_t n;
};

#define STR_LIT(s) ((struct str){(s), sizeof(s) - 1})

bool str_eq(struct str s, const char *lit);
bool str_has_prefix(struct str s, const char *lit);

/* Milliseconds / nanoseconds on CLOCK_MONOTONIC, and wall-clock ns. */
uint64_t util_now_ms(void);
uint64_t util_mono_ns(void);
int64_t util_wall_ns(void);

/* Whole-string unsigned / signed decimal (or hex with base 16) parse with a
 * range check. 0 on success, -1 on any junk, overflow or range error. */
/* The value of a decimal or hex digit (either case); 99 for anything else. */
int util_digit_val(char c);
int util_parse_u64(struct str s, int base, uint64_t min, uint64_t max,
                   uint64_t *out);
int util_parse_i64(struct str s, int64_t min, int64_t max, int64_t *out);

/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t util_strlcpy(char *dst, const char *src, size_t size);
/* A store address for a log line: in a mongodb:// or mongodb+srv:// URI,
 * the user's password and the value of every option whose name contains
 * "password" become "***". Cut to size - 1 bytes. */
void util_uri_redact(const char *uri, char *out, size_t size);

/* Formats ns since the epoch as RFC 3339 UTC with nanoseconds,
 * "2026-11-25T19:40:30.123456789Z"; buf needs 32 bytes. */
void util_fmt_rfc3339(int64_t ns, char *buf, size_t size);
/* Parses RFC 3339 ("2026-11-25T19:40:30Z", fractional seconds and numeric
 * offsets allowed) or a relative duration before now ("90s", "15m", "2h",
 * "3d"). 0 on success. */
int util_parse_time(const char *s, int64_t now_ns, int64_t *out_ns);

#endif
