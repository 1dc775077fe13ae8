/* serialgap.c - see serialgap.h. The pending serials form a ring in
 * ascending order (jumps only add above the highest); a late arrival is
 * found by binary search and marked by zeroing its time (serial 0 is never
 * pending: its time would be 0 only if skipped at ms 0, handled by
 * storing now_ms + 1). */
#include "serialgap.h"

#include <string.h>

#include "reasm.h"

void
serialgap_init(struct serialgap *g, uint64_t window_ms)
{
	memset(g, 0, sizeof(*g));
	g->window_ms = window_ms;
}

static unsigned int
slot(const struct serialgap *g, unsigned int i)
{
	return (g->head + i) % SERIALGAP_PEND;
}

/* The oldest pending serial leaves the ring; true when it was still
 * missing (not arrived late). */
static bool
pop(struct serialgap *g)
{
	bool missing = g->pend_ms[g->head] != 0;

	g->head = (g->head + 1) % SERIALGAP_PEND;
	g->n--;
	return missing;
}

/* A serial below the highest: if it was pending, it arrived late. */
static void
arrive_late(struct serialgap *g, uint32_t s)
{
	unsigned int lo = 0, hi = g->n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		uint32_t v = g->pend[slot(g, mid)];

		if (v == s) {
			if (g->pend_ms[slot(g, mid)] != 0) {
				g->pend_ms[slot(g, mid)] = 0;
				g->late++;
			}
			return;
		}
		if (reasm_serial_before(v, s))
			lo = mid + 1;
		else
			hi = mid;
	}
}

uint64_t
serialgap_see(struct serialgap *g, uint64_t serial, uint64_t now_ms)
{
	uint32_t s = (uint32_t)serial, skipped, k;
	uint64_t counted = 0;

	if (g->have && s == g->high)
		return 0;
	if (g->have && reasm_serial_before(s, g->high)) {
		arrive_late(g, s);
		return 0;
	}
	if (!g->have || s - g->high > SERIALGAP_JUMP_MAX) {
		g->resets += g->have;
		g->have = true;
		g->high = s;
		g->n = g->head = 0;
		return 0;
	}
	skipped = s - g->high - 1;
	if (skipped > SERIALGAP_PEND) {
		/* beyond the room: the older ones count at once */
		while (g->n > 0)
			counted += pop(g);
		counted += skipped - SERIALGAP_PEND;
		g->high += skipped - SERIALGAP_PEND;
		skipped = SERIALGAP_PEND;
	}
	for (k = 1; k <= skipped; k++) {
		if (g->n == SERIALGAP_PEND)
			counted += pop(g);
		g->pend[slot(g, g->n)] = g->high + k;
		g->pend_ms[slot(g, g->n)] = now_ms + 1;
		g->n++;
	}
	g->high = s;
	g->missing += counted;
	return counted;
}

uint64_t
serialgap_tick(struct serialgap *g, uint64_t now_ms, bool flush)
{
	uint64_t counted = 0;

	while (g->n > 0) {
		uint64_t t = g->pend_ms[g->head];

		if (!flush && t != 0 && t - 1 + g->window_ms > now_ms)
			break;
		if (pop(g))
			counted++;
	}
	g->missing += counted;
	return counted;
}
