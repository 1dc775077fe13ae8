/* snapshot.h - the tasks alive when godo starts (or after the connector
 * overran), from opts.proc_root: every task with its parent, start, args,
 * cwd, exe and container; dockerd/containerd marked by what they are and
 * usermode helpers made roots (scope.h); membership of the Docker tree by
 * walking up to a daemon (genuine shims reparented to init hang under
 * containerd, which forked them); the recorded ones made pending, written
 * at the next sweep. */
#ifndef GODO_SNAPSHOT_H
#define GODO_SNAPSHOT_H

#include "tracker.h"

/* Also the resync after a connector overrun: a known pid whose /proc start
 * time differs is a new task (the stale entry replaced), a live task
 * /proc no longer shows is marked exited (at the scan's time).
 * 0, or -1 when the proc root cannot be read (logged). */
int snapshot_take(struct tracker *tr);
/* Args, cwd, exe and comm of a recorded task from /proc, into its
 * document (what is gone is left out). */
void snapshot_info(struct tracker *tr, struct task *k);

#endif
