/* test_filter_discover.c - filter/pindex.c and filter/discover.c: the
 * pids index and the Docker tree found over it (stars, fork-time links,
 * parent_tgid at the fork, PID reuse, threads, a task under two ids, the
 * window's end, -max-procs), the full documents of kept tasks (a task's
 * final document merged), files (owner kept, files before fds, joined
 * operations) and gaps (window). Documents from JSON; no store. */
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
#include "test_filter_fixture.h"

/* pids documents: T(pid, tgid, start s, extra fields) */
#define T(pid, tgid, s, extra)                                                 \
	"{\"_id\": \"b:" #pid ":" #s "\", \"host\": \"h\", \"boot_id\": "      \
	"\"b\", \"pid\": " #pid ", \"tgid\": " #tgid ", \"start_ticks\": 1" #s \
	", \"start_ns\": 17956008" #s "000000000" extra "}"
#define STAR(pid, s) T(pid, pid, s, ", \"star\": true")
#define KID(pid, s, ppid, ps)                                                  \
	T(pid, pid, s,                                                         \
	  ", \"parent_id\": \"b:" #ppid ":" #ps "\", \"parent_tgid\": " #ppid)

struct env {
	struct opts o;
	struct discover d;
	struct pindex *ix;
};

static void
env_init(struct env *e)
{
	ff_opts(&e->o);
	e->d.m = model_new(1000);
	e->d.o = &e->o;
	e->ix = NULL;
}

/* the index of docs[0..n) */
static void
env_index(struct env *e, const char *const *docs, size_t n)
{
	size_t i;

	e->ix = pindex_new(e->o.until);
	assert_non_null(e->ix);
	for (i = 0; i < n; i++) {
		bson_t *b = ff_doc(docs[i]);

		assert_int_equal(pindex_add(b, e->ix), 0);
		bson_destroy(b);
	}
}

static int
env_tree(struct env *e, const char *const *docs, size_t n)
{
	env_index(e, docs, n);
	return discover_tree(&e->d, e->ix);
}

static void
env_free(struct env *e)
{
	pindex_free(e->ix);
	model_free(e->d.m);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct proc *
find(struct env *e, const char *id)
{
	struct proc *p = model_find_id(e->d.m, id);

	assert_non_null(p);
	return p;
}

static void
test_pindex_skips_malformed(void **state)
{
	const char *docs[] = {STAR(100, 10), "{\"_id\": \"nopid\"}",
	                      "{\"pid\": 5}", KID(200, 11, 100, 10)};
	struct env e;
	uint32_t *v;
	char *key = "b:100:10";

	(void)state;
	env_init(&e);
	env_index(&e, docs, N(docs));
	assert_int_equal(pindex_nstars(e.ix), 1);
	assert_int_equal(pindex_match(e.ix, PINDEX_PARENT_ID, &key, 1, &v), 1);
	free(v);
	env_free(&e);
}

static void
test_discover_docker_fixture(void **state)
{
	bson_t *db = ff_fixture("docker.json");
	struct env e;
	struct proc *cinit;

	(void)state;
	env_init(&e);
	e.ix = pindex_new(INT64_MAX);
	ff_each(db, "pids", pindex_add, e.ix);
	assert_int_equal(discover_tree(&e.d, e.ix), 0);
	/* init is above the stars: not loaded */
	assert_int_equal(e.d.m->nprocs, 9);
	assert_null(model_find_id(e.d.m, "b1:1:50000"));
	cinit = find(&e, "b1:410:100250");
	assert_int_equal(cinit->nthreads, 1);
	assert_int_equal(cinit->threads[0].pid, 411);
	assert_int_equal(cinit->nkids, 3);
	assert_ptr_equal(cinit->parent, find(&e, "b1:400:100200"));
	bson_destroy(db);
	env_free(&e);
}

/* no parent_id: the process with parent_tgid alive at the fork */
static void
test_discover_parent_tgid(void **state)
{
	const char *docs[] = {STAR(100, 10),
	                      T(300, 300, 12, ", \"parent_tgid\": 100")};
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(env_tree(&e, docs, N(docs)), 0);
	assert_ptr_equal(find(&e, "b:300:12")->parent, find(&e, "b:100:10"));
	env_free(&e);
}

/* two incarnations of tgid 200: links and threads go to the one alive */
static void
test_discover_pid_reuse(void **state)
{
	const char *docs[] = {
	    STAR(100, 10),
	    T(200, 200, 11,
	      ", \"parent_id\": \"b:100:10\", \"exit_ns\": "
	      "1795600812000000000"),
	    KID(200, 13, 100, 10),
	    T(300, 300, 14, ", \"parent_tgid\": 200"),
	    T(201, 200, 11, ", \"thread\": true"),
	    T(202, 200, 15, ", \"thread\": true"),
	};
	struct env e;
	struct proc *old, *cur;

	(void)state;
	env_init(&e);
	assert_int_equal(env_tree(&e, docs, N(docs)), 0);
	old = find(&e, "b:200:11");
	cur = find(&e, "b:200:13");
	assert_ptr_equal(find(&e, "b:300:14")->parent, cur);
	assert_int_equal(old->nthreads, 1);
	assert_int_equal(old->threads[0].pid, 201);
	assert_int_equal(cur->nthreads, 1);
	assert_int_equal(cur->threads[0].pid, 202);
	env_free(&e);
}

static void
test_discover_orphan_thread(void **state)
{
	const char *docs[] = {STAR(100, 10),
	                      T(901, 900, 11, ", \"thread\": true"),
	                      T(101, 100, 11, ", \"thread\": true"),
	                      T(102, 100, 05, ", \"thread\": true")};
	struct env e;

	(void)state;
	env_init(&e);
	assert_int_equal(env_tree(&e, docs, N(docs)), 0);
	/* 900 is not in the tree: its thread is not looked up; 102 started
	 * before any incarnation of 100: without its process */
	assert_int_equal(e.d.m->orphan_threads, 1);
	assert_int_equal(find(&e, "b:100:10")->nthreads, 1);
	env_free(&e);
}

/* the same task under two ids (ticks one apart): one process, and the
 * children naming either id are found */
static void
test_discover_same_task_two_ids(void **state)
{
	const char *docs[] = {
	    STAR(100, 10),
	    "{\"_id\": \"b:100:alt\", \"host\": \"h\", \"boot_id\": \"b\","
	    " \"pid\": 100, \"start_ticks\": 111, \"start_ns\": "
	    "1795600810000000000, \"star\": true, \"comm\": \"dockerd\"}",
	    T(300, 300, 12, ", \"parent_id\": \"b:100:alt\""),
	};
	struct env e;
	struct proc *p;

	(void)state;
	env_init(&e);
	assert_int_equal(env_tree(&e, docs, N(docs)), 0);
	assert_int_equal(e.d.m->nprocs, 2);
	p = find(&e, "b:100:10");
	assert_ptr_equal(find(&e, "b:100:alt"), p);
	assert_int_equal(p->lead.nalias, 1);
	assert_ptr_equal(find(&e, "b:300:12")->parent, p);
	env_free(&e);
}

/* children started after -until are not looked up; a star started after
 * it is dropped */
static void
test_discover_until(void **state)
{
	const char *docs[] = {STAR(100, 10), STAR(110, 30),
	                      KID(200, 11, 100, 10), KID(300, 40, 100, 10)};
	struct env e;

	(void)state;
	env_init(&e);
	e.o.until = FF_NS(20);
	assert_int_equal(env_tree(&e, docs, N(docs)), 0);
	assert_int_equal(e.d.m->nprocs, 2);
	assert_non_null(model_find_id(e.d.m, "b:200:11"));
	assert_null(model_find_id(e.d.m, "b:110:30"));
	env_free(&e);
}

static void
test_discover_max_procs(void **state)
{
	const char *docs[] = {STAR(100, 10), KID(200, 11, 100, 10),
	                      KID(300, 12, 200, 11)};
	struct env e;

	(void)state;
	env_init(&e);
	e.o.max_procs = 2;
	e.d.m->max_procs = 2;
	assert_int_equal(env_tree(&e, docs, N(docs)), -1);
	env_free(&e);
}

/* a deep chain is found level by level */
static void
test_discover_depth(void **state)
{
	enum { DEPTH = 300 };
	char **docs = calloc(DEPTH, sizeof(*docs));
	struct env e;
	size_t i;

	(void)state;
	assert_non_null(docs);
	for (i = 0; i < DEPTH; i++) {
		docs[i] = malloc(256);
		assert_non_null(docs[i]);
	}
	snprintf(docs[0], 256,
	         "{\"_id\": \"p0\", \"pid\": 10, \"start_ns\": 1, \"star\":"
	         " true}");
	for (i = 1; i < DEPTH; i++) {
		snprintf(docs[i], 256,
		         "{\"_id\": \"p%zu\", \"pid\": %zu, \"start_ns\": %zu,"
		         " \"parent_id\": \"p%zu\"}",
		         i, i + 10, i + 1, i - 1);
	}
	env_init(&e);
	assert_int_equal(env_tree(&e, (const char *const *)docs, DEPTH), 0);
	assert_int_equal(e.d.m->nprocs, DEPTH);
	assert_ptr_equal(find(&e, "p299")->parent, find(&e, "p298"));
	for (i = 0; i < DEPTH; i++)
		free(docs[i]);
	free(docs);
	env_free(&e);
}

static void
keep_all(struct model *m)
{
	size_t i;

	for (i = 0; i < m->nprocs; i++)
		m->procs[i]->keep = true;
}

/* a task changed after its first write has a final document: merged,
 * the later exec's image wins, execs are the union */
static void
test_discover_fill_final_document(void **state)
{
	const char *docs[] = {
	    STAR(100, 10),
	    T(460, 460, 16,
	      ", \"parent_id\": \"b:100:10\", \"args\": [\"sh\", \"-c\", "
	      "\"exec app\"], \"comm\": \"sh\", \"execve\": [{\"ns\": 16, "
	      "\"args\": [\"sh\", \"-c\", \"exec app\"]}]"),
	    "{\"_id\": \"b:460:16:final\", \"final_of\": \"b:460:16\","
	    " \"host\": \"h\", \"boot_id\": \"b\", \"pid\": 460, \"tgid\": 460,"
	    " \"start_ticks\": 116, \"start_ns\": 1795600816000000000,"
	    " \"parent_id\": \"b:100:10\", \"args\": [\"app\", \"--run\"],"
	    " \"comm\": \"app\", \"execve\": [{\"ns\": 16, \"args\": [\"sh\","
	    " \"-c\", \"exec app\"]}, {\"ns\": 26, \"args\": [\"app\","
	    " \"--run\"]}], \"exit_ns\": 1795600830000000000, \"exit_code\":"
	    " 3}",
	};
	struct env e;
	struct proc *p;

	(void)state;
	env_init(&e);
	assert_int_equal(env_tree(&e, docs, N(docs)), 0);
	assert_int_equal(e.d.m->nprocs, 2);
	keep_all(e.d.m);
	assert_int_equal(discover_fill(&e.d, e.ix), 0);
	p = find(&e, "b:460:16");
	assert_ptr_equal(find(&e, "b:460:16:final"), p);
	assert_int_equal(p->lead.args.n, 2);
	assert_string_equal(p->lead.args.v[0].p, "app");
	assert_string_equal(p->lead.comm.p, "app");
	assert_int_equal(p->lead.nexec, 2);
	assert_true(p->lead.has_code && p->lead.exit_code == 3);
	env_free(&e);
}

/* fill reads the spill once: only kept processes get their documents */
static void
test_discover_fill_kept_only(void **state)
{
	const char *docs[] = {
	    T(100, 100, 10, ", \"star\": true, \"comm\": \"dockerd\""),
	    T(200, 200, 11, ", \"parent_id\": \"b:100:10\", \"comm\": \"x\""),
	    T(201, 200, 12,
	      ", \"thread\": true, \"comm\": \"t\", \"exe\": "
	      "\"/bin/t\""),
	};
	struct env e;
	struct proc *p;

	(void)state;
	env_init(&e);
	assert_int_equal(env_tree(&e, docs, N(docs)), 0);
	find(&e, "b:100:10")->keep = true;
	p = find(&e, "b:200:11");
	p->keep = true;
	assert_false(p->lead.comm.set); /* the index has no comm */
	assert_int_equal(discover_fill(&e.d, e.ix), 0);
	assert_string_equal(p->lead.comm.p, "x");
	/* a thread keeps its comm, not its exec fields */
	assert_string_equal(p->threads[0].comm.p, "t");
	assert_false(p->threads[0].exe.set);
	/* replayed once */
	assert_int_equal(discover_fill(&e.d, e.ix), 0);
	env_free(&e);
}

static int
feed(struct env *e, const char *json, int (*fn)(const bson_t *, void *))
{
	bson_t *b = ff_doc(json);
	int rc = fn(b, &e->d);

	bson_destroy(b);
	return rc;
}

static void
test_discover_files(void **state)
{
	const char *docs[] = {STAR(100, 10), KID(200, 11, 100, 10)};
	struct env e;
	struct proc *kept;

	(void)state;
	env_init(&e);
	assert_int_equal(env_tree(&e, docs, N(docs)), 0);
	kept = find(&e, "b:200:11");
	kept->keep = true;
	feed(&e,
	     "{\"_id\": \"f1\", \"proc_id\": \"b:200:11\", \"filename\":"
	     " \"/a\", \"close_ns\": 5}",
	     discover_file);
	/* the same file still in fds: read once, from files */
	feed(&e,
	     "{\"_id\": \"f1\", \"proc_id\": \"b:200:11\", \"filename\":"
	     " \"/a\"}",
	     discover_fd);
	feed(&e,
	     "{\"_id\": \"f2\", \"proc_id\": \"b:200:11\", \"filename\":"
	     " \"/b\"}",
	     discover_fd);
	/* owner not kept, owner unknown, malformed */
	feed(&e, "{\"_id\": \"f3\", \"proc_id\": \"b:100:10\"}", discover_file);
	feed(&e, "{\"_id\": \"f4\", \"proc_id\": \"zz\"}", discover_file);
	feed(&e, "{\"_id\": 4, \"proc_id\": \"b:200:11\"}", discover_file);
	assert_int_equal(e.d.m->nfiles, 2);
	assert_ptr_equal(e.d.m->files[0].owner, kept);
	assert_true(e.d.m->files[0].has_close);
	assert_false(e.d.m->files[0].from_fds);
	assert_true(e.d.m->files[1].from_fds);
	env_free(&e);
}

/* an unlink joined to a closed file becomes an op of whoever did it */
static void
test_discover_joined_op(void **state)
{
	const char *docs[] = {STAR(100, 10), KID(200, 11, 100, 10),
	                      KID(300, 12, 100, 10)};
	struct env e;
	struct file *f;

	(void)state;
	env_init(&e);
	assert_int_equal(env_tree(&e, docs, N(docs)), 0);
	keep_all(e.d.m);
	feed(&e,
	     "{\"_id\": \"f1\", \"proc_id\": \"b:200:11\", \"filename\":"
	     " \"x\", \"close_ns\": 5, \"then_op\": \"unlink\", \"then_ns\":"
	     " 6, \"then_proc_id\": \"b:300:12\"}",
	     discover_file);
	feed(&e,
	     "{\"_id\": \"f2\", \"proc_id\": \"b:200:11\", \"filename\":"
	     " \"y\", \"close_ns\": 7, \"then_op\": \"rename\", \"then_ns\":"
	     " 8, \"then_proc_id\": \"b:200:11\", \"new_filename\": \"z\"}",
	     discover_file);
	assert_int_equal(e.d.m->nfiles, 4);
	f = &e.d.m->files[1];
	assert_string_equal(f->id, "f1:unlink");
	assert_int_equal(f->op, FOP_UNLINK);
	assert_ptr_equal(f->owner, find(&e, "b:300:12"));
	assert_true(f->ns == 6);
	assert_string_equal(f->raw_path.p, "x");
	f = &e.d.m->files[3];
	assert_string_equal(f->id, "f2:rename");
	assert_int_equal(f->op, FOP_RENAME);
	assert_string_equal(f->new_path.p, "z");
	/* the closed file itself has no new name */
	assert_false(e.d.m->files[2].new_path.set);
	env_free(&e);
}

static void
test_discover_gaps_window(void **state)
{
	struct env e;

	(void)state;
	env_init(&e);
	e.o.since = FF_NS(10);
	e.o.until = FF_NS(20);
	feed(&e,
	     "{\"source\": \"audit\", \"from\": {\"$date\": "
	     "{\"$numberLong\": \"1795600801000\"}}, \"to\": {\"$date\": "
	     "{\"$numberLong\": \"1795600805000\"}}}",
	     discover_gap);
	feed(&e,
	     "{\"source\": \"audit\", \"from\": {\"$date\": "
	     "{\"$numberLong\": \"1795600801000\"}}, \"to\": {\"$date\": "
	     "{\"$numberLong\": \"1795600815000\"}}}",
	     discover_gap);
	feed(&e,
	     "{\"source\": \"spool\", \"from\": {\"$date\": "
	     "{\"$numberLong\": \"1795600825000\"}}}",
	     discover_gap);
	feed(&e, "{\"source\": \"restart\"}", discover_gap);
	assert_int_equal(e.d.m->ngaps, 2);
	assert_string_equal(e.d.m->gaps[0].source.p, "audit");
	assert_string_equal(e.d.m->gaps[1].source.p, "restart");
	env_free(&e);
}

static void
test_discover_kept_ids(void **state)
{
	const char *docs[] = {
	    STAR(100, 10),
	    "{\"_id\": \"b:100:alt\", \"host\": \"h\", \"boot_id\": \"b\","
	    " \"pid\": 100, \"start_ticks\": 111, \"star\": true}",
	    KID(200, 11, 100, 10)};
	struct env e;
	char **ids;
	size_t n;

	(void)state;
	env_init(&e);
	assert_int_equal(env_tree(&e, docs, N(docs)), 0);
	find(&e, "b:100:10")->keep = true;
	n = discover_kept_ids(e.d.m, &ids);
	assert_int_equal(n, 2);
	assert_string_equal(ids[0], "b:100:10");
	assert_string_equal(ids[1], "b:100:alt");
	free(ids);
	env_free(&e);
}

/* Documents of the wrong shape are counted and listed by _id, in the
 * model (a banner and exit status 3 follow), never dropped silently. */
static void
test_discover_unreadable_listed(void **state)
{
	const char *const docs[] = {
	    STAR(100, 00),
	    "{\"_id\": \"b:5:1\", \"host\": \"h\", \"pid\": \"5\"}",
	    "{\"_id\": {\"$oid\": \"0123456789abcdef01234567\"}, "
	    "\"pid\": 6}",
	    "{\"pid\": 7}",
	};
	struct env e;
	bson_t *f;

	(void)state;
	env_init(&e);
	env_index(&e, docs, N(docs));
	model_skip_move(&e.d.m->skipped, pindex_skipped(e.ix));
	assert_int_equal(pindex_skipped(e.ix)->n, 0);
	f = ff_doc("{\"_id\": 9, \"op\": \"open\"}");
	assert_int_equal(discover_file(f, &e.d), 0);
	bson_destroy(f);
	assert_int_equal(e.d.m->skipped.n, 4);
	assert_int_equal(e.d.m->skipped.nids, 4);
	assert_string_equal(e.d.m->skipped.ids[0], "pids b:5:1");
	assert_string_equal(e.d.m->skipped.ids[1],
	                    "pids ObjectId(0123456789abcdef01234567)");
	assert_string_equal(e.d.m->skipped.ids[2], "pids (no _id)");
	assert_string_equal(e.d.m->skipped.ids[3], "files 9");
	assert_true(model_incomplete(e.d.m));
	env_free(&e);
}

/* only the first SKIPPED_LISTED are listed; all are counted */
static void
test_discover_unreadable_bounded(void **state)
{
	struct skipped s = {0};
	size_t i;

	(void)state;
	for (i = 0; i < SKIPPED_LISTED + 5; i++)
		model_skip(&s, "pids", mem_strdup("x"));
	model_skip(&s, "pids", NULL);
	assert_int_equal(s.n, SKIPPED_LISTED + 6);
	assert_int_equal(s.nids, SKIPPED_LISTED);
	model_skip_free(&s);
}

/* A fork chain deeper than any fixed bound (was cut at 4096 levels with
 * a warning, exit 0): every generation and the payload under it are
 * found. */
#define DEEP 4200
static void
test_discover_deep_chain(void **state)
{
	struct env e;
	char doc[512], id[64], pid[64];
	struct proc *p;
	size_t i, depth = 0;

	(void)state;
	env_init(&e);
	model_free(e.d.m);
	e.d.m = model_new(DEEP + 10);
	e.ix = pindex_new(e.o.until);
	assert_non_null(e.ix);
	for (i = 0; i <= DEEP + 1; i++) {
		bson_t *b;

		snprintf(id, sizeof(id), "b:%zu:1", i + 100);
		snprintf(doc, sizeof(doc),
		         "{\"_id\": \"%s\", \"host\": \"h\", \"boot_id\": "
		         "\"b\", \"pid\": %zu, \"tgid\": %zu, "
		         "\"start_ticks\": 1, \"start_ns\": %zu%s%s%s}",
		         id, i + 100, i + 100, 1795600800000000000 + i,
		         i == 0 ? ", \"star\": true" : ", \"parent_id\": \"",
		         i == 0 ? "" : pid, i == 0 ? "" : "\"");
		b = ff_doc(doc);
		assert_int_equal(pindex_add(b, e.ix), 0);
		bson_destroy(b);
		snprintf(pid, sizeof(pid), "%s", id);
	}
	assert_int_equal(discover_tree(&e.d, e.ix), 0);
	assert_int_equal(e.d.m->nprocs, DEEP + 2);
	p = find(&e, pid); /* the payload, last */
	for (; p->parent != NULL; p = p->parent)
		depth++;
	assert_int_equal(depth, DEEP + 1);
	assert_string_equal(p->lead.id, "b:100:1");
	env_free(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pindex_skips_malformed),
	    cmocka_unit_test(test_discover_docker_fixture),
	    cmocka_unit_test(test_discover_parent_tgid),
	    cmocka_unit_test(test_discover_pid_reuse),
	    cmocka_unit_test(test_discover_orphan_thread),
	    cmocka_unit_test(test_discover_same_task_two_ids),
	    cmocka_unit_test(test_discover_until),
	    cmocka_unit_test(test_discover_max_procs),
	    cmocka_unit_test(test_discover_depth),
	    cmocka_unit_test(test_discover_fill_final_document),
	    cmocka_unit_test(test_discover_fill_kept_only),
	    cmocka_unit_test(test_discover_files),
	    cmocka_unit_test(test_discover_joined_op),
	    cmocka_unit_test(test_discover_gaps_window),
	    cmocka_unit_test(test_discover_kept_ids),
	    cmocka_unit_test(test_discover_deep_chain),
	    cmocka_unit_test(test_discover_unreadable_listed),
	    cmocka_unit_test(test_discover_unreadable_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
