/* test_filter_repair.c - filter/repair.c and the task merge of
 * filter/model.c on models built in memory: the thread parent fix, exits
 * taken from the process, files never closed, paths resolved against the
 * cwd of the time, the window over files, joined operations, and the
 * merge of a task's documents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "repair.h"

#define S(x) (1795600800000000000LL + (int64_t)(x)*1000000000LL)

static void
task_init(struct task *t, const char *id, int32_t pid, int32_t tgid,
          int64_t start)
{
	memset(t, 0, sizeof(*t));
	t->id = mem_strdup(id);
	t->host = mem_strdup("h");
	t->boot = mem_strdup("b");
	t->pid = pid;
	t->tgid = tgid;
	t->thread = pid != tgid;
	t->has_start = start != NS_NONE;
	t->start_ns = start;
}

static struct proc *
add_proc(struct model *m, const char *id, int32_t pid, int64_t start)
{
	struct task t;
	struct proc *p;

	task_init(&t, id, pid, pid, start);
	p = model_add_proc(m, &t);
	assert_non_null(p);
	p->keep = true;
	return p;
}

static struct task *
add_thread(struct proc *p, const char *id, int32_t tid, int64_t start)
{
	struct task *t;

	p->threads =
	    mem_reallocarray(p->threads, p->nthreads + 1, sizeof(*p->threads));
	t = &p->threads[p->nthreads++];
	task_init(t, id, tid, p->lead.tgid, start);
	return t;
}

static struct file *
add_open(struct model *m, struct proc *owner, const char *path, int64_t at)
{
	struct file *f = model_add_file(m);

	f->id = mem_strdup(path);
	f->owner = owner;
	f->op = FOP_OPEN;
	bytes_set(&f->raw_path, path, strlen(path));
	f->open_ns = at;
	return f;
}

static void
open_window(struct opts *o)
{
	memset(o, 0, sizeof(*o));
	o->since = INT64_MIN;
	o->until = INT64_MAX;
}

/* a thread made after its parent died carries the reaper as parent */
static void
test_repair_thread_parent(void **state)
{
	struct model *m = model_new(10);
	struct proc *par = add_proc(m, "par", 50, S(0));
	struct proc *p = add_proc(m, "p", 100, S(1));
	struct task *t = add_thread(p, "t", 101, S(2));
	struct task *ok;

	(void)state;
	model_link(par, p);
	t->has_ptgid = t->has_ppid = true;
	t->parent_tgid = t->ppid = 1;
	ok = add_thread(p, "u", 102, S(3));
	ok->has_ptgid = true;
	ok->parent_tgid = 50;
	repair_threads(m);
	t = &p->threads[0];
	assert_int_equal(t->parent_tgid, 50);
	assert_int_equal(t->ppid, 50);
	assert_true(t->parent_fixed);
	assert_string_equal(t->parent_id, "par");
	assert_false(p->threads[1].parent_fixed);
	model_free(m);
}

static void
test_repair_thread_exit_filled(void **state)
{
	struct model *m = model_new(10);
	struct proc *p = add_proc(m, "p", 100, S(1));
	struct task *t = add_thread(p, "t", 101, S(2));
	struct task *own = add_thread(p, "u", 102, S(3));

	(void)state;
	(void)t;
	own->has_exit = true;
	own->exit_ns = S(4);
	p->lead.has_exit = true;
	p->lead.exit_ns = S(9);
	repair_threads(m);
	assert_true(p->threads[0].has_exit && p->threads[0].exit_filled);
	assert_true(p->threads[0].exit_ns == S(9));
	assert_false(p->threads[1].exit_filled);
	assert_true(p->threads[1].exit_ns == S(4));
	model_free(m);
}

static void
test_repair_threads_sorted(void **state)
{
	struct model *m = model_new(10);
	struct proc *p = add_proc(m, "p", 100, S(1));

	(void)state;
	add_thread(p, "c", 103, S(5));
	add_thread(p, "a", 101, S(2));
	add_thread(p, "b", 102, NS_NONE);
	repair_threads(m);
	assert_string_equal(p->threads[0].id, "b"); /* unknown start first */
	assert_string_equal(p->threads[1].id, "a");
	assert_string_equal(p->threads[2].id, "c");
	model_free(m);
}

static void
test_repair_unclosed_file(void **state)
{
	struct model *m = model_new(10);
	struct proc *p = add_proc(m, "p", 100, S(1));
	struct proc *live = add_proc(m, "q", 200, S(1));
	struct opts o;

	(void)state;
	open_window(&o);
	p->lead.has_exit = true;
	p->lead.exit_ns = S(9);
	add_open(m, p, "/a", S(2));
	add_open(m, live, "/b", S(2));
	repair_files(m, &o);
	assert_true(m->files[0].has_close && m->files[0].close_filled);
	assert_true(m->files[0].close_ns == S(9));
	assert_string_equal(m->files[0].closed_by.p, "exit");
	assert_false(m->files[1].has_close);
	model_free(m);
}

/* a relative name resolves against the cwd of the exec in effect */
static void
test_repair_relative_path_cwd_at(void **state)
{
	struct model *m = model_new(10);
	struct proc *p = add_proc(m, "p", 100, S(1));
	struct opts o;

	(void)state;
	open_window(&o);
	bytes_set(&p->lead.cwd, "/last", 5);
	p->lead.execs = mem_calloc(2, sizeof(*p->lead.execs));
	p->lead.nexec = 2;
	p->lead.execs[0].ns = S(1);
	bytes_set(&p->lead.execs[0].cwd, "/first", 6);
	p->lead.execs[1].ns = S(5);
	bytes_set(&p->lead.execs[1].cwd, "/second", 7);
	add_open(m, p, "a/../x", S(3));
	add_open(m, p, "./y", S(6));
	add_open(m, p, "//abs/./z", S(6));
	repair_files(m, &o);
	assert_string_equal(m->files[0].path.p, "/first/x");
	assert_string_equal(m->files[1].path.p, "/second/y");
	assert_string_equal(m->files[2].path.p, "/abs/z");
	assert_string_equal(m->files[0].raw_path.p, "a/../x");
	model_free(m);
}

static void
test_repair_files_window(void **state)
{
	struct model *m = model_new(10);
	struct proc *p = add_proc(m, "p", 100, S(1));
	struct opts o;
	struct file *f;

	(void)state;
	open_window(&o);
	o.since = S(10);
	o.until = S(20);
	f = add_open(m, p, "/before", S(1));
	f->has_close = true;
	f->close_ns = S(5);
	add_open(m, p, "/spans", S(5)); /* still open */
	add_open(m, p, "/after", S(25));
	f = model_add_file(m);
	f->id = mem_strdup("op");
	f->owner = p;
	f->op = FOP_UNLINK;
	bytes_set(&f->raw_path, "/u", 2);
	f->ns = S(21);
	repair_files(m, &o);
	assert_int_equal(m->nfiles, 1);
	assert_string_equal(m->files[0].path.p, "/spans");
	model_free(m);
}

static void
test_repair_joined_op(void **state)
{
	struct model *m = model_new(10);
	struct proc *p = add_proc(m, "p", 100, S(1));
	struct proc *gone = add_proc(m, "g", 200, S(1));
	struct bytes nw = {(char *)"/new", 4, true};
	struct bytes given = {(char *)"lnk/new", 7, true};
	const struct joined_new jn = {&nw, &given, true};
	struct file *f = add_open(m, p, "/old", S(2));

	(void)state;
	gone->keep = false;
	f->path_unverified = true; /* the session's mark: not the op's */
	repair_joined_op(m, f, FOP_RENAME, S(3), p, &jn);
	assert_int_equal(m->nfiles, 2);
	assert_string_equal(m->files[1].id, "/old:rename");
	assert_string_equal(m->files[1].new_path.p, "/new");
	assert_false(m->files[1].path_unverified);
	assert_false(m->files[1].given_path.set);
	assert_string_equal(m->files[1].given2.p, "lnk/new");
	assert_true(m->files[1].unverified2);
	assert_string_equal(m->files[1].op_name.p, "rename");
	assert_true(m->files[1].ns == S(3));
	/* once per id; not for a process not kept, nor an unknown op */
	repair_joined_op(m, &m->files[0], FOP_RENAME, S(3), p, &jn);
	repair_joined_op(m, &m->files[0], FOP_UNLINK, S(3), gone, NULL);
	repair_joined_op(m, &m->files[0], FOP_OPEN, S(3), p, NULL);
	repair_joined_op(m, &m->files[0], FOP_OTHER, S(3), p, NULL);
	repair_joined_op(m, &m->files[0], FOP_UNLINK, S(3), NULL, NULL);
	assert_int_equal(m->nfiles, 2);
	model_free(m);
}

/* the final document of a task: the later exec's image wins, the exit
 * and the execs are merged, the second id becomes an alias */
static void
test_model_merge_final_document(void **state)
{
	struct task a, b;

	(void)state;
	task_init(&a, "x", 5, 5, S(1));
	task_init(&b, "x:final", 5, 5, S(1));
	a.execs = mem_calloc(1, sizeof(*a.execs));
	a.nexec = 1;
	a.execs[0].ns = S(1);
	bytes_set(&a.comm, "sh", 2);
	b.execs = mem_calloc(2, sizeof(*b.execs));
	b.nexec = 2;
	b.execs[0].ns = S(1);
	b.execs[1].ns = S(6);
	bytes_set(&b.comm, "app", 3);
	b.has_exit = b.has_code = true;
	b.exit_ns = S(9);
	b.exit_code = 3;
	model_merge_task(&a, &b);
	assert_string_equal(a.comm.p, "app");
	assert_int_equal(a.nexec, 2);
	assert_true(a.has_exit && a.exit_code == 3);
	assert_int_equal(a.nalias, 1);
	assert_string_equal(a.alias[0], "x:final");
	model_task_free(&a);
}

static void
test_model_same_task_ticks(void **state)
{
	struct task a, b;

	(void)state;
	task_init(&a, "x", 5, 5, S(1));
	task_init(&b, "y", 5, 5, S(1));
	a.has_ticks = b.has_ticks = true;
	a.start_ticks = 100;
	b.start_ticks = 101;
	assert_true(model_same_task(&a, &b));
	b.start_ticks = 102;
	assert_false(model_same_task(&a, &b));
	/* another host is another task */
	b.start_ticks = 100;
	free(b.host);
	b.host = mem_strdup("h2");
	assert_false(model_same_task(&a, &b));
	model_task_free(&a);
	model_task_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_repair_thread_parent),
	    cmocka_unit_test(test_repair_thread_exit_filled),
	    cmocka_unit_test(test_repair_threads_sorted),
	    cmocka_unit_test(test_repair_unclosed_file),
	    cmocka_unit_test(test_repair_relative_path_cwd_at),
	    cmocka_unit_test(test_repair_files_window),
	    cmocka_unit_test(test_repair_joined_op),
	    cmocka_unit_test(test_model_merge_final_document),
	    cmocka_unit_test(test_model_same_task_ticks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
