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

/* Connects to o->mongo on its own (dbconn.h) and writes the kept
 * processes and the files into o->out. -1 after one error line. */
int save_run(const struct model *m, const struct opts *o);

#endif
