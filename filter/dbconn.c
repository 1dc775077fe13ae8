/* dbconn.c - see dbconn.h. */
#include "dbconn.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "esc.h"
#include "log.h"
#include "util.h"

#define DBCONN_TIMEOUT_MS 3000
#define DBCONN_SOCKET_TIMEOUT_MS 120000

static void
driver_log_cb(mongoc_log_level_t level, const char *domain, const char *message,
              void *arg)
{
	char esc[512];

	(void)arg;
	if (level <= MONGOC_LOG_LEVEL_WARNING)
		log_debug("driver %s: %s", domain,
		          esc_log(message, strlen(message), esc, sizeof(esc)));
}

/* option = ms unless the URI sets it */
static int
default_timeout(mongoc_uri_t *uri, const char *option, int32_t ms)
{
	if (mongoc_uri_has_option(uri, option) ||
	    mongoc_uri_set_option_as_int32(uri, option, ms))
		return 0;
	cli_error("cannot set %s on the store URI", option);
	return -1;
}

static int
ping(struct dbconn *c)
{
	bson_error_t err;
	bson_t *cmd = BCON_NEW("ping", BCON_INT32(1));
	bool ok = mongoc_client_command_simple(c->client, "admin", cmd, NULL,
	                                       NULL, &err);

	bson_destroy(cmd);
	if (!ok) {
		cli_error("cannot reach the store at %s: %s", c->where,
		          err.message);
		return -1;
	}
	return 0;
}

void
dbconn_init(void)
{
	/* before mongoc_init: it may warn (no shared memory for its counters)
	 * and the filter's stderr carries only its own lines */
	mongoc_log_set_handler(driver_log_cb, NULL);
	mongoc_init();
}

int
dbconn_open(struct dbconn *c, const char *mongo)
{
	bson_error_t err;
	char uri[1024];

	memset(c, 0, sizeof(*c));
	mongoc_log_set_handler(driver_log_cb, NULL);
	util_uri_redact(mongo, uri, sizeof(uri)); /* no password in logs */
	esc_log(uri, strlen(uri), c->where, sizeof(c->where));
	if (strncmp(mongo, "mongodb://", 10) == 0 ||
	    strncmp(mongo, "mongodb+srv://", 14) == 0)
		snprintf(uri, sizeof(uri), "%s", mongo);
	else
		snprintf(uri, sizeof(uri), "mongodb://%s/", mongo);
	c->uri = mongoc_uri_new_with_error(uri, &err);
	if (c->uri == NULL)
		goto bad;
	if (default_timeout(c->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
	                    DBCONN_TIMEOUT_MS) != 0 ||
	    default_timeout(c->uri, MONGOC_URI_CONNECTTIMEOUTMS,
	                    DBCONN_TIMEOUT_MS) != 0 ||
	    default_timeout(c->uri, MONGOC_URI_SOCKETTIMEOUTMS,
	                    DBCONN_SOCKET_TIMEOUT_MS) != 0) {
		dbconn_close(c);
		return -1;
	}
	c->client = mongoc_client_new_from_uri_with_error(c->uri, &err);
	if (c->client == NULL)
		goto bad;
	if (!mongoc_client_set_error_api(c->client,
	                                 MONGOC_ERROR_API_VERSION_2) ||
	    !mongoc_client_set_appname(c->client, "godo-filter")) {
		cli_error("cannot set up the store client for %s", c->where);
		dbconn_close(c);
		return -1;
	}
	if (ping(c) != 0) {
		dbconn_close(c);
		return -1;
	}
	return 0;
bad:
	cli_error("bad -mongo %s: %s", c->where, err.message);
	dbconn_close(c);
	return -1;
}

void
dbconn_close(struct dbconn *c)
{
	if (c->client)
		mongoc_client_destroy(c->client);
	if (c->uri)
		mongoc_uri_destroy(c->uri);
	c->client = NULL;
	c->uri = NULL;
}

void
dbconn_error(const struct dbconn *c, const char *what, const bson_error_t *e)
{
	cli_error("%s at %s: %s (domain %u, code %u)", what, c->where,
	          e->message, e->domain, e->code);
}
