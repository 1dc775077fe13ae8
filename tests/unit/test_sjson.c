/* test_sjson.c - filter/sjson.c: FerretDB's stored JSON (its SQLite
 * handler's rows) to BSON. Every type FerretDB stores, nested documents
 * and arrays, field order from the schema's $k, string escapes and
 * invalid UTF-8 as Go's decoder reads them, the projection; and rows that
 * must be refused with a message, never a crash: every truncation of a
 * good row, bad escapes, huge and out-of-range numbers, nesting past the
 * bound, schemas that do not match their data. No store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sjson.h"

/* row converted: 0 and out, or -1 and err (never empty on -1) */
static int
conv(const char *row, bson_t *out, char *err)
{
	int rc;

	bson_init(out);
	rc = sjson_to_bson(row, strlen(row), NULL, NULL, out, err);
	if (rc != 0)
		assert_true(err[0] != '\0');
	return rc;
}

static void
assert_converts_to(const char *row, const bson_t *want)
{
	char err[SJSON_ERR_MAX];
	bson_t got;

	if (conv(row, &got, err) != 0)
		fail_msg("refused: %s\nrow: %s", err, row);
	if (!bson_equal(&got, want)) {
		char *g = bson_as_canonical_extended_json(&got, NULL);
		char *w = bson_as_canonical_extended_json(want, NULL);

		fail_msg("got  %s\nwant %s", g, w);
	}
	bson_destroy(&got);
}

static void
assert_refused(const char *row, const char *why)
{
	char err[SJSON_ERR_MAX];
	bson_t got;

	if (conv(row, &got, err) == 0)
		fail_msg("accepted (%s): %s", why, row);
	bson_destroy(&got);
}

/* every scalar type FerretDB stores, as FerretDB writes it */
static void
test_sjson_scalars(void **state)
{
	static const uint8_t bin[] = {0, 1, 2, 0xfe, 0xff};
	bson_oid_t oid;
	bson_t want;

	(void)state;
	bson_oid_init_from_string(&oid, "0123456789abcdef01234567");
	bson_init(&want);
	assert_true(BSON_APPEND_UTF8(&want, "_id", "a:1"));
	assert_true(BSON_APPEND_INT32(&want, "i", -2147483647 - 1));
	assert_true(BSON_APPEND_INT64(&want, "l", INT64_MAX));
	assert_true(BSON_APPEND_DOUBLE(&want, "d", 1.5e-7));
	assert_true(BSON_APPEND_BOOL(&want, "t", true));
	assert_true(BSON_APPEND_BOOL(&want, "f", false));
	assert_true(BSON_APPEND_NULL(&want, "n"));
	assert_true(BSON_APPEND_DATE_TIME(&want, "dt", 1795913457756));
	assert_true(BSON_APPEND_OID(&want, "o", &oid));
	assert_true(BSON_APPEND_BINARY(&want, "b", BSON_SUBTYPE_USER, bin,
	                               sizeof(bin)));
	assert_true(BSON_APPEND_TIMESTAMP(&want, "ts", 1700000000, 7));
	assert_true(BSON_APPEND_REGEX(&want, "re", "^a.*b$", "im"));
	assert_true(BSON_APPEND_INT32(&want, "i2", 2147483647));
	assert_true(BSON_APPEND_INT64(&want, "l2", INT64_MIN));
	assert_converts_to(
	    "{\"$s\":{\"p\":{\"_id\":{\"t\":\"string\"},\"i\":{\"t\":\"int\"},"
	    "\"l\":{\"t\":\"long\"},\"d\":{\"t\":\"double\"},"
	    "\"t\":{\"t\":\"bool\"},\"f\":{\"t\":\"bool\"},"
	    "\"n\":{\"t\":\"null\"},\"dt\":{\"t\":\"date\"},"
	    "\"o\":{\"t\":\"objectId\"},\"b\":{\"t\":\"binData\",\"s\":128},"
	    "\"ts\":{\"t\":\"timestamp\"},\"re\":{\"t\":\"regex\",\"o\":\"im\"}"
	    ","
	    "\"i2\":{\"t\":\"int\"},\"l2\":{\"t\":\"long\"}},"
	    "\"$k\":[\"_id\",\"i\",\"l\",\"d\",\"t\",\"f\",\"n\",\"dt\",\"o\","
	    "\"b\",\"ts\",\"re\",\"i2\",\"l2\"]},"
	    "\"_id\":\"a:1\",\"i\":-2147483648,\"l\":9223372036854775807,"
	    "\"d\":1.5e-7,\"t\":true,\"f\":false,\"n\":null,"
	    "\"dt\":1795913457756,\"o\":\"0123456789abcdef01234567\","
	    "\"b\":\"AAEC/v8=\",\"ts\":7301444403200000007,\"re\":\"^a.*b$\","
	    "\"i2\":2147483647,\"l2\":-9223372036854775808}",
	    &want);
	bson_destroy(&want);
}

/* doubles as Go writes them: integers, exponents, -0, extremes */
static void
test_sjson_doubles(void **state)
{
	bson_t want;

	(void)state;
	bson_init(&want);
	assert_true(BSON_APPEND_DOUBLE(&want, "a", 42));
	assert_true(BSON_APPEND_DOUBLE(&want, "b", -0.0));
	assert_true(BSON_APPEND_DOUBLE(&want, "c", 1e+21));
	assert_true(BSON_APPEND_DOUBLE(&want, "d", 1.7976931348623157e308));
	assert_true(BSON_APPEND_DOUBLE(&want, "e", 5e-324));
	assert_converts_to(
	    "{\"$s\":{\"p\":{\"a\":{\"t\":\"double\"},\"b\":{\"t\":\"double\"},"
	    "\"c\":{\"t\":\"double\"},\"d\":{\"t\":\"double\"},"
	    "\"e\":{\"t\":\"double\"}},\"$k\":[\"a\",\"b\",\"c\",\"d\",\"e\"]},"
	    "\"a\":42,\"b\":-0,\"c\":1e+21,\"d\":1.7976931348623157e+308,"
	    "\"e\":5e-324}",
	    &want);
	bson_destroy(&want);
}

/* godo's shapes: a grouped files document (array of documents, each with
 * its schema), an argv array, an empty document and array; fields in $k
 * order whatever the order of the data and of p */
static void
test_sjson_nested(void **state)
{
	bson_t want, docs, d0, args, w, empty, ea;

	(void)state;
	bson_init(&want);
	assert_true(BSON_APPEND_UTF8(&want, "_id", "g1"));
	assert_true(BSON_APPEND_ARRAY_BEGIN(&want, "docs", &docs));
	assert_true(BSON_APPEND_DOCUMENT_BEGIN(&docs, "0", &d0));
	assert_true(BSON_APPEND_UTF8(&d0, "proc_id", "p1"));
	assert_true(BSON_APPEND_ARRAY_BEGIN(&d0, "written", &w));
	assert_true(BSON_APPEND_DATE_TIME(&w, "0", 1));
	assert_true(BSON_APPEND_DATE_TIME(&w, "1", 2));
	assert_true(bson_append_array_end(&d0, &w));
	assert_true(bson_append_document_end(&docs, &d0));
	assert_true(BSON_APPEND_DOCUMENT_BEGIN(&docs, "1", &d0));
	assert_true(BSON_APPEND_UTF8(&d0, "proc_id", "p2"));
	assert_true(bson_append_document_end(&docs, &d0));
	assert_true(bson_append_array_end(&want, &docs));
	assert_true(BSON_APPEND_ARRAY_BEGIN(&want, "args", &args));
	assert_true(BSON_APPEND_UTF8(&args, "0", "sh"));
	assert_true(BSON_APPEND_INT32(&args, "1", 3));
	assert_true(BSON_APPEND_NULL(&args, "2"));
	assert_true(bson_append_array_end(&want, &args));
	assert_true(BSON_APPEND_DOCUMENT_BEGIN(&want, "e", &empty));
	assert_true(bson_append_document_end(&want, &empty));
	assert_true(BSON_APPEND_ARRAY_BEGIN(&want, "ea", &ea));
	assert_true(bson_append_array_end(&want, &ea));
	assert_converts_to(
	    "{\"args\":[\"sh\",3,null],\"e\":{},\"ea\":[],"
	    "\"$s\":{\"p\":{\"ea\":{\"t\":\"array\"},"
	    "\"e\":{\"t\":\"object\",\"$s\":{}},"
	    "\"args\":{\"t\":\"array\",\"i\":[{\"t\":\"string\"},"
	    "{\"t\":\"int\"},{\"t\":\"null\"}]},"
	    "\"docs\":{\"t\":\"array\",\"i\":[{\"t\":\"object\",\"$s\":{\"p\":{"
	    "\"written\":{\"t\":\"array\",\"i\":[{\"t\":\"date\"},"
	    "{\"t\":\"date\"}]},\"proc_id\":{\"t\":\"string\"}},"
	    "\"$k\":[\"proc_id\",\"written\"]}},"
	    "{\"t\":\"object\",\"$s\":{\"p\":{\"proc_id\":{\"t\":\"string\"}},"
	    "\"$k\":[\"proc_id\"]}}]},"
	    "\"_id\":{\"t\":\"string\"}},"
	    "\"$k\":[\"_id\",\"docs\",\"args\",\"e\",\"ea\"]},"
	    "\"docs\":[{\"written\":[1,2],\"proc_id\":\"p1\"},"
	    "{\"proc_id\":\"p2\"}],\"_id\":\"g1\"}",
	    &want);
	bson_destroy(&want);
}

/* escapes, surrogate pairs, a lone surrogate and invalid UTF-8 (U+FFFD
 * each, as Go's decoder), NUL inside a value, blanks between tokens */
static void
test_sjson_strings(void **state)
{
	static const char nul[] = {'a', '\0', 'b'};
	bson_t want;

	(void)state;
	bson_init(&want);
	assert_true(BSON_APPEND_UTF8(&want, "s", "q\"b\\s/n\n\tt\xc3\xa9"));
	assert_true(BSON_APPEND_UTF8(&want, "e", "\xf0\x9f\x98\x80"));
	assert_true(BSON_APPEND_UTF8(&want, "lone", "x\xef\xbf\xbdy"));
	assert_true(BSON_APPEND_UTF8(&want, "bad",
	                             "\xef\xbf\xbd\xef\xbf\xbd"
	                             "z"));
	assert_true(bson_append_utf8(&want, "nul", 3, nul, 3));
	assert_true(BSON_APPEND_UTF8(&want, "k\xc3\xa9y", "v"));
	assert_converts_to(
	    " { \"$s\" : {\"p\":{\"s\":{\"t\":\"string\"},"
	    "\"e\":{\"t\":\"string\"},\"lone\":{\"t\":\"string\"},"
	    "\"bad\":{\"t\":\"string\"},\"nul\":{\"t\":\"string\"},"
	    "\"k\\u00e9y\":{\"t\":\"string\"}},"
	    "\"$k\":[\"s\",\"e\",\"lone\",\"bad\",\"nul\",\"k\\u00e9y\"]},"
	    "\"s\" : \"q\\\"b\\\\s\\/n\\n\\tt\\u00e9\","
	    "\"e\":\"\\ud83d\\ude00\",\"lone\":\"x\\ud800y\","
	    "\"bad\":\"\xff\xc3z\",\"nul\":\"a\\u0000b\",\"k\xc3\xa9y\":\"v\" "
	    "}\n",
	    &want);
	bson_destroy(&want);
}

static bool
keep_ab(const char *key, size_t len, void *arg)
{
	(*(int *)arg)++;
	return (len == 1 && (key[0] == 'a' || key[0] == 'b'));
}

/* the projection: top-level fields only, in $k order */
static void
test_sjson_projection(void **state)
{
	const char *row =
	    "{\"$s\":{\"p\":{\"a\":{\"t\":\"int\"},\"x\":{\"t\":\"object\","
	    "\"$s\":{\"p\":{\"a\":{\"t\":\"int\"}},\"$k\":[\"a\"]}},"
	    "\"b\":{\"t\":\"string\"}},\"$k\":[\"a\",\"x\",\"b\"]},"
	    "\"a\":1,\"x\":{\"a\":2},\"b\":\"c\"}";
	char err[SJSON_ERR_MAX];
	bson_t got, want;
	int asked = 0;

	(void)state;
	bson_init(&got);
	assert_int_equal(
	    sjson_to_bson(row, strlen(row), keep_ab, &asked, &got, err), 0);
	assert_int_equal(asked, 3); /* top level only */
	bson_init(&want);
	assert_true(BSON_APPEND_INT32(&want, "a", 1));
	assert_true(BSON_APPEND_UTF8(&want, "b", "c"));
	assert_true(bson_equal(&got, &want));
	bson_destroy(&got);
	bson_destroy(&want);
}

#define GOOD                                                                   \
	"{\"$s\":{\"p\":{\"_id\":{\"t\":\"string\"},\"n\":{\"t\":\"long\"},"   \
	"\"a\":{\"t\":\"array\",\"i\":[{\"t\":\"object\",\"$s\":{\"p\":{"      \
	"\"x\":{\"t\":\"double\"}},\"$k\":[\"x\"]}}]},"                        \
	"\"o\":{\"t\":\"objectId\"},\"b\":{\"t\":\"binData\",\"s\":0}},"       \
	"\"$k\":[\"_id\",\"n\",\"a\",\"o\",\"b\"]},\"_id\":\"i\\u00e9\","      \
	"\"n\":-12,\"a\":[{\"x\":1.25}],\"o\":\"0123456789abcdef01234567\","   \
	"\"b\":\"aGk=\"}"

/* every prefix of a good row is refused (ASan: no read past it) */
static void
test_sjson_truncated(void **state)
{
	const char *good = GOOD;
	size_t n = strlen(good), k;
	char err[SJSON_ERR_MAX];
	bson_t out;

	(void)state;
	for (k = 0; k < n; k++) {
		/* a copy of exactly k bytes: ASan sees any read past it */
		char *p = malloc(k ? k : 1);

		assert_non_null(p);
		memcpy(p, good, k);
		bson_init(&out);
		if (sjson_to_bson(p, k, NULL, NULL, &out, err) == 0)
			fail_msg("prefix of %zu bytes accepted", k);
		assert_true(err[0] != '\0');
		bson_destroy(&out);
		free(p);
	}
	assert_int_equal(conv(good, &out, err), 0);
	bson_destroy(&out);
}

/* rows FerretDB's own decoder would refuse, and hostile ones */
static void
test_sjson_malformed(void **state)
{
	static const struct {
		const char *row, *why;
	} bad[] = {
	    {"", "empty"},
	    {"[]", "not an object"},
	    {"{\"a\":1}", "no schema"},
	    {"{\"$s\":{\"p\":{},\"$k\":[]}} x", "bytes after the row"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"int\"}},\"$k\":[\"a\"]}}",
	     "a key without a field"},
	    {"{\"$s\":{\"p\":{},\"$k\":[]},\"a\":1}", "a field without a key"},
	    {"{\"$s\":{\"p\":{},\"$k\":[\"b\"]},\"a\":1}", "field missing"},
	    {"{\"$s\":{\"p\":{},\"$k\":[\"a\"]},\"a\":1}", "no schema for a"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"int\"}},\"$k\":[\"a\"],\"z\":1},"
	     "\"a\":1}",
	     "unknown schema field"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"int\",\"q\":1}},\"$k\":[\"a\"]},"
	     "\"a\":1}",
	     "unknown elem field"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"decimal\"}},\"$k\":[\"a\"]},"
	     "\"a\":1}",
	     "unknown type"},
	    {"{\"$s\":{\"p\":{\"a\":{}},\"$k\":[\"a\"]},\"a\":1}", "no type"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"int\"}},\"$k\":[\"a\"]},"
	     "\"a\":2147483648}",
	     "int out of range"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"int\"}},\"$k\":[\"a\"]},"
	     "\"a\":-2147483649}",
	     "int out of range, negative"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"long\"}},\"$k\":[\"a\"]},"
	     "\"a\":9223372036854775808}",
	     "long out of range"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"long\"}},\"$k\":[\"a\"]},"
	     "\"a\":1000000000000000000000000000000000000000000000000000000000"
	     "00000000000000000000000000000000}",
	     "huge integer"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"double\"}},\"$k\":[\"a\"]},"
	     "\"a\":1e400}",
	     "double overflow"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"int\"}},\"$k\":[\"a\"]},"
	     "\"a\":1.5}",
	     "fraction for an int"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"int\"}},\"$k\":[\"a\"]},"
	     "\"a\":1e3}",
	     "exponent for an int"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"int\"}},\"$k\":[\"a\"]},"
	     "\"a\":01}",
	     "leading zero"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"int\"}},\"$k\":[\"a\"]},"
	     "\"a\":\"1\"}",
	     "string for an int"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"double\"}},\"$k\":[\"a\"]},"
	     "\"a\":-}",
	     "bare minus"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"timestamp\"}},\"$k\":[\"a\"]},"
	     "\"a\":-1}",
	     "negative timestamp"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"bool\"}},\"$k\":[\"a\"]},"
	     "\"a\":1}",
	     "number for a bool"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"null\"}},\"$k\":[\"a\"]},"
	     "\"a\":1}",
	     "null type with a value"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"string\"}},\"$k\":[\"a\"]},"
	     "\"a\":\"\\x\"}",
	     "bad escape"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"string\"}},\"$k\":[\"a\"]},"
	     "\"a\":\"\\u12G4\"}",
	     "bad \\u escape"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"string\"}},\"$k\":[\"a\"]},"
	     "\"a\":\"\\u12\"}",
	     "short \\u escape"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"string\"}},\"$k\":[\"a\"]},"
	     "\"a\":\"x\ty\"}",
	     "raw control character"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"string\"}},\"$k\":[\"a\"]},"
	     "\"a\":\"x\\\"}",
	     "escaped closing quote"},
	    {"{\"$s\":{\"p\":{\"a\\u0000\":{\"t\":\"int\"}},"
	     "\"$k\":[\"a\\u0000\"]},\"a\\u0000\":1}",
	     "NUL in a key"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"objectId\"}},\"$k\":[\"a\"]},"
	     "\"a\":\"0123\"}",
	     "short objectId"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"objectId\"}},\"$k\":[\"a\"]},"
	     "\"a\":\"0123456789abcdef0123456z\"}",
	     "objectId not hex"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"binData\",\"s\":0}},"
	     "\"$k\":[\"a\"]},\"a\":\"aGk\"}",
	     "base64 length"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"binData\",\"s\":0}},"
	     "\"$k\":[\"a\"]},\"a\":\"a=k=\"}",
	     "base64 padding inside"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"binData\"}},\"$k\":[\"a\"]},"
	     "\"a\":\"aGk=\"}",
	     "binData without subtype"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"binData\",\"s\":256}},"
	     "\"$k\":[\"a\"]},\"a\":\"aGk=\"}",
	     "subtype out of range"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"regex\"}},\"$k\":[\"a\"]},"
	     "\"a\":\"x\"}",
	     "regex without options"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"array\",\"i\":[{\"t\":\"int\"}]}},"
	     "\"$k\":[\"a\"]},\"a\":[1,2]}",
	     "array longer than its schema"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"array\"}},\"$k\":[\"a\"]},"
	     "\"a\":[1]}",
	     "array without items' schema"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"object\"}},\"$k\":[\"a\"]},"
	     "\"a\":{\"b\":1}}",
	     "object without a schema"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"object\",\"$s\":{}}},"
	     "\"$k\":[\"a\"]},\"a\":[]}",
	     "array for an object"},
	    {"{\"$s\":{\"p\":{},\"$k\":[]},}", "trailing comma"},
	    {"{\"$s\":{\"p\":{},\"$k\":[]}", "unclosed"},
	    {"{\"$s\":{\"p\":{},\"$k\":[]},\"a\"}", "member without a value"},
	    {"{\"$s\":{\"p\":{},\"$k\":[1]},\"a\":1}", "key not a string"},
	    {"{\"$s\":{\"p\":{\"a\":{\"t\":\"int\"}},\"$k\":[\"a\"]},"
	     "\"a\":tru}",
	     "bad literal"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(bad[i].row, bad[i].why);
}

/* nesting past SJSON_MAX_DEPTH, in the data and in the schema, is
 * refused without exhausting the stack; a long key, a huge row */
static void
test_sjson_bounds(void **state)
{
	size_t depth = 100000, i, n;
	char *row = malloc(2 * depth + 64), *big;
	char err[SJSON_ERR_MAX];
	bson_t out;

	(void)state;
	assert_non_null(row);
	n = (size_t)sprintf(row, "{\"$s\":{\"p\":{},\"$k\":[]},\"a\":");
	for (i = 0; i < depth; i++)
		row[n++] = '[';
	for (i = 0; i < depth; i++)
		row[n++] = ']';
	row[n++] = '}';
	row[n] = '\0';
	assert_refused(row, "deep nesting");
	bson_init(&out);
	assert_int_equal(sjson_to_bson(row, n, NULL, NULL, &out, err), -1);
	assert_non_null(strstr(err, "nested deeper"));
	bson_destroy(&out);

	/* a field name past SJSON_MAX_KEY */
	n = (size_t)sprintf(row, "{\"$s\":{\"p\":{},\"$k\":[\"");
	for (i = 0; i < SJSON_MAX_KEY + 1; i++)
		row[n++] = 'k';
	n += (size_t)sprintf(row + n, "\"]},\"");
	for (i = 0; i < SJSON_MAX_KEY + 1; i++)
		row[n++] = 'k';
	sprintf(row + n, "\":null}");
	assert_refused(row, "long key");
	free(row);

	/* a row past SJSON_MAX_ROW: refused before it is read */
	big = malloc((size_t)SJSON_MAX_ROW + 1);
	assert_non_null(big);
	memset(big, ' ', (size_t)SJSON_MAX_ROW + 1);
	bson_init(&out);
	assert_int_equal(sjson_to_bson(big, (size_t)SJSON_MAX_ROW + 1, NULL,
	                               NULL, &out, err),
	                 -1);
	assert_non_null(strstr(err, "longer than"));
	bson_destroy(&out);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sjson_scalars),
	    cmocka_unit_test(test_sjson_doubles),
	    cmocka_unit_test(test_sjson_nested),
	    cmocka_unit_test(test_sjson_strings),
	    cmocka_unit_test(test_sjson_projection),
	    cmocka_unit_test(test_sjson_truncated),
	    cmocka_unit_test(test_sjson_malformed),
	    cmocka_unit_test(test_sjson_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
