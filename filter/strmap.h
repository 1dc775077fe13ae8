/* strmap.h - a map from C strings (copied) to borrowed pointers: the
 * filter's indexes by id. Open addressing, grown at half load; a NULL
 * value reads as absent. */
#ifndef GODO_STRMAP_H
#define GODO_STRMAP_H

#include <stddef.h>

struct strmap;

struct strmap *strmap_new(void);
/* Frees the keys, not the values. NULL is fine. */
void strmap_free(struct strmap *h);
/* The value under key, NULL when none. */
void *strmap_get(const struct strmap *h, const char *key);
/* Adds or replaces key's value. */
void strmap_put(struct strmap *h, const char *key, void *val);
size_t strmap_len(const struct strmap *h);

#endif
