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

/* Known answers: the digest's bytes are fixed by FIPS 180-2 / RFC 4231 and
 * by what earlier builds stored, so a change of hashing library that
 * changed one byte would fail here (and filter -verify on old data). */
static void
hex_of(const struct digest_key *k, const void *p, size_t n, char *hex)
{
	unsigned char d[DIGEST_LEN];

	assert_int_equal(digest_bytes(k, p, n, d), 0);
	digest_hex(d, hex);
}

/* FIPS 180-2 appendix B (and the empty message). */
static void
test_digest_sha256_fips(void **state)
{
	static const struct {
		const char *msg, *want;
	} v[] = {
	    {"abc", "ba7816bf8f01cfea414140de5dae2223"
	            "b00361a396177a9cb410ff61f20015ad"},
	    {"", "e3b0c44298fc1c149afbf4c8996fb924"
	         "27ae41e4649b934ca495991b7852b855"},
	    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	     "248d6a61d20638b8e5c026930c3e6039"
	     "a33ce45964ff2167f6ecedd419db06c1"},
	};
	char hex[2 * DIGEST_LEN + 1];
	char *million;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		hex_of(NULL, v[i].msg, strlen(v[i].msg), hex);
		assert_string_equal(hex, v[i].want);
	}
	million = malloc(1000000);
	assert_non_null(million);
	memset(million, 'a', 1000000);
	hex_of(NULL, million, 1000000, hex);
	assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
	                         "f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

static void
key_fill(struct digest_key *k, const unsigned char *p, size_t n)
{
	memset(k, 0, sizeof(*k));
	assert_true(n <= sizeof(k->key));
	memcpy(k->key, p, n);
	k->len = n;
}

/* RFC 4231 test cases 1-4, 6 and 7 (5 truncates the output). */
static void
test_digest_hmac_rfc4231(void **state)
{
	static const char c6[] =
	    "Test Using Larger Than Block-Size Key - Hash Key First";
	static const char c7[] =
	    "This is a test using a larger than block-size key and a larger "
	    "than block-size data. The key needs to be hashed before being "
	    "used by the HMAC algorithm.";
	unsigned char key[131], data[50];
	char hex[2 * DIGEST_LEN + 1];
	struct digest_key k;
	size_t i;

	(void)state;
	memset(key, 0x0b, 20);
	key_fill(&k, key, 20);
	hex_of(&k, "Hi There", 8, hex);
	assert_string_equal(hex, "b0344c61d8db38535ca8afceaf0bf12b"
	                         "881dc200c9833da726e9376c2e32cff7");
	key_fill(&k, (const unsigned char *)"Jefe", 4);
	hex_of(&k, "what do ya want for nothing?", 28, hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c7"
	                         "5a003f089d2739839dec58b964ec3843");
	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	key_fill(&k, key, 20);
	hex_of(&k, data, 50, hex);
	assert_string_equal(hex, "773ea91e36800e46854db8ebd09181a7"
	                         "2959098b3ef8c122d9635514ced565fe");
	for (i = 0; i < 25; i++)
		key[i] = (unsigned char)(i + 1);
	memset(data, 0xcd, 50);
	key_fill(&k, key, 25);
	hex_of(&k, data, 50, hex);
	assert_string_equal(hex, "82558a389a443c0ea4cc819899f2083a"
	                         "85f0faa3e578f8077a2e3ff46729665b");
	memset(key, 0xaa, 131);
	key_fill(&k, key, 131);
	hex_of(&k, c6, strlen(c6), hex);
	assert_string_equal(hex, "60e431591ee0b67f0d8a26aacbf5b77f"
	                         "8e0bc6213728c5140546040f0ee37f54");
	hex_of(&k, c7, strlen(c7), hex);
	assert_string_equal(hex, "9b09ffa71b942fcb27635fbcd5b0e944"
	                         "bfdc63644f0713938a7f51535c3a35e2");
}

/* A document with every type of the canonical form, plain and keyed: the
 * digests are those the OpenSSL builds (up to 8c05212) stored, so data
 * chained by them still verifies. */
static void
test_digest_doc_known(void **state)
{
	static const unsigned char oid[12] = {1, 2, 3, 4,  5,  6,
	                                      7, 8, 9, 10, 11, 12};
	static const uint8_t bin[3] = {0, 0xff, 0x7f};
	char hex[2 * DIGEST_LEN + 1];
	unsigned char d[DIGEST_LEN];
	struct digest_key k;
	bson_t b, sub, arr;
	bson_oid_t o;

	(void)state;
	memcpy(o.bytes, oid, sizeof(oid));
	bson_init(&b);
	BSON_APPEND_INT32(&b, "pid", 4242);
	BSON_APPEND_INT64(&b, "start", -5);
	BSON_APPEND_DOUBLE(&b, "cpu", 0.25);
	BSON_APPEND_UTF8(&b, "exe", "/bin/sh");
	BSON_APPEND_BINARY(&b, "raw", BSON_SUBTYPE_BINARY, bin, sizeof(bin));
	BSON_APPEND_BOOL(&b, "ok", true);
	BSON_APPEND_NULL(&b, "gone");
	BSON_APPEND_DATE_TIME(&b, "t", 1700000000123);
	BSON_APPEND_OID(&b, "_id", &o);
	BSON_APPEND_DOCUMENT_BEGIN(&b, "ct", &sub);
	BSON_APPEND_UTF8(&sub, "name", "web");
	BSON_APPEND_INT32(&sub, "n", 1);
	bson_append_document_end(&b, &sub);
	BSON_APPEND_ARRAY_BEGIN(&b, "args", &arr);
	BSON_APPEND_UTF8(&arr, "0", "sh");
	BSON_APPEND_UTF8(&arr, "1", "-c");
	bson_append_array_end(&b, &arr);
	BSON_APPEND_UTF8(&b, DIGEST_FIELD, "ignored");

	dg(&b, d);
	digest_hex(d, hex);
	assert_string_equal(hex, "390c762ab8b089e903fa7ddddd9e6f19"
	                         "e503468b55753c6dc910c4623b3b0cd4");
	key_fill(&k, (const unsigned char *)"0123456789abcdef", 16);
	assert_int_equal(digest_doc(&k, &b, d), 0);
	digest_hex(d, hex);
	assert_string_equal(hex, "1301d3e47beb51d3b223cabae72b1bb0"
	                         "ad5eb8411fec840b38ecfc12403aaf1b");
	bson_destroy(&b);
}

/* Pieces of any size give the digest of the whole (a block boundary falls
 * inside, before and after pieces), plain and keyed; a context copied mid
 * way goes on independently. */
static void
test_digest_streamed(void **state)
{
	static const char c7[] =
	    "This is a test using a larger than block-size key and a larger "
	    "than block-size data. The key needs to be hashed before being "
	    "used by the HMAC algorithm.";
	static const size_t cuts[] = {0, 1, 63, 64, 65, 127, 128, 150};
	unsigned char key[131], whole[DIGEST_LEN], got[DIGEST_LEN];
	struct digest_ctx c, copy;
	struct digest_key k;
	size_t n = strlen(c7), i, off, step;
	int keyed;

	(void)state;
	memset(key, 0xaa, sizeof(key));
	key_fill(&k, key, sizeof(key));
	for (keyed = 0; keyed < 2; keyed++) {
		const struct digest_key *kp = keyed ? &k : NULL;

		assert_int_equal(digest_bytes(kp, c7, n, whole), 0);
		for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
			digest_init(&c, kp);
			digest_update(&c, c7, cuts[i]);
			copy = c;
			digest_update(&c, c7 + cuts[i], n - cuts[i]);
			digest_final(&c, got);
			assert_memory_equal(got, whole, DIGEST_LEN);
			digest_update(&copy, c7 + cuts[i], n - cuts[i]);
			digest_final(&copy, got);
			assert_memory_equal(got, whole, DIGEST_LEN);
		}
		for (step = 1; step < 9; step++) {
			digest_init(&c, kp);
			for (off = 0; off < n; off += step)
				digest_update(&c, c7 + off,
				              n - off < step ? n - off : step);
			digest_final(&c, got);
			assert_memory_equal(got, whole, DIGEST_LEN);
		}
	}
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
	    cmocka_unit_test(test_digest_sha256_fips),
	    cmocka_unit_test(test_digest_hmac_rfc4231),
	    cmocka_unit_test(test_digest_doc_known),
	    cmocka_unit_test(test_digest_streamed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
