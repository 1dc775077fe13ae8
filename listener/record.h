/* record.h - one kernel audit record: header, key=value fields, value
 * decoding, and the auditd log line format.
 * Fed by auditsock (netlink type + payload) and by tests (fixture lines);
 * feeds reasm (serial number) and sysevent (fields). Nothing here allocates:
 * every result is a slice of the caller's bytes or of a caller buffer, and
 * every scan is bounded by the given length (payloads are not
 * NUL-terminated and come from the kernel on behalf of untrusted tasks). */
#ifndef GODO_RECORD_H
#define GODO_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "util.h"

#define RECORD_EOE 1320             /* AUDIT_EOE: end of a multi-record event */
#define RECORD_REPLACE 1329         /* AUDIT_REPLACE: binary payload, ignore */
#define RECORD_LINE_MAX (8970 + 64) /* MAX_AUDIT_MESSAGE_LENGTH + "type=" */
/* Largest audit(SEC...) accepted: SEC * 1e9 + 999e6 still fits int64_t. */
#define RECORD_SEC_MAX ((uint64_t)(INT64_MAX - 999999999) / 1000000000u)

/* A parsed record. All pointers borrow the payload given to
 * record_parse(): valid as long as those bytes are. */
struct record {
	uint16_t type;   /* netlink message type: 1300 SYSCALL, 1302 PATH... */
	uint64_t sec;    /* audit(SEC.MSEC:SERIAL) */
	uint32_t msec;   /* 0..999 */
	uint64_t serial; /* event id within one boot */
	struct str payload; /* the whole payload, "audit(...): ..." */
	struct str body;    /* after "): ": the fields; may be empty (EOE) */
};

/* Parses the header of payload[0..len). 0 on success; -1 when there is no
 * well-formed "audit(SEC.MSEC:SERIAL):" at the start (rec is then zeroed
 * except for type and payload). */
int record_parse(struct record *rec, uint16_t type, const char *payload,
                 size_t len);

/* Strict whole-slice number: base 10 (at most 19 digits) or 16 (at most 16
 * digits, either case), so it cannot overflow. 0 on success, -1 on an empty
 * slice, a bad digit or too many digits. util_parse_u64 without the
 * per-digit division: this is on the per-field path. */
int record_u64(struct str s, int base, uint64_t *out);

/* s equals the string literal lit (length known at compile time). */
#define STR_IS(s, lit)                                                         \
	((s).n == sizeof(lit) - 1 && memcmp((s).p, (lit), sizeof(lit) - 1) == 0)

/* Field iteration over rec->body without allocation:
 *	struct record_iter it;
 *	struct str k, v;
 *	record_iter_init(&it, rec);
 *	while (record_iter_next(&it, &k, &v)) ...
 * A value is a "double quoted" string (quotes kept in v), a 'single quoted'
 * one (user-space messages), or runs to the next space. Tokens without '='
 * are skipped. Keys and values are slices of the body. */
struct record_iter {
	const char *p, *end;
};

void record_iter_init(struct record_iter *it, const struct record *rec);
bool record_iter_next(struct record_iter *it, struct str *key, struct str *val);
/* First field named key; false when absent. Linear scan. */
bool record_find(const struct record *rec, const char *key, struct str *val);

/* Decodes an untrusted-string value as the kernel prints it
 * (audit_log_n_untrustedstring): a leading '"' means quoted text, *out is
 * the bytes between the quotes (borrowed from v, no copy); "(null)" and
 * "(none)" mean no value; anything else is uppercase or lowercase hex,
 * decoded into buf[0..cap) and *out points there. Returns 1 with *out set,
 * 0 for no value (*out empty), -1 when v is malformed (odd length, not hex,
 * missing closing quote) or the decoded bytes do not fit cap. */
int record_value(struct str v, char *buf, size_t cap, struct str *out);
/* The same decoding for a decoder that must keep what it can (sysevent):
 * the bytes always go to buf[0..cap) (quoted text copied too, so that
 * pieces can be joined); a value longer than cap is cut to cap bytes and
 * *cut set (never cleared here); a quoted value without its closing quote
 * keeps the text after the opening one; a value that is neither quoted nor
 * hex is copied as it is. Returns the bytes written, or -1 for "(null)" and
 * "(none)" (no value). Never fails otherwise. */
ssize_t record_value_copy(struct str v, char *buf, size_t cap, bool *cut);
/* Hex to bytes. Returns the number of bytes written or -1 (odd length,
 * non-hex digit, does not fit cap). */
ssize_t record_hex_decode(struct str hex, char *buf, size_t cap);

/* The auditd log line for a record (src/auditd-event.c format):
 * "type=NAME msg=PAYLOAD\n", NAME from libaudit's audit_msg_type_to_name()
 * or "UNKNOWN[n]". Trailing NULs of the payload are dropped; a newline or
 * NUL inside it is written as '?' so that one record stays one line.
 * Returns the line length (buf is NUL-terminated) or -1 when it does not fit
 * cap (buf then holds "" if cap > 0). */
ssize_t record_format_line(uint16_t type, const char *payload, size_t len,
                           char *buf, size_t cap);
/* The inverse: "[node=X ]type=NAME msg=PAYLOAD[\r][\n]" back into a type and
 * the payload (a slice of line). NAME is resolved with libaudit's
 * audit_name_to_msg_type() or read from "UNKNOWN[n]". Returns 0 on success,
 * 1 for a blank or '#' comment line (skip it), -1 for anything else. */
int record_parse_line(const char *line, size_t len, uint16_t *type,
                      struct str *payload);

#endif
