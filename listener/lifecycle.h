/* lifecycle.h - task incarnations from birth to the table's sweep: the
 * connector's fork, exec and exit; tasks known only from /proc (older than
 * godo, or whose FORK was lost); the audit event -> task mapping (an audit
 * event names a pid only); execve's record; and when a task's document is
 * written or its slot retired. An incarnation is (pid, start ticks): a new
 * task with a reused pid retires the previous one and gets a new _id.
 * A forked process inherits its parent's descriptors (fdinherit.h); the
 * EXIT of a leader whose process made threads waits for an EXEC of its pid
 * (a thread's exec, dethread.h) until the next sweep. */
#ifndef GODO_LIFECYCLE_H
#define GODO_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>

#include "procconn.h"
#include "sysevent.h"
#include "tracker.h"

void lifecycle_fork(struct tracker *tr, const struct procconn_event *ev);
void lifecycle_exec(struct tracker *tr, const struct procconn_event *ev);
void lifecycle_exit(struct tracker *tr, const struct procconn_event *ev);
/* A task from root/tgid/task/tid/stat; source (NULL: none) makes it
 * recorded when it is in the tree. NULL when it is gone or the table is
 * full. */
struct task *lifecycle_from_proc(struct tracker *tr, int32_t tgid, int32_t tid,
                                 const char *source);
/* Is pid a live (or recently exited) task at stream time ns? When false,
 * the caller may read the connector first: a FORK may be on its way. */
bool lifecycle_known(struct tracker *tr, int32_t pid, int64_t ns);
/* The process an audit event of pid at ns belongs to: the known one, else
 * one read from /proc (a drop "unattributed" when gone too). An event
 * older than the task now holding pid belongs to its previous incarnation
 * when godo still has it, else it is a drop "pid_reused" (NULL): a write
 * is never attributed to a process that started after it. */
struct task *lifecycle_for_audit(struct tracker *tr, int32_t pid, int64_t ns);
/* A successful execve seen by audit: daemons, runtime hints, the exec. */
void lifecycle_execve(struct tracker *tr, struct task *k,
                      const struct sysevent *ev);
/* The copy of child's descriptor table when it is pending (fdinherit.h):
 * at the parent's clone audit event or the child's first. */
void lifecycle_inherit(struct tracker *tr, int32_t child);
/* The parent's clone audit event (exit: the child's pid in the parent's
 * pid namespace, not the host's): the pending copy or share of that
 * child, or of the one child of that parent pending; clone's flags say
 * whether the table is shared (kcmp could not tell a child gone fast). */
void lifecycle_clone(struct tracker *tr, const struct sysevent *ev);
/* Has the FORK of the child a successful clone event returned been read?
 * When false, the caller reads the connector first: under a fork storm
 * the connector's queue may hold the FORK behind more than one read's
 * budget, and a clone that finds no pending fork cannot say whether the
 * child shares its parent's table (a child gone fast cannot be asked). */
bool lifecycle_clone_known(struct tracker *tr, const struct sysevent *ev);
/* k has done something recorded (source: what). */
void lifecycle_recorded(struct tracker *tr, struct task *k, const char *source);
/* Periodic: write due documents, retire tasks exited grace_ms ago. */
void lifecycle_sweep(struct tracker *tr);
/* At exit: the files of exited tasks closed ("exit")... */
void lifecycle_close_exited(struct tracker *tr);
/* ...and, last, every pending or due document written. */
void lifecycle_write_all(struct tracker *tr);

#endif
