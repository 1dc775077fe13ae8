/* log.c - stderr logging with levels. State is process-wide by nature: one
 * stderr, one program name. */
#include "log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *log_prog = "godo";
static int log_level = LOG_LVL_INFO;

void
log_init(const char *prog, int level)
{
	log_prog = prog;
	log_level = level;
}

const char *
log_name(void)
{
	return log_prog;
}

int
log_get_level(void)
{
	return log_level;
}

/* Output errors are ignored on purpose: stderr is where an error would be
 * reported. */
static void
vlog(int level, const char *tag, int err, const char *fmt, va_list ap)
{
	char msg[1024];

	if (level > log_level)
		return;
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	if (err)
		(void)fprintf(stderr, "%s: %s: %s: %s\n", log_prog, tag, msg,
		              strerror(err));
	else
		(void)fprintf(stderr, "%s: %s: %s\n", log_prog, tag, msg);
}

/* One body for every entry point: name logs at level with tag, adding
 * strerror(errno) when with_errno; then (void)0 returns and exit(1) does
 * not. errno is left as the caller had it. */
#define LOG_ENTRY(name, level, tag, with_errno, then)                          \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		int e = errno;                                                 \
		va_list ap;                                                    \
                                                                               \
		va_start(ap, fmt);                                             \
		vlog(level, tag, (with_errno) ? e : 0, fmt, ap);               \
		va_end(ap);                                                    \
		errno = e;                                                     \
		then;                                                          \
	}

LOG_ENTRY(log_warn, LOG_LVL_WARN, "warning", true, (void)0)
LOG_ENTRY(log_warnx, LOG_LVL_WARN, "warning", false, (void)0)
LOG_ENTRY(log_info, LOG_LVL_INFO, "info", false, (void)0)
LOG_ENTRY(log_debug, LOG_LVL_DEBUG, "debug", false, (void)0)
LOG_ENTRY(fatal, LOG_LVL_ERROR, "error", true, exit(1))
LOG_ENTRY(fatalx, LOG_LVL_ERROR, "error", false, exit(1))
