/* phrun.c - see phrun.h. */
#include "phrun.h"

#include <stdlib.h>

#include "log.h"
#include "prochelp.h"
#include "writeback.h"

void
phrun_start(struct godo *g)
{
	struct prochelp *ph = calloc(1, sizeof(*ph));

	if (ph == NULL) {
		log_warnx("proc helper: out of memory");
		return;
	}
	if (prochelp_start(ph) != 0) {
		free(ph);
		return;
	}
	g->ph = ph;
	prochelp_gate(ph);
}

void
phrun_tick(struct godo *g)
{
	uint64_t n;

	if (g->ph == NULL)
		return;
	n = prochelp_take_lost(g->ph);
	if (n > 0)
		writeback_gap(&g->wb, "prochelp", g->now_ns - 1000000000LL,
		              g->now_ns, n);
}

void
phrun_stop(struct godo *g)
{
	if (g->ph == NULL)
		return;
	prochelp_gate(NULL);
	prochelp_stop(g->ph);
	free(g->ph);
	g->ph = NULL;
}
