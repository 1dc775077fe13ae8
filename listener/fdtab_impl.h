/* fdtab_impl.h - fdtab's insides, shared by fdtab.c, fdtabgrp.c (the
 * tables processes share) and fdtabinh.c (fork, exec, close_range) only. */
#ifndef GODO_FDTAB_IMPL_H
#define GODO_FDTAB_IMPL_H

#include "fdgroup.h"
#include "fdshare.h"
#include "fdtab.h"
#include "proctab.h"

struct fdtab {
	struct fdent **bucket;
	uint32_t nbucket;
	struct fdtab_stats st;
	struct fdshare share;
	struct membudget *budget;
	uint64_t max_bytes; /* 0: no byte bound of its own */
	fdtab_closed_fn *closed;
	fdtab_drop_fn *drop;
	void *arg;
	struct fdgroup *groups; /* shared tables (fdgroup.h); NULL: none */
};

static inline uint32_t
hash_fd(uint32_t nbucket, int32_t tgid, int32_t fd)
{
	return (((uint32_t)tgid * 2654435761u) ^ ((uint32_t)fd * 40503u)) &
	       (nbucket - 1);
}

/* The task whose entries are proc's descriptors (fdgroup.h). */
static inline struct task *
fdtab_holder(const struct fdtab *t, struct task *proc)
{
	return t->groups != NULL ? fdgroup_holder(t->groups, proc) : proc;
}

/* e joins proc's chain of entries (task.fds). */
static inline void
fdtab_chain(struct fdent *e, struct task *proc)
{
	e->pnext = proc->fds;
	if (proc->fds != NULL)
		proc->fds->pprev = &e->pnext;
	e->pprev = &proc->fds;
	proc->fds = e;
}

/* e leaves its hash chain. */
void fdtab_unhash(struct fdtab *t, struct fdent *e);

/* A new entry for proc's fd in the hash, in proc's chain and in its
 * container's list; path copied. NULL when refused (counted, a gap). */
struct fdent *fdtab_add_entry(struct fdtab *t, struct task *proc, int32_t fd,
                              const char *path, size_t pathlen, int64_t ns);

/* One descriptor goes (by: why); its open file ends with the last one. */
void fdtab_drop_entry(struct fdtab *t, struct fdent *e, const struct task *proc,
                      int64_t ns, const char *by);

/* The shadowed predecessor of e goes (the number was reused). */
void fdtab_drop_prev(struct fdtab *t, struct fdent *e, const struct task *proc,
                     int64_t ns, const char *by);

/* dst (new) refers to what src does: its path kind and open file. */
void fdtab_share_entry(struct fdent *dst, const struct fdent *src);

#endif
