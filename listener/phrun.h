/* phrun.h - the proc helper (prochelp.h) in godo's run: started before
 * the recorder drops CAP_SYS_PTRACE (-privsep), made the gate of procfs
 * and rootcache, its losses written as `prochelp` gaps, stopped at exit. */
#ifndef GODO_PHRUN_H
#define GODO_PHRUN_H

#include "godo.h"

/* Starts the helper into g->ph; a helper that cannot start is logged and
 * godo goes on without it (privileged tasks' links then unreadable). */
void phrun_start(struct godo *g);
/* From the loop's periodic work: HELLOs read, a `prochelp` gap for the
 * requests lost to the helper since the last call. Nothing without one. */
void phrun_tick(struct godo *g);
/* The gate removed, the helper stopped, its counters logged. */
void phrun_stop(struct godo *g);

#endif
