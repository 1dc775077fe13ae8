/* sysevent.h - one reassembled audit event, decoded into what godo needs.
 * Produced by sysevent_decode() from the records reasm groups by serial;
 * consumed by the dispatcher (core.c) and its modules (lifecycle, fdtab,
 * pathop, writeback). All strings are decoded bytes (hex fields turned back
 * into bytes, quotes stripped) and borrowed from the decoder's scratch
 * space: valid only until the next decode. */
#ifndef GODO_SYSEVENT_H
#define GODO_SYSEVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

enum sysev_kind {
	SYSEV_OTHER,  /* a syscall godo does not model, or no SYSCALL record */
	SYSEV_EXECVE, /* execve, execveat */
	SYSEV_CLONE,  /* clone, clone3, fork, vfork: exit = child pid/tid */
	SYSEV_EXIT,   /* exit_group, exit: a0 = status */
	SYSEV_OPEN,   /* open, openat, openat2, creat */
	SYSEV_WRITE,  /* write, pwrite64, writev, pwritev, pwritev2 */
	SYSEV_CLOSE,  /* close */
	SYSEV_RENAME, /* rename, renameat, renameat2 */
	SYSEV_UNLINK, /* unlink, unlinkat (not AT_REMOVEDIR) */
	SYSEV_TRUNCATE, /* truncate, ftruncate */
	SYSEV_PIVOT_ROOT,
	SYSEV_SETNS,
	SYSEV_UNSHARE,
	SYSEV_DUP, /* dup, dup2, dup3: a0 = old fd, exit = new fd; dup3's
	            * flags a2 */
	/* metadata and namespace operations (pathop_meta): */
	SYSEV_CHMOD,       /* chmod, fchmod, fchmodat, fchmodat2: mode */
	SYSEV_CHOWN,       /* chown, fchown, lchown, fchownat (+ i386 16/32) */
	SYSEV_SETXATTR,    /* setxattr, lsetxattr, fsetxattr */
	SYSEV_REMOVEXATTR, /* removexattr, lremovexattr, fremovexattr */
	SYSEV_UTIMES,      /* utime, utimes, utimensat, futimesat (+ time64) */
	SYSEV_LINK,        /* link, linkat */
	SYSEV_SYMLINK,     /* symlink, symlinkat */
	SYSEV_MKDIR,       /* mkdir, mkdirat: mode */
	SYSEV_RMDIR,       /* rmdir, unlinkat with AT_REMOVEDIR */
	SYSEV_MKNOD,       /* mknod, mknodat: mode (type and permissions) */
	/* writes that are not write(2) (fileio.h): */
	SYSEV_XWRITE, /* copy_file_range, sendfile, splice: fd = destination,
	               * exit = bytes */
	SYSEV_MMAP,   /* mmap PROT_WRITE|MAP_SHARED of fd (MMAP record) */
	/* more operations (pathop_meta): */
	SYSEV_FALLOCATE,      /* fd, falloc_mode (0 / keep-size: no change) */
	SYSEV_MOUNT,          /* target, source item (bind); op_flags */
	SYSEV_UMOUNT,         /* umount, umount2: target; op_flags */
	SYSEV_OPEN_BY_HANDLE, /* dirfd = mount fd, open_flags, exit = fd */
	/* the descriptor table (core.c, h-fds): raw arguments in a[] */
	SYSEV_FCNTL,       /* fd a0, cmd a1, arg a2; exit = new fd (F_DUPFD*) */
	SYSEV_CLOSE_RANGE, /* first a0, last a1, flags a2 */
};

/* PATH record nametype */
enum sysev_nametype {
	NT_NORMAL,
	NT_PARENT,
	NT_CREATE,
	NT_DELETE,
	NT_UNKNOWN,
};

#define SYSEV_MAX_PATHS 8
#define SYSEV_AT_FDCWD (-100)
#define SYSEV_NO_FD (-1)
#define SYSEV_ID_UNCHANGED (-1) /* chown's -1: the id is left alone */
#define SYSEV_ARGCUT_MAX 16     /* cut arguments whose tail is kept */
#define ARGVDEC_TAIL_BYTES 1024 /* the tail kept of a cut argument */

/* An argument cut by godo's cap (ARGS_MAX_BYTES for all arguments
 * together): argv[index] holds its head, tail its last bytes (at most
 * ARGVDEC_TAIL_BYTES; head and tail overlap nothing: what lies between is
 * length - head - tail bytes). */
struct sysev_argcut {
	unsigned int index;
	uint64_t length; /* the whole argument, decoded bytes */
	struct str tail;
};

struct sysev_path {
	struct str name; /* decoded; n == 0 and has_name false for (null) */
	bool has_name;
	enum sysev_nametype nametype;
	uint64_t inode;
	uint32_t dev_major, dev_minor;
	uint32_t mode;                   /* 0 when absent */
	uint32_t rdev_major, rdev_minor; /* rdev=; 0:0 when absent */
};

struct sysevent {
	uint64_t serial;
	int64_t time_ns; /* audit(SEC.MSEC) as ns since the epoch */
	bool partial;    /* aged out or evicted without EOE */
	enum sysev_kind kind;
	bool has_syscall; /* a SYSCALL record was present */
	uint32_t arch;    /* AUDIT_ARCH_X86_64 / AUDIT_ARCH_I386 */
	int syscall;      /* number in arch's table */
	bool success;     /* "success=yes"; false when absent */
	bool has_exit;    /* exit= present (absent for exit_group) */
	int64_t exit;     /* return value: fd, bytes, child pid, -errno */
	uint64_t a[4];    /* raw a0..a3 */
	int32_t pid, ppid;
	struct str comm, exe, key; /* key "godo"; n == 0 when (null) */
	struct str cwd;            /* CWD record; n == 0 when none */
	struct sysev_path path[SYSEV_MAX_PATHS];
	unsigned int npath; /* PATH records kept (items with a real name) */

	/* SYSEV_OPEN: the open flags (a1 for open, a2 for openat, oflag of the
	 * OPENAT2 record, O_CREAT|O_WRONLY|O_TRUNC for creat); dirfd is
	 * SYSEV_AT_FDCWD for open/creat, else the low 32 bits of a0 as int. */
	uint64_t open_flags;
	int dirfd;  /* also for renameat/unlinkat (olddirfd) */
	int dirfd2; /* renameat*: newdirfd (a2) */

	/* Metadata operations. fd: the descriptor of the f* variants
	 * (fchmod, fchown, fsetxattr, fremovexattr, utimensat with a NULL
	 * name), whose PATH item has no name; SYSEV_NO_FD otherwise. dirfd is
	 * the *at() dirfd (linkat: olddirfd, dirfd2 newdirfd; symlinkat:
	 * dirfd is its newdirfd). mode: chmod's new mode, mkdir's, mknod's
	 * (with the S_IFMT type); has_mode false for the others. uid/gid:
	 * chown's, SYSEV_ID_UNCHANGED for -1 (also the 16-bit 0xffff of
	 * i386's legacy chown). */
	int fd;
	bool has_mode;
	uint32_t mode;
	int64_t uid, gid;

	/* SYSEV_XWRITE: fd is the destination. SYSEV_MMAP: fd and mmap_flags
	 * from the MMAP record (has_mmap false without one: an anonymous
	 * mapping), prot in a2. SYSEV_FALLOCATE: fd a0, op_flags the mode,
	 * a2/a3 offset and length. SYSEV_MOUNT: op_flags the mount flags (a3;
	 * source and fstype are user pointers). SYSEV_UMOUNT: umount2's
	 * flags. SYSEV_RENAME: exchange when the kernel logged two CREATE
	 * items (renameat2 RENAME_EXCHANGE: its flags are a4, not logged). */
	bool has_mmap;
	int mmap_fd;
	uint64_t mmap_flags;
	uint64_t op_flags;
	bool exchange;

	/* SYSEV_EXECVE, arguments cut by godo's cap (argvdec.h): their
	 * tails (ncut_lost more had no room), and the SHA-256 of the whole
	 * argv as logged (lowercase hex; has_args_sha256 false for argv from
	 * PROCTITLE or when a record of it is missing). */
	struct sysev_argcut cut[SYSEV_ARGCUT_MAX];
	unsigned int ncut, ncut_lost;
	bool has_args_sha256;
	char args_sha256[65];

	/* SYSEV_EXECVE: argv from the EXECVE records (chunks joined);
	 * PROCTITLE only when there was no EXECVE record. */
	unsigned int argc;
	struct str argv[1024]; /* ARGS_MAX_COUNT */
	bool args_truncated;   /* more than fits ARGS_MAX_*, or chunks lost */
	/* argv split from PROCTITLE: 128 bytes at most, cached per task,
	 * may be stale (kernel-interfaces.md 1.7) */
	bool args_from_proctitle;
	/* neither EXECVE nor PROCTITLE came (any event kind: argvdec_end) */
	bool args_none;
	/* a successful exec with args_none: its records were lost (reassembly
	 * or the kernel, counted there) or PROCTITLE was excluded (-proctitle
	 * off): the document says argv is unknown, not that it was empty */
	bool args_missing;
	/* more than SYSEV_MAX_PATHS named items, or a name over PATH_MAX_BYTES
	 */
	bool paths_truncated;
};

struct reasm_event;
struct sysevent_dec; /* opaque: the decoder's scratch space */

/* One decoder per consumer, allocated once (about 260 KiB of scratch);
 * NULL, logged, when out of memory. Freed with sysevent_dec_free (NULL is
 * ignored). */
struct sysevent_dec *sysevent_dec_new(void);
void sysevent_dec_free(struct sysevent_dec *d);
/* Decodes ev into *out without allocating; the strings in *out point into
 * d's scratch space and stay valid until the next sysevent_decode() with d.
 * argv[argc..] are not cleared. Never fails on bad field values: they are
 * skipped (or kept raw) and the rest is decoded. out->partial is also set
 * when reasm had to drop records of the event (reasm_event.truncated).
 * Returns 0, or -1 when ev holds no record (then *out is only zeroed, with
 * serial and partial). */
int sysevent_decode(struct sysevent_dec *d, const struct reasm_event *ev,
                    struct sysevent *out);

#endif
