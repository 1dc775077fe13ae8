/* procfs.h - bounded /proc readers. Each is a pure parser over text (unit
 * tests feed captured text) plus a thin reader. Contents are never trusted:
 * comm may hold ')', spaces and newlines; cmdlines may be huge; a link
 * target may end in " (deleted)". All buffers are caller-provided and
 * bounded; nothing allocates except the task scan's directory handles. */
#ifndef GODO_PROCFS_H
#define GODO_PROCFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

#define PROCFS_COMM_MAX 64 /* kernel comm is 16; room for odd input */
#define PROCFS_NSPID_MAX 8
#define PROCFS_DOCKER_ID_LEN 64
#define PROCFS_BOOT_ID_LEN 36
#define PROCFS_ROOT "/proc"

struct procfs_stat {
	int32_t pid;
	char comm[PROCFS_COMM_MAX]; /* NUL-terminated, may contain anything */
	bool comm_truncated;
	char state;
	int32_t ppid;
	uint64_t starttime; /* field 22: USER_HZ ticks since boot (BOOTTIME) */
};

struct procfs_status {
	int32_t tgid, ppid;
	int32_t nspid[PROCFS_NSPID_MAX]; /* host first, innermost last */
	unsigned int nnspid;
};

/* Reads a whole /proc file into buf (at most cap - 1 bytes, then NUL).
 * Returns bytes read, -1 on error (errno; ENOENT/ESRCH when the task is
 * gone). *truncated (may be NULL) tells the file had more. */
ssize_t procfs_read_file(const char *path, char *buf, size_t cap,
                         bool *truncated);

/* /proc/PID/stat text: comm between the first '(' and the LAST ')', the
 * rest split after that ')'. 0 or -1 (malformed). */
int procfs_parse_stat(const char *buf, size_t n, struct procfs_stat *st);
/* The readers take the proc root ("/proc", or a directory a test filled
 * with the same files). tid <= 0: root/pid/stat, else
 * root/pid/task/tid/stat. */
int procfs_read_stat(const char *root, pid_t pid, pid_t tid,
                     struct procfs_stat *st);

/* /proc/PID/status: Tgid, PPid, NSpid. 0, or -1 when Tgid or PPid is
 * missing or bad. (Parser only: fuzzed; godo reads stat instead.) */
int procfs_parse_status(const char *buf, size_t n, struct procfs_status *st);

/* /proc/PID/cgroup: the 64-hex docker container id in any of the forms
 * ".../docker/<id>" (v1 and v2 cgroupfs driver) or ".../docker-<id>.scope"
 * (systemd driver). id gets 64 chars + NUL. 1 found, 0 none, -1 error. */
int procfs_parse_cgroup(const char *buf, size_t n,
                        char id[PROCFS_DOCKER_ID_LEN + 1]);
int procfs_read_cgroup(const char *root, pid_t pid,
                       char id[PROCFS_DOCKER_ID_LEN + 1]);

/* /proc/PID/mountinfo: the host path of the root mount when it is an
 * overlay (Docker's overlay2): its upperdir with "/diff" replaced by
 * "/merged", NUL-terminated in out. Length, or -1 (no overlay root, or
 * it does not fit in cap). */
ssize_t procfs_parse_overlay_root(const char *buf, size_t n, char *out,
                                  size_t cap);
ssize_t procfs_read_overlay_root(const char *root, pid_t pid, char *out,
                                 size_t cap);

/* Splits NUL-separated cmdline bytes into at most max slices into buf.
 * A missing final NUL (a truncated read, or a process that rewrote its
 * argv) still yields the last argument. Returns argc; *more is set when
 * arguments did not fit in max. */
size_t procfs_split_cmdline(const char *buf, size_t n, struct str *argv,
                            size_t max, bool *more);
/* Reads /proc/PID/cmdline into buf (cap bytes, not NUL-terminated beyond
 * what the kernel wrote); *truncated when the cmdline was longer. Returns
 * the byte count, -1 on error. A kernel thread gives 0. */
ssize_t procfs_read_cmdline(const char *root, pid_t pid, char *buf, size_t cap,
                            bool *truncated);

/* Strips a trailing " (deleted)" from a link target of n bytes, sets
 * *deleted; returns the new length. */
size_t procfs_strip_deleted(const char *buf, size_t n, bool *deleted);
/* readlink root/PID/<what> ("cwd", "exe", "fd/3") into buf,
 * NUL-terminated; returns the length, -1 on error; ENAMETOOLONG when it did
 * not fit. */
ssize_t procfs_readlink(const char *root, pid_t pid, const char *what,
                        char *buf, size_t cap, bool *deleted);
/* What /proc refuses a recorder without CAP_SYS_PTRACE (-privsep),
 * answered by someone who kept it (prochelp.h): procfs_readlink and
 * rootcache ask the gate when a link under PROCFS_ROOT gives EACCES or
 * EPERM, so their callers never branch. readlink as readlink(2) into buf
 * (cap; NUL-terminated; " (deleted)" left in): length or -1 (errno);
 * root: the task's root identity and, with fd non-NULL, an O_PATH
 * descriptor the caller owns: 0 or -1 (errno). */
struct procfs_gate {
	ssize_t (*readlink)(void *arg, pid_t pid, const char *what, char *buf,
	                    size_t cap);
	int (*root)(void *arg, pid_t pid, int *fd, uint64_t *mnt_id,
	            uint64_t *ino);
	void *arg;
};
/* One per process (the recorder's); NULL: none. g must outlive its use. */
void procfs_set_gate(const struct procfs_gate *g);
/* The gate for root ("/proc" only: a test's directory never has one)
 * after a failure with errno e; NULL when it does not apply. */
const struct procfs_gate *procfs_gate_for(const char *root, int e);

/* The path godo's own descriptor fd names (/proc/self/fd/N) as the kernel
 * prints it from godo's root, NUL-terminated in buf (cap); its length, or
 * -1 when it is no plain absolute path (unlinked, too long, anonymous). */
ssize_t procfs_fd_path(int fd, char *buf, size_t cap);

/* The boot id (36 chars + NUL), checked to be a UUID. 0 or -1. */
int procfs_parse_boot_id(const char *buf, size_t n,
                         char out[PROCFS_BOOT_ID_LEN + 1]);
int procfs_boot_id(char out[PROCFS_BOOT_ID_LEN + 1]);

/* REALTIME - MONOTONIC and REALTIME - BOOTTIME in ns: the other clock is
 * read before and after REALTIME and averaged; the tightest of a few
 * samples is kept. 0 or -1. */
int procfs_clock_offsets(int64_t *real_minus_mono, int64_t *real_minus_boot);

/* sysconf(_SC_CLK_TCK); 100 if that fails. */
long procfs_user_hz(void);

/* Calls fn(pid, tid, arg) for every task under root/[0-9]*\/task/[0-9]*.
 * fn returns 0 to go on, nonzero to stop. Tasks that vanish mid-scan are
 * skipped. Returns tasks visited, -1 when /proc cannot be opened. */
typedef int procfs_task_fn(pid_t pid, pid_t tid, void *arg);
ssize_t procfs_scan_tasks(const char *root, procfs_task_fn *fn, void *arg);

#endif
