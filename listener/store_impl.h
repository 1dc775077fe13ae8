/* store_impl.h - struct store, for store.c (writes, the spool) and
 * storeidx.c (indexes, the last run): no other file sees it. Neither sees
 * libmongoc: its calls go through the backend (storemongo.h). */
#ifndef GODO_STORE_IMPL_H
#define GODO_STORE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal.h"
#include "store.h"
#include "storemongo.h"

struct store {
	const struct storemongo_ops *be; /* the backend (storemod.h) */
	struct smg *m;                   /* its client; NULL with link */
	size_t nops[STORE_NCOLL];
	size_t pending;
	size_t pending_bytes; /* BSON bytes of the queued operations */
	uint64_t now_ms;      /* the last flush's, for a flush at the cap */
	bool scan_updates;    /* FerretDB: updates and deletes scan */
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
