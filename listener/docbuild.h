/* docbuild.h - godo's documents as BSON, built from explicit values: no
 * store, no clock, no state beyond the task_doc a caller owns. Whole
 * documents are inserts; changes to a written document are idempotent,
 * order-independent update operators ($set for final values, $max for
 * counters, $addToSet for exec entries), so replays and races give the
 * same result. Field names come from schema.h only. writeback.c decides
 * what is written when; the builders only shape it. Every builder appends
 * to a bson_t the caller initialised and owns. */
#ifndef GODO_DOCBUILD_H
#define GODO_DOCBUILD_H

#include <stdbool.h>
#include <stdint.h>

#include <bson/bson.h>

#include "ctinfo.h"
#include "fdtab.h"
#include "proctab.h"
#include "sysevent.h"
#include "util.h"

/* What every document carries. */
struct docctx {
	const char *host;
	const char *boot_id;
	/* The task's document is written whole, never updated in place
	 * (insert-only store, docs/schema.md "Fields left out"): its newest
	 * execve entry and comm may refer to its own fields. */
	bool whole;
};

struct exec_info {
	int64_t ns;
	const struct str *argv;
	unsigned int argc;
	bool truncated;
	struct str exe, cwd, comm;
	/* argv cut by godo's cap (argvdec.h): the cut arguments' tails, how
	 * many more had no room, the whole argv's SHA-256 (NULL: none);
	 * from_proctitle: argv is PROCTITLE's (no EXECVE record);
	 * args_missing: neither record came, argv is unknown */
	const struct sysev_argcut *cut;
	unsigned int ncut, ncut_lost;
	const char *sha256;
	bool from_proctitle, args_missing;
};

/* What a task's document will hold beyond struct task, kept in memory until
 * the document is first written (as one insert). */
struct task_doc {
	/* bson_t wants 128-byte alignment: heap ones come from bson_new() */
	bson_t *execs; /* array body: "0": {timestamp, ns, args, exe, cwd} */
	bson_t *last;  /* args, args_truncated, exe, cwd, comm */
	char *rootfs;  /* owned */
	bool setns;
	bool last_is_exec; /* last holds the newest execve entry's info */
	int64_t last_exec_ns;
	unsigned int nexecs;
	size_t charged; /* bytes taken from the write-back's budget (wbdoc.h) */
};

/* NULL when out of memory (logged). Free with docbuild_doc_free. */
struct task_doc *docbuild_doc_new(void);
void docbuild_doc_free(struct task_doc *d);
/* An exec: one more execve entry (up to EXECVE_MAX), and the last args. */
void docbuild_doc_exec(struct task_doc *d, const struct exec_info *x);
/* Args, exe, cwd, comm known without an exec (the snapshot). */
void docbuild_doc_info(struct task_doc *d, const struct exec_info *x);
/* rootfs[0..n) replaces the document's rootfs. -1 when out of memory. */
int docbuild_doc_rootfs(struct task_doc *d, const char *p, size_t n);
/* The heap bytes d holds (its struct, both BSON buffers as libbson sizes
 * them, rootfs); d may be NULL (0). */
size_t docbuild_doc_bytes(const struct task_doc *d);
/* The heap bytes a bson_new() document of b's length holds. */
size_t docbuild_bson_bytes(const bson_t *b);

/* Appends bytes as a BSON string when valid UTF-8 without NUL, else as
 * binary subtype 0 (lossless). */
void docbuild_append_bytes(bson_t *b, const char *key, const char *p, size_t n);
/* {_id: id}: the selector of an update. */
void docbuild_id(bson_t *sel, const char *id);

/* The task's whole pids document (d may be NULL). final: the final
 * document of an insert-only store, _id "<task _id>:final", final_of =
 * the task's _id. */
void docbuild_task(bson_t *doc, const struct docctx *cx, const struct task *k,
                   const struct task_doc *d, bool final);
/* Is comm exe's base name cut to COMM_LEN_MAX bytes (schema.h: the
 * kernel's comm is the exec'd name's last component)? Then a task's
 * document leaves comm out (docs/schema.md "Fields left out"). */
bool docbuild_comm_derivable(struct str comm, struct str exe);
/* Does a wait status follow from exit_code or exit_signal alone (no core
 * dump bit, not a stop)? Then pids documents leave exit_status out. */
bool docbuild_status_derivable(uint32_t status);
/* Updates of a written pids document. */
void docbuild_exec_update(bson_t *upd, const struct task *k,
                          const struct exec_info *x);
void docbuild_exit_update(bson_t *upd, const struct task *k);
/* {$set: {key: bytes}} */
void docbuild_set_bytes(bson_t *upd, const char *key, const char *p, size_t n);
/* {$set: {key: true}} */
void docbuild_set_true(bson_t *upd, const char *key);

/* An open file's fields (no _id): for fds while open. */
void docbuild_file(bson_t *b, const struct docctx *cx, const struct openfile *f,
                   const struct task *proc);
/* The same, closed at close_ns by "close", "exit", ...: for files. */
void docbuild_file_closed(bson_t *b, const struct docctx *cx,
                          const struct openfile *f, const struct task *proc,
                          int64_t close_ns, const char *by);
/* A rename (newpath set), unlink or truncate of path as a files document
 * (no _id; its _id is docbuild_op_id's). */
void docbuild_op(bson_t *b, const struct docctx *cx, const struct task *proc,
                 const char *op, int64_t ns, struct str path,
                 struct str newpath);
void docbuild_op_id(char *id, size_t cap, const struct task *proc,
                    const char *op, uint64_t serial);
/* A metadata or namespace operation's own fields (docbuild_meta). */
struct meta_op {
	const char *op;    /* OP_CHMOD ... OP_MKNOD */
	struct str path;   /* filename; p NULL: unknown (an fd godo never saw
	                    * opened: then fd says which) */
	struct str target; /* link, symlink; p NULL: none */
	int32_t fd;        /* the f* variants' descriptor; < 0: none */
	bool has_mode;
	uint32_t mode; /* permission bits (07777) */
	bool has_ids;
	int64_t uid, gid; /* -1: unchanged */
	const char *type; /* mknod's file type; NULL: none */
	/* rename with RENAME_EXCHANGE: path and newpath swapped */
	struct str newpath; /* p NULL: none */
	bool exchange;
	struct str source; /* mount: a bind's source; p NULL: none */
	bool has_flags;
	int64_t flags;           /* mount, umount, open_by_handle_at */
	const char *falloc_mode; /* fallocate's mode named; NULL: none */
	bool has_range;
	int64_t offset, length; /* fallocate */
	bool has_rdev;
	uint32_t rdev_major, rdev_minor; /* mknod of a device */
	bool has_inode;
	uint64_t inode; /* open_by_handle_at: the file opened; other ops:
	                 * the PATH record's (pathres.h) */
	uint32_t dev_major, dev_minor;
	/* pathres.h: the name as given when it differs from path / newpath
	 * (p NULL: none), whether they are unconfirmed, and whether a
	 * relative name had no printable cwd (path is then that name) */
	struct str raw_path, new_raw_path;
	bool path_unverified, new_path_unverified, cwd_unknown;
	/* the same for a link's target and a bind's source (resolved as
	 * path is; a symlink's target is its content, never resolved) */
	struct str target_raw, source_raw;
	bool target_unverified, source_unverified;
};
/* m as a files document (no _id; its _id is docbuild_op_id's). */
void docbuild_meta(bson_t *b, const struct docctx *cx, const struct task *proc,
                   int64_t ns, const struct meta_op *m);
/* May m (a rename or unlink) join doc, a closed file's document? Only
 * when its names have no marks of their own (given as resolved, confirmed,
 * cwd known: the joined operation shows none) and, when it has the PATH
 * record's inode, doc's file is that inode (the device may differ on
 * overlayfs); never an exchange. The marks doc holds stay the file's session's.
 */
bool docbuild_then_fits(const bson_t *doc, const struct meta_op *m);
/* m joined to doc (then_*; a rename's new_filename). */
void docbuild_then(bson_t *doc, const struct task *proc, int64_t ns,
                   const struct meta_op *m);
/* A gap's upsert: sel and upd. */
void docbuild_gap(bson_t *sel, bson_t *upd, const struct docctx *cx,
                  const char *source, int64_t from_ns, int64_t to_ns,
                  uint64_t count);
/* A container's identity (ctinfo.h) as a containers document, _id
 * "<host>:<docker id>:<hash>": hash (FNV-1a 64, into *hash) covers the
 * identity's fields, not seen_ns (when godo read it), so the same identity
 * read twice gives the same _id and a change a new document. */
void docbuild_container(bson_t *doc, const struct docctx *cx,
                        const struct ctinfo *ci, int64_t seen_ns,
                        uint64_t *hash);
/* The run's upsert: start, stop (0 while running), last heartbeat. */
void docbuild_run(bson_t *sel, bson_t *upd, const struct docctx *cx, int pid,
                  int64_t start_ns, int64_t stop_ns, int64_t seen_ns);

#endif
