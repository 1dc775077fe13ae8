/* syscalls.c - see syscalls.h. The per-arch numbers of the syscalls godo
 * models, and the kind of event each one is. */
#include "syscalls.h"

#include <stddef.h>

/* Per-arch numbers of the syscalls godo models; NONE where the arch lacks
 * one. A linear scan of 80 rows per event costs less than parsing it.
 * fchmodat2 (452 on both) is newer than the libaudit table. */
#define NONE (-1)
static const struct sc_number {
	enum sc sc;
	int x86_64, i386;
} sc_numbers[] = {
    {SC_EXECVE, 59, 11},            /* execve */
    {SC_EXECVEAT, 322, 358},        /* execveat */
    {SC_CLONE, 56, 120},            /* clone */
    {SC_CLONE, 57, 2},              /* fork */
    {SC_CLONE, 58, 190},            /* vfork */
    {SC_CLONE, 435, 435},           /* clone3 */
    {SC_EXIT, 60, 1},               /* exit */
    {SC_EXIT, 231, 252},            /* exit_group */
    {SC_OPEN, 2, 5},                /* open */
    {SC_OPENAT, 257, 295},          /* openat */
    {SC_OPENAT2, 437, 437},         /* openat2 */
    {SC_CREAT, 85, 8},              /* creat */
    {SC_WRITE, 1, 4},               /* write */
    {SC_WRITE, 18, 181},            /* pwrite64 */
    {SC_WRITE, 20, 146},            /* writev */
    {SC_WRITE, 296, 334},           /* pwritev */
    {SC_WRITE, 328, 379},           /* pwritev2 */
    {SC_CLOSE, 3, 6},               /* close */
    {SC_RENAME, 82, 38},            /* rename */
    {SC_RENAMEAT, 264, 302},        /* renameat */
    {SC_RENAMEAT, 316, 353},        /* renameat2 */
    {SC_UNLINK, 87, 10},            /* unlink */
    {SC_UNLINKAT, 263, 301},        /* unlinkat */
    {SC_TRUNCATE, 76, 92},          /* truncate */
    {SC_TRUNCATE, 77, 93},          /* ftruncate */
    {SC_TRUNCATE, NONE, 193},       /* truncate64 */
    {SC_TRUNCATE, NONE, 194},       /* ftruncate64 */
    {SC_PIVOT_ROOT, 155, 217},      /* pivot_root */
    {SC_SETNS, 308, 346},           /* setns */
    {SC_UNSHARE, 272, 310},         /* unshare */
    {SC_DUP, 32, 41},               /* dup */
    {SC_DUP, 33, 63},               /* dup2 */
    {SC_DUP3, 292, 330},            /* dup3 */
    {SC_CHMOD, 90, 15},             /* chmod */
    {SC_FCHMOD, 91, 94},            /* fchmod */
    {SC_FCHMODAT, 268, 306},        /* fchmodat */
    {SC_FCHMODAT, 452, 452},        /* fchmodat2 */
    {SC_CHOWN, 92, 212},            /* chown (i386: chown32) */
    {SC_CHOWN, 94, 198},            /* lchown (i386: lchown32) */
    {SC_CHOWN16, NONE, 182},        /* chown */
    {SC_CHOWN16, NONE, 16},         /* lchown */
    {SC_FCHOWN, 93, 207},           /* fchown (i386: fchown32) */
    {SC_FCHOWN16, NONE, 95},        /* fchown */
    {SC_FCHOWNAT, 260, 298},        /* fchownat */
    {SC_SETXATTR, 188, 226},        /* setxattr */
    {SC_SETXATTR, 189, 227},        /* lsetxattr */
    {SC_FSETXATTR, 190, 228},       /* fsetxattr */
    {SC_RMXATTR, 197, 235},         /* removexattr */
    {SC_RMXATTR, 198, 236},         /* lremovexattr */
    {SC_FRMXATTR, 199, 237},        /* fremovexattr */
    {SC_UTIME, 132, 30},            /* utime */
    {SC_UTIME, 235, 271},           /* utimes */
    {SC_UTIMENSAT, 280, 320},       /* utimensat */
    {SC_UTIMENSAT, NONE, 412},      /* utimensat_time64 */
    {SC_FUTIMESAT, 261, 299},       /* futimesat */
    {SC_LINK, 86, 9},               /* link */
    {SC_LINKAT, 265, 303},          /* linkat */
    {SC_SYMLINK, 88, 83},           /* symlink */
    {SC_SYMLINKAT, 266, 304},       /* symlinkat */
    {SC_MKDIR, 83, 39},             /* mkdir */
    {SC_MKDIRAT, 258, 296},         /* mkdirat */
    {SC_RMDIR, 84, 40},             /* rmdir */
    {SC_MKNOD, 133, 14},            /* mknod */
    {SC_MKNODAT, 259, 297},         /* mknodat */
    {SC_COPY_FILE_RANGE, 326, 377}, /* copy_file_range */
    {SC_SENDFILE, 40, 187},         /* sendfile */
    {SC_SENDFILE, NONE, 239},       /* sendfile64 */
    {SC_SPLICE, 275, 313},          /* splice */
    {SC_MMAP, 9, 192},              /* mmap (i386: mmap2; its old_mmap
                                     * takes a struct, not in godo's rule) */
    {SC_FALLOCATE, 285, 324},       /* fallocate */
    {SC_MOUNT, 165, 21},            /* mount */
    {SC_UMOUNT, NONE, 22},          /* umount */
    {SC_UMOUNT, 166, 52},           /* umount2 */
    {SC_OPEN_BY_HANDLE, 304, 342},  /* open_by_handle_at */
    {SC_FCNTL, 72, 55},             /* fcntl */
    {SC_FCNTL, NONE, 221},          /* fcntl64 */
    {SC_CLOSE_RANGE, 436, 436},     /* close_range */
};
#undef NONE

enum sc
syscalls_lookup(uint32_t arch, int nr)
{
	size_t i;

	if (nr < 0 || (arch != ARCH_X86_64 && arch != ARCH_I386))
		return SC_NONE;
	for (i = 0; i < sizeof(sc_numbers) / sizeof(sc_numbers[0]); i++)
		if ((arch == ARCH_X86_64 ? sc_numbers[i].x86_64
		                         : sc_numbers[i].i386) == nr)
			return sc_numbers[i].sc;
	return SC_NONE;
}

static const enum sysev_kind sc_kind[] = {
    [SC_NONE] = SYSEV_OTHER,
    [SC_EXECVE] = SYSEV_EXECVE,
    [SC_EXECVEAT] = SYSEV_EXECVE,
    [SC_CLONE] = SYSEV_CLONE,
    [SC_EXIT] = SYSEV_EXIT,
    [SC_OPEN] = SYSEV_OPEN,
    [SC_OPENAT] = SYSEV_OPEN,
    [SC_OPENAT2] = SYSEV_OPEN,
    [SC_CREAT] = SYSEV_OPEN,
    [SC_WRITE] = SYSEV_WRITE,
    [SC_CLOSE] = SYSEV_CLOSE,
    [SC_RENAME] = SYSEV_RENAME,
    [SC_RENAMEAT] = SYSEV_RENAME,
    [SC_UNLINK] = SYSEV_UNLINK,
    [SC_UNLINKAT] = SYSEV_UNLINK,
    [SC_TRUNCATE] = SYSEV_TRUNCATE,
    [SC_PIVOT_ROOT] = SYSEV_PIVOT_ROOT,
    [SC_SETNS] = SYSEV_SETNS,
    [SC_UNSHARE] = SYSEV_UNSHARE,
    [SC_DUP] = SYSEV_DUP,
    [SC_CHMOD] = SYSEV_CHMOD,
    [SC_FCHMOD] = SYSEV_CHMOD,
    [SC_FCHMODAT] = SYSEV_CHMOD,
    [SC_CHOWN] = SYSEV_CHOWN,
    [SC_CHOWN16] = SYSEV_CHOWN,
    [SC_FCHOWN] = SYSEV_CHOWN,
    [SC_FCHOWN16] = SYSEV_CHOWN,
    [SC_FCHOWNAT] = SYSEV_CHOWN,
    [SC_SETXATTR] = SYSEV_SETXATTR,
    [SC_FSETXATTR] = SYSEV_SETXATTR,
    [SC_RMXATTR] = SYSEV_REMOVEXATTR,
    [SC_FRMXATTR] = SYSEV_REMOVEXATTR,
    [SC_UTIME] = SYSEV_UTIMES,
    [SC_UTIMENSAT] = SYSEV_UTIMES,
    [SC_FUTIMESAT] = SYSEV_UTIMES,
    [SC_LINK] = SYSEV_LINK,
    [SC_LINKAT] = SYSEV_LINK,
    [SC_SYMLINK] = SYSEV_SYMLINK,
    [SC_SYMLINKAT] = SYSEV_SYMLINK,
    [SC_MKDIR] = SYSEV_MKDIR,
    [SC_MKDIRAT] = SYSEV_MKDIR,
    [SC_RMDIR] = SYSEV_RMDIR,
    [SC_MKNOD] = SYSEV_MKNOD,
    [SC_MKNODAT] = SYSEV_MKNOD,
    [SC_COPY_FILE_RANGE] = SYSEV_XWRITE,
    [SC_SENDFILE] = SYSEV_XWRITE,
    [SC_SPLICE] = SYSEV_XWRITE,
    [SC_MMAP] = SYSEV_MMAP,
    [SC_FALLOCATE] = SYSEV_FALLOCATE,
    [SC_MOUNT] = SYSEV_MOUNT,
    [SC_UMOUNT] = SYSEV_UMOUNT,
    [SC_OPEN_BY_HANDLE] = SYSEV_OPEN_BY_HANDLE,
    [SC_DUP3] = SYSEV_DUP,
    [SC_FCNTL] = SYSEV_FCNTL,
    [SC_CLOSE_RANGE] = SYSEV_CLOSE_RANGE,
};

enum sysev_kind
syscalls_kind(enum sc sc)
{
	return (size_t)sc < sizeof(sc_kind) / sizeof(sc_kind[0]) ? sc_kind[sc]
	                                                         : SYSEV_OTHER;
}
