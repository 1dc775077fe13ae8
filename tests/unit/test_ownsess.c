/* test_ownsess.c - godo's own audit session (ownsess.h): the numbers
 * /proc gives, and a claim that cannot get a new session excludes
 * nothing. The claim itself is tested as root against the kernel
 * (tests/integration/test_ownsess.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ownsess.h"

static void
test_ownsess_parse(void **state)
{
	uint32_t v = 1;

	(void)state;
	assert_int_equal(ownsess_parse("4294967295", 10, &v), 0);
	assert_int_equal(v, OWNSESS_UNSET);
	assert_int_equal(ownsess_parse("17\n", 3, &v), 0);
	assert_int_equal(v, 17);
	assert_int_equal(ownsess_parse("0", 1, &v), 0);
	assert_int_equal(v, 0);
	v = 5;
	assert_int_equal(ownsess_parse("4294967296", 10, &v), -1);
	assert_int_equal(ownsess_parse("", 0, &v), -1);
	assert_int_equal(ownsess_parse("\n", 1, &v), -1);
	assert_int_equal(ownsess_parse("-1", 2, &v), -1);
	assert_int_equal(ownsess_parse("12a", 3, &v), -1);
	assert_int_equal(ownsess_parse("1 2", 3, &v), -1);
	assert_int_equal(ownsess_parse("12345678901", 11, &v), -1);
	assert_int_equal(v, 5);
}

static void
put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* A directory that takes the write but gives no new session (what a
 * kernel without audit would): nothing is excluded. */
static void
test_ownsess_claim_without_new_session(void **state)
{
	char dir[] = "/tmp/ownsess-XXXXXX";
	char path[512];
	uint32_t sid = 9;

	(void)state;
	assert_non_null(mkdtemp(dir));
	put(dir, "loginuid", "4294967295\n");
	put(dir, "sessionid", "4294967295");
	assert_int_equal(ownsess_claim(dir, &sid), -1);
	assert_int_equal(sid, 0);
	put(dir, "sessionid", "12");
	assert_int_equal(ownsess_claim(dir, &sid), -1);
	assert_int_equal(sid, 0);
	/* a malformed loginuid: not written over */
	put(dir, "loginuid", "x");
	assert_int_equal(ownsess_claim(dir, &sid), -1);
	assert_int_equal(sid, 0);
	snprintf(path, sizeof(path), "%s/loginuid", dir);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/sessionid", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(ownsess_claim(dir, &sid), -1);
	assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ownsess_parse),
	    cmocka_unit_test(test_ownsess_claim_without_new_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
