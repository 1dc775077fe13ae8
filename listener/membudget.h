/* membudget.h - the bytes godo's tables may hold (-mem-limit): one budget
 * shared by the task table, the open-file table and whatever else charges
 * it. A table takes bytes before it allocates and gives them back when it
 * frees; a refused take is the caller's to count (a gap) and handle
 * (evict, or drop). Accounting: nothing here allocates or logs;
 * membudget_rss reads /proc/self/statm, once, at start. Apart: how the
 * allocator gives freed memory back (membudget_malloc_tune, _trim).
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
	uint64_t trim_ms; /* the last membudget_trim (monotonic ms) */
	uint64_t trims;   /* how many */
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

/* glibc's allocator told to give freed memory back (called once, at
 * start, before the tables exist): blocks of MEMBUDGET_MMAP_MIN bytes or
 * more are mapped each on its own and unmapped when freed (a batch, a
 * grown buffer), and the heap's top is trimmed above MEMBUDGET_TRIM_MIN
 * free bytes. Fixed values also stop glibc raising both after a large
 * free, which left a peak's memory resident for good. -1 logged when
 * glibc refused one. */
#define MEMBUDGET_MMAP_MIN (64u << 10)
#define MEMBUDGET_TRIM_MIN (256u << 10)
int membudget_malloc_tune(void);
/* Every MEMBUDGET_TRIM_MS at most (now_ms: monotonic), the allocator's
 * free pages, inside the heap too, go back to the kernel (malloc_trim):
 * a burst's tasks and documents, freed, no longer hold RSS between two
 * bursts, whatever the order they were freed in. True when it trimmed
 * now. b may be NULL (false). */
#define MEMBUDGET_TRIM_MS 2000
bool membudget_trim(struct membudget *b, uint64_t now_ms);

#endif
