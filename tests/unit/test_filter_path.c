/* test_filter_path.c - the filter's path repair (filter/repair.c over
 * common/path.c) and its string map (filter/model.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "repair.h"

/* repair_path(cwd, in) as a C string; cwd NULL: none recorded */
static void
expect_path(const char *cwd, const char *in, const char *want)
{
	struct bytes c = {(char *)cwd, cwd ? strlen(cwd) : 0, cwd != NULL};
	struct bytes i = {(char *)in, strlen(in), true};
	struct bytes out = {0};

	repair_path(cwd ? &c : NULL, &i, &out);
	assert_true(out.set);
	assert_string_equal(out.p, want);
	assert_int_equal(out.n, strlen(want));
	bytes_free(&out);
}

static void
test_path_absolute_cleaned(void **state)
{
	(void)state;
	expect_path(NULL, "/", "/");
	expect_path(NULL, "//", "/");
	expect_path(NULL, "/1/2/./../3", "/1/3");
	expect_path(NULL, "/etc/./foo//bar/../baz", "/etc/foo/baz");
	expect_path(NULL, "/../../etc/passwd", "/etc/passwd");
	expect_path(NULL, "/a/b/c/..", "/a/b");
	expect_path(NULL, "/a/.", "/a");
	expect_path(NULL, "/a/..b/.c", "/a/..b/.c");
	expect_path(NULL, "/.", "/");
	expect_path("/ignored", "/abs//p/", "/abs/p");
}

static void
test_path_keeps_bytes(void **state)
{
	const char in[] = "/t/\xff\x00z/./q";
	struct bytes i = {(char *)in, sizeof(in) - 1, true}, out = {0};

	(void)state;
	repair_path(NULL, &i, &out);
	assert_int_equal(out.n, 8);
	assert_memory_equal(out.p, "/t/\xff\x00z/q", 8);
	bytes_free(&out);
}

static void
test_path_relative(void **state)
{
	(void)state;
	expect_path("/app", "data/x.txt", "/app/data/x.txt");
	expect_path("/app/sub", "../up/./y", "/app/up/y");
	expect_path("/app/", "./a//b/", "/app/a/b");
	expect_path("/app", "../../..", "/");
	expect_path("/app", "", "/app");
	/* no cwd recorded: kept as the process passed it */
	expect_path(NULL, "rel/../r", "rel/../r");
	expect_path("", "x", "x");
}

static void
test_strmap_grows_and_replaces(void **state)
{
	struct strmap *h = strmap_new();
	char key[32];
	uintptr_t i;

	(void)state;
	for (i = 1; i <= 1000; i++) {
		snprintf(key, sizeof(key), "k%lu", (unsigned long)i);
		strmap_put(h, key, (void *)i);
	}
	assert_int_equal(strmap_len(h), 1000);
	assert_ptr_equal(strmap_get(h, "k777"), (void *)(uintptr_t)777);
	strmap_put(h, "k777", (void *)(uintptr_t)1);
	assert_ptr_equal(strmap_get(h, "k777"), (void *)(uintptr_t)1);
	assert_null(strmap_get(h, "nope"));
	strmap_free(h);
}

static void
test_same_task_one_tick(void **state)
{
	struct task a, b;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.id = "b:5:100";
	b.id = "b:5:101";
	a.host = b.host = "h";
	a.boot = b.boot = "b";
	a.pid = b.pid = 5;
	a.has_ticks = b.has_ticks = true;
	a.start_ticks = 100;
	b.start_ticks = 101;
	assert_true(model_same_task(&a, &b));
	b.start_ticks = 102; /* PID reuse: another incarnation */
	assert_false(model_same_task(&a, &b));
	b.start_ticks = 101;
	b.boot = "other";
	assert_false(model_same_task(&a, &b));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path_absolute_cleaned),
	    cmocka_unit_test(test_path_keeps_bytes),
	    cmocka_unit_test(test_path_relative),
	    cmocka_unit_test(test_strmap_grows_and_replaces),
	    cmocka_unit_test(test_same_task_one_tick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
