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

/* The task is gone: its directory goes. */
static inline void
fakeproc_gone(struct fakeproc *fp, int pid)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%d", fp->root, pid);
	assert_int_equal(nftw(p, fakeproc_rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

#endif
