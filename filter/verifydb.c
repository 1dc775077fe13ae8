/* verifydb.c - see verifydb.h. */
#include "verifydb.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "chainhead.h"
#include "cli.h"
#include "digest.h"
#include "rawdb.h"
#include "schema.h"
#include "verify.h"

/* Every collection godo chains (all but fds, the open files of the moment,
 * and the chain itself). */
static const char *const chained[] = {COLL_PIDS, COLL_FILES, COLL_GAPS,
                                      COLL_RUNS, COLL_CONTAINERS};

struct feed {
	struct verify *v;
	const char *coll;
};

static int
on_link(const bson_t *doc, void *arg)
{
	return verify_link(arg, doc);
}

static int
on_doc(const bson_t *doc, void *arg)
{
	struct feed *f = arg;

	return verify_doc(f->v, f->coll, doc);
}

static int
read_all(struct rawdb *db, struct verify *v)
{
	struct feed f = {v, NULL};
	size_t i;

	if (rawdb_read_whole(db, COLL_CHAIN, on_link, v) != 0)
		return -1;
	for (i = 0; i < sizeof(chained) / sizeof(chained[0]); i++) {
		f.coll = chained[i];
		if (rawdb_read_whole(db, f.coll, on_doc, &f) != 0)
			return -1;
	}
	return 0;
}

static void
summary(const struct verify_result *r, bool failed)
{
	if (!failed) {
		printf("verify: intact: %" PRIu64 " links, %" PRIu64
		       " documents, each as chained\n",
		       r->links, r->docs);
		return;
	}
	if (r->links == 0)
		printf("verify: no chain in this database (written without "
		       "chaining, or the chain was deleted)\n");
	printf("verify: FAILED: %" PRIu64 " changed, %" PRIu64
	       " added outside a chain, %" PRIu64 " deleted, %" PRIu64
	       " chain problems, %" PRIu64 " newest-link problems (%" PRIu64
	       " links, %" PRIu64 " documents)\n",
	       r->changed, r->added, r->deleted, r->link_bad, r->tail_bad,
	       r->links, r->docs);
}

int
verifydb_check(const struct opts *o, FILE *out, struct verify_result *r)
{
	struct digest_key key;
	struct chain_head tail;
	struct verify *v = NULL;
	struct rawdb *db;
	FILE *sink = out;
	int rc = 1;

	if (o->chain_key != NULL && digest_key_load(&key, o->chain_key) != 0) {
		cli_error("-chain-key %s cannot be used", o->chain_key);
		return 2;
	}
	if (o->chain_head != NULL &&
	    chain_head_parse(o->chain_head, strlen(o->chain_head), &tail) !=
	        0) {
		cli_error("bad -chain-head: want run=RUN seq=N dg=HEX, as godo "
		          "logs it");
		return 2;
	}
	if (sink == NULL && (sink = fopen("/dev/null", "we")) == NULL) {
		cli_error("/dev/null: %s", strerror(errno));
		return 1;
	}
	db = rawdb_open(o);
	if (db != NULL)
		v = verify_new(o->chain_key != NULL ? &key : NULL);
	if (v != NULL && read_all(db, v) == 0) {
		rawdb_close(db); /* ends the progress line */
		db = NULL;
		verify_finish(v, o->chain_head != NULL ? &tail : NULL, sink, r);
		rc = 0;
	}
	verify_free(v);
	rawdb_close(db);
	if (sink != out && fclose(sink) != 0)
		rc = 1;
	return rc;
}

int
verifydb_run(const struct opts *o)
{
	struct verify_result r;
	int rc = verifydb_check(o, stdout, &r);

	if (rc != 0)
		return rc;
	summary(&r, verify_failed(&r));
	return verify_failed(&r) ? 1 : 0;
}
