/* test_procfs.c - the /proc parsers over text captured on this machine
 * (Linux 6.18, Docker with the cgroupfs driver on cgroup v1), the cgroup v2
 * and systemd forms from the docs, and hostile input; plus the thin readers
 * on this process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "fakeproc.h"
#include "procfs.h"

/* /proc/PID/stat of a process that did prctl(PR_SET_NAME, "a) (b c)\nd") */
static const char stat_hostile[] =
    "4890 (a) (b c)\nd) S 4889 4881 7513 0 -1 4194304 109 0 0 0 0 0 0 0 "
    "20 0 1 0 80417 2400256 278 18446744073709551615 94513914400768 "
    "94513914401153 140729346989200 0 0 0 0 6 0 1 0 0 17 0 0 0 0 0 0 "
    "94513914412496 94513914413088 94514079219712 140729346996948 "
    "140729346996955 140729346996955 140729346998257 0\n";

#define CID "1bd9f71288bd5637173c7454bd20c43375e01276ade2a33530c0875d24f1aa8b"

/* /proc/PID/cgroup of `sleep 2` in `docker run --rm godo-bb:latest` */
static const char cgroup_v1_docker[] = "9:name=systemd:/docker/" CID "\n"
                                       "8:pids:/docker/" CID "\n"
                                       "7:blkio:/docker/" CID "\n"
                                       "6:freezer:/docker/" CID "\n"
                                       "5:devices:/docker/" CID "\n"
                                       "4:memory:/docker/" CID "\n"
                                       "3:cpuset:/docker/" CID "\n"
                                       "2:cpuacct:/docker/" CID "\n"
                                       "1:cpu:/docker/" CID "\n"
                                       "0::/docker/" CID "\n";

/* /proc/self/cgroup of a host shell here */
static const char cgroup_host[] =
    "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n"
    "4:memory:/process_api/db45475ceb61a38ee8bae8dbf22d4303\n"
    "3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n";

/* /proc/PID/status lines of the same container process */
static const char status_container[] = "Name:\tsleep\n"
                                       "Umask:\t0022\n"
                                       "State:\tS (sleeping)\n"
                                       "Tgid:\t4934\n"
                                       "Ngid:\t0\n"
                                       "Pid:\t4934\n"
                                       "PPid:\t4913\n"
                                       "TracerPid:\t0\n"
                                       "NSpid:\t4934\t1\n"
                                       "NSpgid:\t4934\t1\n";

static void
test_procfs_stat_hostile_comm(void **state)
{
	struct procfs_stat st;

	(void)state;
	assert_int_equal(
	    procfs_parse_stat(stat_hostile, sizeof(stat_hostile) - 1, &st), 0);
	assert_int_equal(st.pid, 4890);
	assert_string_equal(st.comm, "a) (b c)\nd");
	assert_false(st.comm_truncated);
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 4889);
	assert_true(st.starttime == 80417);
}

static void
test_procfs_stat_malformed(void **state)
{
	struct procfs_stat st;
	char buf[sizeof(stat_hostile)];
	char big[300];

	(void)state;
	assert_int_equal(procfs_parse_stat("", 0, &st), -1);
	assert_int_equal(procfs_parse_stat("12 (x", 5, &st), -1);
	assert_int_equal(procfs_parse_stat(") 12 (x", 7, &st), -1);
	/* cut before starttime */
	assert_int_equal(procfs_parse_stat(stat_hostile, 60, &st), -1);
	/* junk in ppid */
	memcpy(buf, stat_hostile, sizeof(buf));
	buf[20] = 'x';
	assert_int_equal(procfs_parse_stat(buf, sizeof(buf) - 1, &st), -1);
	/* an overlong comm is truncated, not overflowed */
	memset(big, 'c', sizeof(big));
	memcpy(big, "7 (", 3);
	memcpy(big + 200, ") R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99 1", 47);
	assert_int_equal(procfs_parse_stat(big, 247, &st), 0);
	assert_true(st.comm_truncated);
	assert_int_equal(strlen(st.comm), PROCFS_COMM_MAX - 1);
	assert_true(st.starttime == 99);
}

static void
test_procfs_status_nspid(void **state)
{
	struct procfs_status st;

	(void)state;
	assert_int_equal(procfs_parse_status(status_container,
	                                     sizeof(status_container) - 1, &st),
	                 0);
	assert_int_equal(st.tgid, 4934);
	assert_int_equal(st.ppid, 4913);
	assert_int_equal(st.nnspid, 2);
	assert_int_equal(st.nspid[0], 4934);
	assert_int_equal(st.nspid[1], 1);
	assert_int_equal(procfs_parse_status("Name:\tx\n", 8, &st), -1);
}

static void
test_procfs_cgroup_v1_docker(void **state)
{
	char id[PROCFS_DOCKER_ID_LEN + 1];

	(void)state;
	assert_int_equal(procfs_parse_cgroup(cgroup_v1_docker,
	                                     sizeof(cgroup_v1_docker) - 1, id),
	                 1);
	assert_string_equal(id, CID);
}

static void
test_procfs_cgroup_v2_and_systemd(void **state)
{
	static const char v2[] = "0::/docker/" CID "\n";
	static const char v2sd[] = "0::/system.slice/docker-" CID ".scope\n";
	static const char v1sd[] =
	    "4:memory:/system.slice/docker-" CID
	    ".scope\n1:cpu:/system.slice/docker-" CID ".scope";
	char id[PROCFS_DOCKER_ID_LEN + 1];

	(void)state;
	assert_int_equal(procfs_parse_cgroup(v2, sizeof(v2) - 1, id), 1);
	assert_string_equal(id, CID);
	assert_int_equal(procfs_parse_cgroup(v2sd, sizeof(v2sd) - 1, id), 1);
	assert_string_equal(id, CID);
	assert_int_equal(procfs_parse_cgroup(v1sd, sizeof(v1sd) - 1, id), 1);
	assert_string_equal(id, CID);
}

static void
test_procfs_cgroup_none_and_bad(void **state)
{
	static const char short_id[] = "0::/docker/1bd9f71288bd\n";
	static const char upper[] = "0::/docker/"
	                            "1BD9F71288BD5637173C7454BD20C43375E01276AD"
	                            "E2A33530C0875D24F1AA8B\n";
	static const char no_scope[] = "0::/system.slice/docker-" CID "\n";
	static const char longer[] = "0::/docker/" CID "ff\n";
	char id[PROCFS_DOCKER_ID_LEN + 1];

	(void)state;
	assert_int_equal(
	    procfs_parse_cgroup(cgroup_host, sizeof(cgroup_host) - 1, id), 0);
	assert_int_equal(id[0], '\0');
	assert_int_equal(procfs_parse_cgroup("", 0, id), 0);
	assert_int_equal(
	    procfs_parse_cgroup(short_id, sizeof(short_id) - 1, id), 0);
	assert_int_equal(procfs_parse_cgroup(upper, sizeof(upper) - 1, id), 0);
	assert_int_equal(
	    procfs_parse_cgroup(no_scope, sizeof(no_scope) - 1, id), 0);
	assert_int_equal(procfs_parse_cgroup(longer, sizeof(longer) - 1, id),
	                 0);
	assert_int_equal(procfs_parse_cgroup("garbage\n", 8, id), -1);
	/* the id may not be read past n */
	assert_int_equal(procfs_parse_cgroup(cgroup_v1_docker, 40, id), 0);
}

static void
test_procfs_cmdline_split(void **state)
{
	static const char cl[] = "sleep\0002\0";          /* captured */
	static const char odd[] = "sh\0-c\0\0echo a b\0"; /* empty arg */
	static const char nonul[] = "prog\0tail-no-nul";
	struct str av[3];
	bool more;

	(void)state;
	assert_int_equal(procfs_split_cmdline(cl, sizeof(cl) - 1, av, 3, &more),
	                 2);
	assert_false(more);
	assert_true(av[0].n == 5 && memcmp(av[0].p, "sleep", 5) == 0);
	assert_true(av[1].n == 1 && av[1].p[0] == '2');

	assert_int_equal(
	    procfs_split_cmdline(odd, sizeof(odd) - 1, av, 3, &more), 3);
	assert_true(more);
	assert_int_equal(av[2].n, 0);

	assert_int_equal(
	    procfs_split_cmdline(nonul, sizeof(nonul) - 1, av, 3, &more), 2);
	assert_true(av[1].n == 11 && memcmp(av[1].p, "tail-no-nul", 11) == 0);
	assert_int_equal(procfs_split_cmdline("", 0, av, 3, &more), 0);
}

static void
test_procfs_deleted_and_boot_id(void **state)
{
	char out[PROCFS_BOOT_ID_LEN + 1];
	bool del;

	(void)state;
	assert_int_equal(procfs_strip_deleted("/tmp/x (deleted)", 16, &del), 6);
	assert_true(del);
	assert_int_equal(procfs_strip_deleted("/tmp/x", 6, &del), 6);
	assert_false(del);
	assert_int_equal(procfs_parse_boot_id(
	                     "0e1ac5e4-4a0e-4f1b-9a52-8d7c4b1f9d2e\n", 37, out),
	                 0);
	assert_string_equal(out, "0e1ac5e4-4a0e-4f1b-9a52-8d7c4b1f9d2e");
	assert_int_equal(procfs_parse_boot_id("nope\n", 5, out), -1);
	assert_int_equal(procfs_parse_boot_id(
	                     "0e1ac5e4x4a0e-4f1b-9a52-8d7c4b1f9d2e", 36, out),
	                 -1);
}

static int
find_self(pid_t pid, pid_t tid, void *arg)
{
	int *found = arg;

	if (pid == getpid() && tid == getpid())
		*found = 1;
	return 0;
}

static void
test_procfs_readers_on_self(void **state)
{
	struct procfs_stat st;
	char buf[4096], id[PROCFS_DOCKER_ID_LEN + 1];
	char boot[PROCFS_BOOT_ID_LEN + 1];
	int64_t rm, rb;
	ssize_t n;
	bool tr, del;
	int found = 0;

	(void)state;
	assert_int_equal(procfs_read_stat(PROCFS_ROOT, getpid(), 0, &st), 0);
	assert_int_equal(st.pid, getpid());
	assert_int_equal(st.ppid, getppid());
	assert_int_equal(procfs_read_stat(PROCFS_ROOT, getpid(), getpid(), &st),
	                 0);
	assert_true(procfs_read_cgroup(PROCFS_ROOT, getpid(), id) >= 0);
	n = procfs_read_cmdline(PROCFS_ROOT, getpid(), buf, sizeof(buf), &tr);
	assert_true(n > 0);
	assert_non_null(strstr(buf, "test_procfs"));
	n = procfs_read_cmdline(PROCFS_ROOT, getpid(), buf, 3, &tr);
	assert_int_equal(n, 3);
	assert_true(tr);
	n = procfs_readlink(PROCFS_ROOT, getpid(), "exe", buf, sizeof(buf),
	                    &del);
	assert_true(n > 0);
	assert_non_null(strstr(buf, "test_procfs"));
	assert_int_equal(
	    procfs_readlink(PROCFS_ROOT, getpid(), "exe", buf, 4, &del), -1);
	assert_int_equal(procfs_boot_id(boot), 0);
	assert_int_equal(procfs_clock_offsets(&rm, &rb), 0);
	assert_true(rm > 1600000000LL * 1000000000LL);
	assert_true(rb > 1600000000LL * 1000000000LL && rb <= rm + 1000000);
	assert_true(procfs_user_hz() > 0);
	assert_true(procfs_scan_tasks(PROCFS_ROOT, find_self, &found) > 1);
	assert_int_equal(found, 1);
	assert_int_equal(procfs_read_stat(PROCFS_ROOT, 0x7ffffff0, 0, &st), -1);
}

/* mountinfo of a container process: the root is an overlay */
static const char mountinfo_overlay[] =
    "1040 1039 0:88 / / rw,relatime master:1 - overlay overlay "
    "rw,lowerdir=/var/lib/docker/overlay2/l/A:/var/lib/docker/overlay2/l/B,"
    "upperdir=/var/lib/docker/overlay2/0a1b/diff,"
    "workdir=/var/lib/docker/overlay2/0a1b/work\n"
    "1041 1040 0:91 / /proc rw,nosuid - proc proc rw\n";

static void
test_procfs_overlay_root(void **state)
{
	static const char host[] = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n";
	static const char not_root[] =
	    "5 1 0:9 / /mnt rw - overlay o rw,upperdir=/x/diff,workdir=/w\n";
	char out[128];

	(void)state;
	assert_int_equal(procfs_parse_overlay_root(
	                     mountinfo_overlay, sizeof(mountinfo_overlay) - 1,
	                     out, sizeof(out)),
	                 strlen("/var/lib/docker/overlay2/0a1b/merged"));
	assert_string_equal(out, "/var/lib/docker/overlay2/0a1b/merged");
	assert_int_equal(
	    procfs_parse_overlay_root(host, sizeof(host) - 1, out, sizeof(out)),
	    -1);
	assert_int_equal(procfs_parse_overlay_root(
	                     not_root, sizeof(not_root) - 1, out, sizeof(out)),
	                 -1);
	/* does not fit: refused, not cut */
	assert_int_equal(
	    procfs_parse_overlay_root(mountinfo_overlay,
	                              sizeof(mountinfo_overlay) - 1, out, 20),
	    -1);
	assert_int_equal(procfs_parse_overlay_root("", 0, out, sizeof(out)),
	                 -1);
}

static int
count_task(pid_t pid, pid_t tid, void *arg)
{
	int *n = arg;

	(void)pid;
	(void)tid;
	(*n)++;
	return 0;
}

/* The readers under a root the test filled. */
static void
test_procfs_readers_on_fake_root(void **state)
{
	struct fakeproc fp;
	struct procfs_stat st;
	char buf[256], id[PROCFS_DOCKER_ID_LEN + 1];
	bool tr, del;
	int n = 0;

	(void)state;
	fakeproc_new(&fp);
	fakeproc_task(&fp, 40, 40, 7, 1234, "a) (b");
	fakeproc_task(&fp, 40, 41, 7, 1240, "worker");
	fakeproc_text(&fp, 40, "cgroup", cgroup_v1_docker,
	              sizeof(cgroup_v1_docker) - 1);
	fakeproc_text(&fp, 40, "cmdline", "x\0y", 3);
	fakeproc_text(&fp, 40, "mountinfo", mountinfo_overlay,
	              sizeof(mountinfo_overlay) - 1);
	fakeproc_link(&fp, "40/exe", "/usr/bin/x (deleted)");
	fakeproc_link(&fp, "40/fd/3", "/srv");
	assert_int_equal(procfs_read_stat(fp.root, 40, 41, &st), 0);
	assert_int_equal(st.starttime, 1240);
	assert_int_equal(procfs_read_stat(fp.root, 40, 0, &st), 0);
	assert_string_equal(st.comm, "a) (b");
	assert_int_equal(st.ppid, 7);
	assert_int_equal(procfs_read_cgroup(fp.root, 40, id), 1);
	assert_string_equal(id, CID);
	assert_int_equal(
	    procfs_read_cmdline(fp.root, 40, buf, sizeof(buf), &tr), 3);
	assert_false(tr);
	assert_int_equal(
	    procfs_readlink(fp.root, 40, "exe", buf, sizeof(buf), &del),
	    strlen("/usr/bin/x"));
	assert_true(del);
	assert_int_equal(
	    procfs_readlink(fp.root, 40, "fd/3", buf, sizeof(buf), &del), 4);
	assert_string_equal(buf, "/srv");
	assert_true(procfs_read_overlay_root(fp.root, 40, buf, sizeof(buf)) >
	            0);
	assert_int_equal(procfs_scan_tasks(fp.root, count_task, &n), 2);
	assert_int_equal(n, 2);
	assert_int_equal(procfs_read_stat(fp.root, 41, 0, &st), -1);
	assert_int_equal(procfs_read_cgroup(fp.root, 41, id), -1);
	fakeproc_free(&fp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_procfs_stat_hostile_comm),
	    cmocka_unit_test(test_procfs_stat_malformed),
	    cmocka_unit_test(test_procfs_status_nspid),
	    cmocka_unit_test(test_procfs_cgroup_v1_docker),
	    cmocka_unit_test(test_procfs_cgroup_v2_and_systemd),
	    cmocka_unit_test(test_procfs_cgroup_none_and_bad),
	    cmocka_unit_test(test_procfs_cmdline_split),
	    cmocka_unit_test(test_procfs_deleted_and_boot_id),
	    cmocka_unit_test(test_procfs_readers_on_self),
	    cmocka_unit_test(test_procfs_overlay_root),
	    cmocka_unit_test(test_procfs_readers_on_fake_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
