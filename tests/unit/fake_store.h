/* fake_store.h - store.h's API without a server, for the logic tests: every
 * queued operation is kept (copied) in order, so a test can look at what
 * the write-back sent. Link tests/unit/fake_store instead of
 * listener/store. */
#ifndef GODO_FAKE_STORE_H
#define GODO_FAKE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

enum fake_op_type { FAKE_INSERT, FAKE_UPSERT, FAKE_DELETE };

struct fake_op {
	enum store_coll c;
	enum fake_op_type t;
	bson_t *a; /* the document (insert) or selector */
	bson_t *b; /* the update (upsert), else NULL */
};

/* scan: what store_updates_scan answers (FerretDB: insert-only). */
struct store *fake_store_new(bool scan);
void fake_store_free(struct store *s);
size_t fake_store_nops(const struct store *s);
const struct fake_op *fake_store_op(const struct store *s, size_t i);
/* Operations of type t on collection c. */
size_t fake_store_count(const struct store *s, enum store_coll c,
                        enum fake_op_type t);
/* The last operation of type t on c whose _id (document or selector) is
 * id, or NULL. */
const struct fake_op *fake_store_find(const struct store *s, enum store_coll c,
                                      enum fake_op_type t, const char *id);
/* The first insert into c whose field key (dotted path) is the string
 * val, or NULL. */
const bson_t *fake_store_find_doc(const struct store *s, enum store_coll c,
                                  const char *key, const char *val);
/* The next n queue calls fail (as libmongoc refusing them). */
void fake_store_fail(struct store *s, int n);
/* The next store_flush reports n more operations lost; down as given. */
void fake_store_lose(struct store *s, uint64_t n, bool down);
void fake_store_clear(struct store *s);

/* Field readers for assertions (dotted paths); defaults when absent. */
const char *fake_str(const bson_t *b, const char *path);
int64_t fake_int(const bson_t *b, const char *path, int64_t dflt);
bool fake_has(const bson_t *b, const char *path);

#endif
