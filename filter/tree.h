/* tree.h - the Docker tree over the loaded processes: roots (dockerd or
 * containerd incarnations not below another star), the time window, the
 * -container selection, and a deterministic order (start time, then id). */
#ifndef GODO_TREE_H
#define GODO_TREE_H

#include "model.h"
#include "opts.h"

/* Roots, and keep = overlaps the window or has a kept descendant
 * (outside = kept only to connect the tree). */
void tree_build(struct model *m, const struct opts *o);
/* -container: keep only the container's processes and their ancestors.
 * Needs p->ct (containers_identify). -1 after one error line when no
 * container or several match. */
int tree_select(struct model *m, const struct opts *o);
/* Drops unkept roots/children from the lists and sorts everything. */
void tree_sort(struct model *m);
/* Processes in tree order (parents before children), kept ones only when
 * kept_only. *out is malloc'd; returns the count. */
size_t tree_order(const struct model *m, bool kept_only, struct proc ***out);

#endif
