/* store.c - see store.h. The only file of the listener that talks to
 * libmongoc. */
#include "store.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mongoc/mongoc.h>

#include "log.h"
#include "schema.h"
#include "util.h"

static const char *const coll_names[SC_NCOLL] = {
    COLL_PIDS, COLL_FDS, COLL_FILES, COLL_GAPS, COLL_RUNS};

/* An insert whose _id may exist already: its op index in the bulk and the
 * update that replaces it then. */
struct fallback {
	uint32_t index;
	bson_t *sel, *upd;
};

struct store {
	mongoc_client_t *client;
	struct fallback *fb[SC_NCOLL];
	size_t nfb[SC_NCOLL], capfb[SC_NCOLL];
	mongoc_collection_t *coll[SC_NCOLL];
	mongoc_bulk_operation_t *bulk[SC_NCOLL];
	size_t nops[SC_NCOLL];
	size_t pending;
	bson_t *upsert_opts; /* heap: bson_t wants 128-byte alignment */
	struct store_stats st;
};

static void
driver_log(mongoc_log_level_t level, const char *domain, const char *msg,
           void *arg)
{
	(void)arg;
	/* FerretDB has no sessions: the driver's goodbye is refused. */
	if (strstr(msg, "endSessions") != NULL)
		level = MONGOC_LOG_LEVEL_DEBUG;
	if (level <= MONGOC_LOG_LEVEL_WARNING)
		log_warnx("mongoc %s: %s", domain, msg);
	else if (level <= MONGOC_LOG_LEVEL_INFO)
		log_debug("mongoc %s: %s", domain, msg);
}

static mongoc_uri_t *
make_uri(const char *target, char *err, size_t errlen)
{
	char buf[1024];
	bson_error_t e;
	mongoc_uri_t *uri;

	if (strncmp(target, "mongodb://", 10) == 0 ||
	    strncmp(target, "mongodb+srv://", 14) == 0)
		snprintf(buf, sizeof(buf), "%s", target);
	else
		snprintf(buf, sizeof(buf), "mongodb://%s/", target);
	uri = mongoc_uri_new_with_error(buf, &e);
	if (uri == NULL) {
		snprintf(err, errlen, "bad -mongo value: %s", e.message);
		return NULL;
	}
	/* Short defaults unless the URI says otherwise: a dead store must
	 * not hold the loop (libmongoc waits 10 s / 5 min by default). */
	if (!mongoc_uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
		mongoc_uri_set_option_as_int32(
		    uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 2000);
	if (!mongoc_uri_has_option(uri, MONGOC_URI_CONNECTTIMEOUTMS))
		mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS,
		                               2000);
	if (!mongoc_uri_has_option(uri, MONGOC_URI_SOCKETTIMEOUTMS))
		mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SOCKETTIMEOUTMS,
		                               10000);
	return uri;
}

struct store *
store_open(const char *target, const char *db, char *err, size_t errlen)
{
	struct store *s;
	mongoc_uri_t *uri;
	bson_t ping = BSON_INITIALIZER, reply;
	bson_error_t e;
	int i;
	bool ok;

	mongoc_init();
	mongoc_log_set_handler(driver_log, NULL);
	uri = make_uri(target, err, errlen);
	if (uri == NULL)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		mongoc_uri_destroy(uri);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->client = mongoc_client_new_from_uri(uri);
	mongoc_uri_destroy(uri);
	if (s->client == NULL) {
		snprintf(err, errlen, "cannot create a client for %s", target);
		free(s);
		return NULL;
	}
	mongoc_client_set_appname(s->client, "godo");
	BSON_APPEND_INT32(&ping, "ping", 1);
	ok = mongoc_client_command_simple(s->client, "admin", &ping, NULL,
	                                  &reply, &e);
	bson_destroy(&ping);
	bson_destroy(&reply);
	if (!ok) {
		snprintf(err, errlen, "store %s unreachable: %s", target,
		         e.message);
		mongoc_client_destroy(s->client);
		free(s);
		return NULL;
	}
	for (i = 0; i < SC_NCOLL; i++)
		s->coll[i] =
		    mongoc_client_get_collection(s->client, db, coll_names[i]);
	s->upsert_opts = BCON_NEW("upsert", BCON_BOOL(true));
	return s;
}

static mongoc_bulk_operation_t *
bulk_for(struct store *s, enum store_coll c)
{
	if (s->bulk[c] == NULL) {
		bson_t opts = BSON_INITIALIZER;

		/* Unordered: every update is keyed and idempotent, so one
		 * failure must not stop the others. */
		BSON_APPEND_BOOL(&opts, "ordered", false);
		s->bulk[c] = mongoc_collection_create_bulk_operation_with_opts(
		    s->coll[c], &opts);
		bson_destroy(&opts);
	}
	return s->bulk[c];
}

int
store_upsert(struct store *s, enum store_coll c, const bson_t *sel,
             const bson_t *upd)
{
	bson_error_t e;

	if (!mongoc_bulk_operation_update_one_with_opts(
	        bulk_for(s, c), sel, upd, s->upsert_opts, &e)) {
		log_warnx("%s: %s (domain %u, code %u)", __func__, e.message,
		          e.domain, e.code);
		return -1;
	}
	s->nops[c]++;
	s->pending++;
	s->st.ops++;
	return 0;
}

int
store_insert(struct store *s, enum store_coll c, const bson_t *doc,
             const bson_t *fallback)
{
	bson_error_t e;
	bson_iter_t it;
	struct fallback *f;

	if (s->nfb[c] == s->capfb[c]) {
		size_t cap = s->capfb[c] ? s->capfb[c] * 2 : 256;
		struct fallback *n = realloc(s->fb[c], cap * sizeof(*n));

		if (n == NULL)
			return -1;
		s->fb[c] = n;
		s->capfb[c] = cap;
	}
	if (!bson_iter_init_find(&it, doc, F_ID))
		return -1;
	if (!mongoc_bulk_operation_insert_with_opts(bulk_for(s, c), doc, NULL,
	                                            &e)) {
		log_warnx("%s: %s (domain %u, code %u)", __func__, e.message,
		          e.domain, e.code);
		return -1;
	}
	f = &s->fb[c][s->nfb[c]++];
	f->index = (uint32_t)s->nops[c];
	f->sel = bson_new();
	bson_append_iter(f->sel, F_ID, -1, &it);
	f->upd = bson_copy(fallback);
	s->nops[c]++;
	s->pending++;
	s->st.ops++;
	return 0;
}

int
store_delete(struct store *s, enum store_coll c, const bson_t *sel)
{
	bson_error_t e;

	if (!mongoc_bulk_operation_remove_many_with_opts(bulk_for(s, c), sel,
	                                                 NULL, &e)) {
		log_warnx("%s: %s (domain %u, code %u)", __func__, e.message,
		          e.domain, e.code);
		return -1;
	}
	s->nops[c]++;
	s->pending++;
	s->st.ops++;
	return 0;
}

size_t
store_pending(const struct store *s)
{
	return s->pending;
}

static struct fallback *
find_fb(struct store *s, int c, uint32_t index)
{
	size_t lo = 0, hi = s->nfb[c];

	while (lo < hi) { /* indices are added in increasing order */
		size_t mid = (lo + hi) / 2;

		if (s->fb[c][mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->nfb[c] && s->fb[c][lo].index == index)
		return &s->fb[c][lo];
	return NULL;
}

/* After a failed bulk: inserts refused as duplicates become upserts (in a
 * new bulk, sent at once); anything else is a real failure. Returns the
 * number of operations that really failed. */
static size_t
redo_duplicates(struct store *s, int c, const bson_t *reply)
{
	bson_iter_t it, arr, one;
	size_t failed = 0, redo = 0;
	mongoc_bulk_operation_t *b = NULL;

	if (!bson_iter_init_find(&it, reply, "writeErrors") ||
	    !BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &arr))
		return s->nops[c];
	while (bson_iter_next(&arr)) {
		int32_t code = 0, index = -1;
		struct fallback *f;

		if (!BSON_ITER_HOLDS_DOCUMENT(&arr) ||
		    !bson_iter_recurse(&arr, &one))
			continue;
		while (bson_iter_next(&one)) {
			if (strcmp(bson_iter_key(&one), "code") == 0)
				code = bson_iter_as_int64(&one);
			else if (strcmp(bson_iter_key(&one), "index") == 0)
				index = (int32_t)bson_iter_as_int64(&one);
		}
		f = index >= 0 ? find_fb(s, c, (uint32_t)index) : NULL;
		if (code != 11000 || f == NULL) {
			failed++;
			continue;
		}
		if (b == NULL) {
			bson_t opts = BSON_INITIALIZER;

			BSON_APPEND_BOOL(&opts, "ordered", false);
			b = mongoc_collection_create_bulk_operation_with_opts(
			    s->coll[c], &opts);
			bson_destroy(&opts);
		}
		if (mongoc_bulk_operation_update_one_with_opts(
		        b, f->sel, f->upd, s->upsert_opts, NULL))
			redo++;
		else
			failed++;
	}
	if (b != NULL) {
		bson_t r2;
		bson_error_t e;

		if (redo > 0 && !mongoc_bulk_operation_execute(b, &r2, &e)) {
			log_warnx(
			    "store: upserts after duplicate inserts in %s "
			    "failed: %s",
			    coll_names[c], e.message);
			failed += redo;
		}
		if (redo > 0)
			bson_destroy(&r2);
		mongoc_bulk_operation_destroy(b);
		s->st.dup_inserts += redo;
	}
	return failed;
}

static void
clear_fb(struct store *s, int c)
{
	size_t i;

	for (i = 0; i < s->nfb[c]; i++) {
		bson_destroy(s->fb[c][i].sel);
		bson_destroy(s->fb[c][i].upd);
	}
	s->nfb[c] = 0;
}

int
store_flush(struct store *s)
{
	uint64_t t0 = util_mono_ns(), us;
	int i, rc = 0;

	for (i = 0; i < SC_NCOLL; i++) {
		bson_t reply;
		bson_error_t e;

		if (s->bulk[i] == NULL)
			continue;
		if (s->nops[i] > 0 &&
		    !mongoc_bulk_operation_execute(s->bulk[i], &reply, &e)) {
			size_t failed = redo_duplicates(s, i, &reply);

			if (failed > 0) {
				log_warnx("store: bulk write to %s: %zu of %zu "
				          "failed: %s (domain %u, code %u)",
				          coll_names[i], failed, s->nops[i],
				          e.message, e.domain, e.code);
				s->st.failed_ops += failed;
				rc = -1;
			} else {
				s->st.flushes++;
			}
		} else if (s->nops[i] > 0) {
			s->st.flushes++;
		}
		if (s->nops[i] > 0)
			bson_destroy(&reply);
		mongoc_bulk_operation_destroy(s->bulk[i]);
		s->bulk[i] = NULL;
		s->nops[i] = 0;
		clear_fb(s, i);
	}
	s->pending = 0;
	us = (util_mono_ns() - t0) / 1000;
	s->st.last_flush_us = us;
	if (us > s->st.max_flush_us)
		s->st.max_flush_us = us;
	return rc;
}

static void
index_one(struct store *s, enum store_coll c, const char *name, const char *k1,
          const char *k2)
{
	bson_t cmd = BSON_INITIALIZER, arr, idx, key;
	bson_error_t e;

	BSON_APPEND_UTF8(&cmd, "createIndexes", coll_names[c]);
	BSON_APPEND_ARRAY_BEGIN(&cmd, "indexes", &arr);
	BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &idx);
	BSON_APPEND_DOCUMENT_BEGIN(&idx, "key", &key);
	BSON_APPEND_INT32(&key, k1, 1);
	BSON_APPEND_INT32(&key, k2, 1);
	bson_append_document_end(&idx, &key);
	BSON_APPEND_UTF8(&idx, "name", name);
	bson_append_document_end(&arr, &idx);
	bson_append_array_end(&cmd, &arr);
	if (!mongoc_collection_write_command_with_opts(s->coll[c], &cmd, NULL,
	                                               NULL, &e))
		log_warnx("store: createIndexes %s on %s: %s", name,
		          coll_names[c], e.message);
	bson_destroy(&cmd);
}

void
store_ensure_indexes(struct store *s)
{
	index_one(s, SC_PIDS, "host_tgid", F_HOST, F_TGID);
	index_one(s, SC_FDS, "host_proc", F_HOST, F_PROC_ID);
	index_one(s, SC_FILES, "host_proc", F_HOST, F_PROC_ID);
}

void
store_get_stats(const struct store *s, struct store_stats *out)
{
	*out = s->st;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < SC_NCOLL; i++) {
		if (s->bulk[i] != NULL)
			mongoc_bulk_operation_destroy(s->bulk[i]);
		clear_fb(s, i);
		free(s->fb[i]);
		mongoc_collection_destroy(s->coll[i]);
	}
	bson_destroy(s->upsert_opts);
	mongoc_client_destroy(s->client);
	free(s);
	mongoc_cleanup();
}
