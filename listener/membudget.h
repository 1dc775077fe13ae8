/* membudget.h - the bytes godo's tables may hold (-mem-limit): one budget
 * shared by the task table, the open-file table and whatever else charges
 * it. A table takes bytes before it allocates and gives them back when it
 * frees; a refused take is the caller's to count (a gap) and handle
 * (evict, or drop). Accounting: nothing here allocates or logs;
 * membudget_rss reads /proc/self/statm, once, at start.
 * limit 0: unlimited (tests, and tables built without a budget). */
#ifndef GODO_MEMBUDGET_H
#define GODO_MEMBUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct membudget {
	uint64_t limit; /* bytes; 0: no limit */
	uint64_t used, high;
	uint64_t refused; /* takes refused */
};

void membudget_init(struct membudget *b, uint64_t limit);
/* n more bytes, when they fit (always with limit 0). b may be NULL. */
bool membudget_take(struct membudget *b, size_t n);
/* Would n more bytes fit (true without a limit or without b)? */
bool membudget_fits(const struct membudget *b, size_t n);
/* n bytes freed; never below 0. b may be NULL. */
void membudget_give(struct membudget *b, size_t n);
/* Is more than num/den of the limit in use (false without a limit)? */
bool membudget_above(const struct membudget *b, uint64_t num, uint64_t den);

/* godo's resident bytes now (/proc/self/statm), 0 when unreadable. */
uint64_t membudget_rss(void);
/* The tables' share of a process limit of limit bytes when rss is in use
 * before they hold anything: half of what is left (the other half for
 * allocator overhead, documents and batches waiting for the store), at
 * least 1 MiB. */
uint64_t membudget_tables(uint64_t limit, uint64_t rss);

#endif
