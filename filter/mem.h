/* mem.h - allocation for the filter: a CLI that may die on OOM, so these
 * never return NULL (they log and exit(1)). Also a qsort that takes an
 * empty array and the append every array of the model uses. */
#ifndef GODO_MEM_H
#define GODO_MEM_H

#include <stddef.h>

void *mem_calloc(size_t n, size_t size);
void *mem_reallocarray(void *p, size_t n, size_t size);
/* A copy of s; NULL copies as "". */
char *mem_strdup(const char *s);
/* Appends one zeroed element of size bytes to the array *v of *n used
 * of *cap (doubled when full, first when empty) and returns it. */
void *mem_push(void *v, size_t *n, size_t *cap, size_t size, size_t first);
/* Frees v[0..n) and v. NULL is fine. */
void mem_free_all(char **v, size_t n);
/* qsort that accepts an empty (NULL) array. */
void mem_sort(void *base, size_t n, size_t size,
              int (*cmp)(const void *, const void *));

#endif
