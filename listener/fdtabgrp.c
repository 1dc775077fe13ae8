/* fdtabgrp.c - fdtab's tables shared by processes (fdtab.h, fdgroup.h). */
#include "fdtab_impl.h"
#include "proctab.h"

void
fdtab_set_groups(struct fdtab *t, struct fdgroup *g)
{
	t->groups = g;
}

/* from's entries become to's (to holds none: a member): rehashed,
 * rechained. */
static void
rekey(struct fdtab *t, struct task *from, struct task *to)
{
	while (from->fds != NULL) {
		struct fdent *e = from->fds;

		if (!e->shadow)
			fdtab_unhash(t, e);
		*e->pprev = e->pnext;
		if (e->pnext != NULL)
			e->pnext->pprev = e->pprev;
		e->tgid = to->tgid;
		e->proc = to;
		if (!e->shadow) {
			uint32_t h = hash_fd(t->nbucket, e->tgid, e->fd);

			e->hnext = t->bucket[h];
			t->bucket[h] = e;
		}
		fdtab_chain(e, to);
	}
}

/* proc holds a table other processes share: it passes to one of them.
 * Returns that heir, or NULL when proc holds nobody's. */
static struct task *
pass_on(struct fdtab *t, struct task *proc)
{
	struct task *heir;

	if (t->groups == NULL || !fdgroup_has_members(t->groups, proc))
		return NULL;
	heir = fdgroup_heir(t->groups, proc);
	/* a member holds no entries of its own; the map must never point
	 * at proc again whatever it holds */
	rekey(t, proc, heir);
	fdgroup_move(t->groups, proc, heir);
	return heir;
}

bool
fdtab_group_keep(struct fdtab *t, struct task *proc)
{
	if (t->groups == NULL)
		return false;
	if (fdtab_holder(t, proc) != proc) { /* a member: it only leaves */
		fdgroup_leave(t->groups, proc);
		return true;
	}
	return pass_on(t, proc) != NULL;
}

bool
fdtab_share(struct fdtab *t, struct task *parent, struct task *child,
            int64_t ns)
{
	if (t->groups == NULL || child->fds != NULL ||
	    !fdgroup_join(t->groups, child, parent)) {
		fdtab_inherit(t, parent, child, ns);
		return false;
	}
	return true;
}

void
fdtab_unshare(struct fdtab *t, struct task *proc, int64_t ns)
{
	struct task *h;

	if (t->groups == NULL)
		return;
	h = fdtab_holder(t, proc);
	if (h != proc) {
		fdgroup_leave(t->groups, proc);
		fdtab_inherit(t, h, proc, ns);
		return;
	}
	h = pass_on(t, proc);
	if (h != NULL)
		fdtab_inherit(t, h, proc, ns);
}

void
fdtab_forget(struct fdtab *t, struct task *proc)
{
	if (t->groups != NULL)
		(void)fdtab_group_keep(t, proc);
}
