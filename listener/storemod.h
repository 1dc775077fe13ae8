/* storemod.h - finds and loads the store backend, godo-store.so
 * (storemongo.h), into the one process that talks to the store: godo
 * without -privsep (store_new loads it on first use, before privileges
 * are dropped), the writer with -privsep (before its chroot and seccomp
 * filter; the recorder only finds and checks it at start, so that a
 * missing or unsafe module stops godo at once).
 *
 * Where: beside the running executable (readlink /proc/self/exe: the
 * build tree, listener/ or build/<mode>/bin/), else <exe dir>/../lib/godo/
 * (make install: $(PREFIX)/sbin/godo, $(PREFIX)/lib/godo/godo-store.so).
 * Never a search path or an environment variable: the module runs as
 * root. It and its directory must be owned by root (or by the user the
 * process runs as: unit tests, -replay as a user) and writable by no one
 * else; the file checked is the file loaded (opened once, dlopen through
 * /proc/self/fd). Errors fill err (the callers stop with it). */
#ifndef GODO_STOREMOD_H
#define GODO_STOREMOD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "storemongo.h"

#define STOREMOD_NAME "godo-store.so"
/* relative to the executable's directory, when it is not beside it */
#define STOREMOD_LIBDIR "../lib/godo"

/* The module's path for this executable: the first candidate above that
 * exists, checked (storemod_stat_ok, on the file and its directory). -1
 * with err filled: none exists, or the one found is refused. */
int storemod_find(char *path, size_t len, char *err, size_t errlen);
/* Checks path as storemod_find does, dlopens exactly that file, looks up
 * STOREMONGO_SYMBOL and checks its ABI, then lends it the log. Once per
 * process: after a success, later calls return 0 and load nothing. -1
 * with err filled. */
int storemod_load(const char *path, char *err, size_t errlen);
/* storemod_find, then storemod_load. */
int storemod_load_default(char *err, size_t errlen);
/* The loaded backend; NULL before a storemod_load succeeded. */
const struct storemongo_ops *storemod_ops(void);
/* Pure: may a file (dir false: a regular file) or a directory (dir true)
 * with this stat hold code for a process running as euid? Owned by root
 * or euid, not writable by group or others. false with why filled. */
bool storemod_stat_ok(const struct stat *st, uid_t euid, bool dir, char *why,
                      size_t whylen);

#endif
