/* core.h - the dispatcher of the listener's logic: connector events and
 * decoded audit events in, each handed to the module of its concern
 * (lifecycle: tasks; container: attribution; fdtab: open files; pathop:
 * path operations; snapshot: /proc at start; writeback: what is written
 * when). It never calls back into its caller and never reads a clock: the
 * loop gives the time (core_set_now, once per iteration) and the clock
 * offsets (core_set_clock). Owns the tracker (tables) it builds. */
#ifndef GODO_CORE_H
#define GODO_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "procconn.h"
#include "sysevent.h"
#include "tracker.h"
#include "writeback.h"

struct core;

/* wb must outlive the core. NULL when out of memory (logged). */
struct core *core_new(struct writeback *wb, const struct tracker_opts *o,
                      const char *boot_id);
/* Writes what released tasks hold, frees everything. */
void core_free(struct core *c);
void core_set_clock(struct core *c, const struct tracker_clock *clk);
/* now_ms: MONOTONIC ms; wall_ns: REALTIME ns, read at the same moment. */
void core_set_now(struct core *c, uint64_t now_ms, int64_t wall_ns);
/* Scan the proc root (snapshot.h). 0 or -1. */
int core_snapshot(struct core *c);
void core_conn_event(struct core *c, const struct procconn_event *ev);
/* Does ev's pid belong to a task godo knows (for a clone: was the FORK it
 * made read)? When not, the caller reads the connector before
 * core_audit_event: a FORK may be on its way. */
bool core_audit_known(struct core *c, const struct sysevent *ev);
void core_audit_event(struct core *c, const struct sysevent *ev);
/* Periodic work: open files into fds, held documents released, due task
 * documents written, exited tasks retired. */
void core_tick(struct core *c);
/* At exit: the state of every open file into fds, everything written. */
void core_shutdown(struct core *c);
const struct tracker_stats *core_stats(const struct core *c);
struct proctab *core_proctab(struct core *c);
struct fdtab *core_fdtab(struct core *c);
/* The tables' memory budget (-mem-limit), for the stats line. */
const struct membudget *core_budget(const struct core *c);

#endif
