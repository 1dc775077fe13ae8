/* load.h - reads godo's raw documents (docs/schema.md) into the model.
 * Each collection is read once, with one cursor (a store may have no index
 * for anything but _id: FerretDB's SQLite handler scans the collection for
 * every query). Only the Docker tree is built: the stars (dockerd,
 * containerd) first, then their descendants level by level over fork-time
 * parent links, then the threads of those processes, over an index of
 * every pids document's links (about 200 bytes each); the documents wait
 * in an unlinked temporary file and only those of kept processes are
 * loaded in full, as are their files and the gaps of the window. Memory:
 * the kept processes and their files, plus the index and a small record
 * per process of the tree that the selection dropped. */
#ifndef GODO_LOAD_H
#define GODO_LOAD_H

#include "model.h"
#include "opts.h"

struct loader;

/* Connects (short timeouts) and pings. NULL after one error line. */
struct loader *load_open(const struct opts *o);
void load_close(struct loader *l);
/* The driver's client, for save.c. Borrowed. */
void *load_client(struct loader *l);
/* -1 with one error line when the raw database holds no pids documents
 * (for -host: none of that host). */
int load_check_empty(struct loader *l);
/* Stars, descendants and threads, with their identities, links, times,
 * docker_id and rootfs only: enough to build, window and select the
 * tree. -1 after one error line (store error or -max-procs exceeded). */
int load_tree(struct loader *l, struct model *m);
/* The rest of the documents of the tasks of processes with keep set
 * (command lines, execs, exits, comm...). Once, after load_tree and the
 * selection. */
int load_fill(struct loader *l, struct model *m);
/* fds and files of processes with keep set. */
int load_files(struct loader *l, struct model *m);
/* gaps overlapping the window. */
int load_gaps(struct loader *l, struct model *m);

#endif
