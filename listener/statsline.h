/* statsline.h - godo's periodic stats line (-stats, SIGUSR1): every
 * counter of every stage on one info line, rates over dt_ms. The sources
 * are borrowed for the call. Tests read the line's "name value" pairs: keep
 * the names. */
#ifndef GODO_STATSLINE_H
#define GODO_STATSLINE_H

#include <stdint.h>

#include "auditsock.h"
#include "core.h"
#include "membudget.h"
#include "procconn.h"
#include "reasm.h"
#include "store.h"
#include "writeback.h"

struct statsline_src {
	struct auditsock *asrc;
	struct procconn *conn;
	struct core *core;
	struct store *store;
	struct reasm *reasm;
	const struct writeback *wb;
	const struct membudget *docs;
	uint64_t events, records; /* since the last line */
	uint64_t lost_total;
	uint64_t dt_ms; /* since the last line */
};

void statsline_log(const struct statsline_src *s);

#endif
