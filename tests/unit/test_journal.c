/* test_journal.c - the batch being sent survives the process: a batch
 * begun and never ended (the process killed between two bulks) is handed
 * to the spool by the next open; an ended one leaves nothing, and a clean
 * close no file. No root, no store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "log.h"
#include "spool.h"

struct jfx {
	char dir[64], path[96], spool[96];
};

static int
setup(void **state)
{
	struct jfx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/godo-journal.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/spool.inflight", f->dir);
	snprintf(f->spool, sizeof(f->spool), "%s/spool", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct jfx *f = *state;

	unlink(f->path);
	unlink(f->spool);
	rmdir(f->dir);
	free(f);
	return 0;
}

static off_t
size_of(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? st.st_size : -1;
}

/* Begun, never ended (killed): the next run's open gives it to the spool,
 * after what the spool already held, and starts empty. */
static void
test_journal_unended_batch_goes_to_spool(void **state)
{
	struct jfx *f = *state;
	struct journal j;
	char buf[64];
	FILE *fp;

	fp = fopen(f->spool, "w");
	assert_non_null(fp);
	assert_int_equal(fputs("older", fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	journal_init(&j);
	assert_int_equal(journal_open(&j, f->path, f->spool), 0);
	assert_int_equal(j.handed, 0);
	journal_begin(&j, "second batch", 12);
	journal_end(&j);
	journal_begin(&j, "third", 5);
	journal_close(&j); /* as a kill leaves it: the batch stays */
	assert_int_equal(size_of(f->path), 5);

	journal_init(&j);
	assert_int_equal(journal_open(&j, f->path, f->spool), 0);
	assert_int_equal(j.handed, 5);
	assert_int_equal(size_of(f->path), 0);
	fp = fopen(f->spool, "r");
	assert_non_null(fp);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(fread(buf, 1, sizeof(buf) - 1, fp), 10);
	assert_int_equal(fclose(fp), 0);
	assert_string_equal(buf, "olderthird");
	journal_close(&j);
	assert_int_equal(size_of(f->path), -1); /* empty: removed */
}

/* A shorter batch after a longer one: the file holds the new one only. */
static void
test_journal_batch_replaces_batch(void **state)
{
	struct jfx *f = *state;
	struct journal j;

	journal_init(&j);
	assert_int_equal(journal_open(&j, f->path, f->spool), 0);
	journal_begin(&j, "a long first batch", 18);
	journal_begin(&j, "short", 5);
	assert_int_equal(size_of(f->path), 5);
	journal_end(&j);
	assert_int_equal(size_of(f->path), 0);
	journal_close(&j);
	assert_int_equal(size_of(f->spool), -1); /* nothing handed over */
}

/* No journal (the open failed): every call does nothing. */
static void
test_journal_off_is_inert(void **state)
{
	struct jfx *f = *state;
	struct journal j;
	char bad[128];

	snprintf(bad, sizeof(bad), "%s/no/such/dir/j", f->dir);
	journal_init(&j);
	assert_int_equal(journal_open(&j, bad, f->spool), -1);
	journal_begin(&j, "x", 1);
	journal_end(&j);
	journal_close(&j);
	assert_int_equal(j.fd, -1);
}

/* A replayed spool is emptied in place (the writer may not truncate(2) by
 * path), and a missing one is an error, not a new file. */
static void
test_spool_empty_keeps_file(void **state)
{
	struct jfx *f = *state;
	struct stat st;

	assert_int_equal(spool_append(f->spool, "abcd", 4), 0);
	assert_int_equal(chmod(f->spool, 0640), 0);
	assert_int_equal(size_of(f->spool), 4);
	assert_int_equal(spool_empty(f->spool), 0);
	assert_int_equal(size_of(f->spool), 0);
	assert_int_equal(stat(f->spool, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(unlink(f->spool), 0);
	assert_int_equal(spool_empty(f->spool), -1);
	assert_int_equal(size_of(f->spool), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_journal_unended_batch_goes_to_spool, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_journal_batch_replaces_batch,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_journal_off_is_inert, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_spool_empty_keeps_file, setup,
	                                    teardown),
	};

	log_init("test_journal", LOG_LVL_ERROR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
