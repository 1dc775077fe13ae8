/* spool.h - the on-disk spool of store operations (BSON envelopes, see
 * store.c), appended by whoever cannot hand them on now: store.c while the
 * store is down, the recorder (storelink.h) while its writer lags or is
 * dead. The only wait is one bounded local disk write. */
#ifndef GODO_SPOOL_H
#define GODO_SPOOL_H

#include <stddef.h>

/* Appends len bytes to path (created 0600) and fdatasyncs it. 0 when all
 * were written; -1 logged (the caller counts the operations as lost). */
int spool_append(const char *path, const void *buf, size_t len);
/* Empties path after a replay, keeping the file (its owner and mode);
 * open(O_TRUNC), not truncate(2): the writer's seccomp list
 * (writerbox.c) has openat and ftruncate only. 0, or -1 logged. */
int spool_empty(const char *path);

#endif
