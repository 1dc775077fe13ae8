/* pathops.c - static helper for tests/e2e/test_paths.py (busybox has no
 * applet for these):
 *   pathops opath DIR NAME GO   open DIR O_PATH now, wait (60 s at most)
 *                               until GO exists, then create NAME through
 *                               that dirfd (openat) and write to it;
 *                               keep the dirfd 3 s more
 *   pathops tmpfile DIR NAME    an O_TMPFILE file in DIR, written, then
 *                               linked as NAME via /proc/self/fd/N
 *   pathops deep N NAME         N directories of 100 'a' below the cwd,
 *                               entered one by one (a cwd longer than the
 *                               kernel prints), NAME created there, then
 *                               exec /bin/busybox true from it */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int
opath(const char *dir, const char *name, const char *go)
{
	int d = open(dir, O_PATH | O_DIRECTORY), fd, i;

	if (d < 0) {
		perror("open dir");
		return 1;
	}
	for (i = 0; i < 1200 && access(go, F_OK) != 0; i++)
		usleep(50000);
	fd = openat(d, name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "opath\n", 6) != 6) {
		perror("openat");
		return 1;
	}
	close(fd);
	sleep(3); /* a process that keeps its dirfd: godo reads its link */
	close(d);
	return 0;
}

static int
tmp_link(const char *dir, const char *name)
{
	char p[64];
	int fd = open(dir, O_TMPFILE | O_WRONLY, 0644);

	if (fd < 0 || write(fd, "tmpfile\n", 8) != 8) {
		perror("O_TMPFILE");
		return 1;
	}
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, p, AT_FDCWD, name, AT_SYMLINK_FOLLOW) != 0) {
		perror("linkat");
		return 1;
	}
	close(fd);
	return 0;
}

static int
deep(int n, const char *name)
{
	char seg[101];
	int i, fd;

	memset(seg, 'a', 100);
	seg[100] = '\0';
	for (i = 0; i < n; i++) {
		if ((mkdir(seg, 0755) != 0 && errno != EEXIST) ||
		    chdir(seg) != 0) {
			perror("deep");
			return 1;
		}
	}
	fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "deep\n", 5) != 5) {
		perror("deep open");
		return 1;
	}
	close(fd);
	execl("/bin/busybox", "true", (char *)NULL);
	perror("exec");
	return 1;
}

int
main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "opath") == 0)
		return opath(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "tmpfile") == 0)
		return tmp_link(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "deep") == 0)
		return deep(atoi(argv[2]), argv[3]);
	fprintf(stderr, "usage: pathops opath DIR NAME GO | tmpfile DIR NAME | "
	                "deep N NAME\n");
	return 2;
}
