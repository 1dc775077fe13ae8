/* opts.h - the filter's settings, filled from flags in main.c and read by
 * every stage. Strings are borrowed from argv. */
#ifndef GODO_OPTS_H
#define GODO_OPTS_H

#include <stdbool.h>
#include <stdint.h>

struct opts {
	/* out: the database to save into; NULL (the default): read only */
	const char *mongo, *db, *out, *format, *output, *since_s, *until_s;
	const char *container, *host, *docker_root;
	/* -store-dir: read the raw database from FerretDB's SQLite files
	 * here (scripts/store.sh's DIR), not over the wire; NULL: -mongo */
	const char *store_dir;
	const char *chain_key, *chain_head; /* -verify's */
	const char *tz;                     /* -tz: "utc" (NULL) or "local" */
	int64_t since, until; /* ns; INT64_MIN / INT64_MAX when open */
	int64_t now;          /* when the report is made (cli_check) */
	bool tz_local;        /* times shown in the local zone, with offset */
	uint64_t max_procs;
	bool no_save, verbose, version, verify, no_verify;
};

#endif
