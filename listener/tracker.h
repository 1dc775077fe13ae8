/* tracker.h - what the listener's logic knows and shares, in one struct
 * passed explicitly: the task table, the open-file table, the write-back
 * module, the clocks the caller gave, counters and scratch buffers. The
 * concern modules (lifecycle, container, pathop, snapshot) each take a
 * struct tracker; core.c dispatches events to them. Nothing here reads a
 * clock or /proc: times come from core_set_now/core_set_clock, /proc is
 * opts.proc_root. */
#ifndef GODO_TRACKER_H
#define GODO_TRACKER_H

#include <stdbool.h>
#include <stdint.h>

#include "ctwatch.h"
#include "daemonid.h"
#include "dethread.h"
#include "fdgroup.h"
#include "fdinherit.h"
#include "fdtab.h"
#include "membudget.h"
#include "proctab.h"
#include "rootcache.h"
#include "schema.h"
#include "util.h"
#include "writeback.h"

struct tracker_opts {
	bool all;              /* record every process, not only Docker's */
	uint32_t proc_cap;     /* proctab capacity */
	uint32_t fd_cap;       /* fdtab capacity */
	uint32_t grace_ms;     /* keep exited tasks this long for late events */
	const char *proc_root; /* "/proc", or a test's directory */
	uint64_t mem_limit;    /* bytes the tables may hold (0: no bound) */
	const char *daemon_exe; /* a daemon's exe trusted without its socket
	                         * (daemonid.h); NULL: none */
	/* Do two processes share their descriptor table? 1, 0, -1 unknown
	 * (NULL: fdgroup_kcmp with the live /proc, else unknown; tests give
	 * their own). */
	int (*files_shared)(int32_t a, int32_t b);
};

/* Causes of drops, each its own gap source (docs/schema.md). */
enum tracker_drop {
	DROP_PROC_TABLE,   /* "proc_table": a task not tracked, table full */
	DROP_FD_TABLE,     /* "fd_table": an open refused or evicted */
	DROP_MEM_LIMIT,    /* "mem_limit": refused by the memory budget */
	DROP_UNATTRIBUTED, /* "unattributed": an event of an unknown pid */
	DROP_PID_REUSED, /* "pid_reused": an event older than its pid's task */
	DROP_SETNS,    /* "setns_unresolved": a host task entered namespaces but
	                * was gone before godo could compare them (scope.h) */
	DROP_FD_SHARE, /* "fd_share": a CLONE_FILES child got a copy of its
	                * parent's table, the shared-table map full */
	DROP_NCAUSES
};

/* The kernel's clocks as offsets, measured by the caller. */
struct tracker_clock {
	int64_t real_mono; /* REALTIME - MONOTONIC, ns */
	int64_t real_boot; /* REALTIME - BOOTTIME, ns */
	long hz;           /* USER_HZ: /proc start times are in these ticks */
};

struct tracker_stats {
	uint64_t cn_events, audit_events;
	uint64_t unattributed; /* audit events for a pid godo could not find */
	uint64_t daemons;      /* dockerd/containerd seen */
	uint64_t roots;        /* usermode helpers, host tasks that setns */
	uint64_t files_closed, ops;
	uint64_t drops[DROP_NCAUSES]; /* by cause, since start */
};

struct tracker {
	struct tracker_opts o;
	struct writeback *wb;
	struct proctab *pt;
	struct fdtab *ft;
	struct ctwatch *cw; /* container identities (ctwatch.h) */
	char boot_id[40];
	struct tracker_clock clk;
	uint64_t now_ms; /* monotonic ms of the loop's iteration */
	int64_t now_ns;  /* wall ns of the same instant */
	/* Stream clocks: the time of the latest connector message and audit
	 * event handled. Age rules use them, not the wall clock, so a godo
	 * that lags behind the kernel does not write everything early. */
	int64_t cn_ns, audit_ns;
	uint64_t audit_ms; /* now_ms when the last audit event came */
	struct tracker_stats st;
	uint32_t scan;                        /* /proc scans taken */
	struct membudget budget;              /* -mem-limit */
	struct gap_tally tally[DROP_NCAUSES]; /* drops not yet in a gap */
	struct fdinherit inh;   /* forks whose descriptors are not copied yet */
	struct fdgroup groups;  /* processes sharing a descriptor table */
	struct task opener;     /* scratch: tracker_file_owner's answer */
	struct dethread dt;     /* leader exits that may be a thread's exec */
	struct rootcache roots; /* task roots held open (pathres) */
	/* daemon candidates waiting for their API socket (scope.h) */
	struct daemonid_cand cand[DAEMONID_CAND_MAX];
	char pathbuf[PATH_MAX_BYTES + 1], pathbuf2[PATH_MAX_BYTES + 1];
	char args[ARGS_MAX_BYTES];
	struct str argv[ARGS_MAX_COUNT];
};

/* Builds the tables (their hooks write through wb). opts.proc_root and
 * boot_id are copied or borrowed for tr's lifetime (proc_root borrowed).
 * -1 when out of memory (logged). */
int tracker_init(struct tracker *tr, struct writeback *wb,
                 const struct tracker_opts *o, const char *boot_id);
/* Frees the tables; what a released task holds is written first. */
void tracker_fini(struct tracker *tr);
/* A task's slot is reused or freed (the proctab hook; arg: the tracker),
 * or godo stops: nothing recorded may be lost with it. What is pending or
 * due is written (container settled first), its document freed. */
void tracker_release_task(struct task *k, void *arg);
/* n drops of cause at ns: counted, and a gap at the next
 * tracker_write_gaps. */
void tracker_drop(struct tracker *tr, enum tracker_drop cause, int64_t ns,
                  uint64_t n);
/* The gap source of cause. */
const char *tracker_drop_source(enum tracker_drop cause);
/* One gaps document per cause with drops since the last call. */
void tracker_write_gaps(struct tracker *tr);
/* Does godo record k (a Docker task, or -all)? */
bool tracker_recorded(const struct tracker *tr, const struct task *k);
/* The process that opened f (its documents' process): godo's task while
 * it has it, else a copy of holder with the opener's pid and _id (valid
 * until the next call). */
const struct task *tracker_file_owner(struct tracker *tr,
                                      const struct openfile *f,
                                      const struct task *holder);
/* k->id = "<boot_id>:<pid>:<start_ticks>". */
void tracker_set_id(const struct tracker *tr, struct task *k);
/* Start ticks (USER_HZ since boot) as wall ns. */
int64_t tracker_ticks_to_wall(const struct tracker *tr, uint64_t ticks);
/* A MONOTONIC ns time (the connector's) as wall ns and as boot ticks. */
int64_t tracker_mono_to_wall(const struct tracker *tr, uint64_t mono_ns);
uint64_t tracker_mono_to_ticks(const struct tracker *tr, uint64_t mono_ns);

#endif
