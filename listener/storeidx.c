/* storeidx.c - the store's side requests beside the writes (store.h):
 * which server it is and the indexes it gets, and the last run recorded
 * for a host; through the backend (storemongo.h). */
#include "log.h"
#include "schema.h"
#include "store.h"
#include "store_impl.h"
#include "storelink.h"

static void
index_one(struct store *s, enum store_coll c, const char *name, const char *k1,
          const char *k2)
{
	bson_t cmd = BSON_INITIALIZER, arr, idx, key;
	char msg[256];

	BSON_APPEND_UTF8(&cmd, "createIndexes", store_coll_name(c));
	BSON_APPEND_ARRAY_BEGIN(&cmd, "indexes", &arr);
	BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &idx);
	BSON_APPEND_DOCUMENT_BEGIN(&idx, "key", &key);
	BSON_APPEND_INT32(&key, k1, 1);
	BSON_APPEND_INT32(&key, k2, 1);
	bson_append_document_end(&idx, &key);
	BSON_APPEND_UTF8(&idx, "name", name);
	bson_append_document_end(&arr, &idx);
	bson_append_array_end(&cmd, &arr);
	if (s->be->coll_command(s->m, c, &cmd, msg, sizeof(msg)) != 0)
		log_warnx("store: createIndexes %s on %s: %s", name,
		          store_coll_name(c), msg);
	bson_destroy(&cmd);
}

/* FerretDB says so in buildInfo (ferretdbVersion). */
static bool
is_ferretdb(struct store *s)
{
	bson_t cmd = BSON_INITIALIZER, reply;
	char msg[256];
	bool yes = false;

	BSON_APPEND_INT32(&cmd, "buildInfo", 1);
	if (s->be->command(s->m, "admin", &cmd, &reply, msg, sizeof(msg)) == 0)
		yes = bson_has_field(&reply, "ferretdbVersion");
	bson_destroy(&reply);
	bson_destroy(&cmd);
	return yes;
}

void
store_ensure_indexes(struct store *s)
{
	/* FerretDB's SQLite handler answers every query but an _id lookup by
	 * scanning: a secondary index would serve no query and cost every
	 * insert (measured +15 % of its CPU per document). */
	if (s->link != NULL) { /* the writer did, and said so */
		s->scan_updates = storelink_updates_scan(s->link);
		return;
	}
	s->scan_updates = is_ferretdb(s);
	if (s->scan_updates) {
		log_info("store: FerretDB: no secondary indexes (its SQLite "
		         "handler does not use them)");
		return;
	}
	index_one(s, STORE_PIDS, "host_tgid", F_HOST, F_TGID);
	index_one(s, STORE_FDS, "host_proc", F_HOST, F_PROC_ID);
	index_one(s, STORE_FILES, "host_proc", F_HOST, F_PROC_ID);
	index_one(s, STORE_CONTAINERS, "host_docker", F_HOST, F_DOCKER_ID);
}

int
store_last_run(struct store *s, const char *host, int64_t *last_ns)
{
	bson_t *filter;
	bson_t *opts;
	bson_t doc;
	bson_iter_t it;
	char msg[256];
	int rc;

	if (s->link != NULL)
		return storelink_last_run(s->link, last_ns);
	filter = BCON_NEW(F_HOST, BCON_UTF8(host));
	opts = BCON_NEW("sort", "{", F_LAST_SEEN_NS, BCON_INT32(-1), "}",
	                "limit", BCON_INT64(1));
	rc = s->be->find_one(s->m, STORE_RUNS, filter, opts, &doc, msg,
	                     sizeof(msg));
	if (rc < 0)
		log_warnx("store: reading runs: %s", msg);
	if (rc == 1) {
		if (bson_iter_init_find(&it, &doc, F_LAST_SEEN_NS) &&
		    BSON_ITER_HOLDS_INT64(&it))
			*last_ns = bson_iter_int64(&it);
		else
			rc = 0; /* as before: a run without the field */
		bson_destroy(&doc);
	}
	bson_destroy(filter);
	bson_destroy(opts);
	return rc;
}
