/* store.c - see store.h. The store itself is reached through the backend
 * module (storemongo.h, loaded by storemod.c): nothing here calls
 * libmongoc. */
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

#include "log.h"
#include "netprobe.h"
#include "schema.h"
#include "spool.h"
#include "store_impl.h"
#include "storelink.h"
#include "storemod.h"
#include "util.h"

struct store *
store_new(const char *target, const char *db, char *err, size_t errlen)
{
	const char *names[STORE_NCOLL];
	struct store *s;
	int i;

	/* godo without -privsep: the first store loads the module, before
	 * privileges are dropped (main.c); the writer loaded it already */
	if (storemod_load_default(err, errlen) != 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	journal_init(&s->journal);
	for (i = 0; i < STORE_NCOLL; i++)
		names[i] = store_coll_name(i);
	s->be = storemod_ops();
	s->m = s->be->open(target, db, names, STORE_NCOLL, s->probe_host,
	                   sizeof(s->probe_host), &s->probe_port, err, errlen);
	if (s->m == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

struct store *
store_open(const char *target, const char *db, char *err, size_t errlen)
{
	struct store *s = store_new(target, db, err, errlen);
	char where[1024];
	bson_t ping = BSON_INITIALIZER, reply;
	char msg[256];
	int rc;

	if (s == NULL)
		return NULL;
	util_uri_redact(target, where, sizeof(where)); /* no password */
	BSON_APPEND_INT32(&ping, "ping", 1);
	rc = s->be->command(s->m, "admin", &ping, &reply, msg, sizeof(msg));
	bson_destroy(&ping);
	bson_destroy(&reply);
	if (rc != 0) {
		snprintf(err, errlen, "store %s unreachable: %s", where, msg);
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

enum env_type {
	ENV_UPSERT = STOREMONGO_UPSERT,
	ENV_INSERT = STOREMONGO_INSERT,
	ENV_DELETE = STOREMONGO_DELETE
};

/* The envelope buffer's smallest size; a burst doubles it (up to about
 * twice STORE_QUEUE_BYTES), env_decay halves it back. */
#define ENV_MIN 65536

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
		size_t cap = s->envcap ? s->envcap : ENV_MIN;
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

/* After a flush that used `used` bytes of the envelope buffer: halved while
 * flushes use less than a quarter of it. A burst grows it to megabytes
 * that would stay resident to the end (the recorder's memory target,
 * docs/performance.md "Round 5"); above glibc's mmap threshold (fixed by
 * membudget.c) the buffer is a mapping of its own, and a shrink gives the
 * pages back. A failed shrink keeps the larger, still valid, buffer. */
static void
env_decay(struct store *s, size_t used)
{
	uint8_t *n;

	if (s->envcap <= ENV_MIN || used >= s->envcap / 4)
		return;
	n = realloc(s->env, s->envcap / 2);
	if (n == NULL)
		return;
	s->env = n;
	s->envcap /= 2;
}

static int queued(struct store *s, enum store_coll c, enum env_type t,
                  const bson_t *a, const bson_t *b);

int
store_upsert(struct store *s, enum store_coll c, const bson_t *sel,
             const bson_t *upd)
{
	int rc = queued(s, c, ENV_UPSERT, sel, upd);

	if (rc == 0)
		s->st.upserts++;
	return rc;
}

/* Hands the operation to the backend's bulk (not with privilege
 * separation: the writer's store does). A refusal is logged (-1); a queued
 * operation is counted and its envelope kept for the spool. */
static int
queued(struct store *s, enum store_coll c, enum env_type t, const bson_t *a,
       const bson_t *b)
{
	char msg[320];

	if (s->link == NULL && s->be->queue(s->m, c, (enum storemongo_op)t, a,
	                                    b, msg, sizeof(msg)) != 0) {
		log_warnx("store: queue to %s: %s", store_coll_name(c), msg);
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
	return queued(s, c, ENV_INSERT, doc, NULL);
}

int
store_delete(struct store *s, enum store_coll c, const bson_t *sel)
{
	int rc = queued(s, c, ENV_DELETE, sel, NULL);

	if (rc == 0)
		s->st.deletes++;
	return rc;
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

size_t
store_env_capacity(const struct store *s)
{
	return s->envcap;
}

static void
drop_bulks(struct store *s)
{
	int i;

	for (i = 0; i < STORE_NCOLL; i++) {
		s->be->discard(s->m, i);
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
		if (s->nops[i] > 0)
			return true;
	return false;
}

/* Executes the queued bulks. 1: the store could not be reached. */
static int
execute(struct store *s, int *rc)
{
	int i;

	for (i = 0; i < STORE_NCOLL; i++) {
		struct storemongo_result r;
		enum storemongo_exec x;

		if (s->nops[i] == 0)
			continue;
		x = s->be->execute(s->m, i, &r);
		if (x == STOREMONGO_DOWN) {
			log_warnx("store: unreachable (%s): spooling", r.msg);
			return 1;
		}
		s->st.dup_inserts += r.dups;
		if (x == STOREMONGO_FAILED) {
			log_warnx("store: bulk write to %s: %" PRIu64
			          " of %" PRIu64 " failed: %s (domain %u, "
			          "code %u)",
			          store_coll_name(i), r.failed, r.ops, r.msg,
			          r.domain, r.code);
			s->st.failed_ops += r.failed;
			*rc = -1;
		} else {
			s->st.flushes++;
		}
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
	(void)spool_empty(s->spool_path); /* logged; replayed again later */
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
	size_t used = s->envlen;
	int rc = 0;

	s->now_ms = now_ms;
	if (s->link != NULL) {
		rc = storelink_send(s->link, s->env, s->envlen, s->pending,
		                    now_ms);
		s->envlen = 0;
		s->pending = 0;
		s->pending_bytes = 0;
		env_decay(s, used);
		return rc;
	}
	if (s->st.down || s->spool_pending) {
		if (now_ms < s->next_probe_ms || !probe(s) || replay(s) != 0) {
			if (now_ms >= s->next_probe_ms)
				s->next_probe_ms = now_ms + 2000;
			spool_write(s);
			drop_bulks(s);
			env_decay(s, used);
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
	env_decay(s, used);
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
	if (s == NULL)
		return;
	if (s->link != NULL) {
		storelink_close(s->link);
		free(s->env);
		free(s);
		return;
	}
	journal_close(&s->journal);
	free(s->env);
	free(s->spool_path);
	s->be->close(s->m); /* the driver's global state with it */
	free(s);
}
