/* test_filter_pipeline.h - the stages after the store (stages.h), as
 * main.c runs them, over a fixture database (test_filter_fixture.h): for
 * the tests of the stages that need a whole model (tree, containers,
 * renderers). Links decode, pindex, discover, repair, tree, containers,
 * render_common, stages. */
#ifndef GODO_TEST_FILTER_PIPELINE_H
#define GODO_TEST_FILTER_PIPELINE_H

#include "containers.h"
#include "render.h"
#include "stages.h"
#include "test_filter_fixture.h"
#include "tree.h"

/* The whole model of fixture name under o, as main.c builds it before
 * save and render; NULL when a stage failed. */
static inline struct model *
ff_model(const char *name, const struct opts *o)
{
	bson_t *db = ff_fixture(name);
	struct discover d = {model_new((size_t)o->max_procs), o};
	struct pindex *ix = pindex_new(o->until);
	int rc;

	assert_non_null(ix);
	ff_each(db, "pids", pindex_add, ix);
	rc = stages_tree(&d, ix);
	pindex_free(ix);
	if (rc != 0) {
		model_free(d.m);
		bson_destroy(db);
		return NULL;
	}
	ff_each(db, "files", discover_file, &d);
	ff_each(db, "fds", discover_fd, &d);
	ff_each(db, "gaps", discover_gap, &d);
	stages_files(&d);
	bson_destroy(db);
	return d.m;
}

#endif
