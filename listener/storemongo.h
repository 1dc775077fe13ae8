/* storemongo.h - the store backend's interface: every libmongoc call godo
 * makes, behind one table of functions. The backend (storemongo.c) is built
 * as a shared object, godo-store.so, and loaded with dlopen (storemod.h)
 * only by the process that talks to the store: the writer with -privsep,
 * godo itself without. The godo executable does not link libmongoc, so a
 * -privsep recorder never maps it nor runs its constructor (OpenSSL's full
 * initialisation, SASL plugins: 8.7 MiB of file pages, docs/performance.md
 * "Round 5"). store.c keeps the queue, the envelopes, the spool and the
 * link to the writer; this table only opens a client, queues operations
 * in libmongoc's bulks, executes them and answers side requests.
 *
 * Conventions: a function that can fail returns -1 and fills msg (the
 * caller logs with its context; the backend logs nothing of its own but
 * the driver's messages, through host->log). Handles belong to the
 * backend; bson_t arguments are the caller's and are copied when kept. */
#ifndef GODO_STOREMONGO_H
#define GODO_STOREMONGO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <bson/bson.h>

/* Bumped whenever the table or a structure below changes: a module of
 * another version is refused at load. */
#define STOREMONGO_ABI 1
/* The one symbol the module exports: a const struct storemongo_ops. */
#define STOREMONGO_SYMBOL "godo_storemongo"

/* The operations an envelope carries (store.c's spool holds them). */
enum storemongo_op { STOREMONGO_UPSERT, STOREMONGO_INSERT, STOREMONGO_DELETE };

/* What the host lends the backend: its log (common/log.h's levels). */
struct storemongo_host {
	void (*log)(int level, const char *msg);
};

/* One bulk's outcome. */
enum storemongo_exec {
	STOREMONGO_OK,     /* all written (dups: inserts found existing) */
	STOREMONGO_FAILED, /* failed of ops refused by the server */
	STOREMONGO_DOWN    /* the store could not be reached: nothing sent */
};

struct storemongo_result {
	uint64_t ops;    /* operations in the bulk */
	uint64_t failed; /* of them refused */
	uint64_t dups;   /* inserts refused as duplicates (stored already) */
	uint32_t domain, code;
	char msg[504]; /* libbson's error message size */
};

struct smg; /* one client, its collections and bulks */

struct storemongo_ops {
	uint32_t abi;  /* STOREMONGO_ABI */
	uint32_t size; /* sizeof(struct storemongo_ops) */
	/* Once, right after dlopen: the driver's log goes to host. */
	void (*init)(const struct storemongo_host *host);
	/* A client for target ("host:port" or a mongodb:// URI), database db,
	 * collections names[0..ncoll). No network traffic. probe_host
	 * (hostlen bytes) and *probe_port get the one plain TCP host of the
	 * URI, else probe_host is "". NULL with msg filled. */
	struct smg *(*open)(const char *target, const char *db,
	                    const char *const *names, int ncoll,
	                    char *probe_host, size_t hostlen,
	                    uint16_t *probe_port, char *msg, size_t msglen);
	/* A command on database db ({ping: 1}, {buildInfo: 1}); *reply is
	 * initialised in every case (bson_destroy it). */
	int (*command)(struct smg *m, const char *db, const bson_t *cmd,
	               bson_t *reply, char *msg, size_t msglen);
	/* A write command on collection c ({createIndexes: ...}). */
	int (*coll_command)(struct smg *m, int c, const bson_t *cmd, char *msg,
	                    size_t msglen);
	/* The first document of a find on collection c: 1 (copied into
	 * *out, bson_destroy it), 0 none, -1 error. */
	int (*find_one)(struct smg *m, int c, const bson_t *filter,
	                const bson_t *opts, bson_t *out, char *msg,
	                size_t msglen);
	/* Queues op in collection c's unordered bulk: an upsert a -> b
	 * (update operators), an insert of a, a delete of what matches a. */
	int (*queue)(struct smg *m, int c, enum storemongo_op op,
	             const bson_t *a, const bson_t *b, char *msg,
	             size_t msglen);
	/* Executes and frees collection c's bulk (OK with r->ops 0 when
	 * none is queued). */
	enum storemongo_exec (*execute)(struct smg *m, int c,
	                                struct storemongo_result *r);
	/* Frees collection c's bulk unsent. */
	void (*discard)(struct smg *m, int c);
	/* Frees the client (the driver's global state goes at exit: libmongoc
	 * cannot be initialised again after its cleanup). */
	void (*close)(struct smg *m);
};

#endif
