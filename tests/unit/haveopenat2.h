/* haveopenat2.h - whether openat2 works here: it is missing under valgrind
 * 3.19 (ENOSYS) and before Linux 5.6, and then pathres confirms nothing
 * (every answer unverified); the tests of what it confirms skip. */
#ifndef GODO_TEST_HAVEOPENAT2_H
#define GODO_TEST_HAVEOPENAT2_H

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline bool
have_openat2(void)
{
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_CLOEXEC;
	how.resolve = RESOLVE_IN_ROOT;
	fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));
	if (fd >= 0)
		close((int)fd);
	return fd >= 0 || errno != ENOSYS;
}

#endif
