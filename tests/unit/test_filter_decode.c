/* test_filter_decode.c - filter/decode.c: raw documents built from JSON
 * into tasks, files and gaps; good documents, and malformed ones (wrong
 * types, missing fields) that must be refused or read as absent, never
 * crash. No store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "fgroup.h"
#include "test_filter_fixture.h"

/* decode_task of json; want its return value */
static void
task_of(const char *json, struct task *t, int want)
{
	bson_t *b = ff_doc(json);

	assert_int_equal(decode_task(b, t), want);
	bson_destroy(b);
}

static void
assert_bytes(const struct bytes *b, const char *want, size_t n)
{
	assert_true(b->set);
	assert_int_equal(b->n, n);
	assert_memory_equal(b->p, want, n);
}

static void
test_decode_task_full(void **state)
{
	struct task t;

	(void)state;
	task_of("{\"_id\": \"b:42:100\", \"host\": \"h\", \"boot_id\": \"b\","
	        " \"pid\": 42, \"tgid\": 42, \"thread\": false, \"ppid\": 1,"
	        " \"parent_tgid\": 7, \"parent_id\": \"b:7:90\","
	        " \"start_ticks\": 100, \"start_ns\": 1795600800000000000,"
	        " \"star\": true, \"comm\": \"sh\", \"exe\": \"/bin/sh\","
	        " \"cwd\": \"/app\", \"args\": [\"sh\", \"-c\", \"x\"],"
	        " \"args_truncated\": true, \"execve\": [{\"ns\": "
	        "1795600801000000000, \"args\": [\"sh\"], \"exe\": \"/bin/sh\","
	        " \"cwd\": \"/w\"}], \"execve_count\": 3,"
	        " \"exit_ns\": 1795600802000000000, \"exit_code\": 2,"
	        " \"docker_id\": \"" FF_CID1 "\", \"rootfs\": \"/r/merged\","
	        " \"setns\": true, \"source\": \"proc\"}",
	        &t, 0);
	assert_string_equal(t.id, "b:42:100");
	assert_string_equal(t.host, "h");
	assert_string_equal(t.boot, "b");
	assert_int_equal(t.pid, 42);
	assert_int_equal(t.tgid, 42);
	assert_false(t.thread);
	assert_true(t.has_ppid && t.ppid == 1);
	assert_true(t.has_ptgid && t.parent_tgid == 7);
	assert_string_equal(t.parent_id, "b:7:90");
	assert_true(t.has_ticks && t.start_ticks == 100);
	assert_true(t.has_start && t.start_ns == FF_T0);
	assert_true(t.star && t.setns && t.args_trunc);
	assert_bytes(&t.comm, "sh", 2);
	assert_bytes(&t.exe, "/bin/sh", 7);
	assert_bytes(&t.cwd, "/app", 4);
	assert_int_equal(t.args.n, 3);
	assert_bytes(&t.args.v[2], "x", 1);
	assert_int_equal(t.nexec, 1);
	assert_true(t.execs[0].ns == FF_NS(1));
	assert_bytes(&t.execs[0].cwd, "/w", 2);
	assert_int_equal(t.execve_count, 3);
	assert_true(t.has_exit && t.exit_ns == FF_NS(2));
	assert_true(t.has_code && t.exit_code == 2);
	assert_string_equal(t.docker_id, FF_CID1);
	assert_bytes(&t.rootfs, "/r/merged", 9);
	assert_bytes(&t.source, "proc", 4);
	model_task_free(&t);
}

/* bytes that are not UTF-8 are stored as binary subtype 0 */
static void
test_decode_task_binary_strings(void **state)
{
	struct task t;

	(void)state;
	/* "Yf9a" is base64 of 61 ff 00 61 */
	task_of("{\"_id\": \"i\", \"pid\": 5, \"comm\": {\"$binary\": "
	        "{\"base64\": \"Yf8AYQ==\", \"subType\": \"00\"}},"
	        " \"args\": [{\"$binary\": {\"base64\": \"Yf8AYQ==\","
	        " \"subType\": \"00\"}}, 7]}",
	        &t, 0);
	assert_bytes(&t.comm, "a\xff\0a", 4);
	assert_int_equal(t.args.n, 2);
	assert_bytes(&t.args.v[0], "a\xff\0a", 4);
	assert_bytes(&t.args.v[1], "", 0); /* a number in args: empty */
	model_task_free(&t);
}

static void
test_decode_task_missing_id(void **state)
{
	struct task t;

	(void)state;
	task_of("{\"pid\": 5, \"comm\": \"x\"}", &t, -1);
	assert_null(t.id);
	assert_false(t.comm.set);
}

static void
test_decode_task_missing_pid(void **state)
{
	struct task t;

	(void)state;
	task_of("{\"_id\": \"i\", \"tgid\": 5}", &t, -1);
	assert_null(t.id);
}

static void
test_decode_task_pid_string(void **state)
{
	struct task t;

	(void)state;
	task_of("{\"_id\": \"i\", \"pid\": \"5\"}", &t, -1);
	task_of("{\"_id\": \"i\", \"pid\": 4294967296}", &t, -1);
}

static void
test_decode_task_objectid_id(void **state)
{
	struct task t;

	(void)state;
	task_of("{\"_id\": {\"$oid\": \"0123456789abcdef01234567\"},"
	        " \"pid\": 5}",
	        &t, -1);
}

/* a document that cannot be read is still named in the report */
static void
test_decode_any_id(void **state)
{
	const char *docs[][2] = {
	    {"{\"_id\": \"b:5:1\", \"pid\": \"5\"}", "b:5:1"},
	    {"{\"_id\": {\"$oid\": \"0123456789abcdef01234567\"}}",
	     "ObjectId(0123456789abcdef01234567)"},
	    {"{\"_id\": 42}", "42"},
	    {"{\"_id\": {\"$numberLong\": \"-7\"}}", "-7"},
	    {"{\"_id\": 1.5}", "(an _id of BSON type 0x01)"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		bson_t *b = ff_doc(docs[i][0]);
		char *id = decode_any_id(b);

		assert_string_equal(id, docs[i][1]);
		free(id);
		bson_destroy(b);
	}
	{
		bson_t *b = ff_doc("{\"pid\": 5}");

		assert_null(decode_any_id(b));
		bson_destroy(b);
	}
}

static void
test_decode_task_defaults(void **state)
{
	struct task t;

	(void)state;
	task_of("{\"_id\": \"p\", \"pid\": 5}", &t, 0);
	assert_int_equal(t.tgid, 5);
	assert_false(t.thread);
	assert_false(t.has_start || t.has_exit || t.has_ppid);
	model_task_free(&t);
	task_of("{\"_id\": \"t\", \"pid\": 6, \"tgid\": 5}", &t, 0);
	assert_true(t.thread);
	model_task_free(&t);
}

static void
test_decode_task_wait_status(void **state)
{
	struct task t;

	(void)state;
	task_of("{\"_id\": \"a\", \"pid\": 5, \"exit_status\": 768}", &t, 0);
	assert_true(t.has_code && t.exit_code == 3);
	assert_false(t.has_signal);
	model_task_free(&t);
	task_of("{\"_id\": \"a\", \"pid\": 5, \"exit_status\": 9}", &t, 0);
	assert_true(t.has_signal && t.exit_signal == 9);
	assert_false(t.has_code);
	model_task_free(&t);
	/* code and signal recorded win over the status */
	task_of("{\"_id\": \"a\", \"pid\": 5, \"exit_status\": 9,"
	        " \"exit_code\": 1}",
	        &t, 0);
	assert_true(t.has_code && t.exit_code == 1);
	assert_false(t.has_signal);
	model_task_free(&t);
}

/* Fields left out of a document written whole (docs/schema.md): a bare
 * newest execve entry takes the document's args, exe, cwd and cut
 * extras; parent_tgid is ppid; exit_status follows from code or signal. */
static void
test_decode_task_left_out_fields(void **state)
{
	struct task t;

	(void)state;
	task_of(
	    "{\"_id\": \"b:42:100\", \"pid\": 42, \"ppid\": 9,"
	    " \"exe\": \"/bin/ls\", \"cwd\": \"/app\","
	    " \"args\": [\"ls\", \"-l\"], \"args_sha256\": \"ab\","
	    " \"args_cut\": [{\"index\": 1, \"length\": 9000,"
	    " \"tail\": \"zz\"}],"
	    " \"execve\": [{\"ns\": 1795600801000000000, \"args\": [\"sh\"],"
	    " \"exe\": \"/bin/sh\", \"cwd\": \"/w\"},"
	    " {\"ns\": 1795600802000000000}], \"execve_count\": 2,"
	    " \"exit_ns\": 1795600803000000000, \"exit_code\": 3}",
	    &t, 0);
	assert_int_equal(t.nexec, 2);
	assert_bytes(&t.execs[0].exe, "/bin/sh", 7);
	assert_int_equal(t.execs[0].args.n, 1);
	assert_false(t.execs[1].bare);
	assert_true(t.execs[1].ns == FF_NS(2));
	assert_int_equal(t.execs[1].args.n, 2);
	assert_bytes(&t.execs[1].args.v[1], "-l", 2);
	assert_bytes(&t.execs[1].exe, "/bin/ls", 7);
	assert_bytes(&t.execs[1].cwd, "/app", 4);
	assert_bytes(&t.execs[1].ax.sha256, "ab", 2);
	assert_int_equal(t.execs[1].ax.cuts.n, 1);
	assert_bytes(&t.execs[1].ax.cuts.v[0].tail, "zz", 2);
	assert_true(t.has_ptgid && t.parent_tgid == 9);
	assert_true(t.has_status && t.exit_status == 3 << 8);
	assert_bytes(&t.comm, "ls", 2); /* exe's base name */
	model_task_free(&t);
	/* comm: exe's base name cut to 15 bytes; a recorded one stays */
	task_of("{\"_id\": \"c\", \"pid\": 5,"
	        " \"exe\": \"/opt/a-very-long-program-name\"}",
	        &t, 0);
	assert_bytes(&t.comm, "a-very-long-pro", 15);
	model_task_free(&t);
	task_of("{\"_id\": \"c\", \"pid\": 5, \"exe\": \"/usr/bin/dash\","
	        " \"comm\": \"sh\"}",
	        &t, 0);
	assert_bytes(&t.comm, "sh", 2);
	model_task_free(&t);
	/* an entry whose args were recorded empty is not bare */
	task_of("{\"_id\": \"a\", \"pid\": 5, \"args\": [\"x\"],"
	        " \"execve\": [{\"ns\": 1, \"args\": []}],"
	        " \"exit_signal\": 9}",
	        &t, 0);
	assert_int_equal(t.execs[0].args.n, 0);
	assert_true(t.has_status && t.exit_status == 9);
	model_task_free(&t);
}

static void
test_decode_task_dates(void **state)
{
	struct task t;

	(void)state;
	task_of("{\"_id\": \"a\", \"pid\": 5, \"start_timestamp\": {\"$date\":"
	        " {\"$numberLong\": \"1795600800123\"}}, \"exit_timestamp\":"
	        " {\"$date\": {\"$numberLong\": \"1795600801000\"}}}",
	        &t, 0);
	assert_true(t.has_start && t.start_ns == FF_T0 + 123000000LL);
	assert_true(t.has_exit && t.exit_ns == FF_NS(1));
	model_task_free(&t);
	/* the ns field wins over the date */
	task_of("{\"_id\": \"a\", \"pid\": 5, \"start_timestamp\": {\"$date\":"
	        " {\"$numberLong\": \"1\"}}, \"start_ns\": 7}",
	        &t, 0);
	assert_true(t.has_start && t.start_ns == 7);
	model_task_free(&t);
}

/* a date after 2262 does not fit ns in an int64: absent, not wrapped */
static void
test_decode_task_date_overflow(void **state)
{
	struct task t;

	(void)state;
	task_of("{\"_id\": \"a\", \"pid\": 5, \"start_timestamp\": {\"$date\":"
	        " {\"$numberLong\": \"253402300799000\"}}}",
	        &t, 0);
	assert_false(t.has_start);
	model_task_free(&t);
}

static void
test_decode_task_wrong_types(void **state)
{
	struct task t;

	(void)state;
	task_of("{\"_id\": \"a\", \"pid\": 5, \"ppid\": \"1\", \"parent_tgid\":"
	        " [1], \"start_ns\": \"x\", \"args\": \"sh\", \"execve\":"
	        " [1, \"x\", {\"ns\": 3, \"args\": [\"a\"]}], \"exit_code\":"
	        " 4294967296, \"comm\": 12, \"docker_id\": 5}",
	        &t, 0);
	assert_false(t.has_ppid || t.has_ptgid || t.has_start || t.has_code);
	assert_int_equal(t.args.n, 0);
	assert_int_equal(t.nexec, 1); /* only the document */
	assert_true(t.execs[0].ns == 3);
	assert_false(t.comm.set);
	assert_null(t.docker_id);
	model_task_free(&t);
}

static void
test_decode_task_empty_docker_id(void **state)
{
	struct task t;

	(void)state;
	task_of("{\"_id\": \"a\", \"pid\": 5, \"docker_id\": \"\"}", &t, 0);
	assert_null(t.docker_id);
	model_task_free(&t);
}

static void
test_decode_file_open(void **state)
{
	bson_t *b = ff_doc(
	    "{\"_id\": \"f1\", \"proc_id\": \"p\", \"op\": \"open\","
	    " \"filename\": \"a/b\", \"fd\": 3, \"flags\": 577, "
	    "\"open_timestamp\":"
	    " {\"$date\": {\"$numberLong\": \"1795600801000\"}}, \"close_ns\":"
	    " 1795600802000000000, \"closed_by\": \"close\", \"write_count\": "
	    "4,"
	    " \"write_bytes\": 40}");
	struct file_doc d;

	(void)state;
	assert_int_equal(decode_file(b, &d), 0);
	assert_string_equal(d.f.id, "f1");
	assert_string_equal(d.proc_id, "p");
	assert_int_equal(d.f.op, FOP_OPEN);
	assert_bytes(&d.f.raw_path, "a/b", 3);
	assert_int_equal(d.f.fd, 3);
	assert_int_equal(d.f.flags, 577);
	assert_true(d.f.open_ns == FF_NS(1));
	assert_true(d.f.has_close && d.f.close_ns == FF_NS(2));
	assert_bytes(&d.f.closed_by, "close", 5);
	assert_true(d.f.writes == 4 && d.f.write_bytes == 40);
	assert_false(d.joined);
	decode_file_free(&d);
	bson_destroy(b);
}

static void
test_decode_file_joined(void **state)
{
	bson_t *b = ff_doc("{\"_id\": \"f2\", \"proc_id\": \"p\", \"op\":"
	                   " \"rename\", \"filename\": \"/a\", \"ns\": 5,"
	                   " \"new_filename\": \"/b\", \"then_op\": \"unlink\","
	                   " \"then_ns\": 9, \"then_proc_id\": \"q\"}");
	struct file_doc d;

	(void)state;
	assert_int_equal(decode_file(b, &d), 0);
	assert_int_equal(d.f.op, FOP_RENAME);
	assert_true(d.f.ns == 5);
	assert_false(d.f.has_close);
	assert_bytes(&d.new_path, "/b", 2);
	assert_true(d.joined);
	assert_int_equal(d.then_op, FOP_UNLINK);
	assert_true(d.then_ns == 9);
	assert_string_equal(d.then_proc, "q");
	decode_file_free(&d);
	bson_destroy(b);
}

/* decode_file of each member, via fgroup_each */
static int
decode_member(const bson_t *doc, void *arg)
{
	struct file_doc *d = arg;

	if (d->f.id != NULL) /* the previous member's */
		decode_file_free(d);
	assert_int_equal(decode_file(doc, d), 0);
	return 0;
}

/* The older shape (one document per file, with date twins) and the
 * grouped one (common/fgroup.h) decode to the same file. */
static void
test_decode_file_both_shapes(void **state)
{
	static const char *const old =
	    "{\"_id\": \"f1\", \"host\": \"h\", \"boot_id\": \"b\", \"op\": "
	    "\"open\", \"proc_id\": \"p\", \"pid\": 7, \"tgid\": 7, "
	    "\"docker_id\": \"c\", \"filename\": \"/a\", \"fd\": 3, "
	    "\"open_timestamp\": {\"$date\": {\"$numberLong\": "
	    "\"1795600801000\"}}, \"open_ns\": 1795600801000000001, "
	    "\"close_timestamp\": {\"$date\": {\"$numberLong\": "
	    "\"1795600802000\"}}, \"close_ns\": 1795600802000000002, "
	    "\"closed_by\": \"close\", \"write_count\": 4, \"write_bytes\": "
	    "40}";
	static const char *const grouped =
	    "{\"_id\": \"f0:g\", \"host\": \"h\", \"boot_id\": \"b\", "
	    "\"proc_id\": \"p\", \"pid\": 7, \"tgid\": 7, \"docker_id\": "
	    "\"c\", "
	    "\"docs\": [{\"_id\": \"f0\", \"op\": \"unlink\", \"filename\": "
	    "\"/z\", \"ns\": 5}, {\"_id\": \"f1\", \"op\": \"open\", "
	    "\"filename\": \"/a\", \"fd\": 3, \"open_ns\": "
	    "1795600801000000001, "
	    "\"close_ns\": 1795600802000000002, \"closed_by\": \"close\", "
	    "\"write_count\": 4, \"write_bytes\": 40}, 17]}";
	bson_t *b = ff_doc(old), *g = ff_doc(grouped);
	struct file_doc d[2];
	int i;

	(void)state;
	memset(d, 0, sizeof(d));
	assert_int_equal(fgroup_each(b, decode_member, &d[0]), 0);
	assert_true(fgroup_is_group(g));
	/* f0 decodes, then f1 overwrites it: f1 last; 17 is skipped */
	assert_int_equal(fgroup_each(g, decode_member, &d[1]), 0);
	for (i = 0; i < 2; i++) {
		assert_string_equal(d[i].f.id, "f1");
		assert_string_equal(d[i].proc_id, "p");
		assert_int_equal(d[i].f.op, FOP_OPEN);
		assert_bytes(&d[i].f.raw_path, "/a", 2);
		assert_int_equal(d[i].f.fd, 3);
		assert_true(d[i].f.open_ns == 1795600801000000001LL);
		assert_true(d[i].f.has_close &&
		            d[i].f.close_ns == 1795600802000000002LL);
		assert_true(d[i].f.writes == 4 && d[i].f.write_bytes == 40);
		decode_file_free(&d[i]);
	}
	bson_destroy(b);
	bson_destroy(g);
}

/* a metadata op: FOP_OTHER by its name, with its fields; a then_op that
 * is not rename / unlink is not joined as one */
static void
test_decode_file_meta_op(void **state)
{
	bson_t *b = ff_doc(
	    "{\"_id\": \"m\", \"proc_id\": \"p\", \"op\": \"chown\","
	    " \"filename\": \"/etc/shadow\", \"ns\": 7, \"target\": \"/x\","
	    " \"mode\": 1377, \"uid\": {\"$numberLong\": \"-1\"}, \"gid\": 42,"
	    " \"type\": \"fifo\", \"then_op\": \"chmod\"}");
	struct file_doc d;

	(void)state;
	assert_int_equal(decode_file(b, &d), 0);
	assert_int_equal(d.f.op, FOP_OTHER);
	assert_bytes(&d.f.op_name, "chown", 5);
	assert_true(d.f.ns == 7);
	assert_bytes(&d.f.target, "/x", 2);
	assert_bytes(&d.f.type, "fifo", 4);
	assert_true(d.f.has_mode && d.f.mode == 02541);
	assert_true(d.f.has_uid && d.f.uid == -1);
	assert_true(d.f.has_gid && d.f.gid == 42);
	assert_true(d.joined);
	assert_int_equal(d.then_op, FOP_OPEN);
	decode_file_free(&d);
	bson_destroy(b);
}

/* the names of rename / unlink are their own; any other is cut to
 * FOP_NAME_MAX bytes; absent fields stay absent; a mode that is not an
 * number reads as absent */
static void
test_decode_file_op_names(void **state)
{
	bson_t *b = ff_doc("{\"_id\": \"u\", \"proc_id\": \"p\", \"op\":"
	                   " \"unlink\", \"filename\": \"/a\"}");
	bson_t *l =
	    ff_doc("{\"_id\": \"l\", \"proc_id\": \"p\", \"op\": "
	           "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
	           " \"mode\": \"0755\", \"uid\": \"0\"}");
	struct file_doc d;

	(void)state;
	assert_int_equal(decode_file(b, &d), 0);
	assert_int_equal(d.f.op, FOP_UNLINK);
	assert_bytes(&d.f.op_name, "unlink", 6);
	assert_false(d.f.has_mode || d.f.has_uid || d.f.has_gid);
	assert_false(d.f.target.set || d.f.type.set);
	decode_file_free(&d);
	assert_int_equal(decode_file(l, &d), 0);
	assert_int_equal(d.f.op, FOP_OTHER);
	assert_int_equal(d.f.op_name.n, FOP_NAME_MAX);
	assert_int_equal(d.f.op_name.p[FOP_NAME_MAX], '\0');
	assert_false(d.f.has_mode);
	assert_false(d.f.has_uid);
	decode_file_free(&d);
	bson_destroy(b);
	bson_destroy(l);
}

static void
test_decode_file_malformed(void **state)
{
	const char *bad[] = {
	    "{\"_id\": \"f\", \"filename\": \"/a\"}",
	    "{\"proc_id\": \"p\", \"filename\": \"/a\"}",
	    "{\"_id\": 5, \"proc_id\": \"p\"}",
	    "{\"_id\": \"f\", \"proc_id\": [\"p\"]}",
	};
	struct file_doc d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bson_t *b = ff_doc(bad[i]);

		assert_int_equal(decode_file(b, &d), -1);
		assert_null(d.f.id);
		bson_destroy(b);
	}
}

/* no filename: an empty one; no op: an open */
static void
test_decode_file_defaults(void **state)
{
	bson_t *b = ff_doc("{\"_id\": \"f\", \"proc_id\": \"p\","
	                   " \"fd\": \"3\"}");
	struct file_doc d;

	(void)state;
	assert_int_equal(decode_file(b, &d), 0);
	assert_int_equal(d.f.op, FOP_OPEN);
	assert_false(d.f.op_name.set);
	assert_bytes(&d.f.raw_path, "", 0);
	assert_int_equal(d.f.fd, 0);
	assert_true(d.f.open_ns == NS_NONE && d.f.ns == NS_NONE);
	decode_file_free(&d);
	bson_destroy(b);
}

static void
test_decode_gap(void **state)
{
	bson_t *b = ff_doc("{\"host\": \"h\", \"boot_id\": \"b\", \"source\":"
	                   " \"audit\", \"from\": {\"$date\": {\"$numberLong\":"
	                   " \"1795600801000\"}}, \"count\": 5}");
	struct gap g;

	(void)state;
	decode_gap(b, &g);
	assert_string_equal(g.host, "h");
	assert_string_equal(g.boot, "b");
	assert_bytes(&g.source, "audit", 5);
	assert_true(g.from_ns == FF_NS(1));
	assert_true(g.to_ns == NS_NONE);
	assert_true(g.count == 5);
	model_gap_free(&g);
	bson_destroy(b);
}

static void
test_decode_id_and_starts_by(void **state)
{
	bson_t *a = ff_doc("{\"_id\": \"x\", \"start_ns\": 100}");
	bson_t *b = ff_doc("{\"_id\": 3, \"start_ns\": \"100\"}");
	char *id = decode_id(a);

	(void)state;
	assert_string_equal(id, "x");
	free(id);
	assert_null(decode_id(b));
	assert_true(decode_starts_by(a, INT64_MAX));
	assert_true(decode_starts_by(a, 100));
	assert_true(decode_starts_by(a, 100 - MATCH_TOL_NS));
	assert_false(decode_starts_by(a, 99 - MATCH_TOL_NS));
	/* no numeric start_ns: does not match a bounded window */
	assert_false(decode_starts_by(b, 1000));
	assert_true(decode_starts_by(b, INT64_MAX));
	bson_destroy(a);
	bson_destroy(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_task_full),
	    cmocka_unit_test(test_decode_task_binary_strings),
	    cmocka_unit_test(test_decode_task_missing_id),
	    cmocka_unit_test(test_decode_task_missing_pid),
	    cmocka_unit_test(test_decode_task_pid_string),
	    cmocka_unit_test(test_decode_task_objectid_id),
	    cmocka_unit_test(test_decode_any_id),
	    cmocka_unit_test(test_decode_task_defaults),
	    cmocka_unit_test(test_decode_task_wait_status),
	    cmocka_unit_test(test_decode_task_left_out_fields),
	    cmocka_unit_test(test_decode_task_dates),
	    cmocka_unit_test(test_decode_task_date_overflow),
	    cmocka_unit_test(test_decode_task_wrong_types),
	    cmocka_unit_test(test_decode_task_empty_docker_id),
	    cmocka_unit_test(test_decode_file_open),
	    cmocka_unit_test(test_decode_file_joined),
	    cmocka_unit_test(test_decode_file_both_shapes),
	    cmocka_unit_test(test_decode_file_meta_op),
	    cmocka_unit_test(test_decode_file_op_names),
	    cmocka_unit_test(test_decode_file_malformed),
	    cmocka_unit_test(test_decode_file_defaults),
	    cmocka_unit_test(test_decode_gap),
	    cmocka_unit_test(test_decode_id_and_starts_by),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
