/* cli.c - see cli.h. */
#include "cli.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

void
cli_error(const char *fmt, ...)
{
	va_list ap;

	/* a progress line (rawdb.c) may be on the terminal: the error
	 * replaces it instead of running on after it */
	if (isatty(STDERR_FILENO) == 1)
		fputs("\r\033[K", stderr);
	fputs("filter: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The years whose every instant fits int64 nanoseconds since 1970
 * (1677-09-21 .. 2262-04-11), with a day to spare for a zone offset. */
#define CLI_YEAR_MIN 1678
#define CLI_YEAR_MAX 2261
#define CLI_RECENT_S 600 /* ausearch's "recent": ten minutes */
#define NS_PER_S 1000000000LL

/* Local midnight days_back days before now_ns, into *ns. */
static int
local_midnight(int64_t now_ns, int days_back, int64_t *ns)
{
	time_t t = (time_t)(now_ns / NS_PER_S);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return -1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday -= days_back;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return -1;
	*ns = (int64_t)t * NS_PER_S;
	return 0;
}

/* ausearch's words: now, recent, today, yesterday. 1 when s is one of
 * them (*ns set), 0 when not, -1 when the clock cannot be read. */
static int
parse_word(const char *s, int64_t now, int64_t *ns)
{
	if (strcmp(s, "now") == 0)
		*ns = now;
	else if (strcmp(s, "recent") == 0)
		*ns = now - CLI_RECENT_S * NS_PER_S;
	else if (strcmp(s, "today") == 0)
		return local_midnight(now, 0, ns) == 0 ? 1 : -1;
	else if (strcmp(s, "yesterday") == 0)
		return local_midnight(now, 1, ns) == 0 ? 1 : -1;
	else
		return 0;
	return 1;
}

/* False for a duration before now that passes int64 nanoseconds (util's
 * parser would wrap), or is not a number (NaN); anything else that is not
 * a duration is left to util's parser to refuse. */
static bool
duration_fits(const char *s, int64_t now)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"s", 1e9}, {"m", 60e9}, {"h", 3600e9}, {"d", 86400e9}};
	char *end;
	double v = strtod(s, &end);
	size_t i;

	if (v != v)
		return false;
	if (end == s || v < 0)
		return true;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].unit) == 0)
			/* now - v*unit stays above INT64_MIN, with margin */
			return v * units[i].ns < (double)now + 9.2e18;
	return true;
}

/* An RFC 3339 date whose year keeps it inside int64 nanoseconds. */
static bool
date_fits(const char *s)
{
	int year = 0, i;

	for (i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '9')
			return true; /* not a date: util's parser refuses it */
		year = year * 10 + (s[i] - '0');
	}
	if (s[4] != '-')
		return true;
	return year >= CLI_YEAR_MIN && year <= CLI_YEAR_MAX;
}

/* s (may be NULL: open) into *ns */
static int
parse_bound(const char *flag, const char *s, int64_t now, int64_t *ns)
{
	int w;

	if (s == NULL)
		return 0;
	w = parse_word(s, now, ns);
	if (w != 0) {
		if (w < 0)
			cli_error("-%s %s: cannot read the local time", flag,
			          s);
		return w > 0 ? 0 : -1;
	}
	if (strchr(s, 'T') == NULL && strchr(s, 't') == NULL
	        ? !duration_fits(s, now)
	        : !date_fits(s)) {
		cli_error("-%s out of range: dates from %d to %d, durations "
		          "up to 290 years",
		          flag, CLI_YEAR_MIN, CLI_YEAR_MAX);
		return -1;
	}
	if (util_parse_time(s, now, ns) == 0)
		return 0;
	cli_error("bad -%s: want RFC 3339 (2026-11-25T19:40:30Z), a "
	          "duration like 2h, or now, recent, today, yesterday",
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

/* -format when not given: from -o's extension (.json, .html, .htm, .txt;
 * any case), else text */
static const char *
format_of(const char *output)
{
	static const char *const ext[][2] = {{".json", "json"},
	                                     {".html", "html"},
	                                     {".htm", "html"},
	                                     {".txt", "text"}};
	const char *dot = output ? strrchr(output, '.') : NULL;
	size_t i;

	if (dot == NULL || strchr(dot, '/') != NULL)
		return "text";
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
		if (strcasecmp(dot, ext[i][0]) == 0)
			return ext[i][1];
	return "text";
}

int
cli_check(struct opts *o, int64_t now_ns)
{
	o->now = now_ns;
	o->tz_local = o->tz != NULL && strcasecmp(o->tz, "local") == 0;
	if (o->tz != NULL && !o->tz_local && strcasecmp(o->tz, "utc") != 0) {
		cli_error("bad -tz %s: want utc or local", o->tz);
		return -1;
	}
	if (o->format == NULL)
		o->format = format_of(o->output);
	if (strcmp(o->format, "text") != 0 && strcmp(o->format, "json") != 0 &&
	    strcmp(o->format, "html") != 0) {
		cli_error("bad -format %s: want text, json or html", o->format);
		return -1;
	}
	if (o->db[0] == '\0' || (o->out != NULL && o->out[0] == '\0')) {
		cli_error("-db and -out must not be empty");
		return -1;
	}
	if (o->no_save)
		o->out = NULL;
	/* store database names clash regardless of case */
	if (o->out != NULL && strcasecmp(o->db, o->out) == 0) {
		cli_error("-out must differ from -db: the raw database is "
		          "never written");
		return -1;
	}
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
