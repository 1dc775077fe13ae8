/* path.h - lexical path cleaning, as Go's path.Clean: collapse "//", drop
 * ".", resolve ".." against the preceding element (never above "/"). Bytes
 * are kept as they are (paths may hold any byte but NUL and '/'). */
#ifndef GODO_PATH_H
#define GODO_PATH_H

#include <stddef.h>

/* Joins base (used only when p is relative; may be NULL) and p, cleans the
 * result into out (NUL-terminated). Returns its length, or -1 when it does
 * not fit in outsz. */
long path_resolve(const char *base, size_t baselen, const char *p, size_t plen,
                  char *out, size_t outsz);
/* The offset in p[0..n) of its last component (after the last '/'; 0
 * without one). */
size_t path_base(const char *p, size_t n);

#endif
