/* store.c - see store.h. With storeidx.c, the only files of the listener
 * that talk to libmongoc. */
#include "store.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mongoc/mongoc.h>

#include "log.h"
#include "netprobe.h"
#include "schema.h"
#include "spool.h"
#include "store_impl.h"
#include "storelink.h"
#include "util.h"

static void
driver_log(mongoc_log_level_t level, const char *domain, const char *msg,
           void *arg)
{
	(void)arg;
	/* FerretDB has no sessions: the driver's goodbye is refused; no
	 * shared memory for the driver's counters changes nothing of ours */
	if (strstr(msg, "endSessions") != NULL ||
	    strstr(msg, "Falling back to malloc for counters") != NULL)
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
store_new(const char *target, const char *db, char *err, size_t errlen)
{
	struct store *s;
	mongoc_uri_t *uri;
	int i;

	/* the handler first: mongoc_init may warn (below) */
	mongoc_log_set_handler(driver_log, NULL);
	mongoc_init();
	uri = make_uri(target, err, errlen);
	if (uri == NULL)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		mongoc_uri_destroy(uri);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	journal_init(&s->journal);
	s->client = mongoc_client_new_from_uri(uri);
	{
		const mongoc_host_list_t *h = mongoc_uri_get_hosts(uri);

		/* one plain host: probed with a TCP connect while down */
		if (h != NULL && h->next == NULL && h->family != AF_UNIX) {
			util_strlcpy(s->probe_host, h->host,
			             sizeof(s->probe_host));
			s->probe_port = h->port;
		}
	}
	mongoc_uri_destroy(uri);
	if (s->client == NULL) {
		snprintf(err, errlen, "cannot create a client");
		free(s);
		return NULL;
	}
	mongoc_client_set_appname(s->client, "godo");
	for (i = 0; i < STORE_NCOLL; i++)
		s->coll[i] = mongoc_client_get_collection(s->client, db,
		                                          store_coll_name(i));
	s->upsert_opts = BCON_NEW("upsert", BCON_BOOL(true));
	/* docbuild writes only its own keys and strings it has checked to be
	 * UTF-8 (else binary): libmongoc's validation pass would find
	 * nothing */
	s->insert_opts = BCON_NEW("validate", BCON_BOOL(false));
	return s;
}

struct store *
store_open(const char *target, const char *db, char *err, size_t errlen)
{
	struct store *s = store_new(target, db, err, errlen);
	char where[1024];
	bson_t ping = BSON_INITIALIZER, reply;
	bson_error_t e;
	bool ok;

	if (s == NULL)
		return NULL;
	util_uri_redact(target, where, sizeof(where)); /* no password */
	BSON_APPEND_INT32(&ping, "ping", 1);
	ok = mongoc_client_command_simple(s->client, "admin", &ping, NULL,
	                                  &reply, &e);
	bson_destroy(&ping);
	bson_destroy(&reply);
	if (!ok) {
		snprintf(err, errlen, "store %s unreachable: %s", where,
		         e.message);
		store_close(s);
		return NULL;
	}
	return s;
}

struct store *
store_open_privsep(const struct storelink_opts *lo, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	journal_init(&s->journal);
	s->link = storelink_start(lo, err, errlen);
	if (s->link == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

enum env_type { ENV_UPSERT, ENV_INSERT, ENV_DELETE };

/* {c, t, a, b}: collection, type, then sel+upd (upsert), doc
 * (insert) or sel (delete). */
static void
env_add(struct store *s, enum store_coll c, enum env_type t, const bson_t *a,
        const bson_t *b)
{
	bson_t e = BSON_INITIALIZER;
	size_t need;

	if (s->replaying || (s->spool_path == NULL && s->link == NULL))
		return;
	BSON_APPEND_INT32(&e, "c", (int32_t)c);
	BSON_APPEND_INT32(&e, "t", (int32_t)t);
	BSON_APPEND_DOCUMENT(&e, "a", a);
	if (b != NULL)
		BSON_APPEND_DOCUMENT(&e, "b", b);
	need = s->envlen + e.len;
	if (need > s->envcap) {
		size_t cap = s->envcap ? s->envcap : 65536;
		uint8_t *n;

		while (cap < need)
			cap *= 2;
		n = realloc(s->env, cap);
		if (n == NULL) {
			bson_destroy(&e);
			return;
		}
		s->env = n;
		s->envcap = cap;
	}
	memcpy(s->env + s->envlen, bson_get_data(&e), e.len);
	s->envlen += e.len;
	bson_destroy(&e);
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

static int queued(struct store *s, bool ok, const bson_error_t *e,
                  const char *what, enum store_coll c, enum env_type t,
                  const bson_t *a, const bson_t *b);

int
store_upsert(struct store *s, enum store_coll c, const bson_t *sel,
             const bson_t *upd)
{
	bson_error_t e;
	bool ok = s->link != NULL ||
	          mongoc_bulk_operation_update_one_with_opts(
	              bulk_for(s, c), sel, upd, s->upsert_opts, &e);

	if (ok)
		s->st.upserts++;
	return queued(s, ok, &e, __func__, c, ENV_UPSERT, sel, upd);
}

/* After the driver took (ok) or refused an operation: a refusal is logged
 * (-1); a queued operation is counted and its envelope kept for the
 * spool. */
static int
queued(struct store *s, bool ok, const bson_error_t *e, const char *what,
       enum store_coll c, enum env_type t, const bson_t *a, const bson_t *b)
{
	if (!ok) {
		log_warnx("%s: %s (domain %u, code %u)", what, e->message,
		          e->domain, e->code);
		return -1;
	}
	s->nops[c]++;
	s->pending++;
	s->pending_bytes += a->len + (b != NULL ? b->len : 0);
	s->st.ops++;
	env_add(s, c, t, a, b);
	/* bounded in bytes too: a few huge documents flush as 2000 would */
	if (!s->replaying && s->pending_bytes >= STORE_QUEUE_BYTES) {
		s->st.cap_flushes++;
		(void)store_flush(s, s->now_ms); /* logged, spooled, counted */
	}
	return 0;
}

bool
store_updates_scan(const struct store *s)
{
	return s != NULL && s->scan_updates;
}

int
store_insert(struct store *s, enum store_coll c, const bson_t *doc)
{
	bson_error_t e;
	bool ok = s->link != NULL ||
	          mongoc_bulk_operation_insert_with_opts(bulk_for(s, c), doc,
	                                                 s->insert_opts, &e);

	return queued(s, ok, &e, __func__, c, ENV_INSERT, doc, NULL);
}

int
store_delete(struct store *s, enum store_coll c, const bson_t *sel)
{
	bson_error_t e;
	bool ok = s->link != NULL ||
	          mongoc_bulk_operation_remove_many_with_opts(bulk_for(s, c),
	                                                      sel, NULL, &e);

	if (ok)
		s->st.deletes++;
	return queued(s, ok, &e, __func__, c, ENV_DELETE, sel, NULL);
}

size_t
store_pending(const struct store *s)
{
	return s->pending;
}

size_t
store_pending_bytes(const struct store *s)
{
	return s->pending_bytes;
}

/* After a bulk with write errors: how many really failed. An insert refused
 * as a duplicate key (only inserts can be: updates and deletes go by _id)
 * means the document is stored already, and it is kept as it is. */
static size_t
count_failures(struct store *s, int c, const bson_t *reply)
{
	bson_iter_t it, arr, one;
	size_t failed = 0;

	if (!bson_iter_init_find(&it, reply, "writeErrors") ||
	    !BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &arr))
		return s->nops[c];
	/* No write error, yet the bulk failed: the command itself was
	 * refused (e.g. not authenticated): nothing was written. */
	if (!bson_iter_next(&arr))
		return s->nops[c];
	do {
		if (BSON_ITER_HOLDS_DOCUMENT(&arr) &&
		    bson_iter_recurse(&arr, &one) &&
		    bson_iter_find(&one, "code") &&
		    bson_iter_as_int64(&one) == 11000)
			s->st.dup_inserts++;
		else
			failed++;
	} while (bson_iter_next(&arr));
	return failed;
}

static bool
transport_error(const bson_error_t *e)
{
	return e->domain == MONGOC_ERROR_STREAM ||
	       e->domain == MONGOC_ERROR_SERVER_SELECTION ||
	       e->domain == MONGOC_ERROR_PROTOCOL;
}

static void
drop_bulks(struct store *s)
{
	int i;

	for (i = 0; i < STORE_NCOLL; i++) {
		if (s->bulk[i] != NULL)
			mongoc_bulk_operation_destroy(s->bulk[i]);
		s->bulk[i] = NULL;
		s->nops[i] = 0;
	}
	s->pending = 0;
	s->pending_bytes = 0;
}

/* Whether a bulk after collection i is queued (the chain's comes last). */
static bool
more_after(const struct store *s, int i)
{
	for (i++; i < STORE_NCOLL; i++)
		if (s->bulk[i] != NULL && s->nops[i] > 0)
			return true;
	return false;
}

/* Executes the queued bulks. 1: the store could not be reached. */
static int
execute(struct store *s, int *rc)
{
	int i;

	for (i = 0; i < STORE_NCOLL; i++) {
		bson_t reply;
		bson_error_t e;

		if (s->bulk[i] == NULL || s->nops[i] == 0)
			continue;
		if (!mongoc_bulk_operation_execute(s->bulk[i], &reply, &e)) {
			size_t failed;

			if (transport_error(&e)) {
				bson_destroy(&reply);
				log_warnx("store: unreachable (%s): spooling",
				          e.message);
				return 1;
			}
			failed = count_failures(s, i, &reply);
			if (failed > 0) {
				log_warnx("store: bulk write to %s: %zu of %zu "
				          "failed: %s (domain %u, code %u)",
				          store_coll_name(i), failed,
				          s->nops[i], e.message, e.domain,
				          e.code);
				s->st.failed_ops += failed;
				*rc = -1;
			} else {
				s->st.flushes++;
			}
		} else {
			s->st.flushes++;
		}
		bson_destroy(&reply);
		mongoc_bulk_operation_destroy(s->bulk[i]);
		s->bulk[i] = NULL;
		s->nops[i] = 0;
		if (s->kill_mid_flush && !s->replaying && more_after(s, i))
			raise(SIGKILL); /* tests: a kill between two bulks */
	}
	s->pending = 0;
	s->pending_bytes = 0;
	return 0;
}

static void
spool_write(struct store *s)
{
	uint64_t n = s->pending;

	if (s->envlen == 0)
		return;
	if (s->st.spool_bytes + s->envlen > s->spool_max) {
		s->st.lost_ops += n;
		log_warnx("store: spool full (%" PRIu64 " bytes): %" PRIu64
		          " operations lost",
		          s->st.spool_bytes, n);
		s->envlen = 0;
		return;
	}
	if (spool_append(s->spool_path, s->env, s->envlen) != 0) {
		s->st.lost_ops += n; /* logged */
	} else {
		s->st.spool_bytes += s->envlen;
		s->st.spooled_ops += n;
		s->spool_pending = true;
	}
	s->envlen = 0;
}

/* Is anything listening where the store should be? */
static bool
probe(const struct store *s)
{
	if (s->probe_host[0] == '\0')
		return true; /* no single host to probe: let the driver try */
	return netprobe_tcp(s->probe_host, s->probe_port, 200);
}

/* One spooled operation queued again. -1: refused (logged) or a bad
 * envelope. */
static int
requeue(struct store *s, enum store_coll c, int32_t t, const bson_t *a,
        const bson_t *b)
{
	if (t == ENV_UPSERT && b != NULL)
		return store_upsert(s, c, a, b);
	if (t == ENV_INSERT)
		return store_insert(s, c, a);
	if (t == ENV_DELETE)
		return store_delete(s, c, a);
	log_warnx("store: spool: envelope of unknown type %d", t);
	return -1;
}

int
store_apply_env(struct store *s, const bson_t *env)
{
	bson_iter_t it;
	int32_t c = -1, t = -1;
	bson_t a, b;
	bool has_a = false, has_b = false;

	if (bson_iter_init(&it, env)) {
		while (bson_iter_next(&it)) {
			const char *k = bson_iter_key(&it);
			const uint8_t *data;
			uint32_t len;

			if (strcmp(k, "c") == 0 && BSON_ITER_HOLDS_INT32(&it))
				c = bson_iter_int32(&it);
			else if (strcmp(k, "t") == 0 &&
			         BSON_ITER_HOLDS_INT32(&it))
				t = bson_iter_int32(&it);
			else if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
				bson_iter_document(&it, &len, &data);
				if (strcmp(k, "a") == 0)
					has_a = bson_init_static(&a, data, len);
				else if (strcmp(k, "b") == 0)
					has_b = bson_init_static(&b, data, len);
			}
		}
	}
	if (c < 0 || c >= STORE_NCOLL || !has_a) {
		log_warnx("store: envelope without collection or document");
		return -1;
	}
	return requeue(s, (enum store_coll)c, t, &a, has_b ? &b : NULL);
}

/* Re-queues the spool's envelopes and sends them, in chunks, in order.
 * 0 when the spool is empty again. */
static int
replay(struct store *s)
{
	bson_reader_t *r;
	const bson_t *env;
	bool eof = false;
	int rc = 0;
	uint64_t n = 0;

	r = bson_reader_new_from_file(s->spool_path, NULL);
	if (r == NULL) {
		s->spool_pending = false;
		s->st.spool_bytes = 0;
		return 0;
	}
	s->replaying = true;
	while ((env = bson_reader_read(r, &eof)) != NULL) {
		if (store_apply_env(s, env) != 0)
			s->st.failed_ops++; /* logged */
		n++;
		if (s->pending >= STORE_BATCH_MAX && execute(s, &rc) != 0)
			break;
	}
	if (env == NULL && s->pending > 0 && execute(s, &rc) != 0)
		env = (const bson_t *)1; /* failed at the end */
	s->replaying = false;
	bson_reader_destroy(r);
	if (env != NULL) { /* the store went away again: keep the file */
		drop_bulks(s);
		return -1;
	}
	if (truncate(s->spool_path, 0) != 0)
		log_warn("store: truncate spool");
	log_info("store: replayed %" PRIu64 " spooled operations", n);
	s->st.replayed_ops += n;
	s->st.spool_bytes = 0;
	s->spool_pending = false;
	(void)rc;
	return 0;
}

int
store_flush(struct store *s, uint64_t now_ms)
{
	uint64_t t0 = util_mono_ns(), us;
	int rc = 0;

	s->now_ms = now_ms;
	if (s->link != NULL) {
		rc = storelink_send(s->link, s->env, s->envlen, s->pending,
		                    now_ms);
		s->envlen = 0;
		s->pending = 0;
		s->pending_bytes = 0;
		return rc;
	}
	if (s->st.down || s->spool_pending) {
		if (now_ms < s->next_probe_ms || !probe(s) || replay(s) != 0) {
			if (now_ms >= s->next_probe_ms)
				s->next_probe_ms = now_ms + 2000;
			spool_write(s);
			drop_bulks(s);
			return -1;
		}
		if (s->st.down)
			log_info("store: reachable again");
		s->st.down = 0;
	}
	journal_begin(&s->journal, s->env, s->envlen);
	if (execute(s, &rc) != 0) {
		if (!s->st.down)
			s->st.outages++;
		s->st.down = 1;
		s->next_probe_ms = now_ms + 2000;
		spool_write(s);
		drop_bulks(s);
		rc = -1;
	}
	journal_end(&s->journal); /* the store or the spool has it */
	s->envlen = 0;
	us = (util_mono_ns() - t0) / 1000;
	s->st.last_flush_us = us;
	if (us > s->st.max_flush_us)
		s->st.max_flush_us = us;
	return rc;
}

/* The journal beside the spool: path.inflight. */
static int
journal_set(struct store *s, const char *spool)
{
	char jp[4096];
	int n = snprintf(jp, sizeof(jp), "%s.inflight", spool);

	if (n < 0 || (size_t)n >= sizeof(jp))
		return -1;
	journal_close(&s->journal);
	return journal_open(&s->journal, jp, spool);
}

int
store_set_spool(struct store *s, const char *path, uint64_t max_bytes)
{
	struct stat st;

	if (s->link != NULL)
		return storelink_set_spool(s->link, path, max_bytes);
	free(s->spool_path);
	s->spool_path = strdup(path);
	if (s->spool_path == NULL)
		return -1;
	s->spool_max = max_bytes;
	s->kill_mid_flush = getenv("GODO_TEST_KILL_MID_FLUSH") != NULL;
	if (journal_set(s, path) != 0)
		log_warnx("store: no journal: a kill during a flush can leave "
		          "documents no chain link covers");
	if (stat(path, &st) == 0 && st.st_size > 0) {
		s->spool_pending = true;
		s->st.spool_bytes = (uint64_t)st.st_size;
		log_info("store: %lld bytes spooled by an earlier run will be "
		         "replayed",
		         (long long)st.st_size);
	}
	return 0;
}

void
store_get_stats(const struct store *s, struct store_stats *out)
{
	*out = s->st;
	if (s->link != NULL)
		storelink_stats(s->link, out);
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	if (s->link != NULL) {
		storelink_close(s->link);
		free(s->env);
		free(s);
		return;
	}
	for (i = 0; i < STORE_NCOLL; i++) {
		if (s->bulk[i] != NULL)
			mongoc_bulk_operation_destroy(s->bulk[i]);
		mongoc_collection_destroy(s->coll[i]);
	}
	journal_close(&s->journal);
	free(s->env);
	free(s->spool_path);
	bson_destroy(s->upsert_opts);
	bson_destroy(s->insert_opts);
	mongoc_client_destroy(s->client);
	free(s);
	mongoc_cleanup();
}
