/* scope.h - which processes are roots of what godo records, beyond the
 * descendants of dockerd/containerd:
 *  - the engine's daemons, by what they are (daemonid.h), not by name: a
 *    candidate that does not serve its API socket yet waits (bounded) and
 *    is checked from the loop's tick; once confirmed, it and its
 *    descendants are recorded;
 *  - kernel usermode helpers (core_pattern "|prog", release_agent,
 *    modprobe_path): a process whose parent is kthreadd, or a kernel
 *    thread, that execs; a root of its own ("usermode_helper");
 *  - a host process that setns()es into the namespaces of a recorded
 *    container: recorded from then on with that container's id, a root
 *    of its own ("setns"), with its descendants started since.
 * Roots carry task.root (field "star", source saying why). */
#ifndef GODO_SCOPE_H
#define GODO_SCOPE_H

#include "sysevent.h"
#include "tracker.h"

#define SCOPE_KTHREADD 2 /* kthreadd's pid in the initial pid namespace */
/* audit stamps a syscall at entry with the coarse clock (never later than
 * the call), the connector a fork precisely: a child forked after the
 * setns starts after its stamp; 1 ms for the clocks' offsets */
#define SCOPE_SETNS_SLACK_NS 1000000LL
#define SCOPE_SETNS_VISITS 512 /* tasks whose namespaces a setns compares */

/* k (a process) exec'd: a usermode helper becomes a root. */
void scope_exec(struct tracker *tr, struct task *k);
/* A successful execve of k: a daemon candidate by its exe, argv[0] or
 * comm is checked now, or queued for the tick. */
void scope_daemon_exec(struct tracker *tr, struct task *k,
                       const struct sysevent *ev);
/* A task the snapshot read whose exe or comm names a daemon: confirmed
 * now (k->daemon, in_tree), or queued. The snapshot links the tree. */
void scope_daemon_proc(struct tracker *tr, struct task *k);
/* Is k a genuine shim (exe named containerd-shim*, run by root in the
 * host's mount namespace), not a process that named itself so? */
bool scope_is_shim(struct tracker *tr, const struct task *k);
/* A successful setns of k, which godo does not record yet. */
void scope_setns(struct tracker *tr, struct task *k, const struct sysevent *ev);
/* unshare(2) by k: with CLONE_FILES, a table it shared becomes its own
 * copy (fdtab_unshare). */
void scope_unshare(struct tracker *tr, struct task *k,
                   const struct sysevent *ev);
/* Periodic: queued daemon candidates checked, expired ones dropped. */
void scope_tick(struct tracker *tr);

#endif
