/* source.h - where godo's audit records come from (-source=): unicast
 * (godo is the registered audit daemon, records from auditsock), multicast
 * (auditsock's read-only group beside the daemon) or stdin (godo as an
 * auditd plugin: text records, listener/textrec.h). Every record passes
 * here on its way to the caller's record function (main: -diag and
 * reassembly): where there is no backpressure (multicast, stdin) missing
 * serial numbers are counted (listener/serialgap.h); text input gets
 * synthetic end-of-event records (listener/textend.h). Also what godo
 * says and decides at start beside a daemon: who the daemon is and whether
 * godo's rules are loaded. The handle borrows the record function; time is
 * the caller's monotonic ms. */
#ifndef GODO_SOURCE_H
#define GODO_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "auditsock.h"
#include "rules.h"
#include "serialgap.h"
#include "textend.h"
#include "textrec.h"

enum source_kind { SOURCE_UNICAST, SOURCE_MULTICAST, SOURCE_STDIN };

#define SOURCE_SERIAL_WINDOW_MS 2000 /* a skipped serial may be this late */
#define SOURCE_TEXT_DEPTH 8          /* serials open at once in text input */
#define SOURCE_TEXT_QUIET_MS 500     /* a live text event ends after this */
#define SOURCE_READ_MAX (256 * 1024) /* text bytes per source_read_text */

/* -source's value; -1 when it is none of unicast, multicast, stdin. */
int source_kind_parse(const char *s, enum source_kind *k);
const char *source_kind_name(enum source_kind k);
/* The auditsock mode of a source. */
enum auditsock_mode source_audit_mode(enum source_kind k);

struct source {
	enum source_kind kind;
	auditsock_record_fn *fn; /* where records go */
	void *arg;
	uint64_t now_ms;
	struct serialgap sg;
	struct textend te;
	struct textrec *tr; /* stdin only */
	int fd;             /* text input (stdin); -1 otherwise */
	bool eof;
	uint64_t missing; /* serials counted missing, not yet taken */
};

/* fd: the text input for SOURCE_STDIN (made non-blocking), else ignored.
 * -1, logged, when out of memory or fd cannot be made non-blocking. */
int source_init(struct source *s, enum source_kind k, int fd,
                auditsock_record_fn *fn, void *arg);
void source_fini(struct source *s);
/* The auditsock callback (arg: the source): counts serials, passes on. */
void source_record(uint16_t type, const char *payload, size_t len, void *arg);
/* Reads what the text input holds (up to SOURCE_READ_MAX bytes). Returns
 * records handed on; sets eof at the end of input (then everything open is
 * closed); -1, logged, on a read error (treated as the end). */
ssize_t source_read_text(struct source *s, uint64_t now_ms);
/* Time passes: quiet text events end, late serials become missing. */
void source_tick(struct source *s, uint64_t now_ms);
/* End: every open text event and pending serial is settled. */
void source_finish(struct source *s);
/* Serials counted missing since the last call (then 0). */
uint64_t source_take_missing(struct source *s);

/* Beside a daemon (multicast, stdin): says who holds the daemon role
 * (found: auditsock_found) and decides godo's rules. Compared with the
 * kernel's list: godo's table as `godo -rules` prints it (pid 0, with
 * exclude_exe or without), loaded by the daemon's rules.d. Loaded: *found
 * gets that set (to compare with, never removed). Not loaded and install:
 * godo installs its own (ro: pid!= godo) into *own, to be removed at exit.
 * Not loaded, no install: a warning, both NULL. -1, logged, when the
 * kernel's list cannot be read or nothing could be installed. */
int source_rules(int ctl, const struct auditsock_status *found,
                 const struct rules_opts *ro, bool install,
                 struct rules **found_rs, struct rules **own);

#endif
