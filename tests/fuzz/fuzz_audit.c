/* fuzz_audit.c - libFuzzer target for the audit path: record tokenizer,
 * reassembly by serial and event decoding (record.c, reasm.c, sysevent.c).
 * The input is a sequence of records separated by '\n'. A line that is an
 * auditd log line ("type=NAME msg=...") is taken as such; any other line
 * gives its type in its first two bytes (1300 + b0 % 100 when b1 is even,
 * so most records land in the multi-record range, else b0 | b1 << 8) and
 * its payload in the rest. Every record also goes through the value
 * decoders and the log line formatter. A fake clock advances per record, so
 * age-out, eviction (a small table) and slot overflow are all reached. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysevent.h"
#include "reasm.h"
#include "record.h"
#include "schema.h"

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			        __LINE__, #c);                                 \
			abort();                                               \
		}                                                              \
	} while (0)

#define FUZZ_SLOTS 4
#define FUZZ_SLOT_BYTES (64 * 1024)
#define FUZZ_AGE_MS 2000

struct fuzz {
	struct sysevent_dec *d;
	struct sysevent *e;
	struct reasm *r;
};

static struct fuzz fz;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
emit(const struct reasm_event *ev, void *arg)
{
	struct fuzz *f = arg;
	size_t total = 0;
	unsigned int i;

	CHECK(ev->nrec > 0 || ev->partial);
	CHECK(ev->partial ==
	      (ev->end != REASM_END_EOE && ev->end != REASM_END_SINGLE));
	if (sysevent_decode(f->d, ev, f->e) != 0) {
		CHECK(ev->nrec == 0);
		return;
	}
	CHECK(f->e->serial == ev->serial);
	CHECK(f->e->argc <= ARGS_MAX_COUNT);
	CHECK(f->e->npath <= SYSEV_MAX_PATHS);
	for (i = 0; i < f->e->argc; i++) {
		if (!f->e->args_from_proctitle)
			total += f->e->argv[i].n;
		CHECK(f->e->argv[i].n <= ARGS_MAX_BYTES);
	}
	CHECK(total <= ARGS_MAX_BYTES);
	for (i = 0; i < f->e->npath; i++) {
		CHECK(f->e->path[i].has_name);
		CHECK(f->e->path[i].name.n <= PATH_MAX_BYTES);
	}
	CHECK(f->e->comm.n <= 64);
	CHECK(f->e->exe.n <= PATH_MAX_BYTES);
	CHECK(f->e->cwd.n <= PATH_MAX_BYTES);
	CHECK(f->e->key.n <= 1024);
}

/* The pure helpers on one record. */
static void
poke_record(uint16_t type, const char *p, size_t n)
{
	static char line[RECORD_LINE_MAX + 64];
	static char val[4096];
	struct record rec;
	struct record_iter it;
	struct str k, v, out, pl;
	uint16_t t2;
	ssize_t ln, cn;
	bool cut;
	uint64_t u;

	if (record_parse(&rec, type, p, n) == 0) {
		CHECK(rec.msec <= 999);
		CHECK(rec.body.p >= p && rec.body.p + rec.body.n == p + n);
		record_iter_init(&it, &rec);
		while (record_iter_next(&it, &k, &v)) {
			CHECK(k.n > 0 && k.p >= p && k.p + k.n <= p + n);
			CHECK(v.p >= p && v.p + v.n <= p + n);
			if (record_value(v, val, sizeof(val), &out) == 1)
				CHECK(out.n <= v.n);
			/* the lenient decoder sysevent runs: within the
			 * cap given, never more than the value's bytes */
			cut = false;
			cn = record_value_copy(v, val, 16, &cut);
			CHECK(cn >= -1 && cn <= 16 &&
			      (size_t)(cn + 1) <= v.n + 1);
			CHECK(!cut || cn == 16);
			(void)record_u64(v, 10, &u);
			(void)record_u64(v, 16, &u);
		}
		(void)record_find(&rec, "name", &v);
	}
	ln = record_format_line(type, p, n, line, sizeof(line));
	if (ln < 0)
		return;
	CHECK((size_t)ln < sizeof(line) && line[ln] == '\0');
	CHECK(memchr(line, '\n', (size_t)ln - 1) == NULL);
	/* The line reads back as the same type (unless libaudit names two
	 * types alike) and the payload without NUL/newline. */
	if (record_parse_line(line, (size_t)ln, &t2, &pl) == 0)
		CHECK(pl.p >= line && pl.p + pl.n <= line + ln);
}

static int
init(void)
{
	fz.d = sysevent_dec_new();
	fz.e = malloc(sizeof(*fz.e));
	fz.r = reasm_new(FUZZ_SLOTS, FUZZ_SLOT_BYTES, FUZZ_AGE_MS, emit, &fz);
	return fz.d != NULL && fz.e != NULL && fz.r != NULL ? 0 : -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	uint64_t now = 1000;
	struct str pl;
	uint16_t type;
	size_t n;
	char *copy;
	struct reasm_stats st;

	if (fz.r == NULL && init() != 0)
		abort();
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		if (record_parse_line(p, n, &type, &pl) != 0) {
			if (n < 2) {
				p += n + 1;
				continue;
			}
			type = (uint8_t)p[1] % 2 == 0
			           ? (uint16_t)(1300 + (uint8_t)p[0] % 100)
			           : (uint16_t)((uint8_t)p[0] | (uint8_t)p[1]
			                                            << 8);
			pl.p = p + 2;
			pl.n = n - 2;
		}
		/* An exact-size copy: ASan sees any read past the payload. */
		copy = malloc(pl.n > 0 ? pl.n : 1);
		CHECK(copy != NULL);
		memcpy(copy, pl.p, pl.n);
		poke_record(type, copy, pl.n);
		(void)reasm_add(fz.r, type, copy, pl.n, now);
		free(copy);
		now += 1 + (pl.n > 0 ? (uint8_t)pl.p[pl.n - 1] * 4u : 0);
		reasm_tick(fz.r, now);
		p += n + 1;
	}
	reasm_flush(fz.r);
	reasm_stats(fz.r, &st);
	/* every partial event has exactly one cause */
	CHECK(st.open == 0);
	CHECK(st.partial == st.aged + st.flood + st.evicted + st.flushed);
	return 0;
}
