/* fake_store.c - see fake_store.h. */
#include "fake_store.h"

#include <stdlib.h>
#include <string.h>

#define FAKE_OPS_MAX 8192

struct store {
	bool scan;
	int fail;
	uint64_t lose;
	bool lose_down;
	struct store_stats st;
	struct fake_op ops[FAKE_OPS_MAX];
	size_t nops;
};

struct store *
fake_store_new(bool scan)
{
	struct store *s = calloc(1, sizeof(*s));

	if (s != NULL)
		s->scan = scan;
	return s;
}

void
fake_store_clear(struct store *s)
{
	size_t i;

	for (i = 0; i < s->nops; i++) {
		bson_destroy(s->ops[i].a);
		if (s->ops[i].b != NULL)
			bson_destroy(s->ops[i].b);
	}
	s->nops = 0;
}

void
fake_store_free(struct store *s)
{
	if (s == NULL)
		return;
	fake_store_clear(s);
	free(s);
}

static int
queue(struct store *s, enum store_coll c, enum fake_op_type t, const bson_t *a,
      const bson_t *b)
{
	struct fake_op *op;

	if (s->fail > 0) {
		s->fail--;
		return -1;
	}
	if (s->nops == FAKE_OPS_MAX)
		abort(); /* a test that writes this much is wrong */
	op = &s->ops[s->nops++];
	op->c = c;
	op->t = t;
	op->a = bson_copy(a);
	op->b = b != NULL ? bson_copy(b) : NULL;
	s->st.ops++;
	return 0;
}

int
store_insert(struct store *s, enum store_coll c, const bson_t *doc)
{
	return queue(s, c, FAKE_INSERT, doc, NULL);
}

int
store_upsert(struct store *s, enum store_coll c, const bson_t *sel,
             const bson_t *upd)
{
	return queue(s, c, FAKE_UPSERT, sel, upd);
}

int
store_delete(struct store *s, enum store_coll c, const bson_t *sel)
{
	return queue(s, c, FAKE_DELETE, sel, NULL);
}

bool
store_updates_scan(const struct store *s)
{
	return s->scan;
}

size_t
store_pending(const struct store *s)
{
	return s->nops;
}

int
store_flush(struct store *s, uint64_t now_ms)
{
	(void)now_ms;
	s->st.lost_ops += s->lose;
	s->st.down = s->lose_down;
	s->lose = 0;
	return s->st.down ? -1 : 0;
}

void
store_get_stats(const struct store *s, struct store_stats *out)
{
	*out = s->st;
}

void
fake_store_fail(struct store *s, int n)
{
	s->fail = n;
}

void
fake_store_lose(struct store *s, uint64_t n, bool down)
{
	s->lose = n;
	s->lose_down = down;
}

size_t
fake_store_nops(const struct store *s)
{
	return s->nops;
}

const struct fake_op *
fake_store_op(const struct store *s, size_t i)
{
	return i < s->nops ? &s->ops[i] : NULL;
}

size_t
fake_store_count(const struct store *s, enum store_coll c, enum fake_op_type t)
{
	size_t i, n = 0;

	for (i = 0; i < s->nops; i++)
		if (s->ops[i].c == c && s->ops[i].t == t)
			n++;
	return n;
}

const struct fake_op *
fake_store_find(const struct store *s, enum store_coll c, enum fake_op_type t,
                const char *id)
{
	size_t i;

	for (i = s->nops; i-- > 0;) {
		const struct fake_op *op = &s->ops[i];
		const char *got = fake_str(op->a, "_id");

		if (op->c == c && op->t == t && got != NULL &&
		    strcmp(got, id) == 0)
			return op;
	}
	return NULL;
}

const bson_t *
fake_store_find_doc(const struct store *s, enum store_coll c, const char *key,
                    const char *val)
{
	size_t i;

	for (i = 0; i < s->nops; i++) {
		const struct fake_op *op = &s->ops[i];
		const char *got = fake_str(op->a, key);

		if (op->c == c && op->t == FAKE_INSERT && got != NULL &&
		    strcmp(got, val) == 0)
			return op->a;
	}
	return NULL;
}

static bool
find(const bson_t *b, const char *path, bson_iter_t *out)
{
	bson_iter_t it;

	return b != NULL && bson_iter_init(&it, b) &&
	       bson_iter_find_descendant(&it, path, out);
}

const char *
fake_str(const bson_t *b, const char *path)
{
	bson_iter_t it;

	if (!find(b, path, &it) || !BSON_ITER_HOLDS_UTF8(&it))
		return NULL;
	return bson_iter_utf8(&it, NULL);
}

int64_t
fake_int(const bson_t *b, const char *path, int64_t dflt)
{
	bson_iter_t it;

	if (!find(b, path, &it))
		return dflt;
	if (BSON_ITER_HOLDS_DATE_TIME(&it))
		return bson_iter_date_time(&it);
	if (BSON_ITER_HOLDS_BOOL(&it))
		return bson_iter_bool(&it);
	return bson_iter_as_int64(&it);
}

bool
fake_has(const bson_t *b, const char *path)
{
	bson_iter_t it;

	return find(b, path, &it);
}
