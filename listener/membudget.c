/* membudget.c - see membudget.h. */
#include "membudget.h"

#include <malloc.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

#define MEMBUDGET_MIN (1024 * 1024)

void
membudget_init(struct membudget *b, uint64_t limit)
{
	b->limit = limit;
	b->used = b->high = b->refused = 0;
	b->trim_ms = 0;
	b->trims = 0;
}

bool
membudget_take(struct membudget *b, size_t n)
{
	if (b == NULL)
		return true;
	if (!membudget_fits(b, n)) {
		b->refused++;
		return false;
	}
	b->used += n;
	if (b->used > b->high)
		b->high = b->used;
	return true;
}

bool
membudget_fits(const struct membudget *b, size_t n)
{
	return b == NULL || b->limit == 0 ||
	       (n <= b->limit && b->used <= b->limit - n);
}

void
membudget_give(struct membudget *b, size_t n)
{
	if (b == NULL)
		return;
	b->used = n > b->used ? 0 : b->used - n;
}

bool
membudget_above(const struct membudget *b, uint64_t num, uint64_t den)
{
	return b != NULL && b->limit != 0 && b->used * den > b->limit * num;
}

uint64_t
membudget_rss(void)
{
	unsigned long long size = 0, resident = 0;
	long page = sysconf(_SC_PAGESIZE);
	FILE *f = fopen("/proc/self/statm", "r");
	int n;

	if (f == NULL)
		return 0;
	n = fscanf(f, "%llu %llu", &size, &resident);
	(void)fclose(f); /* read only: nothing to lose */
	if (n != 2 || page <= 0)
		return 0;
	return (uint64_t)resident * (uint64_t)page;
}

uint64_t
membudget_tables(uint64_t limit, uint64_t rss)
{
	uint64_t left = limit > rss ? (limit - rss) / 2 : 0;

	return left > MEMBUDGET_MIN ? left : MEMBUDGET_MIN;
}

int
membudget_malloc_tune(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return 0; /* ASan's allocator has no such knobs (refuses them) */
#endif
	if (mallopt(M_MMAP_THRESHOLD, (int)MEMBUDGET_MMAP_MIN) != 1 ||
	    mallopt(M_TRIM_THRESHOLD, (int)MEMBUDGET_TRIM_MIN) != 1) {
		log_warnx("membudget: mallopt refused");
		return -1;
	}
	return 0;
}

bool
membudget_trim(struct membudget *b, uint64_t now_ms)
{
	if (b == NULL ||
	    (b->trims > 0 && now_ms - b->trim_ms < MEMBUDGET_TRIM_MS))
		return false;
	b->trim_ms = now_ms;
	b->trims++;
	(void)malloc_trim(0); /* 0: nothing was free, not an error */
	return true;
}
