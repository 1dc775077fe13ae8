/* verifydb.h - filter -verify against the raw database: every chain link
 * and every document of the chained collections (-host applied) through
 * verify.c, the findings on stdout, then one summary line. */
#ifndef GODO_VERIFYDB_H
#define GODO_VERIFYDB_H

#include "model.h"
#include "opts.h"

#include "verify.h"

/* The exit status: 0 intact, 1 anything missing, changed, added or out of
 * order (or no chain at all), 2 bad -chain-key / -chain-head, 1 on a store
 * error (one error line). */
int verifydb_run(const struct opts *o);
/* The same check for a report's first lines, over the whole record (of
 * -host; a report shows the ancestors of the window's processes too): findings
 * to out (NULL: none written), the counts in r. 0, 2 (bad flag, one error line)
 * or 1 (store error, one error line). */
int verifydb_check(const struct opts *o, FILE *out, struct verify_result *r);
/* r's per-collection ranges of changed, added and deleted documents into
 * mv->range (the report's verification block). */
void verifydb_ranges(const struct verify_result *r, struct model_verify *mv);

#endif
