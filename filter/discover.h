/* discover.h - which documents belong to the report. Only the Docker tree
 * is built: the stars (dockerd, containerd) first, then their descendants
 * level by level over fork-time parent links (parent_id, else
 * parent_tgid alive at the fork), then the threads of those processes,
 * all over the pids index (pindex.h); then, once the window and the
 * selection have set keep, the full documents of the kept processes'
 * tasks (from the index's spill), their files and the gaps of the window.
 * No store: documents come from rawdb.c or a test. Memory: the kept
 * processes and their files, plus a small record per process of the tree
 * that the selection dropped. */
#ifndef GODO_DISCOVER_H
#define GODO_DISCOVER_H

#include <bson/bson.h>

#include "model.h"
#include "opts.h"
#include "pindex.h"

/* The state of the reading stages: what they fill and by what rules. */
struct discover {
	struct model *m;
	const struct opts *o;
};

/* Stars, descendants and threads, with their identities, links, times,
 * docker_id and rootfs only: enough to build, window and select the
 * tree. -1 after one error line (-max-procs exceeded). */
int discover_tree(const struct discover *d, const struct pindex *ix);
/* The rest of the documents of the tasks of processes with keep set
 * (command lines, execs, exits, comm...), replayed from ix. Once, after
 * the selection. -1 after one error line. */
int discover_fill(const struct discover *d, struct pindex *ix);
/* The task ids (and aliases) of kept processes, for the files query.
 * *out is malloc'd, its strings borrowed from the model. */
size_t discover_kept_ids(const struct model *m, char ***out);
/* One files / fds document (arg: struct discover): kept when its owner
 * is kept and its _id is new (a document in both is read from files
 * first); an operation joined to it becomes a file of its own
 * (repair_joined_op). Never fails (0). */
int discover_file(const bson_t *doc, void *arg);
int discover_fd(const bson_t *doc, void *arg);
/* One gaps document (arg: struct discover): kept when it overlaps the
 * window. Never fails (0). */
int discover_gap(const bson_t *doc, void *arg);

#endif
