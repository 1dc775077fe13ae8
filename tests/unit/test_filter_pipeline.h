/* test_filter_pipeline.h - main.c's stages after the store, in its order,
 * over a fixture database (test_filter_fixture.h): for the tests of the
 * stages that need a whole model (tree, containers, renderers). Links
 * decode, pindex, discover, repair, tree, containers, render_common. */
#ifndef GODO_TEST_FILTER_PIPELINE_H
#define GODO_TEST_FILTER_PIPELINE_H

#include "containers.h"
#include "discover.h"
#include "pindex.h"
#include "render.h"
#include "repair.h"
#include "test_filter_fixture.h"
#include "tree.h"

/* read_tree() of main.c: -1 when a stage failed (m is kept). */
static inline int
ff_tree(const bson_t *db, const struct discover *d)
{
	struct pindex *ix = pindex_new(d->o->until);
	int rc = -1;

	assert_non_null(ix);
	ff_each(db, "pids", pindex_add, ix);
	if (discover_tree(d, ix) != 0)
		goto out;
	repair_threads(d->m);
	tree_build(d->m, d->o);
	containers_identify(d->m, d->o);
	if (tree_select(d->m, d->o) == 0 && discover_fill(d, ix) == 0)
		rc = 0;
out:
	pindex_free(ix);
	return rc;
}

/* The whole model of fixture name under o, as main.c builds it before
 * save and render; NULL when a stage failed. */
static inline struct model *
ff_model(const char *name, const struct opts *o)
{
	bson_t *db = ff_fixture(name);
	struct discover d = {model_new((size_t)o->max_procs), o};

	if (ff_tree(db, &d) != 0) {
		model_free(d.m);
		bson_destroy(db);
		return NULL;
	}
	tree_sort(d.m);
	ff_each(db, "files", discover_file, &d);
	ff_each(db, "fds", discover_fd, &d);
	ff_each(db, "gaps", discover_gap, &d);
	repair_files(d.m, o);
	render_sort_files(d.m);
	containers_paths(d.m);
	bson_destroy(db);
	return d.m;
}

#endif
