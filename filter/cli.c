/* cli.c - see cli.h. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util.h"

void
cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("filter: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* s (may be NULL: open) into *ns */
static int
parse_bound(const char *flag, const char *s, int64_t now, int64_t *ns)
{
	if (s == NULL || util_parse_time(s, now, ns) == 0)
		return 0;
	cli_error("bad -%s: want RFC 3339 (2026-11-25T19:40:30Z) or a "
	          "duration like 2h",
	          flag);
	return -1;
}

static int
parse_window(struct opts *o, int64_t now)
{
	o->since = INT64_MIN;
	o->until = INT64_MAX;
	if (parse_bound("since", o->since_s, now, &o->since) != 0 ||
	    parse_bound("until", o->until_s, now, &o->until) != 0)
		return -1;
	if (o->since > o->until) {
		cli_error("-since is after -until");
		return -1;
	}
	return 0;
}

int
cli_check(struct opts *o, int64_t now_ns)
{
	if (strcmp(o->format, "text") != 0 && strcmp(o->format, "json") != 0 &&
	    strcmp(o->format, "html") != 0) {
		cli_error("bad -format: want text, json or html");
		return -1;
	}
	if (o->db[0] == '\0' || (o->out != NULL && o->out[0] == '\0')) {
		cli_error("-db and -out must not be empty");
		return -1;
	}
	/* store database names clash regardless of case */
	if (o->out != NULL && strcasecmp(o->db, o->out) == 0) {
		cli_error("-out must differ from -db: the raw database is "
		          "never written");
		return -1;
	}
	if (o->no_save)
		o->out = NULL;
	if (o->max_procs == 0) {
		cli_error("-max-procs must be positive");
		return -1;
	}
	if (o->container != NULL && o->container[0] == '\0')
		o->container = NULL;
	if (o->host != NULL && o->host[0] == '\0')
		o->host = NULL;
	return parse_window(o, now_ns);
}
