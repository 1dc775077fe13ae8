/* test_common.c - util, esc and flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "esc.h"
#include "flags.h"
#include "path.h"
#include "util.h"

static void
test_parse_u64_strict(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(util_parse_u64(STR_LIT("12345"), 10, 0, 99999, &v), 0);
	assert_int_equal(v, 12345);
	assert_int_equal(
	    util_parse_u64(STR_LIT("ffffff9c"), 16, 0, UINT64_MAX, &v), 0);
	assert_int_equal(v, 0xffffff9c);
	assert_int_equal(util_parse_u64(STR_LIT("12a"), 10, 0, 999, &v), -1);
	assert_int_equal(util_parse_u64(STR_LIT(""), 10, 0, 999, &v), -1);
	assert_int_equal(util_parse_u64(STR_LIT("1000"), 10, 0, 999, &v), -1);
	assert_int_equal(util_parse_u64(STR_LIT("99999999999999999999"), 10, 0,
	                                UINT64_MAX, &v),
	                 -1);
}

static void
test_uri_redact(void **state)
{
	static const char *const cases[][2] = {
	    {"127.0.0.1:27017", "127.0.0.1:27017"},
	    {"mongodb://db1:27017/", "mongodb://db1:27017/"},
	    {"mongodb://godo@db1/?authMechanism=MONGODB-X509",
	     "mongodb://godo@db1/?authMechanism=MONGODB-X509"},
	    {"mongodb://godo:s3cret@db1:27017,db2:27017/"
	     "?replicaSet=rs0&tls=true",
	     "mongodb://godo:***@db1:27017,db2:27017/?replicaSet=rs0&tls=true"},
	    {"mongodb+srv://u:p%40ss@cluster.example/raw",
	     "mongodb+srv://u:***@cluster.example/raw"},
	    {"mongodb://u:a@b@h/", "mongodb://u:***@h/"},
	    {"mongodb://h/?tls=true&tlsCertificateKeyFilePassword=pw&x=1",
	     "mongodb://h/?tls=true&tlsCertificateKeyFilePassword=***&x=1"},
	    {"mongodb://u:pw@h?TLSCERTIFICATEKEYFILEPASSWORD=pw",
	     "mongodb://u:***@h?TLSCERTIFICATEKEYFILEPASSWORD=***"},
	    {"mongodb://h/?password", "mongodb://h/?password"},
	};
	char out[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		util_uri_redact(cases[i][0], out, sizeof(out));
		assert_string_equal(out, cases[i][1]);
	}
	util_uri_redact("mongodb://godo:s3cret@db1:27017/", out, 15);
	assert_string_equal(out, "mongodb://godo");
	util_uri_redact("mongodb://godo:s3cret@db1:27017/", out, 18);
	assert_string_equal(out, "mongodb://godo:**");
}

static void
test_parse_i64_negative(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(util_parse_i64(STR_LIT("-2"), INT64_MIN, 0, &v), 0);
	assert_int_equal(v, -2);
	assert_int_equal(util_parse_i64(STR_LIT("-"), INT64_MIN, 0, &v), -1);
}

static void
test_time_roundtrip(void **state)
{
	char buf[40];
	int64_t ns;

	(void)state;
	assert_int_equal(
	    util_parse_time("2026-11-25T19:40:30.123456789Z", 0, &ns), 0);
	util_fmt_rfc3339(ns, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-25T19:40:30.123456789Z");
	assert_int_equal(util_parse_time("2026-11-25T20:40:30+01:00", 0, &ns),
	                 0);
	util_fmt_rfc3339(ns, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-25T19:40:30.000000000Z");
	assert_int_equal(util_parse_time("2h", 10000000000000LL, &ns), 0);
	assert_int_equal(ns, 10000000000000LL - 7200000000000LL);
	assert_int_equal(util_parse_time("yesterday", 0, &ns), -1);
	assert_int_equal(util_parse_time("2026-13-01T00:00:00Z", 0, &ns), -1);
}

static void
test_esc_clean(void **state)
{
	(void)state;
	assert_true(esc_is_clean("caf\xc3\xa9", 5));
	assert_false(esc_is_clean("a\xff", 2));
	assert_false(esc_is_clean("a\0b", 3));
	assert_false(esc_is_clean("\xc0\x80", 2));     /* overlong NUL */
	assert_false(esc_is_clean("\xed\xa0\x80", 3)); /* surrogate */
}

static void
test_esc_json_surrogateescape(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	esc_json(&b, "a\"b\\\n\xff<\xc3\xa9", 9);
	assert_string_equal(b.data, "a\\\"b\\\\\\n\\udcff\\u003c\xc3\xa9");
	buf_free(&b);
}

static void
test_esc_tty_no_newline(void **state)
{
	struct buf b;
	char out[16];

	(void)state;
	buf_init(&b);
	esc_tty(&b, "x\ny\\\xfe", 5);
	assert_string_equal(b.data, "x\\x0ay\\\\\\xfe");
	buf_free(&b);
	esc_log("0123456789abcdefghij", 20, out, sizeof(out));
	assert_string_equal(out, "0123456789ab...");
}

static void
test_flags_styles(void **state)
{
	const char *mongo = "x", *db = "test";
	bool force = false;
	uint64_t backlog = 0;
	int v = 0;
	struct flag tab[] = {
	    {"mongo", FLAG_STR, &mongo, "store", NULL},
	    {"db", FLAG_STR, &db, "db", NULL},
	    {"force", FLAG_BOOL, &force, "force", NULL},
	    {"backlog", FLAG_U64, &backlog, "bytes", NULL},
	    {"verbose", FLAG_INT, &v, "level", "v"},
	};
	char *argv[] = {"godo",         "-mongo=h:1", "--db", "raw",  "-force",
	                "--backlog=8M", "-v",         "2",    "rest", NULL};
	char *bad[] = {"godo", "-nope", NULL};
	char *help[] = {"godo", "--help", NULL};

	(void)state;
	assert_int_equal(flags_parse(tab, 5, 9, argv), 8);
	assert_string_equal(mongo, "h:1");
	assert_string_equal(db, "raw");
	assert_true(force);
	assert_int_equal(backlog, 8 * 1024 * 1024);
	assert_int_equal(v, 2);
	assert_int_equal(flags_parse(tab, 5, 2, bad), -1);
	assert_int_equal(flags_parse(tab, 5, 2, help), FLAGS_HELP);
}

static void
test_path_resolve_cleans(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(path_resolve("/t/wd", 5, "a.txt", 5, out, 64), 11);
	assert_string_equal(out, "/t/wd/a.txt");
	path_resolve("/x", 2, "/1/2/./../3//4/", 15, out, 64);
	assert_string_equal(out, "/1/3/4");
	path_resolve("/a/b", 4, "../../../c", 10, out, 64);
	assert_string_equal(out, "/c");
	path_resolve(NULL, 0, "rel/./x", 7, out, 64);
	assert_string_equal(out, "/rel/x");
	path_resolve("/", 1, ".", 1, out, 64);
	assert_string_equal(out, "/");
	assert_int_equal(path_resolve("/", 1, "0123456789", 10, out, 8), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_u64_strict),
	    cmocka_unit_test(test_parse_i64_negative),
	    cmocka_unit_test(test_uri_redact),
	    cmocka_unit_test(test_time_roundtrip),
	    cmocka_unit_test(test_esc_clean),
	    cmocka_unit_test(test_esc_json_surrogateescape),
	    cmocka_unit_test(test_esc_tty_no_newline),
	    cmocka_unit_test(test_flags_styles),
	    cmocka_unit_test(test_path_resolve_cleans),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
