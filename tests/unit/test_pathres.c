/* test_pathres.c - path resolution under a task's root (pathres.h) without
 * root: a fake proc root whose <pid>/root is a symlink to a scratch tree,
 * so openat2(RESOLVE_IN_ROOT) runs for real. Symlinks in the directory
 * part, absolute symlinks and ".." that would leave the root, a directory
 * swapped for a symlink to "/" after the syscall, names with newlines and
 * bad UTF-8, a cwd the kernel could not print, a task that is gone; and
 * the pure helpers (join, split, root prefix, PARENT pairing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "haveopenat2.h"
#include "pathres.h"

#define PID 4242

struct fx {
	char top[64];        /* the scratch directory */
	char proc[96];       /* the fake proc root */
	char root[96];       /* the task's root, as godo sees it */
	char outside[96];    /* a file outside the task's root */
	struct rootcache rc; /* every resolution goes through it */
};

static void
mk(const struct fx *f, const char *rel, int kind, const char *target)
{
	char p[512];

	snprintf(p, sizeof(p), "%s%s", f->root, rel);
	if (kind == 'd')
		assert_int_equal(mkdir(p, 0755), 0);
	else if (kind == 'l')
		assert_int_equal(symlink(target, p), 0);
	else {
		int fd = open(p, O_CREAT | O_WRONLY | O_EXCL, 0644);

		assert_true(fd >= 0);
		close(fd);
	}
}

static int
setup(void **state)
{
	struct fx *f;
	char p[256];
	int fd;

	if (!have_openat2()) {
		print_message("no openat2 here (valgrind?): skipped\n");
		*state = NULL;
		return 0;
	}
	f = calloc(1, sizeof(*f));

	assert_non_null(f);
	rootcache_init(&f->rc);
	snprintf(f->top, sizeof(f->top), "/tmp/godo-pathres-XXXXXX");
	assert_non_null(mkdtemp(f->top));
	snprintf(f->proc, sizeof(f->proc), "%s/proc", f->top);
	snprintf(f->root, sizeof(f->root), "%s/root", f->top);
	snprintf(f->outside, sizeof(f->outside), "%s/secret", f->top);
	assert_int_equal(mkdir(f->proc, 0755), 0);
	assert_int_equal(mkdir(f->root, 0755), 0);
	snprintf(p, sizeof(p), "%s/%d", f->proc, PID);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/%d/root", f->proc, PID);
	assert_int_equal(symlink(f->root, p), 0);
	fd = open(f->outside, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	mk(f, "/real", 'd', NULL);
	mk(f, "/real/dir", 'd', NULL);
	mk(f, "/real/dir/f", 'f', NULL);
	mk(f, "/ln", 'l', "/real");             /* absolute: inside the root */
	mk(f, "/up", 'l', "../../../../../.."); /* tries to climb out */
	mk(f, "/sw", 'd', NULL);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];

	if (f == NULL)
		return 0;
	rootcache_fini(&f->rc);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->top);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* An item for the file at rel under the root (its real inode and dev). */
static struct sysev_path
item_of(const struct fx *f, const char *rel, const char *name, int nt)
{
	struct sysev_path it = {0};
	struct stat st;
	char p[512];

	snprintf(p, sizeof(p), "%s%s",
	         strncmp(rel, f->top, strlen(f->top)) == 0 ? "" : f->root, rel);
	assert_int_equal(lstat(p, &st), 0);
	it.name = (struct str){name, strlen(name)};
	it.has_name = true;
	it.nametype = (enum sysev_nametype)nt;
	it.inode = st.st_ino;
	it.dev_major = major(st.st_dev);
	it.dev_minor = minor(st.st_dev);
	return it;
}

struct res {
	char out[PATH_MAX_BYTES + 1], raw[PATH_MAX_BYTES + 1];
	struct pathres_ans a;
	int rc;
};

static void
resolve(const struct fx *f, struct sysevent *ev, unsigned int item,
        const char *base, struct res *r)
{
	struct pathres_req rq = {0};

	rq.proc_root = f->proc;
	rq.roots = (struct rootcache *)&f->rc;
	rq.tgid = PID;
	rq.ev = ev;
	rq.item = &ev->path[item];
	rq.base = (struct str){base, base ? strlen(base) : 0};
	r->rc = pathres_resolve(&rq, r->out, r->raw, &r->a);
}

static bool
is(struct str s, const char *want)
{
	return s.p != NULL && s.n == strlen(want) &&
	       memcmp(s.p, want, s.n) == 0;
}

static void
test_pathres_symlink_in_dir_part(void **state)
{
	struct fx *f = *state;
	struct sysevent ev = {0};
	struct res r;

	if (f == NULL)
		skip();
	ev.path[0] = item_of(f, "/real/dir/f", "/ln/dir/f", NT_NORMAL);
	ev.npath = 1;
	resolve(f, &ev, 0, "/", &r);
	assert_int_equal(r.rc, 0);
	assert_false(r.a.unverified);
	assert_true(is(r.a.path, "/real/dir/f"));
	assert_true(is(r.a.raw, "/ln/dir/f"));
	assert_true(r.a.has_inode);
	assert_int_equal(r.a.inode, ev.path[0].inode);
	/* the same name, relative to a cwd that holds the symlink */
	ev.path[0].name = STR_LIT("dir/f");
	resolve(f, &ev, 0, "/ln", &r);
	assert_false(r.a.unverified);
	assert_true(is(r.a.path, "/real/dir/f"));
	assert_true(is(r.a.raw, "/ln/dir/f"));
	/* ".." after a symlink is its target's parent, as the kernel walks */
	ev.path[0].name = STR_LIT("/ln/dir/../dir/f");
	resolve(f, &ev, 0, "/", &r);
	assert_false(r.a.unverified);
	assert_true(is(r.a.path, "/real/dir/f"));
	/* a name with nothing to resolve: no raw_path */
	ev.path[0].name = STR_LIT("/real/dir/f");
	resolve(f, &ev, 0, "/", &r);
	assert_false(r.a.unverified);
	assert_true(is(r.a.path, "/real/dir/f"));
	assert_null(r.a.raw.p);
}

static void
test_pathres_created_and_deleted(void **state)
{
	struct fx *f = *state;
	struct sysevent ev = {0};
	struct res r;

	if (f == NULL)
		skip();
	mk(f, "/real/dir/new", 'f', NULL);
	/* unlink of gone in a dir named through the symlink: PARENT,
	 * DELETE; the name itself no longer exists */
	ev.path[0] = item_of(f, "/real/dir", "/ln/dir/", NT_PARENT);
	ev.path[1] = item_of(f, "/real/dir/f", "/ln/dir/gone", NT_DELETE);
	ev.path[2] = item_of(f, "/real/dir", "/ln/dir/", NT_PARENT);
	ev.path[3] = item_of(f, "/real/dir/new", "/ln/dir/new", NT_CREATE);
	ev.npath = 4;
	resolve(f, &ev, 1, "/", &r);
	assert_false(r.a.unverified);
	assert_true(is(r.a.path, "/real/dir/gone"));
	assert_true(is(r.a.raw, "/ln/dir/gone"));
	resolve(f, &ev, 3, "/", &r);
	assert_false(r.a.unverified);
	assert_true(is(r.a.path, "/real/dir/new"));
	/* a created file replaced since: not confirmed */
	ev.path[3].inode++;
	resolve(f, &ev, 3, "/", &r);
	assert_true(r.a.unverified);
	assert_true(is(r.a.path, "/ln/dir/new"));
	assert_null(r.a.raw.p);
	/* a created file gone since: not confirmed */
	ev.path[3].inode--;
	ev.path[3].name = STR_LIT("/ln/dir/never");
	resolve(f, &ev, 3, "/", &r);
	assert_true(r.a.unverified);
}

/* The attack: between the syscall and godo, the container swaps the
 * directory for a symlink to "/". Under RESOLVE_IN_ROOT "/" is the
 * task's root, and the directory is not the PARENT the kernel logged. */
static void
test_pathres_swap_to_root(void **state)
{
	struct fx *f = *state;
	struct sysevent ev = {0};
	char p[256];
	struct res r;

	if (f == NULL)
		skip();
	mk(f, "/sw/x", 'f', NULL);
	ev.path[0] = item_of(f, "/sw", "/sw/", NT_PARENT);
	ev.path[1] = item_of(f, "/sw/x", "/sw/x", NT_CREATE);
	ev.npath = 2;
	snprintf(p, sizeof(p), "%s/sw/x", f->root);
	assert_int_equal(unlink(p), 0);
	snprintf(p, sizeof(p), "%s/sw", f->root);
	assert_int_equal(rmdir(p), 0);
	mk(f, "/sw", 'l', "/");
	mk(f, "/x", 'f', NULL);
	resolve(f, &ev, 1, "/", &r);
	assert_int_equal(r.rc, 0);
	assert_true(r.a.unverified);
	assert_true(is(r.a.path, "/sw/x"));
	/* a NORMAL item whose record names a file outside the root: the
	 * walk cannot reach it, by "/" or by ".." */
	ev.path[2] = item_of(f, f->outside, "/sw/../secret", NT_NORMAL);
	ev.npath = 3;
	resolve(f, &ev, 2, "/", &r);
	assert_true(r.a.unverified);
	assert_null(strstr(r.a.path.p, f->top));
	ev.path[2].name = STR_LIT("/up/secret");
	resolve(f, &ev, 2, "/", &r);
	assert_true(r.a.unverified);
	assert_true(is(r.a.path, "/up/secret"));
}

static void
test_pathres_hostile_names(void **state)
{
	struct fx *f = *state;
	static const char name[] = "/real/dir/a\nb\xff\xfe c";
	struct sysevent ev = {0};
	struct res r;

	if (f == NULL)
		skip();
	mk(f, name, 'f', NULL);
	ev.path[0] = item_of(f, name, "/ln/dir/a\nb\xff\xfe c", NT_NORMAL);
	ev.npath = 1;
	resolve(f, &ev, 0, "/", &r);
	assert_false(r.a.unverified);
	assert_true(is(r.a.path, name));
	/* a cwd the kernel printed as "<too_long>": the relative name is
	 * kept as given and marked, never joined to the marker */
	ev.path[0].name = STR_LIT("dir/f");
	resolve(f, &ev, 0, "<too_long>", &r);
	assert_int_equal(r.rc, 0);
	assert_true(r.a.unverified);
	assert_true(r.a.no_base);
	assert_true(is(r.a.path, "dir/f"));
	resolve(f, &ev, 0, NULL, &r);
	assert_true(r.a.no_base);
}

static void
test_pathres_task_gone_and_no_inode(void **state)
{
	struct fx *f = *state;
	struct sysevent ev = {0};
	struct pathres_req rq;
	struct res r;

	if (f == NULL)
		skip();
	ev.path[0] = item_of(f, "/real/dir/f", "/ln/dir/f", NT_NORMAL);
	ev.npath = 1;
	memset(&rq, 0, sizeof(rq));
	rq.proc_root = f->proc;
	rq.tgid = PID + 1; /* gone */
	rq.ev = &ev;
	rq.item = &ev.path[0];
	rq.base = STR_LIT("/");
	assert_int_equal(pathres_resolve(&rq, r.out, r.raw, &r.a), 0);
	assert_true(r.a.unverified);
	assert_true(is(r.a.path, "/ln/dir/f"));
	/* an ancestor sharing its root still lives: resolved under it */
	rq.alt[0] = PID + 2;
	rq.alt[1] = PID;
	assert_int_equal(pathres_resolve(&rq, r.out, r.raw, &r.a), 0);
	assert_false(r.a.unverified);
	assert_true(is(r.a.path, "/real/dir/f"));
	ev.path[0].inode = 0;
	resolve(f, &ev, 0, "/", &r);
	assert_true(r.a.unverified);
	assert_false(r.a.has_inode);
}

static void
test_pathres_pure(void **state)
{
	struct sysevent ev = {0};
	char out[64];
	struct str d, l;

	(void)state;
	assert_int_equal(
	    pathres_join(STR_LIT("/a"), STR_LIT("b/../c"), out, sizeof(out)),
	    9);
	assert_string_equal(out, "/a/b/../c");
	assert_int_equal(
	    pathres_join(STR_LIT("/"), STR_LIT("x"), out, sizeof(out)), 2);
	assert_string_equal(out, "/x");
	assert_int_equal(
	    pathres_join(STR_LIT("<too_long>"), STR_LIT("x"), out, sizeof(out)),
	    -1);
	assert_int_equal(pathres_join(STR_LIT("<too_long>"), STR_LIT("/x"), out,
	                              sizeof(out)),
	                 2);
	assert_int_equal(pathres_join(STR_LIT("/a"), STR_LIT("b"), out, 4), -1);
	pathres_split(STR_LIT("/a/b//"), &d, &l);
	assert_true(is(d, "/a") && is(l, "b"));
	pathres_split(STR_LIT("/x"), &d, &l);
	assert_true(is(d, "/") && is(l, "x"));
	pathres_split(STR_LIT("//x"), &d, &l);
	assert_true(is(d, "/") && is(l, "x"));
	pathres_split(STR_LIT("/"), &d, &l);
	assert_true(is(d, "/") && l.n == 0);
	assert_int_equal(pathres_under_root(STR_LIT("/r"), STR_LIT("/r/x"), out,
	                                    sizeof(out)),
	                 2);
	assert_string_equal(out, "/x");
	assert_int_equal(
	    pathres_under_root(STR_LIT("/r"), STR_LIT("/r"), out, sizeof(out)),
	    1);
	assert_string_equal(out, "/");
	assert_int_equal(pathres_under_root(STR_LIT("/r"), STR_LIT("/rx/y"),
	                                    out, sizeof(out)),
	                 -1);
	assert_int_equal(
	    pathres_under_root(STR_LIT("/"), STR_LIT("/q"), out, sizeof(out)),
	    2);
	/* rename: PARENT old, PARENT new, DELETE old, CREATE new */
	ev.path[0].nametype = NT_PARENT;
	ev.path[1].nametype = NT_PARENT;
	ev.path[2].nametype = NT_DELETE;
	ev.path[3].nametype = NT_CREATE;
	ev.path[4].nametype = NT_NORMAL;
	ev.npath = 5;
	assert_ptr_equal(pathres_parent_of(&ev, &ev.path[2]), &ev.path[0]);
	assert_ptr_equal(pathres_parent_of(&ev, &ev.path[3]), &ev.path[1]);
	assert_null(pathres_parent_of(&ev, &ev.path[4]));
	ev.path[1].nametype = NT_NORMAL; /* only one PARENT */
	assert_null(pathres_parent_of(&ev, &ev.path[3]));
}

/* The task's root changes between two of its events (a chroot; or its
 * pid now another container's): the second is resolved under the new
 * root, never under the root the cache held for the first. */
static void
test_pathres_root_changes_under_cache(void **state)
{
	struct fx *f = *state;
	struct sysevent ev = {0};
	struct res r;
	struct sysev_path old;
	char other[128], p[400];

	if (f == NULL)
		skip();
	ev.path[0] = item_of(f, "/real/dir/f", "/real/dir/f", NT_NORMAL);
	ev.npath = 1;
	resolve(f, &ev, 0, "/", &r);
	assert_false(r.a.unverified);
	old = ev.path[0];
	/* the chroot: another tree with the same names, other inodes */
	snprintf(other, sizeof(other), "%s/other", f->top);
	snprintf(p, sizeof(p),
	         "mkdir -p '%s/real/dir' && touch '%s/real/dir/f'", other,
	         other);
	assert_int_equal(system(p), 0);
	snprintf(p, sizeof(p), "%s/%d/root", f->proc, PID);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink(other, p), 0);
	snprintf(p, sizeof(p), "%s/real/dir/f", other);
	ev.path[0] = item_of(f, p, "/real/dir/f", NT_NORMAL);
	resolve(f, &ev, 0, "/", &r);
	assert_false(r.a.unverified);
	assert_true(is(r.a.path, "/real/dir/f"));
	/* the first root's file is not this root's */
	ev.path[0] = old;
	resolve(f, &ev, 0, "/", &r);
	assert_true(r.a.unverified);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pathres_pure),
	    cmocka_unit_test_setup_teardown(test_pathres_symlink_in_dir_part,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pathres_created_and_deleted,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pathres_swap_to_root, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_pathres_hostile_names, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_pathres_task_gone_and_no_inode,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_pathres_root_changes_under_cache, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
