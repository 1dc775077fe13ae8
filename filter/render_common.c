/* render_common.c - what the renderers and save.c share (render.h). */
#include "render.h"

#include <errno.h>
#include <string.h>

#include "cli.h"

const struct bytes *
render_rootfs(const struct proc *p)
{
	if (p->ct != NULL && p->ct->rootfs.set)
		return &p->ct->rootfs;
	if (p->lead.rootfs.set)
		return &p->lead.rootfs;
	return NULL;
}

static int
file_cmp(const void *a, const void *b)
{
	const struct file *x = a, *y = b;
	int64_t s = x->op == FOP_OPEN ? x->open_ns : x->ns;
	int64_t t = y->op == FOP_OPEN ? y->open_ns : y->ns;

	if (s != t)
		return s < t ? -1 : 1;
	return strcmp(x->id, y->id);
}

void
render_sort_files(struct model *m)
{
	mem_sort(m->files, m->nfiles, sizeof(*m->files), file_cmp);
}

void
render_flush(FILE *out, struct buf *b, bool *err)
{
	if (b->oom)
		*err = true;
	if (b->len > 0 && fwrite(b->data, 1, b->len, out) != b->len)
		*err = true;
	buf_reset(b);
}

int
render_end(FILE *out, bool err)
{
	if (fflush(out) != 0)
		err = true;
	if (!err)
		return 0;
	cli_error("writing the output: %s", strerror(errno));
	return -1;
}
