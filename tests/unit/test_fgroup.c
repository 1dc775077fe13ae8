/* test_fgroup.c - files documents grouped per process and flush
 * (common/fgroup.c) and the write-back that uses them: what a group
 * holds, what its members leave out, that reading it back gives every
 * member's fields, its bounds, and documents that cannot be grouped.
 * Against tests/unit/fake_store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_store.h"
#include "fgroup.h"
#include "schema.h"
#include "writeback.h"
#include "wbfix.h"

#define SEC 1000000000LL
#define T0 (1700000000LL * SEC)

static void
make_task(struct task *k, int32_t pid, const char *docker)
{
	wbfix_task(k, pid, T0);
	snprintf(k->docker_id, sizeof(k->docker_id), "%s", docker);
}

static void
make_file(struct openfile *o, const char *id, const char *path)
{
	wbfix_file(o, id, path, T0);
	o->wcount = 2;
	o->wbytes = 10;
}

struct sink {
	bson_t *doc[512];
	size_t n;
};

static int
sink_add(const bson_t *doc, void *arg)
{
	struct sink *s = arg;

	assert_true(s->n < 512);
	s->doc[s->n++] = bson_copy(doc);
	return 0;
}

static void
sink_free(struct sink *s)
{
	while (s->n > 0)
		bson_destroy(s->doc[--s->n]);
}

/* member i of a group as a document */
static void
member(const bson_t *g, unsigned int i, bson_t *m)
{
	char key[64];
	bson_iter_t it;
	const uint8_t *data;
	uint32_t len;

	snprintf(key, sizeof(key), "%s.%u", FGROUP_FIELD, i);
	assert_true(bson_iter_init(&it, g));
	assert_true(bson_iter_find_descendant(&it, key, &it));
	assert_true(BSON_ITER_HOLDS_DOCUMENT(&it));
	bson_iter_document(&it, &len, &data);
	assert_true(bson_init_static(m, data, len));
}

/* The closed files and an op of one container's processes between two
 * flushes: one document; another container's one file: its document
 * alone. */
static void
test_fgroup_writeback_groups_per_container(void **state)
{
	struct store *s = fake_store_new(true);
	struct writeback wb;
	struct task a, b, c;
	struct openfile o;
	const bson_t *g, *alone;
	bson_t m;

	(void)state;
	assert_non_null(s);
	assert_int_equal(writeback_init(&wb, s, "h1", "boot"), 0);
	make_task(&a, 40, "c1");
	make_task(&b, 41, "c1");
	make_task(&c, 43, "c2");
	make_file(&o, "fa1", "/tmp/a1");
	writeback_file_closed(&wb, &o, &a, T0 + SEC, "close", 100);
	make_file(&o, "fa2", "/tmp/a2");
	writeback_file_closed(&wb, &o, &a, T0 + SEC, "close", 100);
	make_file(&o, "fb1", "/tmp/b1");
	writeback_file_closed(&wb, &o, &b, T0 + SEC, "close", 100);
	make_file(&o, "fc1", "/tmp/c1");
	writeback_file_closed(&wb, &o, &c, T0 + SEC, "close", 100);
	writeback_op(&wb, &a, OP_UNLINK, 7, T0 + 5 * SEC, STR_LIT("/x"),
	             (struct str){NULL, 0});
	writeback_release(&wb, INT64_MAX, UINT64_MAX);
	assert_int_equal(fake_store_count(s, STORE_FILES, FAKE_INSERT), 0);
	writeback_flush(&wb, 200, T0 + 6 * SEC);
	assert_int_equal(fake_store_count(s, STORE_FILES, FAKE_INSERT), 2);

	/* the unlink came first (the closed files were held) */
	g = fake_store_find_doc(s, STORE_FILES, F_PROC_ID, a.id);
	assert_non_null(g);
	assert_true(fgroup_is_group(g));
	assert_string_equal(fake_str(g, F_ID), "boot:40:100:unlink:7:g");
	assert_string_equal(fake_str(g, F_HOST), "h1");
	assert_string_equal(fake_str(g, F_DOCKER_ID), "c1");
	assert_int_equal(fake_int(g, F_PID, 0), 40);
	assert_true(fake_has(g, FGROUP_FIELD ".3"));
	assert_false(fake_has(g, FGROUP_FIELD ".4"));
	member(g, 1, &m);
	assert_string_equal(fake_str(&m, F_ID), "fa1");
	assert_string_equal(fake_str(&m, F_FILENAME), "/tmp/a1");
	assert_int_equal(fake_int(&m, F_OPEN_NS, 0), T0);
	assert_int_equal(fake_int(&m, F_WRITE_BYTES, 0), 10);
	/* what the group holds, and the date twins, are left out */
	assert_false(fake_has(&m, F_HOST) || fake_has(&m, F_BOOT) ||
	             fake_has(&m, F_PROC_ID) || fake_has(&m, F_PID) ||
	             fake_has(&m, F_TGID) || fake_has(&m, F_DOCKER_ID) ||
	             fake_has(&m, F_OPEN_TS) || fake_has(&m, F_CLOSE_TS));
	member(g, 0, &m);
	assert_string_equal(fake_str(&m, F_OP), OP_UNLINK);
	assert_int_equal(fake_int(&m, F_OP_NS, 0), T0 + 5 * SEC);
	assert_false(fake_has(&m, F_OP_TS));
	/* another process of the container: its own proc_id, pid, tgid */
	member(g, 3, &m);
	assert_string_equal(fake_str(&m, F_ID), "fb1");
	assert_string_equal(fake_str(&m, F_PROC_ID), b.id);
	assert_int_equal(fake_int(&m, F_PID, 0), 41);
	assert_int_equal(fake_int(&m, F_TGID, 0), 41);
	assert_false(fake_has(&m, F_HOST) || fake_has(&m, F_DOCKER_ID));

	/* alone: the older shape, all its fields but the twins */
	alone = fake_store_find(s, STORE_FILES, FAKE_INSERT, "fc1")->a;
	assert_false(fgroup_is_group(alone));
	assert_string_equal(fake_str(alone, F_PROC_ID), c.id);
	assert_string_equal(fake_str(alone, F_HOST), "h1");
	assert_string_equal(fake_str(alone, F_DOCKER_ID), "c2");
	assert_int_equal(fake_int(alone, F_CLOSE_NS, 0), T0 + SEC);
	assert_false(fake_has(alone, F_CLOSE_TS));
	writeback_fini(&wb);
	fake_store_free(s);
}

/* A pids document carries its times in ns only (issue 22): the date
 * twins cost a field each on every document. */
static void
test_fgroup_task_times_in_ns_only(void **state)
{
	struct store *s = fake_store_new(true);
	struct writeback wb;
	struct task k;
	const struct fake_op *op;

	(void)state;
	assert_non_null(s);
	assert_int_equal(writeback_init(&wb, s, "h1", "boot"), 0);
	make_task(&k, 42, "c1");
	writeback_task_recorded(&wb, &k, "fork", 0);
	k.exited = true;
	k.exit_ns = T0 + SEC;
	writeback_task_exit(&wb, &k);
	writeback_task_write(&wb, &k);
	op = fake_store_find(s, STORE_PIDS, FAKE_INSERT, k.id);
	assert_non_null(op);
	assert_int_equal(fake_int(op->a, F_START_NS, 0), T0);
	assert_int_equal(fake_int(op->a, F_EXIT_NS, 0), T0 + SEC);
	assert_false(fake_has(op->a, F_START_TS) || fake_has(op->a, F_EXIT_TS));
	writeback_task_release(&wb, &k);
	writeback_fini(&wb);
	fake_store_free(s);
}

static void
old_doc(bson_t *d, const char *id, const char *proc, int32_t pid,
        const char *docker, int64_t ns)
{
	BSON_APPEND_UTF8(d, F_ID, id);
	BSON_APPEND_UTF8(d, F_HOST, "h");
	BSON_APPEND_UTF8(d, F_BOOT, "b");
	BSON_APPEND_UTF8(d, F_OP, OP_OPEN);
	BSON_APPEND_UTF8(d, F_PROC_ID, proc);
	BSON_APPEND_INT32(d, F_PID, pid);
	BSON_APPEND_INT32(d, F_TGID, pid);
	if (docker != NULL)
		BSON_APPEND_UTF8(d, F_DOCKER_ID, docker);
	BSON_APPEND_UTF8(d, F_FILENAME, id);
	bson_append_date_time(d, F_OPEN_TS, -1, ns / 1000000);
	BSON_APPEND_INT64(d, F_OPEN_NS, ns);
}

/* Each member read back is its original minus the date twins: same
 * keys, same values (fields of the group included), each its own process
 * in a group per container. */
static void
test_fgroup_each_gives_members_back(void **state)
{
	struct sink out = {0}, back = {0};
	struct fgroup g;
	bson_t d[3];
	const char *docker[3] = {"c1", NULL, "c1"};
	const char *proc[3] = {"p1", "p2", "p3"};
	int i;

	(void)state;
	fgroup_init(&g, sink_add, &out, false);
	for (i = 0; i < 3; i++) {
		char id[16];

		snprintf(id, sizeof(id), "f%d", i);
		bson_init(&d[i]);
		old_doc(&d[i], id, proc[i], 9 + i, docker[i], T0 + i);
		assert_int_equal(fgroup_add(&g, &d[i]), 0);
	}
	fgroup_flush(&g);
	/* docker_id is part of the key: f1 (none) is a group of its own */
	assert_int_equal(out.n, 2);
	for (i = 0; i < (int)out.n; i++)
		assert_int_equal(fgroup_each(out.doc[i], sink_add, &back), 0);
	assert_int_equal(back.n, 3);
	for (i = 0; i < 3; i++) {
		char id[16];
		const bson_t *m = NULL;
		bson_iter_t it;
		size_t j, nkeys = 0;

		snprintf(id, sizeof(id), "f%d", i);
		for (j = 0; j < back.n; j++)
			if (strcmp(fake_str(back.doc[j], F_ID), id) == 0)
				m = back.doc[j];
		assert_non_null(m);
		assert_true(bson_iter_init(&it, &d[i]));
		while (bson_iter_next(&it)) {
			const char *k = bson_iter_key(&it);
			bson_iter_t mi;

			if (strcmp(k, F_OPEN_TS) == 0)
				continue;
			nkeys++;
			assert_true(bson_iter_init_find(&mi, m, k));
			assert_int_equal(bson_iter_type(&mi),
			                 bson_iter_type(&it));
		}
		assert_int_equal(bson_count_keys(m), nkeys);
		assert_string_equal(fake_str(m, F_PROC_ID), proc[i]);
		assert_int_equal(fake_int(m, F_PID, 0), 9 + i);
		assert_int_equal(fake_int(m, F_OPEN_NS, 0), T0 + i);
		if (docker[i] != NULL)
			assert_string_equal(fake_str(m, F_DOCKER_ID),
			                    docker[i]);
		else
			assert_false(fake_has(m, F_DOCKER_ID));
		bson_destroy(&d[i]);
	}
	fgroup_fini(&g);
	sink_free(&out);
	sink_free(&back);
}

/* Bounds: FGROUP_MEMBERS members, FGROUP_BYTES of them; a document that
 * cannot be grouped goes as it is. A member with its own pid keeps it. */
static void
test_fgroup_bounds_and_ungroupable(void **state)
{
	struct sink out = {0}, back = {0};
	struct fgroup g;
	bson_t d, big = BSON_INITIALIZER, odd = BSON_INITIALIZER;
	char pad[FGROUP_BYTES / 2];
	unsigned int i, total = 0;

	(void)state;
	fgroup_init(&g, sink_add, &out, true); /* per process */
	for (i = 0; i < FGROUP_MEMBERS + 1; i++) {
		char id[16];

		snprintf(id, sizeof(id), "f%u", i);
		bson_init(&d);
		old_doc(&d, id, "p1", i == 5 ? 77 : 9, "c1", T0);
		assert_int_equal(fgroup_add(&g, &d), 0);
		bson_destroy(&d);
	}
	/* two documents of half the bytes bound each: two groups */
	memset(pad, 'a', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	for (i = 0; i < 2; i++) {
		bson_reinit(&big);
		old_doc(&big, i ? "b1" : "b0", "p2", 9, "c1", T0);
		BSON_APPEND_UTF8(&big, F_TARGET, pad);
		assert_int_equal(fgroup_add(&g, &big), 0);
	}
	old_doc(&odd, "o", "p3", 9, "c1", T0);
	bson_reinit(&odd);
	BSON_APPEND_UTF8(&odd, F_ID, "o");
	BSON_APPEND_UTF8(&odd, F_PROC_ID, "p3"); /* no pid, host: as is */
	assert_int_equal(fgroup_add(&g, &odd), 0);
	/* odd, the first full group of p1, b0 (b1 would pass the bytes) */
	assert_int_equal(out.n, 3);
	assert_true(bson_equal(out.doc[2], &odd));
	assert_true(fgroup_is_group(out.doc[0]) &&
	            !fgroup_is_group(out.doc[1]));
	fgroup_fini(&g);
	assert_int_equal(out.n, 5); /* + p1's last (alone), b1 */
	for (i = 0; i < out.n; i++) {
		assert_true(out.doc[i]->len <= FGROUP_BYTES + 1024);
		back.n = 0;
		assert_int_equal(fgroup_each(out.doc[i], sink_add, &back), 0);
		total += (unsigned int)back.n;
		while (back.n > 0) {
			const bson_t *m = back.doc[back.n - 1];

			if (strcmp(fake_str(m, F_ID), "f5") == 0)
				assert_int_equal(fake_int(m, F_PID, 0), 77);
			else if (fake_has(m, F_PID))
				assert_int_equal(fake_int(m, F_PID, 0), 9);
			bson_destroy(back.doc[--back.n]);
		}
	}
	assert_int_equal(total, FGROUP_MEMBERS + 1 + 2 + 1);
	bson_destroy(&big);
	bson_destroy(&odd);
	sink_free(&out);
}

/* Two containers' groups filling in turns (a full group leaves the
 * table, another takes its place): every member comes back once, from
 * valid groups. */
static void
test_fgroup_full_groups_in_turns(void **state)
{
	struct sink out = {0}, back = {0};
	struct fgroup g;
	static bool seen[3 * FGROUP_MEMBERS];
	unsigned int i, total = 0;

	(void)state;
	memset(seen, 0, sizeof(seen));
	fgroup_init(&g, sink_add, &out, false);
	for (i = 0; i < 3 * FGROUP_MEMBERS; i++) {
		char id[16], proc[16];
		bson_t d = BSON_INITIALIZER;

		snprintf(id, sizeof(id), "%u", i);
		snprintf(proc, sizeof(proc), "p%u", i % 7);
		/* c1 has the first slot and fills first */
		old_doc(&d, id, proc, (int32_t)(i % 7),
		        i % 3 != 1 ? "c1" : "c2", T0);
		assert_int_equal(fgroup_add(&g, &d), 0);
		bson_destroy(&d);
		if (out.n > 200)
			fail_msg("too many documents");
	}
	fgroup_fini(&g);
	assert_int_equal(g.failed, 0);
	for (i = 0; i < out.n; i++) {
		bson_iter_t it, ai;
		unsigned int idx = 0;

		/* an array's keys are "0", "1", ... (a store refuses others) */
		if (bson_iter_init_find(&it, out.doc[i], FGROUP_FIELD) &&
		    bson_iter_recurse(&it, &ai))
			while (bson_iter_next(&ai))
				assert_int_equal(atoi(bson_iter_key(&ai)),
				                 idx++);
		assert_int_equal(fgroup_each(out.doc[i], sink_add, &back), 0);
		while (back.n > 0) {
			const bson_t *m = back.doc[back.n - 1];
			unsigned int k = (unsigned int)atoi(fake_str(m, F_ID));

			assert_true(k < 3 * FGROUP_MEMBERS && !seen[k]);
			seen[k] = true;
			assert_int_equal(fake_int(m, F_PID, -1), k % 7);
			assert_string_equal(fake_str(m, F_DOCKER_ID),
			                    k % 3 != 1 ? "c1" : "c2");
			total++;
			bson_destroy(back.doc[--back.n]);
		}
	}
	assert_int_equal(total, 3 * FGROUP_MEMBERS);
	sink_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fgroup_writeback_groups_per_container),
	    cmocka_unit_test(test_fgroup_task_times_in_ns_only),
	    cmocka_unit_test(test_fgroup_each_gives_members_back),
	    cmocka_unit_test(test_fgroup_bounds_and_ungroupable),
	    cmocka_unit_test(test_fgroup_full_groups_in_turns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
