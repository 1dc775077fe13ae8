/* replay.h - auditd logs offline (-replay=FILE, repeatable; "-" for
 * standard input; gzip read by zlib, whatever the suffix): the records go
 * through textrec, textend (no EOE on disk), the same reassembly, decoder
 * and core as live, and the core writes the same documents; then godo exits.
 * There is no proc connector and no /proc of those tasks (the core's proc
 * root is an empty directory): a task's fork is synthesized from the record
 * that first names its pid (pid=, ppid= of its SYSCALL record), at the time
 * of its parent's clone/fork/vfork record when that came first (exit = the
 * child's pid), else at that first record's time (a process that started
 * before the log: counted, written as a "replay_started_before" gap from
 * the log's start, its document's source REPLAY_BEFORE); an exit from its
 * exit_group record (a0 = status; a task killed by a signal has none and is not
 * given one). Threads are not seen (their records carry the process's pid).
 * Container ids come from the runtime's command lines (container.c: runc and
 * containerd-shim name the container), the host from node= (else -host), times
 * from the records; the boot id is not in the log: "replay-" and the first
 * record's second. Records that do not parse are counted and logged with their
 * line numbers (textrec.h). Every process is recorded (the Docker daemons' own
 * start is usually before the log). Chained as a run of its own, named
 * <host>:<boot id>:replay-<pid>-<wall ns>:<first record ns>: the same log
 * replayed twice into one database is two runs, both verifying. */
#ifndef GODO_REPLAY_H
#define GODO_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "digest.h"
#include "options.h"

#define REPLAY_CLONES 4096 /* recent clone records kept for fork times */
/* pids source of a process that started before the log (its start_ns is
 * its first record's time) */
#define REPLAY_BEFORE "replay_before"

struct replay_opts {
	const char *const *files; /* nfiles paths, "-": standard input */
	int nfiles;
	const char *mongo, *db, *host; /* host: NULL: node= or "replay" */
	uint64_t proc_cap, fd_cap;
	const struct digest_key *chain_key; /* NULL: SHA-256 */
	bool no_chain;                      /* -no-chain */
};

struct replay_stats {
	uint64_t lines, records, refused, cut, events;
	uint64_t forks;          /* synthesized from a clone record's time */
	uint64_t started_before; /* first seen without a clone record */
	uint64_t exits;          /* from exit_group records */
};

/* Reads every file in order, writes the documents, flushes the store.
 * 0 when every file was read (refused lines are not an error), -1 (logged)
 * when a file cannot be opened or the store cannot be set up. */
int replay_run(const struct replay_opts *o, struct replay_stats *st);
/* godo -replay: replay_run with the command line's settings; the exit
 * status (0 done, 1 failed, logged). */
int replay_main(const struct options *o);

#endif
