/* test_filter_fixture.h - the filter's stages without a store, for the
 * unit tests: documents built from JSON (bson_new_from_json), fixture
 * databases from tests/data/filter/<name>.json (an object of arrays
 * "pids", "files", "fds", "gaps", shaped as docs/schema.md), the reading
 * stages run over them in main.c's order, and golden files compared byte
 * for byte. GODO_UPDATE_GOLDEN=1 rewrites a golden file instead of
 * comparing (then review the diff with git):
 *   make && GODO_UPDATE_GOLDEN=1 GODO_TOP=.
 * build/release/tests/unit/test_filter_render Include after <cmocka.h>. Helpers
 * are static inline: a test links only the modules of the helpers it calls. */
#ifndef GODO_TEST_FILTER_FIXTURE_H
#define GODO_TEST_FILTER_FIXTURE_H

#include <bson/bson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "opts.h"

#define FF_T0 1795600800000000000LL /* 2026-11-25T10:00:00Z, the fixtures' */
#define FF_NS(s) (FF_T0 + (int64_t)((s)*1000000000.0))
#define FF_CID1                                                                \
	"a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1"

static inline void
ff_path(char *path, size_t size, const char *name)
{
	const char *top = getenv("GODO_TOP");

	snprintf(path, size, "%s%stests/data/filter/%s", top ? top : "",
	         top ? "/" : "", name);
}

/* the rest of f from its start, NUL-terminated; f is closed */
static inline char *
ff_slurp(FILE *f, size_t *len)
{
	char *buf;
	long n;

	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	assert_int_equal(fclose(f), 0);
	*len = (size_t)n;
	return buf;
}

/* tests/data/filter/name, whole and NUL-terminated */
static inline char *
ff_read(const char *name, size_t *len)
{
	char path[4096];
	FILE *f;

	ff_path(path, sizeof(path), name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s (GODO_UPDATE_GOLDEN=1 writes a "
		         "golden file)",
		         path);
	return ff_slurp(f, len);
}

/* One document from JSON (extended JSON: {"$binary": ...}, {"$date":
 * ...}, {"$oid": ...}); the caller bson_destroy()s it. */
static inline bson_t *
ff_doc(const char *json)
{
	bson_error_t err;
	bson_t *b = bson_new_from_json((const uint8_t *)json, -1, &err);

	if (b == NULL)
		fail_msg("bad JSON %s: %s", json, err.message);
	return b;
}

static inline void
ff_opts(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->format = "text";
	o->since = INT64_MIN;
	o->until = INT64_MAX;
	o->max_procs = 100000;
}

/* A fixture database: the JSON object of tests/data/filter/name. */
static inline bson_t *
ff_fixture(const char *name)
{
	size_t n;
	char *json = ff_read(name, &n);
	bson_t *b = ff_doc(json);

	free(json);
	return b;
}

/* fn on each document of the array coll of db (as a cursor would) */
static inline void
ff_each(const bson_t *db, const char *coll,
        int (*fn)(const bson_t *doc, void *arg), void *arg)
{
	bson_iter_t it, arr;
	const uint8_t *data;
	uint32_t len;
	bson_t doc;

	if (!bson_iter_init_find(&it, db, coll))
		return;
	assert_true(BSON_ITER_HOLDS_ARRAY(&it));
	assert_true(bson_iter_recurse(&it, &arr));
	while (bson_iter_next(&arr)) {
		assert_true(BSON_ITER_HOLDS_DOCUMENT(&arr));
		bson_iter_document(&arr, &len, &data);
		assert_true(bson_init_static(&doc, data, len));
		assert_int_equal(fn(&doc, arg), 0);
	}
}

/* got[0..n) against the golden file name, or written to it */
static inline void
ff_golden(const char *name, const char *got, size_t n)
{
	const char *up = getenv("GODO_UPDATE_GOLDEN");
	char path[4096];
	size_t wn;
	char *want;

	if (up != NULL && strcmp(up, "1") == 0) {
		FILE *f;

		ff_path(path, sizeof(path), name);
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(got, 1, n, f), n);
		assert_int_equal(fclose(f), 0);
		return;
	}
	want = ff_read(name, &wn);
	if (wn != n || memcmp(want, got, n) != 0) {
		fprintf(stderr, "--- golden %s\n%s\n--- got\n%.*s\n", name,
		        want, (int)n, got);
		free(want);
		fail_msg("output differs from golden %s", name);
	}
	free(want);
}

/* What a renderer writes, NUL-terminated; its return value in *rc. */
static inline char *
ff_render(int (*fn)(FILE *, const struct model *, const struct opts *),
          const struct model *m, const struct opts *o, size_t *len, int *rc)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	*rc = fn(f, m, o);
	assert_int_equal(fflush(f), 0);
	return ff_slurp(f, len);
}

#endif
