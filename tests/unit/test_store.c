/* test_store.c - the store client's queue without a server: bounded in
 * bytes (STORE_QUEUE_BYTES), and what it flushes at the bound to a store
 * that cannot be reached goes to the spool, counted, never silently. The
 * target 127.0.0.1:1 refuses connections at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "storemod.h"
#include "storemodpath.h"

#define DOC_BYTES (64 * 1024)

/* An insert of a document of about DOC_BYTES, _id i. */
static void
queue_big(struct store *s, int i)
{
	static char fill[DOC_BYTES];
	bson_t doc = BSON_INITIALIZER;

	memset(fill, 'x', sizeof(fill) - 1);
	BSON_APPEND_INT32(&doc, "_id", i);
	BSON_APPEND_UTF8(&doc, "f", fill);
	assert_int_equal(store_insert(s, STORE_FILES, &doc), 0);
	bson_destroy(&doc);
}

/* A store that cannot be reached, spooling in a new directory dir
 * ("/tmp/godo-store-XXXXXX", filled in); spool gets the file's path. */
static struct store *
spooled_store(char *dir, char *spool, size_t len)
{
	char err[256];
	struct store *s;

	assert_non_null(mkdtemp(dir));
	snprintf(spool, len, "%s/spool", dir);
	s = store_new("127.0.0.1:1", "t", err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(store_set_spool(s, spool, 64u << 20), 0);
	return s;
}

static void
spooled_close(struct store *s, const char *dir, const char *spool)
{
	store_close(s);
	assert_int_equal(unlink(spool), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void
test_store_queue_capped_in_bytes(void **state)
{
	char dir[] = "/tmp/godo-store-XXXXXX", spool[64];
	struct store *s;
	struct store_stats st;
	int i;

	(void)state;
	s = spooled_store(dir, spool, sizeof(spool));
	/* below the bound: queued, nothing sent */
	for (i = 0; i < 10; i++)
		queue_big(s, i);
	assert_int_equal(store_pending(s), 10);
	assert_true(store_pending_bytes(s) >= 10 * DOC_BYTES);
	store_get_stats(s, &st);
	assert_int_equal(st.cap_flushes, 0);
	/* 200 x 64 KiB = 12.5 MiB queued: never more than the bound held */
	for (; i < 200; i++) {
		queue_big(s, i);
		assert_true(store_pending_bytes(s) < STORE_QUEUE_BYTES);
		assert_true(store_pending(s) * DOC_BYTES < STORE_QUEUE_BYTES);
	}
	store_get_stats(s, &st);
	assert_true(st.cap_flushes >= 3);
	/* unreachable: what the bound flushed is spooled, none lost */
	assert_int_equal(st.down, 1);
	assert_int_equal(st.lost_ops, 0);
	assert_int_equal(st.spooled_ops + store_pending(s), 200);
	assert_true(st.spool_bytes >= st.spooled_ops * DOC_BYTES);
	spooled_close(s, dir, spool);
}

/* A burst grows the envelope buffer to megabytes; the quiet flushes after
 * it give them back, so the burst's memory does not stay to the end. */
static void
test_store_envelopes_shrink_after_burst(void **state)
{
	char dir[] = "/tmp/godo-store-XXXXXX", spool[64];
	struct store *s;
	size_t burst;
	int i;

	(void)state;
	s = spooled_store(dir, spool, sizeof(spool));
	for (i = 0; i < 40; i++) /* 2.5 MiB, below the queue's bound */
		queue_big(s, i);
	burst = store_env_capacity(s);
	assert_true(burst >= 40 * DOC_BYTES);
	assert_int_equal(store_flush(s, 1000), -1); /* spooled */
	/* steady load of about the same size keeps it */
	for (i = 0; i < 40; i++)
		queue_big(s, 100 + i);
	assert_int_equal(store_flush(s, 1200), -1);
	assert_int_equal(store_env_capacity(s), burst);
	/* quiet: halved at each flush, down to the floor */
	for (i = 0; i < 10; i++)
		(void)store_flush(s, 1400 + 200 * (uint64_t)i);
	assert_int_equal(store_env_capacity(s), 65536);
	/* and it grows again when needed */
	for (i = 0; i < 3; i++)
		queue_big(s, 200 + i);
	assert_true(store_env_capacity(s) >= 3 * DOC_BYTES);
	spooled_close(s, dir, spool);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_store_queue_capped_in_bytes),
	    cmocka_unit_test(test_store_envelopes_shrink_after_burst),
	};
	char mod[4096], err[512];

	log_init("godo", LOG_LVL_WARN);
	/* this build's module (godo would find it beside itself) */
	storemod_test_path(mod, sizeof(mod), "../../bin/godo-store.so");
	if (storemod_load(mod, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
