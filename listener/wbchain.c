/* wbchain.c - see wbchain.h. */
#include "wbchain.h"

#include <string.h>

#include "log.h"
#include "schema.h"

static bool
chained(const struct writeback *wb, enum store_coll c)
{
	return wb->chain != NULL && c != STORE_FDS && c != STORE_CHAIN;
}

/* The open link as a chain document, queued after what it covers. */
static void
seal_link(struct writeback *wb)
{
	bson_t link;

	if (chain_seal(wb->chain, &link) != 1)
		return;
	if (store_insert(wb->store, STORE_CHAIN, &link) != 0)
		wb->st.failed++; /* logged by the store */
	bson_destroy(&link);
}

static void
save_head(struct writeback *wb, bool log)
{
	struct chain_head h;
	char line[CHAIN_RUN_MAX + 128];

	if (!chain_head(wb->chain, &h))
		return;
	if (wb->head_path != NULL)
		(void)chain_head_save(&h, wb->head_path); /* logged */
	if (log) {
		chain_head_format(&h, line, sizeof(line));
		log_info("chain head %s", line);
	}
}

/* doc as it is stored: its fields, then dg (when the digest worked). */
static void
with_digest(struct writeback *wb, enum store_coll c, const bson_t *doc,
            bson_t *out)
{
	unsigned char d[DIGEST_LEN];

	bson_init(out);
	if (!bson_concat(out, doc))
		log_warn(
		    "writeback: document copy failed"); /* will not verify */
	if (chain_add(wb->chain, store_coll_name(c), doc, wb->wall_ns, d) == 0)
		BSON_APPEND_BINARY(out, DIGEST_FIELD, BSON_SUBTYPE_BINARY, d,
		                   DIGEST_LEN);
	if (chain_full(wb->chain))
		seal_link(wb);
}

int
wbchain_insert(struct writeback *wb, enum store_coll c, const bson_t *doc)
{
	bson_t chained_doc;
	int rc;

	if (!chained(wb, c))
		return store_insert(wb->store, c, doc);
	with_digest(wb, c, doc, &chained_doc);
	rc = store_insert(wb->store, c, &chained_doc);
	bson_destroy(&chained_doc);
	return rc;
}

/* The fields of the one-$set update upd as a document in out (static,
 * pointing into upd); false when upd is anything else. */
static bool
set_fields(const bson_t *upd, bson_t *out)
{
	bson_iter_t it;
	const uint8_t *data;
	uint32_t len;

	if (bson_count_keys(upd) != 1 ||
	    !bson_iter_init_find(&it, upd, "$set") ||
	    !BSON_ITER_HOLDS_DOCUMENT(&it))
		return false;
	bson_iter_document(&it, &len, &data);
	return bson_init_static(out, data, len);
}

/* A chained upsert replaces the whole document ($set of every field but
 * _id, as docbuild's gaps and runs are): the document it leaves is sel's
 * _id and the $set fields, and that is what is digested; dg joins the
 * $set. */
static int
chained_upsert(struct writeback *wb, enum store_coll c)
{
	bson_t fields, whole, digested, upd, set;
	bson_iter_t f;
	bool ok;
	int rc;

	if (!set_fields(&wb->upd, &fields)) {
		log_warn("writeback: a %s update that is not one $set cannot "
		         "be chained",
		         store_coll_name(c));
		return store_upsert(wb->store, c, &wb->sel, &wb->upd);
	}
	bson_init(&whole);
	ok = bson_concat(&whole, &wb->sel) && bson_concat(&whole, &fields);
	with_digest(wb, c, &whole, &digested);
	bson_init(&upd);
	if (BSON_APPEND_DOCUMENT_BEGIN(&upd, "$set", &set)) {
		if (!bson_iter_init(&f, &digested))
			ok = false;
		while (ok && bson_iter_next(&f))
			if (strcmp(bson_iter_key(&f), F_ID) != 0)
				ok = bson_append_iter(&set, NULL, 0, &f);
		ok = bson_append_document_end(&upd, &set) && ok;
	} else {
		ok = false;
	}
	if (ok) {
		rc = store_upsert(wb->store, c, &wb->sel, &upd);
	} else {
		log_warn("writeback: a chained %s update could not be built",
		         store_coll_name(c));
		rc = store_upsert(wb->store, c, &wb->sel, &wb->upd);
	}
	bson_destroy(&upd);
	bson_destroy(&digested);
	bson_destroy(&whole);
	return rc;
}

int
wbchain_upsert(struct writeback *wb, enum store_coll c)
{
	if (!chained(wb, c))
		return store_upsert(wb->store, c, &wb->sel, &wb->upd);
	return chained_upsert(wb, c);
}

void
wbchain_flush(struct writeback *wb, uint64_t now_ms)
{
	bool log;

	seal_link(wb);
	if (now_ms - wb->head_saved_ms < WRITEBACK_HEAD_SAVE_MS)
		return;
	log = now_ms - wb->head_logged_ms >= WRITEBACK_HEAD_LOG_MS;
	save_head(wb, log);
	wb->head_saved_ms = now_ms;
	if (log)
		wb->head_logged_ms = now_ms;
}

void
wbchain_fini(struct writeback *wb)
{
	seal_link(wb);
	save_head(wb, true);
}
