/* log.h - one line per message on stderr, level first; OpenNTPD's shape.
 * Messages about outside strings must pass them through esc_log() first. */
#ifndef GODO_LOG_H
#define GODO_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* prog names every line; level is the most verbose level printed. */
void log_init(const char *prog, int level);
int log_get_level(void);
/* The program name lines start with (log_init's prog, "godo" before). */
const char *log_name(void);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Log with strerror(errno) (fatal) or without (fatalx), then exit(1). */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
