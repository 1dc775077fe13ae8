/* docbuild_impl.h - small field writers shared by docbuild.c and
 * docbuild_ct.c only. */
#ifndef GODO_DOCBUILD_IMPL_H
#define GODO_DOCBUILD_IMPL_H

#include <stdio.h>

#include "docbuild.h"
#include "schema.h"

static inline void
docbuild_date(bson_t *b, const char *key, int64_t ns)
{
	bson_append_date_time(b, key, -1, ns / 1000000);
}

/* key: a date (ms) and key_ns: the same time in ns */
static inline void
docbuild_time(bson_t *b, const char *key, const char *key_ns, int64_t ns)
{
	docbuild_date(b, key, ns);
	BSON_APPEND_INT64(b, key_ns, ns);
}

/* The key of array element i. */
static inline void
docbuild_idx(char idx[16], unsigned int i)
{
	snprintf(idx, 16, "%u", i);
}

/* host and boot id: every document has them */
static inline void
docbuild_origin(bson_t *b, const struct docctx *cx)
{
	BSON_APPEND_UTF8(b, F_HOST, cx->host);
	BSON_APPEND_UTF8(b, F_BOOT, cx->boot_id);
}

#endif
