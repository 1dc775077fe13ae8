/* decode.c - see decode.h. */
#include "decode.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "schema.h"

static bool
get_bytes(const bson_iter_t *it, struct bytes *b)
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

	if (!get_bytes(it, &b))
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
		if (!get_bytes(&sub, &a->v[n]))
			bytes_set(&a->v[n], "", 0);
		n++;
	}
	a->n = n;
}

static void
get_execs(const bson_iter_t *it, struct task *t)
{
	bson_iter_t arr, doc;

	if (!BSON_ITER_HOLDS_ARRAY(it) || !bson_iter_recurse(it, &arr))
		return;
	while (bson_iter_next(&arr) && t->nexec < EXECVE_MAX * 4) {
		struct exec e;
		int64_t ms = NS_NONE, ns = NS_NONE;

		if (!BSON_ITER_HOLDS_DOCUMENT(&arr) ||
		    !bson_iter_recurse(&arr, &doc))
			continue;
		memset(&e, 0, sizeof(e));
		while (bson_iter_next(&doc)) {
			const char *k = bson_iter_key(&doc);

			if (strcmp(k, F_EXEC_NS) == 0)
				get_i64(&doc, &ns);
			else if (strcmp(k, F_EXEC_TS) == 0)
				get_date_ns(&doc, &ms);
			else if (strcmp(k, F_ARGS) == 0)
				get_argv(&doc, &e.args);
			else if (strcmp(k, F_EXE) == 0)
				get_bytes(&doc, &e.exe);
			else if (strcmp(k, F_CWD) == 0)
				get_bytes(&doc, &e.cwd);
		}
		e.ns = ns != NS_NONE ? ns : ms;
		t->execs =
		    mem_reallocarray(t->execs, t->nexec + 1, sizeof(*t->execs));
		t->execs[t->nexec++] = e;
	}
}

/* what a pids document said besides the task's own fields */
struct task_seen {
	bool pid, tgid, thread;
	int64_t start_ms, exit_ms; /* the dates, as ns */
};

static void
task_field(const bson_iter_t *it, const char *k, struct task *t,
           struct task_seen *seen)
{
	if (strcmp(k, F_ID) == 0)
		t->id = get_cstr(it);
	else if (strcmp(k, F_HOST) == 0)
		t->host = get_cstr(it);
	else if (strcmp(k, F_BOOT) == 0)
		t->boot = get_cstr(it);
	else if (strcmp(k, F_PID) == 0)
		seen->pid = get_i32(it, &t->pid);
	else if (strcmp(k, F_TGID) == 0)
		seen->tgid = get_i32(it, &t->tgid);
	else if (strcmp(k, F_THREAD) == 0) {
		seen->thread = true;
		t->thread = bson_iter_as_bool(it);
	} else if (strcmp(k, F_PPID) == 0)
		t->has_ppid = get_i32(it, &t->ppid);
	else if (strcmp(k, F_PARENT_TGID) == 0)
		t->has_ptgid = get_i32(it, &t->parent_tgid);
	else if (strcmp(k, F_PARENT_ID) == 0)
		t->parent_id = get_cstr(it);
	else if (strcmp(k, F_START_TICKS) == 0)
		t->has_ticks = get_i64(it, &t->start_ticks);
	else if (strcmp(k, F_START_NS) == 0)
		t->has_start = get_i64(it, &t->start_ns);
	else if (strcmp(k, F_START_TS) == 0)
		get_date_ns(it, &seen->start_ms);
	else if (strcmp(k, F_STAR) == 0)
		t->star = bson_iter_as_bool(it);
	else if (strcmp(k, F_COMM) == 0)
		get_bytes(it, &t->comm);
	else if (strcmp(k, F_EXE) == 0)
		get_bytes(it, &t->exe);
	else if (strcmp(k, F_CWD) == 0)
		get_bytes(it, &t->cwd);
	else if (strcmp(k, F_ARGS) == 0)
		get_argv(it, &t->args);
	else if (strcmp(k, F_ARGS_TRUNC) == 0)
		t->args_trunc = bson_iter_as_bool(it);
	else if (strcmp(k, F_EXECVE) == 0)
		get_execs(it, t);
	else if (strcmp(k, F_EXECVE_COUNT) == 0)
		get_i32(it, &t->execve_count);
	else if (strcmp(k, F_EXIT_NS) == 0)
		t->has_exit = get_i64(it, &t->exit_ns);
	else if (strcmp(k, F_EXIT_TS) == 0)
		get_date_ns(it, &seen->exit_ms);
	else if (strcmp(k, F_EXIT_STATUS) == 0)
		t->has_status = get_i32(it, &t->exit_status);
	else if (strcmp(k, F_EXIT_CODE) == 0)
		t->has_code = get_i32(it, &t->exit_code);
	else if (strcmp(k, F_EXIT_SIGNAL) == 0)
		t->has_signal = get_i32(it, &t->exit_signal);
	else if (strcmp(k, F_DOCKER_ID) == 0)
		t->docker_id = get_cstr(it);
	else if (strcmp(k, F_ROOTFS) == 0)
		get_bytes(it, &t->rootfs);
	else if (strcmp(k, F_SETNS) == 0)
		t->setns = bson_iter_as_bool(it);
	else if (strcmp(k, F_SOURCE) == 0)
		get_bytes(it, &t->source);
}

/* a wait status says how it ended when code/signal are missing */
static void
exit_from_status(struct task *t)
{
	if (t->has_status && !t->has_code && !t->has_signal) {
		int32_t v = t->exit_status;

		if ((v & 0x7f) == 0) {
			t->exit_code = (int32_t)((v >> 8) & 0xff);
			t->has_code = true;
		} else if ((v & 0x7f) != 0x7f) {
			t->exit_signal = (int32_t)(v & 0x7f);
			t->has_signal = true;
		}
	}
}

int
decode_task(const bson_t *doc, struct task *t)
{
	struct task_seen seen = {false, false, false, NS_NONE, NS_NONE};
	bson_iter_t it;

	memset(t, 0, sizeof(*t));
	if (!bson_iter_init(&it, doc))
		return -1;
	while (bson_iter_next(&it))
		task_field(&it, bson_iter_key(&it), t, &seen);
	if (t->id == NULL || !seen.pid) {
		log_debug("a pids document without a usable _id or pid: "
		          "skipped");
		model_task_free(t);
		return -1;
	}
	if (!seen.tgid)
		t->tgid = t->pid;
	if (!seen.thread)
		t->thread = t->pid != t->tgid;
	if (!t->has_start && seen.start_ms != NS_NONE) {
		t->start_ns = seen.start_ms;
		t->has_start = true;
	}
	if (!t->has_exit && seen.exit_ms != NS_NONE) {
		t->exit_ns = seen.exit_ms;
		t->has_exit = true;
	}
	exit_from_status(t);
	if (t->docker_id != NULL && t->docker_id[0] == '\0') {
		free(t->docker_id);
		t->docker_id = NULL;
	}
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

static enum file_op
op_of(const struct bytes *op)
{
	if (op->set && op->n == 6 && memcmp(op->p, "rename", 6) == 0)
		return FOP_RENAME;
	if (op->set && op->n == 6 && memcmp(op->p, "unlink", 6) == 0)
		return FOP_UNLINK;
	return FOP_OPEN;
}

/* a *_ns field, or its *_timestamp twin when the ns one is absent */
static void
get_time(const bson_iter_t *it, const char *k, const char *nsk, const char *tsk,
         int64_t *ns)
{
	int64_t ms;

	if (strcmp(k, nsk) == 0)
		get_i64(it, ns);
	else if (strcmp(k, tsk) == 0 && *ns == NS_NONE && get_date_ns(it, &ms))
		*ns = ms;
}

static void
file_field(const bson_iter_t *it, const char *k, struct file_doc *d,
           struct bytes *op, struct bytes *then_op)
{
	struct file *f = &d->f;

	if (strcmp(k, F_ID) == 0 && f->id == NULL)
		f->id = get_cstr(it);
	else if (strcmp(k, F_PROC_ID) == 0 && d->proc_id == NULL)
		d->proc_id = get_cstr(it);
	else if (strcmp(k, F_OP) == 0)
		get_bytes(it, op);
	else if (strcmp(k, F_FILENAME) == 0)
		get_bytes(it, &f->raw_path);
	else if (strcmp(k, F_NEW_FILENAME) == 0)
		get_bytes(it, &d->new_path);
	else if (strcmp(k, F_THEN_OP) == 0)
		get_bytes(it, then_op);
	else if (strcmp(k, F_THEN_PROC_ID) == 0 && d->then_proc == NULL)
		d->then_proc = get_cstr(it);
	else if (strcmp(k, F_FD) == 0)
		get_i32(it, &f->fd);
	else if (strcmp(k, F_FLAGS) == 0)
		get_i32(it, &f->flags);
	else if (strcmp(k, F_CLOSE_BY) == 0)
		get_bytes(it, &f->closed_by);
	else if (strcmp(k, F_WRITE_COUNT) == 0)
		get_i64(it, &f->writes);
	else if (strcmp(k, F_WRITE_BYTES) == 0)
		get_i64(it, &f->write_bytes);
	get_time(it, k, F_THEN_NS, F_THEN_TS, &d->then_ns);
	get_time(it, k, F_OPEN_NS, F_OPEN_TS, &f->open_ns);
	get_time(it, k, F_CLOSE_NS, F_CLOSE_TS, &f->close_ns);
	get_time(it, k, F_OP_NS, F_OP_TS, &f->ns);
}

int
decode_file(const bson_t *doc, struct file_doc *d)
{
	struct bytes op = {0}, then_op = {0};
	bson_iter_t it;

	memset(d, 0, sizeof(*d));
	d->f.open_ns = d->f.close_ns = d->f.ns = d->then_ns = NS_NONE;
	if (bson_iter_init(&it, doc))
		while (bson_iter_next(&it))
			file_field(&it, bson_iter_key(&it), d, &op, &then_op);
	d->f.has_close = d->f.close_ns != NS_NONE;
	d->f.op = op_of(&op);
	d->joined = then_op.set;
	d->then_op = op_of(&then_op);
	bytes_free(&op);
	bytes_free(&then_op);
	if (!d->f.raw_path.set)
		bytes_set(&d->f.raw_path, "", 0);
	if (d->f.id == NULL || d->proc_id == NULL) {
		log_debug("a files document without a usable _id or "
		          "process_id: skipped");
		decode_file_free(d);
		return -1;
	}
	return 0;
}

void
decode_file_free(struct file_doc *d)
{
	model_file_free(&d->f);
	free(d->proc_id);
	free(d->then_proc);
	bytes_free(&d->new_path);
	memset(d, 0, sizeof(*d));
}

void
decode_gap(const bson_t *doc, struct gap *g)
{
	bson_iter_t it;

	memset(g, 0, sizeof(*g));
	g->from_ns = g->to_ns = NS_NONE;
	/* a gap has few fields: looked up by name */
	if (bson_iter_init_find(&it, doc, F_HOST))
		g->host = get_cstr(&it);
	if (bson_iter_init_find(&it, doc, F_BOOT))
		g->boot = get_cstr(&it);
	if (bson_iter_init_find(&it, doc, F_GAP_SOURCE))
		get_bytes(&it, &g->source);
	if (bson_iter_init_find(&it, doc, F_GAP_FROM))
		get_date_ns(&it, &g->from_ns);
	if (bson_iter_init_find(&it, doc, F_GAP_TO))
		get_date_ns(&it, &g->to_ns);
	if (bson_iter_init_find(&it, doc, F_GAP_COUNT))
		get_i64(&it, &g->count);
}
