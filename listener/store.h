/* store.h - godo's MongoDB writer (writeback.c decides what to write). Updates
 * are queued in one unordered bulk per collection and sent by store_flush()
 * (the loop calls it every 200 ms or when STORE_BATCH_MAX operations are
 * pending): never one round trip per event, never a read before a write.
 * Timeouts are short so a dead store cannot hold the loop for long. */
#ifndef GODO_STORE_H
#define GODO_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bson/bson.h>

#include "schema.h"

enum store_coll {
	STORE_PIDS,
	STORE_FDS,
	STORE_FILES,
	STORE_GAPS,
	STORE_RUNS,
	STORE_CONTAINERS,
	STORE_CHAIN,
	STORE_NCOLL
};

#define STORE_BATCH_MAX 2000
/* The queue's bound in bytes (BSON lengths of the queued operations; about
 * twice that is resident: the driver's copy and the spool's envelope): an
 * operation that reaches it flushes the queue at once (counted in
 * cap_flushes), so a burst of large documents cannot pile up between two
 * of the loop's flushes. */
#define STORE_QUEUE_BYTES (4u << 20)

struct store_stats {
	uint64_t ops;         /* operations queued */
	uint64_t upserts;     /* of them: updates (scans on FerretDB) */
	uint64_t deletes;     /* of them: deletes (scans on FerretDB) */
	uint64_t flushes;     /* bulk executions that succeeded */
	uint64_t failed_ops;  /* operations in failed bulks */
	uint64_t dup_inserts; /* inserts found existing, redone as upserts */
	uint64_t
	    spooled_ops; /* written to the spool while the store was down */
	uint64_t replayed_ops;
	uint64_t lost_ops;    /* the spool was full */
	uint64_t spool_bytes; /* in the spool now */
	uint64_t outages;
	int down; /* the store is unreachable now */
	uint64_t last_flush_us;
	uint64_t max_flush_us;
	uint64_t
	    cap_flushes; /* flushes because STORE_QUEUE_BYTES was reached */
};

struct store;

/* target: "host:port" or a mongodb:// URI (credentials, TLS, replicaSet
 * pass through). Pings the server; NULL with err filled on failure. */
struct store *store_open(const char *target, const char *db, char *err,
                         size_t errlen);
/* Privilege separation: forks the writer process (writer.h), which opens
 * the store (lo->target, with its credentials) as an unprivileged user;
 * the returned store only queues envelopes and hands them to the writer
 * at store_flush without ever waiting on it (storelink.h). */
struct storelink_opts;
struct store *store_open_privsep(const struct storelink_opts *lo, char *err,
                                 size_t errlen);
/* One envelope ({c, t, a, b}, as the spool holds them) queued again: the
 * writer applies what the recorder sends with it. -1 logged. */
int store_apply_env(struct store *s, const bson_t *env);
/* store_open without the ping: nothing goes over the network until the
 * first flush (tests of the queue). Close with store_close. */
struct store *store_new(const char *target, const char *db, char *err,
                        size_t errlen);
/* Queue an upsert {sel} -> {upd} (update operators only). Copies both. */
int store_upsert(struct store *s, enum store_coll c, const bson_t *sel,
                 const bson_t *upd);
/* The store is FerretDB, whose updates and deletes scan the collection
 * (known after store_ensure_indexes). */
bool store_updates_scan(const struct store *s);
/* Queue an insert of doc (with its _id). godo inserts a document when it
 * first writes it, with the whole state it has; an insert costs O(1) on
 * every store, where FerretDB's SQLite updates scan the collection. An
 * insert refused because the _id exists (a replay of the same write, or a
 * document an earlier run wrote for the same task) keeps the stored
 * document and is counted in dup_inserts. Copies doc. */
int store_insert(struct store *s, enum store_coll c, const bson_t *doc);
/* Queue a delete of the documents matching sel. */
int store_delete(struct store *s, enum store_coll c, const bson_t *sel);
size_t store_pending(const struct store *s);
/* BSON bytes queued now (< STORE_QUEUE_BYTES after each queue call). */
size_t store_pending_bytes(const struct store *s);
/* The envelope buffer's size now: grown by a burst, halved by each flush
 * that uses less than a quarter of it, down to 64 KiB (tests). */
size_t store_env_capacity(const struct store *s);
/* Keep operations in path (append-only BSON envelopes) while the store
 * cannot be reached, at most max_bytes (then they are counted as lost). A
 * spool left by an earlier run is replayed at the first flush. */
int store_set_spool(struct store *s, const char *path, uint64_t max_bytes);
/* Send what is queued. 0 when all went through; -1 when a bulk failed (the
 * failure is logged and counted) or the store is down: then everything
 * queued goes to the spool, the store is probed at most every few seconds
 * with a short TCP connect (the loop never waits on a dead store), and the
 * spool is replayed in order, before anything new, when it answers. */
int store_flush(struct store *s, uint64_t now_ms);
/* Create the indexes godo relies on; failures are logged, not fatal. */
void store_ensure_indexes(struct store *s);
/* The latest last_seen_ns of host's runs (a read, at start only). 1 found,
 * 0 none, -1 error. */
int store_last_run(struct store *s, const char *host, int64_t *last_ns);
void store_get_stats(const struct store *s, struct store_stats *out);
void store_close(struct store *s);
/* The collection's name (common/schema.h); also the fake store's. */
static inline const char *
store_coll_name(enum store_coll c)
{
	static const char *const names[STORE_NCOLL] = {
	    COLL_PIDS, COLL_FDS,        COLL_FILES, COLL_GAPS,
	    COLL_RUNS, COLL_CONTAINERS, COLL_CHAIN};

	return names[c];
}

#endif
