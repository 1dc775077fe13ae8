/* load.h - reads godo's raw documents (docs/schema.md) into the model
 * with cursors and projections. Only the Docker tree is loaded: the stars
 * (dockerd, containerd) first, then their descendants level by level over
 * fork-time parent links, then the threads of those processes; files and
 * gaps only for kept processes and the window. Memory follows the number of
 * processes kept, never the size of the database. */
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
/* Stars, descendants and threads. -1 after one error line (store error
 * or -max-procs exceeded). */
int load_tree(struct loader *l, struct model *m);
/* fds and files of processes with keep set. */
int load_files(struct loader *l, struct model *m);
/* gaps overlapping the window. */
int load_gaps(struct loader *l, struct model *m);

#endif
