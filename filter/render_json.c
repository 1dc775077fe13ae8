/* render_json.c - the JSON contract of docs/output.md. Streams through a
 * buffer flushed every 64 KiB. Invalid UTF-8 comes out as lone surrogates
 * \udc80-\udcff (esc_json), which Python decodes losslessly with
 * s.encode("utf-8", "surrogateescape"). */
#include "render.h"

#include <stdlib.h>
#include <string.h>

#include "esc.h"
#include "util.h"

#define FLUSH_AT (64 * 1024)

struct jw {
	FILE *out;
	struct buf b;
	bool err;
};

static void
jw_flush(struct jw *w)
{
	render_flush(w->out, &w->b, &w->err);
}

static void
jw_maybe_flush(struct jw *w)
{
	if (w->b.len >= FLUSH_AT)
		jw_flush(w);
}

static void
j_str(struct jw *w, const char *p, size_t n)
{
	buf_addc(&w->b, '"');
	esc_json(&w->b, p, n);
	buf_addc(&w->b, '"');
}

static void
j_cstr(struct jw *w, const char *s)
{
	if (s == NULL)
		buf_adds(&w->b, "null");
	else
		j_str(w, s, strlen(s));
}

static void
j_bytes(struct jw *w, const struct bytes *b)
{
	if (b == NULL || !b->set)
		buf_adds(&w->b, "null");
	else
		j_str(w, b->p, b->n);
}

static void
j_time(struct jw *w, int64_t ns)
{
	char t[40];

	if (ns == NS_NONE) {
		buf_adds(&w->b, "null");
		return;
	}
	util_fmt_rfc3339(ns, t, sizeof(t));
	buf_printf(&w->b, "\"%s\"", t);
}

static void
j_key(struct jw *w, const char *k, bool first)
{
	buf_printf(&w->b, "%s\"%s\":", first ? "" : ",", k);
}

static void
j_argv(struct jw *w, const struct argv *a)
{
	size_t i;

	buf_addc(&w->b, '[');
	for (i = 0; i < a->n; i++) {
		if (i)
			buf_addc(&w->b, ',');
		j_bytes(w, &a->v[i]);
	}
	buf_addc(&w->b, ']');
}

static void
j_int_or_null(struct jw *w, bool has, int64_t v)
{
	if (has)
		buf_printf(&w->b, "%lld", (long long)v);
	else
		buf_adds(&w->b, "null");
}

static void
j_task(struct jw *w, const struct task *t)
{
	buf_addc(&w->b, '{');
	j_key(w, "id", true);
	j_cstr(w, t->id);
	j_key(w, "tid", false);
	buf_printf(&w->b, "%d", (int)t->pid);
	j_key(w, "comm", false);
	j_bytes(w, &t->comm);
	j_key(w, "start", false);
	j_time(w, t->has_start ? t->start_ns : NS_NONE);
	j_key(w, "exit", false);
	j_time(w, t->has_exit ? t->exit_ns : NS_NONE);
	j_key(w, "exit_filled", false);
	buf_adds(&w->b, t->exit_filled ? "true" : "false");
	j_key(w, "parent", false);
	j_cstr(w, t->parent_id);
	j_key(w, "ppid", false);
	j_int_or_null(w, t->has_ptgid, t->parent_tgid);
	j_key(w, "parent_fixed", false);
	buf_adds(&w->b, t->parent_fixed ? "true" : "false");
	buf_addc(&w->b, '}');
}

static void
j_proc(struct jw *w, const struct proc *p)
{
	const struct task *t = &p->lead;
	size_t i, n;

	buf_addc(&w->b, '{');
	j_key(w, "id", true);
	j_cstr(w, t->id);
	j_key(w, "host", false);
	j_cstr(w, t->host);
	j_key(w, "boot_id", false);
	j_cstr(w, t->boot);
	j_key(w, "tgid", false);
	buf_printf(&w->b, "%d", (int)t->tgid);
	j_key(w, "parent", false);
	j_cstr(w, p->parent ? p->parent->lead.id : NULL);
	j_key(w, "ppid", false);
	if (p->parent)
		buf_printf(&w->b, "%d", (int)p->parent->lead.tgid);
	else
		j_int_or_null(w, t->has_ptgid, t->parent_tgid);
	j_key(w, "children", false);
	buf_addc(&w->b, '[');
	for (i = n = 0; i < p->nkids; i++) {
		if (!p->kids[i]->keep)
			continue;
		if (n++)
			buf_addc(&w->b, ',');
		j_cstr(w, p->kids[i]->lead.id);
	}
	buf_addc(&w->b, ']');
	j_key(w, "threads", false);
	buf_addc(&w->b, '[');
	for (i = 0; i < p->nthreads; i++)
		buf_printf(&w->b, "%s%d", i ? "," : "", (int)p->threads[i].pid);
	buf_addc(&w->b, ']');
	j_key(w, "tasks", false);
	buf_addc(&w->b, '[');
	for (i = 0; i < p->nthreads; i++) {
		if (i)
			buf_addc(&w->b, ',');
		j_task(w, &p->threads[i]);
	}
	buf_addc(&w->b, ']');
	j_key(w, "comm", false);
	j_bytes(w, &t->comm);
	j_key(w, "exe", false);
	j_bytes(w, &t->exe);
	j_key(w, "args", false);
	j_argv(w, &t->args);
	j_key(w, "args_truncated", false);
	buf_adds(&w->b, t->args_trunc ? "true" : "false");
	j_key(w, "execs", false);
	buf_addc(&w->b, '[');
	for (i = 0; i < t->nexec; i++) {
		const struct exec *e = &t->execs[i];

		buf_adds(&w->b, i ? ",{" : "{");
		j_key(w, "time", true);
		j_time(w, e->ns);
		j_key(w, "args", false);
		j_argv(w, &e->args);
		j_key(w, "exe", false);
		j_bytes(w, &e->exe);
		j_key(w, "cwd", false);
		j_bytes(w, &e->cwd);
		buf_addc(&w->b, '}');
	}
	buf_addc(&w->b, ']');
	j_key(w, "execve_count", false);
	buf_printf(&w->b, "%d",
	           (int)(t->execve_count > (int32_t)t->nexec
	                     ? t->execve_count
	                     : (int32_t)t->nexec));
	j_key(w, "cwd", false);
	j_bytes(w, &t->cwd);
	j_key(w, "container", false);
	j_cstr(w, p->ct ? p->ct->id : NULL);
	j_key(w, "container_name", false);
	j_bytes(w, p->ct ? &p->ct->name : NULL);
	j_key(w, "image", false);
	j_bytes(w, p->ct ? &p->ct->image : NULL);
	j_key(w, "rootfs", false);
	j_bytes(w, render_rootfs(p));
	j_key(w, "star", false);
	buf_adds(&w->b, p->lead.star ? "true" : "false");
	j_key(w, "setns", false);
	buf_adds(&w->b, t->setns ? "true" : "false");
	j_key(w, "start", false);
	j_time(w, model_start(p));
	j_key(w, "exit", false);
	j_time(w, model_exit(p));
	j_key(w, "exit_code", false);
	j_int_or_null(w, t->has_code, t->exit_code);
	j_key(w, "exit_signal", false);
	j_int_or_null(w, t->has_signal, t->exit_signal);
	j_key(w, "outside_window", false);
	buf_adds(&w->b, p->outside ? "true" : "false");
	buf_addc(&w->b, '}');
}

static void
j_file(struct jw *w, const struct file *f)
{
	const struct proc *p = f->owner;

	buf_addc(&w->b, '{');
	j_key(w, "id", true);
	j_cstr(w, f->id);
	j_key(w, "process", false);
	j_cstr(w, p->lead.id);
	j_key(w, "pid", false);
	buf_printf(&w->b, "%d", (int)p->lead.tgid);
	if (f->op != FOP_OPEN) {
		j_key(w, "op", false);
		j_cstr(w, f->op == FOP_RENAME ? "rename" : "unlink");
	}
	j_key(w, "path", false);
	j_bytes(w, &f->path);
	if (f->op != FOP_OPEN) {
		j_key(w, "new_path", false);
		j_bytes(w, &f->new_path);
	}
	j_key(w, "raw_path", false);
	j_bytes(w, &f->raw_path);
	j_key(w, "container", false);
	j_cstr(w, p->ct ? p->ct->id : NULL);
	j_key(w, "host_path", false);
	j_bytes(w, &f->host_path);
	if (f->op != FOP_OPEN) {
		j_key(w, "new_host_path", false);
		j_bytes(w, &f->new_host_path);
		j_key(w, "time", false);
		j_time(w, f->ns);
		buf_addc(&w->b, '}');
		return;
	}
	j_key(w, "fd", false);
	buf_printf(&w->b, "%d", (int)f->fd);
	j_key(w, "flags", false);
	buf_printf(&w->b, "%d", (int)f->flags);
	j_key(w, "open", false);
	j_time(w, f->open_ns);
	j_key(w, "close", false);
	j_time(w, f->has_close ? f->close_ns : NS_NONE);
	j_key(w, "close_filled", false);
	buf_adds(&w->b, f->close_filled ? "true" : "false");
	j_key(w, "closed_by", false);
	j_bytes(w, &f->closed_by);
	j_key(w, "open_now", false);
	buf_adds(&w->b, f->from_fds ? "true" : "false");
	j_key(w, "writes", false);
	buf_printf(&w->b, "%lld", (long long)f->writes);
	j_key(w, "write_bytes", false);
	buf_printf(&w->b, "%lld", (long long)f->write_bytes);
	buf_addc(&w->b, '}');
}

int
render_json(FILE *out, const struct model *m, const struct opts *o)
{
	struct jw w = {out, {0}, false};
	size_t i, n;

	buf_init(&w.b);
	buf_adds(&w.b, "{\"format\":1,\"host\":");
	j_cstr(&w, o->host);
	buf_adds(&w.b, ",\"since\":");
	j_time(&w, o->since == INT64_MIN ? NS_NONE : o->since);
	buf_adds(&w.b, ",\"until\":");
	j_time(&w, o->until == INT64_MAX ? NS_NONE : o->until);
	buf_adds(&w.b, ",\n\"roots\":[");
	for (i = 0; i < m->nroots; i++) {
		if (i)
			buf_addc(&w.b, ',');
		j_cstr(&w, m->roots[i]->lead.id);
	}
	buf_adds(&w.b, "],\n\"containers\":[");
	for (i = n = 0; i < m->ncts; i++) {
		const struct container *c = &m->cts[i];

		if (!c->keep || c->nprocs == 0)
			continue;
		buf_adds(&w.b, n++ ? ",\n{" : "\n{");
		j_key(&w, "id", true);
		j_cstr(&w, c->id);
		j_key(&w, "host", false);
		j_cstr(&w, c->host);
		j_key(&w, "name", false);
		j_bytes(&w, &c->name);
		j_key(&w, "image", false);
		j_bytes(&w, &c->image);
		j_key(&w, "rootfs", false);
		j_bytes(&w, &c->rootfs);
		j_key(&w, "processes", false);
		buf_printf(&w.b, "%zu", c->nprocs);
		j_key(&w, "files", false);
		buf_printf(&w.b, "%zu", c->nfiles);
		buf_addc(&w.b, '}');
	}
	buf_adds(&w.b, "],\n\"processes\":[");
	for (i = n = 0; i < m->nprocs; i++) {
		if (!m->procs[i]->keep)
			continue;
		buf_adds(&w.b, n++ ? ",\n" : "\n");
		j_proc(&w, m->procs[i]);
		jw_maybe_flush(&w);
	}
	buf_adds(&w.b, "],\n\"files\":[");
	for (i = n = 0; i < m->nfiles; i++) {
		if (m->files[i].op != FOP_OPEN)
			continue;
		buf_adds(&w.b, n++ ? ",\n" : "\n");
		j_file(&w, &m->files[i]);
		jw_maybe_flush(&w);
	}
	buf_adds(&w.b, "],\n\"ops\":[");
	for (i = n = 0; i < m->nfiles; i++) {
		if (m->files[i].op == FOP_OPEN)
			continue;
		buf_adds(&w.b, n++ ? ",\n" : "\n");
		j_file(&w, &m->files[i]);
		jw_maybe_flush(&w);
	}
	buf_adds(&w.b, "],\n\"gaps\":[");
	for (i = 0; i < m->ngaps; i++) {
		const struct gap *g = &m->gaps[i];

		buf_adds(&w.b, i ? ",\n{" : "\n{");
		j_key(&w, "host", true);
		j_cstr(&w, g->host);
		j_key(&w, "boot_id", false);
		j_cstr(&w, g->boot);
		j_key(&w, "source", false);
		j_bytes(&w, &g->source);
		j_key(&w, "from", false);
		j_time(&w, g->from_ns);
		j_key(&w, "to", false);
		j_time(&w, g->to_ns);
		j_key(&w, "count", false);
		buf_printf(&w.b, "%lld", (long long)g->count);
		buf_addc(&w.b, '}');
	}
	buf_adds(&w.b, "]}\n");
	jw_flush(&w);
	buf_free(&w.b);
	if (fflush(out) != 0)
		w.err = true;
	return w.err ? -1 : 0;
}
