/* render_text.c - the operator's view: the daemons' tree, then per
 * container its process tree (box drawing) and its changed files, renames
 * and unlinks. Every recorded string, ids included, goes through
 * vis_text (vis.h): a file name
 * with a newline or an escape sequence cannot forge lines or move the
 * cursor. */
#include "render.h"

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "containers.h"
#include "esc.h"
#include "prov.h"
#include "rank.h"
#include "vis.h"

#define ARGS_SHOWN 400 /* bytes of args shown per line */
#define DEPTH_DRAWN 48 /* tree levels drawn in full on a line */
#define DEPTH_TAIL 16  /* levels drawn after a "[depth N]" cut */

struct tw {
	FILE *out;
	struct buf b, pre;
	const struct model *m;
	bool err;
	bool local; /* -tz=local */
	struct rank rank;
};

static void
tw_flush(struct tw *w)
{
	render_flush(w->out, &w->b, &w->err);
}

static void
t_time(struct tw *w, int64_t ns)
{
	if (ns == NS_NONE)
		buf_adds(&w->b, "?");
	else
		render_time(&w->b, ns, w->local);
}

/* A cut argv's extras (h-fid): " [argv[2] cut at 40017 bytes, ends:
 * <tail>]" per cut argument, " [sha256 <hex>]", " [from proctitle]". */
static void
t_argextra(struct buf *b, const struct argextra *x)
{
	size_t i;

	for (i = 0; i < x->cuts.n; i++) {
		const struct bytes *t = &x->cuts.v[i].tail;
		size_t k = t->n < ARGS_SHOWN ? t->n : ARGS_SHOWN;

		/* the end of the tail: what padding pushed out of the head */
		buf_printf(b, " [argv[%d] of %lld bytes cut, ends: ",
		           (int)x->cuts.v[i].index,
		           (long long)x->cuts.v[i].length);
		vis_shell_arg(b, t->p + t->n - k, k, ARGS_SHOWN);
		buf_addc(b, ']');
	}
	if (x->cut_lost > 0)
		buf_printf(b, " [%d more cut]", (int)x->cut_lost);
	if (x->sha256.set) {
		buf_adds(b, " [sha256 ");
		render_bytes(b, &x->sha256, 64);
		buf_addc(b, ']');
	}
	if (x->source.set && x->source.n == 4 &&
	    memcmp(x->source.p, "none", 4) == 0) {
		/* godo got no record of the argv: not an empty command */
		buf_adds(b, " [args not recorded]");
	} else if (x->source.set) {
		buf_adds(b, " [from ");
		render_bytes(b, &x->source, 16);
		buf_addc(b, ']');
	}
}

static void
t_args(struct buf *b, const struct proc *p)
{
	const struct argv *a = &p->lead.args;
	size_t i, used = 0;

	if (a->n == 0) {
		buf_addc(b, '[');
		render_bytes(b, &p->lead.comm, 64);
		buf_addc(b, ']');
		t_argextra(b, &p->lead.ax); /* "[args not recorded]" */
		return;
	}
	for (i = 0; i < a->n; i++) {
		size_t room = used < ARGS_SHOWN ? ARGS_SHOWN - used : 0;

		if (room == 0) {
			buf_printf(b, " ... [%zu more args]", a->n - i);
			break;
		}
		if (i)
			buf_addc(b, ' ');
		vis_shell_arg(b, a->v[i].p, a->v[i].n, room);
		used += a->v[i].n + 1;
	}
	if (p->lead.args_trunc)
		buf_adds(b, " [args truncated]");
	t_argextra(b, &p->lead.ax);
}

/* One process; note (may be NULL) ends the line. */
static void
t_proc_line(struct tw *w, const struct proc *p, const char *note)
{
	const struct task *t = &p->lead;

	buf_printf(&w->b, "%d ", (int)t->tgid);
	t_args(&w->b, p);
	buf_adds(&w->b, "  ");
	t_time(w, model_start(p));
	if (!t->has_exit)
		buf_adds(&w->b, "  running");
	else if (t->has_signal)
		buf_printf(&w->b, "  killed by SIG%s (%d)",
		           sigabbrev_np(t->exit_signal)
		               ? sigabbrev_np(t->exit_signal)
		               : "?",
		           (int)t->exit_signal);
	else if (t->has_code)
		buf_printf(&w->b, "  exit %d", (int)t->exit_code);
	else
		buf_adds(&w->b, "  exited");
	if (t->has_exit) {
		buf_adds(&w->b, " at ");
		t_time(w, t->exit_ns);
	}
	if (p->nthreads > 0)
		buf_printf(&w->b, "  +%zu thread%s", p->nthreads,
		           p->nthreads > 1 ? "s" : "");
	if (render_root_kind(p) != NULL)
		buf_printf(&w->b, "  [root: %s]",
		           strcmp(render_root_kind(p), "setns") == 0
		               ? "a host process that entered the container"
		               : "a kernel usermode helper");
	else if (t->setns)
		buf_adds(&w->b, "  [docker exec]");
	if (render_before_log(p))
		buf_adds(&w->b,
		         "  [running before the log began: start unknown]");
	if (p->outside)
		buf_adds(&w->b, "  (outside the window)");
	if (rank_in_gap(&w->rank, p))
		buf_adds(&w->b, "  [started in a gap: events may be missing]");
	if (note != NULL)
		buf_adds(&w->b, note);
	buf_addc(&w->b, '\n');
}

static void
t_ct_marker(struct tw *w, const struct container *c)
{
	size_t i;

	buf_adds(&w->b, "[container ");
	vis_text(&w->b, c->id, strnlen(c->id, 12));
	if (c->name.set) {
		buf_addc(&w->b, ' ');
		render_bytes(&w->b, &c->name, 128);
	}
	for (i = 0; i < w->rank.n && w->rank.v[i].c != c; i++)
		;
	/* where its section is: the containers come in activity order */
	buf_printf(&w->b, ": %zu process%s, ", c->nprocs,
	           c->nprocs == 1 ? "" : "es");
	if (i < w->rank.n)
		buf_printf(&w->b, "container #%zu above]\n", i + 1);
	else
		buf_adds(&w->b, "not shown]\n");
}

/* A child shown in ct's tree: one of ct's processes, or, below a
 * container's process, one without container (docker-in-docker, a task
 * whose cgroup was not read): it is shown where it is, marked. */
static bool
t_inline(const struct proc *k, const struct container *ct)
{
	return k->ct == ct || (ct != NULL && k->ct == NULL);
}

/* p's kept children shown in ct's tree into *out (malloc'd): children of
 * another container become one marker entry per container. */
static size_t
t_shown_kids(const struct proc *p, const struct container *ct,
             const struct proc ***out)
{
	const struct container *last = NULL;
	const struct proc **v = mem_calloc(p->nkids ? p->nkids : 1, sizeof(*v));
	size_t i, j, n = 0;

	for (i = 0; i < p->nkids; i++) {
		const struct proc *k = p->kids[i];

		if (!k->keep)
			continue;
		if (!t_inline(k, ct)) {
			/* one marker per container per parent */
			for (j = 0; j < n; j++)
				if (v[j]->ct == k->ct)
					break;
			if (j < n || k->ct == last)
				continue;
			last = k->ct;
		}
		v[n++] = k;
	}
	*out = v;
	return n;
}

/* One level of the walk: the children shown, the next one, and the
 * length of w->pre (the drawing to the left) at this level. */
struct tlevel {
	const struct proc **v;
	size_t n, next, plen;
};

/* The drawing left of a child at level d of lv: in full up to
 * DEPTH_DRAWN levels; deeper, the first level's, an explicit
 * "[depth N]" and the last DEPTH_TAIL levels', so that a line never grows
 * with the depth of a fork chain (nothing is left out). */
static void
t_prefix(struct tw *w, const struct tlevel *lv, size_t d)
{
	size_t tail;

	if (d < DEPTH_DRAWN) {
		buf_add(&w->b, w->pre.data, w->pre.len);
		return;
	}
	tail = lv[d - DEPTH_TAIL].plen;
	buf_add(&w->b, w->pre.data, lv[0].plen);
	buf_printf(&w->b, "[depth %zu] ", d + 1);
	buf_add(&w->b, w->pre.data + tail, w->pre.len - tail);
}

/* Prints p's kept descendants that belong to ct (NULL: host processes),
 * depth first with an explicit stack: no depth limit, no recursion. */
static void
t_kids(struct tw *w, const struct proc *p, const struct container *ct)
{
	struct tlevel *lv = mem_calloc(1, sizeof(*lv));
	size_t d = 0, cap = 1;

	lv[0].plen = w->pre.len;
	lv[0].n = t_shown_kids(p, ct, &lv[0].v);
	for (;;) {
		struct tlevel *l = &lv[d];
		const struct proc *k;
		bool lastkid;

		if (l->next == l->n) {
			free(l->v);
			if (d == 0)
				break;
			d--;
			continue;
		}
		k = l->v[l->next++];
		lastkid = l->next == l->n;
		w->pre.len = l->plen;
		w->pre.data[l->plen] = '\0';
		t_prefix(w, lv, d);
		buf_adds(&w->b, lastkid ? "└─ " : "├─ ");
		if (!t_inline(k, ct)) {
			t_ct_marker(w, k->ct);
			continue;
		}
		t_proc_line(w, k, k->ct != ct ? "  [no container]" : NULL);
		if (w->b.len > 65536)
			tw_flush(w);
		buf_adds(&w->pre, lastkid ? "   " : "│  ");
		if (++d == cap) {
			cap *= 2;
			lv = mem_reallocarray(lv, cap, sizeof(*lv));
		}
		lv[d].plen = w->pre.len;
		lv[d].next = 0;
		lv[d].n = t_shown_kids(k, ct, &lv[d].v);
	}
	w->pre.len = lv[0].plen;
	w->pre.data[w->pre.len] = '\0';
	free(lv);
}

/* h-paths, each only when present: " (given as NAME)" when godo
 * resolved the name to another path, " (path unverified)". */
static void
t_given(struct buf *b, const struct file *f)
{
	render_text_marks(b, &f->given_path, f->path_unverified);
}

/* The pid in a task _id "<boot_id>:<pid>:<start ticks>" (docs/schema.md),
 * or -1 when the id does not have that form. */
static long
id_pid(const struct bytes *id)
{
	size_t end, i;
	long pid = 0;

	for (end = id->n; end > 0 && id->p[end - 1] != ':'; end--)
		;
	if (end < 2)
		return -1;
	for (i = end - 1; i > 0 && id->p[i - 1] != ':'; i--)
		;
	if (i == 0 || i == end - 1 || end - 1 - i > 9)
		return -1;
	for (; i < end - 1; i++) {
		if (id->p[i] < '0' || id->p[i] > '9')
			return -1;
		pid = pid * 10 + (id->p[i] - '0');
	}
	return pid;
}

/* h-fds: the processes that wrote through an open-file session (a forked
 * child writes through its parent's descriptors). */
static void
t_writers(struct tw *w, const struct file *f)
{
	size_t i;

	if (f->writers.n == 0)
		return;
	buf_adds(&w->b, "      writers");
	for (i = 0; i < f->writers.n; i++) {
		long pid = id_pid(&f->writers.v[i]);

		buf_adds(&w->b, i == 0 ? " " : ", ");
		if (pid >= 0) {
			buf_printf(&w->b, "pid %ld", pid);
		} else {
			buf_adds(&w->b, "id ");
			render_bytes(&w->b, &f->writers.v[i], PATH_MAX_SHOWN);
		}
	}
	if (f->writers_more > 0)
		buf_printf(&w->b, " (+%lld writes by others)",
		           (long long)f->writers_more);
	buf_addc(&w->b, '\n');
}

static void
t_files(struct tw *w, const struct container *ct)
{
	const struct model *m = w->m;
	size_t i, n = 0;

	for (i = 0; i < m->nfiles; i++) {
		const struct file *f = &m->files[i];

		if (f->op != FOP_OPEN || f->owner->ct != ct)
			continue;
		if (n++ == 0)
			buf_adds(&w->b, "  changed files:\n");
		buf_adds(&w->b, "    ");
		render_path(&w->b, &f->path, PATH_MAX_SHOWN);
		t_given(&w->b, f);
		buf_printf(&w->b, "  pid %d  open ", (int)f->owner->lead.tgid);
		t_time(w, f->open_ns);
		buf_adds(&w->b, "  close ");
		if (f->has_close) {
			t_time(w, f->close_ns);
			if (f->close_filled)
				buf_adds(&w->b, " (process exit)");
		} else {
			buf_adds(&w->b, "still open");
		}
		buf_printf(&w->b, "  writes %lld", (long long)f->writes);
		/* h-fid: stores through a shared mapping are not counted */
		buf_adds(&w->b, f->mapped ? "  mapped\n" : "\n");
		t_writers(w, f);
		if (ct != NULL && f->host_path.set) {
			buf_adds(&w->b, "      host ");
			render_path(&w->b, &f->host_path, PATH_MAX_SHOWN);
			buf_addc(&w->b, '\n');
		}
		if (w->b.len > 65536)
			tw_flush(w);
	}
	for (i = n = 0; i < m->nfiles; i++) {
		const struct file *f = &m->files[i];

		if (f->op == FOP_OPEN || f->owner->ct != ct)
			continue;
		if (n++ == 0)
			buf_adds(&w->b, "  operations:\n");
		render_text_op(&w->b, f);
		buf_printf(&w->b, "  pid %d  at ", (int)f->owner->lead.tgid);
		t_time(w, f->ns);
		t_given(&w->b, f); /* h-paths: last, after what was there */
		buf_addc(&w->b, '\n');
	}
}

/* The banner that opens a report leaving something out (exit status 3):
 * what, how many, and the unreadable documents by collection and _id. */
static void
t_incomplete(struct buf *b, const struct model *m)
{
	size_t i;

	if (!model_incomplete(m))
		return;
	buf_printf(b,
	           "INCOMPLETE: %zu document%s could not be read (wrong "
	           "shape; exit status 3)\n",
	           m->skipped.n, m->skipped.n == 1 ? "" : "s");
	for (i = 0; i < m->skipped.nids; i++) {
		buf_adds(b, "  unreadable: ");
		vis_text(b, m->skipped.ids[i], strlen(m->skipped.ids[i]));
		buf_addc(b, '\n');
	}
	if (m->skipped.n > m->skipped.nids)
		buf_printf(b, "  ... and %zu more (not listed)\n",
		           m->skipped.n - m->skipped.nids);
}

/* "  changed pids: 2 documents, FROM .. TO" per collection of a failed
 * check: where in time the record was changed. */
static void
t_verify_ranges(struct tw *w, const struct model_verify *v)
{
	size_t i;

	for (i = 0; v->state == MV_FAILED && i < v->nrange; i++) {
		const struct model_verify_range *g = &v->range[i];

		buf_printf(&w->b, "  %s %s: %" PRIu64 " document%s, ", g->kind,
		           g->coll, g->n, g->n == 1 ? "" : "s");
		t_time(w, g->from);
		buf_adds(&w->b, " .. ");
		t_time(w, g->to);
		buf_addc(&w->b, '\n');
	}
}

/* "record ..." : whether the stored documents are the ones godo chained. */
static void
t_verify(struct buf *b, const struct model_verify *v)
{
	buf_printf(b, "record %s", prov_verify_word(v->state));
	if (v->state == MV_INTACT)
		buf_printf(b,
		           ": %" PRIu64
		           " documents as godo chained them (%" PRIu64
		           " links)\n",
		           v->docs, v->links);
	else if (v->state == MV_FAILED)
		buf_printf(b,
		           ": %" PRIu64 " problems; filter -verify lists "
		           "them. !! THE RECORD WAS CHANGED AFTER IT WAS "
		           "WRITTEN\n",
		           v->problems);
	else if (v->state == MV_NO_CHAIN)
		buf_adds(b, " (written without chaining): cannot be checked\n");
	else
		buf_adds(b, " (-no-verify)\n");
}

/* Where the report comes from (prov.h), on top. */
static void
t_prov(struct tw *w, const struct model *m, const struct opts *o)
{
	struct prov p;
	size_t i;

	prov_build(&p, m, o);
	buf_adds(&w->b, "database ");
	vis_text(&w->b, p.db ? p.db : "-", strlen(p.db ? p.db : "-"));
	buf_adds(&w->b, "  store ");
	if (p.store[0] == '\0')
		buf_addc(&w->b, '-');
	vis_text(&w->b, p.store, strlen(p.store));
	buf_adds(&w->b, p.nhosts == 1 ? "  host" : "  hosts");
	for (i = 0; i < p.nhosts; i++) {
		buf_adds(&w->b, i ? ", " : " ");
		vis_text(&w->b, p.hosts[i], strlen(p.hosts[i]));
	}
	if (p.nhosts == 0)
		buf_adds(&w->b, " -");
	buf_adds(&w->b, "\nwindow ");
	t_time(w, p.from);
	buf_adds(&w->b, p.from_data ? " (first recorded)" : " (-since)");
	buf_adds(&w->b, " .. ");
	t_time(w, p.to);
	buf_adds(&w->b, p.to_data ? " (last recorded)" : " (-until)");
	buf_adds(&w->b, "\ngenerated ");
	t_time(w, p.generated);
	buf_printf(&w->b, " by filter %s; times in %s\n", p.version,
	           w->local ? "the local zone (-tz=local)" : "UTC");
	t_verify(&w->b, &p.verify);
	t_verify_ranges(w, &p.verify);
	prov_free(&p);
}

/* what put a container where it is (rank.h), ending the line */
static void
t_activity(struct buf *b, const struct rank_ct *r)
{
	buf_printf(b, "%zu process%s started, %zu file%s changed, %zu gap%s\n",
	           r->started, r->started == 1 ? "" : "es", r->changed,
	           r->changed == 1 ? "" : "s", r->gaps,
	           r->gaps == 1 ? "" : "s");
}

/* The containers in the order they follow, before the first. */
static void
t_ranking(struct tw *w)
{
	size_t i;

	if (w->rank.n == 0)
		return;
	buf_adds(&w->b, "\ncontainers by activity (processes started + files "
	                "changed + gaps), most active first:\n");
	for (i = 0; i < w->rank.n; i++) {
		const struct container *c = w->rank.v[i].c;

		buf_printf(&w->b, "  %zu. ", i + 1);
		vis_text(&w->b, c->id, strnlen(c->id, 12));
		if (c->name.set) {
			buf_addc(&w->b, ' ');
			render_bytes(&w->b, &c->name, 128);
		}
		buf_adds(&w->b, ": ");
		t_activity(&w->b, &w->rank.v[i]);
	}
}

int
render_text(FILE *out, const struct model *m, const struct opts *o)
{
	struct tw w;
	size_t i, j, nk = 0;

	memset(&w, 0, sizeof(w));
	w.out = out;
	w.m = m;
	w.local = o->tz_local;
	rank_build(&w.rank, m);
	buf_init(&w.b);
	buf_init(&w.pre);
	buf_adds(&w.pre, "");
	for (i = 0; i < m->nprocs; i++)
		nk += m->procs[i]->keep;
	buf_printf(&w.b, "godo filter: %zu processes", nk);
	if (o->host) {
		buf_adds(&w.b, ", host ");
		vis_text(&w.b, o->host, strlen(o->host));
	}
	if (o->since != INT64_MIN) {
		buf_adds(&w.b, ", since ");
		t_time(&w, o->since);
	}
	if (o->until != INT64_MAX) {
		buf_adds(&w.b, ", until ");
		t_time(&w, o->until);
	}
	buf_addc(&w.b, '\n');
	t_prov(&w, m, o);
	t_incomplete(&w.b, m);
	for (i = 0; i < m->ngaps; i++) {
		const struct gap *g = &m->gaps[i];

		buf_adds(&w.b, "warning: events may be missing (");
		render_bytes(&w.b, &g->source, 32);
		buf_adds(&w.b, ") from ");
		t_time(&w, g->from_ns);
		buf_adds(&w.b, " to ");
		t_time(&w, g->to_ns);
		buf_printf(&w.b, ", count %lld\n", (long long)g->count);
	}
	t_ranking(&w);
	/* the containers first, most active first (rank.h) */
	for (i = 0; i < w.rank.n; i++) {
		const struct container *c = w.rank.v[i].c;

		render_text_ct_header(&w.b, c);
		buf_printf(&w.b, "  #%zu by activity: ", i + 1);
		t_activity(&w.b, &w.rank.v[i]);
		/* the container's forest: its processes whose parent is
		 * outside it (init, and each docker exec) */
		for (j = 0; j < m->nprocs; j++) {
			const struct proc *p = m->procs[j];

			if (!p->keep || p->ct != c ||
			    (p->parent != NULL && p->parent->ct == c))
				continue;
			buf_adds(&w.b, "  ");
			t_proc_line(&w, p, NULL);
			buf_reset(&w.pre);
			buf_adds(&w.pre, "  ");
			t_kids(&w, p, c);
		}
		t_files(&w, c);
		tw_flush(&w);
	}
	/* then the daemons' tree, which started them */
	buf_reset(&w.pre);
	if (m->nroots == 0)
		buf_adds(&w.b, "no dockerd or containerd in the window\n");
	for (i = 0; i < m->nroots; i++) {
		const struct proc *r = m->roots[i];

		buf_adds(&w.b, "\n== Docker daemons");
		if (r->lead.host) {
			buf_adds(&w.b, " on ");
			vis_text(&w.b, r->lead.host, strlen(r->lead.host));
		}
		buf_addc(&w.b, '\n');
		if (r->ct != NULL) {
			t_ct_marker(&w, r->ct);
			continue;
		}
		t_proc_line(&w, r, NULL);
		t_kids(&w, r, NULL);
		tw_flush(&w);
	}
	/* files of host processes (daemons) last */
	for (i = 0; i < m->nfiles; i++)
		if (m->files[i].owner->ct == NULL)
			break;
	if (i < m->nfiles) {
		buf_adds(&w.b, "\n== files of the Docker daemons\n");
		t_files(&w, NULL);
	}
	tw_flush(&w);
	buf_free(&w.b);
	buf_free(&w.pre);
	rank_free(&w.rank);
	return render_end(out, w.err);
}
