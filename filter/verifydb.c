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
#include "verifywin.h"

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
on_link_entries(const bson_t *doc, void *arg)
{
	return verifywin_link_entries(arg, doc);
}

static int
on_look(const bson_t *doc, void *arg)
{
	return verifywin_second_look(arg, doc);
}

/* Whole: links and documents, one read each. Windowed: the links three
 * times at most (verifywin.h's passes). */
static int
read_all(struct rawdb *db, struct verify *v, bool windowed)
{
	struct feed f = {v, NULL};
	size_t i;

	if (rawdb_read_whole(db, COLL_CHAIN, on_link, v) != 0)
		return -1;
	if (windowed &&
	    (verifywin_plan(v) != 0 ||
	     rawdb_read_whole(db, COLL_CHAIN, on_link_entries, v) != 0))
		return -1;
	for (i = 0; i < sizeof(chained) / sizeof(chained[0]); i++) {
		f.coll = chained[i];
		if (rawdb_read_whole(db, f.coll, on_doc, &f) != 0)
			return -1;
	}
	if (windowed && verifywin_needs_look(v))
		return rawdb_read_whole(db, COLL_CHAIN, on_look, v);
	return 0;
}

/* "window FROM .. TO: " when only a window was checked. */
static void
window_words(struct buf *b, const struct verify_result *r)
{
	char from[48], to[48];

	if (!r->windowed)
		return;
	verifywin_fmt_time(r->since, from, sizeof(from));
	verifywin_fmt_time(r->until, to, sizeof(to));
	buf_printf(b, "window %s .. %s: ", from, to);
}

static void
summary(const struct verify_result *r, bool failed)
{
	struct buf w, g;

	buf_init(&w);
	buf_init(&g);
	window_words(&w, r);
	verifywin_ranges(&g, r);
	if (!failed && !r->windowed)
		printf("verify: intact: %" PRIu64 " links, %" PRIu64
		       " documents, each as chained\n",
		       r->links, r->docs);
	else if (!failed)
		printf("verify: intact: %s%" PRIu64 " links (%" PRIu64
		       " with their neighbours), %" PRIu64
		       " documents, each as chained; only the window was "
		       "checked (%" PRIu64 " documents outside it not)\n",
		       w.data ? w.data : "", r->win_links, r->links_looked,
		       r->docs - r->outside, r->outside);
	else if (r->links == 0)
		printf("verify: no chain in this database (written without "
		       "chaining, or the chain was deleted)\n");
	else if (r->windowed && r->win_links == 0)
		printf("verify: no chain link in the window (%" PRIu64
		       " links outside it): nothing godo wrote then, or its "
		       "links were deleted\n",
		       r->links);
	if (failed)
		printf("verify: FAILED: %s%" PRIu64 " changed, %" PRIu64
		       " added outside a chain, %" PRIu64 " deleted, %" PRIu64
		       " chain problems, %" PRIu64
		       " newest-link problems (%" PRIu64 " links, %" PRIu64
		       " documents)%s\n",
		       w.data ? w.data : "", r->changed, r->added, r->deleted,
		       r->link_bad, r->tail_bad,
		       r->windowed ? r->links_looked : r->links,
		       r->docs - r->outside, g.data ? g.data : "");
	buf_free(&w);
	buf_free(&g);
}

/* windowed: o's -since/-until apply. */
static int
check(const struct opts *o, FILE *out, struct verify_result *r, bool windowed)
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
	if (v != NULL && windowed)
		verify_set_window(v, o->since, o->until);
	if (v != NULL && read_all(db, v, windowed) == 0) {
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
verifydb_check(const struct opts *o, FILE *out, struct verify_result *r)
{
	return check(o, out, r, false);
}

int
verifydb_run(const struct opts *o)
{
	struct verify_result r;
	int rc = check(o, stdout, &r, true);

	if (rc != 0)
		return rc;
	summary(&r, verify_failed(&r));
	return verify_failed(&r) ? 1 : 0;
}

void
verifydb_ranges(const struct verify_result *r, struct model_verify *mv)
{
	const struct verify_range *g;
	struct model_verify_range *m;
	int k, c;

	mv->nrange = 0;
	/* a database written without chaining: every document "added" */
	if (verify_unchained(r) || !verify_failed(r))
		return;
	for (k = 0; k < VK_NKIND; k++)
		for (c = 0; c < VERIFY_NCOLL; c++) {
			g = &r->range[k][c];
			if (g->n == 0 || mv->nrange == MODEL_VERIFY_RANGES)
				continue;
			m = &mv->range[mv->nrange++];
			m->kind = verify_kind_name(k);
			m->coll = verifywin_coll_name(c);
			m->n = g->n;
			m->from = g->lo <= g->hi ? g->lo : NS_NONE;
			/* a task still running when written: no end known */
			m->to = g->lo <= g->hi && g->hi != INT64_MAX ? g->hi
			                                             : NS_NONE;
		}
}
