/* test_digest.c - the canonical form of stored documents and its digest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"

static void
dg(const bson_t *doc, unsigned char out[DIGEST_LEN])
{
	assert_int_equal(digest_doc(NULL, doc, out), 0);
}

static void
from_json(bson_t *b, const char *json)
{
	bson_error_t err;

	assert_true(bson_init_from_json(b, json, -1, &err));
}

/* The spec in digest.h, byte by byte, for {"b": "xy", "a": 1}: keys sorted,
 * the int widened, the dg field left out. */
static void
test_digest_matches_spec_bytes(void **state)
{
	static const unsigned char canon[] = {
	    'o', 0, 0, 0, 2,                  /* a document of two fields */
	    0,   0, 0, 1, 'a',                /* key "a" */
	    'i', 0, 0, 0, 0,   0,   0,  0, 1, /* int 1, 8 bytes */
	    0,   0, 0, 1, 'b',                /* key "b" */
	    's', 0, 0, 0, 2,   'x', 'y'};     /* string "xy" */
	unsigned char want[DIGEST_LEN], got[DIGEST_LEN];
	bson_t b;

	(void)state;
	bson_init(&b);
	BSON_APPEND_UTF8(&b, "b", "xy");
	BSON_APPEND_INT32(&b, "a", 1);
	BSON_APPEND_UTF8(&b, DIGEST_FIELD, "ignored");
	dg(&b, got);
	assert_int_equal(digest_bytes(NULL, canon, sizeof(canon), want), 0);
	assert_memory_equal(got, want, DIGEST_LEN);
	bson_destroy(&b);
}

/* Field order and integer width are not content; values and names are. */
static void
test_digest_order_width_content(void **state)
{
	unsigned char d1[DIGEST_LEN], d2[DIGEST_LEN], d3[DIGEST_LEN];
	bson_t a, b, c;

	(void)state;
	from_json(&a, "{\"pid\": {\"$numberInt\": \"7\"}, \"args\": [\"sh\", "
	              "\"-c\"], \"t\": {\"$date\": {\"$numberLong\": \"5\"}}}");
	from_json(&b,
	          "{\"t\": {\"$date\": {\"$numberLong\": \"5\"}}, \"args\": "
	          "[\"sh\", \"-c\"], \"pid\": {\"$numberLong\": \"7\"}}");
	from_json(&c,
	          "{\"t\": {\"$date\": {\"$numberLong\": \"5\"}}, \"args\": "
	          "[\"-c\", \"sh\"], \"pid\": {\"$numberLong\": \"7\"}}");
	dg(&a, d1);
	dg(&b, d2);
	dg(&c, d3);
	assert_memory_equal(d1, d2, DIGEST_LEN);
	/* array order is content */
	assert_memory_not_equal(d1, d3, DIGEST_LEN);
	bson_destroy(&a);
	bson_destroy(&b);
	bson_destroy(&c);
}

/* A field moved into a subdocument, a string turned into binary, a key
 * renamed: each changes the digest (no ambiguity between shapes). */
static void
test_digest_shapes_distinct(void **state)
{
	static const char *docs[] = {
	    "{\"a\": \"x\"}",
	    "{\"a\": {\"$binary\": {\"base64\": \"eA==\", \"subType\": "
	    "\"00\"}}}",
	    "{\"a\": {\"a\": \"x\"}}",
	    "{\"a\": [\"x\"]}",
	    "{\"b\": \"x\"}",
	    "{\"a\": \"x\", \"b\": null}",
	    "{\"a\": true}",
	    "{\"a\": {\"$numberDouble\": \"1.0\"}}",
	    "{\"a\": {\"$numberLong\": \"1\"}}",
	};
	unsigned char d[sizeof(docs) / sizeof(docs[0])][DIGEST_LEN];
	size_t i, j, n = sizeof(docs) / sizeof(docs[0]);
	bson_t b;

	(void)state;
	for (i = 0; i < n; i++) {
		from_json(&b, docs[i]);
		dg(&b, d[i]);
		bson_destroy(&b);
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			assert_memory_not_equal(d[i], d[j], DIGEST_LEN);
}

/* More fields than fit on the stack (the allocated path): still one
 * digest whatever the order. */
static void
test_digest_many_fields(void **state)
{
	unsigned char d1[DIGEST_LEN], d2[DIGEST_LEN];
	char key[16];
	bson_t a, b;
	int i;

	(void)state;
	bson_init(&a);
	bson_init(&b);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		BSON_APPEND_INT32(&a, key, i);
		snprintf(key, sizeof(key), "k%d", 99 - i);
		BSON_APPEND_INT64(&b, key, 99 - i);
	}
	dg(&a, d1);
	dg(&b, d2);
	assert_memory_equal(d1, d2, DIGEST_LEN);
	bson_destroy(&a);
	bson_destroy(&b);
}

static void
test_digest_refuses_unknown_and_deep(void **state)
{
	unsigned char out[DIGEST_LEN];
	bson_t b, inner[DIGEST_MAX_DEPTH + 2];
	int i;

	(void)state;
	bson_init(&b);
	BSON_APPEND_REGEX(&b, "r", "a.*", "");
	assert_int_equal(digest_doc(NULL, &b, out), -1);
	bson_destroy(&b);

	/* DIGEST_MAX_DEPTH + 2 levels of {"x": {...}} */
	bson_init(&inner[DIGEST_MAX_DEPTH + 1]);
	for (i = DIGEST_MAX_DEPTH; i >= 0; i--) {
		bson_init(&inner[i]);
		BSON_APPEND_DOCUMENT(&inner[i], "x", &inner[i + 1]);
	}
	assert_int_equal(digest_doc(NULL, &inner[0], out), -1);
	assert_int_equal(digest_doc(NULL, &inner[2], out), 0);
	for (i = 0; i <= DIGEST_MAX_DEPTH + 1; i++)
		bson_destroy(&inner[i]);
}

static void
write_key(const char *path, size_t n)
{
	FILE *f = fopen(path, "w");
	size_t i;

	assert_non_null(f);
	for (i = 0; i < n; i++)
		assert_int_equal(fputc('k' + (int)(i % 7), f),
		                 'k' + (int)(i % 7));
	assert_int_equal(fclose(f), 0);
}

/* A key makes every digest an HMAC: different from SHA-256 and from
 * another key's; key files out of bounds are refused. */
static void
test_digest_key(void **state)
{
	char path[] = "/tmp/godo-test-key-XXXXXX";
	struct digest_key k1, k2;
	unsigned char plain[DIGEST_LEN], h1[DIGEST_LEN], h2[DIGEST_LEN];
	int fd;
	bson_t b;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(close(fd), 0);
	write_key(path, 32);
	assert_int_equal(digest_key_load(&k1, path), 0);
	assert_int_equal(k1.len, 32);
	write_key(path, 33);
	assert_int_equal(digest_key_load(&k2, path), 0);
	write_key(path, 15);
	assert_int_equal(digest_key_load(&k2, path), -1);
	write_key(path, DIGEST_KEY_MAX + 1);
	assert_int_equal(digest_key_load(&k2, path), -1);
	write_key(path, DIGEST_KEY_MAX);
	assert_int_equal(digest_key_load(&k2, path), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(digest_key_load(&k2, path), -1);
	write_key(path, 33);
	assert_int_equal(digest_key_load(&k2, path), 0);
	assert_int_equal(unlink(path), 0);

	from_json(&b, "{\"a\": \"x\"}");
	dg(&b, plain);
	assert_int_equal(digest_doc(&k1, &b, h1), 0);
	assert_int_equal(digest_doc(&k2, &b, h2), 0);
	assert_memory_not_equal(plain, h1, DIGEST_LEN);
	assert_memory_not_equal(h1, h2, DIGEST_LEN);
	bson_destroy(&b);
}

static void
test_digest_hex_round_trip(void **state)
{
	unsigned char d[DIGEST_LEN], back[DIGEST_LEN];
	char hex[2 * DIGEST_LEN + 1];
	int i;

	(void)state;
	for (i = 0; i < DIGEST_LEN; i++)
		d[i] = (unsigned char)(i * 37 + 3);
	digest_hex(d, hex);
	assert_int_equal(strlen(hex), 64);
	assert_true(digest_from_hex(hex, 64, back));
	assert_memory_equal(d, back, DIGEST_LEN);
	assert_false(digest_from_hex(hex, 63, back));
	hex[5] = 'g';
	assert_false(digest_from_hex(hex, 64, back));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_digest_matches_spec_bytes),
	    cmocka_unit_test(test_digest_order_width_content),
	    cmocka_unit_test(test_digest_shapes_distinct),
	    cmocka_unit_test(test_digest_many_fields),
	    cmocka_unit_test(test_digest_refuses_unknown_and_deep),
	    cmocka_unit_test(test_digest_key),
	    cmocka_unit_test(test_digest_hex_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
