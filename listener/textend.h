/* textend.h - where an event ends in text input. The kernel ends a
 * multi-record event with an EOE record, but auditd's log files have none
 * (and a plugin may not get them): there an event is complete when records
 * of other serials have followed it, or after a quiet time, or at the end
 * of the input. This tracks the serials of syscall-class records (types
 * 1300-1399 but EOE, those reasm holds open) still open and says which to
 * close, oldest first, by calling end() with a synthetic EOE payload
 * ("audit(SEC.MS:SERIAL): "), which the caller hands to reasm_add as
 * RECORD_EOE. A real EOE closes its serial as well (the caller passes it
 * to reasm itself). depth: serials that may be open at once (records of
 * concurrent events interleave, on disk too); the least recent beyond it
 * is closed. Fixed memory; time is the caller's monotonic ms. */
#ifndef GODO_TEXTEND_H
#define GODO_TEXTEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define TEXTEND_DEPTH_MAX 64

typedef void textend_fn(const char *eoe, size_t len, void *arg);

struct textend_open {
	uint64_t serial, sec;
	uint32_t msec;
	uint64_t last_ms; /* the last record of this serial */
};

struct textend {
	struct textend_open open[TEXTEND_DEPTH_MAX]; /* oldest first */
	unsigned int n, depth;
	uint64_t quiet_ms; /* 0: no closing by time */
	textend_fn *end;
	void *arg;
	uint64_t closed; /* synthetic EOEs given */
};

/* depth 1..TEXTEND_DEPTH_MAX (clamped). */
void textend_init(struct textend *e, unsigned int depth, uint64_t quiet_ms,
                  textend_fn *end, void *arg);
/* A parsed record was handed to reasm (call after reasm_add). */
void textend_see(struct textend *e, const struct record *rec, uint64_t now_ms);
/* Closes the serials quiet for quiet_ms (all when flush). */
void textend_tick(struct textend *e, uint64_t now_ms, bool flush);

#endif
