/* strmap.c - see strmap.h. FNV-1a hashing, linear probing. */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct strmap {
	char **keys;
	void **vals;
	size_t cap, len; /* cap: a power of two */
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

struct strmap *
strmap_new(void)
{
	struct strmap *h = mem_calloc(1, sizeof(*h));

	h->cap = 64;
	h->keys = mem_calloc(h->cap, sizeof(*h->keys));
	h->vals = mem_calloc(h->cap, sizeof(*h->vals));
	return h;
}

void
strmap_free(struct strmap *h)
{
	if (h == NULL)
		return;
	mem_free_all(h->keys, h->cap);
	free(h->vals);
	free(h);
}

static size_t
slot(const struct strmap *h, const char *key)
{
	size_t i = (size_t)hash_str(key) & (h->cap - 1);

	while (h->keys[i] != NULL && strcmp(h->keys[i], key) != 0)
		i = (i + 1) & (h->cap - 1);
	return i;
}

void *
strmap_get(const struct strmap *h, const char *key)
{
	size_t i = slot(h, key);

	return h->keys[i] ? h->vals[i] : NULL;
}

static void
grow(struct strmap *h)
{
	struct strmap n;
	size_t i, j;

	n.cap = h->cap * 2;
	n.len = h->len;
	n.keys = mem_calloc(n.cap, sizeof(*n.keys));
	n.vals = mem_calloc(n.cap, sizeof(*n.vals));
	for (i = 0; i < h->cap; i++) {
		if (h->keys[i] == NULL)
			continue;
		j = slot(&n, h->keys[i]);
		n.keys[j] = h->keys[i];
		n.vals[j] = h->vals[i];
	}
	free(h->keys);
	free(h->vals);
	*h = n;
}

void
strmap_put(struct strmap *h, const char *key, void *val)
{
	size_t i;

	if ((h->len + 1) * 2 > h->cap)
		grow(h);
	i = slot(h, key);
	if (h->keys[i] == NULL) {
		h->keys[i] = mem_strdup(key);
		h->len++;
	}
	h->vals[i] = val;
}

size_t
strmap_len(const struct strmap *h)
{
	return h->len;
}
