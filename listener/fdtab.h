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

/* An open file description opened for writing: what one open() started.
 * dup()ed descriptors share it; it ends when the last of them is closed. */
struct fsess {
	char id[FDENT_ID_MAX];
	char *path; /* owned; cleaned absolute path as the process sees it */
	size_t pathlen;
	int32_t fd; /* the descriptor open() returned */
	uint64_t flags;
	int64_t open_ns;
	uint64_t wcount, wbytes;
	int64_t first_w, last_w;
	int64_t written[WRITTEN_MAX];
	unsigned int nwritten;
	unsigned int refs; /* descriptors referring to it */
	bool in_fds;       /* a document for it exists in the fds collection */
	bool dirty;        /* changed since it was last written to the store */
};

struct fdent {
	int32_t tgid, fd;
	bool dir;    /* a directory (or O_PATH) open: only its path matters */
	bool shadow; /* replaced by a newer open of the same number whose
	              * events may overtake this one's (other threads) */
	char *path;  /* owned */
	size_t pathlen;
	uint64_t serial;     /* audit serial of the open (or dup) */
	struct fsess *sess;  /* NULL for directories */
	struct fdent *prev;  /* the shadowed previous holder of this number */
	struct fdent *hnext; /* hash chain */
	struct fdent *pnext, **pprev; /* per-process chain */
};

struct fdtab_stats {
	uint32_t size, high, cap;
	uint64_t dropped; /* opens not tracked because the table was full */
};

struct fdtab;

struct fdtab *fdtab_new(uint32_t cap);
void fdtab_free(struct fdtab *t);
struct fdent *fdtab_get(struct fdtab *t, int32_t tgid, int32_t fd);
/* New entry linked into *proc_head; path copied. NULL when full. The
 * caller fills sess. */
struct fdent *fdtab_add(struct fdtab *t, int32_t tgid, int32_t fd,
                        const char *path, size_t pathlen,
                        struct fdent **proc_head);
/* Unlinks e (hash and process chain) and frees it; its session is the
 * caller's. */
void fdtab_del(struct fdtab *t, struct fdent *e);
/* Takes e out of the hash (lookups find its successor) but keeps it in
 * its process's chain; the successor's prev points at it. */
void fdtab_shadow(struct fdtab *t, struct fdent *e);
typedef void fdtab_fn(struct fdent *e, void *arg);
void fdtab_foreach(struct fdtab *t, fdtab_fn *fn, void *arg);
void fdtab_get_stats(const struct fdtab *t, struct fdtab_stats *out);

#endif
