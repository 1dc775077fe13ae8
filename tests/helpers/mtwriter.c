/* mtwriter.c - test helper, built static for the busybox image: starts
 * NTHREADS threads; thread i opens DIR/t<i>.txt, writes WRITES lines,
 * closes it. All threads hold their file open together (barriers), so no
 * descriptor number is reused while another thread writes: audit names
 * the process, not the thread, of each write (see docs/schema.md).
 * Usage: mtwriter DIR NTHREADS WRITES */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *dir;
static int writes;
static pthread_barrier_t opened, written;

static void *
run(void *arg)
{
	char path[512], line[64];
	int i, fd, n = (int)(long)arg;

	snprintf(path, sizeof(path), "%s/t%d.txt", dir, n);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	pthread_barrier_wait(&opened);
	for (i = 0; i < writes; i++) {
		int len =
		    snprintf(line, sizeof(line), "thread %d line %d\n", n, i);

		if (write(fd, line, (size_t)len) != len) {
			perror("write");
			exit(1);
		}
	}
	pthread_barrier_wait(&written);
	if (close(fd) != 0)
		exit(1);
	return NULL;
}

int
main(int argc, char **argv)
{
	pthread_t th[64];
	int i, n;

	if (argc != 4)
		return 2;
	dir = argv[1];
	n = atoi(argv[2]);
	writes = atoi(argv[3]);
	if (n < 1 || n > 64 || writes < 0)
		return 2;
	if (pthread_barrier_init(&opened, NULL, (unsigned)n) != 0 ||
	    pthread_barrier_init(&written, NULL, (unsigned)n) != 0)
		return 1;
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, run, (void *)(long)i) != 0)
			return 1;
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	return 0;
}
