/* docbuild_file.c - the fds and files documents of docbuild.h: open
 * sessions, closed files, path and metadata operations, joined ops. */
#include "docbuild.h"
#include "docbuild_impl.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "schema.h"

/* ---- fds and files ---- */

/* What a file or operation document says of the process. */
static void
append_proc(bson_t *b, const struct docctx *cx, const char *op,
            const struct task *proc)
{
	docbuild_origin(b, cx);
	BSON_APPEND_UTF8(b, F_OP, op);
	BSON_APPEND_UTF8(b, F_PROC_ID, proc->id);
	BSON_APPEND_INT32(b, F_PID, proc->pid);
	BSON_APPEND_INT32(b, F_TGID, proc->tgid);
	if (proc->docker_id[0] != '\0')
		BSON_APPEND_UTF8(b, F_DOCKER_ID, proc->docker_id);
}

/* The processes that wrote through f, as task _ids (tracker_set_id's
 * form), and how many writes came from processes beyond the list. */
static void
append_writers(bson_t *b, const struct docctx *cx, const struct openfile *f,
               const struct task *proc)
{
	bson_t arr;
	unsigned int i;
	char idx[16], id[TASK_ID_MAX];

	if (f->nwriters == 0)
		return;
	/* absent with writes: the file's own process alone (docs/schema.md
	 * "Fields left out") */
	if (f->nwriters == 1 && f->writers_more == 0 &&
	    f->writers[0].pid == proc->pid &&
	    f->writers[0].ticks == proc->start_ticks)
		return;
	BSON_APPEND_ARRAY_BEGIN(b, F_WRITERS, &arr);
	for (i = 0; i < f->nwriters; i++) {
		docbuild_idx(idx, i);
		snprintf(id, sizeof(id), "%s:%d:%" PRIu64, cx->boot_id,
		         f->writers[i].pid, f->writers[i].ticks);
		BSON_APPEND_UTF8(&arr, idx, id);
	}
	bson_append_array_end(b, &arr);
	if (f->writers_more > 0)
		BSON_APPEND_INT64(b, F_WRITERS_MORE, (int64_t)f->writers_more);
}

/* "major:minor" in decimal. */
static void
append_devno(bson_t *b, const char *key, uint32_t major, uint32_t minor)
{
	char v[24];

	snprintf(v, sizeof(v), "%" PRIu32 ":%" PRIu32, major, minor);
	BSON_APPEND_UTF8(b, key, v);
}

/* What path resolution found for a session's filename (pathres.h). */
static void
append_file_names(bson_t *b, const struct openfile *f)
{
	if (f->raw_path != NULL)
		docbuild_append_bytes(b, F_RAW_PATH, f->raw_path, f->rawlen);
	if (f->path_unverified)
		BSON_APPEND_BOOL(b, F_PATH_UNVERIFIED, true);
	if (f->cwd_unknown)
		BSON_APPEND_BOOL(b, F_CWD_UNKNOWN, true);
	if (f->tmpfile)
		BSON_APPEND_BOOL(b, F_TMPFILE, true);
	if (f->has_inode) {
		BSON_APPEND_INT64(b, F_INODE, (int64_t)f->inode);
		append_devno(b, F_DEV, f->dev_major, f->dev_minor);
	}
}

void
docbuild_file(bson_t *b, const struct docctx *cx, const struct openfile *f,
              const struct task *proc)
{
	bson_t arr;
	unsigned int i;
	char idx[16];

	append_proc(b, cx, OP_OPEN, proc);
	docbuild_append_bytes(b, F_FILENAME, f->path, f->pathlen);
	BSON_APPEND_INT32(b, F_FD, f->fd);
	BSON_APPEND_INT32(b, F_FLAGS, (int32_t)f->flags);
	docbuild_time(b, F_OPEN_TS, F_OPEN_NS, f->open_ns);
	BSON_APPEND_INT64(b, F_WRITE_COUNT, (int64_t)f->wcount);
	BSON_APPEND_INT64(b, F_WRITE_BYTES, (int64_t)f->wbytes);
	if (f->wcount > 0) {
		BSON_APPEND_INT64(b, F_FIRST_WRITE, f->first_w);
		BSON_APPEND_INT64(b, F_LAST_WRITE, f->last_w);
	}
	/* absent when nothing was written, or when it is one date: then
	 * first_write_ns's millisecond (#22) */
	if (f->nwritten > 1) {
		BSON_APPEND_ARRAY_BEGIN(b, F_WRITTEN, &arr);
		for (i = 0; i < f->nwritten; i++) {
			docbuild_idx(idx, i);
			docbuild_date(&arr, idx, f->written[i]);
		}
		bson_append_array_end(b, &arr);
	}
	if (f->mapped) {
		BSON_APPEND_BOOL(b, F_MAPPED, true);
		BSON_APPEND_INT64(b, F_MAPPED_NS, f->mapped_ns);
	}
	append_writers(b, cx, f, proc);
	append_file_names(b, f);
}

void
docbuild_file_closed(bson_t *b, const struct docctx *cx,
                     const struct openfile *f, const struct task *proc,
                     int64_t close_ns, const char *by)
{
	docbuild_file(b, cx, f, proc);
	docbuild_time(b, F_CLOSE_TS, F_CLOSE_NS, close_ns);
	if (strcmp(by, "close") != 0) /* absent: "close" */
		BSON_APPEND_UTF8(b, F_CLOSE_BY, by);
}

void
docbuild_op_id(char *id, size_t cap, const struct task *proc, const char *op,
               uint64_t serial)
{
	snprintf(id, cap, "%s:%s:%" PRIu64, proc->id, op, serial);
}

void
docbuild_op(bson_t *b, const struct docctx *cx, const struct task *proc,
            const char *op, int64_t ns, struct str path, struct str newpath)
{
	append_proc(b, cx, op, proc);
	docbuild_append_bytes(b, F_FILENAME, path.p, path.n);
	if (newpath.p != NULL)
		docbuild_append_bytes(b, F_NEW_FILENAME, newpath.p, newpath.n);
	docbuild_time(b, F_OP_TS, F_OP_NS, ns);
}

/* One name's marks (pathres.h): its name as given (p NULL: none) and
 * whether it is unconfirmed. */
static void
append_marks(bson_t *b, const char *raw_key, struct str raw,
             const char *unverified_key, bool unverified)
{
	if (raw.p != NULL)
		docbuild_append_bytes(b, raw_key, raw.p, raw.n);
	if (unverified)
		BSON_APPEND_BOOL(b, unverified_key, true);
}

/* What path resolution found for an operation's names (pathres.h). */
static void
append_meta_names(bson_t *b, const struct meta_op *m)
{
	append_marks(b, F_RAW_PATH, m->raw_path, F_PATH_UNVERIFIED,
	             m->path_unverified);
	if (m->cwd_unknown)
		BSON_APPEND_BOOL(b, F_CWD_UNKNOWN, true);
	append_marks(b, F_NEW_RAW_PATH, m->new_raw_path, F_NEW_PATH_UNVERIFIED,
	             m->new_path_unverified);
	append_marks(b, F_TARGET_RAW_PATH, m->target_raw, F_TARGET_UNVERIFIED,
	             m->target_unverified);
	append_marks(b, F_SOURCE_RAW_PATH, m->source_raw, F_SOURCE_UNVERIFIED,
	             m->source_unverified);
}

/* The fields of the operations after mknod (h-fid). */
static void
append_more(bson_t *b, const struct meta_op *m)
{
	if (m->newpath.p != NULL)
		docbuild_append_bytes(b, F_NEW_FILENAME, m->newpath.p,
		                      m->newpath.n);
	if (m->exchange)
		BSON_APPEND_BOOL(b, F_EXCHANGE, true);
	if (m->source.p != NULL)
		docbuild_append_bytes(b, F_MOUNT_SOURCE, m->source.p,
		                      m->source.n);
	if (m->has_flags)
		BSON_APPEND_INT64(b, F_FLAGS, m->flags);
	if (m->falloc_mode != NULL)
		BSON_APPEND_UTF8(b, F_FALLOC_MODE, m->falloc_mode);
	if (m->has_range) {
		BSON_APPEND_INT64(b, F_OFFSET, m->offset);
		BSON_APPEND_INT64(b, F_LENGTH, m->length);
	}
	if (m->has_rdev)
		append_devno(b, F_RDEV, m->rdev_major, m->rdev_minor);
	if (m->has_inode) {
		BSON_APPEND_INT64(b, F_INODE, (int64_t)m->inode);
		append_devno(b, F_DEV, m->dev_major, m->dev_minor);
	}
	append_meta_names(b, m);
}

void
docbuild_meta(bson_t *b, const struct docctx *cx, const struct task *proc,
              int64_t ns, const struct meta_op *m)
{
	append_proc(b, cx, m->op, proc);
	if (m->path.p != NULL)
		docbuild_append_bytes(b, F_FILENAME, m->path.p, m->path.n);
	if (m->target.p != NULL)
		docbuild_append_bytes(b, F_TARGET, m->target.p, m->target.n);
	if (m->fd >= 0)
		BSON_APPEND_INT32(b, F_FD, m->fd);
	if (m->has_mode)
		BSON_APPEND_INT32(b, F_MODE, (int32_t)m->mode);
	if (m->has_ids) {
		BSON_APPEND_INT64(b, F_UID, m->uid);
		BSON_APPEND_INT64(b, F_GID, m->gid);
	}
	if (m->type != NULL)
		BSON_APPEND_UTF8(b, F_TYPE, m->type);
	append_more(b, m);
	docbuild_time(b, F_OP_TS, F_OP_NS, ns);
}

/* Does doc hold an inode (the PATH record's of its file) and is it m's?
 * Not the device: on overlayfs the open's record has the overlay's, an
 * unlink's DELETE item the upper layer's, for the same file. */
static bool
same_file(const bson_t *doc, const struct meta_op *m)
{
	bson_iter_t it;

	return bson_iter_init_find(&it, doc, F_INODE) &&
	       BSON_ITER_HOLDS_INT64(&it) &&
	       (uint64_t)bson_iter_int64(&it) == m->inode;
}

bool
docbuild_then_fits(const bson_t *doc, const struct meta_op *m)
{
	/* a name with marks of its own keeps them in its own document */
	if (m->exchange || m->raw_path.p != NULL || m->path_unverified ||
	    m->cwd_unknown || m->new_raw_path.p != NULL ||
	    m->new_path_unverified)
		return false;
	return !m->has_inode || same_file(doc, m);
}

void
docbuild_then(bson_t *doc, const struct task *proc, int64_t ns,
              const struct meta_op *m)
{
	bson_iter_t it;

	BSON_APPEND_UTF8(doc, F_THEN_OP, m->op);
	docbuild_time(doc, F_THEN_TS, F_THEN_NS, ns);
	/* absent: the file's own process */
	if (!bson_iter_init_find(&it, doc, F_PROC_ID) ||
	    !BSON_ITER_HOLDS_UTF8(&it) ||
	    strcmp(bson_iter_utf8(&it, NULL), proc->id) != 0) {
		BSON_APPEND_UTF8(doc, F_THEN_PROC_ID, proc->id);
		BSON_APPEND_INT32(doc, F_THEN_PID, proc->pid);
	}
	if (m->newpath.p != NULL)
		docbuild_append_bytes(doc, F_NEW_FILENAME, m->newpath.p,
		                      m->newpath.n);
}
