/* fdgroup.h - processes that share one descriptor table (clone with
 * CLONE_FILES but without CLONE_THREAD): a member's descriptors are its
 * holder's entries in fdtab, so an open, dup or close by any of them is
 * seen by all, and a write through a descriptor a sibling opened after the
 * clone is counted on that session, the writer itself listed. fdtab maps
 * a member to its holder on every lookup (fdtab_set_groups); the holder's
 * entries move to a member when the holder leaves first (fdtab.h). A
 * bounded open-addressing map by member tgid: a process that finds it
 * full gets a copy of the table instead (counted in full; the tracker
 * makes it a gap "fd_share").
 * Task pointers are borrowed: the tracker removes a task (fdgroup_forget,
 * through fdtab) before its slot goes. */
#ifndef GODO_FDGROUP_H
#define GODO_FDGROUP_H

#include <stdbool.h>
#include <stdint.h>

#define FDGROUP_SLOTS 512u
#define FDGROUP_MEMBERS_MAX 256u

struct task;

struct fdgroup {
	struct fdgroup_slot {
		int32_t tgid; /* 0: free, -1: deleted */
		struct task *member, *holder;
	} slot[FDGROUP_SLOTS];
	uint32_t n;    /* members */
	uint64_t full; /* joins refused: the map was full */
};

/* The task whose entries are proc's descriptors: its holder, or proc. */
struct task *fdgroup_holder(const struct fdgroup *g, struct task *proc);
/* The tgid whose entries are tgid's descriptors. */
int32_t fdgroup_key(const struct fdgroup *g, int32_t tgid);
/* Is some member's holder h? */
bool fdgroup_has_members(const struct fdgroup *g, const struct task *h);
/* member shares with's table from now on (with's holder when with is a
 * member). false when the map is full (counted in full) or member is
 * with's holder. */
bool fdgroup_join(struct fdgroup *g, struct task *member, struct task *with);
/* member has a table of its own again (exec, unshare, its slot going). */
void fdgroup_leave(struct fdgroup *g, const struct task *member);
/* A live member of h's table (not exited; else any), NULL when none. */
struct task *fdgroup_heir(const struct fdgroup *g, const struct task *h);
/* Every member of from's table now holds it through to (a member that
 * becomes the holder leaves the map). */
void fdgroup_move(struct fdgroup *g, const struct task *from, struct task *to);
/* Do the processes a and b share their descriptor table now? 1 yes, 0 no,
 * -1 unknown (kcmp(2) KCMP_FILES refused, a process gone). */
int fdgroup_kcmp(int32_t a, int32_t b);
/* Always -1: for a proc root that is not the live kernel's. */
int fdgroup_unknown(int32_t a, int32_t b);

#endif
