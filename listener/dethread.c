/* dethread.c - see dethread.h. */
#include "dethread.h"

static int32_t *
slot_of(struct dethread *d, int32_t tgid)
{
	return &d->threaded[(uint32_t)tgid % DETHREAD_SLOTS];
}

void
dethread_note_thread(struct dethread *d, int32_t tgid)
{
	*slot_of(d, tgid) = tgid;
}

bool
dethread_threaded(const struct dethread *d, int32_t tgid)
{
	return tgid > 0 && d->threaded[(uint32_t)tgid % DETHREAD_SLOTS] == tgid;
}

void
dethread_forget(struct dethread *d, int32_t tgid)
{
	if (dethread_threaded(d, tgid))
		*slot_of(d, tgid) = 0;
}

/* Takes parked[i] out into *out, keeping the rest in order. */
static void
take_at(struct dethread *d, unsigned int i, struct dethread_exit *out)
{
	*out = d->parked[i];
	for (; i + 1 < d->nparked; i++)
		d->parked[i] = d->parked[i + 1];
	d->nparked--;
}

bool
dethread_park(struct dethread *d, const struct dethread_exit *x,
              struct dethread_exit *due)
{
	bool full = d->nparked == DETHREAD_PARKED;

	if (full)
		take_at(d, 0, due);
	d->parked[d->nparked++] = *x;
	return full;
}

bool
dethread_take(struct dethread *d, int32_t pid, struct dethread_exit *out)
{
	unsigned int i;

	for (i = 0; i < d->nparked; i++)
		if (d->parked[i].pid == pid) {
			take_at(d, i, out);
			return true;
		}
	return false;
}

bool
dethread_due(struct dethread *d, uint64_t now_ms, uint64_t min_ms,
             struct dethread_exit *out)
{
	if (d->nparked == 0 || now_ms < d->parked[0].mono_ms + min_ms)
		return false;
	take_at(d, 0, out);
	return true;
}
