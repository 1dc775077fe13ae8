/* test_chainent.c - the packed chain entries (common/chainent.h): what is
 * put is read back; lengths out of bounds are refused when writing;
 * reading never goes past the buffer, whatever its bytes (every cut of a
 * valid buffer, lengths that point past the end). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "chainent.h"

static const unsigned char D1[DIGEST_LEN] = {1, 2, 3};
static const unsigned char D2[DIGEST_LEN] = {9, 8, 7};

static size_t
two(unsigned char *buf)
{
	size_t n = chainent_put(buf, "pids", 4, "b:1:2", 5, D1);

	n += chainent_put(buf + n, "files", 5, "b:1:2:3:7", 9, D2);
	return n;
}

static void
test_chainent_round_trip(void **state)
{
	unsigned char buf[256];
	struct chainent e;
	size_t n, off = 0;

	(void)state;
	n = two(buf);
	assert_int_equal(n, chainent_size(4, 5) + chainent_size(5, 9));
	assert_int_equal(chainent_size(4, 5), 1 + 4 + 2 + 5 + DIGEST_LEN);
	assert_int_equal(chainent_next(buf, n, &off, &e), 1);
	assert_int_equal(e.coll_len, 4);
	assert_memory_equal(e.coll, "pids", 4);
	assert_int_equal(e.id_len, 5);
	assert_memory_equal(e.id, "b:1:2", 5);
	assert_memory_equal(e.d, D1, DIGEST_LEN);
	assert_int_equal(chainent_next(buf, n, &off, &e), 1);
	assert_memory_equal(e.coll, "files", 5);
	assert_memory_equal(e.id, "b:1:2:3:7", 9);
	assert_memory_equal(e.d, D2, DIGEST_LEN);
	assert_int_equal(off, n);
	assert_int_equal(chainent_next(buf, n, &off, &e), 0);
	off = 0;
	assert_int_equal(chainent_next(buf, 0, &off, &e), 0); /* empty */
}

/* Bounds: an empty or too long collection or _id is not written. */
static void
test_chainent_put_bounds(void **state)
{
	unsigned char *buf = malloc(CHAINENT_MAX + 16);
	char *id = malloc(CHAINENT_ID_MAX + 1);

	(void)state;
	assert_non_null(buf);
	assert_non_null(id);
	memset(id, 'x', CHAINENT_ID_MAX + 1);
	assert_int_equal(chainent_size(0, 1), 0);
	assert_int_equal(chainent_size(CHAINENT_COLL_MAX + 1, 1), 0);
	assert_int_equal(chainent_size(1, 0), 0);
	assert_int_equal(chainent_size(1, CHAINENT_ID_MAX + 1), 0);
	assert_int_equal(chainent_put(buf, "p", 1, id, CHAINENT_ID_MAX + 1, D1),
	                 0);
	assert_int_equal(chainent_put(buf, "p", 1, id, CHAINENT_ID_MAX, D1),
	                 chainent_size(1, CHAINENT_ID_MAX));
	assert_true(chainent_size(CHAINENT_COLL_MAX, CHAINENT_ID_MAX) ==
	            CHAINENT_MAX);
	free(id);
	free(buf);
}

/* Every cut of a valid buffer inside its second entry is malformed (-1,
 * the offset left at that entry); read from a copy of exactly that size,
 * so ASan sees any read past it. */
static void
test_chainent_cut_refused(void **state)
{
	unsigned char buf[256], *cut;
	struct chainent e;
	size_t n, first, k, off;

	(void)state;
	n = two(buf);
	first = chainent_size(4, 5);
	for (k = first + 1; k < n; k++) {
		cut = malloc(k);
		assert_non_null(cut);
		memcpy(cut, buf, k);
		off = 0;
		assert_int_equal(chainent_next(cut, k, &off, &e), 1);
		assert_int_equal(chainent_next(cut, k, &off, &e), -1);
		assert_int_equal(off, first);
		free(cut);
	}
}

/* Lengths that lie: a collection length of 0 or over the bound, an _id
 * length of 0, over the bound, or past the end. */
static void
test_chainent_lying_lengths(void **state)
{
	unsigned char buf[256];
	struct chainent e;
	size_t n, off;

	(void)state;
	n = two(buf);
	buf[0] = 0;
	off = 0;
	assert_int_equal(chainent_next(buf, n, &off, &e), -1);
	buf[0] = CHAINENT_COLL_MAX + 1;
	assert_int_equal(chainent_next(buf, n, &off, &e), -1);
	buf[0] = 4;
	buf[5] = 0; /* _id length 0 */
	buf[6] = 0;
	assert_int_equal(chainent_next(buf, n, &off, &e), -1);
	buf[5] = 0xff; /* 65280: over the bound */
	assert_int_equal(chainent_next(buf, n, &off, &e), -1);
	buf[5] = 0x0f; /* 3840: within it, past the end */
	assert_int_equal(chainent_next(buf, n, &off, &e), -1);
	assert_int_equal(off, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chainent_round_trip),
	    cmocka_unit_test(test_chainent_put_bounds),
	    cmocka_unit_test(test_chainent_cut_refused),
	    cmocka_unit_test(test_chainent_lying_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
