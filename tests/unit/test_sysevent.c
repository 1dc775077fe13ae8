/* test_sysevent.c - decoding reassembled events into struct sysevent, over
 * audit text captured from the kernel (tests/data/audit/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "fixture.h"
#include "sysevent.h"
#include "reasm.h"
#include "record.h"
#include "schema.h"

#define X86_64 0xc000003eu
#define I386 0x40000003u

struct ctx {
	struct sysevent_dec *d;
	struct sysevent *e;
	uint64_t want;
	int found; /* events decoded with serial want */
	int rc;
	unsigned int events;
};

static void
emit_decode(const struct reasm_event *ev, void *arg)
{
	struct ctx *c = arg;

	c->events++;
	if (ev->serial != c->want || c->found > 0)
		return;
	c->found++;
	c->rc = sysevent_decode(c->d, ev, c->e);
}

static int
setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -1;
	c->d = sysevent_dec_new();
	c->e = malloc(sizeof(*c->e));
	if (c->d == NULL || c->e == NULL)
		return -1;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	sysevent_dec_free(c->d);
	free(c->e);
	free(c);
	return 0;
}

/* Feeds a buffer of log lines to r; lines for which drop() says so are
 * left out. */
static void
feed_buf(struct reasm *r, char *buf, size_t len,
         bool (*drop)(uint16_t, struct str))
{
	char *line, *nl;
	struct str pl;
	uint16_t type;

	for (line = buf; line < buf + len; line = nl + 1) {
		nl = memchr(line, '\n', len - (size_t)(line - buf));
		if (nl == NULL)
			nl = buf + len;
		if (record_parse_line(line, (size_t)(nl - line), &type, &pl) !=
		    0)
			continue;
		if (drop != NULL && drop(type, pl))
			continue;
		(void)reasm_add(r, type, pl.p, pl.n, 0);
	}
}

/* Decodes event `serial` of fixture `name` into c->e (flushing, so events
 * without EOE come out too). The reasm is gone afterwards: c->e must not
 * point into it. */
/* reasm's record bytes per event in load(): godo's (reasm.h), or more to
 * see what the decoder does with an event reasm would cut. */
static size_t load_slot_bytes = REASM_SLOT_BYTES;

static const struct sysevent *
load_skip(struct ctx *c, const char *name, uint64_t serial,
          bool (*drop)(uint16_t, struct str))
{
	struct reasm *r;
	size_t len;
	char *buf;

	c->want = serial;
	c->found = 0;
	c->rc = -2;
	c->events = 0;
	r = reasm_new(REASM_SLOTS, load_slot_bytes, REASM_AGE_MS, emit_decode,
	              c);
	assert_non_null(r);
	buf = fixture_read(name, &len);
	feed_buf(r, buf, len, drop);
	reasm_flush(r);
	reasm_free(r);
	memset(buf, 'X', len);
	free(buf);
	assert_int_equal(c->found, 1);
	assert_int_equal(c->rc, 0);
	return c->e;
}

static const struct sysevent *
load(struct ctx *c, const char *name, uint64_t serial)
{
	return load_skip(c, name, serial, NULL);
}

static void
assert_str(struct str s, const char *want)
{
	size_t n = strlen(want);

	assert_int_equal(s.n, n);
	assert_memory_equal(s.p, want, n);
}

static void
assert_path(const struct sysev_path *p, const char *name, size_t n,
            enum sysev_nametype nt)
{
	assert_true(p->has_name);
	assert_int_equal(p->name.n, n);
	assert_memory_equal(p->name.p, name, n);
	assert_int_equal(p->nametype, nt);
}

/* /bin/true with a 9,999-byte argument: a1_len=19998 and three chunk
 * records, joined and hex-decoded. */
static void
test_sysevent_execve_long_arg_joined(void **state)
{
	const struct sysevent *e = load(*state, "execve_long_arg.log", 242);
	size_t i;

	assert_int_equal(e->kind, SYSEV_EXECVE);
	assert_true(e->has_syscall);
	assert_int_equal(e->arch, X86_64);
	assert_int_equal(e->syscall, 59);
	assert_true(e->success);
	assert_true(e->has_exit);
	assert_int_equal(e->exit, 0);
	assert_int_equal(e->argc, 2);
	assert_false(e->args_truncated);
	assert_false(e->args_from_proctitle);
	assert_str(e->argv[0], "/bin/true");
	assert_int_equal(e->argv[1].n, 9999);
	for (i = 0; i < 9999; i++)
		if (e->argv[1].p[i] != 'a')
			fail_msg("byte %zu is %d", i, e->argv[1].p[i]);
	assert_str(e->comm, "true");
	assert_str(e->exe, "/usr/bin/true");
	assert_str(e->key, "hcap");
	assert_int_equal(e->npath, 2);
	assert_path(&e->path[0], "/bin/true", 9, NT_NORMAL);
	assert_false(e->partial);
}

static bool
skip_chunk1(uint16_t type, struct str pl)
{
	return type == 1309 && memmem(pl.p, pl.n, " a1[1]=", 7) != NULL;
}

/* The middle chunk record lost: the argument is short and flagged. */
static void
test_sysevent_execve_missing_chunk_flagged(void **state)
{
	const struct sysevent *e =
	    load_skip(*state, "execve_long_arg.log", 242, skip_chunk1);

	assert_int_equal(e->argc, 2);
	assert_true(e->args_truncated);
	assert_true(e->argv[1].n < 9999);
}

/* /bin/echo "arg with space" "" 'q"x': hex args and an empty one. */
static void
test_sysevent_execve_hex_and_empty_args(void **state)
{
	const struct sysevent *e = load(*state, "execve_args.log", 287);

	assert_int_equal(e->kind, SYSEV_EXECVE);
	assert_int_equal(e->argc, 4);
	assert_str(e->argv[0], "/bin/echo");
	assert_str(e->argv[1], "arg with space");
	assert_str(e->argv[2], "");
	assert_str(e->argv[3], "q\"x");
	assert_false(e->args_truncated);
}

/* openat(dirfd 5, "b.txt", O_WRONLY|O_CREAT|O_TRUNC): a0 is the dirfd;
 * the PARENT name is the cwd, its inode that of the dirfd's directory. */
static void
test_sysevent_openat_dirfd(void **state)
{
	const struct sysevent *e = load(*state, "fs_ops.log", 341);

	assert_int_equal(e->kind, SYSEV_OPEN);
	assert_int_equal(e->syscall, 257);
	assert_int_equal(e->dirfd, 5);
	assert_int_equal(e->open_flags, O_WRONLY | O_CREAT | O_TRUNC);
	assert_int_equal(e->exit, 6);
	assert_str(e->cwd, "/tmp/hcap/w");
	assert_int_equal(e->npath, 2);
	assert_path(&e->path[0], "/tmp/hcap/w", 11, NT_PARENT);
	assert_int_equal(e->path[0].inode, 9978710);
	assert_path(&e->path[1], "b.txt", 5, NT_CREATE);
	assert_int_equal(e->path[1].inode, 9978711);
	assert_int_equal(e->path[1].dev_major, 0xfe);
	assert_int_equal(e->path[1].dev_minor, 0);
	assert_int_equal(e->path[1].mode, 0100644);
	assert_int_equal(e->pid, 9266);
	assert_int_equal(e->ppid, 9255);
	assert_str(e->comm, "wl");
	assert_str(e->exe, "/tmp/hcap/wl");
	assert_int_equal(e->time_ns, 1795636100498000000LL);
	assert_int_equal(e->serial, 341);
}

/* creat: flags implied; openat2: flags from the OPENAT2 record (octal);
 * AT_FDCWD printed as ffffff9c. */
static void
test_sysevent_creat_and_openat2_flags(void **state)
{
	const struct sysevent *e = load(*state, "fs_ops.log", 344);

	assert_int_equal(e->kind, SYSEV_OPEN);
	assert_int_equal(e->syscall, 85);
	assert_int_equal(e->open_flags, O_CREAT | O_WRONLY | O_TRUNC);
	assert_int_equal(e->dirfd, SYSEV_AT_FDCWD);
	assert_path(&e->path[1], "c.txt", 5, NT_CREATE);
	e = load(*state, "fs_ops.log", 346);
	assert_int_equal(e->kind, SYSEV_OPEN);
	assert_int_equal(e->syscall, 437);
	assert_int_equal(e->open_flags, O_WRONLY | O_CREAT); /* oflag=0101 */
	assert_int_equal(e->dirfd, SYSEV_AT_FDCWD);
	assert_path(&e->path[1], "o2.txt", 6, NT_CREATE);
}

/* Names the kernel hex-encoded come back as the exact bytes. */
static void
test_sysevent_hex_names_decoded(void **state)
{
	static const struct {
		uint64_t serial;
		const char *name;
		size_t n;
		enum sysev_kind kind;
	} c[] = {
	    {358, "has space.txt", 13, SYSEV_OPEN},
	    {360, "has space.txt", 13, SYSEV_UNLINK},
	    {369, "quo\"te.txt", 10, SYSEV_OPEN},
	    {380, "caf\xff.txt", 8, SYSEV_OPEN},
	    {386, "new\nline.txt", 12, SYSEV_OPEN},
	};
	const struct sysevent *e;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		e = load(*state, "fs_ops.log", c[i].serial);
		assert_int_equal(e->kind, c[i].kind);
		assert_int_equal(e->npath, 2);
		assert_path(&e->path[1], c[i].name, c[i].n,
		            c[i].kind == SYSEV_OPEN ? NT_CREATE : NT_DELETE);
		assert_int_equal(e->dirfd, SYSEV_AT_FDCWD);
	}
}

/* renameat(5, "b.txt", 5, "b2.txt"): PARENT, PARENT, DELETE, CREATE. */
static void
test_sysevent_rename_four_items(void **state)
{
	const struct sysevent *e = load(*state, "fs_ops.log", 351);

	assert_int_equal(e->kind, SYSEV_RENAME);
	assert_int_equal(e->syscall, 264);
	assert_int_equal(e->dirfd, 5);
	assert_int_equal(e->dirfd2, 5);
	assert_int_equal(e->npath, 4);
	assert_path(&e->path[0], "/tmp/hcap/w", 11, NT_PARENT);
	assert_path(&e->path[1], "/tmp/hcap/w", 11, NT_PARENT);
	assert_path(&e->path[2], "b.txt", 5, NT_DELETE);
	assert_path(&e->path[3], "b2.txt", 6, NT_CREATE);
	assert_int_equal(e->path[2].inode, e->path[3].inode);
	e = load(*state, "fs_ops.log", 352); /* rename(2) */
	assert_int_equal(e->kind, SYSEV_RENAME);
	assert_int_equal(e->dirfd, SYSEV_AT_FDCWD);
	assert_int_equal(e->dirfd2, SYSEV_AT_FDCWD);
	assert_path(&e->path[2], "c.txt", 5, NT_DELETE);
	assert_path(&e->path[3], "c2.txt", 6, NT_CREATE);
}

/* unlinkat(5, ...) is an unlink; unlinkat(AT_FDCWD, "gone", AT_REMOVEDIR)
 * an rmdir. */
static void
test_sysevent_unlinkat_removedir_is_rmdir(void **state)
{
	const struct sysevent *e = load(*state, "fs_ops.log", 353);

	assert_int_equal(e->kind, SYSEV_UNLINK);
	assert_int_equal(e->dirfd, 5);
	assert_path(&e->path[1], "b2.txt", 6, NT_DELETE);
	e = load(*state, "fs_ops.log", 355);
	assert_int_equal(e->syscall, 263);
	assert_int_equal(e->kind, SYSEV_RMDIR);
	assert_int_equal(e->dirfd, SYSEV_AT_FDCWD);
}

/* exit_group has neither success= nor exit=; argv falls back to
 * PROCTITLE (no EXECVE record) and is flagged as such. */
static void
test_sysevent_exit_group_without_success_exit(void **state)
{
	const struct sysevent *e = load(*state, "fs_ops.log", 395);

	assert_int_equal(e->kind, SYSEV_EXIT);
	assert_int_equal(e->syscall, 231);
	assert_false(e->success);
	assert_false(e->has_exit);
	assert_int_equal(e->a[0], 0);
	assert_int_equal(e->a[1], 0xe7);
	assert_int_equal(e->npath, 0);
	assert_int_equal(e->cwd.n, 0);
	assert_true(e->args_from_proctitle);
	/* stale: the title cached in the bash that forked wl (1.7) */
	assert_int_equal(e->argc, 2);
	assert_str(e->argv[0], "/bin/bash");
	assert_str(e->argv[1], "/tmp/hcap/w.sh");
}

/* A 32-bit program: arch 40000003 and i386 numbers (5 open, 4 write,
 * 6 close, 10 unlink, 252 exit_group); its execve is logged as x86_64. */
static void
test_sysevent_i386_arch_event(void **state)
{
	const struct sysevent *e = load(*state, "i386.log", 409);

	assert_int_equal(e->arch, I386);
	assert_int_equal(e->syscall, 5);
	assert_int_equal(e->kind, SYSEV_OPEN);
	assert_int_equal(e->open_flags, O_WRONLY | O_CREAT | O_TRUNC);
	assert_int_equal(e->dirfd, SYSEV_AT_FDCWD);
	assert_int_equal(e->exit, 5);
	assert_path(&e->path[1], "/tmp/hcap/w/i386.txt", 20, NT_CREATE);
	e = load(*state, "i386.log", 413);
	assert_int_equal(e->kind, SYSEV_WRITE);
	assert_int_equal(e->a[0], 5);
	assert_int_equal(e->exit, 3);
	e = load(*state, "i386.log", 415);
	assert_int_equal(e->kind, SYSEV_CLOSE);
	e = load(*state, "i386.log", 417);
	assert_int_equal(e->kind, SYSEV_UNLINK);
	assert_path(&e->path[1], "/tmp/hcap/w/i386.txt", 20, NT_DELETE);
	e = load(*state, "i386.log", 419);
	assert_int_equal(e->kind, SYSEV_EXIT);
	assert_false(e->has_exit);
	e = load(*state, "i386.log", 401);
	assert_int_equal(e->arch, X86_64);
	assert_int_equal(e->kind, SYSEV_EXECVE);
	assert_str(e->argv[0], "/tmp/hcap/x32");
}

/* A create in a container on overlay2: 4 items, two of them (null) on the
 * upper file system; the rename has 7 items, 3 of them (null). */
static void
test_sysevent_overlay_create_null_paths_skipped(void **state)
{
	const struct sysevent *e = load(*state, "docker_overlay.log", 1150);

	assert_int_equal(e->kind, SYSEV_OPEN);
	assert_int_equal(e->npath, 2);
	assert_path(&e->path[0], "/", 1, NT_PARENT);
	assert_path(&e->path[1], "/x", 2, NT_CREATE);
	assert_int_equal(e->path[1].dev_major, 0);
	assert_int_equal(e->path[1].dev_minor, 0x27);
	assert_false(e->paths_truncated);
	assert_str(e->exe, "/bin/busybox");
	assert_str(e->cwd, "/");
	e = load(*state, "docker_overlay.log", 1156);
	assert_int_equal(e->kind, SYSEV_RENAME);
	assert_int_equal(e->npath, 4);
	assert_path(&e->path[2], "/x", 2, NT_DELETE);
	assert_int_equal(e->path[2].dev_major, 0xfe);
	assert_path(&e->path[3], "/y", 2, NT_CREATE);
	e = load(*state, "docker_overlay.log", 1149);
	assert_int_equal(e->kind, SYSEV_EXECVE);
	assert_int_equal(e->argc, 3);
	assert_str(e->argv[2], "echo x > /x; mv /x /y; rm /y");
}

static bool
skip_eoe_341(uint16_t type, struct str pl)
{
	(void)pl;
	return type == RECORD_EOE;
}

/* An event without EOE is decoded all the same, marked partial. */
static void
test_sysevent_partial_event_decoded(void **state)
{
	const struct sysevent *e =
	    load_skip(*state, "missing_eoe.log", 341, skip_eoe_341);

	assert_true(e->partial);
	assert_int_equal(e->kind, SYSEV_OPEN);
	assert_int_equal(e->dirfd, 5);
	assert_int_equal(e->npath, 2);
}

static bool
skip_execve(uint16_t type, struct str pl)
{
	(void)pl;
	return type == 1309; /* AUDIT_EXECVE */
}

static bool
skip_execve_proctitle(uint16_t type, struct str pl)
{
	(void)pl;
	return type == 1309 || type == 1327; /* AUDIT_EXECVE, AUDIT_PROCTITLE */
}

/* A successful exec whose EXECVE records did not come: argv from PROCTITLE
 * when that came, else args_missing (argv unknown, not empty); an exec
 * with its records and any other event are never marked. */
static void
test_sysevent_exec_without_argv_records_marked(void **state)
{
	const struct sysevent *e;

	e = load_skip(*state, "execve_long_arg.log", 242,
	              skip_execve_proctitle);
	assert_int_equal(e->kind, SYSEV_EXECVE);
	assert_true(e->success);
	assert_int_equal(e->argc, 0);
	assert_false(e->args_from_proctitle);
	assert_true(e->args_missing);
	e = load_skip(*state, "execve_long_arg.log", 242, skip_execve);
	assert_true(e->args_from_proctitle);
	assert_false(e->args_missing);
	e = load(*state, "execve_long_arg.log", 242);
	assert_int_equal(e->argc, 2);
	assert_false(e->args_missing);
	e = load_skip(*state, "missing_eoe.log", 341, skip_execve_proctitle);
	assert_int_equal(e->kind, SYSEV_OPEN);
	assert_false(e->args_missing);
}

/* A stand-alone record: no SYSCALL, kind OTHER, time from its header. */
static void
test_sysevent_standalone_record_is_other(void **state)
{
	const struct sysevent *e = load(*state, "interleaved.log", 516);

	assert_false(e->has_syscall);
	assert_int_equal(e->kind, SYSEV_OTHER);
	assert_int_equal(e->time_ns, 1795636100670000000LL);
	assert_int_equal(e->argc, 0);
}

/* Hostile EXECVE contents: more than ARGS_MAX_COUNT args, more than
 * ARGS_MAX_BYTES, out-of-order chunks. Built from the real event's SYSCALL
 * record with synthetic EXECVE records. */
static void
test_sysevent_args_caps_enforced(void **state)
{
	struct ctx *c = *state;
	static char p[100000];
	static const char hdr[] = "audit(1795636100.490:242): ";
	struct record rec[8];
	struct reasm_event ev = {.serial = 242, .rec = rec};
	size_t n, i;

	/* 2000 one-byte args */
	n = (size_t)snprintf(p, sizeof(p), "%sargc=2000", hdr);
	for (i = 0; i < 2000; i++)
		n += (size_t)snprintf(p + n, sizeof(p) - n, " a%zu=\"x\"", i);
	assert_int_equal(record_parse(&rec[0], 1309, p, n), 0);
	ev.nrec = 1;
	assert_int_equal(sysevent_decode(c->d, &ev, c->e), 0);
	assert_int_equal(c->e->argc, ARGS_MAX_COUNT);
	assert_true(c->e->args_truncated);
	assert_str(c->e->argv[1023], "x");

	/* one 20000-byte hex chunked arg, then a second: 40000 > 32 KiB */
	n = (size_t)snprintf(p, sizeof(p), "%sargc=2 a0_len=40000 a0[0]=", hdr);
	for (i = 0; i < 20000; i++)
		p[n++] = i % 2 ? '1' : '6';
	n += (size_t)snprintf(p + n, sizeof(p) - n, " a0[1]=");
	for (i = 0; i < 20000; i++)
		p[n++] = i % 2 ? '2' : '6';
	assert_true(n < sizeof(p) - 100);
	n += (size_t)snprintf(p + n, sizeof(p) - n, " a1_len=4 a1[0]=6868");
	assert_int_equal(record_parse(&rec[0], 1309, p, n), 0);
	assert_int_equal(sysevent_decode(c->d, &ev, c->e), 0);
	assert_int_equal(c->e->argc, 2);
	assert_int_equal(c->e->argv[0].n, 20000);
	assert_int_equal(c->e->argv[0].p[9999], 'a');
	assert_int_equal(c->e->argv[0].p[10000], 'b');
	assert_false(c->e->args_truncated);
	assert_str(c->e->argv[1], "hh");

	n = (size_t)snprintf(p, sizeof(p), "%sargc=2 a0_len=80000 a0[0]=", hdr);
	for (i = 0; i < 40000; i++)
		p[n++] = 'a';
	n += (size_t)snprintf(p + n, sizeof(p) - n, " a0[1]=");
	for (i = 0; i < 40000 && n < sizeof(p) - 64; i++)
		p[n++] = 'b';
	assert_int_equal(record_parse(&rec[0], 1309, p, n), 0);
	assert_int_equal(sysevent_decode(c->d, &ev, c->e), 0);
	assert_true(c->e->args_truncated);
	assert_true(c->e->argv[0].n <= ARGS_MAX_BYTES);

	/* chunks out of order, a chunk of another arg, odd hex */
	n = (size_t)snprintf(
	    p, sizeof(p),
	    "%sargc=3 a0=\"ok\" a1_len=4 a1[1]=6162 a1[0]=6364 a5[0]=61 "
	    "a2=616 a3=zz",
	    hdr);
	assert_int_equal(record_parse(&rec[0], 1309, p, n), 0);
	assert_int_equal(sysevent_decode(c->d, &ev, c->e), 0);
	assert_true(c->e->args_truncated);
	assert_str(c->e->argv[0], "ok");
	assert_int_equal(c->e->argc, 4);
	assert_str(c->e->argv[1], "cd");
	assert_str(c->e->argv[2], "616"); /* not hex: kept raw */
	assert_str(c->e->argv[3], "zz");
}

/* Found by tests/fuzz/fuzz_audit: a SYSCALL record stamped past 2262 made
 * time_ns overflow (UBSan, signed multiply). Through reasm such a record
 * is now refused as bad; the latest accepted time decodes exactly. */
struct time_ctx {
	struct sysevent_dec *d;
	struct sysevent *e;
	unsigned int n;
};

static void
time_emit(const struct reasm_event *ev, void *arg)
{
	struct time_ctx *t = arg;

	t->n++;
	assert_int_equal(sysevent_decode(t->d, ev, t->e), 0);
}

static void
test_sysevent_time_past_int64_ns_refused(void **state)
{
	static const char late[] = "audit(9756316100.510:502): arch=c000003e "
	                           "syscall=56 success=yes exit=9279";
	static const char last[] = "audit(9223372035.999:503): arch=c000003e "
	                           "syscall=56 success=yes exit=9279";
	struct ctx *c = *state;
	struct time_ctx t = {c->d, c->e, 0};
	struct reasm *r = reasm_new(4, 4096, 10, time_emit, &t);
	struct reasm_stats st;

	assert_non_null(r);
	assert_int_equal(reasm_add(r, 1300, late, sizeof(late) - 1, 0), -1);
	assert_int_equal(reasm_add(r, 1300, last, sizeof(last) - 1, 0), 0);
	reasm_flush(r);
	reasm_stats(r, &st);
	reasm_free(r);
	assert_int_equal(st.bad, 1);
	assert_int_equal(t.n, 1);
	assert_int_equal(c->e->serial, 503);
	assert_int_equal(c->e->time_ns, INT64_C(9223372035999000000));
	assert_int_equal(c->e->kind, SYSEV_CLONE);
}

/* Mutations of every fixture record (cuts, byte flips, swapped types),
 * decoded through reasm: no crash, no read outside the records (ASan),
 * every string inside the decoder's scratch. */
struct fuzz {
	struct sysevent_dec *d;
	struct sysevent *e;
	unsigned int n;
};

static void
fuzz_emit(const struct reasm_event *ev, void *arg)
{
	struct fuzz *f = arg;
	unsigned int i;

	f->n++;
	if (sysevent_decode(f->d, ev, f->e) != 0)
		return;
	assert_true(f->e->argc <= ARGS_MAX_COUNT);
	assert_true(f->e->npath <= SYSEV_MAX_PATHS);
	for (i = 0; i < f->e->argc; i++)
		assert_true(f->e->argv[i].n <= ARGS_MAX_BYTES);
	for (i = 0; i < f->e->npath; i++)
		assert_true(f->e->path[i].name.n <= PATH_MAX_BYTES);
}

static void
test_sysevent_garbage_does_not_crash(void **state)
{
	static const char *const files[] = {
	    "docker_overlay.log", "execve_args.log", "execve_long_arg.log",
	    "fs_ops.log",         "i386.log",        "interleaved.log"};
	struct ctx *c = *state;
	struct fuzz fz = {c->d, c->e, 0};
	struct reasm *r = reasm_new(16, 32768, 10, fuzz_emit, &fz);
	char *buf, *line, *nl, *copy;
	uint32_t seed = 777;
	uint64_t now = 0;
	size_t f, len, n, k;
	uint16_t type;
	struct str pl;
	int round;

	assert_non_null(r);
	for (round = 0; round < 4; round++) {
		for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
			buf = fixture_read(files[f], &len);
			for (line = buf; line < buf + len; line = nl + 1) {
				nl = memchr(line, '\n',
				            len - (size_t)(line - buf));
				if (nl == NULL)
					nl = buf + len;
				if (record_parse_line(line, (size_t)(nl - line),
				                      &type, &pl) != 0)
					continue;
				seed = seed * 1103515245 + 12345;
				n = pl.n;
				if (seed & 4)
					n = (seed >> 8) % (pl.n + 1);
				copy = malloc(n + 1);
				assert_non_null(copy);
				memcpy(copy, pl.p, n);
				for (k = 0; n > 0 && k < (seed & 3); k++) {
					seed = seed * 1103515245 + 12345;
					copy[(seed >> 8) % n] =
					    " =\"()0aA:[]_\xff"[(seed >> 20) %
					                        14];
				}
				if ((seed & 0x30) == 0x30)
					type = (uint16_t)(1300 +
					                  (seed >> 24) % 40);
				(void)reasm_add(r, type, copy, n, now++);
				free(copy);
			}
			free(buf);
			reasm_tick(r, now + 100);
		}
	}
	reasm_flush(r);
	reasm_free(r);
	assert_true(fz.n > 500);
}

/* One SYSCALL record built here (no fixture) and decoded alone. */
static void
decode_line(struct ctx *c, const char *fields)
{
	char payload[512];
	struct reasm_event ev = {.serial = 42, .nrec = 1};
	struct record rec;
	int n;

	n = snprintf(payload, sizeof(payload), "audit(1700000000.123:42): %s",
	             fields);
	assert_true(n > 0 && (size_t)n < sizeof(payload));
	assert_int_equal(record_parse(&rec, 1300, payload, (size_t)n), 0);
	ev.rec = &rec;
	assert_int_equal(sysevent_decode(c->d, &ev, c->e), 0);
}

static enum sysev_kind
kind_of(struct ctx *c, uint32_t arch, int nr)
{
	char f[128];

	snprintf(f, sizeof(f), "arch=%x syscall=%d success=yes exit=0", arch,
	         nr);
	decode_line(c, f);
	assert_true(c->e->has_syscall);
	return c->e->kind;
}

/* A syscall number on each arch and the kind both decode to. */
struct sc_row {
	int x86_64, i386;
	enum sysev_kind kind;
};

static void
assert_table(struct ctx *c, const struct sc_row *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		assert_int_equal(kind_of(c, X86_64, t[i].x86_64), t[i].kind);
		assert_int_equal(kind_of(c, I386, t[i].i386), t[i].kind);
	}
}

/* Every number of the syscall table, on both arches (ausyscall --exact),
 * and numbers godo does not model. */
static void
test_sysevent_syscall_table_both_arches(void **state)
{
	static const struct sc_row t[] = {
	    {59, 11, SYSEV_EXECVE},   {322, 358, SYSEV_EXECVE},
	    {56, 120, SYSEV_CLONE},   {57, 2, SYSEV_CLONE},
	    {58, 190, SYSEV_CLONE},   {435, 435, SYSEV_CLONE},
	    {60, 1, SYSEV_EXIT},      {231, 252, SYSEV_EXIT},
	    {2, 5, SYSEV_OPEN},       {257, 295, SYSEV_OPEN},
	    {437, 437, SYSEV_OPEN},   {85, 8, SYSEV_OPEN},
	    {1, 4, SYSEV_WRITE},      {18, 181, SYSEV_WRITE},
	    {20, 146, SYSEV_WRITE},   {296, 334, SYSEV_WRITE},
	    {328, 379, SYSEV_WRITE},  {3, 6, SYSEV_CLOSE},
	    {82, 38, SYSEV_RENAME},   {264, 302, SYSEV_RENAME},
	    {316, 353, SYSEV_RENAME}, {87, 10, SYSEV_UNLINK},
	    {263, 301, SYSEV_UNLINK}, {76, 92, SYSEV_TRUNCATE},
	    {77, 93, SYSEV_TRUNCATE}, {155, 217, SYSEV_PIVOT_ROOT},
	    {308, 346, SYSEV_SETNS},  {272, 310, SYSEV_UNSHARE},
	    {32, 41, SYSEV_DUP},      {33, 63, SYSEV_DUP},
	    {292, 330, SYSEV_DUP},    {0, 3, SYSEV_OTHER}, /* read */
	    {10, 125, SYSEV_OTHER},                        /* mprotect */
	};
	struct ctx *c = *state;

	assert_table(c, t, sizeof(t) / sizeof(t[0]));
	/* i386 only: truncate64, ftruncate64; the same numbers on x86_64
	 * are other calls */
	assert_int_equal(kind_of(c, I386, 193), SYSEV_TRUNCATE);
	assert_int_equal(kind_of(c, I386, 194), SYSEV_TRUNCATE);
	assert_int_equal(kind_of(c, X86_64, 193), SYSEV_OTHER);
	assert_int_equal(kind_of(c, X86_64, 194), SYSEV_OTHER);
}

/* An arch godo does not know (aarch64) models nothing, not even with
 * numbers that are execve on x86_64. */
static void
test_sysevent_unknown_arch_is_other(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(kind_of(c, 0xc00000b7u, 59), SYSEV_OTHER);
	assert_int_equal(kind_of(c, 0xc00000b7u, 221), SYSEV_OTHER);
	assert_int_equal(c->e->arch, 0xc00000b7u);
}

/* Numbers are parsed strictly and range-checked (util_parse_i64): a bad
 * one is skipped, the rest decoded. */
static void
test_sysevent_numbers_strict(void **state)
{
	struct ctx *c = *state;

	decode_line(c, "arch=c000003e syscall=59 success=no exit=-2 "
	               "ppid=-1 pid=2147483647 comm=\"sh\"");
	assert_true(c->e->has_exit);
	assert_int_equal(c->e->exit, -2);
	assert_int_equal(c->e->pid, INT32_MAX);
	assert_int_equal(c->e->ppid, -1);
	assert_false(c->e->success);
	decode_line(c, "arch=c000003e syscall=-59 exit=3x pid=2147483648 "
	               "ppid=12a");
	assert_int_equal(c->e->syscall, 0); /* negative: skipped */
	assert_false(c->e->has_exit);
	assert_int_equal(c->e->pid, 0);
	assert_int_equal(c->e->ppid, 0);
	decode_line(c, "arch=c000003e syscall=1 exit=-9223372036854775808");
	assert_true(c->e->has_exit);
	assert_true(c->e->exit == INT64_MIN);
	assert_int_equal(c->e->kind, SYSEV_WRITE);
}

/* ---- metadata and namespace operations (meta_ops.log) ---- */

/* What one captured metadata event must decode to. */
struct meta_want {
	uint64_t serial;
	int syscall;
	enum sysev_kind kind;
	int fd, dirfd, dirfd2;
	bool has_mode;
	uint32_t mode;
	int64_t uid, gid;
	const char *name; /* the subject's PATH item; NULL: none (fd) */
	enum sysev_nametype nt;
};

#define AT SYSEV_AT_FDCWD
#define NOFD SYSEV_NO_FD
#define UNCH SYSEV_ID_UNCHANGED

static const struct meta_want meta_events[] = {
    /* chmod("f", 04755), fchmod(4, 0600), fchmodat, fchmodat2(3, ...) */
    {1574454, 90, SYSEV_CHMOD, NOFD, AT, AT, true, 04755, UNCH, UNCH, "f",
     NT_NORMAL},
    {1574455, 91, SYSEV_CHMOD, 4, AT, AT, true, 0600, UNCH, UNCH, NULL, 0},
    {1574456, 268, SYSEV_CHMOD, NOFD, AT, AT, true, 0644, UNCH, UNCH, "f",
     NT_NORMAL},
    {1574457, 452, SYSEV_CHMOD, NOFD, 3, AT, true, 0640, UNCH, UNCH, "f",
     NT_NORMAL},
    /* chown("f", 1000, -1), fchown(4, -1, 50), lchown, fchownat(3, ...) */
    {1574458, 92, SYSEV_CHOWN, NOFD, AT, AT, false, 0, 1000, UNCH, "f",
     NT_NORMAL},
    {1574459, 93, SYSEV_CHOWN, 4, AT, AT, false, 0, UNCH, 50, NULL, 0},
    {1574461, 94, SYSEV_CHOWN, NOFD, AT, AT, false, 0, 1, 2, "sl", NT_NORMAL},
    {1574462, 260, SYSEV_CHOWN, NOFD, 3, AT, false, 0, 3, 4, "f", NT_NORMAL},
    /* the xattr calls: the name is a user pointer, not in any record */
    {1574463, 188, SYSEV_SETXATTR, NOFD, AT, AT, false, 0, UNCH, UNCH, "f",
     NT_NORMAL},
    {1574464, 189, SYSEV_SETXATTR, NOFD, AT, AT, false, 0, UNCH, UNCH, "sl",
     NT_NORMAL},
    {1574465, 190, SYSEV_SETXATTR, 4, AT, AT, false, 0, UNCH, UNCH, NULL, 0},
    {1574466, 197, SYSEV_REMOVEXATTR, NOFD, AT, AT, false, 0, UNCH, UNCH, "f",
     NT_NORMAL},
    {1574467, 198, SYSEV_REMOVEXATTR, NOFD, AT, AT, false, 0, UNCH, UNCH, "sl",
     NT_NORMAL},
    {1574468, 199, SYSEV_REMOVEXATTR, 4, AT, AT, false, 0, UNCH, UNCH, NULL, 0},
    /* glibc: utime, utimes are utimensat; futimens(4) has no name */
    {1574469, 280, SYSEV_UTIMES, NOFD, AT, AT, false, 0, UNCH, UNCH, "f",
     NT_NORMAL},
    {1574472, 280, SYSEV_UTIMES, 4, AT, AT, false, 0, UNCH, UNCH, NULL, 0},
    {1574473, 280, SYSEV_UTIMES, NOFD, 3, AT, false, 0, UNCH, UNCH, "f",
     NT_NORMAL},
    /* link("f", "hl"), linkat(3, "f", AT_FDCWD, "hl2") */
    {1574474, 86, SYSEV_LINK, NOFD, AT, AT, false, 0, UNCH, UNCH, "hl",
     NT_CREATE},
    {1574475, 265, SYSEV_LINK, NOFD, 3, AT, false, 0, UNCH, UNCH, "hl2",
     NT_CREATE},
    /* symlink("target/x", "sl"), symlinkat("../t", 3, "sl2") */
    {1574460, 88, SYSEV_SYMLINK, NOFD, AT, AT, false, 0, UNCH, UNCH, "sl",
     NT_CREATE},
    {1574476, 266, SYSEV_SYMLINK, NOFD, 3, AT, false, 0, UNCH, UNCH, "sl2",
     NT_CREATE},
    {1574477, 83, SYSEV_MKDIR, NOFD, AT, AT, true, 0750, UNCH, UNCH, "dd",
     NT_CREATE},
    {1574478, 258, SYSEV_MKDIR, NOFD, 3, AT, true, 0700, UNCH, UNCH, "d2",
     NT_CREATE},
    {1574479, 84, SYSEV_RMDIR, NOFD, AT, AT, false, 0, UNCH, UNCH, "dd",
     NT_DELETE},
    {1574480, 263, SYSEV_RMDIR, NOFD, 3, AT, false, 0, UNCH, UNCH, "d2",
     NT_DELETE},
    /* glibc: mknod is mknodat; the mode keeps the type */
    {1574481, 259, SYSEV_MKNOD, NOFD, AT, AT, true, 010644, UNCH, UNCH, "fifo",
     NT_CREATE},
    {1574482, 259, SYSEV_MKNOD, NOFD, 3, AT, true, 020600, UNCH, UNCH, "cdev",
     NT_CREATE},
};

#undef AT
#undef NOFD
#undef UNCH

static const struct sysev_path *
path_of(const struct sysevent *e, enum sysev_nametype nt)
{
	unsigned int i;

	for (i = 0; i < e->npath; i++)
		if (e->path[i].nametype == nt)
			return &e->path[i];
	return NULL;
}

/* Each captured metadata event, field by field: kind, fd or dirfds, mode,
 * ids, the subject's PATH item (none for the fd variants: the kernel logs
 * their item as name=(null)). */
static void
test_sysevent_meta_ops_captured(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(meta_events) / sizeof(meta_events[0]); i++) {
		const struct meta_want *w = &meta_events[i];
		const struct sysevent *e =
		    load(*state, "meta_ops.log", w->serial);

		assert_int_equal(e->arch, X86_64);
		assert_int_equal(e->syscall, w->syscall);
		assert_true(e->success);
		assert_int_equal(e->kind, w->kind);
		assert_int_equal(e->fd, w->fd);
		assert_int_equal(e->dirfd, w->dirfd);
		assert_int_equal(e->dirfd2, w->dirfd2);
		assert_int_equal(e->has_mode, w->has_mode);
		assert_int_equal(e->mode, w->mode);
		assert_int_equal(e->uid, w->uid);
		assert_int_equal(e->gid, w->gid);
		if (w->name == NULL) {
			assert_int_equal(e->npath, 0);
			continue;
		}
		assert_str(e->cwd, "/tmp/fidcap/w");
		assert_non_null(path_of(e, w->nt));
		assert_path(path_of(e, w->nt), w->name, strlen(w->name), w->nt);
	}
}

/* link's existing name is its NORMAL item; symlink's content an item the
 * kernel did not type (no inode), kept as given. */
static void
test_sysevent_link_symlink_items(void **state)
{
	const struct sysevent *e = load(*state, "meta_ops.log", 1574474);

	assert_int_equal(e->npath, 3);
	assert_path(path_of(e, NT_PARENT), "/tmp/fidcap/w", 13, NT_PARENT);
	assert_path(path_of(e, NT_NORMAL), "f", 1, NT_NORMAL);
	assert_int_equal(path_of(e, NT_NORMAL)->inode,
	                 path_of(e, NT_CREATE)->inode);
	e = load(*state, "meta_ops.log", 1574460);
	assert_int_equal(e->npath, 3);
	assert_path(path_of(e, NT_UNKNOWN), "target/x", 8, NT_UNKNOWN);
	assert_int_equal(path_of(e, NT_UNKNOWN)->inode, 0);
	assert_int_equal(path_of(e, NT_CREATE)->mode, 0120777);
}

/* The numbers of the metadata calls on both arches (ausyscall --exact),
 * and the i386-only ones. */
static void
test_sysevent_meta_table_both_arches(void **state)
{
	static const struct sc_row t[] = {
	    {90, 15, SYSEV_CHMOD},         {91, 94, SYSEV_CHMOD},
	    {268, 306, SYSEV_CHMOD},       {452, 452, SYSEV_CHMOD},
	    {92, 212, SYSEV_CHOWN},        {94, 198, SYSEV_CHOWN},
	    {93, 207, SYSEV_CHOWN},        {260, 298, SYSEV_CHOWN},
	    {188, 226, SYSEV_SETXATTR},    {189, 227, SYSEV_SETXATTR},
	    {190, 228, SYSEV_SETXATTR},    {197, 235, SYSEV_REMOVEXATTR},
	    {198, 236, SYSEV_REMOVEXATTR}, {199, 237, SYSEV_REMOVEXATTR},
	    {132, 30, SYSEV_UTIMES},       {235, 271, SYSEV_UTIMES},
	    {280, 320, SYSEV_UTIMES},      {261, 299, SYSEV_UTIMES},
	    {86, 9, SYSEV_LINK},           {265, 303, SYSEV_LINK},
	    {88, 83, SYSEV_SYMLINK},       {266, 304, SYSEV_SYMLINK},
	    {83, 39, SYSEV_MKDIR},         {258, 296, SYSEV_MKDIR},
	    {84, 40, SYSEV_RMDIR},         {133, 14, SYSEV_MKNOD},
	    {259, 297, SYSEV_MKNOD},
	};
	struct ctx *c = *state;

	assert_table(c, t, sizeof(t) / sizeof(t[0]));
	/* i386 only: the 16-bit chown, lchown, fchown; utimensat_time64 */
	assert_int_equal(kind_of(c, I386, 182), SYSEV_CHOWN);
	assert_int_equal(kind_of(c, I386, 16), SYSEV_CHOWN);
	assert_int_equal(kind_of(c, I386, 95), SYSEV_CHOWN);
	assert_int_equal(kind_of(c, I386, 412), SYSEV_UTIMES);
	assert_int_equal(kind_of(c, X86_64, 182), SYSEV_OTHER);
	assert_int_equal(kind_of(c, X86_64, 412), SYSEV_OTHER);
}

/* chown's -1 is "unchanged": 0xffffffff, and 0xffff for i386's 16-bit
 * calls (where 0xffff is no id at all); a 32-bit call's 0xffff is an id. */
static void
test_sysevent_chown_unchanged_ids(void **state)
{
	struct ctx *c = *state;

	decode_line(c,
	            "arch=40000003 syscall=182 success=yes exit=0 a0=804a000 "
	            "a1=ffff a2=3e8");
	assert_int_equal(c->e->uid, SYSEV_ID_UNCHANGED);
	assert_int_equal(c->e->gid, 1000);
	decode_line(c, "arch=40000003 syscall=95 success=yes exit=0 a0=3 "
	               "a1=0 a2=ffff");
	assert_int_equal(c->e->fd, 3);
	assert_int_equal(c->e->uid, 0);
	assert_int_equal(c->e->gid, SYSEV_ID_UNCHANGED);
	decode_line(c,
	            "arch=40000003 syscall=212 success=yes exit=0 a0=804a000 "
	            "a1=ffff a2=ffffffff");
	assert_int_equal(c->e->uid, 65535);
	assert_int_equal(c->e->gid, SYSEV_ID_UNCHANGED);
	/* no chown: ids unchanged, no mode, no fd */
	decode_line(c, "arch=c000003e syscall=87 success=yes exit=0 a0=1 a1=2");
	assert_int_equal(c->e->uid, SYSEV_ID_UNCHANGED);
	assert_false(c->e->has_mode);
	assert_int_equal(c->e->fd, SYSEV_NO_FD);
}

/* ---- writes that are not write(2), more operations (fidelity.log) ---- */

/* copy_file_range (fd_out a2), sendfile (out_fd a0), splice both ways
 * (into a pipe and out of it): the destination fd and the byte count. */
static void
test_sysevent_xwrite_captured(void **state)
{
	static const struct {
		uint64_t serial;
		int syscall, fd;
		int64_t bytes;
	} w[] = {
	    {2669638, 326, 4, 23893}, /* copy_file_range(3, 0, 4, 0) */
	    {2669644, 40, 4, 18},     /* sendfile(4, 3, 0, 18) */
	    {2669650, 275, 6, 18},    /* splice(file 3 -> pipe 6) */
	    {2669651, 275, 4, 18},    /* splice(pipe 5 -> file 4) */
	    {2669652, 275, 6, 0},     /* splice at the end: nothing */
	};
	size_t i;

	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		const struct sysevent *e =
		    load(*state, "fidelity.log", w[i].serial);

		assert_int_equal(e->syscall, w[i].syscall);
		assert_int_equal(e->kind, SYSEV_XWRITE);
		assert_true(e->success);
		assert_true(e->has_exit);
		assert_int_equal(e->fd, w[i].fd);
		assert_int_equal(e->exit, w[i].bytes);
		assert_int_equal(e->npath, 0);
	}
}

/* mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_SHARED, 3, 0): the fd and
 * flags come from the MMAP record (the fd is a4, not logged). */
static void
test_sysevent_mmap_record(void **state)
{
	const struct sysevent *e = load(*state, "fidelity.log", 2669658);

	assert_int_equal(e->syscall, 9);
	assert_int_equal(e->kind, SYSEV_MMAP);
	assert_true(e->has_mmap);
	assert_int_equal(e->mmap_fd, 3);
	assert_int_equal(e->fd, 3);
	assert_int_equal(e->mmap_flags, 1);
	assert_int_equal(e->a[2], 3);
	assert_int_equal(e->a[1], 8192);
}

/* fallocate(3, PUNCH_HOLE|KEEP_SIZE, 4096, 8192) and ZERO_RANGE; the
 * plain mode 0 call the helper made first is not in the capture (the
 * rule's a1&0xfa). */
static void
test_sysevent_fallocate_modes(void **state)
{
	const struct sysevent *e = load(*state, "fidelity.log", 2669663);

	assert_int_equal(e->kind, SYSEV_FALLOCATE);
	assert_int_equal(e->fd, 3);
	assert_int_equal(e->op_flags, 3);
	assert_int_equal(e->a[2], 4096);
	assert_int_equal(e->a[3], 8192);
	e = load(*state, "fidelity.log", 2669664);
	assert_int_equal(e->kind, SYSEV_FALLOCATE);
	assert_int_equal(e->op_flags, 0x10);
}

/* RENAME_EXCHANGE (flags a4: not logged) shows as two CREATE items; a
 * rename over an existing name has one. */
static void
test_sysevent_rename_exchange(void **state)
{
	const struct sysevent *e = load(*state, "fidelity.log", 2669668);

	assert_int_equal(e->syscall, 316);
	assert_int_equal(e->kind, SYSEV_RENAME);
	assert_true(e->exchange);
	assert_int_equal(e->npath, 6);
	assert_path(path_of(e, NT_DELETE), "a", 1, NT_DELETE);
	assert_path(path_of(e, NT_CREATE), "b", 1, NT_CREATE);
	e = load(*state, "fidelity.log", 2669945);
	assert_int_equal(e->syscall, 82);
	assert_int_equal(e->kind, SYSEV_RENAME);
	assert_false(e->exchange);
	assert_path(path_of(e, NT_DELETE), "c", 1, NT_DELETE);
	assert_path(path_of(e, NT_CREATE), "d", 1, NT_CREATE);
}

/* mount tmpfs (target item only, flags a3), a bind (target, then source),
 * umount2 with MNT_DETACH and plain. */
static void
test_sysevent_mount_umount(void **state)
{
	const struct sysevent *e = load(*state, "fidelity.log", 2669948);

	assert_int_equal(e->kind, SYSEV_MOUNT);
	assert_int_equal(e->op_flags, 6); /* MS_NOSUID|MS_NODEV */
	assert_int_equal(e->npath, 1);
	assert_path(&e->path[0], "mnt", 3, NT_NORMAL);
	e = load(*state, "fidelity.log", 2669951);
	assert_int_equal(e->kind, SYSEV_MOUNT);
	assert_int_equal(e->op_flags, 0x1000); /* MS_BIND */
	assert_int_equal(e->npath, 2);
	assert_path(&e->path[0], "mnt/b", 5, NT_NORMAL);
	assert_path(&e->path[1], "/tmp/fidcap/w/src.txt", 21, NT_NORMAL);
	e = load(*state, "fidelity.log", 2669952);
	assert_int_equal(e->kind, SYSEV_UMOUNT);
	assert_int_equal(e->op_flags, 2); /* MNT_DETACH */
	assert_path(&e->path[0], "mnt/b", 5, NT_NORMAL);
	e = load(*state, "fidelity.log", 2669953);
	assert_int_equal(e->kind, SYSEV_UMOUNT);
	assert_int_equal(e->op_flags, 0);
}

/* open_by_handle_at(3, handle, O_RDWR) = 4: one item with an empty name,
 * the inode and device of the file opened. */
static void
test_sysevent_open_by_handle(void **state)
{
	const struct sysevent *e = load(*state, "fidelity.log", 2669957);

	assert_int_equal(e->kind, SYSEV_OPEN_BY_HANDLE);
	assert_int_equal(e->dirfd, 3);
	assert_int_equal(e->open_flags, 2);
	assert_int_equal(e->exit, 4);
	assert_int_equal(e->npath, 1);
	assert_int_equal(e->path[0].name.n, 0);
	assert_int_equal(e->path[0].inode, 9995137);
	assert_int_equal(e->path[0].dev_major, 0xfe);
	assert_int_equal(e->path[0].dev_minor, 0);
}

/* mknodat(3, "cdev", S_IFCHR|0600, makedev(1, 3)): rdev=01:03 on the
 * CREATE item; a fifo's is 0:0. */
static void
test_sysevent_mknod_rdev(void **state)
{
	const struct sysevent *e = load(*state, "meta_ops.log", 1574482);

	assert_int_equal(path_of(e, NT_CREATE)->rdev_major, 1);
	assert_int_equal(path_of(e, NT_CREATE)->rdev_minor, 3);
	e = load(*state, "meta_ops.log", 1574481);
	assert_int_equal(path_of(e, NT_CREATE)->rdev_major, 0);
	assert_int_equal(path_of(e, NT_CREATE)->rdev_minor, 0);
}

/* The numbers of this slice's calls on both arches (ausyscall --exact);
 * i386's old mmap (90) is not modelled, its mmap2 (192) is. */
static void
test_sysevent_io_table_both_arches(void **state)
{
	static const struct sc_row t[] = {
	    {326, 377, SYSEV_XWRITE},    {40, 187, SYSEV_XWRITE},
	    {275, 313, SYSEV_XWRITE},    {9, 192, SYSEV_MMAP},
	    {285, 324, SYSEV_FALLOCATE}, {165, 21, SYSEV_MOUNT},
	    {166, 52, SYSEV_UMOUNT},     {304, 342, SYSEV_OPEN_BY_HANDLE},
	};
	struct ctx *c = *state;

	assert_table(c, t, sizeof(t) / sizeof(t[0]));
	assert_int_equal(kind_of(c, I386, 239), SYSEV_XWRITE); /* sendfile64 */
	assert_int_equal(kind_of(c, I386, 22), SYSEV_UMOUNT);  /* umount */
	assert_int_equal(kind_of(c, I386, 90), SYSEV_OTHER);   /* old mmap */
}

/* The descriptor table (h-fds): fcntl (and i386's fcntl64),
 * close_range, dup3 (a dup with flags); their arguments raw in a[]. */
static void
test_sysevent_fd_table_both_arches(void **state)
{
	static const struct sc_row t[] = {
	    {72, 55, SYSEV_FCNTL},
	    {436, 436, SYSEV_CLOSE_RANGE},
	    {292, 330, SYSEV_DUP},
	};
	struct ctx *c = *state;

	assert_table(c, t, sizeof(t) / sizeof(t[0]));
	assert_int_equal(kind_of(c, I386, 221), SYSEV_FCNTL); /* fcntl64 */
	assert_int_equal(kind_of(c, X86_64, 221), SYSEV_OTHER);
	decode_line(c, "arch=c000003e syscall=72 success=yes exit=10 a0=4 "
	               "a1=406 a2=a a3=0");
	assert_int_equal(c->e->kind, SYSEV_FCNTL);
	assert_int_equal(c->e->a[0], 4);
	assert_int_equal(c->e->a[1], 1030); /* F_DUPFD_CLOEXEC */
	assert_int_equal(c->e->a[2], 10);
	assert_int_equal(c->e->exit, 10);
	decode_line(c, "arch=c000003e syscall=436 success=yes exit=0 a0=3 "
	               "a1=ffffffff a2=4 a3=0");
	assert_int_equal(c->e->kind, SYSEV_CLOSE_RANGE);
	assert_int_equal(c->e->a[1], 0xffffffffu);
	assert_int_equal(c->e->a[2], 4); /* CLOSE_RANGE_CLOEXEC */
}

/* ---- argv cut by godo's cap (argvdec.h) ---- */

/* SHA-256 of buf as lowercase hex, one shot (argvdec streams it). */
static void
sha256_hex(const void *buf, size_t n, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	assert_int_equal(EVP_Digest(buf, n, md, &len, EVP_sha256(), NULL), 1);
	assert_int_equal(len, 32);
	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* /bin/sh -c "<40000 '#'>\necho payload-xyz" (captured, a2 in 11 hex
 * chunks): argv[2] keeps its head up to ARGS_MAX_BYTES, its last 1024
 * bytes are its tail (the payload at their end), length the whole 40017;
 * the digest covers the whole argv, NUL after each argument. */
static void
test_sysevent_argv_cut_head_tail_sha(void **state)
{
	static char whole[40100], arg[40100];
	const struct sysevent *e;
	static const char payload[] = "\necho payload-xyz";
	size_t alen, wlen = 0, head;
	char want[65];

	/* its 80034 hex digits outgrow reasm's 64 KiB slot: see below */
	load_slot_bytes = 256 * 1024;
	e = load(*state, "fidelity.log", 2669963);
	load_slot_bytes = REASM_SLOT_BYTES;
	memset(arg, '#', 40000);
	memcpy(arg + 40000, payload, sizeof(payload) - 1);
	alen = 40000 + sizeof(payload) - 1;
	assert_int_equal(e->kind, SYSEV_EXECVE);
	assert_int_equal(e->argc, 3);
	assert_str(e->argv[0], "/bin/sh");
	assert_str(e->argv[1], "-c");
	head = ARGS_MAX_BYTES - strlen("/bin/sh") - strlen("-c");
	assert_int_equal(e->argv[2].n, head);
	assert_memory_equal(e->argv[2].p, arg, head);
	assert_true(e->args_truncated);
	assert_false(e->args_from_proctitle);
	assert_int_equal(e->ncut, 1);
	assert_int_equal(e->ncut_lost, 0);
	assert_int_equal(e->cut[0].index, 2);
	assert_int_equal(e->cut[0].length, alen);
	assert_int_equal(e->cut[0].tail.n, ARGVDEC_TAIL_BYTES);
	assert_memory_equal(e->cut[0].tail.p, arg + alen - ARGVDEC_TAIL_BYTES,
	                    ARGVDEC_TAIL_BYTES);
	memcpy(whole, "/bin/sh\0-c\0", 11);
	wlen = 11;
	memcpy(whole + wlen, arg, alen);
	wlen += alen;
	whole[wlen++] = '\0';
	sha256_hex(whole, wlen, want);
	assert_true(e->has_args_sha256);
	assert_string_equal(e->args_sha256, want);
}

/* The same event through reasm's production slot (64 KiB of records): the
 * last chunk records are dropped there, before the decoder sees them; the
 * argv is flagged, no tail is invented and no digest is given for what is
 * only part of it (docs/reliability.md). */
static void
test_sysevent_argv_chunks_lost_no_sha(void **state)
{
	const struct sysevent *e = load(*state, "fidelity.log", 2669963);

	assert_int_equal(e->kind, SYSEV_EXECVE);
	assert_true(e->partial);
	assert_true(e->args_truncated);
	assert_false(e->has_args_sha256);
	assert_int_equal(e->argc, 3);
	assert_true(e->argv[2].n < 40000);
}

/* An argv that fits is not cut: no tails; its digest is still the whole
 * argv's (documents carry it only when cut). PROCTITLE has none. */
static void
test_sysevent_argv_whole_no_cut(void **state)
{
	const struct sysevent *e = load(*state, "fidelity.log", 2669636);
	char want[65];
	static const char whole[] =
	    "/work/wt-fid/tests/helpers/bin/fidops\0cfr\0big.txt\0cfr.out";

	assert_int_equal(e->argc, 4);
	assert_false(e->args_truncated);
	assert_int_equal(e->ncut, 0);
	sha256_hex(whole, sizeof(whole), want);
	assert_true(e->has_args_sha256);
	assert_string_equal(e->args_sha256, want);
	e = load(*state, "fidelity.log", 2669638); /* copy_file_range */
	assert_false(e->has_args_sha256);
	assert_true(e->args_from_proctitle);
}

/* More cut arguments than tails: the first SYSEV_ARGCUT_MAX keep a tail
 * (argument i's tail ends with its own marker), the rest are counted. */
static void
test_sysevent_argv_cut_tails_bounded(void **state)
{
	struct ctx *c = *state;
	static char p[200000];
	static const char hdr[] = "audit(1795636100.490:242): ";
	struct record rec[1];
	struct reasm_event ev = {.serial = 242, .rec = rec, .nrec = 1};
	size_t n, i, k;
	char mark[16];

	/* 20 args of 3000 bytes: 'x' then "#<i>" at the end (quoted) */
	n = (size_t)snprintf(p, sizeof(p), "%sargc=20", hdr);
	for (i = 0; i < 20; i++) {
		n += (size_t)snprintf(p + n, sizeof(p) - n, " a%zu=\"", i);
		for (k = 0; k < 2990; k++)
			p[n++] = 'x';
		n += (size_t)snprintf(p + n, sizeof(p) - n, "#%03zu\"", i);
	}
	assert_int_equal(record_parse(&rec[0], 1309, p, n), 0);
	assert_int_equal(sysevent_decode(c->d, &ev, c->e), 0);
	assert_int_equal(c->e->argc, 20);
	assert_true(c->e->args_truncated);
	/* 32768 / 2994: ten whole, the 11th cut, nine with no head */
	assert_int_equal(c->e->ncut,
	                 SYSEV_ARGCUT_MAX < 10 ? SYSEV_ARGCUT_MAX : 10);
	assert_int_equal(c->e->ncut + c->e->ncut_lost, 10);
	for (i = 0; i < c->e->ncut; i++) {
		const struct sysev_argcut *cut = &c->e->cut[i];

		assert_int_equal(cut->index, 10 + i);
		assert_int_equal(cut->length, 2994);
		snprintf(mark, sizeof(mark), "#%03u", cut->index);
		assert_true(cut->tail.n >= 4);
		assert_memory_equal(cut->tail.p + cut->tail.n - 4, mark, 4);
		assert_int_equal(c->e->argv[cut->index].n + cut->tail.n <= 2994,
		                 true);
	}
}

/* The first and the last chunk records of a long hex argument, those
 * between missing (what reasm keeps of an event that outgrew its slot once
 * it keeps the last records too, docs/reliability.md): the head is the
 * first chunks, the tail the last ones, the length the declared one, no
 * digest. */
static void
test_sysevent_argv_chunk_gap_tail(void **state)
{
	struct ctx *c = *state;
	static char p[8192];
	static const char hdr[] = "audit(1795636100.490:242): ";
	struct record rec[1];
	struct reasm_event ev = {.serial = 242, .rec = rec, .nrec = 1};
	size_t n, i;
	const struct sysev_argcut *cut;

	/* a1: 40 hex bytes declared 'A' x 8 (chunk 0), chunks 1..3 lost,
	 * chunk 4: 'B' x 5 + "pay!" */
	n = (size_t)snprintf(p, sizeof(p),
	                     "%sargc=2 a0=\"sh\" a1_len=40 a1[0]=", hdr);
	for (i = 0; i < 8; i++)
		n += (size_t)snprintf(p + n, sizeof(p) - n, "41");
	n += (size_t)snprintf(p + n, sizeof(p) - n, " a1[4]=");
	for (i = 0; i < 5; i++)
		n += (size_t)snprintf(p + n, sizeof(p) - n, "42");
	n += (size_t)snprintf(p + n, sizeof(p) - n, "70617921");
	assert_int_equal(record_parse(&rec[0], 1309, p, n), 0);
	assert_int_equal(sysevent_decode(c->d, &ev, c->e), 0);
	assert_int_equal(c->e->argc, 2);
	assert_true(c->e->args_truncated);
	assert_false(c->e->has_args_sha256);
	assert_str(c->e->argv[1], "AAAAAAAA");
	assert_int_equal(c->e->ncut, 1);
	cut = &c->e->cut[0];
	assert_int_equal(cut->index, 1);
	assert_int_equal(cut->length, 20);
	assert_int_equal(cut->tail.n, 9);
	assert_memory_equal(cut->tail.p, "BBBBBpay!", 9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sysevent_execve_long_arg_joined),
	    cmocka_unit_test(test_sysevent_execve_missing_chunk_flagged),
	    cmocka_unit_test(test_sysevent_execve_hex_and_empty_args),
	    cmocka_unit_test(test_sysevent_openat_dirfd),
	    cmocka_unit_test(test_sysevent_creat_and_openat2_flags),
	    cmocka_unit_test(test_sysevent_hex_names_decoded),
	    cmocka_unit_test(test_sysevent_rename_four_items),
	    cmocka_unit_test(test_sysevent_unlinkat_removedir_is_rmdir),
	    cmocka_unit_test(test_sysevent_exit_group_without_success_exit),
	    cmocka_unit_test(test_sysevent_i386_arch_event),
	    cmocka_unit_test(test_sysevent_overlay_create_null_paths_skipped),
	    cmocka_unit_test(test_sysevent_partial_event_decoded),
	    cmocka_unit_test(test_sysevent_exec_without_argv_records_marked),
	    cmocka_unit_test(test_sysevent_standalone_record_is_other),
	    cmocka_unit_test(test_sysevent_args_caps_enforced),
	    cmocka_unit_test(test_sysevent_garbage_does_not_crash),
	    cmocka_unit_test(test_sysevent_time_past_int64_ns_refused),
	    cmocka_unit_test(test_sysevent_syscall_table_both_arches),
	    cmocka_unit_test(test_sysevent_unknown_arch_is_other),
	    cmocka_unit_test(test_sysevent_numbers_strict),
	    cmocka_unit_test(test_sysevent_meta_ops_captured),
	    cmocka_unit_test(test_sysevent_link_symlink_items),
	    cmocka_unit_test(test_sysevent_meta_table_both_arches),
	    cmocka_unit_test(test_sysevent_xwrite_captured),
	    cmocka_unit_test(test_sysevent_fd_table_both_arches),
	    cmocka_unit_test(test_sysevent_mmap_record),
	    cmocka_unit_test(test_sysevent_fallocate_modes),
	    cmocka_unit_test(test_sysevent_rename_exchange),
	    cmocka_unit_test(test_sysevent_mount_umount),
	    cmocka_unit_test(test_sysevent_open_by_handle),
	    cmocka_unit_test(test_sysevent_mknod_rdev),
	    cmocka_unit_test(test_sysevent_io_table_both_arches),
	    cmocka_unit_test(test_sysevent_argv_cut_head_tail_sha),
	    cmocka_unit_test(test_sysevent_argv_chunks_lost_no_sha),
	    cmocka_unit_test(test_sysevent_argv_whole_no_cut),
	    cmocka_unit_test(test_sysevent_argv_cut_tails_bounded),
	    cmocka_unit_test(test_sysevent_argv_chunk_gap_tail),
	    cmocka_unit_test(test_sysevent_chown_unchanged_ids),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
