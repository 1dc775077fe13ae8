/* bytes.c - see bytes.h. */
#include "bytes.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

void
bytes_set(struct bytes *b, const char *p, size_t n)
{
	free(b->p);
	b->p = mem_calloc(n + 1, 1);
	if (n > 0)
		memcpy(b->p, p, n);
	b->n = n;
	b->set = true;
}

void
bytes_free(struct bytes *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void
bytes_copy(struct bytes *dst, const struct bytes *src)
{
	if (!src->set) {
		bytes_free(dst);
		return;
	}
	bytes_set(dst, src->p, src->n);
}

void
bytes_take(struct bytes *dst, struct bytes *src)
{
	if (!dst->set && src->set) {
		*dst = *src;
		memset(src, 0, sizeof(*src));
	}
}

bool
bytes_eq(const struct bytes *a, const struct bytes *b)
{
	return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

void
bytes_argv_free(struct argv *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		bytes_free(&a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

void
bytes_argv_copy(struct argv *dst, const struct argv *src)
{
	size_t i;

	bytes_argv_free(dst);
	dst->v = mem_calloc(src->n, sizeof(*dst->v));
	dst->n = src->n;
	for (i = 0; i < src->n; i++)
		bytes_copy(&dst->v[i], &src->v[i]);
}

bool
bytes_argv_eq(const struct argv *a, const struct argv *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (!bytes_eq(&a->v[i], &b->v[i]))
			return false;
	return true;
}
