/* repair.c - see repair.h. */
#include "repair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"

static int
task_cmp(const void *a, const void *b)
{
	const struct task *x = a, *y = b;
	int64_t s = x->has_start ? x->start_ns : NS_NONE;
	int64_t t = y->has_start ? y->start_ns : NS_NONE;

	if (s != t)
		return s < t ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return strcmp(x->id, y->id);
}

void
repair_threads(struct model *m)
{
	size_t i, j;

	for (i = 0; i < m->nprocs; i++) {
		struct proc *p = m->procs[i];
		int32_t ptgid =
		    p->parent ? p->parent->lead.tgid : p->lead.parent_tgid;
		bool known = p->parent != NULL || p->lead.has_ptgid;

		mem_sort(p->threads, p->nthreads, sizeof(*p->threads),
		         task_cmp);
		for (j = 0; j < p->nthreads; j++) {
			struct task *t = &p->threads[j];

			/* a thread made after its parent died carries the
			 * reaper as parent (seeds/003 #3): take the
			 * process's own */
			if (known &&
			    (!t->has_ptgid || t->parent_tgid != ptgid)) {
				t->parent_tgid = ptgid;
				t->ppid = ptgid;
				t->has_ptgid = t->has_ppid = true;
				t->parent_fixed = true;
			}
			free(t->parent_id);
			t->parent_id =
			    p->parent ? mem_strdup(p->parent->lead.id) : NULL;
			/* the process ended while the thread ran */
			if (!t->has_exit && p->lead.has_exit) {
				t->exit_ns = p->lead.exit_ns;
				t->has_exit = true;
				t->exit_filled = true;
			}
		}
	}
}

const struct bytes *
repair_cwd_at(const struct proc *p, int64_t ns)
{
	const struct bytes *cwd = NULL;
	size_t i;

	for (i = 0; i < p->lead.nexec; i++) {
		const struct exec *e = &p->lead.execs[i];

		if (ns != NS_NONE && e->ns > ns)
			break;
		if (e->cwd.set && e->cwd.n > 0)
			cwd = &e->cwd;
	}
	if (cwd == NULL && p->lead.cwd.set && p->lead.cwd.n > 0)
		cwd = &p->lead.cwd;
	return cwd;
}

void
repair_path(const struct bytes *cwd, const struct bytes *in, struct bytes *out)
{
	size_t cwdn = cwd != NULL ? cwd->n : 0;
	size_t cap = cwdn + in->n + 3; /* "/" cwd "/" in NUL: the longest */
	char *res;
	long n;

	bytes_free(out);
	/* a relative name with no cwd: where it was is unknown */
	if ((in->n == 0 || in->p[0] != '/') && cwdn == 0) {
		bytes_set(out, in->p, in->n);
		return;
	}
	res = mem_calloc(cap, 1);
	n = path_resolve(cwdn ? cwd->p : NULL, cwdn, in->p, in->n, res, cap);
	if (n < 0) { /* cannot happen with cap; keep the recorded bytes */
		free(res);
		bytes_set(out, in->p, in->n);
		return;
	}
	out->p = res;
	out->n = (size_t)n;
	out->set = true;
}

static void
clean(const struct proc *p, int64_t ns, const struct bytes *in,
      struct bytes *out)
{
	repair_path(repair_cwd_at(p, ns), in, out);
}

static bool
in_window(const struct file *f, const struct opts *o)
{
	if (f->op != FOP_OPEN)
		return f->ns == NS_NONE ||
		       (f->ns >= o->since && f->ns <= o->until);
	if (f->open_ns != NS_NONE && f->open_ns > o->until)
		return false;
	if (f->has_close && f->close_ns < o->since)
		return false;
	return true;
}

void
repair_files(struct model *m, const struct opts *o)
{
	size_t i, w = 0;

	for (i = 0; i < m->nfiles; i++) {
		struct file *f = &m->files[i];
		int64_t at = f->op == FOP_OPEN ? f->open_ns : f->ns;

		clean(f->owner, at, &f->raw_path, &f->path);
		if (f->new_path.set) {
			struct bytes raw = f->new_path;

			memset(&f->new_path, 0, sizeof(f->new_path));
			clean(f->owner, at, &raw, &f->new_path);
			bytes_free(&raw);
		}
		if (f->op == FOP_OPEN && !f->has_close &&
		    f->owner->lead.has_exit) {
			f->close_ns = f->owner->lead.exit_ns;
			f->has_close = true;
			f->close_filled = true;
			if (!f->closed_by.set)
				bytes_set(&f->closed_by, "exit", 4);
		}
		if (!in_window(f, o)) {
			model_file_free(f);
			continue;
		}
		if (w != i)
			m->files[w] = *f;
		w++;
	}
	m->nfiles = w;
}

void
repair_joined_op(struct model *m, const struct file *f, enum file_op op,
                 int64_t ns, struct proc *by, const struct joined_new *nw)
{
	struct bytes raw = {0};
	struct file *g;
	const char *name;
	char *id;
	size_t n;

	if (op == FOP_OPEN || by == NULL || !by->keep || f->id == NULL)
		return;
	name = model_op_name(op);
	if (name == NULL)
		return; /* only rename and unlink are joined */
	n = strlen(f->id) + strlen(name) + 2;
	id = mem_calloc(n, 1);
	snprintf(id, n, "%s:%s", f->id, name);
	if (strmap_get(m->fileid, id) != NULL) {
		free(id);
		return;
	}
	bytes_copy(&raw, &f->raw_path); /* f moves when the array grows */
	strmap_put(m->fileid, id, by);
	g = model_add_file(m);
	g->id = id;
	g->owner = by;
	model_file_set_op(g, op, NULL);
	g->raw_path = raw;
	g->ns = ns;
	if (op == FOP_RENAME && nw != NULL) {
		bytes_copy(&g->new_path, nw->path);
		if (nw->given != NULL)
			bytes_copy(&g->given2, nw->given);
		g->unverified2 = nw->unverified;
	}
}
