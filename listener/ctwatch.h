/* ctwatch.h - the containers whose identity godo records: one entry per
 * container id seen (bounded table), read from Docker's files (ctinfo.h)
 * the moment the id is first seen, then re-read when those files change
 * (rename, restart: a cheap stat signature, checked every
 * CTWATCH_RECHECK_MS), written as a containers document per change through
 * writeback. Files not there yet are retried CTWATCH_ATTEMPTS times with a
 * growing delay from the loop's tick: nothing here blocks or sleeps.
 * Refused files (ctinfo.h) and ids never found are logged, counted and
 * become gaps ("container_refused", "container_missing").
 *
 * The data roots are those of the dockerd processes godo knows
 * (ctwatch_daemon), the default one (daemon.json or /var/lib/docker)
 * last; an id is looked for under each, so a host with two dockerd
 * works. No clock: times are the caller's. */
#ifndef GODO_CTWATCH_H
#define GODO_CTWATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "writeback.h"

#define CTWATCH_MAX 1024
#define CTWATCH_ROOTS_MAX 8
#define CTWATCH_ATTEMPTS 8
#define CTWATCH_RETRY_MS 250    /* first retry; doubles, up to 8 s */
#define CTWATCH_RECHECK_MS 2000 /* signature check of a found container */
#define CTWATCH_CHECKS_MAX 128  /* signature checks per tick */
#define CTWATCH_SCAN_MS 5000    /* daemons looked for again, at most */

struct ctwatch_stats {
	uint64_t docs;    /* containers documents written */
	uint64_t refused; /* hostile or unreadable files refused */
	uint64_t missing; /* ids whose files were never found */
	uint64_t evicted; /* entries dropped for a new id (table full) */
};

struct ctwatch;

/* proc_root and daemon_json (NULL: CTINFO_DAEMON_JSON) are borrowed for
 * cw's lifetime. NULL when out of memory (logged). */
struct ctwatch *ctwatch_new(const char *proc_root, const char *daemon_json);
void ctwatch_free(struct ctwatch *cw);
/* pid is a dockerd (or may be: its cmdline says): its data root joins the
 * roots looked under. */
void ctwatch_daemon(struct ctwatch *cw, int32_t pid);
/* Should the caller look for dockerd processes again (ctwatch_daemon for
 * each)? True at the start and, while ids are unresolved, every
 * CTWATCH_SCAN_MS. Notes the scan as done. *first: the first scan, when
 * the caller also reports the containers of the tasks it already knows
 * (ctwatch_seen: those found at start by the snapshot). */
bool ctwatch_want_scan(struct ctwatch *cw, uint64_t now_ms, bool *first);
/* A task of container id (64 lowercase hex) was seen: a new id is read
 * now; a known one is checked for a change at the next tick. */
void ctwatch_seen(struct ctwatch *cw, struct writeback *wb, const char *id,
                  uint64_t now_ms, int64_t now_ns);
/* Retries, change checks and the gaps of what was refused or missing. */
void ctwatch_tick(struct ctwatch *cw, struct writeback *wb, uint64_t now_ms,
                  int64_t now_ns);
void ctwatch_get_stats(const struct ctwatch *cw, struct ctwatch_stats *out);

#endif
