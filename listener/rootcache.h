/* rootcache.h - tasks' roots held open for path resolution, found by what
 * the root is, not by which task asked.
 *
 * Resolving a path under a task's root (pathres.h) opened
 * <proc_root>/<tgid>/root and read its path back for every file event:
 * three syscalls of the seven a path costs. The processes of one
 * container, and every host process, share one root, so the cache keeps a
 * few roots open and finds one by a single statx of the task's root link:
 * its mount id and inode name exactly one root while the cache holds that
 * mount (a live mount's id is never reused). Whatever the task's root is
 * at the moment of the statx - a pid reused, a chroot, a pivot_root, a
 * setns - decides which entry answers, so nothing has to tell the cache
 * that a root changed.
 *
 * Bounded: ROOTCACHE_SLOTS descriptors at most, least recently used
 * replaced first; an entry unused for ROOTCACHE_IDLE_MS is closed at the
 * next tick, so godo does not pin a removed container's mount for long.
 * A root whose printed path is longer than ROOTCACHE_ROOT_MAX, or a kernel
 * without STATX_MNT_ID, is answered uncached (an fd the caller closes).
 *
 * Roots the proc helper answered (-privsep: /proc refuses the recorder the
 * root of a task holding capabilities it lacks) are also remembered per
 * task: asking the helper costs a round trip and a context switch per
 * file event, twice godo's CPU per event where containers run as root.
 * A task's memo is used for at most ROOTCACHE_MEMO_MS, and forgotten
 * sooner when its events say its root may have changed (pivot_root,
 * setns, unshare, mount, umount: rootcache_forget) or it exits. A root
 * changed without such an event (chroot(2), which godo does not audit;
 * a root shared through CLONE_FS) is seen when the memo expires; until
 * then the path is resolved under the previous root and checked against
 * the PATH record's inode as every path is (pathres.h): a file that is
 * not the one the kernel named is marked unverified, never confirmed.
 * The memo is direct-mapped by tgid (ROOTCACHE_MEMO slots, 8 KiB).
 * Single-threaded; the struct is embedded by its owner (tracker.h). */
#ifndef GODO_ROOTCACHE_H
#define GODO_ROOTCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ROOTCACHE_SLOTS 16
#define ROOTCACHE_ROOT_MAX 256
#define ROOTCACHE_IDLE_MS 2000
#define ROOTCACHE_MEMO 256
#define ROOTCACHE_MEMO_MS 1000

struct rootcache_ent {
	bool live; /* false: free (a zeroed cache holds nothing) */
	int fd;
	uint64_t mnt_id, ino;
	uint64_t used_ms;
	size_t n; /* length of root */
	char root[ROOTCACHE_ROOT_MAX];
};

struct rootcache_stats {
	uint64_t hits, misses, uncached;
	uint64_t memo_hits; /* roots found by the memo: no helper asked */
};

/* A task's root as the proc helper last gave it. */
struct rootcache_memo {
	pid_t tgid; /* 0: free */
	uint64_t mnt_id, ino;
	uint64_t at_ms; /* when the helper answered */
};

struct rootcache {
	struct rootcache_ent e[ROOTCACHE_SLOTS];
	struct rootcache_memo m[ROOTCACHE_MEMO];
	uint64_t now_ms;
	struct rootcache_stats st;
};

/* An answer: fd is the root (O_PATH directory); root is its path as the
 * kernel prints it from godo's root, NUL-terminated in the caller's
 * buffer. owned: the caller closes fd; else it is the cache's, valid
 * until the next rootcache call. */
struct rootcache_ref {
	int fd;
	bool owned;
	size_t n;
};

/* All slots free (as a zeroed struct is). */
void rootcache_init(struct rootcache *rc);
/* Closes every descriptor held. */
void rootcache_fini(struct rootcache *rc);
/* The loop's clock: entries idle for ROOTCACHE_IDLE_MS are closed. */
void rootcache_tick(struct rootcache *rc, uint64_t now_ms);
/* The root link at path ("<proc_root>/<tgid>/root"; rc NULL: no cache)
 * into *ref, its printed path into buf (cap bytes). 0, or -1 when the
 * task is gone or its root cannot be opened or printed (not logged: a
 * task gone is an ordinary answer). */
int rootcache_open(struct rootcache *rc, const char *path, char *buf,
                   size_t cap, struct rootcache_ref *ref);
/* The same for task tgid's root under proc_root; where /proc refuses it
 * (EACCES, EPERM: no CAP_SYS_PTRACE) asked of procfs's gate (procfs.h:
 * the proc helper), identity first. 0, or -1 (not logged). */
int rootcache_open_task(struct rootcache *rc, const char *proc_root, pid_t tgid,
                        char *buf, size_t cap, struct rootcache_ref *ref);
/* Forgets task tgid's memo: its root may have changed. */
void rootcache_forget(struct rootcache *rc, pid_t tgid);
/* Gives back what rootcache_open answered: closes an owned fd. */
void rootcache_put(struct rootcache_ref *ref);

#endif
