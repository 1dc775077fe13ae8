/* render_common.c - what the renderers and save.c share (render.h). */
#include "render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "util.h"
#include "vis.h"

#define NS_PER_S 1000000000LL

void
render_time(struct buf *b, int64_t ns, bool local)
{
	time_t sec = (time_t)(ns / NS_PER_S);
	long frac = (long)(ns % NS_PER_S), off;
	struct tm tm;
	char t[48];

	if (!local) {
		util_fmt_rfc3339(ns, t, sizeof(t));
		buf_adds(b, t);
		return;
	}
	if (frac < 0) {
		frac += NS_PER_S;
		sec--;
	}
	if (localtime_r(&sec, &tm) == NULL) {
		buf_adds(b, "invalid");
		return;
	}
	off = tm.tm_gmtoff / 60;
	buf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%09ld%c%02ld:%02ld",
	           tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	           tm.tm_min, tm.tm_sec, frac, off < 0 ? '-' : '+',
	           labs(off) / 60, labs(off) % 60);
}

const char *
render_root_kind(const struct proc *p)
{
	static const char *const kinds[] = {"usermode_helper", "setns"};
	const struct bytes *s = &p->lead.source;
	size_t i;

	if (!p->lead.star)
		return NULL;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (s->set && s->n == strlen(kinds[i]) &&
		    memcmp(s->p, kinds[i], s->n) == 0)
			return kinds[i];
	return NULL;
}

const char *
render_second_kind(const struct file *f)
{
	if (!f->given2.set && !f->unverified2)
		return NULL;
	if (f->op == FOP_RENAME)
		return "new";
	return f->source.set ? "source" : "target";
}

bool
render_before_log(const struct proc *p)
{
	static const char kind[] = "replay_before";
	const struct bytes *s = &p->lead.source;

	return s->set && s->n == sizeof(kind) - 1 &&
	       memcmp(s->p, kind, s->n) == 0;
}

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

void
render_bytes(struct buf *b, const struct bytes *s, size_t max)
{
	if (s == NULL || !s->set) {
		buf_adds(b, "-");
		return;
	}
	vis_text(b, s->p, s->n < max ? s->n : max);
	if (s->n > max) /* cut for size: said so */
		buf_printf(b, "...[+%zu bytes]", s->n - max);
}

void
render_path(struct buf *b, const struct bytes *s, size_t max)
{
	if (s == NULL || !s->set) {
		buf_adds(b, "-");
		return;
	}
	vis_shell_arg(b, s->p, s->n, max);
}
