/* cli.h - the filter's command line: settings checked and completed
 * before anything is read, and its error line. */
#ifndef GODO_CLI_H
#define GODO_CLI_H

#include <stdint.h>

#include "opts.h"

/* One error line on stderr: "filter: error: ..." (the CLI's failures;
 * log.h has warnings only, and fatal() exits). Callers log with it at the
 * point of failure and return -1. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Checks o (format, databases, -max-procs, -tz), infers a format not given
 * (NULL) from -o's extension, drops empty -container and
 * -host, clears o->out under -no-save (NULL: nothing is written), and turns
 * -since/-until into o->since/o->until (relative to now_ns, kept as o->now).
 * -1 after one error line. */
int cli_check(struct opts *o, int64_t now_ns);

#endif
