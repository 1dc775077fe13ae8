/* fdinherit.c - see fdinherit.h. */
#include "fdinherit.h"

static struct fdinherit_slot *
slot_of(struct fdinherit *fi, int32_t child)
{
	return &fi->slot[(uint32_t)child % FDINHERIT_SLOTS];
}

bool
fdinherit_note(struct fdinherit *fi, int32_t child, int32_t parent,
               int32_t *old_child, int32_t *old_parent)
{
	struct fdinherit_slot *s = slot_of(fi, child);
	bool had = s->child != 0 && s->child != child;

	*old_child = s->child;
	*old_parent = s->parent;
	s->child = child;
	s->parent = parent;
	return had;
}

bool
fdinherit_take(struct fdinherit *fi, int32_t child, int32_t *parent)
{
	struct fdinherit_slot *s = slot_of(fi, child);

	if (child <= 0 || s->child != child)
		return false;
	*parent = s->parent;
	s->child = 0;
	return true;
}
