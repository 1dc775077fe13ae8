/* decode_ct.h - the arrays of a containers document (docs/schema.md),
 * for decode_container: its labels and mounts, each element a
 * sub-document whose strings may be BSON binary (decode.h). At most
 * ARGS_MAX_COUNT elements are kept; elements that are not documents are
 * skipped. Appends to the caller's owned arrays (freed with the
 * container, model.h). */
#ifndef GODO_DECODE_CT_H
#define GODO_DECODE_CT_H

#include <bson/bson.h>

#include "model.h"

/* The string or binary field at it into b (owned; decode.c). False when
 * it is neither. */
bool decode_get_bytes(const bson_iter_t *it, struct bytes *b);
/* labels: [{key, value}] as "key=value" into a. */
void decode_ct_labels(const bson_iter_t *arr, struct argv *a);
/* mounts: [{type, source, destination, rw}] into id->mounts. */
void decode_ct_mounts(const bson_iter_t *arr, struct ct_ident *id);

#endif
