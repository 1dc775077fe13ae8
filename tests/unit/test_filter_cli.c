/* test_filter_cli.c - filter/cli.c: the checks made before anything is
 * read. -out never names the raw database (in any case) and is dropped by
 * -no-save; every date and duration is range-checked (out of range is an
 * error, never a wrapped time); the ausearch-style words. No store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define NS 1000000000LL
/* 2026-11-25T10:00:00Z */
#define NOW (1795600800LL * NS)

static void
opts_init(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mongo = "127.0.0.1:1";
	o->db = "test";
	o->format = "text";
	o->max_procs = 10;
}

/* cli_check of o with -since s and -until u */
static int
window(const char *s, const char *u, struct opts *o)
{
	opts_init(o);
	o->since_s = s;
	o->until_s = u;
	return cli_check(o, NOW);
}

static void
test_cli_out_never_db(void **state)
{
	struct opts o;

	(void)state;
	opts_init(&o);
	assert_int_equal(cli_check(&o, NOW), 0);
	assert_null(o.out); /* the default writes nothing */
	o.out = "Test";
	assert_int_equal(cli_check(&o, NOW), -1);
	o.out = "TEST";
	o.no_save = true; /* nothing is written: the name does not matter */
	assert_int_equal(cli_check(&o, NOW), 0);
	assert_null(o.out);
	opts_init(&o);
	o.out = "cooked";
	assert_int_equal(cli_check(&o, NOW), 0);
	assert_string_equal(o.out, "cooked");
	o.no_save = true;
	assert_int_equal(cli_check(&o, NOW), 0);
	assert_null(o.out);
	o.out = "";
	assert_int_equal(cli_check(&o, NOW), -1);
}

static void
test_cli_far_dates(void **state)
{
	struct opts o;

	(void)state;
	/* was read as 1816: the report was empty, exit 0 */
	assert_int_equal(window(NULL, "9999-12-31T23:59:59Z", &o), -1);
	assert_int_equal(window("2263-01-01T00:00:00Z", NULL, &o), -1);
	assert_int_equal(window("1600-01-01T00:00:00Z", NULL, &o), -1);
	assert_int_equal(window(NULL, "2261-12-31T23:59:59Z", &o), 0);
	assert_int_equal(o.until, 9214646399LL * NS);
	assert_int_equal(window("1970-01-01T00:00:00.5Z", NULL, &o), 0);
	assert_int_equal(o.since, NS / 2);
}

static void
test_cli_far_durations(void **state)
{
	struct opts o;

	(void)state;
	/* 200000 days is past int64 nanoseconds */
	assert_int_equal(window("200000d", NULL, &o), -1);
	assert_int_equal(window("9e18s", NULL, &o), -1);
	assert_int_equal(window("1e300h", NULL, &o), -1);
	assert_int_equal(window("nand", NULL, &o), -1);
	assert_int_equal(window("infs", NULL, &o), -1);
	assert_int_equal(window("-3d", NULL, &o), -1);
	assert_int_equal(window("3d", NULL, &o), 0);
	assert_int_equal(o.since, NOW - 3 * 86400 * NS);
	assert_int_equal(window("90s", "15m", &o), -1); /* since after until */
	assert_int_equal(window("100000d", NULL, &o), 0);
	assert_int_equal(o.since, NOW - 100000LL * 86400 * NS);
}

static void
test_cli_words(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(setenv("TZ", "UTC", 1), 0);
	tzset();
	assert_int_equal(window("today", NULL, &o), 0);
	assert_int_equal(o.since, 1795564800LL * NS); /* 2026-11-25T00:00Z */
	assert_int_equal(window("yesterday", "today", &o), 0);
	assert_int_equal(o.since, (1795564800LL - 86400) * NS);
	assert_int_equal(o.until, 1795564800LL * NS);
	assert_int_equal(window("recent", "now", &o), 0);
	assert_int_equal(o.since, NOW - 600 * NS);
	assert_int_equal(o.until, NOW);
	assert_int_equal(window("tomorrow", NULL, &o), -1);
	assert_int_equal(window("Today", NULL, &o), -1);
}

/* the format from -o's extension when -format is not given */
static void
test_cli_format_from_output(void **state)
{
	const char *cases[][3] = {
	    {"r.json", NULL, "json"},  {"/x/r.HTML", NULL, "html"},
	    {"r.htm", NULL, "html"},   {"r.txt", NULL, "text"},
	    {"r", NULL, "text"},       {"-", NULL, "text"},
	    {NULL, NULL, "text"},      {"r.json", "text", "text"},
	    {".json/r", NULL, "text"}, {"r.html", "json", "json"},
	};
	struct opts o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		opts_init(&o);
		o.format = cases[i][1];
		o.output = cases[i][0];
		assert_int_equal(cli_check(&o, NOW), 0);
		assert_string_equal(o.format, cases[i][2]);
	}
}

/* -tz: utc (the default) or local, any case; the generation time kept */
static void
test_cli_tz(void **state)
{
	struct opts o;

	(void)state;
	opts_init(&o);
	assert_int_equal(cli_check(&o, NOW), 0);
	assert_false(o.tz_local);
	assert_true(o.now == NOW);
	o.tz = "LOCAL";
	assert_int_equal(cli_check(&o, NOW), 0);
	assert_true(o.tz_local);
	o.tz = "utc";
	assert_int_equal(cli_check(&o, NOW), 0);
	assert_false(o.tz_local);
	o.tz = "Europe/Paris";
	assert_int_equal(cli_check(&o, NOW), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cli_out_never_db),
	    cmocka_unit_test(test_cli_far_dates),
	    cmocka_unit_test(test_cli_far_durations),
	    cmocka_unit_test(test_cli_words),
	    cmocka_unit_test(test_cli_format_from_output),
	    cmocka_unit_test(test_cli_tz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
