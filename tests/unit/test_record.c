/* test_record.c - record tokenizer, value decoding and the log line format,
 * over audit text captured from the kernel (tests/data/audit/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "record.h"

/* The n-th (0-based) record line of a fixture whose type is typ and whose
 * payload contains needle; parsed into *rec. The payload is copied to an
 * exact-size heap buffer (freed by the caller via rec->payload.p) so that
 * ASan sees any read past its end. */
static void
fixture_record(const char *name, uint16_t typ, const char *needle,
               struct record *rec)
{
	size_t len, i = 0;
	char *buf = fixture_read(name, &len), *line, *nl, *copy;
	uint16_t t;
	struct str pl;

	for (line = buf; i < len; line = nl + 1) {
		nl = memchr(line, '\n', len - (size_t)(line - buf));
		if (nl == NULL)
			nl = buf + len;
		i = (size_t)(nl - buf) + 1;
		if (record_parse_line(line, (size_t)(nl - line), &t, &pl) != 0)
			continue;
		if (t != typ ||
		    memmem(pl.p, pl.n, needle, strlen(needle)) == NULL)
			continue;
		copy = malloc(pl.n);
		assert_non_null(copy);
		memcpy(copy, pl.p, pl.n);
		assert_int_equal(record_parse(rec, t, copy, pl.n), 0);
		free(buf);
		return;
	}
	free(buf);
	fail_msg("no record %u with %s in %s", typ, needle, name);
}

static void
assert_str(struct str s, const char *want, size_t n)
{
	assert_int_equal(s.n, n);
	assert_memory_equal(s.p, want, n);
}

static void
test_record_header_parsed(void **state)
{
	struct record r;

	(void)state;
	fixture_record("fs_ops.log", 1300, ":341)", &r);
	assert_int_equal(r.type, 1300);
	assert_int_equal(r.sec, 1795636100);
	assert_int_equal(r.msec, 498);
	assert_int_equal(r.serial, 341);
	assert_true(str_has_prefix(r.body, "arch=c000003e syscall=257 "));
	free((void *)r.payload.p);
}

static void
test_record_eoe_has_empty_body(void **state)
{
	struct record r;
	struct record_iter it;
	struct str k, v;

	(void)state;
	fixture_record("fs_ops.log", RECORD_EOE, ":341)", &r);
	assert_int_equal(r.serial, 341);
	assert_int_equal(r.body.n, 0);
	record_iter_init(&it, &r);
	assert_false(record_iter_next(&it, &k, &v));
	free((void *)r.payload.p);
}

static void
test_record_fields_iterate_in_order(void **state)
{
	struct record r;
	struct record_iter it;
	struct str k, v;
	unsigned int n = 0;

	(void)state;
	fixture_record("fs_ops.log", 1300, ":341)", &r);
	record_iter_init(&it, &r);
	assert_true(record_iter_next(&it, &k, &v));
	assert_true(str_eq(k, "arch") && str_eq(v, "c000003e"));
	assert_true(record_iter_next(&it, &k, &v));
	assert_true(str_eq(k, "syscall") && str_eq(v, "257"));
	n = 2;
	while (record_iter_next(&it, &k, &v))
		n++;
	assert_true(n > 20);
	assert_true(record_find(&r, "comm", &v));
	assert_true(str_eq(v, "\"wl\""));
	assert_true(record_find(&r, "key", &v));
	assert_true(str_eq(v, "\"hcap\""));
	assert_true(record_find(&r, "a0", &v));
	assert_true(str_eq(v, "5")); /* the dirfd */
	assert_false(record_find(&r, "nosuchfield", &v));
	free((void *)r.payload.p);
}

/* Names the kernel printed as hex: space, quote, a non-UTF-8 byte, a
 * newline (kernel-interfaces.md 1.5). */
static void
test_record_value_decodes_hex_names(void **state)
{
	static const struct {
		const char *serial, *want;
		size_t n;
	} c[] = {
	    {":358): item=1 ", "has space.txt", 13},
	    {":369): item=1 ", "quo\"te.txt", 10},
	    {":380): item=1 ", "caf\xff.txt", 8},
	    {":386): item=1 ", "new\nline.txt", 12},
	};
	char buf[64];
	struct record r;
	struct str v, out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		/* item 1 is the CREATE; item 0 the quoted PARENT */
		fixture_record("fs_ops.log", 1302, c[i].serial, &r);
		assert_true(record_find(&r, "nametype", &v));
		assert_true(str_eq(v, "CREATE"));
		assert_true(record_find(&r, "name", &v));
		assert_true(v.p[0] != '"');
		assert_int_equal(record_value(v, buf, sizeof(buf), &out), 1);
		assert_str(out, c[i].want, c[i].n);
		free((void *)r.payload.p);
	}
}

static void
test_record_value_quoted_null_and_bad(void **state)
{
	char buf[8];
	struct str out;

	(void)state;
	assert_int_equal(record_value(STR_LIT("\"/tmp/x\""), buf, 0, &out), 1);
	assert_str(out, "/tmp/x", 6);
	assert_int_equal(record_value(STR_LIT("\"\""), buf, 0, &out), 1);
	assert_int_equal(out.n, 0);
	assert_int_equal(record_value(STR_LIT("(null)"), buf, 8, &out), 0);
	assert_int_equal(record_value(STR_LIT("(none)"), buf, 8, &out), 0);
	assert_int_equal(record_value(STR_LIT("616"), buf, 8, &out), -1);
	assert_int_equal(record_value(STR_LIT("6g"), buf, 8, &out), -1);
	assert_int_equal(record_value(STR_LIT("\"open"), buf, 8, &out), -1);
	assert_int_equal(record_value(STR_LIT("\""), buf, 8, &out), -1);
	/* 9 bytes do not fit 8 */
	assert_int_equal(
	    record_value(STR_LIT("616161616161616161"), buf, 8, &out), -1);
	assert_int_equal(
	    record_value(STR_LIT("6161616161616161"), buf, 8, &out), 1);
	assert_str(out, "aaaaaaaa", 8);
	assert_int_equal(record_hex_decode(STR_LIT("00FFab"), buf, 3), 3);
	assert_memory_equal(buf, "\x00\xff\xab", 3);
}

/* record_value_copy: what sysevent keeps of each form, and where it cuts. */
static void
test_record_value_copy_quoted_cut(void **state)
{
	char buf[8];
	bool cut = false;

	(void)state;
	assert_int_equal(record_value_copy(STR_LIT("\"/tmp/x\""), buf, 8, &cut),
	                 6);
	assert_memory_equal(buf, "/tmp/x", 6);
	assert_false(cut);
	assert_int_equal(
	    record_value_copy(STR_LIT("\"/tmp/long/name\""), buf, 8, &cut), 8);
	assert_memory_equal(buf, "/tmp/lon", 8);
	assert_true(cut);
	/* no closing quote (a value cut by the kernel): the text is kept */
	cut = false;
	assert_int_equal(record_value_copy(STR_LIT("\"open"), buf, 8, &cut), 4);
	assert_memory_equal(buf, "open", 4);
	assert_false(cut);
	assert_int_equal(record_value_copy(STR_LIT("\""), buf, 8, &cut), 0);
}

static void
test_record_value_copy_hex_cut_at_cap(void **state)
{
	char buf[4];
	bool cut = false;

	(void)state;
	assert_int_equal(record_value_copy(STR_LIT("41420043"), buf, 4, &cut),
	                 4);
	assert_memory_equal(buf, "AB\0C", 4);
	assert_false(cut);
	/* 5 bytes into 4: the first 4, flagged */
	assert_int_equal(record_value_copy(STR_LIT("6162636465"), buf, 4, &cut),
	                 4);
	assert_memory_equal(buf, "abcd", 4);
	assert_true(cut);
	cut = false;
	assert_int_equal(record_value_copy(STR_LIT("6A6b"), buf, 4, &cut), 2);
	assert_memory_equal(buf, "jk", 2);
	assert_int_equal(record_value_copy(STR_LIT(""), buf, 4, &cut), 0);
	assert_false(cut);
}

static void
test_record_value_copy_none_and_raw(void **state)
{
	char buf[8];
	bool cut = false;

	(void)state;
	assert_int_equal(record_value_copy(STR_LIT("(null)"), buf, 8, &cut),
	                 -1);
	assert_int_equal(record_value_copy(STR_LIT("(none)"), buf, 8, &cut),
	                 -1);
	/* neither quoted nor hex: kept as it is (odd length, non-hex) */
	assert_int_equal(record_value_copy(STR_LIT("616"), buf, 8, &cut), 3);
	assert_memory_equal(buf, "616", 3);
	assert_int_equal(record_value_copy(STR_LIT("x86_64"), buf, 8, &cut), 6);
	assert_memory_equal(buf, "x86_64", 6);
	assert_false(cut);
	assert_int_equal(record_value_copy(STR_LIT("rawvalue!"), buf, 8, &cut),
	                 8);
	assert_true(cut);
	/* the strict form refuses what the lenient one keeps raw */
	assert_int_equal(
	    record_value(STR_LIT("x86_64"), buf, 8, &(struct str){NULL, 0}),
	    -1);
}

/* EXECVE continuation records of a long argument start with a space and
 * carry only the chunk (kernel-interfaces.md 1.7). */
static void
test_record_execve_continuation_starts_with_space(void **state)
{
	struct record r;
	struct record_iter it;
	struct str k, v;

	(void)state;
	fixture_record("execve_long_arg.log", 1309, " a1[1]=", &r);
	assert_true(str_has_prefix(r.body, " a1[1]="));
	record_iter_init(&it, &r);
	assert_true(record_iter_next(&it, &k, &v));
	assert_true(str_eq(k, "a1[1]"));
	assert_int_equal(v.n % 2, 0);
	assert_true(v.n > 7000);
	assert_false(record_iter_next(&it, &k, &v));
	free((void *)r.payload.p);
}

static void
test_record_iter_quoted_values_and_junk(void **state)
{
	static const char p[] = "audit(1.002:3): pid=1 msg='op=x a=\"b c\"' "
	                        "junk k= =v e=\"x y\" last=1";
	struct record r;
	struct record_iter it;
	struct str k, v;

	(void)state;
	assert_int_equal(record_parse(&r, 1100, p, sizeof(p) - 1), 0);
	assert_int_equal(r.msec, 2);
	record_iter_init(&it, &r);
	assert_true(record_iter_next(&it, &k, &v) && str_eq(k, "pid"));
	assert_true(record_iter_next(&it, &k, &v) && str_eq(k, "msg"));
	assert_true(str_eq(v, "'op=x a=\"b c\"'"));
	assert_true(record_iter_next(&it, &k, &v) && str_eq(k, "k"));
	assert_int_equal(v.n, 0);
	assert_true(record_iter_next(&it, &k, &v) && str_eq(k, "e"));
	assert_true(str_eq(v, "\"x y\""));
	assert_true(record_iter_next(&it, &k, &v) && str_eq(k, "last"));
	assert_false(record_iter_next(&it, &k, &v));
}

/* Every fixture line survives parse_line -> format_line byte for byte,
 * including the EOE trailing space and names libaudit knows. */
static void
test_record_line_roundtrip_all_fixtures(void **state)
{
	static const char *const files[] = {
	    "docker_overlay.log", "execve_args.log", "execve_long_arg.log",
	    "fs_ops.log",         "i386.log",        "interleaved.log",
	    "missing_eoe.log"};
	static char out[RECORD_LINE_MAX];
	size_t f, len, nlines = 0;
	char *buf, *line, *nl;
	uint16_t t;
	struct str pl;
	ssize_t n;
	int rc;

	(void)state;
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		buf = fixture_read(files[f], &len);
		for (line = buf; line < buf + len; line = nl + 1) {
			nl = memchr(line, '\n', len - (size_t)(line - buf));
			if (nl == NULL)
				nl = buf + len;
			rc = record_parse_line(line, (size_t)(nl - line), &t,
			                       &pl);
			if (line[0] == '#' || nl == line) {
				assert_int_equal(rc, 1);
				continue;
			}
			assert_int_equal(rc, 0);
			n = record_format_line(t, pl.p, pl.n, out, sizeof(out));
			assert_int_equal(n, (nl - line) + 1);
			assert_memory_equal(out, line, (size_t)n - 1);
			assert_int_equal(out[n - 1], '\n');
			nlines++;
		}
		free(buf);
	}
	assert_true(nlines > 700);
}

static void
test_record_line_unknown_type_and_escapes(void **state)
{
	static const char pay[] = "audit(1.000:9): a=\"x\ny\"\0\0";
	static const char node[] = "node=h type=EOE msg=audit(1.000:9): \n";
	char out[128];
	uint16_t t;
	struct str pl;
	ssize_t n;

	(void)state;
	n = record_format_line(1399, pay, sizeof(pay) - 1, out, sizeof(out));
	assert_true(n > 0);
	assert_string_equal(
	    out, "type=UNKNOWN[1399] msg=audit(1.000:9): a=\"x?y\"\n");
	assert_int_equal(record_parse_line(out, (size_t)n, &t, &pl), 0);
	assert_int_equal(t, 1399);
	assert_true(str_eq(pl, "audit(1.000:9): a=\"x?y\""));
	/* too small: -1 and an empty string */
	assert_int_equal(
	    record_format_line(1300, pay, sizeof(pay) - 1, out, 20), -1);
	assert_string_equal(out, "");
	assert_int_equal(record_parse_line(node, sizeof(node) - 1, &t, &pl), 0);
	assert_int_equal(t, RECORD_EOE);
	assert_int_equal(record_parse_line("# c", 3, &t, &pl), 1);
	assert_int_equal(record_parse_line("  \r\n", 4, &t, &pl), 1);
	assert_int_equal(record_parse_line("type=NOPE msg=x", 15, &t, &pl), -1);
	assert_int_equal(record_parse_line("type=SYSCALL", 12, &t, &pl), -1);
	assert_int_equal(
	    record_parse_line("type=UNKNOWN[70000] msg=", 24, &t, &pl), -1);
	assert_int_equal(record_parse_line("type= msg=", 10, &t, &pl), -1);
}

static void
test_record_bad_headers_rejected(void **state)
{
	static const char *const bad[] = {"",
	                                  "audit",
	                                  "audit(",
	                                  "audit(1",
	                                  "audit(1.",
	                                  "audit(1.2",
	                                  "audit(1.2:",
	                                  "audit(1.2:3",
	                                  "audit(1.2:3)",
	                                  "audit(.2:3): ",
	                                  "audit(1.:3): ",
	                                  "audit(1.2:): ",
	                                  "audit(1.1000:3): ",
	                                  "audit(99999999999.0:3): ",
	                                  "audit(1.2:99999999999999999999): ",
	                                  "audit(1.2;3): ",
	                                  "xaudit(1.2:3): ",
	                                  "AUDIT(1.2:3): "};
	struct record r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = strlen(bad[i]);
		char *copy = malloc(n + 1);

		assert_non_null(copy);
		memcpy(copy, bad[i], n + 1);
		assert_int_equal(record_parse(&r, 1300, copy, n), -1);
		assert_int_equal(r.serial, 0);
		free(copy);
	}
	assert_int_equal(record_parse(&r, 1300, NULL, 5), -1);
	assert_int_equal(record_parse(&r, 1300, "audit(1.2:3):", 13), 0);
	assert_int_equal(r.body.n, 0);
}

/* Found by tests/fuzz/fuzz_audit: a 10-digit time past 2262 parsed, and
 * sysevent's sec * 1e9 overflowed int64_t (UBSan). The last second whose
 * time in ns fits is accepted, the next one is not. */
static void
test_record_time_past_int64_ns_rejected(void **state)
{
	static const char ok[] = "audit(9223372035.999:7): a=1";
	static const char *const bad[] = {"audit(9223372036.000:7): a=1",
	                                  "audit(9756316100.510:502): a=1",
	                                  "audit(9999999999.999:7): a=1"};
	struct record r;
	size_t i;

	(void)state;
	assert_int_equal(record_parse(&r, 1300, ok, sizeof(ok) - 1), 0);
	assert_int_equal(r.sec, RECORD_SEC_MAX);
	assert_int_equal(r.msec, 999);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(record_parse(&r, 1300, bad[i], strlen(bad[i])),
		                 -1);
		assert_int_equal(r.sec, 0);
	}
}

/* Every prefix of every real record: the header either parses or not,
 * iteration stays inside the bytes (ASan checks the exact-size copy). */
static void
test_record_truncated_records_stay_in_bounds(void **state)
{
	size_t len, cut;
	char *buf = fixture_read("fs_ops.log", &len), *line, *nl, *copy;
	struct record r;
	struct record_iter it;
	struct str k, v, pl;
	uint16_t t;

	(void)state;
	for (line = buf; line < buf + len; line = nl + 1) {
		nl = memchr(line, '\n', len - (size_t)(line - buf));
		if (nl == NULL)
			nl = buf + len;
		if (record_parse_line(line, (size_t)(nl - line), &t, &pl) != 0)
			continue;
		for (cut = 0; cut <= pl.n; cut += 7) {
			copy = malloc(cut + 1);
			assert_non_null(copy);
			memcpy(copy, pl.p, cut);
			(void)record_parse(&r, t, copy, cut);
			record_iter_init(&it, &r);
			while (record_iter_next(&it, &k, &v))
				assert_true(k.n > 0 &&
				            k.p + k.n <= copy + cut &&
				            v.p + v.n <= copy + cut);
			free(copy);
		}
	}
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_record_header_parsed),
	    cmocka_unit_test(test_record_eoe_has_empty_body),
	    cmocka_unit_test(test_record_fields_iterate_in_order),
	    cmocka_unit_test(test_record_value_decodes_hex_names),
	    cmocka_unit_test(test_record_value_quoted_null_and_bad),
	    cmocka_unit_test(test_record_value_copy_quoted_cut),
	    cmocka_unit_test(test_record_value_copy_hex_cut_at_cap),
	    cmocka_unit_test(test_record_value_copy_none_and_raw),
	    cmocka_unit_test(test_record_execve_continuation_starts_with_space),
	    cmocka_unit_test(test_record_iter_quoted_values_and_junk),
	    cmocka_unit_test(test_record_line_roundtrip_all_fixtures),
	    cmocka_unit_test(test_record_line_unknown_type_and_escapes),
	    cmocka_unit_test(test_record_bad_headers_rejected),
	    cmocka_unit_test(test_record_truncated_records_stay_in_bounds),
	    cmocka_unit_test(test_record_time_past_int64_ns_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
