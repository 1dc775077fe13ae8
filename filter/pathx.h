/* pathx.h - lexical path cleaning for recorded file names: Go's
 * path.Clean on bytes (".", "..", "//" removed; ".." at the root stays at
 * the root), and resolution of relative names against a cwd. Pure
 * functions, no file system access. */
#ifndef GODO_PATHX_H
#define GODO_PATHX_H

#include <stddef.h>

/* Cleans p[0..n) into out (capacity at least n + 2). Returns the length
 * written; out is NUL-terminated. An empty path cleans to ".". */
size_t pathx_clean(const char *p, size_t n, char *out);
/* Joins cwd and a relative path (an absolute path ignores cwd) and
 * cleans; *out is malloc'd and NUL-terminated. Returns its length. A
 * relative path with no cwd (cwd NULL) is only cleaned. */
size_t pathx_resolve(const char *cwd, size_t cwdn, const char *p, size_t n,
                     char **out);

#endif
