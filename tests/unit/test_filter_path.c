/* test_filter_path.c - the filter's path cleaning and resolution
 * (filter/pathx.c) and its string map (filter/model.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "pathx.h"

static void
expect_clean(const char *in, const char *want)
{
	char out[256];
	size_t n = pathx_clean(in, strlen(in), out);

	assert_string_equal(out, want);
	assert_int_equal(n, strlen(want));
}

static void
test_pathx_clean_like_go(void **state)
{
	(void)state;
	expect_clean("", ".");
	expect_clean("/", "/");
	expect_clean("//", "/");
	expect_clean("/1/2/./../3", "/1/3");
	expect_clean("/etc/./foo//bar/../baz", "/etc/foo/baz");
	expect_clean("/../../etc/passwd", "/etc/passwd");
	expect_clean("a/b/../../..", "..");
	expect_clean("../../x", "../../x");
	expect_clean("./", ".");
	expect_clean("abc/", "abc");
	expect_clean("/a/b/c/..", "/a/b");
	expect_clean("/a/.", "/a");
	expect_clean("/a/..b/.c", "/a/..b/.c");
	expect_clean("/.", "/");
	expect_clean(".", ".");
	expect_clean("..", "..");
}

static void
test_pathx_keeps_bytes(void **state)
{
	const char in[] = "/t/\xff\x00z/./q";
	char out[32];
	size_t n;

	(void)state;
	n = pathx_clean(in, sizeof(in) - 1, out);
	assert_int_equal(n, 8);
	assert_memory_equal(out, "/t/\xff\x00z/q", 8);
}

static void
test_pathx_resolve_relative(void **state)
{
	char *out;

	(void)state;
	pathx_resolve("/app", 4, "data/x.txt", 10, &out);
	assert_string_equal(out, "/app/data/x.txt");
	free(out);
	pathx_resolve("/app/sub", 8, "../up/./y", 9, &out);
	assert_string_equal(out, "/app/up/y");
	free(out);
	pathx_resolve("/app", 4, "/abs//p", 7, &out);
	assert_string_equal(out, "/abs/p");
	free(out);
	pathx_resolve(NULL, 0, "rel/../r", 8, &out);
	assert_string_equal(out, "r");
	free(out);
}

static void
test_fmap_grows_and_replaces(void **state)
{
	struct fmap *h = fmap_new();
	char key[32];
	uintptr_t i;

	(void)state;
	for (i = 1; i <= 1000; i++) {
		snprintf(key, sizeof(key), "k%lu", (unsigned long)i);
		fmap_put(h, key, (void *)i);
	}
	assert_int_equal(fmap_len(h), 1000);
	assert_ptr_equal(fmap_get(h, "k777"), (void *)(uintptr_t)777);
	fmap_put(h, "k777", (void *)(uintptr_t)1);
	assert_ptr_equal(fmap_get(h, "k777"), (void *)(uintptr_t)1);
	assert_null(fmap_get(h, "nope"));
	fmap_free(h);
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
	    cmocka_unit_test(test_pathx_clean_like_go),
	    cmocka_unit_test(test_pathx_keeps_bytes),
	    cmocka_unit_test(test_pathx_resolve_relative),
	    cmocka_unit_test(test_fmap_grows_and_replaces),
	    cmocka_unit_test(test_same_task_one_tick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
