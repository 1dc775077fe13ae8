/* container.h - which container a task belongs to, and which tasks are the
 * container engine's daemons (dockerd, containerd: the root of what godo
 * records). Sources: the task's cgroup (read when it execs or pivots into
 * its root), its parent at fork, runc's and the shim's arguments (a hint for
 * a task that exits before its cgroup can be read), and the overlay root
 * mount (the container's rootfs on the host). Reads only opts.proc_root. */
#ifndef GODO_CONTAINER_H
#define GODO_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>

#include "sysevent.h"
#include "tracker.h"

/* k takes what it inherits: from its parent process (fork-time parent,
 * not a thread), then from its own process when k is a thread. */
void container_inherit(struct tracker *tr, struct task *k);
/* k's cgroup names a container now: its docker id, and on entering one its
 * rootfs. A task already gone is marked for container_settle. */
void container_read(struct tracker *tr, struct task *k);
/* pivot_root: the container's root on the host, from the root mount. */
void container_pivot_root(struct tracker *tr, struct task *k);
/* An execve of k: a daemon candidate goes to scope.h (by what it is) and
 * the container runc or a shim works for is noted. */
void container_execve(struct tracker *tr, struct task *k,
                      const struct sysevent *ev);
/* A task without a container yet, from its ancestors (4 levels): one that
 * exec'd and left before its cgroup was read is in its parent's container
 * or the one its runc was started for; a fork that never exec'd is where
 * its parent is; a runtime naming a container (runc, the shim) and its
 * forks stay the host's. Called before a task's documents are built;
 * last: it is leaving the table, its exec may never be audited (else a
 * gone task waits for its exec's audit event, which names a runtime). */
void container_settle(struct tracker *tr, struct task *k, bool last);
/* Periodic: container identities retried and checked for changes
 * (ctwatch.h), dockerd processes looked for when it asks. */
void container_tick(struct tracker *tr);
/* The last path element is "dockerd" or "containerd". */
bool container_is_daemon_name(const char *p, size_t n);

#endif
