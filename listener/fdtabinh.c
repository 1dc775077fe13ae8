/* fdtabinh.c - what happens to descriptors at fork, exec and close_range:
 * inherited entries, close-on-exec, ranges closed or marked (fdtab.h). */
#include <stdlib.h>

#include "fdtab_impl.h"
#include "log.h"

/* Which of proc's descriptors a walk takes. */
struct fdpick {
	uint32_t first, last; /* numbers in [first, last] */
	bool cloexec;         /* only close-on-exec ones */
};

static bool
picked(const struct fdent *e, const struct fdpick *p)
{
	return !e->shadow && (uint32_t)e->fd >= p->first &&
	       (uint32_t)e->fd <= p->last && (!p->cloexec || e->cloexec);
}

/* The current (not shadowed) descriptor numbers of proc that p picks, in
 * *out (allocated; NULL when none). Numbers, not pointers: adding or
 * dropping entries may drop others (evictions, shadows). -1 when out of
 * memory (logged). */
static int
numbers_of(const struct task *proc, const struct fdpick *p, int32_t **out,
           uint32_t *n)
{
	const struct fdent *e;
	uint32_t cnt = 0;

	*out = NULL;
	*n = 0;
	for (e = proc->fds; e != NULL; e = e->pnext)
		cnt += picked(e, p);
	if (cnt == 0)
		return 0;
	*out = malloc(cnt * sizeof(**out));
	if (*out == NULL) {
		log_warn("fdtab: %u descriptors", cnt);
		return -1;
	}
	for (e = proc->fds; e != NULL; e = e->pnext)
		if (picked(e, p))
			(*out)[(*n)++] = e->fd;
	return 0;
}

static const struct fdpick pick_all = {0, UINT32_MAX, false};

void
fdtab_inherit(struct fdtab *t, struct task *parent, struct task *child,
              int64_t ns)
{
	int32_t *fds;
	uint32_t n, i;

	parent = fdtab_holder(t, parent);
	if (parent == child || numbers_of(parent, &pick_all, &fds, &n) != 0)
		return;
	for (i = 0; i < n; i++) {
		struct fdent *src = fdtab_get(t, parent->tgid, fds[i]), *dst;

		if (src == NULL || fdtab_get(t, child->tgid, fds[i]) != NULL)
			continue; /* evicted meanwhile, or the child's own */
		dst = fdtab_add_entry(t, child, fds[i], src->path, src->pathlen,
		                      ns);
		if (dst == NULL)
			continue; /* a drop, counted */
		/* src may have gone to make room for dst */
		src = fdtab_get(t, parent->tgid, fds[i]);
		if (src == NULL) {
			fdtab_drop_entry(t, dst, child, ns, "evicted");
			continue;
		}
		dst->serial = src->serial;
		dst->cloexec = src->cloexec;
		fdtab_share_entry(dst, src);
	}
	free(fds);
}

/* proc's descriptors that p picks go (by), or are marked close-on-exec
 * (mark). */
static void
close_picked(struct fdtab *t, struct task *proc, const struct fdpick *p,
             bool mark, int64_t ns, const char *by)
{
	int32_t *fds;
	uint32_t n, i;

	if (numbers_of(proc, p, &fds, &n) != 0)
		return;
	for (i = 0; i < n; i++) {
		struct fdent *e = fdtab_get(t, proc->tgid, fds[i]);

		if (e == NULL)
			continue;
		if (mark) {
			e->cloexec = true;
			continue;
		}
		fdtab_drop_prev(t, e, proc, ns, "reuse");
		fdtab_drop_entry(t, e, proc, ns, by);
	}
	free(fds);
}

void
fdtab_exec(struct fdtab *t, struct task *proc, int64_t ns)
{
	const struct fdpick p = {0, UINT32_MAX, true};

	fdtab_unshare(t, proc, ns); /* exec gives a shared table a copy */
	close_picked(t, proc, &p, false, ns, "exec");
}

void
fdtab_close_range(struct fdtab *t, struct task *proc, uint32_t first,
                  uint32_t last, bool cloexec_only, int64_t ns)
{
	const struct fdpick p = {first, last, false};

	close_picked(t, fdtab_holder(t, proc), &p, cloexec_only, ns, "close");
}

void
fdtab_set_cloexec(struct fdtab *t, struct task *proc, int32_t fd,
                  uint64_t serial, bool on)
{
	struct fdent *e =
	    fdtab_route(t, fdtab_holder(t, proc)->tgid, fd, serial);

	if (e != NULL)
		e->cloexec = on;
}
