/* docbuild_ct.c - the containers document (docbuild.h): a container's
 * identity as read from its runtime's files, with an _id that changes
 * when the identity does. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "docbuild_impl.h"

static void
append_str(bson_t *b, const char *key, struct str s)
{
	if (s.p != NULL)
		docbuild_append_bytes(b, key, s.p, s.n);
}

/* Element i of a container's list as a sub-document of arr. */
static void
append_elem(bson_t *arr, const struct ctinfo *ci, unsigned int i, bool mount)
{
	bson_t one;
	char idx[16];

	docbuild_idx(idx, i);
	BSON_APPEND_DOCUMENT_BEGIN(arr, idx, &one);
	if (mount) {
		append_str(&one, F_CT_MTYPE, ci->mounts[i].type);
		append_str(&one, F_CT_MSOURCE, ci->mounts[i].source);
		append_str(&one, F_CT_MDEST, ci->mounts[i].destination);
		BSON_APPEND_BOOL(&one, F_CT_MRW, ci->mounts[i].rw);
	} else {
		append_str(&one, F_CT_KEY, ci->labels[i].key);
		append_str(&one, F_CT_VALUE, ci->labels[i].value);
	}
	bson_append_document_end(arr, &one);
}

/* labels: [{key, value}]; mounts: [{type, source, destination, rw}] */
static void
append_list(bson_t *b, const struct ctinfo *ci, bool mounts)
{
	unsigned int i, n = mounts ? ci->nmounts : ci->nlabels;
	bson_t arr;

	BSON_APPEND_ARRAY_BEGIN(b, mounts ? F_CT_MOUNTS : F_CT_LABELS, &arr);
	for (i = 0; i < n; i++)
		append_elem(&arr, ci, i, mounts);
	bson_append_array_end(b, &arr);
}

/* The fields that make the identity (no _id, origin or read time). */
static void
container_fields(bson_t *b, const struct ctinfo *ci)
{
	bson_t arr;
	char idx[16];
	unsigned int i;

	BSON_APPEND_UTF8(b, F_DOCKER_ID, ci->id);
	append_str(b, F_CT_NAME, ci->name);
	append_str(b, F_CT_IMAGE, ci->image);
	append_str(b, F_CT_IMAGE_ID, ci->image_id);
	append_list(b, ci, false);
	append_str(b, F_CT_COMPOSE_PROJECT, ci->compose_project);
	append_str(b, F_CT_COMPOSE_SERVICE, ci->compose_service);
	append_str(b, F_CT_K8S_POD, ci->k8s_pod);
	append_str(b, F_CT_K8S_NAMESPACE, ci->k8s_namespace);
	append_str(b, F_CT_K8S_CONTAINER, ci->k8s_container);
	append_str(b, F_CT_CREATED, ci->created);
	append_str(b, F_CT_STARTED, ci->started);
	BSON_APPEND_BOOL(b, F_CT_RUNNING, ci->running);
	BSON_APPEND_INT64(b, F_CT_INIT_PID, ci->init_pid);
	if (ci->has_hostconfig) {
		BSON_APPEND_BOOL(b, F_CT_PRIVILEGED, ci->privileged);
		BSON_APPEND_ARRAY_BEGIN(b, F_CT_CAP_ADD, &arr);
		for (i = 0; i < ci->ncaps; i++) {
			docbuild_idx(idx, i);
			append_str(&arr, idx, ci->cap_add[i]);
		}
		bson_append_array_end(b, &arr);
		append_str(b, F_CT_NETWORK, ci->network_mode);
	}
	append_list(b, ci, true);
	if (ci->rootfs[0] != '\0')
		docbuild_append_bytes(b, F_ROOTFS, ci->rootfs,
		                      strlen(ci->rootfs));
	if (ci->truncated)
		BSON_APPEND_BOOL(b, F_CT_TRUNC, true);
}

void
docbuild_container(bson_t *doc, const struct docctx *cx,
                   const struct ctinfo *ci, int64_t seen_ns, uint64_t *hash)
{
	bson_t *f = bson_new();
	const uint8_t *p;
	uint64_t h = 14695981039346656037ull; /* FNV-1a */
	char id[256];
	uint32_t i;

	container_fields(f, ci);
	p = bson_get_data(f);
	for (i = 0; i < f->len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	snprintf(id, sizeof(id), "%s:%s:%016" PRIx64, cx->host, ci->id, h);
	docbuild_id(doc, id);
	docbuild_origin(doc, cx);
	bson_concat(doc, f);
	docbuild_time(doc, F_CT_SEEN_TS, F_CT_SEEN_NS, seen_ns);
	bson_destroy(f);
	*hash = h;
}
