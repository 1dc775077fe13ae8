/* repair.h - fixes what the raw stream gets wrong (the original Go
 * filter's repairs, seeds/003): threads get their process's parent and,
 * when their exit was not seen, its exit; an unlink or rename the
 * listener joined to a closed file becomes an operation of its own again;
 * files never closed get their owner's exit; paths are cleaned and
 * relative ones resolved against the process's cwd; files outside the
 * window are dropped. Documents of one task are merged by model.c
 * (model_merge_task: the later exec's image wins). */
#ifndef GODO_REPAIR_H
#define GODO_REPAIR_H

#include "model.h"
#include "opts.h"

/* Threads: sort, parent, exit. Run after discover_tree. */
void repair_threads(struct model *m);
/* A joined rename's new name: the path, the name as given (new_raw_path)
 * and whether godo confirmed it (its own marks, docs/schema.md). */
struct joined_new {
	const struct bytes *path, *given;
	bool unverified;
};
/* The listener joins an unlink or rename that follows a close right away
 * to the closed file's document (then_* fields, docs/schema.md): a new
 * file of m, "<f's id>:<op's name>", owned by the process that did it (by;
 * nothing when by is NULL or not kept, or op is neither FOP_RENAME nor
 * FOP_UNLINK), at ns, with f's raw path (and nw for a rename; nw may be
 * NULL). It carries none of the session's path marks: the listener joins
 * only an op whose own name carries none. Once per id. f may be an element
 * of m->files. */
void repair_joined_op(struct model *m, const struct file *f, enum file_op op,
                      int64_t ns, struct proc *by, const struct joined_new *nw);
/* Files: paths, close times, window. Run after the files are read. */
void repair_files(struct model *m, const struct opts *o);
/* The cwd in effect at ns: the last exec at or before ns that recorded
 * one, else the process's cwd. NULL when unknown. */
const struct bytes *repair_cwd_at(const struct proc *p, int64_t ns);
/* in resolved against cwd (may be NULL) and cleaned (common/path.h) into
 * out; a relative name without a cwd is kept as recorded. */
void repair_path(const struct bytes *cwd, const struct bytes *in,
                 struct bytes *out);

#endif
