/* fdinherit.h - forks whose descriptor table has not been copied yet.
 * The connector's FORK is read before the parent's last audit events
 * (audit lags): the parent's open of a descriptor its child inherits may
 * not be known at FORK. The copy (fdtab_inherit) waits for the first of
 * the parent's clone audit event (in the audit stream after everything the
 * parent did before the fork) and the child's first audit event (after
 * them too). Fixed size, direct-mapped by child pid: a fork that finds its
 * slot taken hands the older one back to be copied at once. */
#ifndef GODO_FDINHERIT_H
#define GODO_FDINHERIT_H

#include <stdbool.h>
#include <stdint.h>

#define FDINHERIT_SLOTS 1024u

struct fdinherit {
	struct fdinherit_slot {
		int32_t child, parent; /* pid, parent tgid; child 0: free */
		bool shared; /* CLONE_FILES: share the table, not a copy */
	} slot[FDINHERIT_SLOTS];
};

/* One pending fork: child (pid) of parent (tgid), sharing its table or
 * not (CLONE_FILES: joined, not copied, in the audit stream's order too:
 * an exec of the parent before the clone must not unshare the child). */
struct fdinherit_fork {
	int32_t child, parent;
	bool shared;
};

/* child inherits (or shares) parent's table when it is taken. Returns
 * true when an older pending fork had the slot: it is in *old, to apply
 * now. */
bool fdinherit_note(struct fdinherit *fi, const struct fdinherit_fork *f,
                    struct fdinherit_fork *old);
/* The pending fork a clone event of parent (tgid) that returned child
 * names: child's, when its parent is parent; else, child being a pid of
 * another namespace, the one fork of parent pending (none when several:
 * they wait for their own first events). */
bool fdinherit_take_clone(struct fdinherit *fi, int32_t child, int32_t parent,
                          struct fdinherit_fork *f);
/* Would fdinherit_take_clone find a fork? (It takes nothing.) */
bool fdinherit_has_clone(struct fdinherit *fi, int32_t child, int32_t parent);
/* Is child's copy pending? Then it is no more, the fork in *f. */
bool fdinherit_take(struct fdinherit *fi, int32_t child,
                    struct fdinherit_fork *f);

#endif
