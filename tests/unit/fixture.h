/* fixture.h - the captured audit text the unit tests read: a file of
 * tests/data/audit/, found from $GODO_TOP or the current directory, whole and
 * NUL-terminated. Include after <cmocka.h>; the caller frees the buffer. */
#ifndef GODO_TEST_FIXTURE_H
#define GODO_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

static char *
fixture_read(const char *name, size_t *len)
{
	const char *top = getenv("GODO_TOP");
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s%stests/data/audit/%s",
	         top != NULL ? top : "", top != NULL ? "/" : "", name);
	f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

#endif
