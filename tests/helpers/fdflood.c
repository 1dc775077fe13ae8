/* fdflood.c - a descriptor flood for tests/e2e/test_hostile.py: opens
 * count O_PATH (or, with "dir", O_RDONLY|O_DIRECTORY) descriptors of path,
 * holds them secs seconds, closes them, rounds times over. Raises its
 * descriptor limit to the hard limit first. Prints how many it held.
 *   fdflood PATH COUNT SECS [ROUNDS] [dir] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct rlimit rl;
	int count, secs, rounds, r, i, flags = O_PATH | O_CLOEXEC;
	int *fds;

	if (argc < 4) {
		fprintf(stderr,
		        "usage: fdflood PATH COUNT SECS [ROUNDS] [dir]\n");
		return 2;
	}
	count = atoi(argv[2]);
	secs = atoi(argv[3]);
	rounds = argc > 4 ? atoi(argv[4]) : 1;
	if (argc > 5 && strcmp(argv[5], "dir") == 0)
		flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	if (count < 1 || rounds < 1 ||
	    (fds = calloc((size_t)count, sizeof(int))) == NULL)
		return 2;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			perror("setrlimit");
	}
	for (r = 0; r < rounds; r++) {
		int n = 0;

		for (i = 0; i < count; i++) {
			fds[i] = open(argv[1], flags);
			if (fds[i] >= 0)
				n++;
		}
		printf("held %d\n", n);
		fflush(stdout);
		sleep((unsigned int)secs);
		for (i = 0; i < count; i++)
			if (fds[i] >= 0)
				close(fds[i]);
	}
	free(fds);
	return 0;
}
