/* test_rootcache.c - task roots held open (rootcache.h) without root: a
 * fake proc root whose <pid>/root links point at scratch directories.
 * Tasks sharing a root share one entry; a root that changes (a chroot, a
 * pid reused) is never answered from the old entry; entries are bounded,
 * replaced least recently used first and closed once idle; a gone task
 * and a root too long to keep are answered without an entry. Roots that
 * /proc refuses (pid 1's, with CAP_SYS_PTRACE dropped) come from the gate
 * once per task, then from the task's memo until it is forgotten or
 * expires. */
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
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "procfs.h"
#include "rootcache.h"

#define NDIRS (ROOTCACHE_SLOTS + 2)

struct fx {
	char top[64];
	char proc[96];
	char dirs[NDIRS][112];
	struct rootcache rc;
};

/* <proc>/<pid>/root -> target (replaced when it exists) */
static void
link_root(struct fx *f, int pid, const char *target)
{
	char p[200];

	snprintf(p, sizeof(p), "%s/%d", f->proc, pid);
	(void)mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%d/root", f->proc, pid);
	(void)unlink(p);
	assert_int_equal(symlink(target, p), 0);
}

static int
open_pid(struct fx *f, int pid, char *buf, size_t cap,
         struct rootcache_ref *ref)
{
	char p[200];

	snprintf(p, sizeof(p), "%s/%d/root", f->proc, pid);
	return rootcache_open(&f->rc, p, buf, cap, ref);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char top[sizeof(f->top)];
	int i;

	assert_non_null(f);
	snprintf(f->top, sizeof(f->top), "/tmp/godo-rootcache-XXXXXX");
	assert_non_null(mkdtemp(f->top));
	memcpy(top, f->top, sizeof(top)); /* not f: no overlap for snprintf */
	snprintf(f->proc, sizeof(f->proc), "%s/proc", top);
	assert_int_equal(mkdir(f->proc, 0755), 0);
	for (i = 0; i < NDIRS; i++) {
		snprintf(f->dirs[i], sizeof(f->dirs[i]), "%s/r%d", top, i);
		assert_int_equal(mkdir(f->dirs[i], 0755), 0);
	}
	rootcache_init(&f->rc);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];

	rootcache_fini(&f->rc);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->top);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static unsigned int
live_slots(const struct rootcache *rc)
{
	unsigned int i, n = 0;

	for (i = 0; i < ROOTCACHE_SLOTS; i++)
		n += rc->e[i].live;
	return n;
}

/* Two tasks of one root: one entry, the second a hit with the same fd
 * and path; another root is another entry. */
static void
test_rootcache_shared_root(void **state)
{
	struct fx *f = *state;
	struct rootcache_ref a, b, c;
	char pa[4097], pb[4097], pc[4097];

	link_root(f, 10, f->dirs[0]);
	link_root(f, 11, f->dirs[0]);
	link_root(f, 12, f->dirs[1]);
	assert_int_equal(open_pid(f, 10, pa, sizeof(pa), &a), 0);
	assert_false(a.owned);
	assert_string_equal(pa, f->dirs[0]);
	assert_int_equal(a.n, strlen(f->dirs[0]));
	assert_int_equal(open_pid(f, 11, pb, sizeof(pb), &b), 0);
	assert_int_equal(b.fd, a.fd);
	assert_string_equal(pb, f->dirs[0]);
	assert_int_equal(f->rc.st.hits, 1);
	assert_int_equal(open_pid(f, 12, pc, sizeof(pc), &c), 0);
	assert_int_not_equal(c.fd, a.fd);
	assert_string_equal(pc, f->dirs[1]);
	assert_int_equal(live_slots(&f->rc), 2);
	rootcache_put(&a);
	rootcache_put(&b);
	rootcache_put(&c);
	assert_int_equal(live_slots(&f->rc), 2); /* the cache's, kept */
}

/* A task whose root changes (chroot, or its pid now another's): the next
 * answer is the new root, never the entry of the old one. */
static void
test_rootcache_root_changes(void **state)
{
	struct fx *f = *state;
	struct rootcache_ref r;
	char p[4097];
	struct stat st, want;

	link_root(f, 20, f->dirs[2]);
	assert_int_equal(open_pid(f, 20, p, sizeof(p), &r), 0);
	rootcache_put(&r);
	link_root(f, 20, f->dirs[3]);
	assert_int_equal(open_pid(f, 20, p, sizeof(p), &r), 0);
	assert_string_equal(p, f->dirs[3]);
	assert_int_equal(fstat(r.fd, &st), 0);
	assert_int_equal(stat(f->dirs[3], &want), 0);
	assert_int_equal(st.st_ino, want.st_ino);
	rootcache_put(&r);
	/* the old root is still an entry of its own, answered to whoever
	 * has it */
	link_root(f, 21, f->dirs[2]);
	assert_int_equal(open_pid(f, 21, p, sizeof(p), &r), 0);
	assert_string_equal(p, f->dirs[2]);
	rootcache_put(&r);
}

/* More roots than slots: never more than ROOTCACHE_SLOTS held, the least
 * recently used replaced; idle entries closed at the tick. */
static void
test_rootcache_bounded_and_idle(void **state)
{
	struct fx *f = *state;
	struct rootcache_ref r;
	char p[4097];
	int i;

	for (i = 0; i < NDIRS; i++)
		link_root(f, 100 + i, f->dirs[i]);
	assert_int_equal(open_pid(f, 100, p, sizeof(p), &r), 0);
	for (i = 1; i < ROOTCACHE_SLOTS; i++) {
		rootcache_tick(&f->rc, (uint64_t)i);
		assert_int_equal(open_pid(f, 100 + i, p, sizeof(p), &r), 0);
	}
	assert_int_equal(live_slots(&f->rc), ROOTCACHE_SLOTS);
	/* 100 is the least recently used: the next root takes its slot */
	rootcache_tick(&f->rc, ROOTCACHE_SLOTS);
	assert_int_equal(open_pid(f, 100 + ROOTCACHE_SLOTS, p, sizeof(p), &r),
	                 0);
	assert_int_equal(live_slots(&f->rc), ROOTCACHE_SLOTS);
	assert_int_equal(f->rc.st.hits, 0);
	assert_int_equal(open_pid(f, 101, p, sizeof(p), &r), 0);
	assert_int_equal(f->rc.st.hits, 1);
	assert_int_equal(open_pid(f, 100, p, sizeof(p), &r), 0);
	assert_int_equal(f->rc.st.hits, 1); /* it was gone: a miss */
	/* all idle past the limit: every descriptor closed */
	rootcache_tick(&f->rc, 2 * ROOTCACHE_SLOTS + ROOTCACHE_IDLE_MS);
	assert_int_equal(live_slots(&f->rc), 0);
	assert_int_equal(fcntl(r.fd, F_GETFD), -1);
}

/* A gone task: -1 and no entry. A root path too long to keep: answered
 * with an fd the caller owns. No cache: always owned. */
static void
test_rootcache_gone_long_uncached(void **state)
{
	struct fx *f = *state;
	struct rootcache_ref r;
	char p[4097], deep[ROOTCACHE_ROOT_MAX + 64];
	size_t n;

	assert_int_equal(open_pid(f, 999, p, sizeof(p), &r), -1);
	assert_int_equal(live_slots(&f->rc), 0);
	n = (size_t)snprintf(deep, sizeof(deep), "%s", f->top);
	while (n + 60 < ROOTCACHE_ROOT_MAX + 40) {
		n += (size_t)snprintf(
		    deep + n, sizeof(deep) - n, "/%s",
		    "dddddddddddddddddddddddddddddddddddddddd");
		assert_int_equal(mkdir(deep, 0755), 0);
	}
	link_root(f, 30, deep);
	assert_int_equal(open_pid(f, 30, p, sizeof(p), &r), 0);
	assert_true(r.owned);
	assert_string_equal(p, deep);
	assert_int_equal(live_slots(&f->rc), 0);
	assert_int_equal(f->rc.st.uncached, 1);
	rootcache_put(&r);
	link_root(f, 31, f->dirs[0]);
	snprintf(deep, sizeof(deep), "%s/31/root", f->proc);
	assert_int_equal(rootcache_open(NULL, deep, p, sizeof(p), &r), 0);
	assert_true(r.owned);
	assert_string_equal(p, f->dirs[0]);
	rootcache_put(&r);
	assert_int_equal(live_slots(&f->rc), 0);
}

/* The gate: answers every task's root with dir, counting the asks. */
struct fake_gate {
	const char *dir;
	int asked;
};

static ssize_t
gate_readlink(void *arg, pid_t pid, const char *what, char *buf, size_t cap)
{
	(void)arg;
	(void)pid;
	(void)what;
	(void)buf;
	(void)cap;
	return -1;
}

static int
gate_root(void *arg, pid_t pid, int *fd, uint64_t *mnt_id, uint64_t *ino)
{
	struct fake_gate *g = arg;
	struct statx sx;

	(void)pid;
	g->asked++;
	assert_int_equal(
	    statx(AT_FDCWD, g->dir, 0, STATX_INO | STATX_MNT_ID, &sx), 0);
	*mnt_id = sx.stx_mnt_id;
	*ino = sx.stx_ino;
	if (fd != NULL) {
		*fd = open(g->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		assert_true(*fd >= 0);
	}
	return 0;
}

/* CAP_SYS_PTRACE out of this process's permitted set (root runs the
 * tests in CI): /proc/1/root is then refused as it is to the recorder. */
static void
drop_ptrace(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	int i;

	assert_int_equal(syscall(SYS_capget, &h, d), 0);
	for (i = 0; i < 2; i++) {
		d[i].effective &= ~(CAP_TO_MASK(CAP_SYS_PTRACE) *
		                    (CAP_TO_INDEX(CAP_SYS_PTRACE) == i));
		d[i].permitted &= ~(CAP_TO_MASK(CAP_SYS_PTRACE) *
		                    (CAP_TO_INDEX(CAP_SYS_PTRACE) == i));
	}
	assert_int_equal(syscall(SYS_capset, &h, d), 0);
}

static int
open_task(struct fx *f, pid_t tgid, struct rootcache_ref *r)
{
	char p[4097];
	int rc =
	    rootcache_open_task(&f->rc, PROCFS_ROOT, tgid, p, sizeof(p), r);

	if (rc == 0)
		assert_string_equal(p, f->dirs[4]);
	rootcache_put(r);
	return rc;
}

/* A refused root: the gate asked for its identity and descriptor once;
 * then the memo answers without asking, until the task's events say its
 * root may have changed (rootcache_forget) or ROOTCACHE_MEMO_MS pass. */
static void
test_rootcache_memo_of_gated_roots(void **state)
{
	struct fx *f = *state;
	struct fake_gate fg = {f->dirs[4], 0};
	struct procfs_gate g = {gate_readlink, gate_root, &fg};
	struct rootcache_ref r;
	struct stat st;

	drop_ptrace();
	assert_int_equal(stat(PROCFS_ROOT "/1/root/", &st), -1);
	procfs_set_gate(&g);
	rootcache_tick(&f->rc, 5000);
	assert_int_equal(open_task(f, 1, &r), 0);
	assert_int_equal(fg.asked, 2); /* identity, then the descriptor */
	assert_int_equal(open_task(f, 1, &r), 0);
	assert_int_equal(open_task(f, 1, &r), 0);
	assert_int_equal(fg.asked, 2);
	assert_int_equal(f->rc.st.memo_hits, 2);
	/* another task with the same tgid slot is not this one's memo */
	rootcache_forget(&f->rc, 1 + ROOTCACHE_MEMO);
	assert_int_equal(open_task(f, 1, &r), 0);
	assert_int_equal(fg.asked, 2);
	rootcache_forget(&f->rc, 1);
	assert_int_equal(open_task(f, 1, &r), 0);
	assert_int_equal(fg.asked, 3); /* identity: the root still held */
	rootcache_tick(&f->rc, 5000 + ROOTCACHE_MEMO_MS - 1);
	assert_int_equal(open_task(f, 1, &r), 0);
	assert_int_equal(fg.asked, 3);
	rootcache_tick(&f->rc, 5000 + ROOTCACHE_MEMO_MS);
	assert_int_equal(open_task(f, 1, &r), 0);
	assert_int_equal(fg.asked, 4);
	procfs_set_gate(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rootcache_shared_root, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_rootcache_root_changes, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_rootcache_bounded_and_idle,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rootcache_gone_long_uncached,
	                                    setup, teardown),
	    /* last: it drops CAP_SYS_PTRACE for the rest of the process */
	    cmocka_unit_test_setup_teardown(test_rootcache_memo_of_gated_roots,
	                                    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
