/* test_opmarks.c - what path resolution says of an operation's names is
 * that operation's own, without root: the task's root is a scratch tree
 * behind the fake /proc's <pid>/root, so pathres confirms names for real.
 * A rename or unlink folded into a just-closed file's document (then_*)
 * joins it only when its names have no marks of their own (given as
 * resolved, confirmed) and name the document's file (inode and dev);
 * otherwise it keeps a document of its own, with its own marks. A link's
 * target and a bind mount's source are resolved and confirmed as a
 * filename is, with marks of their own. Driven like test_core
 * (corefx.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "corefx.h"
#include "haveopenat2.h"

#define PID 200

/* dockerd 100 serving, its child PID whose root is <fake proc>/rootfs
 * holding /tmp/real (a directory, with file f) and /tmp/ln -> /tmp/real. */
static void
start(struct fx *f)
{
	char p[256];

	fork_proc(f, 100, 1, 10, "dockerd", "/usr/bin/dockerd");
	fakeproc_serving(&f->fp, 100, "/run/docker.sock", 55);
	do_execve(f, 100, 11, "/usr/bin/dockerd", "dockerd");
	fork_proc(f, PID, 100, 20, "sh", "/bin/sh");
	snprintf(p, sizeof(p), "%s/rootfs", f->fp.root);
	fakeproc_mkdir(p);
	fakeproc_link(&f->fp, "200/root", p);
	snprintf(p, sizeof(p), "%s/rootfs/tmp", f->fp.root);
	fakeproc_mkdir(p);
	snprintf(p, sizeof(p), "%s/rootfs/tmp/real", f->fp.root);
	fakeproc_mkdir(p);
	fakeproc_file(&f->fp, "rootfs/tmp/real/f", "x", 1);
	fakeproc_link(&f->fp, "rootfs/tmp/ln", "/tmp/real");
}

/* The PATH item i: name, nametype, and the inode and device of rel in the
 * task's root (rel NULL: ino, on the root's device). */
static void
item(struct fx *f, unsigned int i, const char *name, enum sysev_nametype nt,
     const char *rel, uint64_t ino)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/rootfs%s", f->fp.root,
	         rel != NULL ? rel : "");
	assert_int_equal(stat(p, &st), 0);
	ev.path[i].name = (struct str){name, strlen(name)};
	ev.path[i].has_name = true;
	ev.path[i].nametype = nt;
	ev.path[i].inode = rel != NULL ? (uint64_t)st.st_ino : ino;
	ev.path[i].dev_major = major(st.st_dev);
	ev.path[i].dev_minor = minor(st.st_dev);
	if (ev.npath <= i)
		ev.npath = i + 1;
}

/* open(/tmp/real/f, O_WRONLY) as fd 3 at ms, closed at ms + 1: confirmed
 * (the name as given is the path). */
static void
write_f(struct fx *f, uint64_t ms)
{
	sev(SYSEV_OPEN, PID, ++f->serial, ms);
	item(f, 0, "/tmp/real/f", NT_NORMAL, "/tmp/real/f", 0);
	ev.exit = 3;
	ev.open_flags = 01; /* O_WRONLY */
	audit(f);
	fd_ev(f, SYSEV_CLOSE, PID, ms + 1, 3, 0);
}

/* unlink(name) at ms: PARENT the directory, DELETE the file (inode ino,
 * 0: /tmp/real/f's). */
static void
unlink_f(struct fx *f, uint64_t ms, const char *dir, const char *name,
         uint64_t ino)
{
	sev(SYSEV_UNLINK, PID, ++f->serial, ms);
	item(f, 0, dir, NT_PARENT, "/tmp/real", 0);
	if (ino == 0)
		item(f, 1, name, NT_DELETE, "/tmp/real/f", 0);
	else
		item(f, 1, name, NT_DELETE, NULL, ino);
	audit(f);
}

/* A metadata call of PID at ms, as the decoder leaves one. */
static void
meta(struct fx *f, enum sysev_kind kind, uint64_t ms)
{
	sev(kind, PID, ++f->serial, ms);
	ev.fd = SYSEV_NO_FD;
	ev.uid = ev.gid = SYSEV_ID_UNCHANGED;
}

static uint64_t
inode_of(struct fx *f, const char *rel)
{
	char p[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s/rootfs%s", f->fp.root, rel);
	assert_int_equal(stat(p, &st), 0);
	return (uint64_t)st.st_ino;
}

/* write_f at 40, then unlink_f at 43 (dir, name, ino); all written. */
static void
write_then_unlink(struct fx *f, const char *dir, const char *name, uint64_t ino)
{
	start(f);
	write_f(f, 40);
	unlink_f(f, 43, dir, name, ino);
	flush(f);
}

/* The same name, confirmed alike, the same inode: joined. */
static void
test_opmarks_same_marks_joined(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	write_then_unlink(f, "/tmp/real", "/tmp/real/f", 0);
	d = file_doc(f, "/tmp/real/f");
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_OP), "open");
	assert_false(fake_has(d, F_PATH_UNVERIFIED));
	assert_string_equal(fake_str(d, F_THEN_OP), "unlink");
	/* the file's own process: then_pid and then_proc_id left out */
	assert_false(fake_has(d, F_THEN_PID));
	assert_false(fake_has(d, F_THEN_PROC_ID));
	assert_null(op_doc(f, "unlink", 0));
}

/* The unlink named the file through a symlinked directory: its own
 * document, with its own name as given; the file's document keeps no
 * then_op and no raw_path that is not its own. */
static void
test_opmarks_raw_path_own_document(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	write_then_unlink(f, "/tmp/ln", "/tmp/ln/f", 0);
	d = op_doc(f, "open", 0);
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_FILENAME), "/tmp/real/f");
	assert_false(fake_has(d, F_THEN_OP));
	assert_false(fake_has(d, F_RAW_PATH));
	d = op_doc(f, "unlink", 0);
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_FILENAME), "/tmp/real/f");
	assert_string_equal(fake_str(d, F_RAW_PATH), "/tmp/ln/f");
	assert_false(fake_has(d, F_PATH_UNVERIFIED));
	assert_int_equal(fake_int(d, F_INODE, 0),
	                 (int64_t)inode_of(f, "/tmp/real/f"));
}

/* The unlink removed another file under that name (another inode): its
 * own document with its inode; the file's keeps its own. */
static void
test_opmarks_other_inode_own_document(void **state)
{
	struct fx *f = *state;
	const bson_t *d;
	uint64_t ino;

	start(f);
	ino = inode_of(f, "/tmp/real/f");
	write_f(f, 40);
	unlink_f(f, 43, "/tmp/real", "/tmp/real/f", ino + 1000);
	flush(f);
	d = op_doc(f, "open", 0);
	assert_non_null(d);
	assert_false(fake_has(d, F_THEN_OP));
	assert_int_equal(fake_int(d, F_INODE, 0), (int64_t)ino);
	d = op_doc(f, "unlink", 0);
	assert_non_null(d);
	assert_int_equal(fake_int(d, F_INODE, 0), (int64_t)(ino + 1000));
}

/* The unlink's name could not be confirmed (the directory is not the
 * PARENT the kernel logged): its own document, marked; the file's stays
 * confirmed. */
static void
test_opmarks_unverified_own_document(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	start(f);
	write_f(f, 40);
	sev(SYSEV_UNLINK, PID, ++f->serial, 43);
	item(f, 0, "/tmp/real", NT_PARENT, "/tmp", 0); /* not /tmp/real */
	item(f, 1, "/tmp/real/f", NT_DELETE, "/tmp/real/f", 0);
	audit(f);
	flush(f);
	d = op_doc(f, "open", 0);
	assert_non_null(d);
	assert_false(fake_has(d, F_THEN_OP));
	assert_false(fake_has(d, F_PATH_UNVERIFIED));
	d = op_doc(f, "unlink", 0);
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_FILENAME), "/tmp/real/f");
	assert_true(fake_int(d, F_PATH_UNVERIFIED, 0));
}

/* rename(/tmp/real/f, dir2 "/g") at 43 after write_f, the file moved
 * in the scratch tree first (done when godo looks). */
static void
rename_f(struct fx *f, const char *dir2, const char *newname)
{
	char from[256], to[256];

	start(f);
	write_f(f, 40);
	sev(SYSEV_RENAME, PID, ++f->serial, 43);
	item(f, 0, "/tmp/real", NT_PARENT, "/tmp/real", 0);
	item(f, 1, dir2, NT_PARENT, "/tmp/real", 0);
	item(f, 2, "/tmp/real/f", NT_DELETE, "/tmp/real/f", 0);
	item(f, 3, newname, NT_CREATE, "/tmp/real/f", 0);
	snprintf(from, sizeof(from), "%s/rootfs/tmp/real/f", f->fp.root);
	snprintf(to, sizeof(to), "%s/rootfs/tmp/real/g", f->fp.root);
	assert_int_equal(rename(from, to), 0);
	audit(f);
	flush(f);
}

/* Both names as resolved and confirmed: joined, new_filename with it. */
static void
test_opmarks_rename_joined(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	rename_f(f, "/tmp/real", "/tmp/real/g");
	d = file_doc(f, "/tmp/real/f");
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_THEN_OP), "rename");
	assert_string_equal(fake_str(d, F_NEW_FILENAME), "/tmp/real/g");
	assert_false(fake_has(d, F_NEW_RAW_PATH));
	assert_null(op_doc(f, "rename", 0));
}

/* The new name given through the symlink: the rename's own document with
 * its new name's marks; the file's is not joined. */
static void
test_opmarks_rename_new_marks(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	rename_f(f, "/tmp/ln", "/tmp/ln/g");
	d = op_doc(f, "rename", 0);
	assert_non_null(d);
	assert_string_equal(fake_str(d, F_FILENAME), "/tmp/real/f");
	assert_string_equal(fake_str(d, F_NEW_FILENAME), "/tmp/real/g");
	assert_string_equal(fake_str(d, F_NEW_RAW_PATH), "/tmp/ln/g");
	assert_false(fake_has(d, F_RAW_PATH));
	assert_false(fake_has(op_doc(f, "open", 0), F_THEN_OP));
}

/* The file was gone before godo confirmed the session's name (a temporary
 * file: written, closed, removed at once), the unlink's name confirmed
 * through its directory, its DELETE item on the upper layer's device as
 * on overlayfs: joined (the file's path_unverified is its session's). */
static void
test_opmarks_gone_file_joined(void **state)
{
	struct fx *f = *state;
	const bson_t *d;
	char p[256];
	uint64_t ino;

	start(f);
	ino = inode_of(f, "/tmp/real/f");
	snprintf(p, sizeof(p), "%s/rootfs/tmp/real/f", f->fp.root);
	assert_int_equal(unlink(p), 0);
	sev(SYSEV_OPEN, PID, ++f->serial, 40);
	item(f, 0, "/tmp/real/f", NT_NORMAL, NULL, ino);
	ev.exit = 3;
	ev.open_flags = 01; /* O_WRONLY */
	audit(f);
	fd_ev(f, SYSEV_CLOSE, PID, 41, 3, 0);
	sev(SYSEV_UNLINK, PID, ++f->serial, 43);
	item(f, 0, "/tmp/real", NT_PARENT, "/tmp/real", 0);
	item(f, 1, "/tmp/real/f", NT_DELETE, NULL, ino);
	/* overlayfs: the upper layer's device, not the overlay's */
	ev.path[1].dev_major = ev.path[0].dev_major + 1;
	audit(f);
	flush(f);
	d = file_doc(f, "/tmp/real/f");
	assert_non_null(d);
	assert_true(fake_int(d, F_PATH_UNVERIFIED, 0));
	assert_string_equal(fake_str(d, F_THEN_OP), "unlink");
	assert_null(op_doc(f, "unlink", 0));
}

/* d's name under key is want, given as raw (NULL: no raw_key), confirmed
 * or not (unv_key). */
static void
assert_name(const bson_t *d, const char *key, const char *want,
            const char *raw_key, const char *raw, const char *unv_key,
            bool unverified)
{
	assert_non_null(d);
	assert_string_equal(fake_str(d, key), want);
	if (raw != NULL)
		assert_string_equal(fake_str(d, raw_key), raw);
	else
		assert_false(fake_has(d, raw_key));
	assert_int_equal(fake_int(d, unv_key, 0), unverified);
}

/* link(/tmp/ln/f, /tmp/real/hl): the target through the symlinked
 * directory is the file's path, the name as given beside it; a target
 * whose inode is not the record's is marked unverified, kept as given. */
static void
test_opmarks_link_target(void **state)
{
	struct fx *f = *state;
	const bson_t *d;
	char from[256], to[256];
	uint64_t ino;

	start(f);
	snprintf(from, sizeof(from), "%s/rootfs/tmp/real/f", f->fp.root);
	snprintf(to, sizeof(to), "%s/rootfs/tmp/real/hl", f->fp.root);
	assert_int_equal(link(from, to), 0); /* done when godo looks */
	ino = inode_of(f, "/tmp/real/f");
	meta(f, SYSEV_LINK, 40);
	item(f, 0, "/tmp/ln/f", NT_NORMAL, "/tmp/real/f", 0);
	item(f, 1, "/tmp/real", NT_PARENT, "/tmp/real", 0);
	item(f, 2, "/tmp/real/hl", NT_CREATE, "/tmp/real/hl", 0);
	audit(f);
	meta(f, SYSEV_LINK, 41);
	item(f, 0, "/tmp/ln/f", NT_NORMAL, NULL, ino + 1000);
	item(f, 1, "/tmp/real", NT_PARENT, "/tmp/real", 0);
	item(f, 2, "/tmp/real/hl", NT_CREATE, "/tmp/real/hl", 0);
	audit(f);
	d = op_doc(f, "link", 0);
	assert_string_equal(fake_str(d, F_FILENAME), "/tmp/real/hl");
	assert_name(d, F_TARGET, "/tmp/real/f", F_TARGET_RAW_PATH, "/tmp/ln/f",
	            F_TARGET_UNVERIFIED, false);
	d = op_doc(f, "link", 1);
	assert_name(d, F_TARGET, "/tmp/ln/f", F_TARGET_RAW_PATH, NULL,
	            F_TARGET_UNVERIFIED, true);
	assert_false(fake_has(d, F_PATH_UNVERIFIED)); /* its own: confirmed */
}

/* mount --bind /tmp/ln/f /tmp/real/f: the source as the file's path, the
 * name as given beside it. */
static void
test_opmarks_mount_source(void **state)
{
	struct fx *f = *state;
	const bson_t *d;

	start(f);
	meta(f, SYSEV_MOUNT, 40);
	ev.op_flags = 0x1000; /* MS_BIND */
	item(f, 0, "/tmp/real/f", NT_NORMAL, "/tmp/real/f", 0);
	item(f, 1, "/tmp/ln/f", NT_NORMAL, "/tmp/real/f", 0);
	audit(f);
	d = op_doc(f, "mount", 0);
	assert_name(d, F_FILENAME, "/tmp/real/f", F_RAW_PATH, NULL,
	            F_PATH_UNVERIFIED, false);
	assert_name(d, F_MOUNT_SOURCE, "/tmp/real/f", F_SOURCE_RAW_PATH,
	            "/tmp/ln/f", F_SOURCE_UNVERIFIED, false);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_opmarks_same_marks_joined,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_opmarks_raw_path_own_document,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_opmarks_other_inode_own_document, setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        test_opmarks_unverified_own_document, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_opmarks_rename_joined, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_opmarks_rename_new_marks,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_opmarks_gone_file_joined,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_opmarks_link_target, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_opmarks_mount_source, setup,
	                                    teardown),
	};

	if (!have_openat2()) { /* valgrind 3.19: pathres confirms nothing */
		printf("no openat2 here (valgrind?): test_opmarks skipped\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
