/* model.h - the filter's in-memory model: tasks merged into processes, the
 * Docker tree over them, their files, containers and gaps. discover.c fills
 * it (from pindex.c and decode.c), repair.c, tree.c and containers.c fix
 * and annotate it, save.c and the renderers read it. Everything here is
 * owned by struct model and freed by model_free(). Strings from the store
 * are untrusted bytes (struct bytes), escaped only at output. */
#ifndef GODO_MODEL_H
#define GODO_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "mem.h"
#include "strmap.h"

/* An argument godo's listener cut (docs/schema.md "Cut arguments"): args
 * holds its head, tail its last bytes, length its whole size. */
struct argcut {
	int32_t index;
	int64_t length;
	struct bytes tail;
};

struct argcuts {
	struct argcut *v;
	size_t n;
};

/* What a cut argv carries beyond args (h-fid): tails, the SHA-256 of the
 * whole argv, and "proctitle" when argv is not from the EXECVE records. */
struct argextra {
	struct argcuts cuts;
	int32_t cut_lost;
	struct bytes sha256, source;
};

struct exec {
	int64_t ns;
	struct argv args;
	struct bytes exe, cwd;
	struct argextra ax;
	/* stored without args: the newest exec of a document written whole,
	 * whose args, exe and cwd are the document's (docs/schema.md) */
	bool bare;
};

/* One pids document (documents of the same task merged). */
struct task {
	char *id, *host, *boot;
	int32_t pid, tgid, ppid, parent_tgid;
	char *parent_id;
	int64_t start_ticks, start_ns, exit_ns;
	int32_t exit_code, exit_signal, exit_status, execve_count;
	bool has_ppid, has_ptgid, has_ticks, has_start, has_exit, has_code,
	    has_signal, has_status;
	bool thread, star, setns, args_trunc;
	bool exit_filled;  /* repair: exit taken from the process */
	bool parent_fixed; /* repair: thread parent set to its process's */
	struct bytes comm, exe, cwd, rootfs, source;
	char *docker_id;
	struct argv args;
	struct argextra ax; /* of args */
	struct exec *execs;
	size_t nexec;
	char **alias; /* ids of other documents merged into this one */
	size_t nalias;
};

struct container;

/* A process: its leader task and its threads. */
struct proc {
	struct task lead;
	struct task *threads;
	size_t nthreads;
	struct proc *parent;
	struct proc **kids;
	size_t nkids, capkids;
	struct proc *next_same; /* chain of the same host/boot/tgid */
	struct container *ct;
	size_t order;        /* position after sorting */
	bool star, frontier; /* loaded as a star; to be expanded */
	bool keep;           /* survives window/container selection */
	bool outside;        /* kept only to connect the tree */
};

/* FOP_OTHER: any other op of docs/schema.md (chmod, chown, setxattr,
 * removexattr, utimes, link, symlink, mkdir, rmdir, mknod, truncate, or a
 * name this filter does not know), shown by the name it was recorded with. */
enum file_op { FOP_OPEN, FOP_RENAME, FOP_UNLINK, FOP_OTHER };

/* An op's name is cut to this many bytes: a hand-built database may hold
 * any string there. */
#define FOP_NAME_MAX 32

struct file {
	char *id;
	struct proc *owner;
	enum file_op op;
	struct bytes path, new_path, raw_path, closed_by;
	struct bytes host_path, new_host_path;
	int32_t fd, flags;
	int64_t open_ns, close_ns, ns, writes, write_bytes;
	bool has_close, close_filled, from_fds;
	/* Set on every op but FOP_OPEN: its name (at most FOP_NAME_MAX
	 * bytes, untrusted like every string). */
	struct bytes op_name;
	/* Metadata ops (docs/schema.md): link / symlink target, mknod's node
	 * type, the mode of chmod / mkdir / mknod, chown's uid / gid. */
	struct bytes target, type;
	int32_t mode;
	int64_t uid, gid;
	bool has_mode, has_uid, has_gid;
	/* h-fid (docs/schema.md): an open file mapped writable and shared; a
	 * rename that swapped two names; fallocate's mode, offset and length;
	 * a bind mount's source; mount / umount / open_by_handle_at flags
	 * (has_flags: f->flags is theirs); mknod's rdev; the inode and dev
	 * open_by_handle_at opened. */
	bool mapped, exchange, has_flags, has_range, has_inode;
	int64_t mapped_ns, offset, length, inode;
	struct bytes falloc_mode, source, rdev, dev;
	/* h-fds (docs/schema.md): the processes (_ids) that wrote through an
	 * open-file session, and writes by processes beyond the list */
	struct argv writers;
	int64_t writers_more;
	/* h-paths (docs/schema.md "Paths"): the name as the process gave it
	 * when godo resolved it to another path (godo's raw_path), and a
	 * path godo could not confirm against the kernel's inode */
	struct bytes given_path;
	bool path_unverified;
	/* the same for the op's second name: a rename's new name, a link's
	 * target, a bind mount's source (docs/schema.md new_raw_path,
	 * target_raw_path, source_raw_path and their _unverified) */
	struct bytes given2;
	bool unverified2;
};

/* A host mount of a container (docs/schema.md, containers.mounts). */
struct ct_mount {
	struct bytes type, source, destination;
	bool rw;
};

/* A name a container had, from the first document that recorded it. */
struct ct_name {
	int64_t ns;
	struct bytes name;
};
#define CT_NAMES_MAX 64

/* What godo recorded of a container while it ran (the containers
 * collection), or what Docker's files on the filter's host still say. */
struct ct_ident {
	struct bytes image_id, created, started, network;
	struct argv labels; /* "key=value" */
	struct argv caps;   /* CapAdd */
	struct ct_mount *mounts;
	size_t nmounts;
	bool privileged, has_privileged, truncated;
	int64_t init_pid, seen_ns;
	const char *source; /* "recorded", "docker-root" or NULL: none */
	/* every name recorded (a rename is a new document), oldest first,
	 * each once, at most CT_NAMES_MAX */
	struct ct_name *names;
	size_t nnames;
};

struct container {
	char *id, *host;
	struct bytes name, image, rootfs;
	struct ct_ident ident;
	size_t nprocs, nfiles;
	bool keep;
};

struct gap {
	char *host, *boot;
	struct bytes source;
	int64_t from_ns, to_ns, count;
};

/* Documents that could not be read (wrong shape: no usable _id, pid as
 * a string): all counted, the first SKIPPED_LISTED listed as
 * "collection _id" so that the report names them. */
#define SKIPPED_LISTED 1000
struct skipped {
	size_t n;
	char **ids;
	size_t nids;
};

/* What filter found checking the record's chains before the report
 * (verifydb.h); the report says it on top. */
enum model_verify_state {
	MV_UNCHECKED, /* -no-verify, or a model not read from a store */
	MV_NO_CHAIN,  /* written without chaining (older godo, -no-chain) */
	MV_INTACT,
	MV_FAILED,
};

/* Per kind of document finding and collection (verifydb_ranges): how
 * many, and the documents' time range (NS_NONE: not known). */
#define MODEL_VERIFY_RANGES 18
struct model_verify_range {
	const char *kind, *coll; /* static strings */
	uint64_t n;
	int64_t from, to;
};

struct model_verify {
	enum model_verify_state state;
	uint64_t links, docs, problems;
	struct model_verify_range range[MODEL_VERIFY_RANGES];
	size_t nrange;
};

struct model {
	struct proc **procs;
	size_t nprocs, capprocs, max_procs;
	struct strmap *byid;   /* task id and aliases -> proc */
	struct strmap *bytg;   /* host/boot/tgid -> first proc of a chain */
	struct strmap *fileid; /* file _id -> 1 (dedupe fds vs files) */
	struct strmap *ctid;   /* host/id -> index + 1 into cts */
	struct proc **roots;
	size_t nroots;
	struct file *files;
	size_t nfiles, capfiles;
	struct container *cts;
	size_t ncts, capcts;
	/* containers documents read (the latest per host and id) */
	struct container *ctdocs;
	size_t nctdocs, capctdocs;
	struct strmap *ctdocid; /* host/id -> index + 1 into ctdocs */
	struct gap *gaps;
	size_t ngaps, capgaps;
	size_t orphan_threads; /* threads whose process was not found */
	struct skipped skipped;
	struct model_verify verify; /* the record's chain, checked first */
};

#define NS_NONE INT64_MIN
/* tolerance when matching times from different clocks (10 ms tick) */
#define MATCH_TOL_NS (20LL * 1000000LL)

struct model *model_new(size_t max_procs);
void model_free(struct model *m);

/* Takes ownership of *t (zeroed after). Returns the new process, or NULL
 * when -max-procs would be exceeded. */
struct proc *model_add_proc(struct model *m, struct task *t);
struct proc *model_find_id(struct model *m, const char *id);
/* First process of the host/boot/tgid chain. */
struct proc *model_find_tgid(struct model *m, const char *host,
                             const char *boot, int32_t tgid);
/* The process with that host/boot/tgid alive at ns (the latest started). */
struct proc *model_match_time(struct model *m, const char *host,
                              const char *boot, int32_t tgid, int64_t ns);
/* Merges other (same task identity) into t; frees other. */
void model_merge_task(struct task *t, struct task *other);
/* True when a and b are documents of the same task: host, boot, pid equal
 * and start ticks within one tick. */
bool model_same_task(const struct task *a, const struct task *b);
void model_add_alias(struct model *m, struct proc *p, const char *id);
void model_link(struct proc *parent, struct proc *kid);
struct file *model_add_file(struct model *m);
struct container *model_container(struct model *m, const char *host,
                                  const char *id);
/* The containers document slot of host/id (created empty). */
struct container *model_ctdoc(struct model *m, const char *host,
                              const char *id);
/* The containers document slot of host/id, NULL when none was read. */
struct container *model_find_ctdoc(struct model *m, const char *host,
                                   const char *id);
/* Frees what c holds (not c itself). */
void model_container_free(struct container *c);
/* Sorts cts by id then host. Container pointers taken before are
 * invalid afterwards. */
void model_sort_containers(struct model *m);
struct gap *model_add_gap(struct model *m);
/* Counts one unreadable document of coll; lists it by id (owned, taken;
 * NULL: it has none) while fewer than SKIPPED_LISTED are. */
void model_skip(struct skipped *s, const char *coll, char *id);
/* Moves what from holds into to (from left empty). */
void model_skip_move(struct skipped *to, struct skipped *from);
void model_skip_free(struct skipped *s);
/* True when the report leaves something out: unreadable documents (the
 * exit status says so). Threads whose process is not found are not: they
 * are those of processes outside the tree (PID reuse). */
bool model_incomplete(const struct model *m);
/* The name of op when it is one of the filter's own (open, rename,
 * unlink); NULL for FOP_OTHER, named by its file's op_name. */
const char *model_op_name(enum file_op op);
/* f->op = op, named name (NULL: op's own name), cut to FOP_NAME_MAX. */
void model_file_set_op(struct file *f, enum file_op op,
                       const struct bytes *name);
/* Free what a file / gap owns (the struct itself is the caller's). */
void model_file_free(struct file *f);
void model_gap_free(struct gap *g);
void model_task_free(struct task *t);
void model_argextra_free(struct argextra *x);
/* *dst becomes a deep copy of src (dst's old content is not freed). */
void model_argextra_copy(struct argextra *dst, const struct argextra *src);
/* A bare newest execve entry gets the task's own args, exe, cwd and their
 * extras (docs/schema.md "Fields left out"). */
void model_fill_bare_exec(struct task *t);
/* Frees what a task's image says (exe, cwd, rootfs, source, args, execs)
 * and clears star/setns/args_trunc/execve_count: a thread's document
 * keeps only its identity, links, times, comm, exit and docker_id. */
void model_task_drop_image(struct task *t);
/* Frees t's execs and leaves it with none. */
void model_execs_free(struct task *t);

/* process start / exit in ns, NS_NONE when unknown */
int64_t model_start(const struct proc *p);
int64_t model_exit(const struct proc *p);
/* sort comparator: start then id */
int model_proc_cmp(const void *a, const void *b);

#endif
