/* test_storemod.c - the store module's loader (storemod.h) refuses what
 * must not run as root: a missing module, one not owned by root (or the
 * caller), one writable by group or others or in such a directory, one
 * without the table or with another interface version; and loads this
 * build's module once. Runs as any user (make check: nobody); the real
 * wrong-owner file needs root and is tried only then. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "storemod.h"
#include "storemodpath.h"

static struct stat
fake_stat(mode_t mode, uid_t uid)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = mode;
	st.st_uid = uid;
	return st;
}

static void
test_storemod_stat_rules(void **state)
{
	char why[128];
	struct stat st;

	(void)state;
	st = fake_stat(S_IFREG | 0755, 0);
	assert_true(storemod_stat_ok(&st, 65534, false, why, sizeof(why)));
	st = fake_stat(S_IFREG | 0644, 65534); /* the caller's own */
	assert_true(storemod_stat_ok(&st, 65534, false, why, sizeof(why)));
	st = fake_stat(S_IFREG | 0644, 1000); /* someone else's */
	assert_false(storemod_stat_ok(&st, 0, false, why, sizeof(why)));
	assert_non_null(strstr(why, "owned by uid 1000"));
	assert_false(storemod_stat_ok(&st, 65534, false, why, sizeof(why)));
	st = fake_stat(S_IFREG | 0664, 0);
	assert_false(storemod_stat_ok(&st, 0, false, why, sizeof(why)));
	assert_non_null(strstr(why, "its group"));
	st = fake_stat(S_IFREG | 0646, 0);
	assert_false(storemod_stat_ok(&st, 0, false, why, sizeof(why)));
	assert_non_null(strstr(why, "others"));
	st = fake_stat(S_IFDIR | 0755, 0); /* a directory as the module */
	assert_false(storemod_stat_ok(&st, 0, false, why, sizeof(why)));
	assert_true(storemod_stat_ok(&st, 0, true, why, sizeof(why)));
	st = fake_stat(S_IFDIR | 01777, 0); /* /tmp: not for code */
	assert_false(storemod_stat_ok(&st, 0, true, why, sizeof(why)));
	assert_non_null(strstr(why, "its directory"));
}

/* A copy of this build's module at dir/name with mode m. */
static void
copy_module(const char *dir, const char *name, mode_t m, char *out, size_t len)
{
	char src[4096], buf[65536];
	int in, fd;
	ssize_t n;

	storemod_test_path(src, sizeof(src), "../../bin/godo-store.so");
	snprintf(out, len, "%s/%s", dir, name);
	in = open(src, O_RDONLY);
	assert_true(in >= 0);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(fd, buf, (size_t)n), n);
	assert_int_equal(fchmod(fd, m), 0);
	close(fd);
	close(in);
}

static void
expect_refused(const char *path, const char *why)
{
	char err[512];

	err[0] = '\0';
	assert_int_equal(storemod_load(path, err, sizeof(err)), -1);
	if (strstr(err, why) == NULL)
		fail_msg("%s: got \"%s\", want \"%s\"", path, err, why);
	assert_null(storemod_ops());
}

static void
test_storemod_refusals(void **state)
{
	char dir[] = "/tmp/godo-storemod-XXXXXX", p[4096], q[4096];

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	snprintf(p, sizeof(p), "%s/none.so", dir);
	expect_refused(p, "No such file");
	copy_module(dir, "others.so", 0666, p, sizeof(p));
	expect_refused(p, "writable by others");
	copy_module(dir, "group.so", 0664, q, sizeof(q));
	expect_refused(q, "writable by its group");
	assert_int_equal(unlink(q), 0);
	/* a sound file in a directory anyone may write to */
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	expect_refused(p, "its directory is writable by others");
	assert_int_equal(chmod(dir, 0755), 0);
	if (geteuid() == 0) { /* a file of another user, for real */
		assert_int_equal(chown(p, 65534, 65534), 0);
		expect_refused(p, "owned by uid 65534");
	}
	assert_int_equal(unlink(p), 0);
	assert_int_equal(rmdir(dir), 0);
	/* shared objects, but not godo's store module */
	storemod_test_path(p, sizeof(p), "storemod_nosym.so");
	expect_refused(p, "no symbol godo_storemongo");
	storemod_test_path(p, sizeof(p), "storemod_badabi.so");
	expect_refused(p, "interface version 1001");
	/* the test program's directory has no module beside it */
	assert_int_equal(storemod_find(q, sizeof(q), p, sizeof(p)), -1);
	assert_non_null(strstr(p, "no store module"));
}

static void
test_storemod_loads_once(void **state)
{
	char p[4096], err[512];
	const struct storemongo_ops *ops;

	(void)state;
	storemod_test_path(p, sizeof(p), "../../bin/godo-store.so");
	assert_int_equal(storemod_load(p, err, sizeof(err)), 0);
	ops = storemod_ops();
	assert_non_null(ops);
	assert_int_equal(ops->abi, STOREMONGO_ABI);
	assert_non_null(ops->open);
	/* once: a later call loads nothing, not even a refused one */
	storemod_test_path(p, sizeof(p), "storemod_nosym.so");
	assert_int_equal(storemod_load(p, err, sizeof(err)), 0);
	assert_ptr_equal(storemod_ops(), ops);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_storemod_stat_rules),
	    cmocka_unit_test(test_storemod_refusals),
	    cmocka_unit_test(test_storemod_loads_once),
	};

	log_init("godo", LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
