/* test_writerbox.c - the writer's confinement (writerbox.h): which -mongo
 * targets allow the chroot, the resolver files copied into <dir>/etc (a
 * planted symlink or a directory others may write refused), and the
 * allow-list seccomp filter in a forked child: exec, set*id, chroot,
 * signals to another process refused with EPERM; files, sockets, time and
 * a signal to itself still work. No root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include "writerbox.h"

static void
test_writerbox_uri(void **state)
{
	(void)state;
	assert_true(writerbox_uri_chroot_ok("mongodb://127.0.0.1:27017"));
	assert_true(writerbox_uri_chroot_ok("db.example:27017"));
	assert_true(writerbox_uri_chroot_ok(
	    "mongodb://u:p%2F@h1,h2/?replicaSet=rs&tls=false"));
	assert_true(writerbox_uri_chroot_ok("mongodb://h/?appname=atlstls"));
	assert_false(writerbox_uri_chroot_ok("mongodb://h/?tls=true"));
	assert_false(writerbox_uri_chroot_ok("mongodb://h/?a=1&SSL=true"));
	assert_false(writerbox_uri_chroot_ok("mongodb://h/?a=1;tls"));
	assert_false(
	    writerbox_uri_chroot_ok("mongodb://h/?tlsCAFile=/etc/ca.pem"));
	assert_false(writerbox_uri_chroot_ok("mongodb+srv://c.example/db"));
	assert_false(writerbox_uri_chroot_ok("MONGODB+SRV://c.example"));
	assert_false(writerbox_uri_chroot_ok("mongodb://%2Ftmp%2Fm.sock/?w=1"));
	assert_false(writerbox_uri_chroot_ok("mongodb://u:p@%2ftmp%2fm.sock"));
	assert_false(writerbox_uri_chroot_ok("/tmp/mongodb-27017.sock"));
}

static void
put_file(const char *dir, const char *name, const char *text, size_t len)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static size_t
file_len(int dirfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dirfd, name, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return (size_t)-1;
	n = read(fd, buf, size);
	close(fd);
	assert_true(n >= 0);
	return (size_t)n;
}

static void
test_writerbox_etc(void **state)
{
	char top[] = "/tmp/test_writerbox.XXXXXX", src[600], box[600];
	char buf[64], cmd[700];
	int boxfd, etcfd;
	char *big = calloc(1, WRITERBOX_ETC_MAX + 1);

	(void)state;
	assert_non_null(big);
	assert_non_null(mkdtemp(top));
	snprintf(src, sizeof(src), "%s/src", top);
	snprintf(box, sizeof(box), "%s/box", top);
	assert_int_equal(mkdir(src, 0755), 0);
	assert_int_equal(mkdir(box, 0700), 0);
	put_file(src, "hosts", "127.0.0.1 store\n", 16);
	put_file(src, "resolv.conf", "nameserver 10.0.0.1\n", 20);
	memset(big, 'x', WRITERBOX_ETC_MAX + 1);
	put_file(src, "gai.conf", big, WRITERBOX_ETC_MAX + 1); /* too big */
	boxfd = open(box, O_RDONLY | O_DIRECTORY);
	assert_true(boxfd >= 0);

	etcfd = writerbox_etc_open(boxfd);
	assert_true(etcfd >= 0);
	put_file(box, "etc/nsswitch.conf", "stale", 5); /* gone on the host */
	assert_int_equal(writerbox_etc_refresh(etcfd, src), -1); /* gai */
	assert_int_equal(file_len(etcfd, "hosts", buf, sizeof(buf)), 16);
	assert_memory_equal(buf, "127.0.0.1 store\n", 16);
	assert_int_equal(file_len(etcfd, "resolv.conf", buf, sizeof(buf)), 20);
	assert_int_equal(file_len(etcfd, "nsswitch.conf", buf, sizeof(buf)),
	                 (size_t)-1);
	assert_int_equal(file_len(etcfd, "gai.conf", buf, sizeof(buf)),
	                 (size_t)-1);
	/* a second refresh replaces a changed file */
	put_file(src, "hosts", "10.1.1.1 store\n", 15);
	unlink(strcat(strcpy(cmd, src), "/gai.conf"));
	assert_int_equal(writerbox_etc_refresh(etcfd, src), 0);
	assert_int_equal(file_len(etcfd, "hosts", buf, sizeof(buf)), 15);
	close(etcfd);

	/* etc writable by others, or a symlink planted by the writer */
	assert_int_equal(fchmodat(boxfd, "etc", 0777, 0), 0);
	assert_int_equal(writerbox_etc_open(boxfd), -1);
	snprintf(cmd, sizeof(cmd), "rm -rf %s/etc", box);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(symlinkat(src, boxfd, "etc"), 0);
	assert_int_equal(writerbox_etc_open(boxfd), -1);

	close(boxfd);
	free(big);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	assert_int_equal(system(cmd), 0);
}

/* In the filtered child: the number of the first check that failed, 0
 * when all passed. */
static int
filtered_checks(void)
{
	/* exec'd, it would exit 42: a failure too */
	char *const argv[] = {"/bin/sh", "-c", "exit 42", NULL};
	char path[] = "/tmp/test_writerbox_f.XXXXXX";
	struct timespec ts;
	int fd, s;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    writerbox_seccomp() != 0)
		return 1;
	/* valgrind cannot survive a refused execve (it dies): not there */
	if (!RUNNING_ON_VALGRIND &&
	    (execve("/bin/sh", argv, NULL) != -1 || errno != EPERM))
		return 2;
	if (setuid(getuid()) != -1 || errno != EPERM)
		return 3;
	if (chroot("/") != -1 || errno != EPERM)
		return 4;
	if (kill(getppid(), 0) != -1 || errno != EPERM)
		return 5;
	if (syscall(SYS_tgkill, getppid(), getppid(), 0) != -1 ||
	    errno != EPERM)
		return 6;
	if (syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), 0) != 0)
		return 7;
	fd = mkstemp(path);
	if (fd < 0 || write(fd, "x", 1) != 1 || close(fd) != 0 ||
	    unlink(path) != 0)
		return 8;
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || close(s) != 0)
		return 9;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 10;
	if (fork() != -1 || errno != EPERM)
		return 11;
	return 0;
}

static void
test_writerbox_seccomp(void **state)
{
	int st;
	pid_t p;

	(void)state;
	fflush(NULL);
	p = fork();
	assert_true(p >= 0);
	if (p == 0)
		_exit(filtered_checks());
	assert_int_equal(waitpid(p, &st, 0), p);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_writerbox_uri),
	    cmocka_unit_test(test_writerbox_etc),
	    cmocka_unit_test(test_writerbox_seccomp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
