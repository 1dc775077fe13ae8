/* save.h - writes the cleaned model into the -out database: collections
 * `processes` and `files` (opens, renames and unlinks, with `op`) are
 * dropped and rewritten in batches. Same string convention as the raw
 * database: valid UTF-8 as BSON string, other bytes as binary subtype 0. */
#ifndef GODO_SAVE_H
#define GODO_SAVE_H

#include "model.h"
#include "opts.h"

#define OUT_PROCESSES "processes"
#define OUT_FILES "files"

/* Raw data is sacred: whether o->out holds any of godo's raw collections
 * (pids, gaps, runs), so that saving there would replace evidence. Reads
 * only. 0 with *raw set, or -1 after one error line. */
int save_out_is_raw(const struct opts *o, bool *raw);
/* Connects to o->mongo on its own (dbconn.h) and writes the kept
 * processes and the files into o->out (not NULL). -1 after one error
 * line. */
int save_run(const struct model *m, const struct opts *o);

#endif
