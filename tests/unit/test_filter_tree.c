/* test_filter_tree.c - filter/tree.c, filter/containers.c and
 * filter/cli.c over fixture databases: roots at dockerd/containerd, the
 * window, depth, the -container selection (id prefix, name from a fake
 * Docker root with config.v2.json in a temporary directory), hosts kept
 * apart, host paths, and the command line's checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "test_filter_pipeline.h"

static struct proc *
find(struct model *m, const char *id)
{
	struct proc *p = model_find_id(m, id);

	assert_non_null(p);
	return p;
}

static size_t
kept(const struct model *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->nprocs; i++)
		n += m->procs[i]->keep;
	return n;
}

/* dockerd is the root (init above it is not loaded); containerd, a
 * star below it, is not a second root */
static void
test_tree_roots_at_stars(void **state)
{
	struct opts o;
	struct model *m;

	(void)state;
	ff_opts(&o);
	m = ff_model("docker.json", &o);
	assert_non_null(m);
	assert_int_equal(m->nroots, 1);
	assert_string_equal(m->roots[0]->lead.id, "b1:100:90000");
	assert_int_equal(kept(m), 9);
	model_free(m);
}

/* the window keeps what overlaps it and the ancestors that connect it */
static void
test_tree_window(void **state)
{
	struct opts o;
	struct model *m;

	(void)state;
	ff_opts(&o);
	o.since = FF_NS(51);
	m = ff_model("docker.json", &o);
	assert_non_null(m);
	/* sleep (exit 50) and curl (exit 8) ended before */
	assert_false(find(m, "b1:420:100400")->keep);
	assert_false(find(m, "b1:440:100700")->keep);
	assert_true(find(m, "b1:410:100250")->keep);
	assert_false(find(m, "b1:410:100250")->outside);
	/* runc ended before too, but its child is kept: runc is kept to
	 * connect it, outside the window */
	assert_true(find(m, "b1:400:100200")->keep);
	assert_true(find(m, "b1:400:100200")->outside);
	assert_int_equal(kept(m), 7);
	model_free(m);
}

/* breadth-first order visits parents before children at any depth */
static void
test_tree_order_depth(void **state)
{
	enum { DEPTH = 2000 };
	struct model *m = model_new(DEPTH);
	struct opts o;
	struct proc **ord;
	struct task t;
	size_t i, n;

	(void)state;
	ff_opts(&o);
	for (i = 0; i < DEPTH; i++) {
		char id[32];

		memset(&t, 0, sizeof(t));
		snprintf(id, sizeof(id), "p%zu", i);
		t.id = mem_strdup(id);
		t.pid = t.tgid = (int32_t)i + 1;
		t.has_start = true;
		t.start_ns = FF_NS(i);
		assert_non_null(model_add_proc(m, &t));
		if (i > 0)
			model_link(m->procs[i - 1], m->procs[i]);
	}
	tree_build(m, &o);
	assert_int_equal(m->nroots, 1);
	assert_int_equal(kept(m), DEPTH);
	n = tree_order(m, true, &ord);
	assert_int_equal(n, DEPTH);
	for (i = 0; i < n; i++)
		assert_ptr_equal(ord[i], m->procs[i]);
	free(ord);
	model_free(m);
}

/* children in start order, then by id */
static void
test_tree_sort(void **state)
{
	struct opts o;
	struct model *m;
	struct proc *cinit;

	(void)state;
	ff_opts(&o);
	m = ff_model("docker.json", &o);
	assert_non_null(m);
	cinit = find(m, "b1:410:100250");
	assert_int_equal(cinit->nkids, 3);
	assert_int_equal(cinit->kids[0]->lead.tgid, 420);
	assert_int_equal(cinit->kids[1]->lead.tgid, 430);
	assert_int_equal(cinit->kids[2]->lead.tgid, 440);
	for (size_t i = 1; i < m->nprocs; i++)
		assert_true(model_start(m->procs[i - 1]) <=
		            model_start(m->procs[i]));
	model_free(m);
}

static void
test_containers_identify(void **state)
{
	struct opts o;
	struct model *m;
	struct proc *p;

	(void)state;
	ff_opts(&o);
	m = ff_model("docker.json", &o);
	assert_non_null(m);
	assert_int_equal(m->ncts, 1);
	assert_string_equal(m->cts[0].id, FF_CID1);
	assert_string_equal(m->cts[0].rootfs.p,
	                    "/nonexistent/overlay2/m1/merged");
	/* the process's, and those that only inherited it */
	p = find(m, "b1:420:100400");
	assert_ptr_equal(p->ct, &m->cts[0]);
	assert_null(find(m, "b1:430:100600")->ct);
	assert_int_equal(m->cts[0].nprocs, 3);
	/* 3 opens, 2 renames / unlinks, 10 metadata ops */
	assert_int_equal(m->cts[0].nfiles, 15);
	model_free(m);
}

/* a fake Docker root: <root>/containers/<id>/config.v2.json */
static void
fake_docker_root(char *root, size_t size, const char *json)
{
	char path[4096];
	FILE *f;

	snprintf(root, size, "/tmp/godo-filter-test-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/containers", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/containers/%s", root, FF_CID1);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", root,
	         FF_CID1);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(json, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void
rm_docker_root(const char *root)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", root,
	         FF_CID1);
	unlink(path);
	snprintf(path, sizeof(path), "%s/containers/%s", root, FF_CID1);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/containers", root);
	rmdir(path);
	rmdir(root);
}

static void
test_containers_docker_metadata(void **state)
{
	char root[64];
	struct opts o;
	struct model *m;

	(void)state;
	fake_docker_root(root, sizeof(root),
	                 "{\"Name\": \"/web\", \"Config\": {\"Image\": "
	                 "\"nginx:1\"}, \"State\": {}}");
	ff_opts(&o);
	o.docker_root = root;
	m = ff_model("docker.json", &o);
	assert_non_null(m);
	assert_string_equal(m->cts[0].name.p, "/web");
	assert_string_equal(m->cts[0].image.p, "nginx:1");
	model_free(m);
	rm_docker_root(root);
}

/* not JSON: no name, no failure */
static void
test_containers_bad_metadata(void **state)
{
	char root[64];
	struct opts o;
	struct model *m;

	(void)state;
	fake_docker_root(root, sizeof(root), "{\"Name\": ");
	ff_opts(&o);
	o.docker_root = root;
	m = ff_model("docker.json", &o);
	assert_non_null(m);
	assert_false(m->cts[0].name.set);
	model_free(m);
	rm_docker_root(root);
}

static void
test_select_container_by_id(void **state)
{
	struct opts o;
	struct model *m;

	(void)state;
	ff_opts(&o);
	o.container = "a1a1a1";
	m = ff_model("docker.json", &o);
	assert_non_null(m);
	/* the container's processes and the daemons above them */
	assert_true(find(m, "b1:420:100400")->keep);
	assert_true(find(m, "b1:100:90000")->keep);
	assert_true(find(m, "b1:100:90000")->outside);
	assert_false(find(m, "b1:410:100250")->outside);
	/* the process without container is not the container's */
	assert_false(find(m, "b1:430:100600")->keep);
	model_free(m);
}

static void
test_select_container_by_name(void **state)
{
	char root[64];
	struct opts o;
	struct model *m;

	(void)state;
	fake_docker_root(root, sizeof(root), "{\"Name\": \"/web\"}");
	ff_opts(&o);
	o.docker_root = root;
	o.container = "web";
	m = ff_model("docker.json", &o);
	assert_non_null(m);
	assert_true(find(m, "b1:410:100250")->keep);
	model_free(m);
	o.container = "/web";
	m = ff_model("docker.json", &o);
	assert_non_null(m);
	model_free(m);
	rm_docker_root(root);
}

static void
test_select_container_no_match(void **state)
{
	struct opts o;

	(void)state;
	ff_opts(&o);
	o.container = "ffff";
	assert_null(ff_model("docker.json", &o));
	o.container = "A1"; /* ids are lowercase */
	assert_null(ff_model("docker.json", &o));
}

static void
test_containers_match(void **state)
{
	struct container c;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.id = (char *)FF_CID1;
	bytes_set(&c.name, "/db", 3);
	assert_true(containers_match(&c, "a1"));
	assert_true(containers_match(&c, FF_CID1));
	assert_false(containers_match(&c, "a2"));
	assert_true(containers_match(&c, "db"));
	assert_true(containers_match(&c, "/db"));
	assert_false(containers_match(&c, "d"));
	bytes_free(&c.name);
}

/* the same pid on two hosts is two processes */
static void
test_hosts_kept_apart(void **state)
{
	struct model *m = model_new(10);
	struct task t;
	struct proc *a, *b;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.id = mem_strdup("h1:5");
	t.host = mem_strdup("h1");
	t.pid = t.tgid = 5;
	a = model_add_proc(m, &t);
	memset(&t, 0, sizeof(t));
	t.id = mem_strdup("h2:5");
	t.host = mem_strdup("h2");
	t.pid = t.tgid = 5;
	b = model_add_proc(m, &t);
	assert_ptr_equal(model_find_tgid(m, "h1", NULL, 5), a);
	assert_ptr_equal(model_find_tgid(m, "h2", NULL, 5), b);
	assert_ptr_equal(model_match_time(m, "h2", NULL, 5, NS_NONE), b);
	assert_null(model_find_tgid(m, "h3", NULL, 5));
	model_free(m);
}

/* overlay2: merged/ while the container runs, else diff/ if it holds
 * the file, else the merged path as recorded */
static void
test_containers_host_path(void **state)
{
	char root[64], path[4096];
	struct bytes rootfs = {0}, p = {(char *)"/etc/x", 6, true}, out = {0};
	FILE *f;

	(void)state;
	snprintf(root, sizeof(root), "/tmp/godo-filter-test-XXXXXX");
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/merged/", root);
	bytes_set(&rootfs, path, strlen(path));
	containers_host_path(&rootfs, &p, &out);
	snprintf(path, sizeof(path), "%s/merged/etc/x", root);
	assert_string_equal(out.p, path);
	/* stopped: merged/ is gone, diff/ holds the file */
	snprintf(path, sizeof(path), "%s/diff", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/diff/etc", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/diff/etc/x", root);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fclose(f), 0);
	containers_host_path(&rootfs, &p, &out);
	assert_string_equal(out.p, path);
	unlink(path);
	snprintf(path, sizeof(path), "%s/diff/etc", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/diff", root);
	rmdir(path);
	rmdir(root);
	bytes_free(&out);
	bytes_free(&rootfs);
}

static void
test_cli_check(void **state)
{
	struct opts o;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.format = "text";
	o.db = "godo";
	o.out = "godo_out";
	o.max_procs = 1;
	o.container = "";
	o.since_s = "1h";
	assert_int_equal(cli_check(&o, FF_T0), 0);
	assert_null(o.container);
	assert_true(o.since == FF_T0 - 3600LL * 1000000000LL);
	assert_true(o.until == INT64_MAX);
	o.format = "html5";
	assert_int_equal(cli_check(&o, FF_T0), -1);
	o.format = "json";
	o.out = "godo";
	assert_int_equal(cli_check(&o, FF_T0), -1);
	o.no_save = true;
	assert_int_equal(cli_check(&o, FF_T0), 0);
	o.until_s = "2h";
	assert_int_equal(cli_check(&o, FF_T0), -1); /* since after until */
	o.until_s = "2026-13-45T00:00:00Z";
	assert_int_equal(cli_check(&o, FF_T0), -1);
	o.until_s = NULL;
	o.max_procs = 0;
	assert_int_equal(cli_check(&o, FF_T0), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tree_roots_at_stars),
	    cmocka_unit_test(test_tree_window),
	    cmocka_unit_test(test_tree_order_depth),
	    cmocka_unit_test(test_tree_sort),
	    cmocka_unit_test(test_containers_identify),
	    cmocka_unit_test(test_containers_docker_metadata),
	    cmocka_unit_test(test_containers_bad_metadata),
	    cmocka_unit_test(test_select_container_by_id),
	    cmocka_unit_test(test_select_container_by_name),
	    cmocka_unit_test(test_select_container_no_match),
	    cmocka_unit_test(test_containers_match),
	    cmocka_unit_test(test_hosts_kept_apart),
	    cmocka_unit_test(test_containers_host_path),
	    cmocka_unit_test(test_cli_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
