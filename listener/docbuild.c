/* docbuild.c - see docbuild.h: pids, gaps and runs documents (fds and
 * files: docbuild_file.c, containers: docbuild_ct.c). */
#include "docbuild.h"
#include "docbuild_impl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esc.h"
#include "log.h"
#include "path.h"
#include "schema.h"

void
docbuild_append_bytes(bson_t *b, const char *key, const char *p, size_t n)
{
	if (esc_is_clean(p, n))
		bson_append_utf8(b, key, -1, p, (int)n);
	else
		bson_append_binary(b, key, -1, BSON_SUBTYPE_BINARY,
		                   (const uint8_t *)p, (uint32_t)n);
}

void
docbuild_id(bson_t *sel, const char *id)
{
	BSON_APPEND_UTF8(sel, F_ID, id);
}

/* ---- a task's document before it is written ---- */

struct task_doc *
docbuild_doc_new(void)
{
	struct task_doc *d = calloc(1, sizeof(*d));

	if (d != NULL) { /* bson_new() aborts rather than fail */
		d->execs = bson_new();
		d->last = bson_new();
		return d;
	}
	log_warn("docbuild: calloc");
	return NULL;
}

void
docbuild_doc_free(struct task_doc *d)
{
	if (d == NULL)
		return;
	bson_destroy(d->execs);
	bson_destroy(d->last);
	free(d->rootfs);
	free(d);
}

static void
append_args(bson_t *b, const char *key, const struct exec_info *x)
{
	bson_t arr;
	unsigned int i;
	char idx[16];

	BSON_APPEND_ARRAY_BEGIN(b, key, &arr);
	for (i = 0; i < x->argc; i++) {
		docbuild_idx(idx, i);
		docbuild_append_bytes(&arr, idx, x->argv[i].p, x->argv[i].n);
	}
	bson_append_array_end(b, &arr);
}

/* exe and cwd when known */
static void
append_where(bson_t *b, const struct exec_info *x)
{
	if (x->exe.n > 0)
		docbuild_append_bytes(b, F_EXE, x->exe.p, x->exe.n);
	/* the kernel prints "<too_long>" (or another marker) for a cwd it
	 * cannot print as a path: kept, but not as the cwd */
	if (x->cwd.n > 0 && x->cwd.p[0] == '/')
		docbuild_append_bytes(b, F_CWD, x->cwd.p, x->cwd.n);
	else if (x->cwd.n > 0)
		docbuild_append_bytes(b, F_CWD_UNKNOWN, x->cwd.p, x->cwd.n);
}

/* What shows a cut argv (docs/schema.md "Cut arguments"): the cut
 * arguments' tails, the SHA-256 of the whole argv; and where argv came
 * from when not from the EXECVE records. */
static void
append_args_extra(bson_t *b, const struct exec_info *x)
{
	bson_t arr, ent;
	unsigned int i;
	char idx[16];

	if (x->ncut > 0) {
		BSON_APPEND_ARRAY_BEGIN(b, F_ARGS_CUT, &arr);
		for (i = 0; i < x->ncut; i++) {
			docbuild_idx(idx, i);
			BSON_APPEND_DOCUMENT_BEGIN(&arr, idx, &ent);
			BSON_APPEND_INT32(&ent, F_ARGS_CUT_INDEX,
			                  (int32_t)x->cut[i].index);
			BSON_APPEND_INT64(&ent, F_ARGS_CUT_LENGTH,
			                  (int64_t)x->cut[i].length);
			docbuild_append_bytes(&ent, F_ARGS_CUT_TAIL,
			                      x->cut[i].tail.p,
			                      x->cut[i].tail.n);
			bson_append_document_end(&arr, &ent);
		}
		bson_append_array_end(b, &arr);
	}
	if (x->ncut_lost > 0)
		BSON_APPEND_INT32(b, F_ARGS_CUT_LOST, (int32_t)x->ncut_lost);
	if (x->truncated && x->sha256 != NULL)
		BSON_APPEND_UTF8(b, F_ARGS_SHA256, x->sha256);
	if (x->from_proctitle)
		BSON_APPEND_UTF8(b, F_ARGS_SOURCE, "proctitle");
	else if (x->args_missing)
		BSON_APPEND_UTF8(b, F_ARGS_SOURCE, "none");
}

bool
docbuild_comm_derivable(struct str comm, struct str exe)
{
	size_t i = path_base(exe.p, exe.n), n = exe.n - i;

	if (n > COMM_LEN_MAX)
		n = COMM_LEN_MAX;
	return exe.n > 0 && comm.n > 0 && comm.n == n &&
	       memcmp(comm.p, exe.p + i, n) == 0;
}

/* lean: comm left out when exe's base name says it (the document's own
 * fields, never a $set: an update could leave an older comm beside a new
 * exe) */
static void
append_info(bson_t *set, const struct exec_info *x, bool lean)
{
	append_args(set, F_ARGS, x);
	if (x->truncated)
		BSON_APPEND_BOOL(set, F_ARGS_TRUNC, true);
	append_args_extra(set, x);
	append_where(set, x);
	if (x->comm.n > 0 &&
	    !(lean && docbuild_comm_derivable(x->comm, x->exe)))
		docbuild_append_bytes(set, F_COMM, x->comm.p, x->comm.n);
}

static void
append_exec_entry(bson_t *arr, const char *idx, const struct exec_info *x)
{
	bson_t ent;

	BSON_APPEND_DOCUMENT_BEGIN(arr, idx, &ent);
	BSON_APPEND_INT64(&ent, F_EXEC_NS, x->ns); /* no date twin (#22) */
	append_args(&ent, F_ARGS, x);
	append_args_extra(&ent, x);
	append_where(&ent, x);
	bson_append_document_end(arr, &ent);
}

void
docbuild_doc_exec(struct task_doc *d, const struct exec_info *x)
{
	char idx[16];

	if (d->nexecs < EXECVE_MAX) {
		docbuild_idx(idx, d->nexecs);
		append_exec_entry(d->execs, idx, x);
	}
	d->nexecs++;
	docbuild_doc_info(d, x);
	d->last_is_exec = true;
	d->last_exec_ns = x->ns;
}

void
docbuild_doc_info(struct task_doc *d, const struct exec_info *x)
{
	bson_reinit(d->last);
	append_info(d->last, x, true);
	d->last_is_exec = false;
}

int
docbuild_doc_rootfs(struct task_doc *d, const char *p, size_t n)
{
	char *r = strndup(p, n);

	if (r == NULL) {
		log_warn("docbuild: strndup");
		return -1;
	}
	free(d->rootfs);
	d->rootfs = r;
	return 0;
}

size_t
docbuild_bson_bytes(const bson_t *b)
{
	size_t n = 128; /* bson_t: its own bytes, data inline up to 120 */

	if (b->len > 120) /* then a buffer grown by doubling */
		while (n < b->len)
			n *= 2;
	return sizeof(*b) + (b->len > 120 ? n : 0);
}

size_t
docbuild_doc_bytes(const struct task_doc *d)
{
	if (d == NULL)
		return 0;
	return sizeof(*d) + docbuild_bson_bytes(d->execs) +
	       docbuild_bson_bytes(d->last) +
	       (d->rootfs != NULL ? strlen(d->rootfs) + 1 : 0);
}

/* ---- pids ---- */

/* Fields of struct task every pids document has. */
static void
task_fields(bson_t *b, const struct task *k)
{
	BSON_APPEND_INT32(b, F_PID, k->pid);
	BSON_APPEND_INT32(b, F_TGID, k->tgid);
	if (k->thread) /* absent on processes: every field costs the store */
		BSON_APPEND_BOOL(b, F_THREAD, true);
	BSON_APPEND_INT32(b, F_PPID, k->ppid);
	if (k->ptgid != k->ppid) /* absent: the same (issue 22) */
		BSON_APPEND_INT32(b, F_PARENT_TGID, k->ptgid);
	if (k->parent_id[0] != '\0')
		BSON_APPEND_UTF8(b, F_PARENT_ID, k->parent_id);
	BSON_APPEND_INT64(b, F_START_TICKS, (int64_t)k->start_ticks);
	/* ns only: its date twin cost a field on every document (issue 22) */
	BSON_APPEND_INT64(b, F_START_NS, k->start_ns);
	if (k->daemon || k->root)
		BSON_APPEND_BOOL(b, F_STAR, true);
	if (k->docker_id[0] != '\0')
		BSON_APPEND_UTF8(b, F_DOCKER_ID, k->docker_id);
}

static void
exit_fields(bson_t *b, const struct task *k)
{
	uint32_t status = k->exit_status;

	BSON_APPEND_INT64(b, F_EXIT_NS, k->exit_ns);
	/* the wait status only when code or signal do not say all of it
	 * (a core dump's bit, a stop): docs/schema.md */
	if (!docbuild_status_derivable(status))
		BSON_APPEND_INT32(b, F_EXIT_STATUS, (int32_t)status);
	if ((status & 0x7f) == 0)
		BSON_APPEND_INT32(b, F_EXIT_CODE,
		                  (int32_t)((status >> 8) & 0xff));
	else
		BSON_APPEND_INT32(b, F_EXIT_SIGNAL, (int32_t)(status & 0x7f));
}

bool
docbuild_status_derivable(uint32_t status)
{
	if ((status & 0x7f) == 0)
		return (status & ~0xff00u) == 0;
	return status <= 0x7e; /* a signal, no core dump */
}

/* The newest execve entry as its time only, when the document's own args,
 * exe and cwd are that exec's; the others as built. */
static void
append_execs_whole(bson_t *doc, const struct task_doc *d)
{
	bson_iter_t it;
	bson_t arr, ent;
	char last[16];

	docbuild_idx(last, d->nexecs - 1);
	BSON_APPEND_ARRAY_BEGIN(doc, F_EXECVE, &arr);
	if (bson_iter_init(&it, d->execs))
		while (bson_iter_next(&it)) {
			if (strcmp(bson_iter_key(&it), last) != 0) {
				bson_append_iter(&arr, NULL, 0, &it);
				continue;
			}
			BSON_APPEND_DOCUMENT_BEGIN(&arr, last, &ent);
			BSON_APPEND_INT64(&ent, F_EXEC_NS, d->last_exec_ns);
			bson_append_document_end(&arr, &ent);
		}
	bson_append_array_end(doc, &arr);
}

static void
append_execs(bson_t *doc, const struct docctx *cx, const struct task_doc *d)
{
	if (cx->whole && d->last_is_exec && d->nexecs <= EXECVE_MAX)
		append_execs_whole(doc, d);
	else
		BSON_APPEND_ARRAY(doc, F_EXECVE, d->execs);
	BSON_APPEND_INT32(doc, F_EXECVE_COUNT, (int32_t)d->nexecs);
}

void
docbuild_task(bson_t *doc, const struct docctx *cx, const struct task *k,
              const struct task_doc *d, bool final)
{
	char id[TASK_ID_MAX + 8];

	if (final) {
		snprintf(id, sizeof(id), "%s:final", k->id);
		BSON_APPEND_UTF8(doc, F_ID, id);
		BSON_APPEND_UTF8(doc, F_FINAL_OF, k->id);
	} else {
		BSON_APPEND_UTF8(doc, F_ID, k->id);
	}
	docbuild_origin(doc, cx);
	BSON_APPEND_UTF8(doc, F_SOURCE, k->wb.source ? k->wb.source : "audit");
	task_fields(doc, k);
	if (d != NULL) {
		bson_concat(doc, d->last);
		if (d->rootfs != NULL)
			BSON_APPEND_UTF8(doc, F_ROOTFS, d->rootfs);
		if (d->setns)
			BSON_APPEND_BOOL(doc, F_SETNS, true);
	}
	if (k->exited)
		exit_fields(doc, k);
	if (d != NULL && d->nexecs > 0)
		append_execs(doc, cx, d);
}

void
docbuild_exec_update(bson_t *upd, const struct task *k,
                     const struct exec_info *x)
{
	bson_t set, add, max;

	BSON_APPEND_DOCUMENT_BEGIN(upd, "$set", &set);
	append_info(&set, x, false);
	bson_append_document_end(upd, &set);
	if (k->nexec <= EXECVE_MAX) {
		/* $addToSet: a replayed exec is the same element. */
		BSON_APPEND_DOCUMENT_BEGIN(upd, "$addToSet", &add);
		append_exec_entry(&add, F_EXECVE, x);
		bson_append_document_end(upd, &add);
	}
	BSON_APPEND_DOCUMENT_BEGIN(upd, "$max", &max);
	BSON_APPEND_INT32(&max, F_EXECVE_COUNT, (int32_t)k->nexec);
	bson_append_document_end(upd, &max);
}

void
docbuild_exit_update(bson_t *upd, const struct task *k)
{
	bson_t set;

	BSON_APPEND_DOCUMENT_BEGIN(upd, "$set", &set);
	exit_fields(&set, k);
	bson_append_document_end(upd, &set);
}

void
docbuild_set_bytes(bson_t *upd, const char *key, const char *p, size_t n)
{
	bson_t set;

	BSON_APPEND_DOCUMENT_BEGIN(upd, "$set", &set);
	docbuild_append_bytes(&set, key, p, n);
	bson_append_document_end(upd, &set);
}

void
docbuild_set_true(bson_t *upd, const char *key)
{
	bson_t set;

	BSON_APPEND_DOCUMENT_BEGIN(upd, "$set", &set);
	BSON_APPEND_BOOL(&set, key, true);
	bson_append_document_end(upd, &set);
}

/* ---- gaps and runs ---- */

/* {_id: <fmt...>} and {$set: {host, boot_id, ...}} left open in set */
static void begin_set(bson_t *sel, bson_t *upd, bson_t *set,
                      const struct docctx *cx, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
begin_set(bson_t *sel, bson_t *upd, bson_t *set, const struct docctx *cx,
          const char *fmt, ...)
{
	char id[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(id, sizeof(id), fmt, ap);
	va_end(ap);
	docbuild_id(sel, id);
	BSON_APPEND_DOCUMENT_BEGIN(upd, "$set", set);
	docbuild_origin(set, cx);
}

void
docbuild_gap(bson_t *sel, bson_t *upd, const struct docctx *cx,
             const char *source, int64_t from_ns, int64_t to_ns, uint64_t count)
{
	bson_t set;

	begin_set(sel, upd, &set, cx, "%s:%s:%s:%" PRId64, cx->host,
	          cx->boot_id, source, from_ns);
	BSON_APPEND_UTF8(&set, F_GAP_SOURCE, source);
	docbuild_time(&set, F_GAP_FROM, F_GAP_FROM_NS, from_ns);
	docbuild_time(&set, F_GAP_TO, F_GAP_TO_NS, to_ns);
	BSON_APPEND_INT64(&set, F_GAP_COUNT, (int64_t)count);
	bson_append_document_end(upd, &set);
}

void
docbuild_run(bson_t *sel, bson_t *upd, const struct docctx *cx, int pid,
             int64_t start_ns, int64_t stop_ns, int64_t seen_ns)
{
	bson_t set;

	begin_set(sel, upd, &set, cx, "%s:%s:%d:%" PRId64, cx->host,
	          cx->boot_id, pid, start_ns);
	BSON_APPEND_INT32(&set, F_PID, pid);
	BSON_APPEND_UTF8(&set, F_VERSION, GODO_VERSION);
	docbuild_time(&set, F_START_TS, F_START_NS, start_ns);
	if (stop_ns != 0)
		docbuild_date(&set, F_STOP_TS, stop_ns);
	BSON_APPEND_INT64(&set, F_LAST_SEEN_NS, seen_ns);
	bson_append_document_end(upd, &set);
}
