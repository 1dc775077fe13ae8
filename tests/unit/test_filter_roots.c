/* test_filter_roots.c - issue 15's roots in filter: a kernel usermode
 * helper and a host process that entered a container (star, source
 * "usermode_helper" / "setns") are found as roots of the tree beside the
 * daemons, their descendants below them, and named as such
 * (render_root_kind); a process a setns root started, or a daemon, is no
 * such root. Documents from JSON; no store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "pindex.h"
#include "render.h"
#include "test_filter_fixture.h"
#include "tree.h"

/* pids documents: T(pid, start s, extra fields) */
#define T(pid, s, extra)                                                       \
	"{\"_id\": \"b:" #pid ":" #s "\", \"host\": \"h\", \"boot_id\": "      \
	"\"b\", \"pid\": " #pid ", \"tgid\": " #pid ", \"start_ticks\": 1" #s  \
	", \"start_ns\": 17956008" #s "000000000" extra "}"

static const char *const docs[] = {
    T(100, 10, ", \"star\": true, \"source\": \"snapshot\""),
    T(200, 11, ", \"parent_id\": \"b:100:10\", \"parent_tgid\": 100"),
    /* core_pattern's helper: its parent kthreadd is not recorded */
    T(300, 12,
      ", \"star\": true, \"source\": \"usermode_helper\", "
      "\"ppid\": 2, \"parent_tgid\": 2, \"args\": [\"/h.sh\"]"),
    T(301, 13, ", \"parent_id\": \"b:300:12\", \"parent_tgid\": 300"),
    /* nsenter from a host shell (not recorded) into a container */
    T(400, 14,
      ", \"star\": true, \"source\": \"setns\", \"setns\": true, "
      "\"parent_id\": \"b:50:1\", \"parent_tgid\": 50, "
      "\"docker_id\": \"c1\""),
    T(401, 15,
      ", \"source\": \"setns\", \"parent_id\": \"b:400:14\", "
      "\"parent_tgid\": 400, \"docker_id\": \"c1\""),
    /* a host process nobody recorded as a root: not in the tree */
    T(500, 16, ", \"source\": \"setns\""),
};

static struct proc *
find(struct model *m, const char *id)
{
	struct proc *p = model_find_id(m, id);

	assert_non_null(p);
	return p;
}

static void
test_roots_found_and_named(void **state)
{
	struct opts o;
	struct discover d;
	struct pindex *ix;
	size_t i;

	(void)state;
	ff_opts(&o);
	d.m = model_new(1000);
	d.o = &o;
	ix = pindex_new(o.until);
	assert_non_null(ix);
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		bson_t *b = ff_doc(docs[i]);

		assert_int_equal(pindex_add(b, ix), 0);
		bson_destroy(b);
	}
	assert_int_equal(discover_tree(&d, ix), 0);
	assert_int_equal(d.m->nprocs, 6); /* 500 is not reached */
	for (i = 0; i < d.m->nprocs; i++)
		d.m->procs[i]->keep = true;
	assert_int_equal(discover_fill(&d, ix), 0);
	tree_build(d.m, &o);
	assert_int_equal(d.m->nroots, 3);
	assert_null(find(d.m, "b:300:12")->parent);
	assert_null(find(d.m, "b:400:14")->parent);
	assert_ptr_equal(find(d.m, "b:301:13")->parent, find(d.m, "b:300:12"));
	assert_ptr_equal(find(d.m, "b:401:15")->parent, find(d.m, "b:400:14"));
	assert_string_equal(render_root_kind(find(d.m, "b:300:12")),
	                    "usermode_helper");
	assert_string_equal(render_root_kind(find(d.m, "b:400:14")), "setns");
	assert_null(render_root_kind(find(d.m, "b:401:15")));
	assert_null(render_root_kind(find(d.m, "b:100:10")));
	assert_null(render_root_kind(find(d.m, "b:301:13")));
	pindex_free(ix);
	model_free(d.m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roots_found_and_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
