/* test_hostile.c - strings a task controls, through the audit decoder in
 * the kernel's own record format. Events are built from a captured one
 * (tests/data/audit/) with its argument or name hex replaced: 128 KiB of
 * arguments split across EXECVE records as the kernel splits them, a path
 * of PATH_MAX_BYTES, names with NUL, newline, quote and invalid UTF-8.
 * Every check is on the exact decoded bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "sysevent.h"
#include "reasm.h"
#include "record.h"
#include "schema.h"

#define TEXT_MAX (1024 * 1024)
#define REC_MAX 256
#define CHUNK_HEX 7496 /* hex per aN[i] chunk: one record under 7500 */
#define BIG_ARGC 4
#define BIG_ARG_BYTES (32 * 1024) /* 4 x 32 KiB = 128 KiB of argv */

struct ctx {
	struct sysevent_dec *d;
	struct sysevent *e;
	char *text; /* the event being built, as auditd log lines */
	size_t len;
	char *fixture; /* the template fixture */
	size_t flen;
	uint64_t want;
	int found;
	int rc;
};

static int
setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -1;
	c->d = sysevent_dec_new();
	c->e = malloc(sizeof(*c->e));
	c->text = malloc(TEXT_MAX);
	if (c->d == NULL || c->e == NULL || c->text == NULL)
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
	free(c->text);
	free(c->fixture);
	free(c);
	return 0;
}

static void
put(struct ctx *c, const char *p, size_t n)
{
	assert_true(c->len + n < TEXT_MAX);
	memcpy(c->text + c->len, p, n);
	c->len += n;
}

static void
puts_(struct ctx *c, const char *s)
{
	put(c, s, strlen(s));
}

static void
put_hex(struct ctx *c, const char *p, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t i;

	assert_true(c->len + 2 * n < TEXT_MAX);
	for (i = 0; i < n; i++) {
		c->text[c->len++] = hx[(unsigned char)p[i] >> 4];
		c->text[c->len++] = hx[(unsigned char)p[i] & 15];
	}
}

/* Starts a record line of type NAME with the template's header. */
static void
put_head(struct ctx *c, const char *type, const char *hdr)
{
	puts_(c, "type=");
	puts_(c, type);
	puts_(c, " msg=");
	puts_(c, hdr);
}

/* A field value to replace in the template: key=val in records of type. */
struct edit {
	const char *key;
	const char *val;  /* already formatted: quoted or hex */
	const char *type; /* only in lines of this record type */
};

/* Copies the lines of event `serial` of fixture into c->text. The lines
 * of type skip_type are replaced by what fn(c, hdr) writes (called once,
 * hdr being the event's "audit(SEC.MSEC:SERIAL): "); in the other lines
 * the values of the fields in edit[] (ended by a NULL key) are replaced. */

static void
build(struct ctx *c, const char *fixture, uint64_t serial,
      const char *skip_type, void (*fn)(struct ctx *, const char *),
      const struct edit *edit)
{
	char tag[64], hdr[64], *line, *nl, *p, *end;
	bool done = false;
	size_t n, i, kl, tl;

	free(c->fixture);
	c->fixture = fixture_read(fixture, &c->flen);
	c->len = 0;
	c->want = serial;
	n = (size_t)snprintf(tag, sizeof(tag),
	                     ":%llu): ", (unsigned long long)serial);
	for (line = c->fixture; line < c->fixture + c->flen; line = nl + 1) {
		nl = memchr(line, '\n', c->flen - (size_t)(line - c->fixture));
		if (nl == NULL)
			nl = c->fixture + c->flen;
		end = nl;
		if (line[0] == '#' ||
		    memmem(line, (size_t)(end - line), tag, n) == NULL)
			continue;
		p = memmem(line, (size_t)(end - line), "audit(", 6);
		assert_non_null(p);
		tl = (size_t)((char *)memmem(p, (size_t)(end - p), "): ", 3) +
		              3 - p);
		assert_true(tl < sizeof(hdr));
		memcpy(hdr, p, tl);
		hdr[tl] = '\0';
		if (skip_type != NULL &&
		    strncmp(line + 5, skip_type, strlen(skip_type)) == 0 &&
		    line[5 + strlen(skip_type)] == ' ') {
			if (!done)
				fn(c, hdr);
			done = true;
			continue;
		}
		/* copy, replacing edited values */
		p = line;
		while (p < end) {
			const char *sp = memchr(p, ' ', (size_t)(end - p));
			const char *te = sp != NULL ? sp : end;
			bool replaced = false;

			for (i = 0; edit != NULL && edit[i].key != NULL; i++) {
				kl = strlen(edit[i].key);
				if ((size_t)(te - p) > kl && p[kl] == '=' &&
				    memcmp(p, edit[i].key, kl) == 0 &&
				    strncmp(line + 5, edit[i].type,
				            strlen(edit[i].type)) == 0) {
					put(c, p, kl + 1);
					puts_(c, edit[i].val);
					replaced = true;
					break;
				}
			}
			if (!replaced)
				put(c, p, (size_t)(te - p));
			if (sp != NULL)
				put(c, " ", 1);
			p = sp != NULL ? (char *)sp + 1 : end;
		}
		put(c, "\n", 1);
	}
	assert_true(done || skip_type == NULL);
}

static void
emit_decode(const struct reasm_event *ev, void *arg)
{
	struct ctx *c = arg;

	if (ev->serial != c->want || c->found > 0)
		return;
	c->found++;
	c->rc = sysevent_decode(c->d, ev, c->e);
}

/* Decodes c->text through reasm with godo's production sizes. */
static const struct sysevent *
decode_reasm(struct ctx *c)
{
	struct reasm *r = reasm_new(REASM_SLOTS, REASM_SLOT_BYTES, REASM_AGE_MS,
	                            emit_decode, c);
	char *line, *nl;
	struct str pl;
	uint16_t type;

	assert_non_null(r);
	c->found = 0;
	c->rc = -2;
	for (line = c->text; line < c->text + c->len; line = nl + 1) {
		nl = memchr(line, '\n', c->len - (size_t)(line - c->text));
		assert_non_null(nl);
		assert_int_equal(
		    record_parse_line(line, (size_t)(nl - line), &type, &pl),
		    0);
		(void)reasm_add(r, type, pl.p, pl.n, 0);
	}
	reasm_flush(r);
	reasm_free(r);
	assert_int_equal(c->found, 1);
	assert_int_equal(c->rc, 0);
	return c->e;
}

/* Decodes c->text as one event without reasm's slot limit (records
 * borrow c->text). */
static const struct sysevent *
decode_direct(struct ctx *c)
{
	static struct record rec[REC_MAX];
	struct reasm_event ev = {.serial = c->want, .rec = rec};
	char *line, *nl;
	struct str pl;
	uint16_t type;

	for (line = c->text; line < c->text + c->len; line = nl + 1) {
		nl = memchr(line, '\n', c->len - (size_t)(line - c->text));
		assert_non_null(nl);
		assert_int_equal(
		    record_parse_line(line, (size_t)(nl - line), &type, &pl),
		    0);
		if (type == RECORD_EOE)
			continue;
		assert_true(ev.nrec < REC_MAX);
		assert_int_equal(record_parse(&rec[ev.nrec], type, pl.p, pl.n),
		                 0);
		ev.nrec++;
	}
	assert_int_equal(sysevent_decode(c->d, &ev, c->e), 0);
	return c->e;
}

/* --- 128 KiB of arguments ------------------------------------------- */

static char big_args[BIG_ARGC][BIG_ARG_BYTES];

static void
big_args_fill(void)
{
	size_t a, i;

	/* every byte value but NUL (argv strings cannot hold one) */
	for (a = 0; a < BIG_ARGC; a++)
		for (i = 0; i < BIG_ARG_BYTES; i++)
			big_args[a][i] = (char)(1 + (i * 7 + a * 31) % 255);
}

/* EXECVE records as [K] kernel/auditsc.c audit_log_execve_info() writes
 * arguments too long for one record: "aN_len=HEXLEN aN[0]=HEX" then one
 * " aN[i]=HEX" per record. */
static void
put_big_execve(struct ctx *c, const char *hdr)
{
	char num[64];
	size_t a, off, k, take;

	for (a = 0; a < BIG_ARGC; a++) {
		for (off = 0, k = 0; off < BIG_ARG_BYTES; off += take, k++) {
			take = BIG_ARG_BYTES - off;
			if (take > CHUNK_HEX / 2)
				take = CHUNK_HEX / 2;
			put_head(c, "EXECVE", hdr);
			if (a == 0 && k == 0) {
				snprintf(num, sizeof(num), "argc=%d ",
				         BIG_ARGC);
				puts_(c, num);
			} else {
				puts_(c, " ");
			}
			if (k == 0) {
				snprintf(num, sizeof(num), "a%zu_len=%d ", a,
				         2 * BIG_ARG_BYTES);
				puts_(c, num);
			}
			snprintf(num, sizeof(num), "a%zu[%zu]=", a, k);
			puts_(c, num);
			put_hex(c, big_args[a] + off, take);
			puts_(c, "\n");
		}
	}
}

/* The kept argument bytes, joined in order, equal the first bytes of the
 * input's arguments joined; returns how many were kept. */
static size_t
assert_args_prefix(const struct sysevent *e)
{
	const char *in = &big_args[0][0]; /* the arguments are contiguous */
	size_t a, kept = 0;

	for (a = 0; a < e->argc; a++) {
		assert_true(kept + e->argv[a].n <= sizeof(big_args));
		if (memcmp(e->argv[a].p, in + kept, e->argv[a].n) != 0)
			fail_msg("argv[%zu] is not the input's bytes", a);
		kept += e->argv[a].n;
	}
	return kept;
}

/* Without reasm's slot limit: the decoder keeps ARGS_MAX_BYTES exactly
 * (the first argument whole), flags the rest, and the kept bytes are the
 * input's first bytes. */
static void
test_hostile_128k_args_capped_prefix_kept(void **state)
{
	struct ctx *c = *state;
	const struct sysevent *e;
	size_t kept;

	big_args_fill();
	build(c, "execve_long_arg.log", 242, "EXECVE", put_big_execve, NULL);
	e = decode_direct(c);
	assert_int_equal(e->kind, SYSEV_EXECVE);
	assert_true(e->args_truncated);
	assert_false(e->args_from_proctitle);
	assert_true(e->argc >= 1 && e->argc <= BIG_ARGC);
	assert_int_equal(e->argv[0].n, BIG_ARG_BYTES);
	assert_memory_equal(e->argv[0].p, big_args[0], BIG_ARG_BYTES);
	kept = assert_args_prefix(e);
	assert_int_equal(kept, ARGS_MAX_BYTES);
	/* the rest of the event is intact */
	assert_int_equal(e->npath, 2);
	assert_int_equal(e->path[0].name.n, 9);
	assert_memory_equal(e->path[0].name.p, "/bin/true", 9);
}

/* Through reasm with godo's slot size (64 KiB of record text, so about
 * 32 KiB of hex-encoded argv): records past the slot are dropped, the
 * event is partial, args_truncated is set, and what is kept is still the
 * exact prefix. */
static void
test_hostile_128k_args_through_reasm(void **state)
{
	struct ctx *c = *state;
	const struct sysevent *e;
	size_t kept;

	big_args_fill();
	build(c, "execve_long_arg.log", 242, "EXECVE", put_big_execve, NULL);
	e = decode_reasm(c);
	assert_int_equal(e->kind, SYSEV_EXECVE);
	assert_true(e->args_truncated);
	assert_true(e->partial);
	kept = assert_args_prefix(e);
	assert_true(kept > 0 && kept <= ARGS_MAX_BYTES);
	assert_true(kept >= REASM_SLOT_BYTES / 2 - 2 * CHUNK_HEX);
}

/* --- paths and names ------------------------------------------------ */

static char path_hex[2 * (PATH_MAX_BYTES + 16) + 1];

static const char *
hex_of(const char *p, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	size_t i;

	assert_true(2 * n < sizeof(path_hex));
	for (i = 0; i < n; i++) {
		path_hex[2 * i] = hx[(unsigned char)p[i] >> 4];
		path_hex[2 * i + 1] = hx[(unsigned char)p[i] & 15];
	}
	path_hex[2 * n] = '\0';
	return path_hex;
}

/* fs_ops.log 380 is openat(AT_FDCWD, "caf\xff.txt", O_CREAT...): its
 * created name, hex-encoded by the kernel, replaced by name[0..n). */
static const struct sysevent *
open_with_name(struct ctx *c, const char *name, size_t n)
{
	static const char old[] = "name=636166FF2E747874";
	const char *hex = hex_of(name, n);
	size_t vl = strlen(hex), ol = sizeof(old) - 1 - 5, tail;
	const struct sysevent *e;
	char *at;

	build(c, "fs_ops.log", 380, NULL, NULL, NULL);
	at = memmem(c->text, c->len, old, sizeof(old) - 1);
	assert_non_null(at);
	at += 5;
	tail = c->len - (size_t)(at + ol - c->text);
	assert_true(c->len - ol + vl < TEXT_MAX);
	memmove(at + vl, at + ol, tail);
	memcpy(at, hex, vl);
	c->len = c->len - ol + vl;
	e = decode_reasm(c);
	assert_int_equal(e->kind, SYSEV_OPEN);
	assert_int_equal(e->npath, 2);
	return e;
}

static void
assert_name(const struct sysevent *e, const char *want, size_t n)
{
	assert_true(e->path[1].has_name);
	assert_int_equal(e->path[1].nametype, NT_CREATE);
	assert_int_equal(e->path[1].name.n, n);
	assert_memory_equal(e->path[1].name.p, want, n);
}

static void
test_hostile_names_exact_bytes(void **state)
{
	static const struct {
		const char *name;
		size_t n;
	} cases[] = {
	    {"a\0b", 3},                         /* NUL inside the hex */
	    {"\0", 1},                           /* only a NUL */
	    {"evil\ntype=SYSCALL msg=x", 23},    /* newline: a forged line */
	    {"q\"uo'te", 7},                     /* quotes */
	    {"caf\xff\xfe.txt", 9},              /* invalid UTF-8 */
	    {"\xc0\xaf\xed\xa0\x80\xf4\x90", 7}, /* overlong, surrogate */
	    {"(null)", 6},                       /* hex, not the marker */
	    {"a b=c d", 7},                      /* spaces and '=' */
	    {"\x1b[31mred\x7f\r", 10},           /* terminal controls */
	    {"\xe2\x80\xae"
	     "cod.exe",
	     10}, /* RTL override, valid */
	};
	struct ctx *c = *state;
	const struct sysevent *e;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e = open_with_name(c, cases[i].name, cases[i].n);
		assert_name(e, cases[i].name, cases[i].n);
		assert_false(e->paths_truncated);
	}
}

/* A name of exactly PATH_MAX_BYTES is kept whole; one byte more is cut
 * there and flagged. */
static void
test_hostile_path_max_bytes(void **state)
{
	static char name[PATH_MAX_BYTES + 1];
	struct ctx *c = *state;
	const struct sysevent *e;
	size_t i;

	name[0] = '/';
	for (i = 1; i < sizeof(name); i++)
		name[i] = i % 64 == 0 ? '/' : (char)(0x80 + i % 64);
	e = open_with_name(c, name, PATH_MAX_BYTES);
	assert_name(e, name, PATH_MAX_BYTES);
	assert_false(e->paths_truncated);
	e = open_with_name(c, name, PATH_MAX_BYTES + 1);
	assert_name(e, name, PATH_MAX_BYTES);
	assert_true(e->paths_truncated);
}

/* comm, exe and cwd are hex-encoded by the kernel when they hold odd
 * bytes: each comes back exactly. */
static void
test_hostile_comm_exe_cwd_exact_bytes(void **state)
{
	static const char comm[] = "x\ny\"\xff";
	static const char exe[] = "/tmp/\xff\xfe/a\nb \"c\"";
	static char cwd[PATH_MAX_BYTES];
	static char comm_hex[64], exe_hex[128];
	static char *cwd_hex;
	struct ctx *c = *state;
	const struct sysevent *e;
	size_t i;

	for (i = 0; i < sizeof(cwd); i++)
		cwd[i] = i % 100 == 0 ? '/' : (char)(i % 2 ? '\n' : '\xff');
	snprintf(comm_hex, sizeof(comm_hex), "%s",
	         hex_of(comm, sizeof(comm) - 1));
	snprintf(exe_hex, sizeof(exe_hex), "%s", hex_of(exe, sizeof(exe) - 1));
	cwd_hex = strdup(hex_of(cwd, sizeof(cwd)));
	assert_non_null(cwd_hex);
	{
		const struct edit ed[] = {{"comm", comm_hex, "SYSCALL"},
		                          {"exe", exe_hex, "SYSCALL"},
		                          {"cwd", cwd_hex, "CWD"},
		                          {NULL, NULL, NULL}};

		build(c, "fs_ops.log", 380, NULL, NULL, ed);
	}
	e = decode_reasm(c);
	free(cwd_hex);
	assert_int_equal(e->comm.n, sizeof(comm) - 1);
	assert_memory_equal(e->comm.p, comm, sizeof(comm) - 1);
	assert_int_equal(e->exe.n, sizeof(exe) - 1);
	assert_memory_equal(e->exe.p, exe, sizeof(exe) - 1);
	assert_int_equal(e->cwd.n, sizeof(cwd));
	assert_memory_equal(e->cwd.p, cwd, sizeof(cwd));
	assert_int_equal(e->kind, SYSEV_OPEN);
	assert_name(e, "caf\xff.txt", 8);
}

/* Arguments with newline, quote, invalid UTF-8 and a forged field, in
 * one EXECVE record as the kernel writes them (hex when not plain). */
static void
put_odd_execve(struct ctx *c, const char *hdr)
{
	put_head(c, "EXECVE", hdr);
	puts_(c, "argc=4 a0=\"/bin/echo\" a1=");
	put_hex(c, "a\nb", 3);
	puts_(c, " a2=");
	put_hex(c, "\" a3=\"x", 7);
	puts_(c, " a3=");
	put_hex(c, "\xff\xc3(\xed\xa0\x80", 6);
	puts_(c, "\n");
}

static void
test_hostile_args_exact_bytes(void **state)
{
	struct ctx *c = *state;
	const struct sysevent *e;

	build(c, "execve_args.log", 287, "EXECVE", put_odd_execve, NULL);
	e = decode_reasm(c);
	assert_int_equal(e->kind, SYSEV_EXECVE);
	assert_false(e->args_truncated);
	assert_int_equal(e->argc, 4);
	assert_int_equal(e->argv[0].n, 9);
	assert_memory_equal(e->argv[0].p, "/bin/echo", 9);
	assert_int_equal(e->argv[1].n, 3);
	assert_memory_equal(e->argv[1].p, "a\nb", 3);
	assert_int_equal(e->argv[2].n, 7);
	assert_memory_equal(e->argv[2].p, "\" a3=\"x", 7);
	assert_int_equal(e->argv[3].n, 6);
	assert_memory_equal(e->argv[3].p, "\xff\xc3(\xed\xa0\x80", 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hostile_128k_args_capped_prefix_kept),
	    cmocka_unit_test(test_hostile_128k_args_through_reasm),
	    cmocka_unit_test(test_hostile_names_exact_bytes),
	    cmocka_unit_test(test_hostile_path_max_bytes),
	    cmocka_unit_test(test_hostile_comm_exe_cwd_exact_bytes),
	    cmocka_unit_test(test_hostile_args_exact_bytes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
