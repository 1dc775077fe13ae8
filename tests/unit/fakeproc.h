/* fakeproc.h - a fake /proc for the logic tests: a temporary directory
 * with the files godo reads (PID/stat, PID/task/TID/stat, cmdline, cgroup,
 * mountinfo, and the links exe, cwd, fd/N), filled by the test. Include
 * after <cmocka.h>. */
#ifndef GODO_TEST_FAKEPROC_H
#define GODO_TEST_FAKEPROC_H

#define _XOPEN_SOURCE_EXTENDED 1
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fakeproc {
	char root[64];
};

static inline void
fakeproc_new(struct fakeproc *fp)
{
	snprintf(fp->root, sizeof(fp->root), "/tmp/godo-proc-XXXXXX");
	assert_non_null(mkdtemp(fp->root));
}

static inline int
fakeproc_rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static inline void
fakeproc_free(struct fakeproc *fp)
{
	assert_int_equal(
	    nftw(fp->root, fakeproc_rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static inline void
fakeproc_mkdir(const char *p)
{
	if (mkdir(p, 0755) != 0)
		assert_true(access(p, F_OK) == 0);
}

/* root/rel with bytes [0..n) */
static inline void
fakeproc_file(struct fakeproc *fp, const char *rel, const char *data, size_t n)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", fp->root, rel);
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* root/rel -> target */
static inline void
fakeproc_link(struct fakeproc *fp, const char *rel, const char *target)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", fp->root, rel);
	(void)unlink(p);
	assert_int_equal(symlink(target, p), 0);
}

/* A task: root/TGID/task/TID/stat (and root/TGID/stat for a leader). */
static inline void
fakeproc_task(struct fakeproc *fp, int tgid, int tid, int ppid,
              unsigned long long start, const char *comm)
{
	char p[256], stat[256];
	int n;

	snprintf(p, sizeof(p), "%s/%d", fp->root, tgid);
	fakeproc_mkdir(p);
	snprintf(p, sizeof(p), "%s/%d/task", fp->root, tgid);
	fakeproc_mkdir(p);
	snprintf(p, sizeof(p), "%s/%d/task/%d", fp->root, tgid, tid);
	fakeproc_mkdir(p);
	snprintf(p, sizeof(p), "%s/%d/fd", fp->root, tgid);
	fakeproc_mkdir(p);
	n = snprintf(stat, sizeof(stat),
	             "%d (%s) S %d 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 %llu "
	             "0 0\n",
	             tid, comm, ppid, start);
	snprintf(p, sizeof(p), "%d/task/%d/stat", tgid, tid);
	fakeproc_file(fp, p, stat, (size_t)n);
	if (tid == tgid) {
		snprintf(p, sizeof(p), "%d/stat", tgid);
		fakeproc_file(fp, p, stat, (size_t)n);
	}
}

/* root/PID/what holding text */
static inline void
fakeproc_text(struct fakeproc *fp, int pid, const char *what, const char *text,
              size_t n)
{
	char p[64];

	snprintf(p, sizeof(p), "%d/%s", pid, what);
	fakeproc_file(fp, p, text, n);
}

/* pid runs in the host's mount namespace (the fake host task is 1) and
 * in no container's cgroup. */
static inline void
fakeproc_host(struct fakeproc *fp, int pid)
{
	char p[512], rel[64];
	int i;

	for (i = 0; i < 2; i++) {
		int who = i == 0 ? 1 : pid;

		snprintf(p, sizeof(p), "%s/%d", fp->root, who);
		fakeproc_mkdir(p);
		snprintf(p, sizeof(p), "%s/%d/ns", fp->root, who);
		fakeproc_mkdir(p);
		snprintf(rel, sizeof(rel), "%d/ns/mnt", who);
		fakeproc_link(fp, rel, "mnt:[4026531841]");
	}
	fakeproc_text(fp, pid, "cgroup", "0::/\n", 5);
}

/* pid (a host task) listens on a unix socket bound to path, socket inode
 * ino, held as descriptor 9. */
static inline void
fakeproc_serving(struct fakeproc *fp, int pid, const char *path,
                 unsigned long ino)
{
	char p[512], rel[64], text[1024];
	int n;

	fakeproc_host(fp, pid);
	snprintf(p, sizeof(p), "%s/%d/net", fp->root, pid);
	fakeproc_mkdir(p);
	n = snprintf(text, sizeof(text),
	             "Num       RefCount Protocol Flags    Type St Inode Path\n"
	             "0000000000000000: 00000002 00000000 00010000 0001 01 "
	             "%lu %s\n",
	             ino, path);
	fakeproc_text(fp, pid, "net/unix", text, (size_t)n);
	snprintf(p, sizeof(p), "%s/%d/fd", fp->root, pid);
	fakeproc_mkdir(p);
	snprintf(rel, sizeof(rel), "%d/fd/9", pid);
	snprintf(text, sizeof(text), "socket:[%lu]", ino);
	fakeproc_link(fp, rel, text);
}

/* The task is gone: its directory goes. */
static inline void
fakeproc_gone(struct fakeproc *fp, int pid)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%d", fp->root, pid);
	assert_int_equal(nftw(p, fakeproc_rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

#endif
