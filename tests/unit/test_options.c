/* test_options.c - godo's command line: defaults, flags, ranges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "options.h"

static enum options_result
parse(struct options *o, int argc, const char **argv)
{
	memset(o, 0, sizeof(*o));
	return options_parse(o, argc, (char **)argv);
}

static void
test_options_defaults(void **state)
{
	const char *argv[] = {"godo"};
	struct options o;
	char err[128];

	(void)state;
	assert_int_equal(parse(&o, 1, argv), OPTIONS_RUN);
	assert_string_equal(o.mongo, "127.0.0.1:27017");
	assert_string_equal(o.state_dir, "/var/lib/godo");
	assert_int_equal(o.proc_cap, 65536);
	assert_int_equal(o.batch_wait_us, 2000);
	assert_false(o.all);
	assert_false(o.lock);
	assert_true(options_privsep(&o)); /* issue 19: on by default */
	assert_int_equal(options_check(&o, err, sizeof(err)), 0);
}

static void
test_options_no_privsep_wins(void **state)
{
	const char *off[] = {"godo", "-no-privsep"};
	const char *both[] = {"godo", "-privsep", "-no-privsep"};
	const char *on[] = {"godo", "-privsep"};
	struct options o;

	(void)state;
	assert_int_equal(parse(&o, 2, off), OPTIONS_RUN);
	assert_false(options_privsep(&o));
	assert_int_equal(parse(&o, 3, both), OPTIONS_RUN);
	assert_false(options_privsep(&o));
	assert_int_equal(parse(&o, 2, on), OPTIONS_RUN);
	assert_true(options_privsep(&o));
}

static void
test_options_flags(void **state)
{
	const char *argv[] = {"godo", "-all",     "-mongo=h:1", "-proc-cap",
	                      "2048", "-stats=0", "-lock"};
	struct options o;

	(void)state;
	assert_int_equal(parse(&o, 7, argv), OPTIONS_RUN);
	assert_true(o.all);
	assert_true(o.lock);
	assert_string_equal(o.mongo, "h:1");
	assert_int_equal(o.proc_cap, 2048);
	assert_int_equal(o.stats_s, 0);
}

static void
test_options_ranges(void **state)
{
	const char *small[] = {"godo", "-fd-cap=5"};
	const char *wait[] = {"godo", "-batch-wait=100001"};
	struct options o;
	char err[128];

	(void)state;
	assert_int_equal(parse(&o, 2, small), OPTIONS_RUN);
	assert_int_equal(options_check(&o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "-fd-cap"));
	assert_int_equal(parse(&o, 2, wait), OPTIONS_RUN);
	assert_int_equal(options_check(&o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "-batch-wait"));
}

/* -source and -rules-mode: their values, and no -lock/-force beside a
 * daemon. */
static void
test_options_source(void **state)
{
	const char *mc[] = {"godo", "-source=multicast", "-rules-mode=none"};
	const char *bad[] = {"godo", "-source=netlink"};
	const char *badr[] = {"godo", "-rules-mode=always"};
	const char *lock[] = {"godo", "-source=stdin", "-lock"};
	struct options o;
	char err[128];

	(void)state;
	assert_int_equal(parse(&o, 1, mc), OPTIONS_RUN);
	assert_string_equal(o.source, "unicast");
	assert_string_equal(o.rules_mode, "install");
	assert_int_equal(parse(&o, 3, mc), OPTIONS_RUN);
	assert_int_equal(options_check(&o, err, sizeof(err)), 0);
	assert_string_equal(o.source, "multicast");
	assert_string_equal(o.rules_mode, "none");
	assert_int_equal(parse(&o, 2, bad), OPTIONS_RUN);
	assert_int_equal(options_check(&o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "-source"));
	assert_int_equal(parse(&o, 2, badr), OPTIONS_RUN);
	assert_int_equal(options_check(&o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "-rules-mode"));
	assert_int_equal(parse(&o, 3, lock), OPTIONS_RUN);
	assert_int_equal(options_check(&o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "-lock"));
}

/* -replay repeats, in both spellings, among other flags. */
static void
test_options_replay(void **state)
{
	const char *argv[] = {"godo",     "-replay=a.log", "-db=x", "--replay",
	                      "b.log.gz", "-replay",       "-"};
	struct options o;

	(void)state;
	assert_int_equal(parse(&o, 7, argv), OPTIONS_RUN);
	assert_int_equal(o.nreplay, 3);
	assert_string_equal(o.replay[0], "a.log");
	assert_string_equal(o.replay[1], "b.log.gz");
	assert_string_equal(o.replay[2], "-");
	assert_string_equal(o.db, "x");
	assert_int_equal(parse(&o, 1, argv), OPTIONS_RUN);
	assert_int_equal(o.nreplay, 0);
}

static void
test_options_bad_and_extra(void **state)
{
	const char *extra[] = {"godo", "stray"};
	const char *bad[] = {"godo", "-no-such-flag"};
	struct options o;

	(void)state;
	assert_int_equal(parse(&o, 2, extra), OPTIONS_BAD);
	assert_int_equal(parse(&o, 2, bad), OPTIONS_BAD);
}

/* -mem-limit: 64M by default, suffixes, 1M..1T. */
static void
test_options_mem_limit(void **state)
{
	const char *dflt[] = {"godo"};
	const char *m16[] = {"godo", "-mem-limit=16M"};
	const char *tiny[] = {"godo", "-mem-limit=512K"};
	struct options o;
	char err[128];

	(void)state;
	assert_int_equal(parse(&o, 1, dflt), OPTIONS_RUN);
	assert_int_equal(o.mem_limit, 64ull << 20);
	assert_int_equal(parse(&o, 2, m16), OPTIONS_RUN);
	assert_int_equal(o.mem_limit, 16ull << 20);
	assert_int_equal(options_check(&o, err, sizeof(err)), 0);
	assert_int_equal(parse(&o, 2, tiny), OPTIONS_RUN);
	assert_int_equal(options_check(&o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "-mem-limit"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_options_mem_limit),
	    cmocka_unit_test(test_options_defaults),
	    cmocka_unit_test(test_options_no_privsep_wins),
	    cmocka_unit_test(test_options_flags),
	    cmocka_unit_test(test_options_ranges),
	    cmocka_unit_test(test_options_bad_and_extra),
	    cmocka_unit_test(test_options_source),
	    cmocka_unit_test(test_options_replay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
