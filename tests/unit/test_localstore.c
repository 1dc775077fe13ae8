/* test_localstore.c - finding the local store's executable in a fake /proc
 * tree (net/tcp, net/tcp6, PID/fd/N and PID/exe links) built in a
 * temporary directory: no root, no store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "localstore.h"

/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
#define TCP_HEAD                                                               \
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "  \
	"retrnsmt   uid  timeout inode\n"
#define TCP_LINE(local, st, inode)                                             \
	"   0: " local " 00000000:0000 " st " 00000000:00000000 00:00000000 "  \
	"00000000   999        0 " inode " 1 0000000000000000 100 0 0 10 0\n"

struct tree {
	char root[64];
};

static void
put_file(const char *root, const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
put_dir(const char *root, const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0700), 0);
}

static void
put_link(const char *root, const char *rel, const char *target)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

/* 123: mongod listening on 127.0.0.1:27017 (socket 424242);
 * 45: a client with an established socket on 27019 (555);
 * 678: a store on [::1]:27020 in tcp6 (777). */
static int
setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	snprintf(t->root, sizeof(t->root), "/tmp/godo-ls-XXXXXX");
	if (mkdtemp(t->root) == NULL)
		return -1;
	put_dir(t->root, "net");
	put_file(t->root, "net/tcp",
	         TCP_HEAD TCP_LINE("0100007F:6989", "0A", "424242")
	             TCP_LINE("0100007F:698B", "01", "555"));
	put_file(t->root, "net/tcp6",
	         TCP_HEAD TCP_LINE("00000000000000000000000001000000:698C",
	                           "0A", "777"));
	put_dir(t->root, "self"); /* not a pid: skipped */
	put_dir(t->root, "45");
	put_dir(t->root, "45/fd");
	put_link(t->root, "45/fd/0", "/dev/null");
	put_link(t->root, "45/fd/5", "socket:[555]");
	put_link(t->root, "45/exe", "/usr/bin/client");
	put_dir(t->root, "123");
	put_dir(t->root, "123/fd");
	put_link(t->root, "123/fd/1", "pipe:[9]");
	put_link(t->root, "123/fd/7", "socket:[424242]");
	put_link(t->root, "123/exe", "/usr/bin/mongod");
	put_dir(t->root, "678");
	put_dir(t->root, "678/fd");
	put_link(t->root, "678/fd/3", "socket:[777]");
	put_link(t->root, "678/exe", "/opt/ferretdb/bin/ferretdb");
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct tree *t = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->root);
	assert_int_equal(system(cmd), 0);
	free(t);
	return 0;
}

static void
test_localstore_finds_listener(void **state)
{
	struct tree *t = *state;
	char exe[64];

	assert_int_equal(
	    localstore_exe_at(t->root, "127.0.0.1:27017", exe, sizeof(exe)), 1);
	assert_string_equal(exe, "/usr/bin/mongod");
	/* a URI with credentials and no port: 27017 */
	memset(exe, 0, sizeof(exe));
	assert_int_equal(localstore_exe_at(t->root,
	                                   "mongodb://u:p@localhost/db", exe,
	                                   sizeof(exe)),
	                 1);
	assert_string_equal(exe, "/usr/bin/mongod");
}

static void
test_localstore_tcp6_and_brackets(void **state)
{
	struct tree *t = *state;
	char exe[64];

	assert_int_equal(localstore_exe_at(t->root, "mongodb://[::1]:27020/",
	                                   exe, sizeof(exe)),
	                 1);
	assert_string_equal(exe, "/opt/ferretdb/bin/ferretdb");
}

static void
test_localstore_not_local_or_not_listening(void **state)
{
	struct tree *t = *state;
	char exe[64] = "";

	assert_int_equal(
	    localstore_exe_at(t->root, "db.example:27017", exe, sizeof(exe)),
	    0);
	assert_int_equal(localstore_exe_at(t->root, "mongodb+srv://localhost/",
	                                   exe, sizeof(exe)),
	                 0);
	/* nobody listens on 27018; 27019 is only an established socket */
	assert_int_equal(
	    localstore_exe_at(t->root, "127.0.0.1:27018", exe, sizeof(exe)), 0);
	assert_int_equal(
	    localstore_exe_at(t->root, "127.0.0.1:27019", exe, sizeof(exe)), 0);
	assert_int_equal(
	    localstore_exe_at(t->root, "127.0.0.1:99999", exe, sizeof(exe)), 0);
	assert_int_equal(
	    localstore_exe_at(t->root, "[::1:27017", exe, sizeof(exe)), 0);
	assert_string_equal(exe, "");
}

static void
test_localstore_exe_cut_to_buffer(void **state)
{
	struct tree *t = *state;
	char exe[8];

	assert_int_equal(
	    localstore_exe_at(t->root, "127.0.0.1:27017", exe, sizeof(exe)), 1);
	assert_string_equal(exe, "/usr/bi");
	assert_int_equal(localstore_exe_at("/nonexistent", "127.0.0.1:27017",
	                                   exe, sizeof(exe)),
	                 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_localstore_finds_listener),
	    cmocka_unit_test(test_localstore_tcp6_and_brackets),
	    cmocka_unit_test(test_localstore_not_local_or_not_listening),
	    cmocka_unit_test(test_localstore_exe_cut_to_buffer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
