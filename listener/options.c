/* options.c - see options.h. */
#include "options.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/* -replay=FILE (or -replay FILE, --replay...) may repeat, which the flag
 * table cannot say: taken out of argv into o->replay before the table
 * parses the rest (into av). -1 when there are too many. */
static int
take_replay(struct options *o, int argc, char **argv, char **av)
{
	int i, n = 0;

	o->nreplay = 0;
	for (i = 0; i < argc && n < OPTIONS_ARGV_MAX - 1; i++) {
		const char *a = argv[i];
		const char *v = NULL;

		if (i > 0 && strcmp(a, "--") == 0) {
			while (i < argc && n < OPTIONS_ARGV_MAX - 1)
				av[n++] = argv[i++];
			break;
		}
		a += (a[0] == '-' && a[1] == '-') ? 2 : a[0] == '-' ? 1 : 0;
		if (i > 0 && a != argv[i] && strncmp(a, "replay=", 7) == 0)
			v = a + 7;
		else if (i > 0 && a != argv[i] && strcmp(a, "replay") == 0 &&
		         i + 1 < argc)
			v = argv[++i];
		if (v == NULL) {
			av[n++] = argv[i];
			continue;
		}
		if (o->nreplay == OPTIONS_REPLAY_MAX) {
			fprintf(stderr, "godo: more than %d -replay files\n",
			        OPTIONS_REPLAY_MAX);
			return -1;
		}
		o->replay[o->nreplay++] = v;
	}
	if (i < argc) {
		fprintf(stderr, "godo: too many arguments\n");
		return -1;
	}
	av[n] = NULL;
	return n;
}

enum options_result
options_parse(struct options *o, int argc, char **argv)
{
	static char *av[OPTIONS_ARGV_MAX];
	const char *replay_help = NULL;
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
	    {"source", FLAG_STR, &o->source,
	     "where audit records come from: unicast (godo is the audit "
	     "daemon), multicast (read beside a registered daemon such as "
	     "auditd: CAP_AUDIT_READ, nothing of its setup changed) or stdin "
	     "(godo as an auditd plugin, format string)",
	     NULL},
	    {"replay", FLAG_STR, &replay_help,
	     "read this auditd log (repeatable; - for stdin; gzip read "
	     "too) offline, write the same documents, exit",
	     NULL},
	    {"rules-mode", FLAG_STR, &o->rules_mode,
	     "with -source=multicast or stdin: install (godo's rules when "
	     "they are not loaded, removed at exit) or none (never touch "
	     "rules)",
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
	    {"chain-key", FLAG_STR, &o->chain_key,
	     "file holding a host key (16 to 256 bytes): the chain's digests "
	     "become HMAC-SHA256 under it, so a store writer without it cannot "
	     "forge them",
	     NULL},
	    {"privsep", FLAG_BOOL, &o->privsep,
	     "privilege separation (the default): an unprivileged writer "
	     "process, without capabilities, talks to the store; the recorder "
	     "never waits on it (spool)",
	     NULL},
	    {"no-privsep", FLAG_BOOL, &o->no_privsep,
	     "one process, root, talks to the store (overrides -privsep)",
	     NULL},
	    {"privsep-user", FLAG_STR, &o->privsep_user,
	     "the writer's user (default godo, else nobody)", NULL},
	    {"no-chain", FLAG_BOOL, &o->no_chain,
	     "do not chain what is written (no digests, no chain documents; "
	     "filter -verify will find nothing to check)",
	     NULL},
	    {"force", FLAG_BOOL, &o->force,
	     "take the audit daemon role from a registered daemon", NULL},
	    {"lock", FLAG_BOOL, &o->lock,
	     "lock the audit configuration once the rules are in (enabled=2): "
	     "nobody can change them until reboot, godo neither (its rules "
	     "stay after it exits)",
	     NULL},
	    {"proctitle", FLAG_BOOL, &o->proctitle,
	     "keep the kernel's PROCTITLE records (args of an exec whose "
	     "EXECVE record was lost); as the audit daemon godo has the "
	     "kernel drop them: a quarter of the records",
	     NULL},
	    {"batch-wait", FLAG_INT, &o->batch_wait_us,
	     "microseconds to let records gather after a busy read (fewer "
	     "wake-ups under load; 0: read at once)",
	     NULL},
	    {"daemon-exe", FLAG_STR, &o->daemon_exe,
	     "a dockerd/containerd executable (absolute path) trusted as a "
	     "daemon without its API socket (docs/schema.md, Roots)",
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
	o->source = "unicast";
	o->rules_mode = "install";
	o->privsep = true; /* issue 19: the network side never runs as root */
	argc = take_replay(o, argc, argv, av);
	if (argc < 0)
		return OPTIONS_BAD;
	argv = av;
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
	if (strcmp(o->source, "unicast") != 0 &&
	    strcmp(o->source, "multicast") != 0 &&
	    strcmp(o->source, "stdin") != 0)
		return fail(err, errlen,
		            "-source must be unicast, multicast or stdin");
	if (strcmp(o->rules_mode, "install") != 0 &&
	    strcmp(o->rules_mode, "none") != 0)
		return fail(err, errlen, "-rules-mode must be install or none");
	if ((o->lock || o->force) && strcmp(o->source, "unicast") != 0)
		return fail(err, errlen,
		            "-lock and -force need -source=unicast (beside "
		            "a daemon godo changes nothing of its setup)");
	return 0;
}

bool
options_privsep(const struct options *o)
{
	return o->privsep && !o->no_privsep;
}
