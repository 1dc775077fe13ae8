/* syscalls.h - the syscalls godo models: the audit SYSCALL record's arch and
 * number turned into one id (enum sc) and the kind of event it is (enum
 * sysev_kind). Pure tables, no state; x86_64 and i386 only. */
#ifndef GODO_SYSCALLS_H
#define GODO_SYSCALLS_H

#include <stdint.h>

#include "sysevent.h"

#define ARCH_X86_64 0xc000003eu /* AUDIT_ARCH_X86_64 */
#define ARCH_I386 0x40000003u   /* AUDIT_ARCH_I386 */

/* Syscalls godo models. Per-arch number -> syscall; numbers from
 * `ausyscall x86_64|i386 NAME --exact` (libaudit 3.0.9 tables). */
enum sc {
	SC_NONE,
	SC_EXECVE,
	SC_EXECVEAT,
	SC_CLONE,
	SC_EXIT,
	SC_OPEN,
	SC_OPENAT,
	SC_OPENAT2,
	SC_CREAT,
	SC_WRITE,
	SC_CLOSE,
	SC_RENAME,
	SC_RENAMEAT,
	SC_UNLINK,
	SC_UNLINKAT,
	SC_TRUNCATE,
	SC_PIVOT_ROOT,
	SC_SETNS,
	SC_UNSHARE,
	SC_DUP,
	SC_CHMOD,     /* path, mode a1 */
	SC_FCHMOD,    /* fd a0, mode a1 */
	SC_FCHMODAT,  /* dirfd a0, path, mode a2 (fchmodat2 too) */
	SC_CHOWN,     /* path, uid a1, gid a2 (lchown too) */
	SC_CHOWN16,   /* i386's 16-bit chown, lchown: -1 is 0xffff */
	SC_FCHOWN,    /* fd a0, uid a1, gid a2 */
	SC_FCHOWN16,  /* i386's 16-bit fchown */
	SC_FCHOWNAT,  /* dirfd a0, path, uid a2, gid a3 */
	SC_SETXATTR,  /* path (setxattr, lsetxattr) */
	SC_FSETXATTR, /* fd a0 */
	SC_RMXATTR,   /* path (removexattr, lremovexattr) */
	SC_FRMXATTR,  /* fd a0 */
	SC_UTIME,     /* path (utime, utimes) */
	SC_UTIMENSAT, /* dirfd a0, path a1: NULL (futimens) = fd a0 */
	SC_FUTIMESAT, /* dirfd a0, path */
	SC_LINK,
	SC_LINKAT, /* olddirfd a0, newdirfd a2 */
	SC_SYMLINK,
	SC_SYMLINKAT, /* newdirfd a1 */
	SC_MKDIR,     /* path, mode a1 */
	SC_MKDIRAT,   /* dirfd a0, mode a2 */
	SC_RMDIR,
	SC_MKNOD,   /* path, mode a1 */
	SC_MKNODAT, /* dirfd a0, mode a2 */
	/* writes that are not write(2): the destination descriptor */
	SC_COPY_FILE_RANGE, /* fd_out a2 */
	SC_SENDFILE,        /* out_fd a0 (sendfile64 too) */
	SC_SPLICE,          /* fd_out a2 */
	SC_MMAP,            /* fd and flags in the MMAP record; prot a2 */
	SC_FALLOCATE,       /* fd a0, mode a1, offset a2, len a3 */
	SC_MOUNT,           /* target, source items; flags a3 */
	SC_UMOUNT,          /* target item; flags a1 (umount2) */
	SC_OPEN_BY_HANDLE,  /* mount_fd a0, flags a2, exit = new fd */
	/* descriptor table (h-fds) */
	SC_DUP3,        /* oldfd a0, newfd a1, flags a2 (O_CLOEXEC) */
	SC_FCNTL,       /* fd a0, cmd a1, arg a2 (fcntl64 too) */
	SC_CLOSE_RANGE, /* first a0, last a1, flags a2 */
};

/* The syscall number nr of arch; SC_NONE for one godo does not model or an
 * arch it does not know. */
enum sc syscalls_lookup(uint32_t arch, int nr);
/* The kind of event syscall sc is; SYSEV_OTHER for SC_NONE. */
enum sysev_kind syscalls_kind(enum sc sc);

#endif
