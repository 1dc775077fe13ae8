/* main.c - filter: reads godo's raw documents after an incident and shows,
 * per container, what ran and what was changed. Flags, then load -> repair
 * -> tree -> history -> save -> render; the only caller of exit(). */
#include <errno.h>
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flags.h"
#include "history.h"
#include "load.h"
#include "log.h"
#include "model.h"
#include "opts.h"
#include "render.h"
#include "repair.h"
#include "save.h"
#include "schema.h"
#include "tree.h"
#include "util.h"

#define DEFAULT_MAX_PROCS 500000

static int
parse_window(struct opts *o)
{
	int64_t now = util_wall_ns();

	o->since = INT64_MIN;
	o->until = INT64_MAX;
	if (o->since_s != NULL &&
	    util_parse_time(o->since_s, now, &o->since) != 0) {
		fprintf(stderr,
		        "filter: error: bad -since: want RFC 3339 "
		        "(2026-11-25T19:40:30Z) or a duration like 2h\n");
		return -1;
	}
	if (o->until_s != NULL &&
	    util_parse_time(o->until_s, now, &o->until) != 0) {
		fprintf(stderr,
		        "filter: error: bad -until: want RFC 3339 "
		        "(2026-11-25T19:40:30Z) or a duration like 2h\n");
		return -1;
	}
	if (o->since > o->until) {
		fprintf(stderr, "filter: error: -since is after -until\n");
		return -1;
	}
	return 0;
}

static int
check_opts(struct opts *o)
{
	if (strcmp(o->format, "text") != 0 && strcmp(o->format, "json") != 0 &&
	    strcmp(o->format, "html") != 0) {
		fprintf(
		    stderr,
		    "filter: error: bad -format: want text, json or html\n");
		return -1;
	}
	if (o->db[0] == '\0' || o->out[0] == '\0') {
		fprintf(stderr,
		        "filter: error: -db and -out must not be empty\n");
		return -1;
	}
	if (!o->no_save && strcmp(o->db, o->out) == 0) {
		fprintf(stderr,
		        "filter: error: -out must differ from -db: the raw "
		        "database is never written\n");
		return -1;
	}
	if (o->max_procs == 0) {
		fprintf(stderr, "filter: error: -max-procs must be positive\n");
		return -1;
	}
	if (o->container != NULL && o->container[0] == '\0')
		o->container = NULL;
	if (o->host != NULL && o->host[0] == '\0')
		o->host = NULL;
	return parse_window(o);
}

/* load -> repair -> tree -> history -> save -> render */
static int
run(const struct opts *o)
{
	struct loader *l;
	struct model *m = NULL;
	FILE *out = stdout;
	int rc = 1, wrc;

	l = load_open(o);
	if (l == NULL)
		return 1;
	if (load_check_empty(l) != 0)
		goto done;
	m = model_new((size_t)o->max_procs);
	if (load_tree(l, m) != 0)
		goto done;
	if (m->nprocs == 0)
		log_warnx("no dockerd or containerd (star) process found%s",
		          o->host ? " for that host" : "");
	tree_build(m, o);
	repair_threads(m);
	history_containers(m, o);
	if (tree_select(m, o) != 0 || load_fill(l, m) != 0)
		goto done;
	tree_sort(m);
	if (load_files(l, m) != 0 || load_gaps(l, m) != 0)
		goto done;
	repair_files(m, o);
	render_sort_files(m);
	history_paths(m);
	if (!o->no_save && save_run(load_client(l), m, o) != 0)
		goto done;
	if (o->output != NULL && strcmp(o->output, "-") != 0) {
		out = fopen(o->output, "w");
		if (out == NULL) {
			model_error("open %s: %s", o->output, strerror(errno));
			goto done;
		}
	}
	if (strcmp(o->format, "json") == 0)
		wrc = render_json(out, m, o);
	else if (strcmp(o->format, "html") == 0)
		wrc = render_html(out, m, o);
	else
		wrc = render_text(out, m, o);
	if (wrc != 0)
		model_error("writing the output: %s", strerror(errno));
	else
		rc = 0;
	if (out != stdout && fclose(out) != 0) {
		model_error("close %s: %s", o->output, strerror(errno));
		rc = 1;
	}
done:
	model_free(m);
	load_close(l);
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
	    {"out", FLAG_STR, &o.out,
	     "cleaned database; its processes and files collections are "
	     "replaced",
	     NULL},
	    {"no-save", FLAG_BOOL, &o.no_save,
	     "do not write the cleaned database", NULL},
	    {"format", FLAG_STR, &o.format, "output format: text, json or html",
	     NULL},
	    {"o", FLAG_STR, &o.output,
	     "write the output to FILE (- for stdout)", "output"},
	    {"since", FLAG_STR, &o.since_s,
	     "window start: RFC 3339 or a duration before now (90s, 15m, "
	     "2h, 3d)",
	     NULL},
	    {"until", FLAG_STR, &o.until_s, "window end: as -since", NULL},
	    {"container", FLAG_STR, &o.container,
	     "only this container: id prefix or name", NULL},
	    {"host", FLAG_STR, &o.host, "only this host of a shared database",
	     NULL},
	    {"docker-root", FLAG_STR, &o.docker_root,
	     "Docker's data directory (container names and images)", NULL},
	    {"max-procs", FLAG_U64, &o.max_procs,
	     "refuse to load more processes than this", NULL},
	    {"verbose", FLAG_BOOL, &o.verbose, "debug messages", "v"},
	    {"version", FLAG_BOOL, &o.version, "print the version", NULL},
	};
	int ntab = (int)(sizeof(tab) / sizeof(tab[0]));

	memset(&o, 0, sizeof(o));
	o.mongo = DEFAULT_MONGO;
	o.db = DEFAULT_RAW_DB;
	o.out = DEFAULT_OUT_DB;
	o.format = "text";
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
	if (check_opts(&o) != 0)
		return 2;
	mongoc_init();
	rc = run(&o);
	mongoc_cleanup();
	return rc;
}
