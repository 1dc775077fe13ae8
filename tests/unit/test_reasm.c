/* test_reasm.c - reassembly by serial over captured audit streams
 * (tests/data/audit/): interleaving, missing EOE, stand-alone types, a full
 * table, oversize records, garbage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "log.h"
#include "reasm.h"
#include "record.h"
#include "sysevent.h"

#define MAXEV 4096

struct seen {
	uint64_t serial;
	unsigned int nrec;
	bool partial, truncated;
	bool same_serial; /* every record carries the event's serial */
	uint16_t first_type;
	size_t bytes;
};

struct sink {
	struct seen ev[MAXEV];
	unsigned int n;
};

static void
sink_emit(const struct reasm_event *ev, void *arg)
{
	struct sink *s = arg;
	struct seen *e;
	unsigned int i;

	assert_true(s->n < MAXEV);
	e = &s->ev[s->n++];
	memset(e, 0, sizeof(*e));
	e->serial = ev->serial;
	e->nrec = ev->nrec;
	e->partial = ev->partial;
	e->truncated = ev->truncated;
	e->same_serial = true;
	e->first_type = ev->nrec > 0 ? ev->rec[0].type : 0;
	for (i = 0; i < ev->nrec; i++) {
		if (ev->rec[i].serial != ev->serial)
			e->same_serial = false;
		assert_int_not_equal(ev->rec[i].type, RECORD_EOE);
		e->bytes += ev->rec[i].payload.n;
	}
}

static const struct seen *
sink_find(const struct sink *s, uint64_t serial)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		if (s->ev[i].serial == serial)
			return &s->ev[i];
	return NULL;
}

/* Per-serial record counts of a fixture (EOE excluded), to check against. */
struct tally {
	uint64_t serial[MAXEV];
	unsigned int nrec[MAXEV];
	unsigned int n;
	bool interleaved; /* some serial's records are not contiguous */
};

/* Feeds every record line of a fixture to r at now_ms; tallies when t is
 * given. Returns the number of records fed. */
static unsigned int
feed(struct reasm *r, const char *name, uint64_t now_ms, struct tally *t)
{
	size_t len, i;
	char *buf = fixture_read(name, &len), *line, *nl;
	unsigned int n = 0;
	uint64_t prev = UINT64_MAX;
	struct record rec;
	struct str pl;
	uint16_t type;

	if (t != NULL)
		memset(t, 0, sizeof(*t));
	for (line = buf; line < buf + len; line = nl + 1) {
		nl = memchr(line, '\n', len - (size_t)(line - buf));
		if (nl == NULL)
			nl = buf + len;
		if (record_parse_line(line, (size_t)(nl - line), &type, &pl) !=
		    0)
			continue;
		assert_int_equal(reasm_add(r, type, pl.p, pl.n, now_ms), 0);
		n++;
		if (t == NULL)
			continue;
		assert_int_equal(record_parse(&rec, type, pl.p, pl.n), 0);
		for (i = 0; i < t->n && t->serial[i] != rec.serial; i++)
			;
		if (i == t->n) {
			assert_true(t->n < MAXEV);
			t->serial[t->n++] = rec.serial;
		} else if (rec.serial != prev) {
			t->interleaved = true;
		}
		if (type != RECORD_EOE)
			t->nrec[i]++;
		prev = rec.serial;
	}
	/* reasm copied everything: scribble over the input */
	memset(buf, 'X', len);
	free(buf);
	return n;
}

static struct sink *
sink_new(void)
{
	struct sink *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	return s;
}

/* A real docker run slice: records of different serials interleave; every
 * event comes out whole, once, in one piece, none partial. */
static void
test_reasm_interleaved_serials_complete(void **state)
{
	struct sink *s = sink_new();
	struct tally *t = calloc(1, sizeof(*t));
	struct reasm *r;
	struct reasm_stats st;
	unsigned int i;
	const struct seen *e;

	(void)state;
	assert_non_null(t);
	r = reasm_new(REASM_SLOTS, REASM_SLOT_BYTES, REASM_AGE_MS, sink_emit,
	              s);
	assert_non_null(r);
	feed(r, "interleaved.log", 1000, t);
	assert_true(t->interleaved);
	assert_int_equal(s->n, t->n);
	for (i = 0; i < t->n; i++) {
		e = sink_find(s, t->serial[i]);
		assert_non_null(e);
		assert_false(e->partial);
		assert_false(e->truncated);
		assert_true(e->same_serial);
		assert_int_equal(e->nrec, t->nrec[i]);
	}
	reasm_stats(r, &st);
	assert_int_equal(st.events, t->n);
	assert_int_equal(st.partial, 0);
	assert_int_equal(st.open, 0);
	assert_true(st.open_max >= 2);
	reasm_free(r);
	free(t);
	free(s);
}

/* Serial 341 lost its EOE: 342 completes, 341 waits until it was idle for
 * age_ms, then comes out partial with all its records. */
static void
test_reasm_no_eoe_ages_out(void **state)
{
	struct sink *s = sink_new();
	struct reasm *r;
	struct reasm_stats st;
	const struct seen *e;

	(void)state;
	r = reasm_new(16, 64 * 1024, 2000, sink_emit, s);
	assert_non_null(r);
	feed(r, "missing_eoe.log", 5000, NULL);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->ev[0].serial, 342);
	assert_false(s->ev[0].partial);
	reasm_tick(r, 5000 + 1999);
	assert_int_equal(s->n, 1);
	reasm_tick(r, 4000); /* a clock going back changes nothing */
	assert_int_equal(s->n, 1);
	reasm_tick(r, 5000 + 2000);
	assert_int_equal(s->n, 2);
	e = &s->ev[1];
	assert_int_equal(e->serial, 341);
	assert_true(e->partial);
	assert_int_equal(e->nrec, 5); /* SYSCALL CWD PATH PATH PROCTITLE */
	assert_int_equal(e->first_type, 1300);
	reasm_stats(r, &st);
	assert_int_equal(st.partial, 1);
	assert_int_equal(st.evicted, 0);
	assert_int_equal(st.open, 0);
	reasm_free(r);
	free(s);
}

/* The last record refreshes the age: an event still receiving records is
 * not aged out. */
static void
test_reasm_age_counts_from_last_record(void **state)
{
	static const char a[] = "audit(1.000:7): cwd=\"/\"";
	static const char b[] = "audit(1.000:7): item=0 name=\"/\"";
	struct sink *s = sink_new();
	struct reasm *r = reasm_new(4, 4096, 100, sink_emit, s);

	(void)state;
	assert_non_null(r);
	assert_int_equal(reasm_add(r, 1307, a, sizeof(a) - 1, 0), 0);
	assert_int_equal(reasm_add(r, 1302, b, sizeof(b) - 1, 90), 0);
	reasm_tick(r, 150);
	assert_int_equal(s->n, 0);
	reasm_tick(r, 190);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->ev[0].nrec, 2);
	reasm_free(r);
	free(s);
}

/* The caller stalled 5 s (a store write) between an event's first record
 * and its end: on the stall-skipping clock the event is not aged at the
 * next tick and completes with its EOE; a real idle of age_ms still ages
 * one. */
static void
test_reasm_clock_skips_stalls(void **state)
{
	static const char a[] = "audit(1.000:7): cwd=\"/\"";
	static const char e[] = "audit(1.000:7): ";
	static const char c[] = "audit(1.000:8): cwd=\"/\"";
	struct sink *s = sink_new();
	struct reasm *r = reasm_new(4, 4096, 2000, sink_emit, s);
	uint64_t clock = 0, prev = 0;

	(void)state;
	assert_non_null(r);
	reasm_clock_advance(&clock, &prev, 1000, 250);
	assert_int_equal(clock, 0);
	assert_int_equal(reasm_add(r, 1307, a, sizeof(a) - 1, clock), 0);
	reasm_clock_advance(&clock, &prev, 6000, 250); /* the stall */
	assert_int_equal(clock, 250);
	reasm_tick(r, clock);
	assert_int_equal(s->n, 0);
	assert_int_equal(reasm_add(r, 1320, e, sizeof(e) - 1, clock), 0);
	assert_int_equal(s->n, 1);
	assert_false(s->ev[0].partial);
	assert_int_equal(reasm_add(r, 1307, c, sizeof(c) - 1, clock), 0);
	for (uint64_t t = 6100; t <= 8300; t += 100) /* idle, turn by turn */
		reasm_clock_advance(&clock, &prev, t, 250);
	assert_int_equal(clock, 250 + 2300);
	reasm_tick(r, clock);
	assert_int_equal(s->n, 2);
	assert_true(s->ev[1].partial);
	reasm_clock_advance(&clock, &prev, 8200, 250); /* going back: none */
	assert_int_equal(clock, 250 + 2300);
	reasm_free(r);
	free(s);
}

/* Types outside 1300-1399 are events by themselves; 1329 is dropped. */
static void
test_reasm_standalone_and_replace(void **state)
{
	static const char anom[] = "audit(1795636100.670:516): dev=veth6ce98fb "
	                           "prom=256 old_prom=0 auid=4294967295";
	static const char repl[] = "\x39\x30\x00\x00";
	struct sink *s = sink_new();
	struct reasm *r = reasm_new(4, 4096, 2000, sink_emit, s);
	struct reasm_stats st;

	(void)state;
	assert_non_null(r);
	assert_int_equal(reasm_add(r, 1700, anom, sizeof(anom) - 1, 0), 0);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->ev[0].serial, 516);
	assert_int_equal(s->ev[0].nrec, 1);
	assert_false(s->ev[0].partial);
	assert_int_equal(reasm_add(r, RECORD_REPLACE, repl, 4, 0), 0);
	assert_int_equal(s->n, 1);
	reasm_stats(r, &st);
	assert_int_equal(st.events, 1);
	assert_int_equal(st.open, 0);
	assert_int_equal(st.bad, 0);
	reasm_free(r);
	free(s);
}

/* Two slots, three open events: the least recently touched is emitted as
 * partial and counted as evicted. */
static void
test_reasm_full_table_evicts_oldest(void **state)
{
	char p[64];
	struct sink *s = sink_new();
	struct reasm *r = reasm_new(2, 4096, 2000, sink_emit, s);
	struct reasm_stats st;
	uint64_t serial;
	int n;

	(void)state;
	assert_non_null(r);
	for (serial = 10; serial < 13; serial++) {
		n = snprintf(p, sizeof(p), "audit(1.000:%llu): cwd=\"/\"",
		             (unsigned long long)serial);
		assert_int_equal(reasm_add(r, 1307, p, (size_t)n, serial), 0);
	}
	/* 12 evicted 10; now touch 11 so that 12 is the oldest */
	n = snprintf(p, sizeof(p), "audit(1.000:11): item=0 name=\"/\"");
	assert_int_equal(reasm_add(r, 1302, p, (size_t)n, 20), 0);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->ev[0].serial, 10);
	assert_true(s->ev[0].partial);
	n = snprintf(p, sizeof(p), "audit(1.000:13): cwd=\"/\"");
	assert_int_equal(reasm_add(r, 1307, p, (size_t)n, 21), 0);
	assert_int_equal(s->n, 2);
	assert_int_equal(s->ev[1].serial, 12); /* 11 was touched later */
	reasm_stats(r, &st);
	assert_int_equal(st.evicted, 2);
	assert_int_equal(st.partial, 2);
	assert_int_equal(st.open, 2);
	reasm_flush(r);
	assert_int_equal(s->n, 4);
	assert_int_equal(s->ev[2].serial, 11);
	assert_int_equal(s->ev[2].nrec, 2);
	assert_int_equal(s->ev[3].serial, 13);
	reasm_free(r);
	free(s);
}

/* A slot too small for the 7.5 KB EXECVE chunk records: they are dropped
 * and counted, the event still completes at EOE, marked truncated. */
static void
test_reasm_oversize_records_counted(void **state)
{
	struct sink *s = sink_new();
	struct reasm *r = reasm_new(4, 4096, 2000, sink_emit, s);
	struct reasm_stats st;
	size_t len;
	char *buf = fixture_read("execve_long_arg.log", &len), *line, *nl;
	struct str pl;
	uint16_t type;
	int rc, fails = 0;

	(void)state;
	assert_non_null(r);
	for (line = buf; line < buf + len; line = nl + 1) {
		nl = memchr(line, '\n', len - (size_t)(line - buf));
		if (nl == NULL)
			nl = buf + len;
		if (record_parse_line(line, (size_t)(nl - line), &type, &pl) !=
		    0)
			continue;
		rc = reasm_add(r, type, pl.p, pl.n, 0);
		if (rc != 0)
			fails++;
	}
	free(buf);
	assert_int_equal(fails, 3);
	assert_int_equal(s->n, 1);
	assert_true(s->ev[0].truncated);
	assert_false(s->ev[0].partial);
	assert_true(s->ev[0].bytes <= 4096);
	reasm_stats(r, &st);
	assert_int_equal(st.oversize, 3);
	reasm_free(r);
	free(s);
}

/* The full-size table holds the >7500-byte EXECVE chunks whole. */
static void
test_reasm_long_execve_kept_whole(void **state)
{
	struct sink *s = sink_new();
	struct reasm *r = reasm_new(REASM_SLOTS, REASM_SLOT_BYTES, REASM_AGE_MS,
	                            sink_emit, s);
	struct tally t;

	(void)state;
	assert_non_null(r);
	feed(r, "execve_long_arg.log", 0, &t);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->ev[0].serial, 242);
	assert_int_equal(s->ev[0].nrec, t.nrec[0]);
	assert_true(s->ev[0].bytes > 20000);
	assert_false(s->ev[0].truncated);
	reasm_free(r);
	free(s);
}

static void
test_reasm_orphan_eoe_and_bad_header_counted(void **state)
{
	static const char eoe[] = "audit(1.000:99): ";
	static const char junk[] = "garbage";
	struct sink *s = sink_new();
	struct reasm *r = reasm_new(4, 4096, 2000, sink_emit, s);
	struct reasm_stats st;

	(void)state;
	assert_non_null(r);
	assert_int_equal(reasm_add(r, RECORD_EOE, eoe, sizeof(eoe) - 1, 0), 0);
	assert_int_equal(reasm_add(r, 1300, junk, sizeof(junk) - 1, 0), -1);
	assert_int_equal(reasm_add(r, 1700, junk, sizeof(junk) - 1, 0), -1);
	assert_int_equal(reasm_add(r, 1300, NULL, 0, 0), -1);
	assert_int_equal(s->n, 0);
	reasm_stats(r, &st);
	assert_int_equal(st.orphan_eoe, 1);
	assert_int_equal(st.bad, 3);
	assert_int_equal(st.records, 1);
	reasm_free(r);
	free(s);
	assert_null(reasm_new(0, 4096, 1, sink_emit, NULL));
	assert_null(reasm_new(1, 10, 1, sink_emit, NULL));
	assert_null(reasm_new(1, 4096, 1, NULL, NULL));
}

/* Every fixture concatenated, the stream fed with the clock advancing:
 * whatever lacks EOE (one event) ages out, the rest completes. */
static void
test_reasm_all_fixtures_one_stream(void **state)
{
	static const char *const files[] = {
	    "docker_overlay.log", "execve_args.log", "execve_long_arg.log",
	    "fs_ops.log",         "i386.log",        "missing_eoe.log"};
	struct sink *s = sink_new();
	struct reasm *r =
	    reasm_new(8, REASM_SLOT_BYTES, REASM_AGE_MS, sink_emit, s);
	struct reasm_stats st;
	unsigned int i, partial = 0;
	size_t f;

	(void)state;
	assert_non_null(r);
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		feed(r, files[f], 1000 * f, NULL);
		reasm_tick(r, 1000 * f);
	}
	reasm_tick(r, 100000);
	for (i = 0; i < s->n; i++)
		if (s->ev[i].partial) {
			partial++;
			assert_int_equal(s->ev[i].serial, 341);
		}
	assert_int_equal(partial, 1);
	reasm_stats(r, &st);
	assert_int_equal(st.events, s->n);
	assert_int_equal(st.open, 0);
	assert_int_equal(st.evicted, 0);
	reasm_free(r);
	free(s);
}

/* Mutated real records (byte flips, cuts, swapped types) never crash and
 * never emit a record that is not theirs. */
static void
test_reasm_garbage_does_not_crash(void **state)
{
	struct sink *s = sink_new();
	struct reasm *r = reasm_new(8, 8192, 50, sink_emit, s);
	size_t len, n;
	char *buf = fixture_read("interleaved.log", &len), *line, *nl, *copy;
	uint32_t seed = 12345;
	uint16_t type;
	struct str pl;
	uint64_t now = 0;
	int round;

	(void)state;
	assert_non_null(r);
	for (round = 0; round < 6; round++) {
		for (line = buf; line < buf + len; line = nl + 1) {
			nl = memchr(line, '\n', len - (size_t)(line - buf));
			if (nl == NULL)
				nl = buf + len;
			if (record_parse_line(line, (size_t)(nl - line), &type,
			                      &pl) != 0)
				continue;
			seed = seed * 1103515245 + 12345;
			n = pl.n == 0 ? 0 : (seed >> 8) % (pl.n + 1);
			copy = malloc(n + 1);
			assert_non_null(copy);
			memcpy(copy, pl.p, n);
			if (n > 0 && (seed & 1))
				copy[(seed >> 4) % n] = (char)(seed >> 16);
			if (seed & 2)
				type = (uint16_t)(1290 + (seed >> 20) % 40);
			(void)reasm_add(r, type, copy, n, now++);
			free(copy);
			if (s->n > MAXEV - 64)
				s->n = 0;
		}
		reasm_tick(r, now + 1000);
	}
	reasm_flush(r);
	reasm_free(r);
	free(buf);
	free(s);
}

/* A SYSCALL-range record of event serial, built here. */
static void
add_rec(struct reasm *r, uint16_t type, uint64_t serial, uint64_t now_ms)
{
	char p[96];
	int n;

	n = snprintf(p, sizeof(p), "audit(1700000000.001:%llu): x=1",
	             (unsigned long long)serial);
	assert_int_equal(reasm_add(r, type, p, (size_t)n, now_ms), 0);
}

static void
test_reasm_new_refuses_bad_parameters(void **state)
{
	struct sink *s = sink_new();

	(void)state;
	log_init("test", LOG_LVL_ERROR); /* refusals are logged */
	assert_null(reasm_new(0, 4096, 10, sink_emit, s));
	assert_null(reasm_new(2, 1023, 10, sink_emit, s));
	assert_null(reasm_new(2, 4096, 10, NULL, s));
	assert_null(reasm_new((1u << 20) + 1, 4096, 10, sink_emit, s));
	reasm_free(NULL);
	free(s);
}

/* A record touches its event: the victim of a full table is the event
 * touched least recently, not the one opened first. */
static void
test_reasm_eviction_follows_last_touch(void **state)
{
	struct sink *s = sink_new();
	struct reasm *r = reasm_new(2, 4096, 1000, sink_emit, s);
	struct reasm_stats st;

	(void)state;
	add_rec(r, 1300, 1, 0);
	add_rec(r, 1300, 2, 1);
	add_rec(r, 1302, 1, 2); /* 1 is now the most recent */
	add_rec(r, 1300, 3, 3); /* table full: 2 goes */
	assert_int_equal(s->n, 1);
	assert_int_equal(s->ev[0].serial, 2);
	assert_true(s->ev[0].partial);
	reasm_stats(r, &st);
	assert_int_equal(st.evicted, 1);
	assert_int_equal(st.open, 2);
	assert_int_equal(st.open_max, 2);
	reasm_flush(r);
	assert_int_equal(s->n, 3);
	assert_int_equal(s->ev[1].serial, 1); /* flush: least recent first */
	assert_int_equal(s->ev[1].nrec, 2);
	assert_int_equal(s->ev[2].serial, 3);
	reasm_free(r);
	free(s);
}

/* godo's own rules being installed: CONFIG_CHANGE records the kernel logs
 * on their own never get an EOE; aged or flushed they are complete, not a
 * gap. A CONFIG_CHANGE inside a syscall event (its SYSCALL seen), or a
 * PATH without its SYSCALL, still is one. */
static void
test_reasm_records_alone_not_partial(void **state)
{
	struct sink *s = sink_new();
	struct reasm *r = reasm_new(8, 4096, 1000, sink_emit, s);
	struct reasm_stats st;

	(void)state;
	add_rec(r, 1305, 20, 0);
	add_rec(r, 1305, 21, 0);
	add_rec(r, 1305, 22, 0);
	add_rec(r, 1300, 22, 0);
	add_rec(r, 1302, 23, 0);
	add_rec(r, 1305, 24, 500);
	reasm_tick(r, 1000);
	assert_int_equal(s->n, 4);
	assert_false(s->ev[0].partial);
	assert_false(s->ev[1].partial);
	assert_true(s->ev[2].partial);
	assert_true(s->ev[3].partial);
	reasm_flush(r);
	assert_int_equal(s->n, 5);
	assert_false(s->ev[4].partial);
	reasm_stats(r, &st);
	assert_int_equal(st.alone, 3);
	assert_int_equal(st.aged, 2);
	assert_int_equal(st.flushed, 0);
	assert_int_equal(st.partial, 2);
	reasm_free(r);
	free(s);
}

/* Events complete in EOE order, whatever order their serials have; a
 * record for a finished serial opens a new event. */
static void
test_reasm_eoe_order_not_serial_order(void **state)
{
	struct sink *s = sink_new();
	struct reasm *r = reasm_new(8, 4096, 1000, sink_emit, s);
	struct reasm_stats st;

	(void)state;
	add_rec(r, 1300, 9, 0);
	add_rec(r, 1300, 7, 0);
	add_rec(r, 1300, 8, 0);
	add_rec(r, RECORD_EOE, 8, 0);
	add_rec(r, RECORD_EOE, 9, 0);
	add_rec(r, RECORD_EOE, 7, 0);
	assert_int_equal(s->n, 3);
	assert_int_equal(s->ev[0].serial, 8);
	assert_int_equal(s->ev[1].serial, 9);
	assert_int_equal(s->ev[2].serial, 7);
	assert_false(s->ev[2].partial);
	add_rec(r, 1302, 9, 1); /* late record: an event of its own */
	reasm_tick(r, 1000);    /* idle 999 ms: stays */
	assert_int_equal(s->n, 3);
	reasm_tick(r, 1001);
	assert_int_equal(s->n, 4);
	assert_int_equal(s->ev[3].serial, 9);
	assert_true(s->ev[3].partial);
	reasm_stats(r, &st);
	assert_int_equal(st.open, 0);
	assert_int_equal(st.events, 4);
	assert_int_equal(st.partial, 1);
	reasm_free(r);
	free(s);
}

/* A record of event serial by task pid (pid 0: no pid= field). */
static void
add_pid_rec(struct reasm *r, uint16_t type, uint64_t serial, uint32_t pid,
            uint64_t now_ms)
{
	char p[128];
	int n;

	if (pid != 0)
		n = snprintf(p, sizeof(p),
		             "audit(1700000000.001:%llu): arch=c000003e "
		             "syscall=257 ppid=1 pid=%u comm=\"x\"",
		             (unsigned long long)serial, pid);
	else
		n = snprintf(p, sizeof(p),
		             "audit(1700000000.001:%llu): item=0 name=\"/\"",
		             (unsigned long long)serial);
	assert_int_equal(reasm_add(r, type, p, (size_t)n, now_ms), 0);
}

static void
test_reasm_serial_before_wraps(void **state)
{
	(void)state;
	assert_true(reasm_serial_before(1, 2));
	assert_false(reasm_serial_before(2, 1));
	assert_false(reasm_serial_before(7, 7));
	assert_true(reasm_serial_before(0xfffffffeu, 0xffffffffu));
	assert_true(reasm_serial_before(0xffffffffu, 0));
	assert_true(reasm_serial_before(0xfffffffeu, 1));
	assert_false(reasm_serial_before(0, 0xffffffffu));
	assert_false(reasm_serial_before(1, 0xfffffffeu));
	/* 2^31 - 1 ahead is after; further is before (the far side) */
	assert_true(reasm_serial_before(0x10, 0x8000000fu));
	assert_false(reasm_serial_before(0x10, 0x80000010u));
	/* only the kernel's 32 bits count */
	assert_true(reasm_serial_before(0x1ffffffffull, 0x100000000ull));
}

/* Serials 0xfffffffe, 0xffffffff, 0, 1 (the 32-bit counter wrapping),
 * records interleaved: all four complete, in EOE order, none partial,
 * nothing evicted. */
static void
test_reasm_serial_wrap_completes_in_order(void **state)
{
	static const uint64_t ser[] = {0xfffffffeu, 0xffffffffu, 0, 1};
	struct sink *s = sink_new();
	struct reasm *r = reasm_new(16, 4096, 1000, sink_emit, s);
	struct reasm_stats st;
	unsigned int i;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < 4; i++) /* share of 16 slots: 4 */
		add_pid_rec(r, 1300, ser[i], 100, i);
	for (i = 0; i < 4; i++)
		add_pid_rec(r, 1302, ser[3 - i], 0, 10 + i);
	for (i = 0; i < 4; i++)
		add_rec(r, RECORD_EOE, ser[i], 20 + i);
	reasm_tick(r, 30);
	assert_int_equal(s->n, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(s->ev[i].serial, ser[i]);
		assert_false(s->ev[i].partial);
		assert_int_equal(s->ev[i].nrec, 2);
	}
	reasm_stats(r, &st);
	assert_int_equal(st.partial, 0);
	assert_int_equal(st.evicted + st.flood + st.aged, 0);
	assert_int_equal(st.orphan_eoe, 0);
	reasm_free(r);
	free(s);
}

/* One owner at its share across the wrap: its oldest event by serial
 * (0xffffffff) goes, not the numerically smallest (0) nor the least
 * recently touched (0 as well). */
static void
test_reasm_share_evicts_oldest_serial_across_wrap(void **state)
{
	struct sink *s = sink_new();
	struct reasm *r = reasm_new(8, 4096, 1000, sink_emit, s);
	struct reasm_stats st;

	(void)state;
	assert_non_null(r);
	assert_int_equal(reasm_set_share(r, 2), 0);
	add_pid_rec(r, 1300, 0xffffffffu, 42, 0);
	add_pid_rec(r, 1300, 0, 42, 1);
	add_pid_rec(r, 1302, 0xffffffffu, 0, 2); /* 0 is now least recent */
	add_pid_rec(r, 1300, 1, 42, 3);
	assert_int_equal(s->n, 1);
	assert_int_equal(s->ev[0].serial, 0xffffffffu);
	assert_true(s->ev[0].partial);
	reasm_stats(r, &st);
	assert_int_equal(st.flood, 1);
	assert_int_equal(st.evicted, 0);
	assert_int_equal(st.open, 2);
	assert_int_equal(reasm_set_share(r, 0), -1);
	assert_int_equal(reasm_set_share(r, 9), -1);
	reasm_free(r);
	free(s);
}

struct flood_sink {
	unsigned int other_complete, other_partial, flooder_partial, other;
	uint32_t other_pid, flooder_pid;
};

static void
flood_emit(const struct reasm_event *ev, void *arg)
{
	struct flood_sink *f = arg;

	if (ev->owner == f->other_pid) {
		f->other++;
		if (!ev->partial && ev->nrec == 2 && !ev->truncated)
			f->other_complete++;
		else
			f->other_partial++;
	} else if (ev->owner == f->flooder_pid) {
		assert_true(ev->partial);
		assert_int_equal(ev->end == REASM_END_FLOOD ||
		                     ev->end == REASM_END_FLUSH,
		                 1);
		f->flooder_partial++;
	} else {
		fail_msg("event of nobody: serial %llu",
		         (unsigned long long)ev->serial);
	}
}

/* 10x the table in EOE-less events from one pid, interleaved record by
 * record with complete events of another pid: every event of the other
 * pid comes out complete; the flood costs only the flooder, and every
 * event is in exactly one counter. */
static void
test_reasm_flood_by_one_pid_spares_others(void **state)
{
	enum { SLOTS = 64, FLOOD = 10 * SLOTS };
	struct flood_sink f = {.other_pid = 2000, .flooder_pid = 666};
	struct reasm *r = reasm_new(SLOTS, 4096, 1000, flood_emit, &f);
	struct reasm_stats st;
	uint64_t serial = 0xffffff00u; /* and across the wrap, too */
	unsigned int i;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < FLOOD; i++) {
		uint64_t mine = (serial++) & 0xffffffffu;
		uint64_t theirs = (serial++) & 0xffffffffu;

		add_pid_rec(r, 1300, theirs, f.other_pid, i);
		add_pid_rec(r, 1300, mine, f.flooder_pid, i);
		add_pid_rec(r, 1302, theirs, 0, i);
		add_pid_rec(r, 1302, mine, 0, i);
		add_rec(r, RECORD_EOE, theirs, i);
	}
	reasm_stats(r, &st);
	assert_int_equal(f.other, FLOOD);
	assert_int_equal(f.other_complete, FLOOD);
	assert_int_equal(f.other_partial, 0);
	assert_int_equal(st.open, st.share);
	assert_int_equal(st.flood, FLOOD - st.share);
	assert_int_equal(st.evicted, 0);
	assert_true(st.open_max <= st.share + 1);
	reasm_flush(r);
	reasm_stats(r, &st);
	assert_int_equal(f.flooder_partial, FLOOD);
	assert_int_equal(st.flushed, st.share);
	assert_int_equal(st.partial,
	                 st.aged + st.flood + st.evicted + st.flushed);
	assert_int_equal(st.partial, FLOOD);
	assert_int_equal(st.events, 2 * FLOOD);
	assert_int_equal(st.records, 5 * FLOOD);
	reasm_free(r);
}

/* Many flooding pids fill the table: the table-full eviction counts
 * separately, and the sum still holds. */
static void
test_reasm_counts_add_up_by_cause(void **state)
{
	struct sink *s = sink_new();
	struct reasm *r = reasm_new(8, 4096, 100, sink_emit, s);
	struct reasm_stats st;
	uint32_t pid;

	(void)state;
	assert_non_null(r);
	for (pid = 1; pid <= 20; pid++)
		add_pid_rec(r, 1300, pid, pid, pid); /* 1..12 go: full */
	add_pid_rec(r, 1300, 21, 20, 21); /* full: 13 goes; pid 20 holds 2 */
	add_pid_rec(r, 1300, 22, 20, 22); /* over its share: 20 goes */
	reasm_tick(r, 20 + 100);          /* 14..19 age out */
	reasm_stats(r, &st);
	assert_int_equal(st.share, 2);
	assert_int_equal(st.evicted, 13);
	assert_int_equal(st.flood, 1);
	assert_int_equal(st.aged, 6);
	assert_int_equal(st.open, 2);
	reasm_flush(r);
	reasm_stats(r, &st);
	assert_int_equal(st.flushed, 2);
	assert_int_equal(st.partial,
	                 st.aged + st.flood + st.evicted + st.flushed);
	assert_int_equal(st.events, s->n);
	assert_int_equal(st.partial, 22);
	reasm_free(r);
	free(s);
}

/* --- Issue 16: buffers on demand, a byte cap, head + tail of a long event */

/* What the byte tests keep of each event: its records' marks (the number
 * after "a0=" each record carries) and the drops. */
struct marks {
	unsigned int n; /* events */
	unsigned int nrec, dropped;
	bool truncated, partial;
	unsigned int mark[64];
	bool intact; /* every record's bytes are what was fed */
};

static void
marks_emit(const struct reasm_event *ev, void *arg)
{
	struct marks *m = arg;
	unsigned int i;
	size_t k;

	m->n++;
	m->nrec = ev->nrec;
	m->dropped = ev->dropped;
	m->truncated = ev->truncated;
	m->partial = ev->partial;
	m->intact = true;
	for (i = 0; i < ev->nrec && i < 64; i++) {
		struct str v;
		uint64_t mark;

		m->mark[i] = 0;
		if (ev->rec[i].type == 1300)
			continue; /* add_pid_rec's SYSCALL: no mark */
		assert_true(record_find(&ev->rec[i], "a0", &v));
		assert_int_equal(record_u64(v, 10, &mark), 0);
		m->mark[i] = (unsigned int)mark;
		/* the filler: 'a' + mark % 26, all the way to the end */
		assert_true(record_find(&ev->rec[i], "f", &v));
		for (k = 0; k < v.n; k++)
			if (v.p[k] != (char)('a' + mark % 26))
				m->intact = false;
	}
}

/* One EXECVE-like record of serial, a0=mark and a filler f= of fill
 * bytes; returns reasm_add's result. */
static int
add_big(struct reasm *r, uint64_t serial, unsigned int mark, size_t fill,
        uint64_t now_ms)
{
	static char p[40000];
	int n = snprintf(p, sizeof(p),
	                 "audit(1700000000.001:%llu): argc=2 a0=%u f=",
	                 (unsigned long long)serial, mark);

	assert_true(n > 0 && (size_t)n + fill < sizeof(p));
	memset(p + n, 'a' + mark % 26, fill);
	return reasm_add(r, 1309, p, (size_t)n + fill, now_ms);
}

/* A table of 1024 slots of 64 KiB holds nothing until an event opens, a
 * small event takes a few KiB, and all of it is given back at EOE. */
static void
test_reasm_buffers_on_demand(void **state)
{
	struct marks m = {0};
	struct reasm *r =
	    reasm_new(1024, 64 * 1024, REASM_AGE_MS, marks_emit, &m);
	struct reasm_stats st;
	unsigned int i;

	(void)state;
	assert_non_null(r);
	reasm_stats(r, &st);
	assert_int_equal(st.bytes, 0);
	add_pid_rec(r, 1300, 7, 42, 1);
	reasm_stats(r, &st);
	assert_true(st.bytes > 0 && st.bytes <= 4096);
	/* grows by doubling as records come, contents kept across moves */
	for (i = 0; i < 20; i++)
		assert_int_equal(add_big(r, 7, i, 1000 + i * 100, 1), 0);
	reasm_stats(r, &st);
	assert_true(st.bytes >= 20 * 1000 && st.bytes <= 128 * 1024);
	assert_int_equal(
	    reasm_add(r, RECORD_EOE, "audit(1700000000.001:7): ", 25, 2), 0);
	assert_int_equal(m.n, 1);
	assert_int_equal(m.nrec, 21);
	assert_true(m.intact);
	assert_false(m.truncated);
	reasm_stats(r, &st);
	assert_int_equal(st.bytes, 0);
	assert_true(st.bytes_high >= 20 * 1000);
	reasm_free(r);
}

/* Events without EOE from many pids, each filling its slot: the open
 * events' bytes never pass the cap; the least recently touched go (as
 * evicted, partial), nothing is lost without a count. */
static void
test_reasm_byte_cap_bounds_flood(void **state)
{
	struct marks m = {0};
	struct reasm *r =
	    reasm_new(1024, 16 * 1024, REASM_AGE_MS, marks_emit, &m);
	struct reasm_stats st;
	uint64_t serial;
	unsigned int k;

	(void)state;
	assert_non_null(r);
	assert_int_equal(reasm_set_cap(r, 1000), -1); /* below one slot */
	assert_int_equal(reasm_set_cap(r, 256 * 1024), 0);
	for (serial = 1; serial <= 200; serial++) {
		add_pid_rec(r, 1300, serial, (uint32_t)serial, serial);
		for (k = 0; k < 4; k++)
			assert_int_equal(add_big(r, serial, k, 2800, serial),
			                 0);
		reasm_stats(r, &st);
		assert_true(st.bytes <= st.bytes_cap);
	}
	reasm_stats(r, &st);
	assert_int_equal(st.bytes_cap, 256 * 1024);
	assert_true(st.bytes_high <= 256 * 1024);
	assert_true(st.evicted > 100);
	assert_true(st.open < 40);
	assert_int_equal(st.oversize, 0);
	assert_int_equal(m.n, st.evicted);
	assert_true(m.partial && m.intact);
	reasm_flush(r);
	reasm_stats(r, &st);
	assert_int_equal(st.bytes, 0);
	reasm_free(r);
}

/* An event longer than its slot keeps its first records and its last
 * ones; those between are dropped and counted (a python -c "<40 KB of
 * #>\n<payload>" keeps its payload chunk). */
static void
test_reasm_overflow_keeps_head_and_tail(void **state)
{
	struct marks m = {0};
	struct reasm *r = reasm_new(8, 32 * 1024, REASM_AGE_MS, marks_emit, &m);
	struct reasm_stats st;
	unsigned int i, h;

	(void)state;
	assert_non_null(r);
	add_pid_rec(r, 1300, 9, 42, 1); /* mark[0]: 0 */
	/* 30 chunks of ~3 KB: 90 KB into a 32 KiB slot */
	for (i = 1; i <= 30; i++)
		(void)add_big(r, 9, i, 3000, 1);
	assert_int_equal(add_big(r, 9, 99, 20000, 1), -1); /* > the tail */
	assert_int_equal(add_big(r, 9, 31, 3000, 1), 0);
	assert_int_equal(
	    reasm_add(r, RECORD_EOE, "audit(1700000000.001:9): ", 25, 2), 0);
	assert_int_equal(m.n, 1);
	assert_true(m.truncated);
	assert_true(m.intact);
	/* head: the SYSCALL and the first chunks 1..h, in order (24 KiB) */
	for (h = 1; h + 1 < m.nrec && m.mark[h + 1] == h + 1; h++)
		assert_int_equal(m.mark[h], h);
	assert_true(h >= 6);
	/* tail: the last chunks, in order, ending with the last (8 KiB) */
	assert_int_equal(m.mark[m.nrec - 1], 31);
	assert_int_equal(m.mark[m.nrec - 2], 30);
	assert_int_equal(m.nrec, h + 3);
	reasm_stats(r, &st);
	assert_int_equal(m.dropped, 32 - (m.nrec - 1));
	assert_int_equal(st.oversize, m.dropped);
	assert_int_equal(st.bytes, 0);
	reasm_free(r);
}

/* What the kernel logs for python3 -c "<40 KB of #>\n<payload>": the
 * argument has a newline, so it is hex, 80 KB in chunks of 7,500 hex
 * characters, one EXECVE record each: more than a 64 KiB slot. The event
 * keeps its head and its last chunks, so the decoder still sees the
 * payload at the end of the argument (argvdec takes the last chunks after
 * missing ones), and the dropped middle is counted. */
struct pad_sink {
	struct sysevent_dec *d;
	struct sysevent *e;
	int decoded;
	uint32_t dropped;
};

static void
pad_emit(const struct reasm_event *ev, void *arg)
{
	struct pad_sink *p = arg;

	p->dropped = ev->dropped;
	p->decoded = sysevent_decode(p->d, ev, p->e) == 0 ? 1 : -1;
}

static void
pad_rec(struct reasm *r, uint16_t type, const char *body)
{
	static char p[16384];
	int n = snprintf(p, sizeof(p), "audit(1795636100.682:900): %s", body);

	assert_true(n > 0 && (size_t)n < sizeof(p));
	assert_int_equal(reasm_add(r, type, p, (size_t)n, 1), 0);
}

static void
test_reasm_padded_exec_keeps_payload(void **state)
{
	static const char payload[] = "\nprint('payload-xyz')";
	static char arg[40000 + sizeof(payload)], rec[16384];
	struct pad_sink p = {0};
	struct reasm *r;
	size_t len, off, n, k, chunk = 3750; /* bytes: 7,500 hex */
	const struct sysev_argcut *cut;

	(void)state;
	memset(arg, '#', 40000);
	memcpy(arg + 40000, payload, sizeof(payload));
	len = strlen(arg);
	p.d = sysevent_dec_new();
	p.e = malloc(sizeof(*p.e));
	assert_true(p.d != NULL && p.e != NULL);
	r = reasm_new(REASM_SLOTS, 64 * 1024, REASM_AGE_MS, pad_emit, &p);
	assert_non_null(r);
	pad_rec(r, 1300,
	        "arch=c000003e syscall=59 success=yes exit=0 a0=1 "
	        "a1=2 a2=3 a3=0 items=2 ppid=1 pid=77 auid=0 uid=0 "
	        "gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
	        "tty=(none) ses=1 comm=\"python3\" "
	        "exe=\"/usr/bin/python3\" key=\"godo\"");
	for (off = 0, k = 0; off < len; off += n, k++) {
		size_t w = 0, i;

		n = len - off < chunk ? len - off : chunk;
		if (k == 0)
			w = (size_t)snprintf(rec, sizeof(rec),
			                     "argc=3 a0=\"python3\" a1=\"-c\" "
			                     "a2_len=%zu a2[0]=",
			                     2 * len);
		else
			w = (size_t)snprintf(rec, sizeof(rec), "a2[%zu]=", k);
		for (i = 0; i < n; i++)
			w += (size_t)snprintf(rec + w, sizeof(rec) - w, "%02X",
			                      (unsigned char)arg[off + i]);
		pad_rec(r, 1309, rec);
	}
	pad_rec(r, 1307, "cwd=\"/\"");
	pad_rec(r, 1302,
	        "item=0 name=\"/usr/bin/python3\" inode=5 dev=08:01 "
	        "mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL");
	pad_rec(r, 1327, "proctitle=707974686F6E33002D63");
	pad_rec(r, RECORD_EOE, "");
	assert_int_equal(p.decoded, 1);
	assert_true(p.dropped > 0);
	assert_int_equal(p.e->argc, 3);
	assert_true(p.e->args_truncated);
	assert_int_equal(p.e->ncut, 1);
	cut = &p.e->cut[0];
	assert_int_equal(cut->index, 2);
	assert_true(cut->tail.n >= strlen("print('payload-xyz')"));
	assert_memory_equal(cut->tail.p + cut->tail.n - 20,
	                    "print('payload-xyz')", 20);
	reasm_free(r);
	sysevent_dec_free(p.d);
	free(p.e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reasm_interleaved_serials_complete),
	    cmocka_unit_test(test_reasm_no_eoe_ages_out),
	    cmocka_unit_test(test_reasm_age_counts_from_last_record),
	    cmocka_unit_test(test_reasm_clock_skips_stalls),
	    cmocka_unit_test(test_reasm_records_alone_not_partial),
	    cmocka_unit_test(test_reasm_standalone_and_replace),
	    cmocka_unit_test(test_reasm_full_table_evicts_oldest),
	    cmocka_unit_test(test_reasm_oversize_records_counted),
	    cmocka_unit_test(test_reasm_long_execve_kept_whole),
	    cmocka_unit_test(test_reasm_orphan_eoe_and_bad_header_counted),
	    cmocka_unit_test(test_reasm_all_fixtures_one_stream),
	    cmocka_unit_test(test_reasm_garbage_does_not_crash),
	    cmocka_unit_test(test_reasm_new_refuses_bad_parameters),
	    cmocka_unit_test(test_reasm_eviction_follows_last_touch),
	    cmocka_unit_test(test_reasm_eoe_order_not_serial_order),
	    cmocka_unit_test(test_reasm_serial_before_wraps),
	    cmocka_unit_test(test_reasm_serial_wrap_completes_in_order),
	    cmocka_unit_test(test_reasm_share_evicts_oldest_serial_across_wrap),
	    cmocka_unit_test(test_reasm_flood_by_one_pid_spares_others),
	    cmocka_unit_test(test_reasm_counts_add_up_by_cause),
	    cmocka_unit_test(test_reasm_buffers_on_demand),
	    cmocka_unit_test(test_reasm_byte_cap_bounds_flood),
	    cmocka_unit_test(test_reasm_overflow_keeps_head_and_tail),
	    cmocka_unit_test(test_reasm_padded_exec_keeps_payload),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
