/* repair.h - fixes what the raw stream gets wrong (the original Go
 * filter's repairs, seeds/003): threads get their process's parent and,
 * when their exit was not seen, its exit; files never closed get their
 * owner's exit; paths are cleaned and relative ones resolved against the
 * process's cwd; files outside the window are dropped. */
#ifndef GODO_REPAIR_H
#define GODO_REPAIR_H

#include "model.h"
#include "opts.h"

/* Threads: sort, parent, exit. Run after load_tree. */
void repair_threads(struct model *m);
/* Files: paths, close times, window. Run after load_files. */
void repair_files(struct model *m, const struct opts *o);
/* The cwd in effect at ns: the last exec at or before ns that recorded
 * one, else the process's cwd. NULL when unknown. */
const struct bytes *repair_cwd_at(const struct proc *p, int64_t ns);
/* in resolved against cwd (may be NULL) and cleaned (common/path.h) into
 * out; a relative name without a cwd is kept as recorded. */
void repair_path(const struct bytes *cwd, const struct bytes *in,
                 struct bytes *out);

#endif
