/* dbconn.h - one connection to the store, as the filter makes it: short
 * timeouts unless the URI sets them, a ping before use, the driver's own
 * messages as debug lines. The raw database reader (rawdb.c) and the
 * writer of the cleaned one (save.c) each open their own. */
#ifndef GODO_DBCONN_H
#define GODO_DBCONN_H

#include <mongoc/mongoc.h>

struct dbconn {
	mongoc_uri_t *uri;
	mongoc_client_t *client;
	char where[256]; /* the address for messages: no password, escaped */
};

/* The driver set up, its messages as debug lines from the start. Once, in
 * main, instead of mongoc_init. */
void dbconn_init(void);
/* mongo: host:port or a mongodb:// URI. 0, or -1 after one error line
 * (c closed). */
int dbconn_open(struct dbconn *c, const char *mongo);
/* Closes what dbconn_open opened; a zeroed c is fine. */
void dbconn_close(struct dbconn *c);
/* The error line for a failed store operation: what, where, the error. */
void dbconn_error(const struct dbconn *c, const char *what,
                  const bson_error_t *e);

#endif
