/* reasm.h - audit records in, whole events out, keyed by serial number.
 * Fed by auditsock with each record as received (netlink type + payload);
 * feeds sysevent_decode() through a callback. Records of different events
 * interleave (kernel-interfaces.md 1.4), so open events sit in a fixed table
 * of slots found by a small hash on the serial. An event is complete at EOE
 * (1320); record types outside 1300-1399 are events of their own, emitted at
 * once; AUDIT_REPLACE (1329, binary) is dropped. An event whose EOE never
 * comes is emitted as partial once no record arrived for age_ms, or when
 * the table is full and it is the least recently touched one. The table is
 * taken in reasm_new(); reasm_add() copies the record in (the netlink buffer
 * is reused) into its event's own buffer, allocated when the event opens,
 * doubled as it grows up to slot_bytes, freed when the event is emitted; all
 * those buffers together stay within a byte cap (reasm_set_cap): to make
 * room, the least recently touched events are emitted (REASM_END_FULL).
 * An event that outgrows its slot keeps its first records (3/4 of the
 * slot) and its most recent ones (the last 1/4, a FIFO): the ones between
 * are dropped and counted (oversize, ev->dropped), so a huge EXECVE keeps
 * its last argument chunks. Time is whatever the caller passes as
 * now_ms (monotonic ms): nothing here reads a clock. */
#ifndef GODO_REASM_H
#define GODO_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define REASM_SLOTS 256
#define REASM_SLOT_BYTES (64 * 1024)
#define REASM_AGE_MS 2000
#define REASM_SHARE_DIV 4 /* default share: slots / 4 per owner */

/* Serial arithmetic (RFC 1982) on the low 32 bits: a is before b when b is
 * less than 2^31 ahead of a, so 0xffffffff is before 0 and 1. Equal
 * serials are not before each other. */
static inline bool
reasm_serial_before(uint64_t a, uint64_t b)
{
	uint32_t d = (uint32_t)b - (uint32_t)a;

	return d != 0 && d < 0x80000000u;
}

/* How an event left the table. Every end but REASM_END_EOE,
 * REASM_END_SINGLE and REASM_END_ALONE is partial and is a gap for the
 * caller. */
enum reasm_end {
	REASM_END_EOE,    /* complete: its EOE arrived */
	REASM_END_SINGLE, /* a stand-alone record type, complete by itself */
	REASM_END_AGED,   /* no record for age_ms */
	REASM_END_FLOOD,  /* its owner opened more than its share */
	REASM_END_FULL,   /* table full, least recently touched */
	REASM_END_FLUSH,  /* reasm_flush (shutdown) */
	/* complete: aged or flushed holding only records the kernel also
	 * logs on their own, outside a syscall event (godo's and auditctl's
	 * CONFIG_CHANGE, SECCOMP, BPF...): no EOE ever follows those */
	REASM_END_ALONE,
};

struct reasm; /* opaque */

/* Borrowed by the callback: rec[] and the bytes it points to are valid
 * only until the callback returns. rec[] is in arrival order, without the
 * EOE record. */
struct reasm_event {
	uint64_t serial;
	const struct record *rec;
	unsigned int nrec;
	bool partial;   /* aged out, evicted or flushed: no EOE seen */
	bool truncated; /* records were dropped: the event outgrew its slot */
	enum reasm_end end;
	uint32_t owner;   /* pid= of the first record; 0: none */
	uint32_t dropped; /* records dropped between head and tail */
};

/* Called for every finished event. It must not call back into the same
 * reasm (reasm_add, reasm_tick, reasm_flush, reasm_free). */
typedef void reasm_emit_fn(const struct reasm_event *ev, void *arg);

struct reasm_stats {
	uint64_t records; /* accepted by reasm_add */
	uint64_t events;  /* emitted, complete or not */
	/* emitted without EOE; always aged + flood + evicted + flushed */
	uint64_t partial;
	uint64_t aged;         /* of those, idle for age_ms */
	uint64_t flood;        /* of those, pushed out by their owner's share */
	uint64_t evicted;      /* of those, pushed out by a full table */
	uint64_t flushed;      /* of those, emitted by reasm_flush */
	uint64_t alone;        /* complete without EOE: records on their own */
	uint64_t oversize;     /* records dropped: no room left in the slot */
	uint64_t bad;          /* records dropped: no audit(...) header */
	uint64_t orphan_eoe;   /* EOE for an event not (or no longer) open */
	unsigned int open;     /* events open now */
	unsigned int open_max; /* high-water mark of open */
	unsigned int share;    /* open events one owner may hold */
	uint64_t bytes;        /* held by open events' buffers now */
	uint64_t bytes_high;   /* high-water mark of bytes */
	uint64_t bytes_cap;    /* the cap on bytes (reasm_set_cap) */
};

/* slots: open events at most (>= 1); slot_bytes: record bytes per event
 * (>= 1024); age_ms: idle time after which an open event is emitted as
 * partial. NULL, logged, when out of memory or a parameter is out of
 * range. The caller owns the result (reasm_free). */
struct reasm *reasm_new(unsigned int slots, size_t slot_bytes, uint64_t age_ms,
                        reasm_emit_fn *emit, void *arg);
/* Sets the share: open events one owner may hold, 1..slots (slots: no
 * cap). -1, logged, when out of range. */
int reasm_set_share(struct reasm *r, unsigned int share);
/* Caps the bytes all open events' buffers may hold (default: slots full
 * slots). -1, logged, when below one full slot. */
int reasm_set_cap(struct reasm *r, uint64_t bytes);
/* Adds one record (payload[0..len), not NUL-terminated; copied). May call
 * emit: for a stand-alone record, at EOE, to push out the owner's oldest
 * event when the owner is at its share, or to evict the least recently
 * touched event when the table is full. Returns 0 when the record was taken
 * or deliberately ignored (1329), -1 when it was dropped: no parsable
 * header (counted as bad), longer than a slot's tail or refused by the cap
 * or malloc (counted as oversize, the event is marked truncated). Records
 * dropped from the tail to make room are counted as oversize too. */
int reasm_add(struct reasm *r, uint16_t type, const char *payload, size_t len,
              uint64_t now_ms);
/* A clock for reasm's now_ms that skips the caller's stalls: *clock
 * advances by the time since *prev (the last reading, 0: none), at most
 * step_ms per call. A loop that stalled seconds in a store write must not
 * age events whose end records wait in the socket meanwhile. */
static inline void
reasm_clock_advance(uint64_t *clock, uint64_t *prev, uint64_t now,
                    uint64_t step_ms)
{
	uint64_t d = *prev != 0 && now > *prev ? now - *prev : 0;

	*clock += d > step_ms ? step_ms : d;
	*prev = now;
}

/* Emits as partial every event idle for at least age_ms at now_ms. */
void reasm_tick(struct reasm *r, uint64_t now_ms);
/* Emits every open event as partial (shutdown). */
void reasm_flush(struct reasm *r);
void reasm_stats(const struct reasm *r, struct reasm_stats *st);
/* Frees without emitting; call reasm_flush() first to keep the events. */
void reasm_free(struct reasm *r);

#endif
