/* proctab.h - the tasks godo knows, keyed by pid (task id), one current
 * incarnation per pid. An incarnation's identity is (pid, start ticks):
 * task.id = "<boot_id>:<pid>:<start_ticks>" is the _id of its document.
 * Fixed capacity; exited tasks are kept for a grace period so late audit
 * events still find them, then swept. */
#ifndef GODO_PROCTAB_H
#define GODO_PROCTAB_H

#include <stdbool.h>
#include <stdint.h>

#define TASK_ID_MAX 80

struct fdent;
struct task_doc;

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
	bool thread;
	bool in_tree; /* dockerd/containerd or a descendant: recorded */
	bool daemon;  /* dockerd or containerd itself (field "star") */
	uint32_t exit_status;
	bool exited;
	bool fds_closed; /* its open files were closed at exit */
	int64_t exit_ns;
	uint64_t exit_mono_ms; /* when godo learnt of the exit */
	uint32_t nexec;
	struct task_write wb;
	struct fdent *fds; /* open files of this process (leaders only) */
	int32_t next;      /* bucket chain, index into the pool */
	bool used;
};

struct proctab_stats {
	uint32_t size, high, cap;
	uint64_t evicted;
};

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
/* A fresh zeroed task for pid. The caller must have removed the previous
 * incarnation (proctab_del). NULL when full and nothing can be evicted. */
struct task *proctab_add(struct proctab *t, int32_t pid);
void proctab_del(struct proctab *t, struct task *k);
/* Calls fn on every task; fn may delete the task it is given. */
typedef void proctab_fn(struct task *k, void *arg);
void proctab_foreach(struct proctab *t, proctab_fn *fn, void *arg);
void proctab_get_stats(const struct proctab *t, struct proctab_stats *out);

#endif
