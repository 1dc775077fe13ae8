/* textend.c - see textend.h. */
#include "textend.h"

#include <stdio.h>
#include <string.h>

void
textend_init(struct textend *e, unsigned int depth, uint64_t quiet_ms,
             textend_fn *end, void *arg)
{
	memset(e, 0, sizeof(*e));
	e->depth = depth < 1                   ? 1
	           : depth > TEXTEND_DEPTH_MAX ? TEXTEND_DEPTH_MAX
	                                       : depth;
	e->quiet_ms = quiet_ms;
	e->end = end;
	e->arg = arg;
}

static void
drop(struct textend *e, unsigned int i)
{
	memmove(&e->open[i], &e->open[i + 1],
	        (e->n - i - 1) * sizeof(e->open[0]));
	e->n--;
}

/* Gives the EOE of open[i] and forgets it. */
static void
close_one(struct textend *e, unsigned int i)
{
	char eoe[96];
	int n = snprintf(eoe, sizeof(eoe), "audit(%llu.%03u:%llu): ",
	                 (unsigned long long)e->open[i].sec, e->open[i].msec,
	                 (unsigned long long)e->open[i].serial);

	drop(e, i);
	if (n > 0 && (size_t)n < sizeof(eoe)) {
		e->closed++;
		e->end(eoe, (size_t)n, e->arg);
	}
}

static bool
held_open(uint16_t type)
{
	return type >= 1300 && type < 1400 && type != RECORD_EOE &&
	       type != RECORD_REPLACE;
}

void
textend_see(struct textend *e, const struct record *rec, uint64_t now_ms)
{
	unsigned int i;

	for (i = 0; i < e->n; i++)
		if (e->open[i].serial == rec->serial)
			break;
	if (rec->type == RECORD_EOE) {
		if (i < e->n)
			drop(e, i); /* reasm closed it with the real one */
		return;
	}
	if (!held_open(rec->type))
		return;
	if (i < e->n) {
		e->open[i].last_ms = now_ms;
		return;
	}
	while (e->n >= e->depth)
		close_one(e, 0);
	e->open[e->n].serial = rec->serial;
	e->open[e->n].sec = rec->sec;
	e->open[e->n].msec = rec->msec;
	e->open[e->n].last_ms = now_ms;
	e->n++;
}

void
textend_tick(struct textend *e, uint64_t now_ms, bool flush)
{
	unsigned int i = 0;

	while (i < e->n) {
		if (flush || (e->quiet_ms > 0 &&
		              now_ms - e->open[i].last_ms >= e->quiet_ms))
			close_one(e, i);
		else
			i++;
	}
}
