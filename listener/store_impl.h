/* store_impl.h - struct store, for store.c (writes, the spool) and
 * storeidx.c (indexes, the last run): no other file sees it. */
#ifndef GODO_STORE_IMPL_H
#define GODO_STORE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mongoc/mongoc.h>

#include "journal.h"
#include "store.h"

struct store {
	mongoc_client_t *client;
	mongoc_collection_t *coll[STORE_NCOLL];
	mongoc_bulk_operation_t *bulk[STORE_NCOLL];
	size_t nops[STORE_NCOLL];
	size_t pending;
	size_t pending_bytes; /* BSON bytes of the queued operations */
	uint64_t now_ms;      /* the last flush's, for a flush at the cap */
	bson_t *upsert_opts;  /* heap: bson_t wants 128-byte alignment */
	bson_t *insert_opts;
	bool scan_updates; /* FerretDB: updates and deletes scan */
	/* the queued operations again, as envelopes, for the spool */
	uint8_t *env;
	size_t envlen, envcap;
	bool replaying; /* re-queueing the spool: no envelopes */
	char *spool_path;
	uint64_t spool_max;
	bool spool_pending;     /* the spool holds operations to replay */
	struct journal journal; /* the batch being sent (journal.h) */
	bool kill_mid_flush;    /* tests: GODO_TEST_KILL_MID_FLUSH */
	uint64_t next_probe_ms;
	char probe_host[256];
	uint16_t probe_port;
	struct store_stats st;
	struct storelink *link; /* privilege separation: no client here */
};

#endif
