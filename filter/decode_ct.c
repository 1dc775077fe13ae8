/* decode_ct.c - see decode_ct.h. */
#include "decode_ct.h"

#include <string.h>

#include "mem.h"
#include "schema.h"

/* The sub-document at it as a bson_t (static, borrowed from it). */
static bool
sub_doc(const bson_iter_t *it, bson_t *sub)
{
	const uint8_t *data;
	uint32_t len;

	if (!BSON_ITER_HOLDS_DOCUMENT(it))
		return false;
	bson_iter_document(it, &len, &data);
	return bson_init_static(sub, data, len);
}

/* The string or binary field key of sub into b. */
static void
sub_bytes(const bson_t *sub, const char *key, struct bytes *b)
{
	bson_iter_t it;

	if (bson_iter_init_find(&it, sub, key))
		(void)decode_get_bytes(&it, b);
}

/* labels: [{key, value}] as "key=value" */
void
decode_ct_labels(const bson_iter_t *arr, struct argv *a)
{
	bson_iter_t it;
	bson_t sub;

	if (!BSON_ITER_HOLDS_ARRAY(arr) || !bson_iter_recurse(arr, &it))
		return;
	while (bson_iter_next(&it) && a->n < ARGS_MAX_COUNT) {
		struct bytes k = {0}, v = {0};
		struct bytes *e;

		if (!sub_doc(&it, &sub))
			continue;
		sub_bytes(&sub, F_CT_KEY, &k);
		sub_bytes(&sub, F_CT_VALUE, &v);
		a->v = mem_reallocarray(a->v, a->n + 1, sizeof(*a->v));
		e = &a->v[a->n++];
		e->n = k.n + 1 + v.n;
		e->p = mem_calloc(e->n + 1, 1);
		e->set = true;
		if (k.n > 0)
			memcpy(e->p, k.p, k.n);
		e->p[k.n] = '=';
		if (v.n > 0)
			memcpy(e->p + k.n + 1, v.p, v.n);
		bytes_free(&k);
		bytes_free(&v);
	}
}

void
decode_ct_mounts(const bson_iter_t *arr, struct ct_ident *id)
{
	bson_iter_t it, rw;
	bson_t sub;

	if (!BSON_ITER_HOLDS_ARRAY(arr) || !bson_iter_recurse(arr, &it))
		return;
	while (bson_iter_next(&it) && id->nmounts < ARGS_MAX_COUNT) {
		struct ct_mount *m;

		if (!sub_doc(&it, &sub))
			continue;
		id->mounts = mem_reallocarray(id->mounts, id->nmounts + 1,
		                              sizeof(*id->mounts));
		m = &id->mounts[id->nmounts++];
		memset(m, 0, sizeof(*m));
		sub_bytes(&sub, F_CT_MTYPE, &m->type);
		sub_bytes(&sub, F_CT_MSOURCE, &m->source);
		sub_bytes(&sub, F_CT_MDEST, &m->destination);
		m->rw = bson_iter_init_find(&rw, &sub, F_CT_MRW) &&
		        bson_iter_as_bool(&rw);
	}
}
