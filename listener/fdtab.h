/* fdtab.h - files godo's recorded processes hold open: written files (with
 * their writes aggregated in memory until close or flush) and directories
 * (so *at() calls can be resolved against a dirfd's path). Keyed by
 * (tgid, fd); each process also chains its entries for exit. */
#ifndef GODO_FDTAB_H
#define GODO_FDTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schema.h"

#define FDENT_ID_MAX 128

struct fdent {
	int32_t tgid, fd;
	bool dir;    /* a directory (or O_PATH) open: only its path matters */
	bool in_fds; /* a document for it exists in the fds collection */
	bool dirty;  /* changed since it was last written to the store */
	char *path;  /* owned; cleaned absolute path as the process sees it */
	size_t pathlen;
	char id[FDENT_ID_MAX];
	uint64_t flags;
	int64_t open_ns;
	uint64_t wcount, wbytes;
	int64_t first_w, last_w;
	int64_t written[WRITTEN_MAX];
	unsigned int nwritten;
	struct fdent *hnext;              /* hash chain */
	struct fdent *pnext, **pprev;     /* per-process chain */
};

struct fdtab_stats {
	uint32_t size, high, cap;
	uint64_t dropped; /* opens not tracked because the table was full */
};

struct fdtab;

struct fdtab *fdtab_new(uint32_t cap);
void fdtab_free(struct fdtab *t);
struct fdent *fdtab_get(struct fdtab *t, int32_t tgid, int32_t fd);
/* New entry linked into *proc_head; path copied. NULL when full. */
struct fdent *fdtab_add(struct fdtab *t, int32_t tgid, int32_t fd,
    const char *path, size_t pathlen, struct fdent **proc_head);
void fdtab_del(struct fdtab *t, struct fdent *e);
typedef void fdtab_fn(struct fdent *e, void *arg);
void fdtab_foreach(struct fdtab *t, fdtab_fn *fn, void *arg);
void fdtab_get_stats(const struct fdtab *t, struct fdtab_stats *out);

#endif
