/* render_text_op.c - one op's line of the text report (render.h). */
#include <stdio.h>

#include "render.h"

/* a chown id: "?" when absent */
static void
t_id(struct buf *b, bool has, int64_t id)
{
	if (has)
		buf_printf(b, "%lld", (long long)id);
	else
		buf_addc(b, '?');
}

void
render_text_marks(struct buf *b, const struct bytes *given, bool unverified)
{
	if (given->set) {
		buf_adds(b, " (given as ");
		render_path(b, given, PATH_MAX_SHOWN);
		buf_addc(b, ')');
	}
	if (unverified)
		buf_adds(b, " (path unverified)");
}

/* The details of the ops added by h-fid, each only when present:
 * " exchanged", " punch-hole,keep-size 4096+8192", " from SRC",
 * " flags 0x1000", " rdev 1:3", " inode N dev 254:0" (an op without a path). */
static void
t_op_more(struct buf *b, const struct file *f)
{
	if (f->exchange)
		buf_adds(b, " exchanged");
	if (f->falloc_mode.set) {
		buf_addc(b, ' ');
		render_bytes(b, &f->falloc_mode, 160);
	}
	if (f->has_range)
		buf_printf(b, " %lld+%lld", (long long)f->offset,
		           (long long)f->length);
	if (f->source.set) {
		buf_adds(b, " from ");
		render_path(b, &f->source, PATH_MAX_SHOWN);
		render_text_marks(b, &f->given2, f->unverified2);
	}
	if (f->has_flags)
		buf_printf(b, " flags 0x%x", (unsigned)f->flags);
	if (f->rdev.set) {
		buf_adds(b, " rdev ");
		render_bytes(b, &f->rdev, 32);
	}
	/* an op with a path shows that; only a nameless one (open by
	 * handle) its inode */
	if (f->has_inode && f->path.n == 0) {
		buf_printf(b, " inode %lld dev ", (long long)f->inode);
		render_bytes(b, &f->dev, 32);
	}
}

/* "<op> <path>[ -> new path or target][ mode 4755][ uid:gid][ type]",
 * every string escaped (docs/output.md) */
void
render_text_op(struct buf *b, const struct file *f)
{
	const struct bytes *to =
	    f->op == FOP_RENAME ? &f->new_path : &f->target;

	buf_adds(b, "    ");
	render_bytes(b, &f->op_name, FOP_NAME_MAX);
	buf_addc(b, ' ');
	render_path(b, &f->path, PATH_MAX_SHOWN);
	if (to->set) {
		buf_adds(b, " -> ");
		render_path(b, to, PATH_MAX_SHOWN);
		if (!f->source.set)
			render_text_marks(b, &f->given2, f->unverified2);
	}
	if (f->has_mode)
		buf_printf(b, " mode %04o", (unsigned)f->mode);
	if (f->has_uid || f->has_gid) {
		buf_addc(b, ' ');
		t_id(b, f->has_uid, f->uid);
		buf_addc(b, ':');
		t_id(b, f->has_gid, f->gid);
	}
	if (f->type.set) {
		buf_addc(b, ' ');
		render_bytes(b, &f->type, 64);
	}
	t_op_more(b, f);
}
