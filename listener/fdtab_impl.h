/* fdtab_impl.h - fdtab's insides, shared by fdtab.c and fdtabgrp.c (the
 * tables processes share) only. */
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

#endif
