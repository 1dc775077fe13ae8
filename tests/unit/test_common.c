/* test_common.c - util, esc and flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "esc.h"
#include "log.h"
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

/* The last component's offset: after the last '/', 0 without one. */
static void
test_path_base(void **state)
{
	(void)state;
	assert_int_equal(path_base("/usr/bin/dash", 13), 9);
	assert_int_equal(path_base("dash", 4), 0);
	assert_int_equal(path_base("/x/", 3), 3);
	assert_int_equal(path_base("/", 1), 1);
	assert_int_equal(path_base("", 0), 0);
	assert_int_equal(path_base("a/b\0/c", 4), 2); /* only n bytes read */
}

/* Runs fn with stderr sent to a temporary file; returns what it wrote. */
static void
capture_stderr(void (*fn)(void), char *out, size_t cap)
{
	FILE *tmp = tmpfile();
	int saved;
	size_t n;

	assert_non_null(tmp);
	assert_int_equal(fflush(stderr), 0);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), 2) >= 0);
	fn();
	assert_int_equal(fflush(stderr), 0);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	rewind(tmp);
	n = fread(out, 1, cap - 1, tmp);
	out[n] = '\0';
	fclose(tmp);
}

static void
log_some(void)
{
	errno = ENOENT;
	log_warn("open %s", "x");
	assert_int_equal(errno, ENOENT); /* kept for the caller */
	errno = EPERM;
	log_warnx("plain %d", 1);
	assert_int_equal(errno, EPERM);
	log_info("not at warn level");
	log_debug("nor this");
}

static void
test_log_lines_and_errno(void **state)
{
	char out[512];

	(void)state;
	log_init("t", LOG_LVL_WARN);
	capture_stderr(log_some, out, sizeof(out));
	assert_string_equal(out,
	                    "t: warning: open x: No such file or directory\n"
	                    "t: warning: plain 1\n");
	assert_int_equal(log_get_level(), LOG_LVL_WARN);
}

static void
log_verbose(void)
{
	log_info("i %s", "1");
	log_debug("d %s", "2");
}

static void
test_log_debug_level_prints_all(void **state)
{
	char out[256];

	(void)state;
	log_init("godo", LOG_LVL_DEBUG);
	capture_stderr(log_verbose, out, sizeof(out));
	assert_string_equal(out, "godo: info: i 1\ngodo: debug: d 2\n");
	log_init("t", LOG_LVL_ERROR);
	capture_stderr(log_verbose, out, sizeof(out));
	assert_string_equal(out, "");
}

static void
test_esc_html_entities(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	esc_html(&b, "<a href='x'>&\"\n", 15);
	assert_string_equal(b.data,
	                    "&lt;a href=&#39;x&#39;&gt;&amp;&quot;\\x0a");
	buf_free(&b);
}

static void
test_esc_json_controls_and_utf8(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	/* tab, ^A, DEL, > and &; a 4-byte sequence kept; a cut 3-byte one
	 * becomes one surrogate per byte */
	esc_json(&b, "\t\x01\x7f>&\xf0\x9f\x98\x80\xe2\x82", 11);
	assert_string_equal(b.data, "\\t\\u0001\\u007f\\u003e\\u0026"
	                            "\xf0\x9f\x98\x80\\udce2\\udc82");
	buf_free(&b);
}

/* A JSON string body holding only \uXXXX escapes (BMP, no surrogates)
 * back to UTF-8, as a JSON parser reads it. */
static size_t
json_unescape_bmp(const char *s, char *out)
{
	size_t n = 0;

	while (*s != '\0') {
		unsigned cp;

		if (s[0] != '\\' || s[1] != 'u') {
			out[n++] = *s++;
			continue;
		}
		assert_int_equal(sscanf(s + 2, "%4x", &cp), 1);
		s += 6;
		if (cp < 0x80) {
			out[n++] = (char)cp;
		} else if (cp < 0x800) {
			out[n++] = (char)(0xc0 | cp >> 6);
			out[n++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[n++] = (char)(0xe0 | cp >> 12);
			out[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[n++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	out[n] = '\0';
	return n;
}

/* C1 controls, bidi controls, zero-width characters and U+2028/9 are
 * \uXXXX in JSON (no raw override reaches a viewer of the file), and the
 * string reads back exactly; their neighbours stay as they are. */
static void
test_esc_json_hidden_code_points(void **state)
{
	static const char in[] =
	    "a\xc2\x9b"
	    "31m\xc2\x9d\xc2\x85"
	    "evil\xe2\x80\xaetxt\xe2\x81\xa6\xe2\x81\xa9"
	    "\xe2\x80\x8b\xe2\x80\x8f\xef\xbb\xbf"
	    "\xe2\x80\xa8\xe2\x80\xa9|\xc2\xa0\xe2\x80\x90\xc3\xa9";
	char back[sizeof(in)];
	struct buf b;

	(void)state;
	buf_init(&b);
	esc_json(&b, in, sizeof(in) - 1);
	assert_string_equal(b.data,
	                    "a\\u009b31m\\u009d\\u0085evil\\u202etxt\\u2066"
	                    "\\u2069\\u200b\\u200f\\ufeff\\u2028\\u2029|"
	                    "\xc2\xa0\xe2\x80\x90\xc3\xa9");
	assert_int_equal(json_unescape_bmp(b.data, back), sizeof(in) - 1);
	assert_memory_equal(back, in, sizeof(in) - 1);
	buf_free(&b);
}

static void
test_esc_tty_utf8_kept_invalid_hex(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b);
	esc_tty(&b, "\xc3\xa9-\xc3-\x7f-\"", 8);
	assert_string_equal(b.data, "\xc3\xa9-\\xc3-\\x7f-\"");
	buf_free(&b);
}

static void
test_esc_log_small_buffers(void **state)
{
	char out[8] = "zzzzzzz";

	(void)state;
	esc_log("abc", 3, out, 0); /* nothing written */
	assert_string_equal(out, "zzzzzzz");
	esc_log("abcdef", 6, out, 4); /* no room for "..." */
	assert_string_equal(out, "");
	esc_log("abcdefg", 7, out, 8); /* fits exactly */
	assert_string_equal(out, "abcdefg");
	esc_log("abcdefgh", 8, out, 8);
	assert_string_equal(out, "abcd...");
	assert_ptr_equal(esc_log("\n", 1, out, 8), out);
	assert_string_equal(out, "\\x0a");
}

static void
test_buf_grows_and_resets(void **state)
{
	struct buf b;
	int i;

	(void)state;
	buf_init(&b);
	for (i = 0; i < 100; i++)
		buf_printf(&b, "%03d,", i);
	assert_int_equal(b.len, 400);
	assert_int_equal(strlen(b.data), 400);
	assert_memory_equal(b.data + 396, "099,", 4);
	assert_false(b.oom);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_add(&b, "ab", 2);
	buf_addc(&b, 'c');
	buf_adds(&b, "de");
	assert_string_equal(b.data, "abcde");
	buf_free(&b);
	assert_null(b.data);
	buf_reset(&b); /* an empty buf can be reset */
}

static void
test_util_strlcpy_and_str(void **state)
{
	char small[4];

	(void)state;
	assert_int_equal(util_strlcpy(small, "abcdef", sizeof(small)), 6);
	assert_string_equal(small, "abc");
	assert_int_equal(util_strlcpy(small, "ab", sizeof(small)), 2);
	assert_string_equal(small, "ab");
	assert_int_equal(util_strlcpy(small, "xyz", 0), 3);
	assert_string_equal(small, "ab");
	assert_true(str_eq(STR_LIT("godo"), "godo"));
	assert_false(str_eq(STR_LIT("godo"), "god"));
	assert_false(str_eq(STR_LIT("god"), "godo"));
	assert_true(str_has_prefix(STR_LIT("godo-x"), "godo"));
	assert_false(str_has_prefix(STR_LIT("go"), "godo"));
}

static void
test_parse_i64_bounds(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(util_parse_i64(STR_LIT("-9223372036854775808"),
	                                INT64_MIN, INT64_MAX, &v),
	                 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(util_parse_i64(STR_LIT("9223372036854775807"),
	                                INT64_MIN, INT64_MAX, &v),
	                 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(util_parse_i64(STR_LIT("9223372036854775808"),
	                                INT64_MIN, INT64_MAX, &v),
	                 -1);
	assert_int_equal(util_parse_i64(STR_LIT("-9223372036854775809"),
	                                INT64_MIN, INT64_MAX, &v),
	                 -1);
	assert_int_equal(util_parse_i64(STR_LIT("+1"), 0, 9, &v), -1);
	assert_int_equal(util_parse_i64(STR_LIT(" 1"), 0, 9, &v), -1);
	assert_int_equal(util_parse_i64(STR_LIT("-1"), 0, 9, &v), -1);
	assert_int_equal(util_parse_i64(STR_LIT("10"), 0, 9, &v), -1);
	assert_int_equal(util_parse_i64(STR_LIT(""), 0, 9, &v), -1);
}

static void
test_flags_bool_values_and_end(void **state)
{
	bool force = true;
	int n = 0;
	struct flag tab[] = {
	    {"force", FLAG_BOOL, &force, "force", NULL},
	    {"n", FLAG_INT, &n, "count", NULL},
	};
	char *off[] = {"godo", "-force=false", "--", "-n", NULL};
	char *on[] = {"godo", "--force=1", "pos", NULL};
	char *novalue[] = {"godo", "-n", NULL};
	char *badbool[] = {"godo", "-force=maybe", NULL};

	(void)state;
	log_init("t", LOG_LVL_ERROR);
	assert_int_equal(flags_parse(tab, 2, 4, off), 3); /* after "--" */
	assert_false(force);
	assert_int_equal(n, 0);
	assert_int_equal(flags_parse(tab, 2, 3, on), 2);
	assert_true(force);
	assert_int_equal(flags_parse(tab, 2, 2, novalue), -1);
	assert_int_equal(flags_parse(tab, 2, 2, badbool), -1);
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
	    cmocka_unit_test(test_path_base),
	    cmocka_unit_test(test_log_lines_and_errno),
	    cmocka_unit_test(test_log_debug_level_prints_all),
	    cmocka_unit_test(test_esc_html_entities),
	    cmocka_unit_test(test_esc_json_controls_and_utf8),
	    cmocka_unit_test(test_esc_json_hidden_code_points),
	    cmocka_unit_test(test_esc_tty_utf8_kept_invalid_hex),
	    cmocka_unit_test(test_esc_log_small_buffers),
	    cmocka_unit_test(test_buf_grows_and_resets),
	    cmocka_unit_test(test_util_strlcpy_and_str),
	    cmocka_unit_test(test_parse_i64_bounds),
	    cmocka_unit_test(test_flags_bool_values_and_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
