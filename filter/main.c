/* main.c - filter: reads godo's raw documents after an incident and shows,
 * per container, what ran and what was changed. Flags, then, in the order
 * run() calls them: read the raw pids into the index; the tree stages
 * (stages_tree: discover the Docker tree, repair threads, window, identify
 * containers, select, fill in the kept processes); read their files and
 * the gaps; the file stages (stages_files: repair, order, host paths);
 * save; render. The only caller of exit(). */
#include <errno.h>
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dbconn.h"
#include "containers.h"
#include "discover.h"
#include "flags.h"
#include "log.h"
#include "mem.h"
#include "model.h"
#include "opts.h"
#include "pindex.h"
#include "rawdb.h"
#include "render.h"
#include "save.h"
#include "schema.h"
#include "stages.h"
#include "util.h"
#include "verifydb.h"

#define DEFAULT_MAX_PROCS 500000
/* the report is printed but leaves something out (docs/output.md) */
#define EXIT_INCOMPLETE 3

/* The tree's processes: one scan of pids into the index, then the
 * stages over it (stages.h). */
static int
read_tree(struct rawdb *db, const struct discover *d)
{
	struct pindex *ix = pindex_new(d->o->until);
	int rc = -1;

	/* the identities godo recorded: -container matches them */
	if (ix != NULL &&
	    rawdb_read_containers(db, containers_doc, d->m) == 0 &&
	    rawdb_read_pids(db, pindex_add, ix) == 0 && stages_tree(d, ix) == 0)
		rc = 0;
	pindex_free(ix);
	return rc;
}

/* The kept processes' files (files first: a document in both, moved at
 * close, is the closed one) and the gaps of the window. */
static int
read_files(struct rawdb *db, struct discover *d)
{
	char **ids;
	size_t n = discover_kept_ids(d->m, &ids);
	int rc = -1;

	if (rawdb_read_files(db, COLL_FILES, ids, n, discover_file, d) == 0 &&
	    rawdb_read_files(db, COLL_FDS, ids, n, discover_fd, d) == 0 &&
	    rawdb_read_gaps(db, discover_gap, d) == 0)
		rc = 0;
	free(ids);
	return rc;
}

struct unreadable {
	struct skipped *s;
	uint64_t listed;
};

static void
skip_unreadable(const char *coll, const char *label, void *arg)
{
	struct unreadable *u = arg;

	model_skip(u->s, coll, mem_strdup(label));
	u->listed++;
}

/* Stored documents the reader could not read (-store-dir's malformed
 * rows) are the report's unreadable documents too. */
static void
add_unreadable(struct rawdb *db, struct model *m)
{
	struct unreadable u = {&m->skipped, 0};
	uint64_t n = rawdb_each_unreadable(db, skip_unreadable, &u);

	m->skipped.n += (size_t)(n - u.listed);
}

/* The report in o->format to -o (stdout by default). -1 after one error
 * line. */
static int
render(const struct model *m, const struct opts *o)
{
	FILE *out = stdout;
	int rc = 0;

	if (o->output != NULL && strcmp(o->output, "-") != 0) {
		out = fopen(o->output, "w");
		if (out == NULL) {
			cli_error("open %s: %s", o->output, strerror(errno));
			return -1;
		}
	}
	if (strcmp(o->format, "json") == 0)
		rc = render_json(out, m, o);
	else if (strcmp(o->format, "html") == 0)
		rc = render_html(out, m, o);
	else
		rc = render_text(out, m, o);
	if (out != stdout && fclose(out) != 0) {
		cli_error("close %s: %s", o->output, strerror(errno));
		rc = -1;
	}
	return rc;
}

/* -out must not hold raw data: 0, 2 (refused) or 1 (store error), after
 * one error line. */
static int
check_out(const struct opts *o)
{
	bool raw;

	if (o->out == NULL)
		return 0;
	if (save_out_is_raw(o, &raw) != 0)
		return 1;
	if (!raw)
		return 0;
	cli_error("-out %s holds godo raw data (pids, gaps or runs): it is "
	          "never written",
	          o->out);
	return 2;
}

/* The record's chains (of -host; the whole record, not only the window),
 * for the report's first lines, unless -no-verify. 0, or the exit status
 * of a store error or a bad -chain-key / -chain-head (one error line). */
static int
check_record(struct model *m, const struct opts *o)
{
	struct verify_result r;
	int rc;

	if (o->no_verify)
		return 0;
	rc = verifydb_check(o, NULL, &r);
	if (rc != 0)
		return rc;
	m->verify.links = r.links;
	m->verify.docs = r.docs;
	m->verify.problems =
	    r.changed + r.added + r.deleted + r.link_bad + r.tail_bad;
	verifydb_ranges(&r, &m->verify);
	if (verify_unchained(&r))
		m->verify.state = MV_NO_CHAIN;
	else if (verify_failed(&r))
		m->verify.state = MV_FAILED;
	else
		m->verify.state = MV_INTACT;
	return 0;
}

static int
run(const struct opts *o)
{
	struct discover d = {NULL, o};
	struct rawdb *db = rawdb_open(o);
	int rc = 1;

	if (db == NULL)
		return 1;
	rc = check_out(o);
	if (rc != 0)
		goto done;
	rc = 1;
	if (rawdb_check_empty(db) != 0)
		goto done;
	d.m = model_new((size_t)o->max_procs);
	if (read_tree(db, &d) != 0 || read_files(db, &d) != 0)
		goto done;
	add_unreadable(db, d.m);
	rawdb_close(db); /* ends the progress line before the report */
	db = NULL;
	rc = check_record(d.m, o);
	if (rc != 0)
		goto done;
	stages_files(&d);
	/* a failed save still shows the report: it is what the responder
	 * came for */
	rc = o->out != NULL && save_run(d.m, o) != 0 ? 1 : 0;
	if (render(d.m, o) != 0)
		rc = 1;
	else if (rc == 0 && model_incomplete(d.m))
		rc = EXIT_INCOMPLETE;
done:
	model_free(d.m);
	rawdb_close(db);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o;
	int idx, rc;
	struct flag tab[] = {
	    {"mongo", FLAG_STR, &o.mongo,
	     "store: host:port or a mongodb:// URI", NULL},
	    {"db", FLAG_STR, &o.db, "raw database (godo's)", NULL},
	    {"store-dir", FLAG_STR, &o.store_dir,
	     "read the raw database straight from the files of the local "
	     "FerretDB store (SQLite handler) in DIR, scripts/store.sh's "
	     "-d (e.g. /var/lib/godo/store), instead of over the wire: "
	     "much faster on a large database; -mongo is then used only "
	     "by -out",
	     NULL},
	    {"out", FLAG_STR, &o.out,
	     "save the cleaned database here (its processes and files "
	     "collections are replaced; never one holding raw data); "
	     "default: nothing is written",
	     NULL},
	    {"no-save", FLAG_BOOL, &o.no_save,
	     "do not write the cleaned database (the default; overrides "
	     "-out)",
	     NULL},
	    {"format", FLAG_STR, &o.format,
	     "output format: text, json or html (default: from -o's "
	     "extension .json, .html, .htm, .txt; else text)",
	     NULL},
	    {"o", FLAG_STR, &o.output,
	     "write the output to FILE (- for stdout)", "output"},
	    {"since", FLAG_STR, &o.since_s,
	     "window start: RFC 3339, a duration before now (90s, 15m, "
	     "2h, 3d), now, recent, today or yesterday",
	     NULL},
	    {"until", FLAG_STR, &o.until_s, "window end: as -since", NULL},
	    {"tz", FLAG_STR, &o.tz,
	     "zone of the times shown: utc (default) or local (with its "
	     "offset, e.g. +01:00)",
	     NULL},
	    {"container", FLAG_STR, &o.container,
	     "only this container: id prefix, name, image or label "
	     "key=value",
	     NULL},
	    {"host", FLAG_STR, &o.host, "only this host of a shared database",
	     NULL},
	    {"docker-root", FLAG_STR, &o.docker_root,
	     "Docker's data directory (container names and images)", NULL},
	    {"max-procs", FLAG_U64, &o.max_procs,
	     "refuse to load more processes than this", NULL},
	    {"verify", FLAG_BOOL, &o.verify,
	     "check the chains godo wrote against the stored documents "
	     "(-host applies; -since/-until: only that window) and exit: 0 "
	     "intact, 1 anything changed, deleted, added or out of order",
	     NULL},
	    {"no-verify", FLAG_BOOL, &o.no_verify,
	     "do not check the record's chains before the report (it "
	     "then says \"record not checked\"; saves a second read)",
	     NULL},
	    {"chain-head", FLAG_STR, &o.chain_head,
	     "with -verify: a head godo logged or saved (\"run=... seq=... "
	     "dg=...\"): also find the newest links deleted",
	     NULL},
	    {"chain-key", FLAG_STR, &o.chain_key,
	     "with -verify: the host key godo ran with (-chain-key)", NULL},
	    {"verbose", FLAG_BOOL, &o.verbose, "debug messages", "v"},
	    {"version", FLAG_BOOL, &o.version, "print the version", NULL},
	};
	int ntab = (int)(sizeof(tab) / sizeof(tab[0]));

	memset(&o, 0, sizeof(o));
	o.mongo = DEFAULT_MONGO;
	o.db = DEFAULT_RAW_DB;
	o.out = NULL;
	o.format = NULL; /* from -o's extension, else text (cli_check) */
	o.docker_root = "/var/lib/docker";
	o.max_procs = DEFAULT_MAX_PROCS;
	log_init("filter", LOG_LVL_WARN);
	idx = flags_parse(tab, ntab, argc, argv);
	if (idx == FLAGS_HELP) {
		flags_usage(stdout, "filter [flags]", tab, ntab);
		return 0;
	}
	if (idx < 0)
		return 2;
	if (idx < argc) {
		fprintf(stderr,
		        "filter: error: unexpected argument (see -h)\n");
		return 2;
	}
	if (o.version) {
		printf("filter %s\n", GODO_VERSION);
		return 0;
	}
	if (o.verbose)
		log_init("filter", LOG_LVL_DEBUG);
	if (cli_check(&o, util_wall_ns()) != 0)
		return 2;
	dbconn_init();
	rc = o.verify ? verifydb_run(&o) : run(&o);
	mongoc_cleanup();
	return rc;
}
