/* test_chain.c - the tamper-evident chain end to end without a server:
 * writeback chains what it sends to the fake store, the operations are
 * applied to a small in-memory store as MongoDB would (insert; upsert with
 * $set), and filter's verify checks the result; then one edit at a time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "chainent.h"
#include "fake_store.h"
#include "schema.h"
#include "verify.h"
#include "writeback.h"
#include "wbfix.h"

#define SEC 1000000000LL
#define T0 (1700000000LL * SEC)
#define MAXDOCS 64

/* What the store holds after the operations: one document per (coll, id). */
struct mini {
	enum store_coll c[MAXDOCS];
	bson_t *doc[MAXDOCS];
	size_t n;
};

struct fix {
	struct store *s;
	struct writeback wb;
	struct chain ch;
	struct mini m;
};

static const char *
id_of(const bson_t *b)
{
	bson_iter_t it;

	assert_true(bson_iter_init_find(&it, b, F_ID));
	return bson_iter_utf8(&it, NULL);
}

static bson_t **
slot(struct mini *m, enum store_coll c, const char *id)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->c[i] == c && strcmp(id_of(m->doc[i]), id) == 0)
			return &m->doc[i];
	assert_true(m->n < MAXDOCS);
	m->c[m->n] = c;
	m->doc[m->n] = NULL;
	return &m->doc[m->n++];
}

/* MongoDB's effect of one operation: an insert keeps an existing _id's
 * document; an upsert sets fields. */
static void
apply(struct mini *m, const struct fake_op *op)
{
	bson_t **d = slot(m, op->c, id_of(op->a));
	bson_iter_t set, f;
	bson_t *nd;

	if (op->t == FAKE_INSERT) {
		if (*d == NULL)
			*d = bson_copy(op->a);
		return;
	}
	assert_int_equal(op->t, FAKE_UPSERT);
	nd = bson_new();
	if (*d != NULL)
		assert_true(bson_concat(nd, *d));
	else
		assert_true(bson_concat(nd, op->a));
	assert_true(bson_iter_init_find(&set, op->b, "$set"));
	assert_true(bson_iter_recurse(&set, &f));
	while (bson_iter_next(&f)) {
		bson_t *rest = bson_new();

		bson_copy_to_excluding_noinit(nd, rest, bson_iter_key(&f),
		                              NULL);
		assert_true(bson_append_iter(rest, NULL, 0, &f));
		bson_destroy(nd);
		nd = rest;
	}
	bson_destroy(*d);
	*d = nd;
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->s = fake_store_new(false);
	assert_int_equal(writeback_init(&f->wb, f->s, "h1", "boot"), 0);
	chain_init(&f->ch, NULL, "h1", "h1:boot:7:1", NULL);
	writeback_chain(&f->wb, &f->ch, NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	size_t i;

	chain_fini(&f->ch);
	fake_store_free(f->s);
	for (i = 0; i < f->m.n; i++)
		bson_destroy(f->m.doc[i]);
	free(f);
	return 0;
}

static void
make_task(struct task *k, int32_t pid)
{
	wbfix_task(k, pid, T0);
}

/* A run's worth of documents: a task written then changed (insert-only
 * while chained: a final document), a metadata op, a gap, the run's
 * document twice; flushed (sealed), then godo stops (writeback_fini). */
static void
record(struct fix *f)
{
	struct meta_op m;
	struct task k;
	size_t i;

	memset(&m, 0, sizeof(m));
	m.op = OP_CHMOD;
	m.path = (struct str){"/etc/x", 6};
	m.fd = -1;
	m.has_mode = true;
	m.mode = 04755;
	m.uid = m.gid = -1;

	make_task(&k, 10);
	writeback_run(&f->wb, 7, T0, 0, T0);
	writeback_task_recorded(&f->wb, &k, "fork", 1);
	writeback_task_write(&f->wb, &k);
	k.exited = true;
	k.exit_ns = T0 + SEC;
	writeback_task_exit(&f->wb, &k);
	writeback_meta(&f->wb, &k, 42, T0 + SEC, &m);
	writeback_flush(&f->wb, 1000, T0 + SEC);
	writeback_gap(&f->wb, "audit", T0, T0 + SEC, 3);
	writeback_task_release(&f->wb, &k);
	writeback_run(&f->wb, 7, T0, T0 + 2 * SEC, T0 + 2 * SEC);
	writeback_fini(&f->wb);
	for (i = 0; i < fake_store_nops(f->s); i++)
		apply(&f->m, fake_store_op(f->s, i));
}

/* Verification of what the mini store holds; tail may be NULL. */
static void
check(struct fix *f, const struct chain_head *tail, struct verify_result *r)
{
	struct verify *v = verify_new(NULL);
	FILE *devnull = fopen("/dev/null", "w");
	size_t i;

	assert_non_null(v);
	assert_non_null(devnull);
	for (i = 0; i < f->m.n; i++) {
		if (f->m.doc[i] == NULL)
			continue;
		if (f->m.c[i] == STORE_CHAIN)
			assert_int_equal(verify_link(v, f->m.doc[i]), 0);
		else
			assert_int_equal(verify_doc(v,
			                            store_coll_name(f->m.c[i]),
			                            f->m.doc[i]),
			                 0);
	}
	verify_finish(v, tail, devnull, r);
	assert_int_equal(fclose(devnull), 0);
	verify_free(v);
}

static bson_t **
find(struct fix *f, enum store_coll c, size_t nth)
{
	size_t i;

	for (i = 0; i < f->m.n; i++)
		if (f->m.c[i] == c && f->m.doc[i] != NULL && nth-- == 0)
			return &f->m.doc[i];
	fail_msg("no document %zu in collection %d", nth, c);
	return NULL;
}

/* *d with its int32 field set to v (the stored document changed). */
static void
set_i32(bson_t **d, const char *field, int32_t v)
{
	bson_t *nd = bson_new();

	bson_copy_to_excluding_noinit(*d, nd, field, NULL);
	BSON_APPEND_INT32(nd, field, v);
	bson_destroy(*d);
	*d = nd;
}

static void
test_chain_intact(void **state)
{
	struct fix *f = *state;
	struct verify_result r;
	struct chain_head h;

	record(f);
	/* two links (the flush, then fini), pids twice (first, final) */
	assert_true(chain_head(&f->ch, &h));
	assert_int_equal(h.seq, 1);
	assert_int_equal(fake_store_count(f->s, STORE_PIDS, FAKE_INSERT), 2);
	assert_int_equal(fake_store_count(f->s, STORE_PIDS, FAKE_UPSERT), 0);
	check(f, &h, &r);
	assert_false(verify_failed(&r));
	assert_int_equal(r.links, 2);
	/* run, task, final, meta, gap (the run twice: one document) */
	assert_int_equal(r.docs, 5);
	assert_int_equal(r.entries, 6);
}

/* One changed field of a stored document: changed, nothing else. */
static void
test_chain_changed_field(void **state)
{
	struct fix *f = *state;
	struct verify_result r;

	record(f);
	set_i32(find(f, STORE_FILES, 0), F_MODE, 0644);
	check(f, NULL, &r);
	assert_true(verify_failed(&r));
	assert_int_equal(r.changed, 1);
	assert_int_equal(r.deleted + r.added + r.link_bad, 0);
}

static void
test_chain_deleted_added(void **state)
{
	struct fix *f = *state;
	struct verify_result r;
	bson_t **d;

	record(f);
	d = find(f, STORE_GAPS, 0);
	bson_destroy(*d);
	*d = BCON_NEW(F_ID, "forged", F_HOST, "h1");
	check(f, NULL, &r);
	assert_int_equal(r.deleted, 1);
	assert_int_equal(r.added, 1);
	assert_int_equal(r.changed + r.link_bad, 0);
}

/* The newest link gone, with what only it covered: consistent, except
 * against the saved head. */
static void
test_chain_newest_link_dropped(void **state)
{
	struct fix *f = *state;
	struct verify_result r;
	struct chain_head h;
	bson_t **d;

	record(f);
	assert_true(chain_head(&f->ch, &h));
	d = find(f, STORE_CHAIN, 1);
	bson_destroy(*d);
	*d = NULL;
	d = find(f, STORE_GAPS, 0); /* written after the first link */
	bson_destroy(*d);
	*d = NULL;
	d = find(f, STORE_PIDS, 1); /* the final document */
	bson_destroy(*d);
	*d = NULL;
	/* the run's document: back to what the first link covered */
	check(f, NULL, &r);
	assert_int_equal(r.changed, 1); /* runs: its stop is in link 1 only */
	check(f, &h, &r);
	assert_int_equal(r.tail_bad, 1);
}

/* A link removed from the middle of a run, or its prev rewritten: the
 * sequence check and the prev check each see it. */
static void
test_chain_link_sequence(void **state)
{
	struct fix *f = *state;
	struct verify_result r;
	bson_t **d, *nd;

	record(f);
	d = find(f, STORE_CHAIN, 0);
	nd = bson_new();
	bson_copy_to_excluding_noinit(*d, nd, F_CHAIN_SEQ, NULL);
	BSON_APPEND_INT64(nd, F_CHAIN_SEQ, 5);
	bson_destroy(*d);
	*d = nd;
	check(f, NULL, &r);
	/* link 0 missing, link 5 changed (digest), link 1 after 5: order */
	assert_true(r.link_bad >= 2);
}

/* A database without links: "not chained" when no document carries a
 * digest, a failure (the chain deleted) when some do; no sort or search
 * over an empty list (UBSan caught qsort(NULL) here). */
static void
test_chain_no_links(void **state)
{
	struct verify_result r;
	struct verify *v;
	FILE *devnull;
	bson_t *plain = BCON_NEW(F_ID, "a", F_HOST, "h1");
	bson_t *signed_doc = BCON_NEW(F_ID, "b", DIGEST_FIELD, "x");
	struct chain_head tail;

	(void)state;
	memset(&tail, 0, sizeof(tail));
	snprintf(tail.run, sizeof(tail.run), "h1:boot:7:1");
	devnull = fopen("/dev/null", "w");
	assert_non_null(devnull);
	v = verify_new(NULL);
	assert_int_equal(verify_doc(v, COLL_PIDS, plain), 0);
	verify_finish(v, &tail, devnull, &r);
	assert_true(verify_unchained(&r));
	assert_true(verify_failed(&r));
	assert_int_equal(r.tail_bad, 1);
	verify_free(v);
	v = verify_new(NULL);
	assert_int_equal(verify_doc(v, COLL_PIDS, signed_doc), 0);
	verify_finish(v, NULL, devnull, &r);
	assert_false(verify_unchained(&r));
	assert_int_equal(r.added, 1);
	verify_free(v);
	assert_int_equal(fclose(devnull), 0);
	bson_destroy(plain);
	bson_destroy(signed_doc);
}

/* -verify's memory is bounded: with a limit of 64 KiB, documents are
 * taken until the next would pass it, then feeding fails (an error line,
 * nothing verified) and what is held never passes the limit; without a
 * limit set, the default applies. */
static void
test_verify_memory_bounded(void **state)
{
	struct verify *v = verify_new(NULL);
	char id[64];
	int i, rc = 0;

	(void)state;
	assert_non_null(v);
	verify_set_limit(v, 64 * 1024);
	for (i = 0; i < 100000 && rc == 0; i++) {
		bson_t *d;

		snprintf(id, sizeof(id), "boot:%d:%d", i, i * 7);
		d = BCON_NEW(F_ID, BCON_UTF8(id), F_HOST, "h1");
		rc = verify_doc(v, COLL_PIDS, d);
		bson_destroy(d);
		assert_true(verify_held(v) <= 64 * 1024);
	}
	assert_int_equal(rc, -1);
	assert_true(i > 100 && i < 1000); /* a few hundred bytes each */
	assert_true(verify_held(v) > 60 * 1024);
	verify_free(v);
	v = verify_new(NULL);
	verify_set_limit(v, 0);
	for (i = 0; i < 2000; i++) {
		bson_t *d;

		snprintf(id, sizeof(id), "boot:%d:1", i);
		d = BCON_NEW(F_ID, BCON_UTF8(id));
		assert_int_equal(verify_doc(v, COLL_PIDS, d), 0);
		bson_destroy(d);
	}
	verify_free(v);
}

static void
test_chain_head_text(void **state)
{
	struct chain_head h, back;
	char line[CHAIN_RUN_MAX + 128];
	int i;

	(void)state;
	memset(&h, 0, sizeof(h));
	snprintf(h.run, sizeof(h.run), "host:boot:12:345");
	h.seq = 17;
	for (i = 0; i < DIGEST_LEN; i++)
		h.dg[i] = (unsigned char)i;
	chain_head_format(&h, line, sizeof(line));
	assert_int_equal(chain_head_parse(line, strlen(line), &back), 0);
	assert_string_equal(back.run, h.run);
	assert_int_equal(back.seq, 17);
	assert_memory_equal(back.dg, h.dg, DIGEST_LEN);
	assert_int_equal(chain_head_parse("run=x seq=1", 11, &back), -1);
	assert_int_equal(chain_head_parse("run=x seq=1a dg=00", 18, &back), -1);
}

/* Link *d rebuilt with its entries as godo wrote them before they were
 * packed (an array of {c, i, d}), prev set to the rebuilt previous link's
 * dg (NULL at seq 0), and its dg (to dg) computed again: an older
 * database's link. */
static void
to_array_form(bson_t **d, const unsigned char *prev,
              unsigned char dg[DIGEST_LEN])
{
	const uint8_t *p;
	uint32_t n, k = 0;
	bson_subtype_t st;
	bson_iter_t it;
	struct chainent e;
	size_t off = 0;
	bson_t *nd = bson_new(), arr, ent;
	char key[16];
	const char *ks;

	assert_true(bson_iter_init_find(&it, *d, F_CHAIN_ENTS));
	assert_true(BSON_ITER_HOLDS_BINARY(&it));
	bson_iter_binary(&it, &st, &n, &p);
	bson_copy_to_excluding_noinit(*d, nd, F_CHAIN_ENTS, DIGEST_FIELD,
	                              prev != NULL ? F_CHAIN_PREV : NULL, NULL);
	if (prev != NULL)
		assert_true(BSON_APPEND_BINARY(
		    nd, F_CHAIN_PREV, BSON_SUBTYPE_BINARY, prev, DIGEST_LEN));
	assert_true(BSON_APPEND_ARRAY_BEGIN(nd, F_CHAIN_ENTRIES, &arr));
	while (chainent_next(p, n, &off, &e) == 1) {
		bson_uint32_to_string(k++, &ks, key, sizeof(key));
		assert_true(BSON_APPEND_DOCUMENT_BEGIN(&arr, ks, &ent));
		assert_true(bson_append_utf8(&ent, F_CHAIN_COLL, -1, e.coll,
		                             (int)e.coll_len));
		assert_true(bson_append_utf8(&ent, F_CHAIN_ID, -1, e.id,
		                             (int)e.id_len));
		assert_true(BSON_APPEND_BINARY(&ent, F_CHAIN_DIGEST,
		                               BSON_SUBTYPE_BINARY, e.d,
		                               DIGEST_LEN));
		assert_true(bson_append_document_end(&arr, &ent));
	}
	assert_int_equal(off, n);
	assert_true(bson_append_array_end(nd, &arr));
	assert_int_equal(digest_doc(NULL, nd, dg), 0);
	assert_true(BSON_APPEND_BINARY(nd, DIGEST_FIELD, BSON_SUBTYPE_BINARY,
	                               dg, DIGEST_LEN));
	bson_destroy(*d);
	*d = nd;
}

/* godo writes a link's entries packed, one binary value (no array):
 * one entry per document the link covers, each naming its collection
 * and _id. */
static void
test_chain_links_packed(void **state)
{
	struct fix *f = *state;
	size_t i, off, seen = 0;
	bson_iter_t it;
	struct chainent e;
	const uint8_t *p;
	uint32_t n;
	bson_subtype_t st;

	record(f);
	for (i = 0; i < f->m.n; i++) {
		if (f->m.c[i] != STORE_CHAIN || f->m.doc[i] == NULL)
			continue;
		assert_false(bson_has_field(f->m.doc[i], F_CHAIN_ENTRIES));
		assert_true(
		    bson_iter_init_find(&it, f->m.doc[i], F_CHAIN_ENTS));
		bson_iter_binary(&it, &st, &n, &p);
		off = 0;
		while (chainent_next(p, n, &off, &e) == 1) {
			assert_true(e.coll_len > 0 && e.id_len > 0);
			seen++;
		}
		assert_int_equal(off, n);
	}
	assert_int_equal(seen, 6);
}

/* Links of an older database (entries as an array) verify as before, and
 * a change is still found through them. */
static void
test_chain_array_links_still_verify(void **state)
{
	struct fix *f = *state;
	struct verify_result r;
	unsigned char dg0[DIGEST_LEN], dg1[DIGEST_LEN];

	record(f);
	to_array_form(find(f, STORE_CHAIN, 0), NULL, dg0);
	to_array_form(find(f, STORE_CHAIN, 1), dg0, dg1);
	check(f, NULL, &r);
	assert_false(verify_failed(&r));
	assert_int_equal(r.links, 2);
	assert_int_equal(r.entries, 6);
	set_i32(find(f, STORE_PIDS, 0), F_PID, 11);
	check(f, NULL, &r);
	assert_int_equal(r.changed, 1);
}

/* Packed entries cut short, or one holding a NUL in its _id: the link
 * does not verify (its own digest recomputed, so only the entries are
 * at fault). */
static void
test_chain_packed_entries_malformed(void **state)
{
	struct fix *f = *state;
	struct verify_result r;
	unsigned char dg[DIGEST_LEN], buf[CHAINENT_MAX];
	const uint8_t *p;
	uint32_t n;
	bson_subtype_t st;
	bson_iter_t it;
	bson_t **d, *nd;
	static const unsigned char zero[DIGEST_LEN];
	size_t k;

	for (k = 0; k < 2; k++) {
		record(f);
		d = find(f, STORE_CHAIN, 0);
		assert_true(bson_iter_init_find(&it, *d, F_CHAIN_ENTS));
		bson_iter_binary(&it, &st, &n, &p);
		nd = bson_new();
		bson_copy_to_excluding_noinit(*d, nd, F_CHAIN_ENTS,
		                              DIGEST_FIELD, NULL);
		if (k == 0) { /* the last byte of the last digest cut */
			assert_true(BSON_APPEND_BINARY(
			    nd, F_CHAIN_ENTS, BSON_SUBTYPE_BINARY, p, n - 1));
		} else { /* "pids" "a\0b": would name the slot "pids a" */
			size_t m =
			    chainent_put(buf, "pids", 4, "a\0b", 3, zero);

			assert_true(m > 0);
			memcpy(buf + m, p, n); /* n < CHAINENT_MAX - m here */
			assert_true(BSON_APPEND_BINARY(
			    nd, F_CHAIN_ENTS, BSON_SUBTYPE_BINARY, buf, m + n));
		}
		assert_int_equal(digest_doc(NULL, nd, dg), 0);
		assert_true(BSON_APPEND_BINARY(
		    nd, DIGEST_FIELD, BSON_SUBTYPE_BINARY, dg, DIGEST_LEN));
		bson_destroy(*d);
		*d = nd;
		check(f, NULL, &r);
		assert_true(verify_failed(&r));
		if (k == 0) { /* a fresh fixture for the second case */
			teardown(state);
			setup(state);
			f = *state;
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_chain_intact, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_chain_changed_field, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_chain_deleted_added, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_chain_newest_link_dropped,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_chain_link_sequence, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_chain_links_packed, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_chain_array_links_still_verify,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_chain_packed_entries_malformed,
	                                    setup, teardown),
	    cmocka_unit_test(test_chain_no_links),
	    cmocka_unit_test(test_chain_head_text),
	    cmocka_unit_test(test_verify_memory_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
