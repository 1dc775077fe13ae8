/* mem.c - see mem.h. */
#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void *
mem_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatalx("out of memory");
	return p;
}

void *
mem_reallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if (size != 0 && n > SIZE_MAX / size)
		fatalx("out of memory");
	q = realloc(p, n * size != 0 ? n * size : 1);
	if (q == NULL)
		fatalx("out of memory");
	return q;
}

char *
mem_strdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (p == NULL)
		fatalx("out of memory");
	return p;
}

void *
mem_push(void *v, size_t *n, size_t *cap, size_t size, size_t first)
{
	char **pv = v;
	char *e;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : first;
		*pv = mem_reallocarray(*pv, *cap, size);
	}
	e = *pv + *n * size;
	(*n)++;
	memset(e, 0, size);
	return e;
}

void
mem_free_all(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
mem_sort(void *base, size_t n, size_t size,
         int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}
