/* fdgroup.c - see fdgroup.h. */
#include "fdgroup.h"

#include <linux/kcmp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proctab.h"

static uint32_t
home(int32_t tgid)
{
	return ((uint32_t)tgid * 2654435761u) % FDGROUP_SLOTS;
}

static const struct fdgroup_slot *
find(const struct fdgroup *g, int32_t tgid)
{
	uint32_t i, h;

	if (g->n == 0 || tgid <= 0)
		return NULL;
	for (i = 0, h = home(tgid); i < FDGROUP_SLOTS;
	     i++, h = (h + 1) % FDGROUP_SLOTS) {
		const struct fdgroup_slot *s = &g->slot[h];

		if (s->tgid == 0)
			return NULL;
		if (s->tgid == tgid)
			return s;
	}
	return NULL;
}

struct task *
fdgroup_holder(const struct fdgroup *g, struct task *proc)
{
	const struct fdgroup_slot *s = find(g, proc->tgid);

	return s != NULL && s->member == proc ? s->holder : proc;
}

int32_t
fdgroup_key(const struct fdgroup *g, int32_t tgid)
{
	const struct fdgroup_slot *s = find(g, tgid);

	return s != NULL ? s->holder->tgid : tgid;
}

bool
fdgroup_has_members(const struct fdgroup *g, const struct task *h)
{
	uint32_t i;

	for (i = 0; g->n > 0 && i < FDGROUP_SLOTS; i++)
		if (g->slot[i].tgid > 0 && g->slot[i].holder == h)
			return true;
	return false;
}

bool
fdgroup_join(struct fdgroup *g, struct task *member, struct task *with)
{
	struct task *h = fdgroup_holder(g, with);
	uint32_t i, at;

	if (h == member || member->tgid <= 0)
		return false;
	fdgroup_leave(g, member);
	if (g->n >= FDGROUP_MEMBERS_MAX) {
		g->full++;
		return false;
	}
	for (i = 0, at = home(member->tgid); i < FDGROUP_SLOTS;
	     i++, at = (at + 1) % FDGROUP_SLOTS)
		if (g->slot[at].tgid <= 0)
			break;
	g->slot[at].tgid = member->tgid;
	g->slot[at].member = member;
	g->slot[at].holder = h;
	g->n++;
	return true;
}

void
fdgroup_leave(struct fdgroup *g, const struct task *member)
{
	struct fdgroup_slot *s = (struct fdgroup_slot *)find(g, member->tgid);

	if (s == NULL || s->member != member)
		return;
	s->tgid = -1; /* a tombstone: later probes go on */
	s->member = s->holder = NULL;
	if (--g->n == 0) {
		uint32_t i;

		for (i = 0; i < FDGROUP_SLOTS; i++)
			g->slot[i].tgid = 0;
	}
}

struct task *
fdgroup_heir(const struct fdgroup *g, const struct task *h)
{
	struct task *any = NULL;
	uint32_t i;

	for (i = 0; g->n > 0 && i < FDGROUP_SLOTS; i++) {
		const struct fdgroup_slot *s = &g->slot[i];

		if (s->tgid <= 0 || s->holder != h)
			continue;
		if (!s->member->exited)
			return s->member;
		any = s->member;
	}
	return any;
}

void
fdgroup_move(struct fdgroup *g, const struct task *from, struct task *to)
{
	uint32_t i;

	fdgroup_leave(g, to);
	for (i = 0; g->n > 0 && i < FDGROUP_SLOTS; i++)
		if (g->slot[i].tgid > 0 && g->slot[i].holder == from)
			g->slot[i].holder = to;
}

int
fdgroup_kcmp(int32_t a, int32_t b)
{
	long rc = syscall(SYS_kcmp, (pid_t)a, (pid_t)b, KCMP_FILES, 0UL, 0UL);

	return rc == 0 ? 1 : rc > 0 ? 0 : -1;
}

int
fdgroup_unknown(int32_t a, int32_t b)
{
	(void)a;
	(void)b;
	return -1;
}
