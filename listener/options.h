/* options.h - godo's command line: the flags, their defaults and their
 * ranges. */
#ifndef GODO_OPTIONS_H
#define GODO_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OPTIONS_REPLAY_MAX 256
#define OPTIONS_ARGV_MAX 1024

struct options {
	const char *mongo, *db, *diag, *host, *exclude_exe, *state_dir;
	const char *chain_key;
	const char *daemon_exe; /* -daemon-exe: a trusted daemon executable */
	const char *source, *rules_mode;        /* -source, -rules-mode */
	const char *replay[OPTIONS_REPLAY_MAX]; /* -replay=FILE, repeatable */
	int nreplay;
	uint64_t backlog, spool_max;
	int verbose, stats_s, wait_time, batch_wait_us;
	uint64_t backlog_limit;
	uint64_t proc_cap, fd_cap;
	uint64_t mem_limit;
	bool rules, version, force, all, lock, no_chain;
	bool privsep, no_privsep; /* the store through a writer process */
	bool proctitle;           /* keep PROCTITLE records (rules_excl.h) */
	const char *privsep_user;
};

enum options_result {
	OPTIONS_RUN,  /* parsed: go on */
	OPTIONS_DONE, /* -h or -version answered on stdout: exit 0 */
	OPTIONS_BAD,  /* a bad flag or argument, said on stderr: exit 2 */
};

/* Defaults, then argv. Strings point into argv or static storage. */
enum options_result options_parse(struct options *o, int argc, char **argv);
/* Ranges the flag parser cannot check. -1 with the reason in err. */
int options_check(const struct options *o, char *err, size_t errlen);

/* Whether the store goes through the writer process: on by default,
 * -no-privsep wins over -privsep. */
bool options_privsep(const struct options *o);

#endif
