/* clonefiles.c - test helper, built static for the busybox image: a child
 * cloned with CLONE_FILES (not a thread: its own pid) shares the parent's
 * descriptor table. The child first opens /dev/null for writing (an
 * audited call before the parent's open: a recorder that copied the table
 * then would miss what follows), then the parent opens OUT and passes the
 * number through a pipe; the child writes "child\n" through it, then the
 * parent "parent\n" and closes it. Usage: clonefiles OUT */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int down[2], up[2]; /* parent -> child, child -> parent */
static char stack[64 * 1024];

static int
child(void *arg)
{
	char c;
	int fd;

	(void)arg;
	if (read(down[0], &c, 1) != 1 || open("/dev/null", O_WRONLY) < 0 ||
	    write(up[1], "r", 1) != 1)
		return 2;
	if (read(down[0], &fd, sizeof(fd)) != (ssize_t)sizeof(fd))
		return 2;
	return write(fd, "child\n", 6) == 6 ? 0 : 3;
}

int
main(int argc, char **argv)
{
	int st, fd;
	char c;
	pid_t pid;

	if (argc != 2 || pipe(down) != 0 || pipe(up) != 0)
		return 1;
	pid = clone(child, stack + sizeof(stack), CLONE_FILES | SIGCHLD, NULL);
	if (pid < 0 || write(down[1], "g", 1) != 1 || read(up[0], &c, 1) != 1)
		return 1;
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(down[1], &fd, sizeof(fd)) != (ssize_t)sizeof(fd))
		return 1;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		return 4;
	if (write(fd, "parent\n", 7) != 7 || close(fd) != 0)
		return 5;
	return 0;
}
