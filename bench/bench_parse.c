/* bench_parse.c - throughput of the audit text path: record_parse (inside
 * reasm_add), reassembly and sysevent_decode, one core, over auditd log lines
 * (default: tests/data/audit/interleaved.log, a real docker run slice).
 * Lines are split once up front; the timed loop feeds them again and again,
 * and counts malloc calls through -Wl,--wrap=malloc (must stay 0).
 * Build and run from the repo top:
 *   make B=build/bench build/bench/libcommon.a build/bench/listener/record.o \
 *     build/bench/listener/reasm.o build/bench/listener/sysevent.o
 * build/bench/listener/syscalls.o
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Icommon -Ilistener -Wl,--wrap=malloc \
 *     -o build/bench/bench_parse bench/bench_parse.c \
 *     build/bench/listener/{record,reasm,sysevent,syscalls}.o
 * build/bench/libcommon.a \ -laudit build/bench/bench_parse [FILE.log]
 * [seconds] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sysevent.h"
#include "reasm.h"
#include "record.h"

void *__real_malloc(size_t n);
void *__wrap_malloc(size_t n);

static unsigned long mallocs;

void *
__wrap_malloc(size_t n)
{
	mallocs++;
	return __real_malloc(n);
}

struct line {
	uint16_t type;
	const char *p;
	size_t n;
};

struct sink {
	struct sysevent_dec *d;
	struct sysevent *e;
	unsigned long events, paths, args;
};

static void
sink_emit(const struct reasm_event *ev, void *arg)
{
	struct sink *s = arg;

	if (sysevent_decode(s->d, ev, s->e) == 0) {
		s->paths += s->e->npath;
		s->args += s->e->argc;
	}
	s->events++;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	const char *file =
	    argc > 1 ? argv[1] : "tests/data/audit/interleaved.log";
	double secs = argc > 2 ? atof(argv[2]) : 2.0, t0, t;
	struct line *lines;
	size_t nlines = 0, cap = 1024, i, len;
	unsigned long recs = 0, rounds = 0, m0;
	char *buf, *line, *nl;
	struct sink s = {0};
	struct reasm *r;
	struct str pl;
	uint16_t type;
	FILE *f;
	long n;

	f = fopen(file, "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		perror(file);
		return 1;
	}
	len = (size_t)n;
	buf = malloc(len);
	lines = malloc(cap * sizeof(*lines));
	if (buf == NULL || lines == NULL || fread(buf, 1, len, f) != len)
		return 1;
	fclose(f);
	for (line = buf; line < buf + len; line = nl + 1) {
		nl = memchr(line, '\n', len - (size_t)(line - buf));
		if (nl == NULL)
			nl = buf + len;
		if (record_parse_line(line, (size_t)(nl - line), &type, &pl) !=
		    0)
			continue;
		if (nlines == cap) {
			cap *= 2;
			lines = realloc(lines, cap * sizeof(*lines));
			if (lines == NULL)
				return 1;
		}
		lines[nlines++] = (struct line){type, pl.p, pl.n};
	}
	s.d = sysevent_dec_new();
	s.e = malloc(sizeof(*s.e));
	r = reasm_new(REASM_SLOTS, REASM_SLOT_BYTES, REASM_AGE_MS, sink_emit,
	              &s);
	if (s.d == NULL || s.e == NULL || r == NULL)
		return 1;
	m0 = mallocs;
	t0 = now_s();
	do {
		for (i = 0; i < nlines; i++)
			reasm_add(r, lines[i].type, lines[i].p, lines[i].n, 0);
		recs += nlines;
		rounds++;
		t = now_s() - t0;
	} while (t < secs);
	reasm_flush(r);
	printf("%s: %zu records/pass, %lu passes in %.2f s\n", file, nlines,
	       rounds, t);
	printf("%.0f events/s, %.0f records/s, %.3f us/event, "
	       "mallocs in loop: %lu\n",
	       (double)s.events / t, (double)recs / t,
	       t * 1e6 / (double)s.events, mallocs - m0);
	reasm_free(r);
	sysevent_dec_free(s.d);
	free(s.e);
	free(lines);
	free(buf);
	return 0;
}
