/* stages.h - the filter's stages between the store and the output, in the
 * order they run, over documents already read (main.c feeds them from the
 * store, the unit tests from JSON): one place that says what runs after
 * what. */
#ifndef GODO_STAGES_H
#define GODO_STAGES_H

#include "discover.h"
#include "pindex.h"

/* Over the index of every pids document: the Docker tree (discover), its
 * threads repaired, windowed (tree_build), its containers identified,
 * -container selected, then the kept processes' full documents. -1
 * after one error line (-max-procs, -container, the spill). */
int stages_tree(const struct discover *d, struct pindex *ix);
/* After the kept processes' files and gaps were read: files repaired
 * (paths, close times, window), ordered, given host paths; containers
 * counted. The model is then ready for save and the renderers. */
void stages_files(const struct discover *d);

#endif
