/* godo.h - the daemon's state, one struct for main.c's loop and
 * startup.c's setup (nothing else sees it): what is open, the loop's
 * clocks, the tallies written as gaps. */
#ifndef GODO_GODO_H
#define GODO_GODO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "auditsock.h"
#include "chain.h"
#include "core.h"
#include "digest.h"
#include "membudget.h"
#include "options.h"
#include "procconn.h"
#include "procfs.h"
#include "reasm.h"
#include "rules.h"
#include "rules_excl.h"
#include "source.h"
#include "store.h"
#include "sysevent.h"
#include "tamper.h"
#include "writeback.h"

#define PROCCONN_BUDGET 4096
#define CONN_ROUNDS 16 /* connector reads for one audit event's FORK */
#define AUDIT_BUDGET 1024
#define FLUSH_MS 200
#define GODO_REASM_SLOTS 1024
#define GODO_REASM_SLOT_BYTES (64 * 1024)
#define GODO_REASM_AGE_MS 2000
#define GODO_REASM_BYTES (4 * 1024 * 1024) /* open events' buffers, all */
#define REASM_STEP_MS 250   /* the most reassembly's clock moves per turn */
#define CLOCK_SYNC_MS 60000 /* follow steps of the wall clock */
#define STATUS_MS 1000
#define HEARTBEAT_MS 10000

struct prochelp;

struct godo {
	struct options o;
	struct store *store;
	struct writeback wb;
	struct chain chain;
	struct digest_key chain_key;
	char chain_head_path[4096];
	struct core *core;
	struct auditsock *asrc;
	struct procconn *conn;
	struct rules *rules;          /* godo's own, removed at exit */
	struct rules *found_rules;    /* beside a daemon: its copy of godo's */
	struct audit_rule_data *excl; /* rules_excl.h; NULL: none added */
	struct source src;
	struct gap_tally serial_gap; /* multicast, stdin: missing serials */
	struct reasm *reasm;
	struct sysevent_dec *dec;
	struct sysevent *ev;
	FILE *diag;
	char diagbuf[16 + 8970 + 64];
	int ep, sigfd, timerfd;
	uint64_t now_ms; /* the loop's clock, read once per iteration */
	/* Reassembly's clock: the loop's, less stalls (a slow store write),
	 * so an event whose end waits in the socket is not aged out. */
	uint64_t reasm_ms;
	bool audit_backlog; /* the last read stopped at its budget */
	int64_t now_ns;     /* the wall clock at the same moment */
	uint64_t last_flush_ms, last_status_ms, last_stats_ms;
	uint64_t last_clock_ms, last_beat_ms;
	int64_t last_status_ns;
	uint64_t lost_total, stat_records, stat_events;
	struct tamper tamper;
	struct gap_tally reasm_gap[REASM_END_FLUSH + 1]; /* partial events */
	struct gap_tally reasm_cut; /* records dropped from long events */
	struct membudget docs;      /* documents kept in memory (wbdoc.h) */
	bool stop;
	char host[256], boot_id[PROCFS_BOOT_ID_LEN + 1];
	char store_exe[4096];
	uint32_t own_sid; /* ownsess.h: godo's audit session; 0: none */
	int64_t start_ns;
	struct prochelp *ph; /* -privsep: the proc helper (prochelp.h) */
};

#endif
