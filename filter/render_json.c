/* render_json.c - the JSON contract of docs/output.md. Streams through a
 * buffer flushed every 64 KiB. Invalid UTF-8 comes out as lone surrogates
 * \udc80-\udcff (esc_json), which Python decodes losslessly with
 * s.encode("utf-8", "surrogateescape"). */
#include "render.h"

#include <stdlib.h>
#include <string.h>

#include "containers.h"
#include "esc.h"
#include "prov.h"
#include "rank.h"

#define FLUSH_AT (64 * 1024)

struct jw {
	FILE *out;
	struct buf b;
	bool err;
	bool first; /* no key yet in the object being written */
	bool local; /* -tz=local: times with the local offset */
	struct rank rank;
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
	if (ns == NS_NONE) {
		buf_adds(&w->b, "null");
		return;
	}
	buf_addc(&w->b, '"');
	render_time(&w->b, ns, w->local);
	buf_addc(&w->b, '"');
}

static void
j_open(struct jw *w)
{
	buf_addc(&w->b, '{');
	w->first = true;
}

static void
j_close(struct jw *w)
{
	buf_addc(&w->b, '}');
	w->first = false;
}

/* k (a literal of ours, never escaped) and its colon */
static void
j_key(struct jw *w, const char *k)
{
	buf_printf(&w->b, "%s\"%s\":", w->first ? "" : ",", k);
	w->first = false;
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

/* key: value pairs */
static void
kv_cstr(struct jw *w, const char *k, const char *s)
{
	j_key(w, k);
	j_cstr(w, s);
}

static void
kv_bytes(struct jw *w, const char *k, const struct bytes *b)
{
	j_key(w, k);
	j_bytes(w, b);
}

static void
kv_time(struct jw *w, const char *k, int64_t ns)
{
	j_key(w, k);
	j_time(w, ns);
}

static void
kv_argv(struct jw *w, const char *k, const struct argv *a)
{
	j_key(w, k);
	j_argv(w, a);
}

static void
kv_opt(struct jw *w, const char *k, bool has, int64_t v)
{
	j_key(w, k);
	j_int_or_null(w, has, v);
}

static void
kv_int(struct jw *w, const char *k, int64_t v)
{
	kv_opt(w, k, true, v);
}

static void j_argextra(struct jw *w, const struct argextra *x);

static void
kv_bool(struct jw *w, const char *k, bool v)
{
	j_key(w, k);
	buf_adds(&w->b, v ? "true" : "false");
}

/* a thread's task, after a comma when not the first */
static void
j_task(struct jw *w, const struct task *t, bool comma)
{
	if (comma)
		buf_addc(&w->b, ',');
	j_open(w);
	kv_cstr(w, "id", t->id);
	kv_int(w, "tid", t->pid);
	kv_bytes(w, "comm", &t->comm);
	kv_time(w, "start", t->has_start ? t->start_ns : NS_NONE);
	kv_time(w, "exit", t->has_exit ? t->exit_ns : NS_NONE);
	kv_bool(w, "exit_filled", t->exit_filled);
	kv_cstr(w, "parent", t->parent_id);
	kv_opt(w, "ppid", t->has_ptgid, t->parent_tgid);
	kv_bool(w, "parent_fixed", t->parent_fixed);
	j_close(w);
}

static void
j_proc(struct jw *w, const struct proc *p)
{
	const struct task *t = &p->lead;
	size_t i, n;

	j_open(w);
	kv_cstr(w, "id", t->id);
	kv_cstr(w, "host", t->host);
	kv_cstr(w, "boot_id", t->boot);
	kv_int(w, "tgid", t->tgid);
	kv_cstr(w, "parent", p->parent ? p->parent->lead.id : NULL);
	j_key(w, "ppid");
	if (p->parent)
		buf_printf(&w->b, "%d", (int)p->parent->lead.tgid);
	else
		j_int_or_null(w, t->has_ptgid, t->parent_tgid);
	j_key(w, "children");
	buf_addc(&w->b, '[');
	for (i = n = 0; i < p->nkids; i++) {
		if (!p->kids[i]->keep)
			continue;
		if (n++)
			buf_addc(&w->b, ',');
		j_cstr(w, p->kids[i]->lead.id);
	}
	buf_addc(&w->b, ']');
	j_key(w, "threads");
	buf_addc(&w->b, '[');
	for (i = 0; i < p->nthreads; i++)
		buf_printf(&w->b, "%s%d", i ? "," : "", (int)p->threads[i].pid);
	buf_addc(&w->b, ']');
	j_key(w, "tasks");
	buf_addc(&w->b, '[');
	for (i = 0; i < p->nthreads; i++)
		j_task(w, &p->threads[i], i > 0);
	buf_addc(&w->b, ']');
	kv_bytes(w, "comm", &t->comm);
	kv_bytes(w, "exe", &t->exe);
	kv_argv(w, "args", &t->args);
	kv_bool(w, "args_truncated", t->args_trunc);
	j_argextra(w, &t->ax);
	j_key(w, "execs");
	buf_addc(&w->b, '[');
	for (i = 0; i < t->nexec; i++) {
		const struct exec *e = &t->execs[i];

		if (i)
			buf_addc(&w->b, ',');
		j_open(w);
		kv_time(w, "time", e->ns);
		kv_argv(w, "args", &e->args);
		j_argextra(w, &e->ax);
		kv_bytes(w, "exe", &e->exe);
		kv_bytes(w, "cwd", &e->cwd);
		j_close(w);
	}
	buf_addc(&w->b, ']');
	j_key(w, "execve_count");
	buf_printf(&w->b, "%d",
	           (int)(t->execve_count > (int32_t)t->nexec
	                     ? t->execve_count
	                     : (int32_t)t->nexec));
	kv_bytes(w, "cwd", &t->cwd);
	kv_cstr(w, "container", p->ct ? p->ct->id : NULL);
	kv_bytes(w, "container_name", p->ct ? &p->ct->name : NULL);
	kv_bytes(w, "image", p->ct ? &p->ct->image : NULL);
	kv_bytes(w, "rootfs", render_rootfs(p));
	kv_bool(w, "star", p->lead.star);
	if (render_root_kind(p) != NULL)
		kv_cstr(w, "root", render_root_kind(p));
	kv_bool(w, "setns", t->setns);
	if (render_before_log(p)) /* absent otherwise, as root */
		kv_bool(w, "before_log", true);
	kv_time(w, "start", model_start(p));
	kv_time(w, "exit", model_exit(p));
	kv_opt(w, "exit_code", t->has_code, t->exit_code);
	kv_opt(w, "exit_signal", t->has_signal, t->exit_signal);
	kv_bool(w, "outside_window", p->outside);
	kv_bool(w, "in_gap", rank_in_gap(&w->rank, p));
	j_close(w);
}

/* A cut argv's extras (docs/output.md), only when present: args_cut
 * [{index, length, tail}], args_cut_lost, args_sha256, args_source. */
static void
j_argextra(struct jw *w, const struct argextra *x)
{
	size_t i;

	if (x->cuts.n > 0) {
		j_key(w, "args_cut");
		buf_addc(&w->b, '[');
		for (i = 0; i < x->cuts.n; i++) {
			if (i)
				buf_addc(&w->b, ',');
			j_open(w);
			kv_int(w, "index", x->cuts.v[i].index);
			kv_int(w, "length", x->cuts.v[i].length);
			kv_bytes(w, "tail", &x->cuts.v[i].tail);
			j_close(w);
		}
		buf_addc(&w->b, ']');
	}
	if (x->cut_lost > 0)
		kv_int(w, "args_cut_lost", x->cut_lost);
	if (x->sha256.set)
		kv_bytes(w, "args_sha256", &x->sha256);
	if (x->source.set)
		kv_bytes(w, "args_source", &x->source);
}

/* h-paths (docs/output.md): the name as given when godo resolved the
 * path to another, and a path it could not confirm; only when present. */
static void
j_given(struct jw *w, const struct file *f)
{
	const char *k2 = render_second_kind(f);
	char key[32];

	if (f->given_path.set)
		kv_bytes(w, "given_path", &f->given_path);
	if (f->path_unverified)
		kv_bool(w, "path_unverified", true);
	if (k2 == NULL)
		return;
	/* the second name's own: new_, target_ or source_ */
	snprintf(key, sizeof(key), "%s_given_path", k2);
	if (f->given2.set)
		kv_bytes(w, key, &f->given2);
	snprintf(key, sizeof(key), "%s_unverified", k2);
	if (f->unverified2)
		kv_bool(w, key, true);
}

/* The fields of the ops added by h-fid (docs/output.md): present only
 * when the document has them. */
static void
j_more(struct jw *w, const struct file *f)
{
	if (f->exchange)
		kv_bool(w, "exchange", true);
	if (f->falloc_mode.set)
		kv_bytes(w, "falloc_mode", &f->falloc_mode);
	if (f->has_range) {
		kv_int(w, "offset", f->offset);
		kv_int(w, "length", f->length);
	}
	if (f->source.set)
		kv_bytes(w, "source", &f->source);
	if (f->has_flags)
		kv_int(w, "flags", f->flags);
	if (f->rdev.set)
		kv_bytes(w, "rdev", &f->rdev);
	if (f->has_inode) {
		kv_int(w, "inode", f->inode);
		kv_bytes(w, "dev", &f->dev);
	}
	j_given(w, f);
}

/* A metadata op's fields (docs/output.md): null when absent; the mode as
 * a string of octal digits, as chmod takes it. */
static void
j_meta(struct jw *w, const struct file *f)
{
	kv_bytes(w, "target", &f->target);
	j_key(w, "mode");
	if (f->has_mode)
		buf_printf(&w->b, "\"%04o\"", (unsigned)f->mode);
	else
		buf_adds(&w->b, "null");
	kv_opt(w, "uid", f->has_uid, f->uid);
	kv_opt(w, "gid", f->has_gid, f->gid);
	kv_bytes(w, "type", &f->type);
	j_more(w, f);
}

static void
j_file(struct jw *w, const struct file *f)
{
	const struct proc *p = f->owner;

	j_open(w);
	kv_cstr(w, "id", f->id);
	kv_cstr(w, "process", p->lead.id);
	kv_int(w, "pid", p->lead.tgid);
	if (f->op != FOP_OPEN)
		kv_bytes(w, "op", &f->op_name);
	kv_bytes(w, "path", &f->path);
	if (f->op != FOP_OPEN)
		kv_bytes(w, "new_path", &f->new_path);
	kv_bytes(w, "raw_path", &f->raw_path);
	kv_cstr(w, "container", p->ct ? p->ct->id : NULL);
	kv_bytes(w, "host_path", &f->host_path);
	if (f->op != FOP_OPEN) {
		kv_bytes(w, "new_host_path", &f->new_host_path);
		j_meta(w, f);
		kv_time(w, "time", f->ns);
		j_close(w);
		return;
	}
	kv_int(w, "fd", f->fd);
	kv_int(w, "flags", f->flags);
	kv_time(w, "open", f->open_ns);
	kv_time(w, "close", f->has_close ? f->close_ns : NS_NONE);
	kv_bool(w, "close_filled", f->close_filled);
	kv_bytes(w, "closed_by", &f->closed_by);
	kv_bool(w, "open_now", f->from_fds);
	kv_int(w, "writes", f->writes);
	kv_int(w, "write_bytes", f->write_bytes);
	if (f->mapped) {
		kv_bool(w, "mapped", true);
		kv_time(w, "mapped_time", f->mapped_ns);
	}
	if (f->writers.n > 0) /* h-fds */
		kv_argv(w, "writers", &f->writers);
	if (f->writers_more > 0)
		kv_int(w, "writers_more", f->writers_more);
	if (f->has_inode) {
		kv_int(w, "inode", f->inode);
		kv_bytes(w, "dev", &f->dev);
	}
	j_given(w, f);
	j_close(w);
}

/* "provenance": where the report comes from (prov.h) */
/* "record_failures": [{kind, collection, documents, from, to}]: per
 * collection, the time range of the documents changed, added or deleted
 * (absent when there is none). */
static void
j_verify_ranges(struct jw *w, const struct model_verify *v)
{
	size_t i;

	if (v->nrange == 0 || v->state != MV_FAILED)
		return;
	j_key(w, "record_failures");
	buf_addc(&w->b, '[');
	for (i = 0; i < v->nrange; i++) {
		buf_adds(&w->b, i ? "," : "");
		j_open(w);
		kv_cstr(w, "kind", v->range[i].kind);
		kv_cstr(w, "collection", v->range[i].coll);
		kv_int(w, "documents", (int64_t)v->range[i].n);
		kv_time(w, "from", v->range[i].from);
		kv_time(w, "to", v->range[i].to);
		j_close(w);
	}
	buf_addc(&w->b, ']');
}

static void
j_prov(struct jw *w, const struct model *m, const struct opts *o)
{
	struct prov p;
	size_t i;

	prov_build(&p, m, o);
	j_key(w, "provenance");
	j_open(w);
	kv_cstr(w, "database", p.db);
	kv_cstr(w, "store", p.store);
	j_key(w, "hosts");
	buf_addc(&w->b, '[');
	for (i = 0; i < p.nhosts; i++) {
		if (i)
			buf_addc(&w->b, ',');
		j_cstr(w, p.hosts[i]);
	}
	buf_addc(&w->b, ']');
	kv_time(w, "from", p.from);
	kv_cstr(w, "from_source", p.from_data ? "data" : "since");
	kv_time(w, "to", p.to);
	kv_cstr(w, "to_source", p.to_data ? "data" : "until");
	kv_time(w, "generated", p.generated);
	kv_cstr(w, "filter_version", p.version);
	kv_cstr(w, "tz", w->local ? "local" : "UTC");
	kv_cstr(w, "record", prov_verify_word(p.verify.state));
	kv_int(w, "record_links", (int64_t)p.verify.links);
	kv_int(w, "record_documents", (int64_t)p.verify.docs);
	kv_int(w, "record_problems", (int64_t)p.verify.problems);
	j_verify_ranges(w, &p.verify);
	j_close(w);
	prov_free(&p);
}

/* A container's place in the order and what put it there (rank.h). */
static void
j_activity(struct jw *w, const struct rank_ct *r, size_t pos)
{
	kv_int(w, "rank", (int64_t)pos + 1);
	j_key(w, "activity");
	j_open(w);
	kv_int(w, "processes_started", (int64_t)r->started);
	kv_int(w, "files_changed", (int64_t)r->changed);
	kv_int(w, "gaps", (int64_t)r->gaps);
	kv_int(w, "score", (int64_t)r->score);
	j_close(w);
}

/* A container's identity (docs/output.md): what godo recorded, or
 * Docker's files still said; nothing when neither. */
static void
j_ct_ident(struct jw *w, const struct container *c)
{
	const struct ct_ident *id = &c->ident;
	size_t i;

	if (id->source == NULL) /* unknown: the keys are absent */
		return;
	kv_cstr(w, "identity", id->source);
	j_key(w, "names");
	buf_addc(&w->b, '[');
	for (i = 0; i < id->nnames; i++) {
		buf_adds(&w->b, i ? "," : "");
		j_bytes(w, &id->names[i].name);
	}
	buf_addc(&w->b, ']');
	kv_bytes(w, "image_id", &id->image_id);
	kv_bytes(w, "created", &id->created);
	kv_bytes(w, "started", &id->started);
	kv_argv(w, "labels", &id->labels);
	j_key(w, "privileged");
	buf_adds(&w->b, !id->has_privileged ? "null"
	                : id->privileged    ? "true"
	                                    : "false");
	kv_argv(w, "cap_add", &id->caps);
	kv_bytes(w, "network_mode", &id->network);
	j_key(w, "mounts");
	buf_addc(&w->b, '[');
	for (i = 0; i < id->nmounts; i++) {
		const struct ct_mount *mt = &id->mounts[i];

		buf_adds(&w->b, i ? "," : "");
		j_open(w);
		kv_bytes(w, "type", &mt->type);
		kv_bytes(w, "source", &mt->source);
		kv_bytes(w, "destination", &mt->destination);
		kv_bool(w, "rw", mt->rw);
		kv_bool(w, "host_root", containers_mount_is_root(mt));
		j_close(w);
	}
	buf_addc(&w->b, ']');
	kv_bool(w, "escape_risk", containers_risky(c));
	kv_bool(w, "truncated", id->truncated);
}

int
render_json(FILE *out, const struct model *m, const struct opts *o)
{
	struct jw w = {out, {0}, false, false, o->tz_local, {0}};
	size_t i, n;

	buf_init(&w.b);
	rank_build(&w.rank, m);
	buf_adds(&w.b, "{\"format\":1,");
	w.first = true;
	j_prov(&w, m, o);
	buf_adds(&w.b, ",\n\"host\":");
	j_cstr(&w, o->host);
	buf_adds(&w.b, ",\"since\":");
	j_time(&w, o->since == INT64_MIN ? NS_NONE : o->since);
	buf_adds(&w.b, ",\"until\":");
	j_time(&w, o->until == INT64_MAX ? NS_NONE : o->until);
	buf_adds(&w.b, ",\n\"incomplete\":");
	buf_adds(&w.b, model_incomplete(m) ? "true" : "false");
	buf_printf(&w.b, ",\"orphan_threads\":%zu,\"unreadable_count\":%zu",
	           m->orphan_threads, m->skipped.n);
	buf_adds(&w.b, ",\"unreadable\":[");
	for (i = 0; i < m->skipped.nids; i++) {
		if (i)
			buf_addc(&w.b, ',');
		j_cstr(&w, m->skipped.ids[i]);
	}
	buf_adds(&w.b, "],\n\"roots\":[");
	for (i = 0; i < m->nroots; i++) {
		if (i)
			buf_addc(&w.b, ',');
		j_cstr(&w, m->roots[i]->lead.id);
	}
	buf_adds(&w.b, "],\n\"containers\":[");
	/* most active first (rank.h) */
	for (i = n = 0; i < w.rank.n; i++) {
		const struct container *c = w.rank.v[i].c;

		buf_adds(&w.b, n++ ? ",\n" : "\n");
		j_open(&w);
		kv_cstr(&w, "id", c->id);
		kv_cstr(&w, "host", c->host);
		kv_bytes(&w, "name", &c->name);
		kv_bytes(&w, "image", &c->image);
		kv_bytes(&w, "rootfs", &c->rootfs);
		j_ct_ident(&w, c);
		kv_int(&w, "processes", (int64_t)c->nprocs);
		kv_int(&w, "files", (int64_t)c->nfiles);
		j_activity(&w, &w.rank.v[i], i);
		j_close(&w);
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

		buf_adds(&w.b, i ? ",\n" : "\n");
		j_open(&w);
		kv_cstr(&w, "host", g->host);
		kv_cstr(&w, "boot_id", g->boot);
		kv_bytes(&w, "source", &g->source);
		kv_time(&w, "from", g->from_ns);
		kv_time(&w, "to", g->to_ns);
		kv_int(&w, "count", g->count);
		j_close(&w);
	}
	buf_adds(&w.b, "]}\n");
	jw_flush(&w);
	buf_free(&w.b);
	rank_free(&w.rank);
	return render_end(out, w.err);
}
