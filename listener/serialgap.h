/* serialgap.h - records that never reached godo, found by their serial
 * numbers. Every kernel audit event takes the next serial of one counter
 * (per boot), so where godo reads without backpressure (the multicast
 * group, an auditd plugin's queue) a serial that never shows up is an event
 * dropped for godo alone. Events are queued out of order across CPUs: a
 * serial skipped over is only pending at first, and counted as missing
 * once it has not arrived within window_ms. Serials compare with RFC 1982
 * arithmetic on their low 32 bits (reasm_serial_before). Fixed memory
 * (SERIALGAP_PEND pending serials; a jump larger than the free room counts
 * the excess as missing at once); time is the caller's monotonic ms; pure
 * logic, no clock, no I/O, nothing logged. */
#ifndef GODO_SERIALGAP_H
#define GODO_SERIALGAP_H

#include <stdbool.h>
#include <stdint.h>

#define SERIALGAP_PEND 4096 /* skipped serials waiting for a late arrival */
/* A jump further than this is not a drop but a new counter (a log of
 * another boot, a restarted daemon): no serial is counted. */
#define SERIALGAP_JUMP_MAX (1u << 24)

struct serialgap {
	bool have;                     /* a serial was seen */
	uint32_t high;                 /* the highest serial seen */
	uint64_t window_ms;            /* how long a skipped one may be late */
	uint32_t pend[SERIALGAP_PEND]; /* skipped serials, ascending */
	uint64_t pend_ms[SERIALGAP_PEND]; /* when each was skipped */
	unsigned int head, n;             /* the ring: oldest at head */
	uint64_t missing;                 /* counted missing, total */
	uint64_t late;                    /* skipped, then arrived in time */
	uint64_t resets;                  /* jumps beyond SERIALGAP_JUMP_MAX */
};

void serialgap_init(struct serialgap *g, uint64_t window_ms);
/* A record with this serial arrived at now_ms. Returns the serials counted
 * missing by this call (a jump beyond the pending room), usually 0. */
uint64_t serialgap_see(struct serialgap *g, uint64_t serial, uint64_t now_ms);
/* Counts as missing every pending serial skipped at least window_ms before
 * now_ms (all of them when flush). Returns how many. */
uint64_t serialgap_tick(struct serialgap *g, uint64_t now_ms, bool flush);

#endif
