/* core.h - the recorder's logic: connector and audit events in, task and
 * file table changes and store updates out. Owns the proctab and fdtab and
 * the rules for mapping an audit event (which names a tgid only) to a task
 * incarnation. Reads /proc only where a kernel message lacks what is needed
 * (start time confirmation, cgroup at exec, the startup snapshot). */
#ifndef GODO_CORE_H
#define GODO_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "sysevent.h"
#include "procconn.h"
#include "docmap.h"
#include "fdtab.h"
#include "proctab.h"

struct core_opts {
	bool all;          /* record every process, not only the Docker tree */
	uint32_t proc_cap; /* proctab capacity */
	uint32_t fd_cap;   /* fdtab capacity */
	uint32_t grace_ms; /* keep exited tasks this long for late events */
};

struct core_stats {
	uint64_t cn_events, audit_events;
	uint64_t unattributed; /* audit events for a pid godo could not find */
	uint64_t stars;
	uint64_t files_closed, ops;
};

/* Called when an audit event names a pid godo does not know: drain the
 * connector so a pending FORK is seen first. */
typedef void core_drain_fn(void *arg);

struct core;

struct core *core_new(struct docmap *dm, const struct core_opts *o,
                      const char *boot_id);
void core_set_drain(struct core *c, core_drain_fn *fn, void *arg);
void core_free(struct core *c);
/* Scan /proc: every task with its parent, start, args, cwd, exe, container;
 * mark dockerd/containerd; write documents of the recorded ones. */
int core_snapshot(struct core *c);
void core_conn_event(struct core *c, const struct procconn_event *ev);
void core_audit_event(struct core *c, const struct sysevent *ev);
/* Periodic work: write changed open files to fds, retire exited tasks. */
void core_tick(struct core *c, uint64_t now_ms);
/* At exit: the state of every open file into fds. */
void core_shutdown(struct core *c);
void core_get_stats(const struct core *c, struct core_stats *out);
struct proctab *core_proctab(struct core *c);
struct fdtab *core_fdtab(struct core *c);

#endif
