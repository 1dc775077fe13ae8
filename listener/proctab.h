/* proctab.h - the tasks godo knows, keyed by pid (task id): one current
 * incarnation per pid, and the previous one while its late audit events
 * may still come (proctab_push). An incarnation's identity is (pid, start
 * ticks): task.id = "<boot_id>:<pid>:<start_ticks>" is the _id of its
 * document. Tasks are allocated one by one as they come and the hash grows
 * by rehash, up to cap tasks and the bytes a membudget allows (each task
 * charges sizeof(struct task), the buckets their size); at either bound an
 * exited task is evicted (the one that exited first), a live one never.
 * Fair between containers (as fdtab): each task is charged to the
 * container it is created in (proctab_push_in; its parent's, which a
 * later move to another cgroup does not change). Once the table is three
 * quarters full (entries or budget), a container holding its share (the
 * bound divided by the containers holding tasks) pays for a new task with
 * its own exited tasks, or is refused; at a bound, one below its share
 * takes the first exited task of the container holding most. A fork storm
 * in one container thus leaves a quarter of the table, or more, to the
 * others, and never evicts their exited tasks.
 * Exited tasks are kept for a grace period so late audit events still find
 * them, then swept. A task's address is stable while it is in the table. */
#ifndef GODO_PROCTAB_H
#define GODO_PROCTAB_H

#include <stdbool.h>
#include <stdint.h>

#define TASK_ID_MAX 80

struct fdent;
struct task_doc;
struct ptcont;

/* How far the task's document is: writeback.c's alone. */
struct task_write {
	bool pending;       /* recorded, its pids document not yet written */
	bool written;       /* its pids document exists */
	bool final_due;     /* insert-only store: changed since written, a final
	                     * document is due */
	const char *source; /* what made it recorded: "fork", "exec", ... */
	uint64_t rec_ms;    /* when it became pending (monotonic ms; 0: at
	                     * once, the snapshot) */
	struct task_doc *doc; /* what the document will hold, until written */
};

struct task {
	int32_t pid, tgid, ppid, ptgid;
	uint64_t start_ticks;
	int64_t start_ns;
	char id[TASK_ID_MAX];
	char parent_id[TASK_ID_MAX]; /* "" when unknown */
	char docker_id[65];          /* "" when none */
	char hint_id[65]; /* a container runc or a shim was started for */
	bool cg_gone;     /* exited before its cgroup could be read */
	bool cg_read;     /* its cgroup was read (container or not) */
	bool daemon_exe;  /* an OCI hook runc ran on the host (the daemon's
	                     binary in the bundle directory: container.c) */
	bool thread;
	bool in_tree; /* dockerd/containerd or a descendant: recorded */
	bool daemon;  /* dockerd or containerd itself (field "star") */
	bool root;    /* a root of its own: a usermode helper, a host process
	               * that entered a container (scope.h; field "star") */
	uint32_t exit_status;
	bool exited;
	bool fds_closed; /* its open files were closed at exit */
	int64_t exit_ns;
	uint64_t exit_mono_ms; /* when godo learnt of the exit */
	uint32_t nexec;
	uint32_t seen_scan; /* the last /proc scan that saw it (snapshot.c) */
	struct task_write wb;
	struct fdent *fds; /* open files of this process (leaders only) */
	/* proctab's links */
	struct task *hnext;         /* hash chain (current incarnations) */
	struct task *older;         /* the previous incarnation of pid */
	struct task *anext, *aprev; /* every task, for foreach */
	struct task *xnext, *xprev; /* its container's exited tasks by exit
	                             * time (eviction) */
	bool xlisted;
	struct ptcont *cont; /* the container charged for it */
};

struct proctab_stats {
	uint32_t size, high, cap;
	uint64_t evicted;    /* exited tasks pushed out to make room */
	uint64_t full;       /* adds refused at cap, nothing to evict */
	uint64_t nomem;      /* adds refused by the budget, nothing to evict */
	uint64_t bytes;      /* held: tasks, buckets, container records */
	uint32_t containers; /* containers holding tasks ("" the host) */
	uint64_t share_refused; /* adds refused: the container at its share */
};

struct membudget;

struct proctab;

/* Called before a task's slot is reused or freed (eviction included):
 * the one way a task leaves, so the tracker writes what it holds there
 * (tracker_release_task). */
typedef void proctab_release_fn(struct task *k, void *arg);

/* NULL when out of memory (logged). */
struct proctab *proctab_new(uint32_t cap, proctab_release_fn *release,
                            void *arg);
void proctab_free(struct proctab *t);
struct task *proctab_get(struct proctab *t, int32_t pid);
/* Charge b (borrowed, may be NULL: no byte bound) from now on; call
 * before the first add. */
void proctab_set_budget(struct proctab *t, struct membudget *b);
/* A fresh zeroed task for pid; an incarnation of pid still in the table
 * stays behind it, as with proctab_push. NULL when full or over the budget
 * and nothing can be evicted (counted; proctab_refusal says which). */
struct task *proctab_add(struct proctab *t, int32_t pid);
/* A fresh zeroed task for pid in front of its current incarnation, which
 * stays reachable as ->older (an older one than that is deleted). NULL as
 * proctab_add. */
struct task *proctab_push(struct proctab *t, int32_t pid);
/* proctab_push charging the new task to container cont ("" or NULL: the
 * host), fairly (above). cont is copied first: it may be a task's field
 * that eviction frees. */
struct task *proctab_push_in(struct proctab *t, int32_t pid, const char *cont);
/* How many tasks container cont holds (tests, stats). */
uint32_t proctab_held_by(const struct proctab *t, const char *cont);
/* Why the last add failed: "proc_table" (cap, or the container's share)
 * or "mem_limit" (budget). */
const char *proctab_refusal(const struct proctab *t);
/* k exited at k->exit_mono_ms (set first): marks it exited and makes it
 * evictable, in exit order within its container (eviction takes the first
 * exited without open files without scanning live tasks: a table full of
 * live tasks refuses in O(containers)). The one way a task in the table
 * exits. */
void proctab_exited(struct proctab *t, struct task *k);
/* k leaves (current or older incarnation): released, freed. */
void proctab_del(struct proctab *t, struct task *k);
/* Calls fn on every task, older incarnations included; fn may delete the
 * task it is given, and no other. */
typedef void proctab_fn(struct task *k, void *arg);
void proctab_foreach(struct proctab *t, proctab_fn *fn, void *arg);
void proctab_get_stats(const struct proctab *t, struct proctab_stats *out);

#endif
