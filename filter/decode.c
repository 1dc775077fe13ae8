/* decode.c - see decode.h. Each document kind is a table of its fields
 * (key, how it is read, where it goes), read in one pass over the
 * document; a key not in the table is ignored. */
#include "decode.h"
#include "decode_ct.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "path.h"
#include "schema.h"

bool
decode_get_bytes(const bson_iter_t *it, struct bytes *b)
{
	const uint8_t *data;
	const char *s;
	bson_subtype_t sub;
	uint32_t len;

	switch (bson_iter_type(it)) {
	case BSON_TYPE_UTF8:
		s = bson_iter_utf8(it, &len);
		bytes_set(b, s, len);
		return true;
	case BSON_TYPE_BINARY:
		bson_iter_binary(it, &sub, &len, &data);
		bytes_set(b, (const char *)data, len);
		return true;
	default:
		return false;
	}
}

/* A C string field (ids, host, docker_id): bytes up to the first NUL. */
static char *
get_cstr(const bson_iter_t *it)
{
	struct bytes b = {0};
	char *s;

	if (!decode_get_bytes(it, &b))
		return NULL;
	s = mem_strdup(b.p);
	bytes_free(&b);
	return s;
}

static bool
get_i64(const bson_iter_t *it, int64_t *v)
{
	switch (bson_iter_type(it)) {
	case BSON_TYPE_INT32:
	case BSON_TYPE_INT64:
	case BSON_TYPE_DOUBLE:
	case BSON_TYPE_BOOL:
		*v = bson_iter_as_int64(it);
		return true;
	default:
		return false;
	}
}

static bool
get_i32(const bson_iter_t *it, int32_t *v)
{
	int64_t x;

	if (!get_i64(it, &x) || x < INT32_MIN || x > INT32_MAX)
		return false;
	*v = (int32_t)x;
	return true;
}

/* A date (ms) as ns; a date past what ns in an int64 hold (year 2262)
 * reads as absent. */
static bool
get_date_ns(const bson_iter_t *it, int64_t *ns)
{
	int64_t ms;

	if (bson_iter_type(it) == BSON_TYPE_DATE_TIME) {
		ms = bson_iter_date_time(it);
		if (ms > INT64_MAX / 1000000LL || ms < INT64_MIN / 1000000LL)
			return false;
		*ns = ms * 1000000LL;
		return true;
	}
	return get_i64(it, ns);
}

static void
get_argv(const bson_iter_t *it, struct argv *a)
{
	bson_iter_t sub;
	size_t n = 0;

	bytes_argv_free(a);
	if (!BSON_ITER_HOLDS_ARRAY(it) || !bson_iter_recurse(it, &sub))
		return;
	while (bson_iter_next(&sub) && n < ARGS_MAX_COUNT) {
		a->v = mem_reallocarray(a->v, n + 1, sizeof(*a->v));
		memset(&a->v[n], 0, sizeof(a->v[n]));
		if (!decode_get_bytes(&sub, &a->v[n]))
			bytes_set(&a->v[n], "", 0);
		n++;
	}
	a->n = n;
}

/* args_cut: [{index, length, tail}], at most ARGS_MAX_COUNT entries. */
static void
get_argcuts(const bson_iter_t *it, struct argcuts *c)
{
	bson_iter_t sub, f;

	if (!BSON_ITER_HOLDS_ARRAY(it) || !bson_iter_recurse(it, &sub))
		return;
	while (bson_iter_next(&sub) && c->n < ARGS_MAX_COUNT) {
		struct argcut x = {-1, -1, {0}};
		int64_t v;

		if (!BSON_ITER_HOLDS_DOCUMENT(&sub) ||
		    !bson_iter_recurse(&sub, &f))
			continue;
		while (bson_iter_next(&f)) {
			const char *k = bson_iter_key(&f);

			if (strcmp(k, F_ARGS_CUT_INDEX) == 0 &&
			    get_i64(&f, &v) && v >= 0 && v < INT32_MAX)
				x.index = (int32_t)v;
			else if (strcmp(k, F_ARGS_CUT_LENGTH) == 0 &&
			         get_i64(&f, &v))
				x.length = v;
			else if (strcmp(k, F_ARGS_CUT_TAIL) == 0)
				(void)decode_get_bytes(&f, &x.tail);
		}
		if (!x.tail.set)
			bytes_set(&x.tail, "", 0);
		c->v = mem_reallocarray(c->v, c->n + 1, sizeof(*c->v));
		c->v[c->n++] = x;
	}
}

/* How a field is read, into the decoding struct at an offset. */
enum fkind {
	FK_CSTR,  /* char *, the first occurrence (ids, host, docker_id) */
	FK_BYTES, /* struct bytes */
	FK_I32,   /* int32_t; a has flag when given */
	FK_I64,   /* int64_t */
	FK_BOOL,  /* bool, any type as BSON truth; has: key present */
	FK_DATE,  /* int64_t ns from a date or a number */
	FK_TS,    /* as FK_DATE, only while still NS_NONE: the _ns twin wins */
	FK_ARGV,  /* struct argv */
	FK_ARGCUTS, /* struct argcuts (h-fid) */
	FK_EXECS,   /* struct task's execs */
};

struct field {
	const char *key;
	enum fkind kind;
	size_t off;
	ptrdiff_t has; /* offset of a bool set to "read", or -1 */
};

#define FLD(key, kind, type, m)                                                \
	{                                                                      \
		key, kind, offsetof(type, m), -1                               \
	}
#define FLDH(key, kind, type, m, h)                                            \
	{                                                                      \
		key, kind, offsetof(type, m), (ptrdiff_t)offsetof(type, h)     \
	}

static void get_execs(const bson_iter_t *it, struct task *t);

static bool
read_field(const bson_iter_t *it, enum fkind kind, char *at)
{
	switch (kind) {
	case FK_CSTR:
		if (*(char **)at == NULL)
			*(char **)at = get_cstr(it);
		return *(char **)at != NULL;
	case FK_BYTES:
		return decode_get_bytes(it, (struct bytes *)at);
	case FK_I32:
		return get_i32(it, (int32_t *)at);
	case FK_I64:
		return get_i64(it, (int64_t *)at);
	case FK_BOOL:
		*(bool *)at = bson_iter_as_bool(it);
		return true;
	case FK_TS:
		return *(int64_t *)at == NS_NONE &&
		       get_date_ns(it, (int64_t *)at);
	case FK_DATE:
		return get_date_ns(it, (int64_t *)at);
	case FK_ARGV:
		get_argv(it, (struct argv *)at);
		return true;
	case FK_ARGCUTS:
		get_argcuts(it, (struct argcuts *)at);
		return true;
	case FK_EXECS:
		get_execs(it, (struct task *)at);
		return true;
	}
	return false;
}

/* Every field of doc found in tab[0..n) into base. */
static void
read_fields(const bson_t *doc, const struct field *tab, size_t n, void *base)
{
	bson_iter_t it;
	size_t i;
	bool ok;

	if (!bson_iter_init(&it, doc))
		return;
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);

		for (i = 0; i < n && strcmp(tab[i].key, k) != 0; i++)
			;
		if (i == n)
			continue;
		ok = read_field(&it, tab[i].kind, (char *)base + tab[i].off);
		if (tab[i].has >= 0)
			*(bool *)((char *)base + tab[i].has) = ok;
	}
}

#define NFIELDS(tab) (sizeof(tab) / sizeof((tab)[0]))

/* an execve entry: its time is ns, else the date */
struct exec_doc {
	struct exec e;
	int64_t ns, ms;
	bool args;
};

static const struct field exec_fields[] = {
    FLD(F_EXEC_NS, FK_I64, struct exec_doc, ns),
    FLD(F_EXEC_TS, FK_DATE, struct exec_doc, ms),
    FLDH(F_ARGS, FK_ARGV, struct exec_doc, e.args, args),
    FLD(F_EXE, FK_BYTES, struct exec_doc, e.exe),
    FLD(F_CWD, FK_BYTES, struct exec_doc, e.cwd),
    FLD(F_ARGS_CUT, FK_ARGCUTS, struct exec_doc, e.ax.cuts),
    FLD(F_ARGS_CUT_LOST, FK_I32, struct exec_doc, e.ax.cut_lost),
    FLD(F_ARGS_SHA256, FK_BYTES, struct exec_doc, e.ax.sha256),
    FLD(F_ARGS_SOURCE, FK_BYTES, struct exec_doc, e.ax.source),
};

static void
get_execs(const bson_iter_t *it, struct task *t)
{
	bson_iter_t arr;
	const uint8_t *data;
	uint32_t len;
	bson_t doc;

	if (!BSON_ITER_HOLDS_ARRAY(it) || !bson_iter_recurse(it, &arr))
		return;
	while (bson_iter_next(&arr) && t->nexec < EXECVE_MAX * 4) {
		struct exec_doc x = {{0}, NS_NONE, NS_NONE, false};

		if (!BSON_ITER_HOLDS_DOCUMENT(&arr))
			continue;
		bson_iter_document(&arr, &len, &data);
		if (!bson_init_static(&doc, data, len))
			continue;
		read_fields(&doc, exec_fields, NFIELDS(exec_fields), &x);
		x.e.ns = x.ns != NS_NONE ? x.ns : x.ms;
		x.e.bare = !x.args;
		t->execs =
		    mem_reallocarray(t->execs, t->nexec + 1, sizeof(*t->execs));
		t->execs[t->nexec++] = x.e;
	}
}

/* a pids document: the task and what else it said */
struct task_doc {
	struct task t;
	bool pid, tgid, thread;    /* present (and of a usable type) */
	int64_t start_ms, exit_ms; /* the dates, as ns */
};

#define TF(key, kind, m) FLD(key, kind, struct task_doc, m)
#define TFH(key, kind, m, h) FLDH(key, kind, struct task_doc, m, h)

static const struct field task_fields[] = {
    TF(F_ID, FK_CSTR, t.id),
    TF(F_HOST, FK_CSTR, t.host),
    TF(F_BOOT, FK_CSTR, t.boot),
    TFH(F_PID, FK_I32, t.pid, pid),
    TFH(F_TGID, FK_I32, t.tgid, tgid),
    TFH(F_THREAD, FK_BOOL, t.thread, thread),
    TFH(F_PPID, FK_I32, t.ppid, t.has_ppid),
    TFH(F_PARENT_TGID, FK_I32, t.parent_tgid, t.has_ptgid),
    TF(F_PARENT_ID, FK_CSTR, t.parent_id),
    TFH(F_START_TICKS, FK_I64, t.start_ticks, t.has_ticks),
    TFH(F_START_NS, FK_I64, t.start_ns, t.has_start),
    TF(F_START_TS, FK_DATE, start_ms),
    TF(F_STAR, FK_BOOL, t.star),
    TF(F_COMM, FK_BYTES, t.comm),
    TF(F_EXE, FK_BYTES, t.exe),
    TF(F_CWD, FK_BYTES, t.cwd),
    TF(F_ARGS, FK_ARGV, t.args),
    TF(F_ARGS_TRUNC, FK_BOOL, t.args_trunc),
    TF(F_ARGS_CUT, FK_ARGCUTS, t.ax.cuts),
    TF(F_ARGS_CUT_LOST, FK_I32, t.ax.cut_lost),
    TF(F_ARGS_SHA256, FK_BYTES, t.ax.sha256),
    TF(F_ARGS_SOURCE, FK_BYTES, t.ax.source),
    TF(F_EXECVE, FK_EXECS, t),
    TF(F_EXECVE_COUNT, FK_I32, t.execve_count),
    TFH(F_EXIT_NS, FK_I64, t.exit_ns, t.has_exit),
    TF(F_EXIT_TS, FK_DATE, exit_ms),
    TFH(F_EXIT_STATUS, FK_I32, t.exit_status, t.has_status),
    TFH(F_EXIT_CODE, FK_I32, t.exit_code, t.has_code),
    TFH(F_EXIT_SIGNAL, FK_I32, t.exit_signal, t.has_signal),
    TF(F_DOCKER_ID, FK_CSTR, t.docker_id),
    TF(F_ROOTFS, FK_BYTES, t.rootfs),
    TF(F_SETNS, FK_BOOL, t.setns),
    TF(F_SOURCE, FK_BYTES, t.source),
};

/* a wait status says how it ended when code/signal are missing */
static void
exit_from_status(struct task *t)
{
	int32_t v = t->exit_status;

	if (!t->has_status || t->has_code || t->has_signal)
		return;
	if ((v & 0x7f) == 0) {
		t->exit_code = (int32_t)((v >> 8) & 0xff);
		t->has_code = true;
	} else if ((v & 0x7f) != 0x7f) {
		t->exit_signal = (int32_t)(v & 0x7f);
		t->has_signal = true;
	}
}

/* exit_status is left out when code or signal say all of it (#22) */
static void
status_from_exit(struct task *t)
{
	if (t->has_status)
		return;
	if (t->has_code) {
		t->exit_status = (t->exit_code & 0xff) << 8;
		t->has_status = true;
	} else if (t->has_signal) {
		t->exit_status = t->exit_signal & 0x7f;
		t->has_status = true;
	}
}

/* comm is left out when it is exe's base name cut to 15 bytes (#22) */
static void
comm_from_exe(struct task *t)
{
	size_t i, n;

	if (t->comm.set || !t->exe.set || t->exe.n == 0)
		return;
	i = path_base(t->exe.p, t->exe.n);
	n = t->exe.n - i;
	bytes_set(&t->comm, t->exe.p + i, n > COMM_LEN_MAX ? COMM_LEN_MAX : n);
}

/* the defaults and the fields derived from others */
static void
task_complete(struct task_doc *d)
{
	struct task *t = &d->t;

	if (!d->tgid)
		t->tgid = t->pid;
	if (!t->has_ptgid && t->has_ppid) { /* absent: the same (#22) */
		t->parent_tgid = t->ppid;
		t->has_ptgid = true;
	}
	model_fill_bare_exec(t);
	comm_from_exe(t);
	if (!d->thread)
		t->thread = t->pid != t->tgid;
	if (!t->has_start && d->start_ms != NS_NONE) {
		t->start_ns = d->start_ms;
		t->has_start = true;
	}
	if (!t->has_exit && d->exit_ms != NS_NONE) {
		t->exit_ns = d->exit_ms;
		t->has_exit = true;
	}
	exit_from_status(t);
	status_from_exit(t);
	if (t->docker_id != NULL && t->docker_id[0] == '\0') {
		free(t->docker_id);
		t->docker_id = NULL;
	}
}

int
decode_task(const bson_t *doc, struct task *t)
{
	struct task_doc d;

	memset(&d, 0, sizeof(d));
	d.start_ms = d.exit_ms = NS_NONE;
	read_fields(doc, task_fields, NFIELDS(task_fields), &d);
	if (d.t.id == NULL || !d.pid) {
		log_debug("a pids document without a usable _id or pid: "
		          "skipped");
		model_task_free(&d.t);
		memset(t, 0, sizeof(*t));
		return -1;
	}
	task_complete(&d);
	*t = d.t;
	return 0;
}

char *
decode_id(const bson_t *doc)
{
	bson_iter_t it;

	if (!bson_iter_init_find(&it, doc, F_ID))
		return NULL;
	return get_cstr(&it);
}

char *
decode_any_id(const bson_t *doc)
{
	bson_iter_t it;
	char s[64];
	char *id;

	if (!bson_iter_init_find(&it, doc, F_ID))
		return NULL;
	id = get_cstr(&it);
	if (id != NULL)
		return id;
	switch (bson_iter_type(&it)) {
	case BSON_TYPE_OID:
		strcpy(s, "ObjectId(");
		bson_oid_to_string(bson_iter_oid(&it), s + 9);
		strcat(s, ")");
		break;
	case BSON_TYPE_INT32:
		snprintf(s, sizeof(s), "%d", (int)bson_iter_int32(&it));
		break;
	case BSON_TYPE_INT64:
		snprintf(s, sizeof(s), "%lld", (long long)bson_iter_int64(&it));
		break;
	default:
		snprintf(s, sizeof(s), "(an _id of BSON type 0x%02x)",
		         (unsigned)bson_iter_type(&it));
	}
	return mem_strdup(s);
}

bool
decode_starts_by(const bson_t *doc, int64_t until)
{
	bson_iter_t it;

	if (until == INT64_MAX)
		return true;
	if (!bson_iter_init_find(&it, doc, F_START_NS) ||
	    !(BSON_ITER_HOLDS_INT32(&it) || BSON_ITER_HOLDS_INT64(&it) ||
	      BSON_ITER_HOLDS_DOUBLE(&it)))
		return false;
	return bson_iter_as_int64(&it) <= until + MATCH_TOL_NS;
}

static bool
op_is(const struct bytes *op, const char *name)
{
	size_t n = strlen(name);

	return op->set && op->n == n && memcmp(op->p, name, n) == 0;
}

/* An absent op, or "open", is an open session; any other name an op. */
static enum file_op
op_of(const struct bytes *op)
{
	if (op_is(op, OP_RENAME))
		return FOP_RENAME;
	if (op_is(op, OP_UNLINK))
		return FOP_UNLINK;
	if (!op->set || op_is(op, OP_OPEN))
		return FOP_OPEN;
	return FOP_OTHER;
}

/* a files / fds document and its op names, as read */
struct file_raw {
	struct file_doc d;
	struct bytes op, then_op;
};

#define FF(key, kind, m) FLD(key, kind, struct file_raw, m)
#define FFH(key, kind, m, h) FLDH(key, kind, struct file_raw, m, h)

static const struct field file_fields[] = {
    FF(F_ID, FK_CSTR, d.f.id),
    FF(F_PROC_ID, FK_CSTR, d.proc_id),
    FF(F_FD, FK_I32, d.f.fd),
    FF(F_OP, FK_BYTES, op),
    FFH(F_FLAGS, FK_I32, d.f.flags, d.f.has_flags),
    FF(F_THEN_OP, FK_BYTES, then_op),
    FF(F_FILENAME, FK_BYTES, d.f.raw_path),
    FF(F_NEW_FILENAME, FK_BYTES, d.new_path),
    FF(F_CLOSE_BY, FK_BYTES, d.f.closed_by),
    FF(F_THEN_PROC_ID, FK_CSTR, d.then_proc),
    FF(F_WRITE_COUNT, FK_I64, d.f.writes),
    FF(F_THEN_NS, FK_I64, d.then_ns),
    FF(F_WRITE_BYTES, FK_I64, d.f.write_bytes),
    FF(F_THEN_TS, FK_TS, d.then_ns),
    FF(F_OPEN_NS, FK_I64, d.f.open_ns),
    FF(F_OPEN_TS, FK_TS, d.f.open_ns),
    FF(F_CLOSE_NS, FK_I64, d.f.close_ns),
    FF(F_CLOSE_TS, FK_TS, d.f.close_ns),
    FF(F_OP_NS, FK_I64, d.f.ns),
    FF(F_OP_TS, FK_TS, d.f.ns),
    FF(F_TARGET, FK_BYTES, d.f.target),
    FF(F_TYPE, FK_BYTES, d.f.type),
    FFH(F_MODE, FK_I32, d.f.mode, d.f.has_mode),
    FFH(F_UID, FK_I64, d.f.uid, d.f.has_uid),
    FFH(F_GID, FK_I64, d.f.gid, d.f.has_gid),
    FF(F_MAPPED, FK_BOOL, d.f.mapped),
    FF(F_MAPPED_NS, FK_I64, d.f.mapped_ns),
    FF(F_EXCHANGE, FK_BOOL, d.f.exchange),
    FF(F_FALLOC_MODE, FK_BYTES, d.f.falloc_mode),
    FFH(F_OFFSET, FK_I64, d.f.offset, d.f.has_range),
    FF(F_LENGTH, FK_I64, d.f.length),
    FF(F_MOUNT_SOURCE, FK_BYTES, d.f.source),
    FF(F_RDEV, FK_BYTES, d.f.rdev),
    FFH(F_INODE, FK_I64, d.f.inode, d.f.has_inode),
    FF(F_DEV, FK_BYTES, d.f.dev),
    FF(F_WRITERS, FK_ARGV, d.f.writers),
    FF(F_WRITERS_MORE, FK_I64, d.f.writers_more),
    FF(F_RAW_PATH, FK_BYTES, d.f.given_path),
    FF(F_PATH_UNVERIFIED, FK_BOOL, d.f.path_unverified),
    FF(F_NEW_RAW_PATH, FK_BYTES, d.new_given),
    FF(F_NEW_PATH_UNVERIFIED, FK_BOOL, d.new_unverified),
    FF(F_TARGET_RAW_PATH, FK_BYTES, d.f.given2),
    FF(F_TARGET_UNVERIFIED, FK_BOOL, d.f.unverified2),
    FF(F_SOURCE_RAW_PATH, FK_BYTES, d.f.given2),
    FF(F_SOURCE_UNVERIFIED, FK_BOOL, d.f.unverified2),
};

/* What a files document leaves out when it is the plain case (docs/
 * schema.md "Fields left out"): a joined op by the file's own process,
 * closed by close(2), written by its own process alone. */
static void
file_complete(struct file_doc *d)
{
	if (d->proc_id == NULL)
		return;
	if (d->joined && d->then_proc == NULL)
		d->then_proc = mem_strdup(d->proc_id);
	if (d->f.op == FOP_OPEN && d->f.has_close && !d->f.closed_by.set)
		bytes_set(&d->f.closed_by, "close", 5);
	if (d->f.writes > 0 && d->f.writers.n == 0) {
		d->f.writers.v = mem_calloc(1, sizeof(*d->f.writers.v));
		bytes_set(&d->f.writers.v[0], d->proc_id, strlen(d->proc_id));
		d->f.writers.n = 1;
	}
}

int
decode_file(const bson_t *doc, struct file_doc *d)
{
	struct file_raw r;

	memset(&r, 0, sizeof(r));
	r.d.f.open_ns = r.d.f.close_ns = r.d.f.ns = r.d.then_ns = NS_NONE;
	read_fields(doc, file_fields, NFIELDS(file_fields), &r);
	r.d.f.has_close = r.d.f.close_ns != NS_NONE;
	model_file_set_op(&r.d.f, op_of(&r.op), &r.op);
	r.d.joined = r.then_op.set;
	/* only a rename or an unlink is joined (docs/schema.md) */
	r.d.then_op = op_of(&r.then_op);
	if (r.d.then_op == FOP_OTHER)
		r.d.then_op = FOP_OPEN;
	bytes_free(&r.op);
	bytes_free(&r.then_op);
	if (!r.d.f.raw_path.set)
		bytes_set(&r.d.f.raw_path, "", 0);
	*d = r.d;
	if (d->f.id == NULL || d->proc_id == NULL) {
		log_debug("a files document without a usable _id or "
		          "process_id: skipped");
		decode_file_free(d);
		return -1;
	}
	file_complete(d);
	return 0;
}

void
decode_file_free(struct file_doc *d)
{
	model_file_free(&d->f);
	free(d->proc_id);
	free(d->then_proc);
	bytes_free(&d->new_path);
	bytes_free(&d->new_given);
	memset(d, 0, sizeof(*d));
}

static const struct field gap_fields[] = {
    FLD(F_HOST, FK_CSTR, struct gap, host),
    FLD(F_BOOT, FK_CSTR, struct gap, boot),
    FLD(F_GAP_SOURCE, FK_BYTES, struct gap, source),
    FLD(F_GAP_FROM, FK_DATE, struct gap, from_ns),
    FLD(F_GAP_TO, FK_DATE, struct gap, to_ns),
    FLD(F_GAP_COUNT, FK_I64, struct gap, count),
};

void
decode_gap(const bson_t *doc, struct gap *g)
{
	memset(g, 0, sizeof(*g));
	g->from_ns = g->to_ns = NS_NONE;
	read_fields(doc, gap_fields, NFIELDS(gap_fields), g);
}

/* ---- containers ---- */

#define GO_ZERO_TIME "0001-01-01T00:00:00Z" /* Docker's "never" */

static const struct field ct_fields[] = {
    FLD(F_HOST, FK_CSTR, struct container, host),
    FLD(F_DOCKER_ID, FK_CSTR, struct container, id),
    FLD(F_CT_NAME, FK_BYTES, struct container, name),
    FLD(F_CT_IMAGE, FK_BYTES, struct container, image),
    FLD(F_ROOTFS, FK_BYTES, struct container, rootfs),
    FLD(F_CT_IMAGE_ID, FK_BYTES, struct container, ident.image_id),
    FLD(F_CT_CREATED, FK_BYTES, struct container, ident.created),
    FLD(F_CT_STARTED, FK_BYTES, struct container, ident.started),
    FLD(F_CT_NETWORK, FK_BYTES, struct container, ident.network),
    FLD(F_CT_CAP_ADD, FK_ARGV, struct container, ident.caps),
    FLDH(F_CT_PRIVILEGED, FK_BOOL, struct container, ident.privileged,
         ident.has_privileged),
    FLD(F_CT_TRUNC, FK_BOOL, struct container, ident.truncated),
    FLD(F_CT_INIT_PID, FK_I64, struct container, ident.init_pid),
    FLD(F_CT_SEEN_NS, FK_I64, struct container, ident.seen_ns),
};

int
decode_container(const bson_t *doc, struct container *c)
{
	bson_iter_t it;

	memset(c, 0, sizeof(*c));
	read_fields(doc, ct_fields, NFIELDS(ct_fields), c);
	if (bson_iter_init_find(&it, doc, F_CT_LABELS))
		decode_ct_labels(&it, &c->ident.labels);
	if (bson_iter_init_find(&it, doc, F_CT_MOUNTS))
		decode_ct_mounts(&it, &c->ident);
	if (c->id == NULL || c->host == NULL) {
		log_debug("a containers document without a docker_id or "
		          "host: skipped");
		model_container_free(c);
		return -1;
	}
	/* Go's zero time: recorded before the container started (a godo
	 * before ctinfo dropped it) */
	if (c->ident.started.set &&
	    c->ident.started.n == sizeof(GO_ZERO_TIME) - 1 &&
	    memcmp(c->ident.started.p, GO_ZERO_TIME, c->ident.started.n) == 0)
		bytes_free(&c->ident.started);
	c->ident.source = "recorded";
	return 0;
}
