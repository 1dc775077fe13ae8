/* fdinherit.c - see fdinherit.h. */
#include "fdinherit.h"

#include <stddef.h>

static struct fdinherit_slot *
slot_of(struct fdinherit *fi, int32_t child)
{
	return &fi->slot[(uint32_t)child % FDINHERIT_SLOTS];
}

bool
fdinherit_note(struct fdinherit *fi, const struct fdinherit_fork *f,
               struct fdinherit_fork *old)
{
	struct fdinherit_slot *s = slot_of(fi, f->child);
	bool had = s->child != 0 && s->child != f->child;

	old->child = s->child;
	old->parent = s->parent;
	old->shared = s->shared;
	s->child = f->child;
	s->parent = f->parent;
	s->shared = f->shared;
	return had;
}

bool
fdinherit_take(struct fdinherit *fi, int32_t child, struct fdinherit_fork *f)
{
	struct fdinherit_slot *s = slot_of(fi, child);

	if (child <= 0 || s->child != child)
		return false;
	f->child = child;
	f->parent = s->parent;
	f->shared = s->shared;
	s->child = 0;
	return true;
}

/* The pending fork a clone event names (fdinherit_take_clone), NULL when
 * none or several. */
static struct fdinherit_slot *
find_clone(struct fdinherit *fi, int32_t child, int32_t parent)
{
	struct fdinherit_slot *s = slot_of(fi, child), *one = NULL;
	unsigned int i, n = 0;

	if (child > 0 && s->child == child && s->parent == parent)
		return s;
	for (i = 0; i < FDINHERIT_SLOTS; i++)
		if (fi->slot[i].child != 0 && fi->slot[i].parent == parent) {
			one = &fi->slot[i];
			n++;
		}
	return n == 1 ? one : NULL;
}

bool
fdinherit_has_clone(struct fdinherit *fi, int32_t child, int32_t parent)
{
	return find_clone(fi, child, parent) != NULL;
}

bool
fdinherit_take_clone(struct fdinherit *fi, int32_t child, int32_t parent,
                     struct fdinherit_fork *f)
{
	struct fdinherit_slot *s = find_clone(fi, child, parent);

	return s != NULL && fdinherit_take(fi, s->child, f);
}
