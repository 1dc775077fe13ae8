/* options.c - see options.h. */
#include "options.h"

#include <stdarg.h>
#include <stdio.h>

#include "flags.h"
#include "schema.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

enum options_result
options_parse(struct options *o, int argc, char **argv)
{
	struct flag tab[] = {
	    {"mongo", FLAG_STR, &o->mongo,
	     "store: host:port or a mongodb:// URI", NULL},
	    {"db", FLAG_STR, &o->db, "database for raw documents", NULL},
	    {"diag", FLAG_STR, &o->diag,
	     "append every raw audit record, as text, to this file "
	     "(SIGHUP reopens it)",
	     NULL},
	    {"backlog", FLAG_U64, &o->backlog,
	     "audit netlink receive buffer in bytes (K/M/G suffixes)", NULL},
	    {"backlog-limit", FLAG_U64, &o->backlog_limit,
	     "kernel audit backlog_limit (records queued before audited "
	     "tasks wait or records are lost)",
	     NULL},
	    {"wait-time", FLAG_INT, &o->wait_time,
	     "kernel backlog_wait_time in jiffies (-1: leave as is; 0: "
	     "never make audited tasks wait, lose and count instead)",
	     NULL},
	    {"rules", FLAG_BOOL, &o->rules,
	     "print the audit rules godo installs (auditctl syntax) and "
	     "exit",
	     NULL},
	    {"all", FLAG_BOOL, &o->all,
	     "record every process on the host, not only the Docker tree",
	     NULL},
	    {"host", FLAG_STR, &o->host,
	     "host name stored in every document (default: hostname)", NULL},
	    {"exclude-exe", FLAG_STR, &o->exclude_exe,
	     "do not audit this executable (e.g. a local mongod)", NULL},
	    {"state-dir", FLAG_STR, &o->state_dir,
	     "directory for the spool kept while the store is unreachable",
	     NULL},
	    {"spool-max", FLAG_U64, &o->spool_max,
	     "most bytes spooled (K/M/G); beyond, operations are counted as "
	     "lost and a gap is recorded",
	     NULL},
	    {"force", FLAG_BOOL, &o->force,
	     "take the audit daemon role from a registered daemon", NULL},
	    {"lock", FLAG_BOOL, &o->lock,
	     "lock the audit configuration once the rules are in (enabled=2): "
	     "nobody can change them until reboot, godo neither (its rules "
	     "stay after it exits)",
	     NULL},
	    {"batch-wait", FLAG_INT, &o->batch_wait_us,
	     "microseconds to let records gather after a busy read (fewer "
	     "wake-ups under load; 0: read at once)",
	     NULL},
	    {"proc-cap", FLAG_U64, &o->proc_cap, "task table capacity", NULL},
	    {"fd-cap", FLAG_U64, &o->fd_cap, "open file table capacity", NULL},
	    {"mem-limit", FLAG_U64, &o->mem_limit,
	     "most bytes the task and open-file tables hold (K/M/G); "
	     "beyond, exited tasks and directory descriptors are evicted "
	     "(the flooding container's first) and drops are gaps",
	     NULL},
	    {"stats", FLAG_INT, &o->stats_s,
	     "seconds between stats lines (0: none; SIGUSR1: now)", NULL},
	    {"verbose", FLAG_INT, &o->verbose,
	     "log level: 0 errors, 1 warnings, 2 info, 3 debug", "v"},
	    {"version", FLAG_BOOL, &o->version, "print the version and exit",
	     NULL},
	};
	int ntab = (int)(sizeof(tab) / sizeof(tab[0]));
	int rc;

	o->mongo = DEFAULT_MONGO;
	o->db = DEFAULT_RAW_DB;
	o->backlog = 1024ull * 1024 * 1024;
	o->wait_time = 60000;
	o->backlog_limit = 8192;
	o->verbose = 2;
	o->stats_s = 10;
	o->state_dir = "/var/lib/godo";
	o->spool_max = 1024ull * 1024 * 1024;
	o->proc_cap = 65536;
	o->batch_wait_us = 2000;
	o->fd_cap = 262144;
	o->mem_limit = 64ull * 1024 * 1024;
	rc = flags_parse(tab, ntab, argc, argv);
	if (rc == FLAGS_HELP) {
		flags_usage(stdout, "godo [flags]  (as root)", tab, ntab);
		return OPTIONS_DONE;
	}
	if (rc < 0)
		return OPTIONS_BAD;
	if (rc < argc) {
		fprintf(stderr, "godo: unexpected argument %s (see -h)\n",
		        argv[rc]);
		return OPTIONS_BAD;
	}
	if (o->version) {
		printf("godo %s\n", GODO_VERSION);
		return OPTIONS_DONE;
	}
	return OPTIONS_RUN;
}

int
options_check(const struct options *o, char *err, size_t errlen)
{
	if (o->proc_cap < 1024 || o->proc_cap > (1u << 24) ||
	    o->fd_cap < 1024 || o->fd_cap > (1u << 24))
		return fail(
		    err, errlen,
		    "-proc-cap and -fd-cap must be between 1024 and 16M");
	if (o->mem_limit < 1024 * 1024 || o->mem_limit > (1ull << 40))
		return fail(err, errlen,
		            "-mem-limit must be between 1M and 1T");
	if (o->batch_wait_us < 0 || o->batch_wait_us > 100000)
		return fail(err, errlen,
		            "-batch-wait must be between 0 and 100000 "
		            "microseconds");
	return 0;
}
