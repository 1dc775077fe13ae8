/* test_textrec.c - audit records as text (listener/textrec.h) over a real
 * auditd log (tests/data/auditlog/enriched.log: auditd 3.0.9, log_format
 * ENRICHED, godo's rules) and hand-made variants (variants.log: node=
 * prefixes, 0x1d enrichment, quoted values, interleaved serials, a DAEMON_
 * line, CRLF, garbage, a last line cut short); the end of events without
 * EOE (listener/textend.h) through the real reassembly; missing serials
 * (listener/serialgap.h). Every line must be counted as parsed, skipped or
 * refused. */
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
#include "serialgap.h"
#include "textend.h"
#include "textrec.h"

#define MAXEV 1024

struct ev {
	uint64_t serial;
	unsigned int nrec;
	bool partial;
	uint16_t types[16];
	char execve[128]; /* the EXECVE payload's start, if any */
};

/* textrec -> reasm (+ textend's EOEs) -> here */
struct pipe {
	struct reasm *r;
	struct textend te;
	struct ev ev[MAXEV];
	unsigned int n;
	char node[64];
	uint64_t records;
};

static void
on_event(const struct reasm_event *e, void *arg)
{
	struct pipe *p = arg;
	struct ev *v;
	unsigned int i;

	assert_true(p->n < MAXEV);
	v = &p->ev[p->n++];
	memset(v, 0, sizeof(*v));
	v->serial = e->serial;
	v->nrec = e->nrec;
	v->partial = e->partial;
	for (i = 0; i < e->nrec && i < 16; i++) {
		v->types[i] = e->rec[i].type;
		if (e->rec[i].type == 1309) /* EXECVE */
			snprintf(v->execve, sizeof(v->execve), "%.*s",
			         (int)e->rec[i].body.n, e->rec[i].body.p);
	}
}

static void
on_eoe(const char *eoe, size_t len, void *arg)
{
	struct pipe *p = arg;

	assert_int_equal(reasm_add(p->r, RECORD_EOE, eoe, len, 0), 0);
}

static void
on_rec(uint16_t type, const char *payload, size_t len, struct str node,
       void *arg)
{
	struct pipe *p = arg;
	struct record rec;

	p->records++;
	if (node.n > 0 && p->node[0] == '\0')
		snprintf(p->node, sizeof(p->node), "%.*s", (int)node.n, node.p);
	/* no 0x1d, no newline in what comes out */
	assert_null(memchr(payload, 0x1d, len));
	assert_null(memchr(payload, '\n', len));
	assert_int_equal(record_parse(&rec, type, payload, len), 0);
	assert_int_equal(reasm_add(p->r, type, payload, len, 0), 0);
	textend_see(&p->te, &rec, 0);
}

static struct pipe *
pipe_new(unsigned int depth)
{
	struct pipe *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	p->r = reasm_new(64, 64 * 1024, 2000, on_event, p);
	assert_non_null(p->r);
	textend_init(&p->te, depth, 0, on_eoe, p);
	return p;
}

static void
pipe_free(struct pipe *p)
{
	reasm_free(p->r);
	free(p);
}

/* Feeds buf in chunks of 1..maxchunk bytes (a fixed pseudo-random walk),
 * then ends the input; returns the stats. */
static struct textrec_stats
run(struct pipe *p, const char *buf, size_t len, size_t maxchunk)
{
	struct textrec *t = textrec_new("test", on_rec, p);
	struct textrec_stats st;
	size_t off = 0, k = 7;

	assert_non_null(t);
	while (off < len) {
		size_t c = maxchunk <= 1 ? 1 : 1 + (k % maxchunk);

		k = k * 1103515245u + 12345u;
		if (c > len - off)
			c = len - off;
		textrec_feed(t, buf + off, c);
		off += c;
	}
	textrec_finish(t);
	textend_tick(&p->te, 0, true);
	reasm_flush(p->r);
	st = *textrec_stats(t);
	textrec_free(t);
	return st;
}

static const struct ev *
find_exec(const struct pipe *p, const char *needle)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (strstr(p->ev[i].execve, needle) != NULL)
			return &p->ev[i];
	return NULL;
}

static bool
has_type(const struct ev *e, uint16_t t)
{
	unsigned int i;

	for (i = 0; i < e->nrec && i < 16; i++)
		if (e->types[i] == t)
			return true;
	return false;
}

/* The real log: every line a record, enrichment cut, every event whole
 * (ended by a record of another serial, not aged or flushed). */
static void
test_real_log(void **state)
{
	size_t len;
	char *buf = fixture_read("../auditlog/enriched.log", &len);
	struct pipe *p = pipe_new(8);
	struct textrec_stats st = run(p, buf, len, 97);
	const struct ev *mv;
	unsigned int i, partial = 0;

	(void)state;
	assert_int_equal(st.lines, 283);
	assert_int_equal(st.parsed + st.skipped + st.refused, st.lines);
	assert_int_equal(st.parsed, 283);
	assert_int_equal(st.refused, 0);
	assert_int_equal(st.enriched, 142);
	assert_int_equal(st.cut, 0);
	assert_int_equal(p->records, 283);
	for (i = 0; i < p->n; i++)
		partial += p->ev[i].partial;
	assert_int_equal(partial, 0);
	mv = find_exec(p, "a0=\"mv\" a1=\"/tmp/srccap.txt\"");
	assert_non_null(mv);
	assert_int_equal(mv->types[0], 1300); /* SYSCALL first */
	assert_true(has_type(mv, 1307));      /* CWD */
	assert_true(has_type(mv, 1302));      /* PATH */
	assert_true(has_type(mv, 1327));      /* PROCTITLE */
	assert_non_null(find_exec(p, "a0=\"/bin/true\" a1=\"a\" a2=622063"));
	pipe_free(p);
	free(buf);
}

/* Chunking does not change anything: byte by byte as one block. */
static void
test_chunking(void **state)
{
	size_t len;
	char *buf = fixture_read("../auditlog/enriched.log", &len);
	struct pipe *a = pipe_new(8), *b = pipe_new(8);
	struct textrec_stats sa = run(a, buf, len, 1);
	struct textrec_stats sb = run(b, buf, len, len);

	(void)state;
	assert_int_equal(sa.parsed, sb.parsed);
	assert_int_equal(sa.lines, sb.lines);
	assert_int_equal(a->n, b->n);
	assert_memory_equal(a->ev, b->ev, a->n * sizeof(a->ev[0]));
	pipe_free(a);
	pipe_free(b);
	free(buf);
}

/* Hand-made variants: every line accounted for, refusals at their lines,
 * the cut last line neither a record nor a refusal. */
static void
test_variants(void **state)
{
	size_t len;
	char *buf = fixture_read("../auditlog/variants.log", &len);
	struct pipe *p = pipe_new(8);
	struct textrec_stats st = run(p, buf, len, 13);
	unsigned int i;
	const struct ev *e100 = NULL, *e101 = NULL;

	(void)state;
	assert_int_equal(st.lines, 17);
	assert_int_equal(st.skipped, 2);
	assert_int_equal(st.parsed, 11);
	assert_int_equal(st.refused, 4);
	assert_int_equal(st.first_refused_line, 13);
	assert_int_equal(st.last_refused_line, 16);
	assert_int_equal(st.enriched, 3);
	assert_int_equal(st.cut, 1);
	assert_string_equal(p->node, "web-01");
	for (i = 0; i < p->n; i++) {
		if (p->ev[i].serial == 100)
			e100 = &p->ev[i];
		if (p->ev[i].serial == 101)
			e101 = &p->ev[i];
	}
	/* interleaved serials: both events whole */
	assert_non_null(e100);
	assert_non_null(e101);
	assert_false(e100->partial);
	assert_int_equal(e100->nrec, 5);
	assert_int_equal(e101->nrec, 2);
	assert_string_equal(
	    e100->execve,
	    "argc=3 a0=\"sh\" a1=\"-c\" a2=6563686F2022612062220A");
	pipe_free(p);
	free(buf);
}

/* One line: the pure tokenizer on quoted values, enrichment and blanks. */
static void
test_line(void **state)
{
	static const char l1[] = "node=h type=PATH msg=audit(1.002:3): "
	                         "name=\"a b\" \x1dOUID=\"root\"\n";
	static const char l2[] = "type=EOE msg=audit(1.002:3): \n";
	uint16_t type;
	struct str pl, node;

	(void)state;
	assert_int_equal(textrec_line(l1, sizeof(l1) - 1, &type, &pl, &node),
	                 0);
	assert_int_equal(type, 1302);
	assert_int_equal(pl.n, strlen("audit(1.002:3): name=\"a b\""));
	assert_memory_equal(pl.p, "audit(1.002:3): name=\"a b\"", pl.n);
	assert_int_equal(node.n, 1);
	assert_int_equal(textrec_line(l2, sizeof(l2) - 1, &type, &pl, &node),
	                 0);
	assert_int_equal(type, RECORD_EOE);
	assert_int_equal(node.n, 0);
	assert_int_equal(textrec_line("  \r\n", 4, &type, &pl, &node), 1);
	assert_int_equal(textrec_line("type=EOE msg=", 13, &type, &pl, &node),
	                 -1);
}

/* A line longer than the bound is refused whole; the next one is read. */
static void
test_too_long(void **state)
{
	size_t n = TEXTREC_LINE_MAX + 100, i;
	char *buf = malloc(n + 200);
	struct pipe *p = pipe_new(8);
	struct textrec_stats st;
	int k;

	(void)state;
	assert_non_null(buf);
	k = snprintf(buf, 200, "type=PATH msg=audit(1.000:1): name=");
	for (i = (size_t)k; i < n; i++)
		buf[i] = 'A';
	buf[n] = '\n';
	k = snprintf(buf + n + 1, 199,
	             "type=CWD msg=audit(1.000:2): cwd=\"/\"\n");
	st = run(p, buf, n + 1 + (size_t)k, 4096);
	assert_int_equal(st.lines, 2);
	assert_int_equal(st.refused, 1);
	assert_int_equal(st.too_long, 1);
	assert_int_equal(st.first_refused_line, 1);
	assert_int_equal(st.parsed, 1);
	assert_int_equal(p->records, 1);
	pipe_free(p);
	free(buf);
}

static unsigned int ends;
static char last_eoe[96];

static void
count_end(const char *eoe, size_t len, void *arg)
{
	(void)arg;
	ends++;
	snprintf(last_eoe, sizeof(last_eoe), "%.*s", (int)len, eoe);
}

static struct record
rec_of(uint16_t type, uint64_t serial)
{
	struct record r;

	memset(&r, 0, sizeof(r));
	r.type = type;
	r.sec = 5;
	r.msec = 7;
	r.serial = serial;
	return r;
}

/* Depth, quiet time, real EOEs and stand-alone types. */
static void
test_textend(void **state)
{
	struct textend e;
	struct record r;

	(void)state;
	ends = 0;
	textend_init(&e, 2, 100, count_end, NULL);
	r = rec_of(1300, 10);
	textend_see(&e, &r, 0);
	r = rec_of(1302, 11);
	textend_see(&e, &r, 0);
	r = rec_of(1307, 10); /* back to 10: still open */
	textend_see(&e, &r, 50);
	assert_int_equal(ends, 0);
	r = rec_of(1300, 12); /* a third serial: the first opened ends */
	textend_see(&e, &r, 60);
	assert_int_equal(ends, 1);
	assert_string_equal(last_eoe, "audit(5.007:10): ");
	r = rec_of(1100, 13); /* a user message: not held open */
	textend_see(&e, &r, 60);
	r = rec_of(RECORD_EOE, 12); /* a real EOE: 12 is reasm's now */
	textend_see(&e, &r, 60);
	assert_int_equal(e.n, 1);
	textend_tick(&e, 150, false); /* 11 quiet since 0 */
	assert_int_equal(ends, 2);
	assert_string_equal(last_eoe, "audit(5.007:11): ");
	assert_int_equal(e.n, 0);
	r = rec_of(1300, 14);
	textend_see(&e, &r, 200);
	textend_tick(&e, 201, true);
	assert_int_equal(ends, 3);
}

/* Serials: in order, late, missing, a reset, more than the room, wrap. */
static void
test_serialgap(void **state)
{
	static struct serialgap g;
	uint64_t s;

	(void)state;
	serialgap_init(&g, 1000);
	assert_int_equal(serialgap_see(&g, 100, 0), 0);
	assert_int_equal(serialgap_see(&g, 100, 0), 0);
	assert_int_equal(serialgap_see(&g, 101, 0), 0);
	assert_int_equal(serialgap_see(&g, 105, 10), 0); /* 102-104 pend */
	assert_int_equal(serialgap_see(&g, 103, 20), 0); /* late */
	assert_int_equal(serialgap_tick(&g, 500, false), 0);
	assert_int_equal(serialgap_tick(&g, 1010, false), 2);
	assert_int_equal(g.late, 1);
	assert_int_equal(serialgap_see(&g, 103, 1020), 0); /* too late */
	assert_int_equal(serialgap_tick(&g, 9999, true), 0);
	/* a jump beyond the limit: another counter, nothing counted */
	assert_int_equal(serialgap_see(&g, 105 + SERIALGAP_JUMP_MAX + 5, 0), 0);
	assert_int_equal(g.resets, 1);
	/* more skipped than the room: the excess counts at once */
	s = g.high;
	assert_int_equal(serialgap_see(&g, s + SERIALGAP_PEND + 11, 0), 10);
	assert_int_equal(serialgap_tick(&g, 0, true), SERIALGAP_PEND);
	/* wrap of the low 32 bits */
	serialgap_init(&g, 1000);
	assert_int_equal(serialgap_see(&g, 0xfffffffeu, 0), 0);
	assert_int_equal(serialgap_see(&g, 0x100000001ull, 0), 0);
	assert_int_equal(serialgap_see(&g, 0xffffffffu, 0), 0); /* late */
	assert_int_equal(serialgap_tick(&g, 0, true), 1);       /* 0 */
	assert_int_equal(g.missing, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real_log),  cmocka_unit_test(test_chunking),
	    cmocka_unit_test(test_variants),  cmocka_unit_test(test_line),
	    cmocka_unit_test(test_too_long),  cmocka_unit_test(test_textend),
	    cmocka_unit_test(test_serialgap),
	};

	log_init("test_textrec", 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
