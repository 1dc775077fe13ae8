/* writeback.h - the one place that decides what is written to the store
 * and when; docbuild.c shapes the documents, store.c sends them.
 *
 * Tasks. A recorded task is pending until its pids document is written,
 * once, as an insert: when it has exited (1 s after, so late events join)
 * or when it is WRITEBACK_TASK_AGE_NS old in stream time, so most tasks cost
 * one write. A change to a written task is an update now, except on a
 * store whose updates scan the collection (FerretDB, "insert-only"): there
 * the task keeps its whole state in memory and gets a second, final
 * document (an insert) after its exit or when its slot is released.
 *
 * Files. An open file's state goes to fds at the flush after it is a second
 * old; a closed file's document goes to files, held back for
 * WRITEBACK_HOLD_NS of stream time (at most WRITEBACK_HOLD_WALL_MS) in a
 * bounded ring so an unlink or rename of its path right after joins it
 * (then_* fields) instead of costing a document of its own.
 *
 * Gaps, runs and the spool's losses go through here too. Nothing reads a
 * clock: every time is the caller's (now_ms monotonic, *_ns wall or
 * stream time). A store failure is logged by the store and counted in
 * stats.failed; the functions that only queue cannot fail otherwise. */
#ifndef GODO_WRITEBACK_H
#define GODO_WRITEBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "chain.h"
#include "docbuild.h"
#include "fdtab.h"
#include "fgroup.h"
#include "membudget.h"
#include "proctab.h"
#include "store.h"

#define WRITEBACK_TASK_AGE_NS (10 * 1000000000LL)
#define WRITEBACK_EXIT_WAIT_MS 1000 /* late events of an exited task */
#define WRITEBACK_HOLD_MAX 1024
#define WRITEBACK_HOLD_NS 500000000LL
#define WRITEBACK_HOLD_WALL_MS 2000 /* also written when the stream is idle */
#define WRITEBACK_HEAD_SAVE_MS 5000
#define WRITEBACK_HEAD_LOG_MS 60000

/* Drops of one cause collected between two writes: a flood of them costs
 * one gaps document per cause and write, not one per drop. */
struct gap_tally {
	uint64_t count;         /* 0: nothing collected */
	int64_t from_ns, to_ns; /* the earliest and latest drop */
};

struct held_file {
	bson_t *doc; /* NULL: slot empty (written or merged) */
	char *path;  /* owned */
	size_t pathlen;
	uint32_t hash;
	char docker_id[65];
	int64_t close_ns;
	uint64_t born_ms; /* monotonic */
	size_t charged;   /* bytes taken from the budget (wbdoc.h) */
};

struct writeback_stats {
	uint64_t tasks, finals; /* pids documents inserted */
	uint64_t merged;        /* operations that joined a held document */
	uint64_t failed;        /* operations the store refused to queue */
	uint64_t mem_early;     /* task documents written early: budget */
	uint64_t mem_drops;     /* task changes let go: budget (wbdoc.h) */
};

struct writeback {
	struct store *store;
	struct docctx cx;
	bson_t sel, upd;        /* reused: no allocation once warm */
	struct held_file *held; /* ring, oldest at head */
	unsigned int head, nheld;
	uint64_t lost_seen;   /* the store's lost_ops already counted */
	uint64_t loss_count;  /* lost operations not yet in a gap */
	int64_t loss_from_ns; /* when the first of them was lost */
	struct writeback_stats st;
	struct chain *chain;   /* NULL: documents are not chained */
	const char *head_path; /* where the chain head is saved */
	int64_t wall_ns;       /* the last flush's wall time */
	uint64_t head_saved_ms, head_logged_ms;
	struct membudget *budget; /* NULL: no charges (wbdoc.h) */
	struct gap_tally mem_gap; /* mem_drops not yet in a gap */
	/* files documents of one container between two flushes: one grouped
	 * document (fgroup.h); false: one document each (the older shape) */
	bool group_files;
	struct fgroup fgroup;
};

/* host and boot_id are borrowed for wb's lifetime. -1 when out of memory
 * (logged). files documents are grouped per container and flush (fgroup.h)
 * unless the caller clears wb->group_files before the first write. */
int writeback_init(struct writeback *wb, struct store *s, const char *host,
                   const char *boot_id);
/* From now on every document but fds is chained into c (borrowed for wb's
 * lifetime; see chain.h), and the head is saved to head_path (borrowed)
 * every WRITEBACK_HEAD_SAVE_MS and logged every WRITEBACK_HEAD_LOG_MS. A
 * chained task is written insert-only (first and final documents, as on
 * FerretDB): an update would change a document after its digest. */
void writeback_chain(struct writeback *wb, struct chain *c,
                     const char *head_path);
/* From now on the documents wb keeps in memory are charged to b (borrowed
 * for wb's lifetime; wbdoc.h says what a refusal does). */
void writeback_set_budget(struct writeback *wb, struct membudget *b);
/* Writes what is held, seals the last link, frees the ring. */
void writeback_fini(struct writeback *wb);

/* ---- tasks ---- */
/* k became recorded at now_ms (0: old already, written at the next
 * sweep); source says what made it so. Once per task. */
void writeback_task_recorded(struct writeback *wb, struct task *k,
                             const char *source, uint64_t now_ms);
/* Changes of k (its struct task already holds the new values). */
void writeback_task_exec(struct writeback *wb, struct task *k,
                         const struct exec_info *x);
void writeback_task_info(struct writeback *wb, struct task *k,
                         const struct exec_info *x);
void writeback_task_exit(struct writeback *wb, struct task *k);
void writeback_task_docker(struct writeback *wb, struct task *k);
void writeback_task_daemon(struct writeback *wb, struct task *k);
void writeback_task_setns(struct writeback *wb, struct task *k);
void writeback_task_rootfs(struct writeback *wb, struct task *k, const char *p,
                           size_t n);
/* Is k's first write due (exited a while ago, or old enough)? */
bool writeback_task_due(const struct task *k, uint64_t now_ms,
                        int64_t stream_ns);
/* Is k's final document due (insert-only store, exited a while ago)? */
bool writeback_final_due(const struct task *k, uint64_t now_ms);
/* The first write (when pending), then the final document (when due). */
void writeback_task_write(struct writeback *wb, struct task *k);
void writeback_task_final(struct writeback *wb, struct task *k);
/* k's slot goes: whatever is pending or due is written, memory freed. */
void writeback_task_release(struct writeback *wb, struct task *k);

/* ---- files ---- */
/* f's current state into fds (at a flush, while open). */
void writeback_file_open(struct writeback *wb, struct openfile *f,
                         const struct task *proc);
/* f's last descriptor went at close_ns: its document, held or written;
 * its fds document goes. */
void writeback_file_closed(struct writeback *wb, const struct openfile *f,
                           const struct task *proc, int64_t close_ns,
                           const char *by, uint64_t now_ms);
/* A rename (newpath.p set), unlink or truncate (OP_*) of path by proc;
 * serial makes the _id. Joins a held document of path when it can. */
void writeback_op(struct writeback *wb, const struct task *proc, const char *op,
                  uint64_t serial, int64_t ns, struct str path,
                  struct str newpath);
/* A rename, unlink or truncate as writeback_op, its path's resolution
 * (raw_path, path_unverified, inode, ...) in m: joins a held document of
 * m->path as writeback_op does when those marks are the document's
 * (docbuild_then_fits), else m's own document (docbuild_meta). */
void writeback_op_meta(struct writeback *wb, const struct task *proc,
                       uint64_t serial, int64_t ns, const struct meta_op *m);
/* A metadata operation (chmod, chown, link, mkdir, ...): its own files
 * document, id <proc_id>:<op>:<serial>, written at once. */
void writeback_meta(struct writeback *wb, const struct task *proc,
                    uint64_t serial, int64_t ns, const struct meta_op *m);
/* path was opened for writing again or is a rename's target: held
 * documents of that path take no more operations (they may concern
 * another file now) and are written. */
void writeback_path_reused(struct writeback *wb, struct str path);
/* Writes held documents closed before stream_ns - WRITEBACK_HOLD_NS or
 * held for WRITEBACK_HOLD_WALL_MS (INT64_MAX, UINT64_MAX: all of them). */
void writeback_release(struct writeback *wb, int64_t stream_ns,
                       uint64_t now_ms);

/* ---- the recorder's own documents ---- */
void writeback_gap(struct writeback *wb, const char *source, int64_t from_ns,
                   int64_t to_ns, uint64_t count);
/* n more drops at ns. */
void writeback_tally(struct gap_tally *t, int64_t ns, uint64_t n);
/* A gap of source for what t collected (nothing when empty); empties t. */
void writeback_tally_write(struct writeback *wb, struct gap_tally *t,
                           const char *source);
/* A container's identity (ctinfo.h) read at seen_ns: its containers
 * document, unless its hash equals *last_hash (nothing changed). true when
 * queued; *last_hash then holds the new hash. */
bool writeback_container(struct writeback *wb, const struct ctinfo *ci,
                         int64_t seen_ns, uint64_t *last_hash);
void writeback_run(struct writeback *wb, int pid, int64_t start_ns,
                   int64_t stop_ns, int64_t seen_ns);
/* Sends what is queued (store_flush), then records operations the full
 * spool lost as a "spool" gap once the store answers again. A failed send
 * is the store's to log, spool and count. */
void writeback_flush(struct writeback *wb, uint64_t now_ms, int64_t wall_ns);

#endif
