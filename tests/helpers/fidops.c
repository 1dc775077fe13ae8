/* fidops.c - test helper, built static for the busybox image: the writes
 * that are not write(2) and the file operations busybox has no applet for,
 * one per invocation, each checked (exit 1 with a message on failure).
 *   fidops cfr SRC DST       copy_file_range SRC into DST (created)
 *   fidops sendfile SRC DST  sendfile SRC into DST (created)
 *   fidops splice SRC DST    SRC -> pipe -> DST (created) with splice
 *   fidops mmap FILE LEN     FILE (created, LEN bytes) changed through a
 *                            PROT_WRITE|MAP_SHARED mapping; also maps it
 *                            read-only shared and writable private (those
 *                            two change nothing on disk)
 *   fidops falloc FILE       fallocate: plain (mode 0, not a change of
 *                            content), then punch-hole, zero-range
 *   fidops exchange A B      renameat2(A, B, RENAME_EXCHANGE)
 *   fidops mount SRC DIR     tmpfs on DIR, file SRC bind-mounted on DIR/b,
 *                            both
 *                            unmounted (needs CAP_SYS_ADMIN)
 *   fidops handle FILE       name_to_handle_at + open_by_handle_at
 *                            (needs CAP_DAC_READ_SEARCH)
 * Prints the byte counts the kernel returned, one "op bytes" line each. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static int
open_or_die(const char *path, int flags)
{
	int fd = open(path, flags, 0644);

	if (fd < 0)
		die(path);
	return fd;
}

static long long
src_size(int fd)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		die("fstat");
	return (long long)st.st_size;
}

static int
do_cfr(const char *src, const char *dst)
{
	int in = open_or_die(src, O_RDONLY);
	int out = open_or_die(dst, O_WRONLY | O_CREAT | O_TRUNC);
	long long left = src_size(in);
	ssize_t n;

	while (left > 0) {
		n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n <= 0)
			die("copy_file_range");
		printf("copy_file_range %zd\n", n);
		left -= n;
	}
	return close(out) != 0 || close(in) != 0;
}

static int
do_sendfile(const char *src, const char *dst)
{
	int in = open_or_die(src, O_RDONLY);
	int out = open_or_die(dst, O_WRONLY | O_CREAT | O_TRUNC);
	long long left = src_size(in);
	ssize_t n;

	while (left > 0) {
		n = sendfile(out, in, NULL, (size_t)left);
		if (n <= 0)
			die("sendfile");
		printf("sendfile %zd\n", n);
		left -= n;
	}
	return close(out) != 0 || close(in) != 0;
}

static int
do_splice(const char *src, const char *dst)
{
	int in = open_or_die(src, O_RDONLY);
	int out = open_or_die(dst, O_WRONLY | O_CREAT | O_TRUNC);
	int p[2];
	ssize_t n, m;

	if (pipe(p) != 0)
		die("pipe");
	while ((n = splice(in, NULL, p[1], NULL, 65536, 0)) > 0) {
		while (n > 0) {
			m = splice(p[0], NULL, out, NULL, (size_t)n, 0);
			if (m <= 0)
				die("splice out");
			printf("splice %zd\n", m);
			n -= m;
		}
	}
	if (n < 0)
		die("splice in");
	return close(out) != 0 || close(in) != 0;
}

static int
do_mmap(const char *path, const char *len_s)
{
	size_t len = (size_t)strtoul(len_s, NULL, 10);
	int fd = open_or_die(path, O_RDWR | O_CREAT | O_TRUNC);
	char *m;

	if (len == 0 || ftruncate(fd, (off_t)len) != 0)
		die("ftruncate");
	/* read-only shared and writable private: not recorded */
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED || munmap(m, len) != 0)
		die("mmap read");
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		die("mmap private");
	memset(m, 'p', len);
	if (munmap(m, len) != 0)
		die("munmap");
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap shared");
	memset(m, 'm', len);
	if (msync(m, len, MS_SYNC) != 0 || munmap(m, len) != 0)
		die("msync");
	printf("mmap %zu\n", len);
	return close(fd) != 0;
}

static int
do_falloc(const char *path)
{
	int fd = open_or_die(path, O_RDWR | O_CREAT);

	if (fallocate(fd, 0, 0, 65536) != 0)
		die("fallocate");
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096,
	              8192) != 0)
		die("fallocate punch-hole");
	if (fallocate(fd, FALLOC_FL_ZERO_RANGE, 16384, 4096) != 0)
		perror("fallocate zero-range"); /* not every fs has it */
	printf("fallocate 3\n");
	return close(fd) != 0;
}

static int
do_exchange(const char *a, const char *b)
{
	if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0)
		die("renameat2");
	printf("exchange 0\n");
	return 0;
}

static int
do_mount(const char *src, const char *dir)
{
	char b[4096];
	int fd;

	snprintf(b, sizeof(b), "%s/b", dir);
	if (mount("fidtmp", dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") != 0)
		die("mount tmpfs");
	fd = open(b, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || close(fd) != 0)
		die(b);
	if (mount(src, b, NULL, MS_BIND, NULL) != 0)
		die("mount bind");
	if (umount2(b, MNT_DETACH) != 0 || umount(dir) != 0)
		die("umount");
	printf("mount 2\n");
	return 0;
}

static int
do_handle(const char *path)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[MAX_HANDLE_SZ];
	} h;
	int mnt, fd;

	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt, 0) != 0)
		die("name_to_handle_at");
	/* any object of the file's filesystem names the mount */
	mnt = open_or_die(path, O_RDONLY);
	fd = open_by_handle_at(mnt, &h.fh, O_RDWR);
	if (fd < 0)
		die("open_by_handle_at");
	if (write(fd, "h\n", 2) != 2)
		die("write");
	printf("open_by_handle_at %d\n", fd);
	return close(fd) != 0 || close(mnt) != 0;
}

int
main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";

	if (strcmp(op, "cfr") == 0 && argc == 4)
		return do_cfr(argv[2], argv[3]);
	if (strcmp(op, "sendfile") == 0 && argc == 4)
		return do_sendfile(argv[2], argv[3]);
	if (strcmp(op, "splice") == 0 && argc == 4)
		return do_splice(argv[2], argv[3]);
	if (strcmp(op, "mmap") == 0 && argc == 4)
		return do_mmap(argv[2], argv[3]);
	if (strcmp(op, "falloc") == 0 && argc == 3)
		return do_falloc(argv[2]);
	if (strcmp(op, "exchange") == 0 && argc == 4)
		return do_exchange(argv[2], argv[3]);
	if (strcmp(op, "mount") == 0 && argc == 4)
		return do_mount(argv[2], argv[3]);
	if (strcmp(op, "handle") == 0 && argc == 3)
		return do_handle(argv[2]);
	fprintf(stderr, "usage: fidops cfr|sendfile|splice SRC DST | mmap FILE "
	                "LEN | falloc FILE | exchange A B | mount SRC DIR | "
	                "handle FILE\n");
	return 2;
}
