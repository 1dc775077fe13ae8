/* rank.h - what a report opens on: the kept containers ordered by
 * activity, most active first, and the processes that started inside a
 * gap (a time where events may be missing). Built from the finished model
 * (after stages_files) by each renderer; owns its arrays (rank_free), and
 * points into the model, which must outlive it. */
#ifndef GODO_RANK_H
#define GODO_RANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* One shown container and its activity (docs/output.md). */
struct rank_ct {
	const struct container *c;
	size_t started; /* its kept processes, but those outside the window */
	size_t changed; /* its files and ops (everything it changed) */
	size_t gaps;    /* gaps of its host overlapping its lifetime */
	size_t score;   /* started + changed + gaps: the order */
};

/* One end of a gap on its host. */
struct rank_pt {
	const char *host;
	int64_t t;
};

struct rank {
	struct rank_ct *v; /* most active first; ties by model order */
	size_t n;
	/* the gaps' starts and ends, each sorted by host then time: the
	 * gaps overlapping [a, b] are those starting at or before b less
	 * those ending before a, two binary searches */
	struct rank_pt *from, *to;
	size_t ng;
};

void rank_build(struct rank *r, const struct model *m);
void rank_free(struct rank *r);
/* True when p started inside a gap of its host (bounds included). */
bool rank_in_gap(const struct rank *r, const struct proc *p);

#endif
