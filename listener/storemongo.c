/* storemongo.c - see storemongo.h. Built into godo-store.so only (the
 * Makefile's STOREMOD): the one file of the listener that calls libmongoc.
 * It links libmongoc and libbson and nothing of godo's: the host's log is
 * reached through the table init() is given. */
#include "storemongo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <mongoc/mongoc.h>

/* common/log.h's levels, which the host's log takes */
enum { LVL_WARN = 1, LVL_INFO = 2, LVL_DEBUG = 3 };

/* libmongoc's log handler is process-wide: so is where it goes */
static const struct storemongo_host *host;
static bool driver_ready; /* mongoc_init ran */

struct smg {
	mongoc_client_t *client;
	int ncoll;
	mongoc_collection_t **coll;
	mongoc_bulk_operation_t **bulk;
	uint64_t *nops;
	bson_t *upsert_opts; /* heap: bson_t wants 128-byte alignment */
	bson_t *insert_opts;
};

static void say(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
say(int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (host == NULL || host->log == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	host->log(level, buf);
}

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
		say(LVL_WARN, "mongoc %s: %s", domain, msg);
	else if (level <= MONGOC_LOG_LEVEL_INFO)
		say(LVL_DEBUG, "mongoc %s: %s", domain, msg);
}

static void
smg_init(const struct storemongo_host *h)
{
	host = h;
	mongoc_log_set_handler(driver_log, NULL);
}

static void
set_msg(char *msg, size_t len, const char *what, const bson_error_t *e)
{
	snprintf(msg, len, "%s%s%s", what, what[0] != '\0' ? ": " : "",
	         e->message);
}

static mongoc_uri_t *
make_uri(const char *target, char *msg, size_t msglen)
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
	explicit_bzero(buf, sizeof(buf)); /* may hold a password */
	if (uri == NULL) {
		set_msg(msg, msglen, "bad -mongo value", &e);
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

static void smg_close(struct smg *m);

static struct smg *
smg_open(const char *target, const char *db, const char *const *names,
         int ncoll, char *probe_host, size_t hostlen, uint16_t *probe_port,
         char *msg, size_t msglen)
{
	const mongoc_host_list_t *h;
	mongoc_uri_t *uri;
	struct smg *m;
	int i;

	/* once per process: libmongoc cannot be initialised again after
	 * mongoc_cleanup, which runs at exit (valgrind: no leak) */
	if (!driver_ready) {
		mongoc_init();
		driver_ready = true;
		if (atexit(mongoc_cleanup) != 0)
			say(LVL_DEBUG,
			    "store module: no mongoc_cleanup at exit");
	}
	probe_host[0] = '\0';
	uri = make_uri(target, msg, msglen);
	if (uri == NULL)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		mongoc_uri_destroy(uri);
		snprintf(msg, msglen, "out of memory");
		return NULL;
	}
	/* one plain host: probed with a TCP connect while down */
	h = mongoc_uri_get_hosts(uri);
	if (h != NULL && h->next == NULL && h->family != AF_UNIX &&
	    strlen(h->host) < hostlen) {
		memcpy(probe_host, h->host, strlen(h->host) + 1);
		*probe_port = h->port;
	}
	m->client = mongoc_client_new_from_uri(uri);
	mongoc_uri_destroy(uri);
	m->ncoll = ncoll;
	m->coll = calloc((size_t)ncoll, sizeof(*m->coll));
	m->bulk = calloc((size_t)ncoll, sizeof(*m->bulk));
	m->nops = calloc((size_t)ncoll, sizeof(*m->nops));
	m->upsert_opts = BCON_NEW("upsert", BCON_BOOL(true));
	/* docbuild writes only its own keys and strings it has checked to be
	 * UTF-8 (else binary): libmongoc's validation pass would find
	 * nothing */
	m->insert_opts = BCON_NEW("validate", BCON_BOOL(false));
	if (m->client == NULL || m->coll == NULL || m->bulk == NULL ||
	    m->nops == NULL) {
		snprintf(msg, msglen, "cannot create a client");
		smg_close(m);
		return NULL;
	}
	mongoc_client_set_appname(m->client, "godo");
	for (i = 0; i < ncoll; i++)
		m->coll[i] =
		    mongoc_client_get_collection(m->client, db, names[i]);
	return m;
}

static int
smg_command(struct smg *m, const char *db, const bson_t *cmd, bson_t *reply,
            char *msg, size_t msglen)
{
	bson_error_t e;

	if (mongoc_client_command_simple(m->client, db, cmd, NULL, reply, &e))
		return 0;
	set_msg(msg, msglen, "", &e);
	return -1;
}

static int
smg_coll_command(struct smg *m, int c, const bson_t *cmd, char *msg,
                 size_t msglen)
{
	bson_error_t e;

	if (mongoc_collection_write_command_with_opts(m->coll[c], cmd, NULL,
	                                              NULL, &e))
		return 0;
	set_msg(msg, msglen, "", &e);
	return -1;
}

static int
smg_find_one(struct smg *m, int c, const bson_t *filter, const bson_t *opts,
             bson_t *out, char *msg, size_t msglen)
{
	mongoc_cursor_t *cur;
	const bson_t *doc;
	bson_error_t e;
	int rc = 0;

	cur = mongoc_collection_find_with_opts(m->coll[c], filter, opts, NULL);
	if (mongoc_cursor_next(cur, &doc)) {
		bson_copy_to(doc, out);
		rc = 1;
	}
	if (mongoc_cursor_error(cur, &e)) {
		if (rc == 1)
			bson_destroy(out);
		set_msg(msg, msglen, "", &e);
		rc = -1;
	}
	mongoc_cursor_destroy(cur);
	return rc;
}

static mongoc_bulk_operation_t *
bulk_for(struct smg *m, int c)
{
	if (m->bulk[c] == NULL) {
		bson_t opts = BSON_INITIALIZER;

		/* Unordered: every update is keyed and idempotent, so one
		 * failure must not stop the others. */
		BSON_APPEND_BOOL(&opts, "ordered", false);
		m->bulk[c] = mongoc_collection_create_bulk_operation_with_opts(
		    m->coll[c], &opts);
		bson_destroy(&opts);
	}
	return m->bulk[c];
}

static int
smg_queue(struct smg *m, int c, enum storemongo_op op, const bson_t *a,
          const bson_t *b, char *msg, size_t msglen)
{
	mongoc_bulk_operation_t *bk = bulk_for(m, c);
	bson_error_t e;
	bool ok = false;

	if (op == STOREMONGO_UPSERT && b != NULL)
		ok = mongoc_bulk_operation_update_one_with_opts(
		    bk, a, b, m->upsert_opts, &e);
	else if (op == STOREMONGO_INSERT)
		ok = mongoc_bulk_operation_insert_with_opts(bk, a,
		                                            m->insert_opts, &e);
	else if (op == STOREMONGO_DELETE)
		ok = mongoc_bulk_operation_remove_many_with_opts(bk, a, NULL,
		                                                 &e);
	else
		snprintf(e.message, sizeof(e.message), "operation %d", op);
	if (!ok) {
		snprintf(msg, msglen, "%s (domain %u, code %u)", e.message,
		         e.domain, e.code);
		return -1;
	}
	m->nops[c]++;
	return 0;
}

/* After a bulk with write errors: how many really failed. An insert refused
 * as a duplicate key (only inserts can be: updates and deletes go by _id)
 * means the document is stored already, and it is kept as it is. */
static void
count_failures(const bson_t *reply, struct storemongo_result *r)
{
	bson_iter_t it, arr, one;

	r->failed = r->ops;
	if (!bson_iter_init_find(&it, reply, "writeErrors") ||
	    !BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &arr))
		return;
	/* No write error, yet the bulk failed: the command itself was
	 * refused (e.g. not authenticated): nothing was written. */
	if (!bson_iter_next(&arr))
		return;
	r->failed = 0;
	do {
		if (BSON_ITER_HOLDS_DOCUMENT(&arr) &&
		    bson_iter_recurse(&arr, &one) &&
		    bson_iter_find(&one, "code") &&
		    bson_iter_as_int64(&one) == 11000)
			r->dups++;
		else
			r->failed++;
	} while (bson_iter_next(&arr));
}

static bool
transport_error(const bson_error_t *e)
{
	return e->domain == MONGOC_ERROR_STREAM ||
	       e->domain == MONGOC_ERROR_SERVER_SELECTION ||
	       e->domain == MONGOC_ERROR_PROTOCOL;
}

static void
smg_discard(struct smg *m, int c)
{
	if (m->bulk[c] != NULL)
		mongoc_bulk_operation_destroy(m->bulk[c]);
	m->bulk[c] = NULL;
	m->nops[c] = 0;
}

static enum storemongo_exec
smg_execute(struct smg *m, int c, struct storemongo_result *r)
{
	enum storemongo_exec x = STOREMONGO_OK;
	bson_t reply;
	bson_error_t e;

	memset(r, 0, sizeof(*r));
	r->ops = m->nops[c];
	if (m->bulk[c] == NULL || m->nops[c] == 0)
		return STOREMONGO_OK;
	if (!mongoc_bulk_operation_execute(m->bulk[c], &reply, &e)) {
		r->domain = e.domain;
		r->code = e.code;
		snprintf(r->msg, sizeof(r->msg), "%s", e.message);
		if (transport_error(&e)) {
			bson_destroy(&reply);
			return STOREMONGO_DOWN; /* the bulk stays: discard */
		}
		count_failures(&reply, r);
		if (r->failed > 0)
			x = STOREMONGO_FAILED;
	}
	bson_destroy(&reply);
	smg_discard(m, c);
	return x;
}

static void
smg_close(struct smg *m)
{
	int i;

	if (m == NULL)
		return;
	for (i = 0; i < m->ncoll && m->coll != NULL; i++) {
		if (m->bulk != NULL && m->bulk[i] != NULL)
			mongoc_bulk_operation_destroy(m->bulk[i]);
		if (m->coll[i] != NULL)
			mongoc_collection_destroy(m->coll[i]);
	}
	free(m->coll);
	free(m->bulk);
	free(m->nops);
	bson_destroy(m->upsert_opts);
	bson_destroy(m->insert_opts);
	if (m->client != NULL)
		mongoc_client_destroy(m->client);
	free(m);
}

/* The table storemod.c looks up (STOREMONGO_SYMBOL). */
extern const struct storemongo_ops godo_storemongo;
const struct storemongo_ops godo_storemongo = {
    .abi = STOREMONGO_ABI,
    .size = sizeof(struct storemongo_ops),
    .init = smg_init,
    .open = smg_open,
    .command = smg_command,
    .coll_command = smg_coll_command,
    .find_one = smg_find_one,
    .queue = smg_queue,
    .execute = smg_execute,
    .discard = smg_discard,
    .close = smg_close,
};
