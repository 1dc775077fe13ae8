/* threxec.c - test helper, built static for the busybox image: exec from
 * a thread other than the leader, as Go programs do. Opens KEEP (fd 3,
 * inherited by the new program) and GONE (close-on-exec), starts an idle
 * thread, then a second thread that writes one line to KEEP and execs
 * PROG ARGS...; the leader waits (the kernel ends it at the exec).
 * Usage: threxec KEEP GONE PROG [ARGS...] */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char **prog;

static void *
idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void *
execer(void *arg)
{
	static const char line[] = "before exec\n";

	(void)arg;
	usleep(200 * 1000); /* the threads are known by then */
	if (write(3, line, sizeof(line) - 1) != (ssize_t)sizeof(line) - 1) {
		perror("write");
		exit(1);
	}
	execv(prog[0], prog);
	perror(prog[0]);
	exit(127);
}

int
main(int argc, char **argv)
{
	pthread_t a, b;
	int keep, gone;

	if (argc < 4)
		return 2;
	keep = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	gone = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (keep < 0 || gone < 0 || (keep != 3 && dup2(keep, 3) != 3)) {
		perror("open");
		return 1;
	}
	prog = argv + 3;
	if (pthread_create(&a, NULL, idle, NULL) != 0 ||
	    pthread_create(&b, NULL, execer, NULL) != 0)
		return 1;
	for (;;)
		pause();
}
