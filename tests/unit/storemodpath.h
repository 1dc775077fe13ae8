/* storemodpath.h - where a unit test finds the modules of its own build:
 * name (godo-store.so: ../../bin/; the fakes: beside) relative to the test
 * program (<build>/tests/unit/test_x), never from the environment. */
#ifndef GODO_TEST_STOREMODPATH_H
#define GODO_TEST_STOREMODPATH_H

#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static inline void
storemod_test_path(char *out, size_t len, const char *rel)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = '\0';
	snprintf(out, len, "%s/%s", dirname(exe), rel);
}

#endif
