/* fgroup.c - see fgroup.h. */
#include "fgroup.h"

#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "log.h"
#include "schema.h"

/* A member's date twins: left out when the ns field is there. */
static const char *const twins[][2] = {
    {F_OPEN_TS, F_OPEN_NS},
    {F_CLOSE_TS, F_CLOSE_NS},
    {F_OP_TS, F_OP_NS},
    {F_THEN_TS, F_THEN_NS},
};

/* What the group holds for all its members. */
static const char *const shared[] = {F_HOST, F_BOOT, F_PROC_ID,
                                     F_PID,  F_TGID, F_DOCKER_ID};

void
fgroup_init(struct fgroup *g, fgroup_emit_fn *emit, void *arg, bool per_process)
{
	memset(g, 0, sizeof(*g));
	g->emit = emit;
	g->arg = arg;
	g->per_process = per_process;
}

static void
emit(struct fgroup *g, const bson_t *doc)
{
	g->docs_out++;
	if (g->emit(doc, g->arg) != 0)
		g->failed++;
}

static const char *
utf8_of(const bson_t *doc, const char *key, uint32_t *len)
{
	bson_iter_t it;

	if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_UTF8(&it))
		return NULL;
	return bson_iter_utf8(&it, len);
}

static bool
int32_of(const bson_t *doc, const char *key, int32_t *v)
{
	bson_iter_t it;

	if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_INT32(&it))
		return false;
	*v = bson_iter_int32(&it);
	return true;
}

uint32_t
fgroup_hash(const char *p, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (n-- > 0)
		h = (h ^ (uint8_t)*p++) * 16777619u;
	return h;
}

/* The member's key: host, boot_id, docker_id ("" when none), proc_id
 * (per_process; else ""), each ended by a NUL (strings with a NUL are not
 * UTF-8 here: refused). NULL when doc cannot be grouped (or out of
 * memory, logged). */
static char *
key_of(const bson_t *doc, bool per_process, size_t *len)
{
	const char *v[4];
	uint32_t n[4], idlen;
	const char *keys[4] = {F_HOST, F_BOOT, F_DOCKER_ID, F_PROC_ID};
	size_t total = 0, at = 0;
	char *k;
	int32_t i32;
	int i;

	for (i = 0; i < 4; i++) {
		v[i] = utf8_of(doc, keys[i], &n[i]);
		if (v[i] == NULL && i == 2) {
			v[i] = "";
			n[i] = 0;
		}
		if (v[i] == NULL || memchr(v[i], '\0', n[i]) != NULL)
			return NULL;
		if (i == 3 && !per_process)
			n[i] = 0;
		total += n[i] + 1;
	}
	if (!int32_of(doc, F_PID, &i32) || !int32_of(doc, F_TGID, &i32) ||
	    utf8_of(doc, F_ID, &idlen) == NULL)
		return NULL;
	k = malloc(total);
	if (k == NULL) {
		log_warn("fgroup: malloc");
		return NULL;
	}
	for (i = 0; i < 4; i++) {
		memcpy(k + at, v[i], n[i]);
		at += n[i];
		k[at++] = '\0';
	}
	*len = total;
	return k;
}

static void
slot_free(struct fgroup_slot *s)
{
	free(s->key);
	if (s->head != NULL)
		bson_destroy(s->head);
	if (s->arr != NULL)
		bson_destroy(s->arr);
	memset(s, 0, sizeof(*s));
}

/* member's fields, then head's that member lacks (not head's _id) */
static bool
flatten(bson_t *out, const bson_t *head, const bson_t *member)
{
	bson_iter_t it;

	if (!bson_concat(out, member) || !bson_iter_init(&it, head))
		return false;
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);

		if (strcmp(k, F_ID) == 0 || strcmp(k, FGROUP_FIELD) == 0 ||
		    strcmp(k, DIGEST_FIELD) == 0 || bson_has_field(member, k))
			continue;
		if (!bson_append_iter(out, k, -1, &it))
			return false;
	}
	return true;
}

/* One member: alone, flat; more: the group. */
static void
slot_emit(struct fgroup *g, struct fgroup_slot *s)
{
	bson_t out = BSON_INITIALIZER, m;
	bson_iter_t it;
	bool ok;

	if (s->n == 0) { /* its only member was refused */
		slot_free(s);
		return;
	}
	if (s->n == 1) {
		ok = bson_iter_init_find(&it, s->arr, "0") &&
		     BSON_ITER_HOLDS_DOCUMENT(&it);
		if (ok) {
			const uint8_t *data;
			uint32_t len;

			bson_iter_document(&it, &len, &data);
			ok = bson_init_static(&m, data, len) &&
			     flatten(&out, s->head, &m);
		}
	} else {
		ok = bson_concat(&out, s->head) &&
		     BSON_APPEND_ARRAY(&out, FGROUP_FIELD, s->arr);
	}
	if (ok) {
		emit(g, &out);
	} else {
		log_warnx("fgroup: a group document could not be built: "
		          "%u documents lost",
		          s->n);
		g->failed++;
	}
	bson_destroy(&out);
	slot_free(s);
}

void
fgroup_flush(struct fgroup *g)
{
	unsigned int i;

	for (i = 0; i < g->nslot; i++)
		slot_emit(g, &g->slot[i]);
	g->nslot = 0;
}

void
fgroup_fini(struct fgroup *g)
{
	fgroup_flush(g);
}

static bool
is_twin(const bson_t *doc, const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(twins) / sizeof(twins[0]); i++)
		if (strcmp(key, twins[i][0]) == 0)
			return bson_has_field(doc, twins[i][1]);
	return false;
}

/* key equal in doc and in the group's head */
static bool
same_as_head(const bson_t *head, const bson_t *doc, const char *key)
{
	bson_iter_t a, b;

	if (!bson_iter_init_find(&a, head, key) ||
	    !bson_iter_init_find(&b, doc, key))
		return false;
	if (bson_iter_type(&a) != bson_iter_type(&b))
		return false;
	if (BSON_ITER_HOLDS_INT32(&a))
		return bson_iter_int32(&a) == bson_iter_int32(&b);
	if (BSON_ITER_HOLDS_UTF8(&a)) {
		uint32_t na, nb;
		const char *pa = bson_iter_utf8(&a, &na);
		const char *pb = bson_iter_utf8(&b, &nb);

		return na == nb && memcmp(pa, pb, na) == 0;
	}
	return false;
}

static bool
is_shared(const bson_t *head, const bson_t *doc, const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++) {
		if (strcmp(key, shared[i]) != 0)
			continue;
		/* host, boot_id, docker_id are the group's key; the
		 * process's fields are left out when they are the first
		 * member's (always, in a group per process) */
		if (strcmp(key, F_HOST) == 0 || strcmp(key, F_BOOT) == 0 ||
		    strcmp(key, F_DOCKER_ID) == 0)
			return true;
		return same_as_head(head, doc, key);
	}
	return false;
}

/* The group's own fields from its first member. */
static bool
head_of(bson_t *head, const bson_t *doc)
{
	bson_iter_t it;
	uint32_t n;
	const char *id = utf8_of(doc, F_ID, &n);
	char buf[512];
	size_t i;

	if (n + sizeof(FGROUP_ID_SUFFIX) > sizeof(buf))
		return false;
	memcpy(buf, id, n);
	memcpy(buf + n, FGROUP_ID_SUFFIX, sizeof(FGROUP_ID_SUFFIX));
	if (!BSON_APPEND_UTF8(head, F_ID, buf))
		return false;
	for (i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		if (bson_iter_init_find(&it, doc, shared[i]) &&
		    !bson_append_iter(head, shared[i], -1, &it))
			return false;
	return true;
}

static bool
member_of(bson_t *arr, unsigned int idx, const bson_t *head, const bson_t *doc)
{
	char key[16];
	const char *k;
	bson_t m;
	bson_iter_t it;

	bson_uint32_to_string(idx, &k, key, sizeof(key));
	if (!BSON_APPEND_DOCUMENT_BEGIN(arr, k, &m) ||
	    !bson_iter_init(&it, doc))
		return false;
	while (bson_iter_next(&it)) {
		const char *f = bson_iter_key(&it);

		if (is_shared(head, doc, f) || is_twin(doc, f))
			continue;
		if (!bson_append_iter(&m, f, -1, &it))
			return false;
	}
	return bson_append_document_end(arr, &m);
}

static struct fgroup_slot *
find_slot(struct fgroup *g, const char *key, size_t len, uint32_t h)
{
	unsigned int i;

	for (i = 0; i < g->nslot; i++) {
		struct fgroup_slot *s = &g->slot[i];

		if (s->hash == h && memcmp(s->key, key, len) == 0)
			return s;
	}
	return NULL;
}

/* A new slot for key (owned from now), its head from doc. */
static struct fgroup_slot *
new_slot(struct fgroup *g, char *key, uint32_t h, const bson_t *doc)
{
	struct fgroup_slot *s;

	if (g->nslot == FGROUP_SLOTS)
		fgroup_flush(g);
	s = &g->slot[g->nslot];
	memset(s, 0, sizeof(*s));
	s->key = key;
	s->hash = h;
	s->head = bson_new();
	s->arr = bson_new();
	if (!head_of(s->head, doc)) {
		log_warnx("fgroup: a document's _id too long to group");
		slot_free(s);
		return NULL;
	}
	g->nslot++;
	return s;
}

int
fgroup_add(struct fgroup *g, const bson_t *doc)
{
	size_t len;
	char *key = key_of(doc, g->per_process, &len);
	uint32_t h;
	struct fgroup_slot *s;

	g->docs_in++;
	if (key == NULL) {
		emit(g, doc);
		return 0;
	}
	h = fgroup_hash(key, len);
	s = find_slot(g, key, len, h);
	/* a full group goes now; the document starts the next one */
	if (s != NULL &&
	    (s->n >= FGROUP_MEMBERS || s->arr->len + doc->len > FGROUP_BYTES)) {
		unsigned int i = (unsigned int)(s - g->slot);

		slot_emit(g, s);
		g->slot[i] = g->slot[--g->nslot];
		memset(&g->slot[g->nslot], 0, sizeof(g->slot[0]));
		s = NULL;
	}
	if (s != NULL) {
		free(key);
	} else if ((s = new_slot(g, key, h, doc)) == NULL) {
		emit(g, doc);
		return 0;
	}
	if (!member_of(s->arr, s->n, s->head, doc)) {
		log_warnx("fgroup: a member too large: written alone");
		emit(g, doc);
		return 0;
	}
	s->n++;
	return 0;
}

bool
fgroup_is_group(const bson_t *doc)
{
	bson_iter_t it;

	return bson_iter_init_find(&it, doc, FGROUP_FIELD) &&
	       BSON_ITER_HOLDS_ARRAY(&it);
}

int
fgroup_each(const bson_t *doc, fgroup_emit_fn *fn, void *arg)
{
	bson_iter_t it, ai;
	int rc = 0;

	if (!bson_iter_init_find(&it, doc, FGROUP_FIELD) ||
	    !BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &ai))
		return fn(doc, arg);
	while (rc == 0 && bson_iter_next(&ai)) {
		const uint8_t *data;
		uint32_t len;
		bson_t m, flat = BSON_INITIALIZER;

		if (!BSON_ITER_HOLDS_DOCUMENT(&ai)) {
			log_debug("a grouped files document with a member "
			          "that is not a document: skipped");
			continue;
		}
		bson_iter_document(&ai, &len, &data);
		if (bson_init_static(&m, data, len) && flatten(&flat, doc, &m))
			rc = fn(&flat, arg);
		else
			log_debug("a grouped files document's member could "
			          "not be read: skipped");
		bson_destroy(&flat);
	}
	return rc;
}
