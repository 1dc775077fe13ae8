/* test_sjtok.c - filter/sjtok.c: the JSON tokenizer under sjson.c and
 * sjson_fast.c. Blanks, literals, strings (escapes, their decoding,
 * invalid UTF-8), numbers, containers walked member by member; and the
 * faults with their messages and offsets: unterminated strings, bad
 * escapes, control characters, truncated and overlong numbers, truncated
 * containers, nesting past the bound; the first fault is the one kept.
 * Every buffer is an exact heap copy, not NUL-terminated, so that ASan
 * and valgrind see a read past its end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "sjtok.h"

struct fix {
	struct sjtok t;
	char err[SJTOK_ERR_MAX];
	char *copy;
};

/* t over an exact copy of s (its length, no NUL after it) */
static struct sjtok *
over(struct fix *f, const char *s)
{
	size_t n = strlen(s);

	f->copy = malloc(n ? n : 1);
	assert_non_null(f->copy);
	memcpy(f->copy, s, n);
	f->err[0] = '\0';
	f->t.b = f->copy;
	f->t.n = n;
	f->t.err = f->err;
	return &f->t;
}

static void
done(struct fix *f)
{
	free(f->copy);
	f->copy = NULL;
}

/* the string s scanned whole: its contents' span */
static struct sjtok_span
string_ok(struct fix *f, const char *s)
{
	struct sjtok *t = over(f, s);
	struct sjtok_span c = {0, 0};
	size_t i = 0;

	if (sjtok_scan_string(t, &i, t->n, &c) != 0)
		fail_msg("refused %s: %s", s, f->err);
	assert_int_equal(i, t->n);
	assert_int_equal(c.off, 1);
	assert_int_equal(c.len, t->n - 2);
	return c;
}

/* s refused by scan (at its start), with the message want */
static void
string_refused(const char *s, const char *want)
{
	struct fix f;
	struct sjtok *t = over(&f, s);
	struct sjtok_span c;
	size_t i = 0;

	assert_int_equal(sjtok_scan_string(t, &i, t->n, &c), -1);
	assert_int_equal(i, 0);
	assert_string_equal(f.err, want);
	done(&f);
}

static void
test_sjtok_blanks_literals(void **state)
{
	struct fix f;
	struct sjtok *t;
	size_t i;

	(void)state;
	t = over(&f, " \t\r\n x ");
	assert_int_equal(sjtok_skip_ws(t, 0, t->n), 5);
	assert_int_equal(sjtok_skip_ws(t, 6, t->n), 7);
	assert_int_equal(sjtok_skip_ws(t, 0, 2), 2); /* stops at end */
	done(&f);

	t = over(&f, "true,false");
	i = 0;
	assert_int_equal(sjtok_scan_literal(t, &i, t->n, "true"), 0);
	assert_int_equal(i, 4);
	i = 5;
	assert_int_equal(sjtok_scan_literal(t, &i, t->n, "false"), 0);
	assert_int_equal(i, 10);
	assert_string_equal(f.err, "");
	/* cut short by end */
	i = 0;
	assert_int_equal(sjtok_scan_literal(t, &i, 3, "true"), -1);
	assert_int_equal(i, 0);
	assert_string_equal(f.err, "unexpected characters at byte 0");
	done(&f);

	t = over(&f, "nul");
	i = 0;
	assert_int_equal(sjtok_scan_literal(t, &i, t->n, "null"), -1);
	done(&f);
}

static void
test_sjtok_strings(void **state)
{
	struct fix f;
	struct sjtok_buf o;
	struct sjtok_span c;

	(void)state;
	sjtok_buf_init(&o);
	/* every simple escape, a \u, a surrogate pair, UTF-8 as is */
	c = string_ok(&f, "\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00"
	                  "\xc3\xa9\"");
	assert_int_equal(sjtok_decode_string(&f.t, c, &o), 0);
	assert_int_equal(o.len, 17);
	assert_memory_equal(
	    o.p, "a\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80\xc3\xa9", o.len);
	assert_int_equal(o.p[o.len], '\0');
	done(&f);

	/* a lone surrogate, invalid UTF-8 bytes: U+FFFD each; \u0000 kept */
	c = string_ok(&f, "\"\\ud800x\xff\xc3(\\u0000\"");
	assert_int_equal(sjtok_decode_string(&f.t, c, &o), 0);
	assert_int_equal(o.len, 12);
	assert_memory_equal(o.p,
	                    "\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd("
	                    "\0",
	                    o.len);
	done(&f);

	/* longer than the stack: on the heap, then free leaves it empty */
	{
		char s[SJTOK_STACK_STR * 2 + 3];

		memset(s, 'q', sizeof(s) - 1);
		s[0] = '"';
		s[sizeof(s) - 2] = '"';
		s[sizeof(s) - 1] = '\0';
		c = string_ok(&f, s);
		assert_int_equal(sjtok_decode_string(&f.t, c, &o), 0);
		assert_int_equal(o.len, SJTOK_STACK_STR * 2);
		assert_ptr_not_equal(o.p, o.stack);
		done(&f);
	}
	sjtok_buf_free(&o);
	assert_ptr_equal(o.p, o.stack);
	assert_int_equal(o.len, 0);
	sjtok_buf_free(&o);
}

/* malformed strings: unterminated, bad escapes, control characters */
static void
test_sjtok_string_faults(void **state)
{
	(void)state;
	string_refused("\"abc", "unterminated string at byte 0");
	string_refused("\"", "unterminated string at byte 0");
	string_refused("\"abc\\\"", "unterminated string at byte 0");
	string_refused("\"abc\\", "unterminated string at byte 0");
	string_refused("\"a\\x\"", "bad escape in a string at byte 2");
	string_refused("\"a\\'\"", "bad escape in a string at byte 2");
	string_refused("\"\\u12g4\"", "bad \\u escape in a string at byte 1");
	string_refused("\"\\u12\"", "bad \\u escape in a string at byte 1");
	string_refused("\"\\u12", "bad \\u escape in a string at byte 1");
	string_refused("\"a\nb\"", "control character in a string at byte 2");
	string_refused("\"\t\"", "control character in a string at byte 1");
}

/* b whole as a number: 0 and *integer, or -1 and f->err */
static int
number(struct fix *f, const char *s, size_t *i, bool *integer)
{
	struct sjtok *t = over(f, s);

	*i = 0;
	return sjtok_scan_number(t, i, t->n, integer);
}

static void
number_refused(const char *s, const char *want)
{
	struct fix f;
	bool integer;
	size_t i;

	assert_int_equal(number(&f, s, &i, &integer), -1);
	assert_int_equal(i, 0);
	assert_string_equal(f.err, want);
	done(&f);
}

static void
test_sjtok_numbers(void **state)
{
	struct fix f;
	bool integer;
	size_t i;
	char big[SJTOK_MAX_NUMBER + 2];

	(void)state;
	assert_int_equal(number(&f, "0", &i, &integer), 0);
	assert_int_equal(i, 1);
	assert_true(integer);
	done(&f);
	assert_int_equal(number(&f, "-12.5e+3,", &i, &integer), 0);
	assert_int_equal(i, 8); /* what follows is not looked at */
	assert_false(integer);
	done(&f);
	assert_int_equal(number(&f, "-904E5]", &i, &integer), 0);
	assert_int_equal(i, 6);
	assert_false(integer);
	done(&f);
	/* a leading zero ends the number: the caller sees what follows */
	assert_int_equal(number(&f, "01", &i, &integer), 0);
	assert_int_equal(i, 1);
	assert_true(integer);
	done(&f);

	/* truncated, or not a number */
	number_refused("-", "bad number at byte 1");
	number_refused("1.", "bad number at byte 2");
	number_refused("1.e5", "bad number at byte 2");
	number_refused("1e", "bad number at byte 2");
	number_refused("1e+", "bad number at byte 3");
	number_refused("+1", "bad number at byte 0");
	number_refused(".5", "bad number at byte 0");
	number_refused("x", "bad number at byte 0");

	/* SJTOK_MAX_NUMBER characters, then one more */
	memset(big, '7', sizeof(big) - 1);
	big[SJTOK_MAX_NUMBER] = '\0';
	assert_int_equal(number(&f, big, &i, &integer), 0);
	assert_int_equal(i, SJTOK_MAX_NUMBER);
	done(&f);
	big[SJTOK_MAX_NUMBER] = '7';
	big[SJTOK_MAX_NUMBER + 1] = '\0';
	number_refused(big, "number longer than 64 characters at byte 0");
}

struct seen {
	struct sjtok_span key[4], val[4];
	size_t n, stop_at;
};

static int
collect(struct sjtok *t, struct sjtok_span key, struct sjtok_span val,
        void *arg)
{
	struct seen *s = arg;

	if (s->n == s->stop_at)
		return sjtok_fail(t, val.off, "stopped");
	assert_true(s->n < 4);
	s->key[s->n] = key;
	s->val[s->n] = val;
	s->n++;
	return 0;
}

/* s (a container) refused by sjtok_skip_value with the message want */
static void
value_refused(const char *s, const char *want)
{
	struct fix f;
	struct sjtok *t = over(&f, s);
	size_t i = 0;

	assert_int_equal(sjtok_skip_value(t, &i, t->n, 0), -1);
	assert_string_equal(f.err, want);
	done(&f);
}

static void
test_sjtok_containers(void **state)
{
	struct fix f;
	struct seen s = {.stop_at = 99};
	struct sjtok *t;
	size_t i = 0;
	char deep[2 * (SJTOK_MAX_DEPTH + 1) + 1];

	(void)state;
	t = over(&f, "{ \"a\" : 1 , \"b\\n\":[true, null] } x");
	assert_int_equal(sjtok_scan_container(t, &i, t->n, 0, collect, &s), 0);
	assert_int_equal(i, 32);
	assert_int_equal(s.n, 2);
	assert_true(sjtok_span_is(t, s.key[0], "a"));
	assert_true(sjtok_span_is(t, s.val[0], "1"));
	assert_true(sjtok_span_is(t, s.key[1], "b\\n"));
	assert_true(sjtok_span_is(t, s.val[1], "[true, null]"));
	/* the same without fn: skipped */
	i = 0;
	assert_int_equal(sjtok_skip_value(t, &i, t->n, 0), 0);
	assert_int_equal(i, 32);
	/* an array: items without keys */
	s.n = 0;
	i = 18;
	assert_int_equal(sjtok_scan_container(t, &i, t->n, 0, collect, &s), 0);
	assert_int_equal(i, 30);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.key[0].off, 0);
	assert_int_equal(s.key[0].len, 0);
	assert_true(sjtok_span_is(t, s.val[1], "null"));
	/* fn's fault ends the scan, its message kept */
	s.n = 0;
	s.stop_at = 1;
	i = 0;
	assert_int_equal(sjtok_scan_container(t, &i, t->n, 0, collect, &s), -1);
	assert_int_equal(s.n, 1);
	assert_string_equal(f.err, "stopped at byte 18");
	done(&f);

	value_refused("{\"a\":1", "truncated at byte 6");
	value_refused("{\"a\":", "truncated at byte 5");
	value_refused("[1,", "truncated at byte 3");
	value_refused("{\"a\" 1}", "expected ':' at byte 5");
	value_refused("{a:1}", "expected a field name at byte 1");
	value_refused("[1 2]", "expected ',' at byte 3");
	value_refused("[\"x]", "unterminated string at byte 1");
	value_refused("[1.]", "bad number at byte 3");

	/* SJTOK_MAX_DEPTH containers nest, one more does not */
	memset(deep, '[', SJTOK_MAX_DEPTH);
	memset(deep + SJTOK_MAX_DEPTH, ']', SJTOK_MAX_DEPTH);
	deep[2 * SJTOK_MAX_DEPTH] = '\0';
	t = over(&f, deep);
	i = 0;
	assert_int_equal(sjtok_skip_value(t, &i, t->n, 0), 0);
	assert_int_equal(i, 2 * SJTOK_MAX_DEPTH);
	done(&f);
	memset(deep, '[', SJTOK_MAX_DEPTH + 1);
	memset(deep + SJTOK_MAX_DEPTH + 1, ']', SJTOK_MAX_DEPTH + 1);
	deep[2 * (SJTOK_MAX_DEPTH + 1)] = '\0';
	value_refused(deep, "nested deeper than 100 at byte 100");
}

static void
test_sjtok_spans_keys(void **state)
{
	struct fix f;
	struct sjtok *t;
	struct sjtok_span v = {0, 4}, c;
	struct sjtok_span a = {1, 1}, u = {5, 6}, b = {14, 1};

	(void)state;
	t = over(&f, "\"ab\" 12");
	assert_int_equal(sjtok_string_at(t, v, &c), 0);
	assert_int_equal(c.off, 1);
	assert_int_equal(c.len, 2);
	v.len = 3; /* the string does not close within v */
	assert_int_equal(sjtok_string_at(t, v, &c), -1);
	assert_string_equal(f.err, "unterminated string at byte 0");
	f.err[0] = '\0';
	v.off = 5;
	v.len = 2;
	assert_int_equal(sjtok_string_at(t, v, &c), -1);
	assert_string_equal(f.err, "expected a string at byte 5");
	done(&f);

	/* "a", "\u0061", "b": the first two the same string */
	t = over(&f, "\"a\" \"\\u0061\" \"b\"");
	assert_true(sjtok_key_eq(t, a, a));
	assert_true(sjtok_key_eq(t, a, u));
	assert_true(sjtok_key_eq(t, u, a));
	assert_false(sjtok_key_eq(t, a, b));
	assert_false(sjtok_key_eq(t, u, b));
	assert_true(sjtok_span_is(t, a, "a"));
	assert_false(sjtok_span_is(t, u, "a")); /* no decoding */
	assert_false(sjtok_span_is(t, a, "ab"));
	assert_string_equal(f.err, "");
	done(&f);
}

/* the first fault is the one kept; a message cut to fit loses the offset */
static void
test_sjtok_first_fault(void **state)
{
	struct fix f;
	struct sjtok *t;
	char longer[SJTOK_ERR_MAX + 20];

	(void)state;
	t = over(&f, "x");
	assert_int_equal(sjtok_fail(t, 3, "first %d", 1), -1);
	assert_int_equal(sjtok_fail(t, 4, "second"), -1);
	assert_string_equal(f.err, "first 1 at byte 3");
	f.err[0] = '\0';
	memset(longer, 'm', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	assert_int_equal(sjtok_fail(t, 9, "%s", longer), -1);
	assert_int_equal(strlen(f.err), SJTOK_ERR_MAX - 1);
	assert_null(strstr(f.err, "at byte"));
	done(&f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sjtok_blanks_literals),
	    cmocka_unit_test(test_sjtok_strings),
	    cmocka_unit_test(test_sjtok_string_faults),
	    cmocka_unit_test(test_sjtok_numbers),
	    cmocka_unit_test(test_sjtok_containers),
	    cmocka_unit_test(test_sjtok_spans_keys),
	    cmocka_unit_test(test_sjtok_first_fault),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
