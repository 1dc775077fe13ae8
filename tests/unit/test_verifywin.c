/* test_verifywin.c - filter -verify over a time window (verifywin.h),
 * without a server: a run recorded in two phases with a gap between them
 * (links and documents built here, digested with common/digest), fed in
 * the passes verifydb.c makes, then one edit at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "schema.h"
#include "verify.h"
#include "verifywin.h"

#define SEC 1000000000LL
#define T0 (1700000000LL * SEC) /* 2023-11-14T22:13:20Z */
#define RUN "h1:boot:7:1"
#define NLINKS 10 /* 0..4 the first phase, 5..9 the second */
#define PHASE2 (100 * SEC)
#define MAXD 64

/* The store: links and documents as bson, NULL when deleted. */
struct rec {
	bson_t *link[NLINKS + 1];
	bson_t *doc[MAXD];
	const char *coll[MAXD];
	size_t ndocs;
};

/* When link k was written: the first phase T0 + k s, the second 100 s on. */
static int64_t
link_ns(int k)
{
	return T0 + (k < 5 ? 0 : PHASE2) + (int64_t)k * SEC;
}

static void
seal(bson_t *b)
{
	unsigned char d[DIGEST_LEN];

	assert_int_equal(digest_doc(NULL, b, d), 0);
	assert_true(BSON_APPEND_BINARY(b, DIGEST_FIELD, BSON_SUBTYPE_BINARY, d,
	                               DIGEST_LEN));
}

static const uint8_t *
dg_of(const bson_t *b)
{
	bson_iter_t it;
	bson_subtype_t sub;
	uint32_t n;
	const uint8_t *d;

	assert_true(bson_iter_init_find(&it, b, DIGEST_FIELD));
	bson_iter_binary(&it, &sub, &n, &d);
	assert_int_equal(n, DIGEST_LEN);
	return d;
}

/* A process document: started at start, exited at exit (0: running). */
static bson_t *
pid_doc(const char *id, int64_t start, int64_t exit, const char *arg)
{
	bson_t *b = bson_new();
	bson_t a;

	assert_true(BSON_APPEND_UTF8(b, F_ID, id) &&
	            BSON_APPEND_UTF8(b, F_HOST, "h1") &&
	            BSON_APPEND_INT64(b, F_START_NS, start));
	if (exit != 0)
		assert_true(BSON_APPEND_INT64(b, F_EXIT_NS, exit));
	assert_true(BSON_APPEND_ARRAY_BEGIN(b, F_ARGS, &a) &&
	            BSON_APPEND_UTF8(&a, "0", arg) &&
	            bson_append_array_end(b, &a));
	seal(b);
	return b;
}

static bson_t *
file_doc(const char *id, int64_t open, int64_t close)
{
	bson_t *b = bson_new();

	assert_true(BSON_APPEND_UTF8(b, F_ID, id) &&
	            BSON_APPEND_UTF8(b, F_HOST, "h1") &&
	            BSON_APPEND_UTF8(b, F_FILENAME, "/tmp/x") &&
	            BSON_APPEND_INT64(b, F_OPEN_NS, open) &&
	            BSON_APPEND_INT64(b, F_CLOSE_NS, close));
	seal(b);
	return b;
}

static size_t
add_doc(struct rec *r, const char *coll, bson_t *doc)
{
	assert_true(r->ndocs < MAXD);
	r->coll[r->ndocs] = coll;
	r->doc[r->ndocs] = doc;
	return r->ndocs++;
}

static void
add_entry(bson_t *arr, int i, const char *coll, const bson_t *doc)
{
	char k[16];
	bson_t e;
	bson_iter_t id;

	snprintf(k, sizeof(k), "%d", i);
	assert_true(bson_iter_init_find(&id, doc, F_ID));
	assert_true(bson_append_document_begin(arr, k, -1, &e) &&
	            BSON_APPEND_UTF8(&e, F_CHAIN_COLL, coll) &&
	            bson_append_iter(&e, F_CHAIN_ID, -1, &id) &&
	            BSON_APPEND_BINARY(&e, F_CHAIN_DIGEST, BSON_SUBTYPE_BINARY,
	                               dg_of(doc), DIGEST_LEN) &&
	            bson_append_document_end(arr, &e));
}

/* Link seq over docs [d0, d1), chained to prev (NULL at 0). */
static bson_t *
make_link(int seq, const struct rec *r, size_t d0, size_t d1,
          const bson_t *prev)
{
	bson_t *b = bson_new();
	bson_t arr;
	char id[64];
	size_t i;

	snprintf(id, sizeof(id), "%s:%d", RUN, seq);
	assert_true(BSON_APPEND_UTF8(b, F_ID, id) &&
	            BSON_APPEND_UTF8(b, F_HOST, "h1") &&
	            BSON_APPEND_UTF8(b, F_CHAIN_RUN, RUN) &&
	            BSON_APPEND_INT64(b, F_CHAIN_SEQ, seq));
	if (prev == NULL)
		assert_true(BSON_APPEND_NULL(b, F_CHAIN_PREV));
	else
		assert_true(BSON_APPEND_BINARY(b, F_CHAIN_PREV,
		                               BSON_SUBTYPE_BINARY, dg_of(prev),
		                               DIGEST_LEN));
	assert_true(BSON_APPEND_INT64(b, F_CHAIN_FROM_NS, link_ns(seq)) &&
	            BSON_APPEND_INT64(b, F_CHAIN_TO_NS, link_ns(seq)) &&
	            BSON_APPEND_ARRAY_BEGIN(b, F_CHAIN_ENTRIES, &arr));
	for (i = d0; i < d1; i++)
		add_entry(&arr, (int)(i - d0), r->coll[i], r->doc[i]);
	assert_true(bson_append_array_end(b, &arr));
	seal(b);
	return b;
}

/* Each link k holds a process that ran 0.5 s before its write and a file
 * it closed then. Link 9 also holds a task's final document whose exit
 * lies in link 6's second (written late, like a :final after a window). */
static int
setup(void **state)
{
	struct rec *r = calloc(1, sizeof(*r));
	char id[32];
	size_t d0;
	int k;

	assert_non_null(r);
	for (k = 0; k < NLINKS; k++) {
		int64_t t = link_ns(k) - SEC / 2;

		d0 = r->ndocs;
		snprintf(id, sizeof(id), "p%d", k);
		add_doc(r, COLL_PIDS, pid_doc(id, t - SEC / 4, t, "/bin/true"));
		snprintf(id, sizeof(id), "f%d", k);
		add_doc(r, COLL_FILES, file_doc(id, t - SEC / 4, t));
		if (k == 9)
			add_doc(r, COLL_PIDS,
			        pid_doc("late:final", link_ns(6) - SEC / 4,
			                link_ns(6) + SEC / 4, "/bin/late"));
		r->link[k] = make_link(k, r, d0, r->ndocs,
		                       k > 0 ? r->link[k - 1] : NULL);
	}
	*state = r;
	return 0;
}

static int
teardown(void **state)
{
	struct rec *r = *state;
	size_t i;

	for (i = 0; i < NLINKS; i++)
		bson_destroy(r->link[i]);
	for (i = 0; i < r->ndocs; i++)
		bson_destroy(r->doc[i]);
	free(r);
	return 0;
}

static void
each_link(struct rec *r, struct verify *v,
          int (*fn)(struct verify *, const bson_t *))
{
	int k;

	for (k = 0; k < NLINKS; k++)
		if (r->link[k] != NULL)
			assert_int_equal(fn(v, r->link[k]), 0);
}

/* The passes verifydb.c makes; the findings into out (malloc'd). */
static void
check(struct rec *r, int64_t since, int64_t until, struct verify_result *res,
      char **out)
{
	struct verify *v = verify_new(NULL);
	bool win = since != INT64_MIN || until != INT64_MAX;
	size_t len, i;
	FILE *f = open_memstream(out, &len);

	assert_non_null(v);
	assert_non_null(f);
	verify_set_window(v, since, until);
	each_link(r, v, verify_link);
	if (win) {
		assert_int_equal(verifywin_plan(v), 0);
		each_link(r, v, verifywin_link_entries);
	}
	for (i = 0; i < r->ndocs; i++)
		if (r->doc[i] != NULL)
			assert_int_equal(verify_doc(v, r->coll[i], r->doc[i]),
			                 0);
	if (win && verifywin_needs_look(v))
		each_link(r, v, verifywin_second_look);
	verify_finish(v, NULL, f, res);
	assert_int_equal(fclose(f), 0);
	verify_free(v);
}

/* The second phase: links 5..9 written at T0+105 .. T0+109 s. */
#define W_SINCE (T0 + 104 * SEC)
#define W_UNTIL (T0 + 110 * SEC)

static bool
check_window(struct rec *r, struct verify_result *res, char **out)
{
	memset(res, 0, sizeof(*res));
	check(r, W_SINCE, W_UNTIL, res, out);
	return !verify_failed(res);
}

static bool
window_verifies(struct rec *r)
{
	struct verify_result res;
	char *out = NULL;
	bool ok = check_window(r, &res, &out);

	free(out);
	return ok;
}

static bool
check_whole(struct rec *r)
{
	struct verify_result res;
	char *out = NULL;

	memset(&res, 0, sizeof(res));
	check(r, INT64_MIN, INT64_MAX, &res, &out);
	free(out);
	return !verify_failed(&res);
}

static size_t
doc_index(const struct rec *r, const char *id)
{
	size_t i;
	bson_iter_t it;

	for (i = 0; i < r->ndocs; i++)
		if (bson_iter_init_find(&it, r->doc[i], F_ID) &&
		    strcmp(bson_iter_utf8(&it, NULL), id) == 0)
			return i;
	fail_msg("no document %s", id);
	return 0;
}

/* The stored document id rewritten (its dg kept): an attacker's edit. */
static bson_t *
tamper(struct rec *r, const char *id)
{
	size_t i = doc_index(r, id);
	bson_t *old = r->doc[i], *b = bson_new();
	bson_t a;

	bson_copy_to_excluding_noinit(old, b, F_ARGS, F_FILENAME, NULL);
	assert_true(BSON_APPEND_ARRAY_BEGIN(b, F_ARGS, &a) &&
	            BSON_APPEND_UTF8(&a, "0", "/bin/innocent") &&
	            bson_append_array_end(b, &a));
	r->doc[i] = b;
	return old;
}

static void
untamper(struct rec *r, const char *id, bson_t *old)
{
	size_t i = doc_index(r, id);

	bson_destroy(r->doc[i]);
	r->doc[i] = old;
}

static void
test_window_intact(void **state)
{
	struct rec *r = *state;
	struct verify_result res;
	char *out = NULL;

	assert_true(check_window(r, &res, &out));
	assert_true(res.windowed);
	assert_int_equal(res.win_links, 5);
	/* the window's five and link 4 before it */
	assert_int_equal(res.links_looked, 6);
	/* the first phase's ten documents are not judged */
	assert_int_equal(res.outside, 10);
	assert_string_equal(out, "");
	free(out);
	assert_true(check_whole(r));
}

/* A change in the first phase only: the window verifies, the whole
 * record does not. */
static void
test_window_tamper_outside(void **state)
{
	struct rec *r = *state;
	bson_t *old = tamper(r, "p2");

	assert_true(window_verifies(r));
	assert_false(check_whole(r));
	untamper(r, "p2", old);
}

/* A change in the window fails naming the collection, the id and the
 * document's times. */
static void
test_window_tamper_inside(void **state)
{
	struct rec *r = *state;
	struct verify_result res;
	char *out = NULL;
	bson_t *old = tamper(r, "p6");
	const struct verify_range *g = &res.range[VK_CHANGED][0];

	assert_false(check_window(r, &res, &out));
	assert_int_equal(res.changed, 1);
	/* p6: started at T0+105.25 s, exited at T0+105.5 s */
	assert_non_null(strstr(out, "verify: changed: pids p6 "
	                            "[2023-11-14T22:15:05.250Z .. "
	                            "2023-11-14T22:15:05.500Z] (link 6 of"));
	assert_int_equal(g->n, 1);
	assert_true(g->lo == T0 + 105 * SEC + SEC / 4);
	assert_true(g->hi == T0 + 105 * SEC + SEC / 2);
	free(out);
	untamper(r, "p6", old);
}

/* Link k deleted: the window fails, naming it missing. */
static void
deleted_link_fails(struct rec *r, int k)
{
	struct verify_result res;
	char *out = NULL, want[32];
	bson_t *l = r->link[k];

	r->link[k] = NULL;
	assert_false(check_window(r, &res, &out));
	snprintf(want, sizeof(want), "links %d..%d missing", k, k);
	assert_non_null(strstr(out, want));
	free(out);
	r->link[k] = l;
}

/* The link just before the window deleted: the sequence into the window
 * is broken. */
static void
test_window_link_before_deleted(void **state)
{
	deleted_link_fails(*state, 4);
}

/* A link of the window deleted (its documents left: they are then judged
 * by their times). */
static void
test_window_link_inside_deleted(void **state)
{
	deleted_link_fails(*state, 7);
}

/* Every link of the window deleted with their documents: no link in it,
 * and the sequence across it (link 4 before, 8 after) is broken. */
static void
test_window_all_links_deleted(void **state)
{
	struct rec *r = *state;
	struct verify_result res;
	char *out = NULL;
	bson_t *saved[NLINKS], *docs[MAXD];
	size_t i;
	int k;

	for (k = 5; k <= 7; k++) {
		saved[k] = r->link[k];
		r->link[k] = NULL;
	}
	for (i = 0; i < r->ndocs; i++) { /* p5..p7, f5..f7, late:final */
		docs[i] = r->doc[i];
		if ((i >= 10 && i < 16) || i == 20)
			r->doc[i] = NULL;
	}
	memset(&res, 0, sizeof(res));
	/* ends before p8 (107.25 s) and link 8 (108 s) */
	check(r, W_SINCE, T0 + 107 * SEC + SEC / 5, &res, &out);
	assert_true(verify_failed(&res));
	assert_int_equal(res.win_links, 0);
	assert_int_equal(res.docs, r->ndocs - 7);
	assert_int_equal(res.outside, res.docs);
	assert_non_null(strstr(out, "links 5..7 missing"));
	free(out);
	for (k = 5; k <= 7; k++)
		r->link[k] = saved[k];
	for (i = 0; i < r->ndocs; i++)
		r->doc[i] = docs[i];
}

/* A window in the gap between the phases holds no link: it fails, and
 * says why (verify_failed). */
static void
test_window_without_link(void **state)
{
	struct rec *r = *state;
	struct verify_result res;
	char *out = NULL;

	memset(&res, 0, sizeof(res));
	check(r, T0 + 20 * SEC, T0 + 90 * SEC, &res, &out);
	assert_true(verify_failed(&res));
	assert_int_equal(res.win_links, 0);
	assert_int_equal(res.link_bad, 0); /* 4 and 5 follow each other */
	free(out);
}

/* A document in the window whose entry is in a link after it (a task's
 * final document written late): the second look finds it; changed, it
 * fails; and the links up to that one are checked too. */
#define LATE_UNTIL (T0 + 106 * SEC + SEC / 2) /* links 5, 6; 7 after */

static void
test_window_second_look(void **state)
{
	struct rec *r = *state;
	struct verify_result res;
	char *out = NULL;
	bson_t *old, *l;

	memset(&res, 0, sizeof(res));
	check(r, W_SINCE, LATE_UNTIL, &res, &out);
	assert_false(verify_failed(&res));
	assert_int_equal(res.win_links, 2);
	/* 4 .. 7 around the window, and on to 9 which vouches for late */
	assert_int_equal(res.links_looked, 6);
	free(out);
	old = tamper(r, "late:final");
	memset(&res, 0, sizeof(res));
	check(r, W_SINCE, LATE_UNTIL, &res, &out);
	assert_int_equal(res.changed, 1);
	assert_non_null(strstr(out, "changed: pids late:final"));
	free(out);
	untamper(r, "late:final", old);
	/* without link 9, it is a document no link names */
	l = r->link[9];
	r->link[9] = NULL;
	memset(&res, 0, sizeof(res));
	check(r, W_SINCE, LATE_UNTIL, &res, &out);
	assert_int_equal(res.added, 1);
	assert_non_null(strstr(out, "added outside a chain: pids late:final"));
	free(out);
	r->link[9] = l;
	/* link 8 deleted (two past the window): link 9 vouches for
	 * late:final, so the sequence is checked up to it */
	l = r->link[8];
	r->link[8] = NULL;
	memset(&res, 0, sizeof(res));
	check(r, W_SINCE, LATE_UNTIL, &res, &out);
	assert_non_null(strstr(out, "links 8..8 missing"));
	free(out);
	r->link[8] = l;
}

/* Forged documents: in the window, or without a time, they fail it;
 * outside, only the whole record's check sees them. */
static void
test_window_forged(void **state)
{
	struct rec *r = *state;
	struct verify_result res;
	char *out = NULL;
	bson_t *in = pid_doc("forged:in", T0 + 106 * SEC, T0 + 107 * SEC, "x");
	size_t n = r->ndocs;

	add_doc(r, COLL_PIDS, in);
	assert_false(check_window(r, &res, &out));
	assert_int_equal(res.added, 1);
	assert_non_null(strstr(out, "added outside a chain: pids forged:in ["
	                            "2023-11-14T22:15:06.000Z .. "));
	assert_int_equal(res.range[VK_ADDED][0].n, 1);
	free(out);
	bson_destroy(r->doc[n]);
	r->doc[n] = pid_doc("forged:out", T0 + 1 * SEC, T0 + 2 * SEC, "x");
	assert_true(check_window(r, &res, &out));
	free(out);
	assert_false(check_whole(r));
	bson_destroy(r->doc[n]);
	r->doc[n] = bson_new();
	assert_true(BSON_APPEND_UTF8(r->doc[n], F_ID, "forged:notime"));
	assert_false(check_window(r, &res, &out));
	assert_non_null(strstr(out, "pids forged:notime [no time]"));
	free(out);
	bson_destroy(r->doc[n]);
	r->ndocs = n;
}

/* A task still running when written (no exit): for all its document
 * says it runs on, so every later window judges it. */
static void
test_window_running_task(void **state)
{
	struct rec *r = *state;
	struct verify_result res;
	char *out = NULL;
	size_t i = doc_index(r, "p1");
	bson_t *old = r->doc[i];

	r->doc[i] = pid_doc("p1", link_ns(1) - SEC, 0, "/bin/true");
	assert_false(check_window(r, &res, &out)); /* its digest changed */
	assert_non_null(strstr(out, "changed: pids p1 [2023-11-14T22:13:20.000Z"
	                            " .. open]"));
	free(out);
	bson_destroy(r->doc[i]);
	r->doc[i] = old;
}

static void
test_window_doc_times(void **state)
{
	bson_t *b = bson_new();
	bson_t a, e;
	int64_t lo = INT64_MAX, hi = INT64_MIN;

	(void)state;
	assert_true(BSON_APPEND_UTF8(b, F_ID, "g") &&
	            BSON_APPEND_INT64(b, "count", 5) && /* not a time */
	            BSON_APPEND_DATE_TIME(b, F_GAP_FROM, 1700000000000LL) &&
	            BSON_APPEND_ARRAY_BEGIN(b, "docs", &a) &&
	            BSON_APPEND_DOCUMENT_BEGIN(&a, "0", &e) &&
	            BSON_APPEND_INT64(&e, F_OP_NS, T0 + 7 * SEC) &&
	            bson_append_document_end(&a, &e) &&
	            bson_append_array_end(b, &a));
	verifywin_doc_times(COLL_FILES, b, &lo, &hi);
	assert_true(lo == T0 && hi == T0 + 7 * SEC);
	lo = INT64_MAX;
	hi = INT64_MIN;
	/* a pids document with a start and no exit reaches on */
	verifywin_doc_times(COLL_PIDS, b, &lo, &hi);
	assert_true(lo == T0 && hi == INT64_MAX);
	bson_destroy(b);
}

static void
test_window_fmt_time(void **state)
{
	char s[48];

	(void)state;
	verifywin_fmt_time(T0 + 123456789, s, sizeof(s));
	assert_string_equal(s, "2023-11-14T22:13:20.123Z");
	verifywin_fmt_time(-1, s, sizeof(s));
	assert_string_equal(s, "1969-12-31T23:59:59.999Z");
	verifywin_fmt_time(INT64_MAX, s, sizeof(s));
	assert_string_equal(s, "open");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_window_intact, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_window_tamper_outside, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_window_tamper_inside, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_window_link_before_deleted,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_window_link_inside_deleted,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_window_all_links_deleted,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_window_without_link, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_window_second_look, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_window_forged, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_window_running_task, setup,
	                                    teardown),
	    cmocka_unit_test(test_window_doc_times),
	    cmocka_unit_test(test_window_fmt_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
