/* stages.c - see stages.h. */
#include "stages.h"

#include "containers.h"
#include "log.h"
#include "render.h"
#include "repair.h"
#include "tree.h"

int
stages_tree(const struct discover *d, struct pindex *ix)
{
	model_skip_move(&d->m->skipped, pindex_skipped(ix));
	if (discover_tree(d, ix) != 0)
		return -1;
	if (d->m->nprocs == 0)
		log_warnx("no dockerd or containerd (star) process found%s",
		          d->o->host ? " for that host" : "");
	repair_threads(d->m);
	tree_build(d->m, d->o);
	containers_identify(d->m, d->o);
	if (tree_select(d->m, d->o) != 0 || discover_fill(d, ix) != 0)
		return -1;
	tree_sort(d->m);
	return 0;
}

void
stages_files(const struct discover *d)
{
	repair_files(d->m, d->o);
	render_sort_files(d->m);
	containers_paths(d->m);
}
