/* sjson.h - one row of FerretDB's SQLite handler (v1.24: the
 * _ferretdb_sjson column, "sjson") turned into the BSON document FerretDB
 * would have sent. A row is a JSON object: "$s", the schema, gives each
 * field's type ({"p": {key: elem}, "$k": [keys in order]}; an elem is
 * {"t": type, "$s": schema of a nested document, "i": [elem per array
 * item], "s": binData subtype, "o": regex options}), the other members are
 * the values: int, long (JSON integers), double (a JSON number), string,
 * bool, null, date (ms since the epoch), objectId (24 hex digits), binData
 * (standard base64), timestamp (an unsigned 64-bit integer), regex (the
 * pattern), object and array (nested, with the elem's schema). Fields come
 * out in "$k" order, as FerretDB returns them.
 *
 * A tokenizer over the buffer, no allocation per value beyond what the
 * BSON needs: every length is bounded (row, number, key, nesting depth
 * SJSON_MAX_DEPTH) and anything FerretDB's own decoder would refuse (a
 * bad escape, a truncated row, a count of keys the schema does not match,
 * an int out of range, an unknown type or schema field) is refused with a
 * message naming what and where (byte offset). Invalid UTF-8 in a string
 * becomes U+FFFD per byte, as Go's decoder does. */
#ifndef GODO_SJSON_H
#define GODO_SJSON_H

#include <stdbool.h>
#include <stddef.h>

#include <bson/bson.h>

#define SJSON_MAX_DEPTH 100               /* nested documents and arrays */
#define SJSON_MAX_ROW (64u * 1024 * 1024) /* bytes of one row */
#define SJSON_MAX_KEY 1024                /* bytes of one field name */
#define SJSON_MAX_NUMBER 64               /* characters of one number */
#define SJSON_ERR_MAX 160

/* Whether the top-level field key (key_len bytes, decoded) is wanted (a
 * projection); a field left out is checked only for being well-formed
 * JSON. */
typedef bool sjson_keep_fn(const char *key, size_t key_len, void *arg);

/* Appends the row's fields to out (an initialized, empty bson_t); keep
 * NULL keeps every field. 0, or -1 with err (SJSON_ERR_MAX bytes) set and
 * out holding whatever was appended before the fault (the caller
 * reinitializes it). */
int sjson_to_bson(const char *row, size_t len, sjson_keep_fn *keep,
                  void *keep_arg, bson_t *out, char *err);

#endif
