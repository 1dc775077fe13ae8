/* bytes.h - owned byte strings of the filter's model. Strings from the
 * store are untrusted bytes, possibly holding NULs and invalid UTF-8,
 * escaped only at output. */
#ifndef GODO_BYTES_H
#define GODO_BYTES_H

#include <stdbool.h>
#include <stddef.h>

/* Owned bytes, NUL-terminated for convenience but may hold NULs; set is
 * false when the field was absent. */
struct bytes {
	char *p;
	size_t n;
	bool set;
};

/* An owned list of arguments. */
struct argv {
	struct bytes *v;
	size_t n;
};

/* b = a copy of p[0..n), set. */
void bytes_set(struct bytes *b, const char *p, size_t n);
/* Frees and unsets b. */
void bytes_free(struct bytes *b);
/* dst = a copy of src (unset when src is). */
void bytes_copy(struct bytes *dst, const struct bytes *src);
/* dst takes src's value when dst has none; src is left unset. */
void bytes_take(struct bytes *dst, struct bytes *src);
/* True when both hold the same bytes. */
bool bytes_eq(const struct bytes *a, const struct bytes *b);
void bytes_argv_free(struct argv *a);
void bytes_argv_copy(struct argv *dst, const struct argv *src);
bool bytes_argv_eq(const struct argv *a, const struct argv *b);

#endif
