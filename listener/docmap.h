/* docmap.h - godo's events and table changes as store updates. One function
 * per document change; each is an idempotent, order-independent upsert
 * ($setOnInsert for identity, $set for final values, $max for counters,
 * $addToSet for exec entries), so replays and races give the same result.
 * Field names come from schema.h only. */
#ifndef GODO_DOCMAP_H
#define GODO_DOCMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "fdtab.h"
#include "proctab.h"
#include "store.h"
#include "util.h"

/* A closed file's document held back for DOCMAP_HOLD_NS (stream time): a
 * temporary file is usually unlinked or renamed right after its close, and
 * that operation then joins the file's document (then_* fields) instead of
 * costing a document of its own. */
#define DOCMAP_HOLD_MAX 1024
#define DOCMAP_HOLD_NS 500000000LL
#define DOCMAP_HOLD_WALL_MS 2000 /* also written when the stream is idle */

struct held_file {
	bson_t *doc; /* NULL: slot empty (written or merged) */
	char *path;  /* owned */
	size_t pathlen;
	uint32_t hash;
	char docker_id[65];
	int64_t close_ns;
	uint64_t born_ms; /* monotonic */
};

struct docmap {
	struct store *store;
	const char *host;
	const char *boot_id;
	bson_t sel, upd;        /* reused: no allocation once warm */
	struct held_file *held; /* ring, oldest at head; NULL: no holding */
	unsigned int head, nheld;
	uint64_t merged; /* operations that joined a held document */
};

struct exec_info {
	int64_t ns;
	const struct str *argv;
	unsigned int argc;
	bool truncated;
	struct str exe, cwd, comm;
};

/* What a task's document will hold beyond struct task, kept in memory until
 * the document is first written (as one insert). */
struct task_doc {
	/* bson_t wants 128-byte alignment: heap ones come from bson_new() */
	bson_t *execs; /* array body: "0": {timestamp, ns, args, exe, cwd} */
	bson_t *last;  /* args, args_truncated, exe, cwd, comm */
	char *rootfs;  /* owned */
	bool setns;
	unsigned int nexecs;
};

struct task_doc *docmap_doc_new(void);
void docmap_doc_free(struct task_doc *d);
/* An exec: one more execve entry (up to EXECVE_MAX), and the last args. */
void docmap_doc_exec(struct task_doc *d, const struct exec_info *x);
/* Args, exe, cwd, comm known without an exec (the snapshot). */
void docmap_doc_info(struct task_doc *d, const struct exec_info *x);
/* The task's whole document as an insert (an upsert if it exists). */
int docmap_task_write(struct docmap *dm, const struct task *k,
                      const struct task_doc *d);

/* Insert-only mode (the store's updates scan): a task changed after its
 * first write gets a second, final document instead of updates. */
bool docmap_insert_only(const struct docmap *dm);
/* That final document: the whole state, _id "<task _id>:final",
 * final_of = the task's _id. */
int docmap_task_final(struct docmap *dm, const struct task *k,
                      const struct task_doc *d);

void docmap_init(struct docmap *dm, struct store *s, const char *host,
                 const char *boot_id);
void docmap_fini(struct docmap *dm);
/* Appends bytes as a BSON string when valid UTF-8 without NUL, else as
 * binary subtype 0 (lossless). */
void docmap_append_bytes(bson_t *b, const char *key, const char *p, size_t n);

int docmap_exec(struct docmap *dm, const struct task *k,
                const struct exec_info *x);
int docmap_exit(struct docmap *dm, const struct task *k, uint32_t status);
int docmap_docker(struct docmap *dm, const struct task *k);
int docmap_rootfs(struct docmap *dm, const struct task *k, struct str rootfs);
int docmap_setns(struct docmap *dm, const struct task *k);
int docmap_star(struct docmap *dm, const struct task *k);
/* The file's current state into fds (while open). */
int docmap_fd_open(struct docmap *dm, const struct fsess *e,
                   const struct task *proc);
/* The file into files, closed at close_ns; removes its fds document. */
int docmap_fd_close(struct docmap *dm, const struct fsess *e,
                    const struct task *proc, int64_t close_ns, const char *by);
/* A rename ("rename", path, newpath) or unlink ("unlink", path) or a path
 * truncate ("truncate", path); serial makes the _id. */
int docmap_op(struct docmap *dm, const struct task *proc, const char *op,
              uint64_t serial, int64_t ns, const char *path, size_t pathlen,
              const char *newpath, size_t newlen);
/* path was opened for writing again or is a rename's target: held
 * documents of that path take no more operations (they may concern
 * another file now) and are written. */
void docmap_path_reused(struct docmap *dm, const char *path, size_t pathlen);
/* Writes held documents closed before stream_ns - DOCMAP_HOLD_NS or held
 * for DOCMAP_HOLD_WALL_MS (INT64_MAX, UINT64_MAX: all of them). */
void docmap_release(struct docmap *dm, int64_t stream_ns, uint64_t now_ms);
int docmap_gap(struct docmap *dm, const char *source, int64_t from_ns,
               int64_t to_ns, uint64_t count);
/* The run's document: start, and the stop (0 while running) and the last
 * heartbeat. */
int docmap_run(struct docmap *dm, int pid, int64_t start_ns, int64_t stop_ns,
               int64_t seen_ns);

#endif
