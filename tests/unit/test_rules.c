/* test_rules.c - the auditctl text of godo's rule set (godo -rules, and
 * what the benchmark gives auditd): both arches, the per-arch syscall
 * names, every group, the pid/exe exclusions and the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

static char *
print_rules(const struct rules_opts *o, int *lines)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	*lines = rules_print(f, o);
	assert_int_equal(fclose(f), 0);
	return text;
}

/* The line for arch whose -S list starts with first, or NULL. */
static const char *
find_line(const char *text, const char *arch, const char *first, char *out,
          size_t cap)
{
	char want[128];
	const char *p, *e;

	snprintf(want, sizeof(want), "-a always,exit -F arch=%s -S %s", arch,
	         first);
	for (p = text; p != NULL && *p != '\0'; p = e ? e + 1 : NULL) {
		e = strchr(p, '\n');
		if (strncmp(p, want, strlen(want)) == 0 &&
		    (p[strlen(want)] == ',' || p[strlen(want)] == ' ')) {
			size_t n = e ? (size_t)(e - p) : strlen(p);

			assert_true(n < cap);
			memcpy(out, p, n);
			out[n] = '\0';
			return out;
		}
	}
	return NULL;
}

static void
test_rules_text_both_arches(void **state)
{
	struct rules_opts o = {.pid = 4242, .exclude_exe = "/usr/bin/mongod"};
	char line[512];
	const char *p;
	char *text;
	int n, count = 0;

	(void)state;
	text = print_rules(&o, &n);
	assert_int_equal(n, 30); /* 14 groups x b64, b32; mmap, mmap2 */
	for (p = text; (p = strchr(p, '\n')) != NULL; p++)
		count++;
	assert_int_equal(count, 30);
	assert_null(strstr(text, "  "));

	/* every line: pid exclusion, exe exclusion, key last */
	for (p = text; *p != '\0';) {
		const char *e = strchr(p, '\n');

		assert_non_null(e);
		assert_true(strncmp(p, "-a always,exit -F arch=b", 24) == 0);
		assert_non_null(
		    memmem(p, (size_t)(e - p), " -F pid!=4242 ", 14));
		assert_non_null(memmem(p, (size_t)(e - p),
		                       " -F exe!=/usr/bin/mongod ", 25));
		assert_true((size_t)(e - p) > 12 &&
		            memcmp(e - 12, " -F key=godo", 12) == 0);
		p = e + 1;
	}

	assert_non_null(
	    find_line(text, "b64", "execve,execveat", line, sizeof(line)));
	assert_non_null(
	    find_line(text, "b32", "execve,execveat", line, sizeof(line)));
	assert_non_null(find_line(text, "b64", "clone,fork,vfork,clone3", line,
	                          sizeof(line)));
	assert_non_null(
	    find_line(text, "b64", "exit_group,exit", line, sizeof(line)));
	assert_non_null(
	    find_line(text, "b32", "exit_group,exit", line, sizeof(line)));
	assert_non_null(find_line(text, "b64", "open", line, sizeof(line)));
	assert_non_null(strstr(line, " -S open -F a1&0x210243 "));
	assert_non_null(find_line(text, "b32", "openat", line, sizeof(line)));
	assert_non_null(strstr(line, " -S openat -F a2&0x210243 "));
	assert_non_null(
	    find_line(text, "b64", "creat,openat2", line, sizeof(line)));
	assert_null(strstr(line, "success"));
	assert_non_null(find_line(text, "b64", "close", line, sizeof(line)));
	assert_non_null(strstr(line, " -S close -F success=1 "));
	assert_non_null(find_line(text, "b64", "pivot_root,setns,unshare", line,
	                          sizeof(line)));
	assert_non_null(find_line(text, "b32", "pivot_root,setns,unshare", line,
	                          sizeof(line)));
	assert_non_null(find_line(text, "b64", "dup,dup2,dup3,close_range",
	                          line, sizeof(line)));
	assert_non_null(strstr(line, " -F success=1 "));
	assert_non_null(find_line(text, "b32", "dup,dup2,dup3,close_range",
	                          line, sizeof(line)));
	/* the descriptor flags exec and fork depend on (h-fds): F_DUPFD,
	 * F_SETFD, F_DUPFD_CLOEXEC only; fcntl64 on i386 only */
	assert_non_null(strstr(text, "-a always,exit -F arch=b64 -S fcntl "
	                             "-F a1<=2 -F a1!=1 -F success=1 "
	                             "-F pid!=4242 "));
	assert_non_null(strstr(text, "-a always,exit -F arch=b64 -S fcntl "
	                             "-F a1=1030 -F success=1 -F pid!=4242 "));
	assert_non_null(strstr(text, "-a always,exit -F arch=b32 -S "
	                             "fcntl,fcntl64 -F a1<=2 -F a1!=1 "
	                             "-F success=1 "));
	assert_non_null(strstr(text, "-a always,exit -F arch=b32 -S "
	                             "fcntl,fcntl64 -F a1=1030 -F success=1 "));
	free(text);
}

static void
test_rules_pwrite_naming(void **state)
{
	struct rules_opts o = {.pid = 1};
	char line[512];
	char *text;
	int n;

	(void)state;
	text = print_rules(&o, &n);
	/* x86_64 says pwrite, i386 pwrite64 (docs 1.9) */
	assert_non_null(find_line(text, "b64", "write", line, sizeof(line)));
	assert_non_null(strstr(
	    line, " -S write,pwrite,writev,pwritev,pwritev2,copy_file_range,"
	          "sendfile,splice -F success=1 "));
	assert_non_null(find_line(text, "b32", "write", line, sizeof(line)));
	assert_non_null(strstr(
	    line, " -S write,pwrite64,writev,pwritev,pwritev2,copy_file_range,"
	          "sendfile,sendfile64,splice -F success=1 "));
	/* truncate64/ftruncate64 exist only on i386 */
	assert_non_null(find_line(text, "b64", "rename", line, sizeof(line)));
	assert_non_null(strstr(line, " -S rename,renameat,renameat2,unlink,"
	                             "unlinkat,truncate,ftruncate,chmod,"));
	assert_null(strstr(line, "truncate64"));
	assert_non_null(find_line(text, "b32", "rename", line, sizeof(line)));
	assert_non_null(strstr(line, ",truncate,ftruncate,truncate64,"
	                             "ftruncate64,chmod,"));
	free(text);
}

static void
test_rules_no_pid_no_exe(void **state)
{
	struct rules_opts o = {0};
	char *text;
	int n;

	(void)state;
	text = print_rules(&o, &n);
	assert_int_equal(n, 30);
	assert_null(strstr(text, "pid!="));
	assert_null(strstr(text, "exe!="));
	assert_null(strstr(text, "sessionid"));
	free(text);
}

/* godo's own session (ownsess.h) excluded on every rule, between the pid
 * and the exe exclusion: one field keeps all of godo's processes out. */
static void
test_rules_own_session_every_rule(void **state)
{
	struct rules_opts o = {.pid = 7,
	                       .exclude_exe = "/usr/bin/mongod",
	                       .sessionid = 4000000001u};
	static const char want[] = " -F pid!=7 -F sessionid!=4000000001 "
	                           "-F exe!=/usr/bin/mongod -F key=godo";
	const char *p, *e;
	char *text;
	int n, with = 0;

	(void)state;
	text = print_rules(&o, &n);
	assert_true(n > 0);
	for (p = text; *p != '\0'; p = e + 1) {
		e = strchr(p, '\n');
		assert_non_null(e);
		assert_non_null(
		    memmem(p, (size_t)(e - p), want, sizeof(want) - 1));
		with++;
	}
	assert_int_equal(with, n);
	free(text);
}

static void
test_rules_exe_with_space_refused(void **state)
{
	struct rules_opts o = {.pid = 1, .exclude_exe = "/opt/my db/mongod"};
	char *text;
	int n;

	(void)state;
	text = print_rules(&o, &n);
	assert_int_equal(n, -1);
	free(text);
}

/* A pair that does not fit a rule fails every group alike: no half rule
 * set is printed. */
static void
test_rules_exe_too_long_prints_nothing(void **state)
{
	char exe[400];
	struct rules_opts o = {.pid = 1, .exclude_exe = exe};
	char *text;
	int n;

	(void)state;
	memset(exe, 'x', sizeof(exe) - 1);
	exe[0] = '/';
	exe[sizeof(exe) - 1] = '\0';
	text = print_rules(&o, &n);
	assert_int_equal(n, -1);
	assert_string_equal(text, "");
	free(text);
}

static void
test_rules_write_error_is_minus_one(void **state)
{
	struct rules_opts o = {.pid = 1};
	FILE *ro = fopen("/dev/null", "r"); /* every write fails */

	(void)state;
	assert_non_null(ro);
	assert_int_equal(rules_print(ro, &o), -1);
	fclose(ro);
}

/* The metadata calls share the path operations' rule (one rule per arch:
 * the rule count stays), successful calls only; each arch lists the names
 * its table has (i386: the 32-bit chown family, utimensat_time64). */
static void
test_rules_metadata_ops(void **state)
{
	static const char *const both[] = {
	    "chmod",        "fchmod",    "fchmodat",    "chown",
	    "fchown",       "lchown",    "fchownat",    "setxattr",
	    "lsetxattr",    "fsetxattr", "removexattr", "lremovexattr",
	    "fremovexattr", "utime",     "utimes",      "utimensat",
	    "futimesat",    "link",      "linkat",      "symlink",
	    "symlinkat",    "mkdir",     "mkdirat",     "rmdir",
	    "mknod",        "mknodat"};
	static const char *const i386_only[] = {"chown32", "fchown32",
	                                        "lchown32", "utimensat_time64"};
	struct rules_opts o = {.pid = 1};
	char line[1024], name[64];
	char *text;
	size_t i;
	int n;

	(void)state;
	text = print_rules(&o, &n);
	assert_int_equal(n, 30);
	assert_non_null(find_line(text, "b64", "rename", line, sizeof(line)));
	assert_non_null(strstr(line, " -F success=1 -F pid!=1 -F key=godo"));
	for (i = 0; i < sizeof(both) / sizeof(both[0]); i++) {
		snprintf(name, sizeof(name), ",%s,", both[i]);
		if (strstr(line, name) == NULL) {
			snprintf(name, sizeof(name), ",%s ", both[i]);
			assert_non_null(strstr(line, name));
		}
	}
	for (i = 0; i < sizeof(i386_only) / sizeof(i386_only[0]); i++) {
		snprintf(name, sizeof(name), ",%s,", i386_only[i]);
		assert_null(strstr(line, name));
	}
	assert_non_null(find_line(text, "b32", "rename", line, sizeof(line)));
	assert_non_null(strstr(line, " -F success=1 "));
	for (i = 0; i < sizeof(i386_only) / sizeof(i386_only[0]); i++) {
		snprintf(name, sizeof(name), ",%s,", i386_only[i]);
		assert_non_null(strstr(line, name));
	}
	free(text);
}

/* Writable shared mappings and content-changing fallocate modes are
 * filtered by the kernel (bit tests on a1..a3, checked accepted by Linux
 * 6.18); i386's old mmap (a struct pointer) is not in the rules, its mmap2
 * is; mount, umount2 and open_by_handle_at ride the path rule. */
static void
test_rules_fidelity_io(void **state)
{
	struct rules_opts o = {.pid = 1};
	char line[1024];
	char *text;
	int n;

	(void)state;
	text = print_rules(&o, &n);
	assert_int_equal(n, 30);
	assert_non_null(find_line(text, "b64", "mmap", line, sizeof(line)));
	assert_non_null(strstr(line, " -S mmap -F a2&2 -F a3&1 -F success=1 "
	                             "-F pid!=1 -F key=godo"));
	assert_null(find_line(text, "b32", "mmap", line, sizeof(line)));
	assert_non_null(find_line(text, "b32", "mmap2", line, sizeof(line)));
	assert_non_null(
	    strstr(line, " -S mmap2 -F a2&2 -F a3&1 -F success=1 "));
	assert_null(find_line(text, "b64", "mmap2", line, sizeof(line)));
	assert_non_null(
	    find_line(text, "b64", "fallocate", line, sizeof(line)));
	assert_non_null(strstr(line, " -S fallocate -F a1&0xfa -F success=1 "));
	assert_non_null(find_line(text, "b64", "rename", line, sizeof(line)));
	assert_non_null(strstr(
	    line, ",mknodat,mount,umount2,open_by_handle_at -F success=1"));
	assert_non_null(find_line(text, "b32", "rename", line, sizeof(line)));
	assert_non_null(strstr(line, ",mknodat,mount,umount,umount2,"
	                             "open_by_handle_at -F success=1"));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rules_text_both_arches),
	    cmocka_unit_test(test_rules_pwrite_naming),
	    cmocka_unit_test(test_rules_no_pid_no_exe),
	    cmocka_unit_test(test_rules_own_session_every_rule),
	    cmocka_unit_test(test_rules_exe_with_space_refused),
	    cmocka_unit_test(test_rules_exe_too_long_prints_nothing),
	    cmocka_unit_test(test_rules_write_error_is_minus_one),
	    cmocka_unit_test(test_rules_metadata_ops),
	    cmocka_unit_test(test_rules_fidelity_io),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
