/* fdtab.h - the files godo's recorded processes hold open, and the rules
 * of descriptor numbers: written files (their writes aggregated in memory
 * until close or flush) and directories (so *at() calls can be resolved
 * against a dirfd's path). Keyed by (tgid, fd); each process also chains
 * its entries (task.fds) for its exit.
 *
 * Events of other threads may arrive after a later open of the same
 * number: the audit serial routes them (fdtab_route). A dup()ed descriptor
 * shares its open file; when the last descriptor of an open file goes, the
 * closed callback gets it (to write its document), then fdtab frees it.
 * Bounded by cap entries and, with a membudget, in bytes (entries, paths,
 * open files and buckets charged; at most half the budget, so a flood of
 * descriptors cannot starve the task table). Fair between containers
 * (task.docker_id; "" is the host): when a bound is reached, or the
 * budget is three quarters used, a container holding its fair share (the
 * bound divided by the containers holding entries) pays for its own new
 * entry with its own oldest directory/O_PATH entry, else the new entry is
 * refused; a container below its share takes room from the container
 * holding most, directory entries first, then that container's oldest
 * written file (closed "evicted"). Every refusal and eviction goes to the
 * drop callback with its cause. The table never calls out otherwise.
 * A forked child's entries refer to its parent's open files
 * (fdtab_inherit): an open file counts its descriptors in every process
 * and ends with the last; each inherited entry is charged as an entry.
 * A child that shares its parent's table (CLONE_FILES) has no entries of
 * its own: it uses its parent's (fdtab_share, fdgroup.h). */
#ifndef GODO_FDTAB_H
#define GODO_FDTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schema.h"
#include "util.h"

#define FDENT_ID_MAX 128

struct task;

/* An open file description opened for writing: what one open() started.
 * dup()ed descriptors share it; it ends when the last of them is closed. */
struct openfile {
	char id[FDENT_ID_MAX];
	char *path; /* owned; cleaned absolute path as the process sees it */
	size_t pathlen;
	int32_t fd; /* the descriptor open() returned */
	uint64_t flags;
	int64_t open_ns;
	uint64_t wcount, wbytes;
	int64_t first_w, last_w;
	int64_t written[WRITTEN_MAX];
	unsigned int nwritten;
	unsigned int refs; /* descriptors referring to it */
	bool in_fds;       /* a document for it exists in the fds collection */
	bool dirty;        /* changed since it was last written to the store */
	/* mapped PROT_WRITE|MAP_SHARED: stores through the mapping change
	 * the file without any syscall (fdtab_mark_mapped) */
	bool mapped;
	int64_t mapped_ns; /* the first such mapping */
	/* The process that opened it (its document's process, whoever holds
	 * the last descriptor) and the processes that wrote through it: a
	 * child holds its parent's open files after fork (fdtab_inherit). */
	int32_t opener_pid;
	uint64_t opener_ticks;
	struct fdwriter {
		int32_t pid;
		uint64_t ticks; /* start ticks: the task id's incarnation */
	} writers[WRITERS_MAX];
	unsigned int nwriters;
	uint64_t writers_more; /* writes by processes beyond WRITERS_MAX */
	/* The path as resolved (pathres.h, fdtab_file_set_names): the name
	 * as given when it differs (NULL: none; in path's allocation),
	 * whether path is unconfirmed, the PATH record's inode and device. */
	const char *raw_path;
	size_t rawlen;
	size_t names_extra; /* bytes charged beyond file_bytes(pathlen) */
	bool path_unverified;
	bool cwd_unknown; /* path is a relative name: no printable cwd */
	bool has_inode;
	uint64_t inode;
	uint32_t dev_major, dev_minor;
	bool tmpfile; /* opened O_TMPFILE: no name until linked */
};

struct fdcont;

struct fdent {
	int32_t tgid, fd;
	bool dir;    /* a directory (or O_PATH) open: only its path matters */
	bool shadow; /* replaced by a newer open of the same number whose
	              * events may overtake this one's (other threads) */
	char *path;  /* owned */
	size_t pathlen;
	/* O_CLOEXEC / FD_CLOEXEC: it goes at exec */
	bool cloexec;
	uint64_t serial;       /* audit serial of the open (or dup) */
	struct openfile *file; /* NULL for directories */
	struct fdent *prev;    /* the shadowed previous holder of this number */
	struct fdent *hnext;   /* hash chain */
	struct fdent *pnext, **pprev;  /* per-process chain */
	struct task *proc;             /* its process (tasks holding files
	                                * stay in proctab) */
	struct fdcont *cont;           /* the container charged for it */
	struct fdent *cnewer, *colder; /* its list in cont, by age */
	size_t bytes;                  /* charged for it (file included) */
};

struct fdtab_stats {
	uint32_t size, high, cap;
	uint32_t containers; /* containers holding entries */
	uint64_t dropped;    /* opens not tracked: table, share or budget */
	uint64_t evicted;    /* entries pushed out to make room */
	uint64_t nomem;      /* of dropped: refused by the byte bound */
	uint64_t bytes;      /* held */
};

struct fdtab;

/* The last descriptor of f went at ns ("close", "exit", "reuse", ...);
 * proc is the process that held it. f is freed after the call. */
typedef void fdtab_closed_fn(struct openfile *f, const struct task *proc,
                             int64_t ns, const char *by, void *arg);

/* An open was refused or an entry evicted at ns: source "fd_table" (cap
 * or share) or "mem_limit" (bytes); n entries. */
typedef void fdtab_drop_fn(const char *source, int64_t ns, uint64_t n,
                           void *arg);

struct membudget;

/* NULL when out of memory (logged). */
struct fdtab *fdtab_new(uint32_t cap, fdtab_closed_fn *closed, void *arg);
/* Charge b (borrowed; NULL: no byte bound) from now on, the table holding
 * at most max_bytes of it; drops go to drop (with the closed arg). Call
 * before the first open. */
void fdtab_set_budget(struct fdtab *t, struct membudget *b, uint64_t max_bytes,
                      fdtab_drop_fn *drop);
/* Frees every entry without calling closed. */
void fdtab_free(struct fdtab *t);
struct fdent *fdtab_get(struct fdtab *t, int32_t tgid, int32_t fd);
/* The entry an event on fd with this serial belongs to: the current holder,
 * or the shadowed one when the event is older than the current open
 * (reasm_serial_before: the kernel's serial wraps at 2^32). */
struct fdent *fdtab_route(struct fdtab *t, int32_t tgid, int32_t fd,
                          uint64_t serial);
/* proc's new holder of number fd (path copied): the old holder is
 * shadowed, an older shadow is closed ("reuse"). NULL when the table is
 * full (counted in dropped) or out of memory. */
struct fdent *fdtab_open(struct fdtab *t, struct task *proc, int32_t fd,
                         const char *path, size_t pathlen, uint64_t serial,
                         int64_t ns);
/* A new open file for e (opened for writing): its id is
 * "<proc id>:<fd>:<serial>". -1 when the bounds refuse it (a drop, see
 * above) or out of memory (logged); e stays, as a path. */
int fdtab_open_file(struct fdent *e, const struct task *proc, uint64_t flags,
                    int64_t ns);
/* dup2(oldfd, newfd): newfd now refers to oldfd's open file; a dup of a
 * number godo does not know closes newfd. */
void fdtab_dup(struct fdtab *t, struct task *proc, int32_t oldfd, int32_t newfd,
               uint64_t serial, int64_t ns);
/* The close of the entry fdtab_route() finds. */
void fdtab_close(struct fdtab *t, struct task *proc, int32_t fd,
                 uint64_t serial, int64_t ns, const char *by);
/* Every descriptor of proc goes (its exit). */
void fdtab_close_all(struct fdtab *t, struct task *proc, int64_t ns,
                     const char *by);
/* A write of bytes at ns (0 bytes: ftruncate). */
void fdtab_count_write(struct openfile *f, int64_t ns, uint64_t bytes);
/* proc wrote through f: one of its writers (the first WRITERS_MAX
 * distinct processes listed, later ones' writes counted in
 * writers_more). */
void fdtab_note_writer(struct openfile *f, const struct task *proc);
/* After fork (or clone without CLONE_FILES; with it, fdtab_share): child
 * gets an entry for each of parent's current
 * descriptors, referring to the same open files (each entry charged as
 * one). Entries the bounds refuse are drops, as fdtab_open's. */
void fdtab_inherit(struct fdtab *t, struct task *parent, struct task *child,
                   int64_t ns);
/* proc execs: its close-on-exec descriptors go ("exec"). */
void fdtab_exec(struct fdtab *t, struct task *proc, int64_t ns);
/* close_range(first, last): proc's descriptors in [first, last] go, or,
 * with cloexec_only, are marked close-on-exec. */
void fdtab_close_range(struct fdtab *t, struct task *proc, uint32_t first,
                       uint32_t last, bool cloexec_only, int64_t ns);
/* Sets or clears fd's close-on-exec mark (fcntl F_SETFD, dup3). */
void fdtab_set_cloexec(struct fdtab *t, struct task *proc, int32_t fd,
                       uint64_t serial, bool on);
/* f was mapped writable and shared at ns: its writes are not countable
 * (the first mapping's time is kept). */
void fdtab_mark_mapped(struct openfile *f, int64_t ns);
/* f's path becomes path (resolved, or the name an O_TMPFILE file was
 * linked as) and its name as given raw (p NULL: none), both copied into
 * one allocation charged to t. -1 when out of memory (logged): f keeps
 * its names. */
int fdtab_file_set_names(struct fdtab *t, struct openfile *f, struct str path,
                         struct str raw);
typedef void fdtab_fn(struct fdent *e, void *arg);
void fdtab_foreach(struct fdtab *t, fdtab_fn *fn, void *arg);
void fdtab_get_stats(const struct fdtab *t, struct fdtab_stats *out);

/* ---- tables shared by processes (CLONE_FILES, fdgroup.h) ----
 * With groups set, every call taking a process acts on its holder's
 * entries, so a member sees what any process of the table opened. */
struct fdgroup;
/* g (borrowed for t's lifetime) says who shares whose table. */
void fdtab_set_groups(struct fdtab *t, struct fdgroup *g);
/* child (a new process) shares parent's table; when the map refuses, it
 * gets a copy (fdtab_inherit) and false is returned. */
bool fdtab_share(struct fdtab *t, struct task *parent, struct task *child,
                 int64_t ns);
/* proc gets a table of its own, a copy of the shared one (exec,
 * unshare(CLONE_FILES)); the others keep theirs. */
void fdtab_unshare(struct fdtab *t, struct task *proc, int64_t ns);
/* proc's table goes with it (exit) unless others share it: then true,
 * a member just leaves and a holder's entries pass to a member. */
bool fdtab_group_keep(struct fdtab *t, struct task *proc);
/* proc's slot goes: it leaves whatever table it shares. */
void fdtab_forget(struct fdtab *t, struct task *proc);

#endif
