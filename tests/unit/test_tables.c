/* test_tables.c - the task and open-file tables alone: bounds, eviction,
 * the release hook, pid reuse, descriptor shadowing by audit serial, dup
 * routing and the closed callback (once per open file, with who closed
 * it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/valgrind.h>

#include "fdtab.h"
#include "membudget.h"
#include "proctab.h"

#define MAXREL 64

struct released {
	int n;
	int32_t pids[MAXREL];
};

static void
on_release(struct task *k, void *arg)
{
	struct released *r = arg;

	if (r->n < MAXREL)
		r->pids[r->n] = k->pid;
	r->n++;
}

static void
test_proctab_add_get_del(void **state)
{
	struct released r = {0};
	struct proctab *t = proctab_new(8, on_release, &r);
	struct proctab_stats st;
	struct task *k;

	(void)state;
	assert_non_null(t);
	k = proctab_add(t, 100);
	assert_non_null(k);
	assert_int_equal(k->pid, 100);
	assert_ptr_equal(proctab_get(t, 100), k);
	assert_null(proctab_get(t, 101));
	proctab_del(t, k);
	assert_null(proctab_get(t, 100));
	assert_int_equal(r.n, 1);
	assert_int_equal(r.pids[0], 100);
	proctab_get_stats(t, &st);
	assert_int_equal(st.size, 0);
	assert_int_equal(st.high, 1);
	proctab_free(t);
	assert_int_equal(r.n, 1);
}

/* Full: the exited task that exited first goes; live ones never. */
static void
test_proctab_evicts_oldest_exited(void **state)
{
	struct released r = {0};
	struct proctab *t = proctab_new(4, on_release, &r);
	struct proctab_stats st;
	struct task *k;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		k = proctab_add(t, 10 + i);
		assert_non_null(k);
		if (i == 1 || i == 2) {
			k->exit_mono_ms = (uint64_t)(100 - i); /* 12 first */
			proctab_exited(t, k);
		}
	}
	k = proctab_add(t, 20);
	assert_non_null(k);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.pids[0], 12);
	assert_null(proctab_get(t, 12));
	assert_non_null(proctab_get(t, 11));
	proctab_get_stats(t, &st);
	assert_int_equal(st.evicted, 1);
	proctab_free(t);
	assert_int_equal(r.n, 5); /* free releases the rest */
}

static void
test_proctab_full_of_live_tasks(void **state)
{
	struct proctab *t = proctab_new(2, NULL, NULL);
	struct task *k;

	(void)state;
	assert_non_null(proctab_add(t, 1));
	k = proctab_add(t, 2);
	assert_non_null(k);
	assert_null(proctab_add(t, 3));
	/* an exited task holding open files is not evicted either */
	proctab_exited(t, k);
	k->fds = (struct fdent *)1;
	assert_null(proctab_add(t, 3));
	k->fds = NULL;
	assert_non_null(proctab_add(t, 3));
	proctab_free(t);
}

/* Many pids in few buckets: chains stay right through deletes. */
static void
test_proctab_chains(void **state)
{
	struct proctab *t = proctab_new(1024, NULL, NULL);
	int32_t pid;

	(void)state;
	for (pid = 1; pid <= 1024; pid++)
		assert_non_null(proctab_add(t, pid * 1024));
	for (pid = 1; pid <= 1024; pid += 2)
		proctab_del(t, proctab_get(t, pid * 1024));
	for (pid = 1; pid <= 1024; pid++) {
		struct task *k = proctab_get(t, pid * 1024);

		if (pid % 2)
			assert_null(k);
		else
			assert_int_equal(k->pid, pid * 1024);
	}
	proctab_free(t);
}

/* ---- fdtab ---- */

struct drops {
	int fd_table, mem_limit;
};

struct closed {
	int n;
	char ids[16][FDENT_ID_MAX];
	char by[16][16];
	uint64_t wcount[16];
	struct drops *drops;
};

static void
on_closed(struct openfile *f, const struct task *proc, int64_t ns,
          const char *by, void *arg)
{
	struct closed *c = arg;

	(void)proc;
	(void)ns;
	if (c->n < 16) {
		snprintf(c->ids[c->n], sizeof(c->ids[0]), "%s", f->id);
		snprintf(c->by[c->n], sizeof(c->by[0]), "%s", by);
		c->wcount[c->n] = f->wcount;
	}
	c->n++;
}

static void
proc_init(struct task *p, int32_t tgid)
{
	memset(p, 0, sizeof(*p));
	p->pid = p->tgid = tgid;
	snprintf(p->id, sizeof(p->id), "b:%d:1", tgid);
}

/* A file open for writing: an entry with its open file. */
static struct fdent *
open_w(struct fdtab *t, struct task *p, int32_t fd, const char *path,
       uint64_t serial)
{
	struct fdent *e =
	    fdtab_open(t, p, fd, path, strlen(path), serial, (int64_t)serial);

	assert_non_null(e);
	assert_int_equal(fdtab_open_file(e, p, 1, (int64_t)serial), 0);
	return e;
}

static void
test_fdtab_open_close(void **state)
{
	struct closed c = {0};
	struct fdtab *t = fdtab_new(16, on_closed, &c);
	struct task p;
	struct fdent *e;

	(void)state;
	proc_init(&p, 50);
	e = open_w(t, &p, 3, "/tmp/a", 10);
	assert_string_equal(e->file->id, "b:50:1:3:10");
	assert_ptr_equal(fdtab_get(t, 50, 3), e);
	assert_ptr_equal(p.fds, e);
	fdtab_close(t, &p, 3, 11, 11, "close");
	assert_int_equal(c.n, 1);
	assert_string_equal(c.by[0], "close");
	assert_null(fdtab_get(t, 50, 3));
	assert_null(p.fds);
	fdtab_close(t, &p, 3, 12, 12, "close"); /* unknown: nothing */
	assert_int_equal(c.n, 1);
	fdtab_free(t);
}

/* A number reopened while events of the old holder are on their way (other
 * threads): the serial routes them. */
static void
test_fdtab_shadow_routing(void **state)
{
	struct closed c = {0};
	struct fdtab *t = fdtab_new(16, on_closed, &c);
	struct task p;
	struct fdent *old, *cur;

	(void)state;
	proc_init(&p, 51);
	old = open_w(t, &p, 3, "/tmp/old", 10);
	cur = open_w(t, &p, 3, "/tmp/new", 20);
	assert_true(old->shadow);
	assert_ptr_equal(cur->prev, old);
	assert_ptr_equal(fdtab_route(t, 51, 3, 15), old);
	assert_ptr_equal(fdtab_route(t, 51, 3, 25), cur);
	assert_int_equal(c.n, 0);
	/* the late close of the old one closes only it */
	fdtab_close(t, &p, 3, 16, 16, "close");
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ids[0], "b:51:1:3:10");
	assert_null(cur->prev);
	assert_ptr_equal(fdtab_get(t, 51, 3), cur);
	fdtab_free(t);
}

/* A third open of the number: the oldest shadow was closed before
 * ("reuse"); a newer close closes both what it shadows and itself. */
static void
test_fdtab_shadow_reuse(void **state)
{
	struct closed c = {0};
	struct fdtab *t = fdtab_new(16, on_closed, &c);
	struct task p;

	(void)state;
	proc_init(&p, 52);
	(void)open_w(t, &p, 4, "/a", 10);
	(void)open_w(t, &p, 4, "/b", 20);
	(void)open_w(t, &p, 4, "/c", 30);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ids[0], "b:52:1:4:10");
	assert_string_equal(c.by[0], "reuse");
	fdtab_close(t, &p, 4, 40, 40, "close");
	assert_int_equal(c.n, 3);
	assert_string_equal(c.by[1], "reuse");
	assert_string_equal(c.by[2], "close");
	assert_null(p.fds);
	fdtab_free(t);
}

/* dup2(3, 5), a write on 5, close 3: the file is still open; close 5: one
 * document with the write. */
static void
test_fdtab_dup_routing(void **state)
{
	struct closed c = {0};
	struct fdtab *t = fdtab_new(16, on_closed, &c);
	struct task p;
	struct fdent *e, *d;

	(void)state;
	proc_init(&p, 53);
	e = open_w(t, &p, 3, "/tmp/log", 10);
	fdtab_dup(t, &p, 3, 5, 11, 11);
	d = fdtab_get(t, 53, 5);
	assert_non_null(d);
	assert_ptr_equal(d->file, e->file);
	assert_int_equal(e->file->refs, 2);
	fdtab_count_write(fdtab_route(t, 53, 5, 12)->file, 12000000, 7);
	fdtab_close(t, &p, 3, 13, 13, "close");
	assert_int_equal(c.n, 0);
	fdtab_close(t, &p, 5, 14, 14, "close");
	assert_int_equal(c.n, 1);
	assert_int_equal(c.wcount[0], 1);
	fdtab_free(t);
}

/* dup2 of a number godo does not know onto an open one closes it; dup2
 * onto itself does nothing. */
static void
test_fdtab_dup_unknown_and_self(void **state)
{
	struct closed c = {0};
	struct fdtab *t = fdtab_new(16, on_closed, &c);
	struct task p;

	(void)state;
	proc_init(&p, 54);
	(void)open_w(t, &p, 6, "/tmp/x", 10);
	fdtab_dup(t, &p, 6, 6, 11, 11);
	assert_int_equal(c.n, 0);
	fdtab_dup(t, &p, 9, 6, 12, 12);
	assert_int_equal(c.n, 1);
	assert_null(fdtab_get(t, 54, 6));
	fdtab_free(t);
}

/* The process exits: every open file once, shadows included. */
static void
test_fdtab_close_all(void **state)
{
	struct closed c = {0};
	struct fdtab *t = fdtab_new(16, on_closed, &c);
	struct task p;

	(void)state;
	proc_init(&p, 55);
	(void)open_w(t, &p, 3, "/a", 10);
	(void)open_w(t, &p, 3, "/b", 20); /* shadows the first */
	(void)open_w(t, &p, 4, "/c", 30);
	fdtab_dup(t, &p, 4, 7, 31, 31);
	fdtab_close_all(t, &p, 99, "exit");
	assert_int_equal(c.n, 3);
	assert_string_equal(c.by[0], "exit");
	assert_true(p.fds_closed);
	assert_null(p.fds);
	fdtab_free(t);
}

/* Bounded: opens past cap are counted, not tracked; the old holder of the
 * number then goes. */
static void
test_fdtab_cap(void **state)
{
	struct closed c = {0};
	struct fdtab *t = fdtab_new(2, on_closed, &c);
	struct fdtab_stats st;
	struct task p;

	(void)state;
	proc_init(&p, 56);
	(void)open_w(t, &p, 3, "/a", 10);
	(void)open_w(t, &p, 4, "/b", 11);
	assert_null(fdtab_open(t, &p, 5, "/c", 2, 12, 12));
	assert_null(fdtab_open(t, &p, 3, "/d", 2, 13, 13));
	assert_int_equal(c.n, 1); /* fd 3's file: its number was reused */
	fdtab_get_stats(t, &st);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.size, 1);
	assert_int_equal(st.high, 2);
	fdtab_free(t);
}

/* Write times: one per millisecond, at most WRITTEN_MAX; counters go on. */
static void
test_fdtab_count_write(void **state)
{
	struct openfile f;
	int i;

	(void)state;
	memset(&f, 0, sizeof(f));
	fdtab_count_write(&f, 1000000, 3);
	fdtab_count_write(&f, 1500000, 3); /* same ms */
	assert_int_equal(f.nwritten, 1);
	for (i = 2; i < 40; i++)
		fdtab_count_write(&f, (int64_t)i * 1000000, 1);
	assert_int_equal(f.nwritten, WRITTEN_MAX);
	assert_int_equal(f.wcount, 40);
	assert_int_equal(f.wbytes, 44);
	assert_int_equal(f.first_w, 1000000);
	assert_int_equal(f.last_w, 39000000);
	assert_true(f.dirty);
}

/* ---- issue 16: grown on demand, bounded in bytes, fair ---- */

/* The budget: takes within the limit, refusals counted, the tables' share
 * of a process limit. */
static void
test_membudget(void **state)
{
	struct membudget b;

	(void)state;
	membudget_init(&b, 100);
	assert_true(membudget_take(&b, 60));
	assert_false(membudget_take(&b, 41));
	assert_true(membudget_fits(&b, 40));
	assert_false(membudget_above(&b, 3, 4));
	assert_true(membudget_take(&b, 20));
	assert_true(membudget_above(&b, 3, 4));
	membudget_give(&b, 500);
	assert_int_equal(b.used, 0);
	assert_int_equal(b.high, 80);
	assert_int_equal(b.refused, 1);
	assert_false(membudget_take(&b, SIZE_MAX));
	membudget_init(&b, 0);
	assert_true(membudget_take(&b, SIZE_MAX / 2));
	assert_true(membudget_take(NULL, 1));
	assert_int_equal(membudget_tables(16u << 20, 10u << 20), 3u << 20);
	assert_int_equal(membudget_tables(16u << 20, 20u << 20), 1u << 20);
}

/* The trim runs at most every MEMBUDGET_TRIM_MS, the first at once, and
 * gives the heap's free pages back: 16 MiB of small blocks freed under a
 * block still held at the heap's top stay resident after free() (glibc
 * only trims the top), and go after membudget_trim. */
static void
test_membudget_trim(void **state)
{
	enum { N = 65536, SZ = 256 };
	struct membudget b;
	void **p = calloc(N, sizeof(*p));
	void *top;
	uint64_t before, freed, trimmed;

	(void)state;
	assert_non_null(p);
	membudget_init(&b, 0);
	assert_false(membudget_trim(NULL, 1));
	assert_true(membudget_trim(&b, 1000));
	assert_false(membudget_trim(&b, 1000 + MEMBUDGET_TRIM_MS - 1));
	assert_true(membudget_trim(&b, 1000 + MEMBUDGET_TRIM_MS));
	assert_int_equal(b.trims, 2);
	before = membudget_rss();
	for (int i = 0; i < N; i++) {
		p[i] = malloc(SZ);
		assert_non_null(p[i]);
		memset(p[i], 0x5a, SZ); /* resident */
	}
	top = malloc(SZ); /* holds the heap's top: free() cannot trim */
	assert_non_null(top);
	for (int i = 0; i < N; i++)
		free(p[i]);
	freed = membudget_rss();
	assert_true(membudget_trim(&b, 10000));
	trimmed = membudget_rss();
	free(top);
	free(p);
#if !defined(__SANITIZE_ADDRESS__)
	/* ASan's and valgrind's allocators ignore malloc_trim */
	if (!RUNNING_ON_VALGRIND) {
		assert_true(freed > before + (8u << 20));
		assert_true(trimmed + (8u << 20) < freed);
	}
#else
	(void)before;
	(void)freed;
	(void)trimmed;
#endif
}

/* Nothing preallocated: an empty table holds a few buckets; 20000 tasks
 * fit through rehashes and are all found; deleting gives the bytes back. */
static void
test_proctab_grows_on_demand(void **state)
{
	struct membudget b;
	struct proctab *t = proctab_new(1u << 24, NULL, NULL);
	struct proctab_stats st;
	int32_t pid;

	(void)state;
	membudget_init(&b, 0);
	proctab_set_budget(t, &b);
	proctab_get_stats(t, &st);
	assert_true(st.bytes <= 4096);
	for (pid = 1; pid <= 20000; pid++)
		assert_non_null(proctab_add(t, pid * 7));
	for (pid = 1; pid <= 20000; pid++)
		assert_int_equal(proctab_get(t, pid * 7)->pid, pid * 7);
	assert_null(proctab_get(t, 8));
	proctab_get_stats(t, &st);
	assert_true(st.bytes >= 20000 * sizeof(struct task));
	assert_int_equal(b.used, st.bytes);
	for (pid = 1; pid <= 20000; pid++)
		proctab_del(t, proctab_get(t, pid * 7));
	proctab_get_stats(t, &st);
	assert_int_equal(b.used, st.bytes);
	assert_true(st.bytes < 20000 * sizeof(struct task));
	proctab_free(t);
	assert_int_equal(b.used, 0);
}

/* At the byte bound the first exited task goes; live tasks stay and the
 * add is refused as "mem_limit", the budget never passed. */
static void
test_proctab_budget(void **state)
{
	struct membudget b;
	struct proctab *t = proctab_new(1u << 24, NULL, NULL);
	struct proctab_stats st;
	struct task *k;
	int i, n = 0;

	(void)state;
	membudget_init(&b, 64 * 1024);
	proctab_set_budget(t, &b);
	for (i = 0; i < 1000 && (k = proctab_add(t, 100 + i)) != NULL; i++) {
		n++;
		if (i == 3 || i == 1) {
			k->exit_mono_ms = (uint64_t)(10 - i); /* 103 first */
			proctab_exited(t, k);
		}
	}
	assert_true(n > 10 && n < 1000);
	assert_string_equal(proctab_refusal(t), "mem_limit");
	assert_null(proctab_get(t, 101));
	assert_null(proctab_get(t, 103));
	assert_non_null(proctab_get(t, 100));
	proctab_get_stats(t, &st);
	assert_int_equal(st.evicted, 2);
	assert_int_equal(st.nomem, 1);
	assert_true(b.high <= b.limit);
	proctab_free(t);
}

/* Fair between containers: a fork storm in container A stops at its
 * share once the table is three quarters full, leaving the rest to B;
 * A pays for new tasks with its own exited tasks, never with B's; B below
 * its share, at the bound, takes A's first exited. */
static void
test_proctab_share_per_container(void **state)
{
	struct released r = {0};
	struct proctab *t = proctab_new(40, on_release, &r);
	struct proctab_stats st;
	struct task *k, *b1 = NULL;
	int32_t pid = 1000;
	int n = 0, i;

	(void)state;
	assert_non_null(proctab_push_in(t, 1, NULL)); /* the host's */
	while (proctab_push_in(t, pid, "aaaa") != NULL) {
		pid++;
		n++;
	}
	assert_int_equal(n, 29); /* tight at 30: A at its share (40 / 2) */
	assert_string_equal(proctab_refusal(t), "proc_table");
	for (i = 0; i < 10; i++) {
		k = proctab_push_in(t, 2000 + i, "bbbb");
		assert_non_null(k); /* B's writes are still recorded */
		if (i == 0)
			b1 = k;
	}
	assert_null(proctab_push_in(t, 2100, "bbbb")); /* the bound */
	proctab_get_stats(t, &st);
	assert_int_equal(st.containers, 3);
	assert_true(st.share_refused >= 1);
	assert_int_equal(st.full, 1);
	/* B's task exits; so do two of A's: A pays with its own */
	b1->exit_mono_ms = 1;
	proctab_exited(t, b1);
	for (i = 0; i < 2; i++) {
		k = proctab_get(t, 1000 + i);
		k->exit_mono_ms = (uint64_t)(10 + i);
		proctab_exited(t, k);
	}
	assert_non_null(proctab_push_in(t, 3000, "aaaa"));
	assert_int_equal(r.n, 1);
	assert_int_equal(r.pids[0], 1000);
	assert_ptr_equal(proctab_get(t, 2000), b1); /* B's exited stays */
	/* B below its share at the bound takes A's first exited */
	assert_non_null(proctab_push_in(t, 2100, "bbbb"));
	assert_int_equal(r.n, 2);
	assert_int_equal(r.pids[1], 1001);
	assert_int_equal(proctab_held_by(t, "aaaa"), 28);
	assert_int_equal(proctab_held_by(t, "bbbb"), 11);
	assert_int_equal(proctab_held_by(t, ""), 1);
	proctab_free(t);
}

/* A new incarnation pushed in front of an exited one: the old stays
 * reachable (older), foreach sees both, a third push lets the oldest go,
 * deleting the front brings the older back to the front. */
static void
test_proctab_push_incarnations(void **state)
{
	struct released r = {0};
	struct proctab *t = proctab_new(16, on_release, &r);
	struct task *a, *b, *c;
	struct proctab_stats st;

	(void)state;
	a = proctab_add(t, 42);
	a->start_ticks = 1;
	b = proctab_push(t, 42);
	b->start_ticks = 2;
	assert_ptr_equal(proctab_get(t, 42), b);
	assert_ptr_equal(b->older, a);
	proctab_get_stats(t, &st);
	assert_int_equal(st.size, 2);
	c = proctab_push(t, 42);
	assert_int_equal(r.n, 1); /* a went */
	assert_ptr_equal(c->older, b);
	proctab_del(t, c);
	assert_ptr_equal(proctab_get(t, 42), b);
	assert_null(b->older);
	(void)proctab_push(t, 42);
	proctab_del(t, proctab_get(t, 42)->older); /* b, an older one */
	assert_null(proctab_get(t, 42)->older);
	proctab_free(t);
	assert_int_equal(r.n, 4);
}

static void
on_drop(const char *source, int64_t ns, uint64_t n, void *arg)
{
	struct drops *d = ((struct closed *)arg)->drops;

	(void)ns;
	if (strcmp(source, "mem_limit") == 0)
		d->mem_limit += (int)n;
	else
		d->fd_table += (int)n;
}

static void
cont_init(struct task *p, int32_t tgid, const char *docker_id)
{
	proc_init(p, tgid);
	snprintf(p->docker_id, sizeof(p->docker_id), "%s", docker_id);
}

/* A table of cap entries without a byte bound, drops counted in d, and
 * a process in each of containers A and B. */
static struct fdtab *
two_containers(uint32_t cap, struct closed *c, struct drops *d, struct task *a,
               struct task *b)
{
	struct fdtab *t = fdtab_new(cap, on_closed, c);

	assert_non_null(t);
	c->drops = d;
	fdtab_set_budget(t, NULL, 0, on_drop);
	cont_init(a, 10, "aaaa");
	cont_init(b, 20, "bbbb");
	return t;
}

/* Container A floods O_PATH/directory descriptors far past the cap while
 * B opens files: every B open is tracked, A pays with its own oldest
 * directories, A's writes already tracked stay, and each A entry pushed
 * out or refused is a drop. */
static void
test_fdtab_flood_costs_the_flooder(void **state)
{
	struct drops d = {0, 0};
	struct closed c = {0};
	struct fdtab *t;
	struct fdtab_stats st;
	struct task a, b;
	int i;

	(void)state;
	t = two_containers(100, &c, &d, &a, &b);
	(void)open_w(t, &a, 3, "/a/log", 1);
	for (i = 0; i < 5000; i++)
		(void)fdtab_open(t, &a, 10 + i, "/", 1, (uint64_t)(100 + i),
		                 100 + i);
	for (i = 0; i < 40; i++) {
		char path[32];

		snprintf(path, sizeof(path), "/b/%d", i);
		(void)open_w(t, &b, 10 + i, path, (uint64_t)(10000 + 2 * i));
		if (i % 2)
			fdtab_close(t, &b, 10 + i, (uint64_t)(10001 + 2 * i),
			            10001 + 2 * i, "close");
	}
	fdtab_get_stats(t, &st);
	assert_true(st.size <= 100);
	assert_non_null(fdtab_get(t, 10, 3)); /* A's written file stays */
	assert_non_null(fdtab_get(t, 20, 10));
	assert_non_null(fdtab_get(t, 20, 48));
	assert_null(fdtab_get(t, 10, 10)); /* A's oldest directories went */
	assert_non_null(fdtab_get(t, 10, 10 + 4999));
	assert_int_equal(st.containers, 2);
	assert_true(d.fd_table > 4900);
	assert_int_equal((uint64_t)d.fd_table, st.dropped + st.evicted);
	assert_int_equal(d.mem_limit, 0);
	fdtab_free(t);
}

/* Under a byte budget: long paths fill it, the table never holds more
 * than its share, a second container still gets its file, and what does
 * not fit is a "mem_limit" drop. */
static void
test_fdtab_byte_budget(void **state)
{
	static char longpath[3001];
	struct drops d = {0, 0};
	struct closed c = {0};
	struct membudget mb;
	struct fdtab *t;
	struct fdtab_stats st;
	struct task a, b;
	int i;

	(void)state;
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';
	c.drops = &d;
	membudget_init(&mb, 256 * 1024);
	t = fdtab_new(1u << 20, on_closed, &c);
	fdtab_set_budget(t, &mb, 128 * 1024, on_drop);
	cont_init(&a, 10, "aaaa");
	cont_init(&b, 20, "");
	for (i = 0; i < 2000; i++)
		(void)fdtab_open(t, &a, 10 + i, longpath, sizeof(longpath) - 1,
		                 (uint64_t)(100 + i), 100 + i);
	(void)open_w(t, &b, 3, "/host/file", 5000);
	fdtab_get_stats(t, &st);
	assert_true(st.bytes <= 128 * 1024);
	assert_true(mb.high <= 128 * 1024);
	assert_int_equal(mb.used, st.bytes);
	assert_true(d.mem_limit + d.fd_table >= 1950);
	assert_true(d.mem_limit > 0);
	assert_non_null(fdtab_get(t, 20, 3));
	fdtab_close_all(t, &a, 9000, "exit");
	fdtab_close_all(t, &b, 9000, "exit");
	fdtab_get_stats(t, &st);
	assert_int_equal(st.containers, 0);
	assert_int_equal(mb.used, st.bytes); /* only the buckets left */
	fdtab_free(t);
	assert_int_equal(mb.used, 0);
}

/* Eviction order: the victim's directories before its written files; a
 * written file evicted is closed "evicted" (its document written). */
static void
test_fdtab_eviction_order(void **state)
{
	struct drops d = {0, 0};
	struct closed c = {0};
	struct fdtab *t;
	struct task a, b;

	(void)state;
	t = two_containers(4, &c, &d, &a, &b);
	(void)open_w(t, &a, 3, "/a/1", 1);
	(void)fdtab_open(t, &a, 4, "/a", 2, 2, 2);
	(void)open_w(t, &a, 5, "/a/2", 3);
	(void)open_w(t, &b, 3, "/b/1", 4); /* full now */
	(void)open_w(t, &b, 4, "/b/2", 5); /* B below its share: A's dir */
	assert_null(fdtab_get(t, 10, 4));
	assert_non_null(fdtab_get(t, 10, 3));
	assert_int_equal(c.n, 0);
	assert_null(fdtab_open(t, &b, 5, "/b", 2, 6, 6)); /* B at its share */
	assert_int_equal(d.fd_table, 2);
	fdtab_close(t, &b, 4, 7, 7, "close");
	c.n = 0;
	(void)open_w(t, &b, 6, "/b/3", 8); /* room again: nothing goes */
	assert_int_equal(c.n, 0);
	cont_init(&a, 10, "cccc"); /* a third container: shares shrink */
	(void)open_w(t, &a, 7, "/c/1", 9);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.by[0], "evicted");
	fdtab_free(t);
}

/* ---- h-fds: inherited descriptors ---- */

/* A child's copy refers to the parent's open file (one open file, two
 * references), each copied entry charged as an entry; the session ends,
 * once, when its last descriptor in either process goes. */
static void
test_fdtab_inherit_shares_files(void **state)
{
	struct closed c = {0};
	struct fdtab *t = fdtab_new(16, on_closed, &c);
	struct fdtab_stats before, after;
	struct task p, k;
	struct fdent *e;

	(void)state;
	proc_init(&p, 50);
	proc_init(&k, 51);
	e = open_w(t, &p, 3, "/tmp/a", 10);
	assert_non_null(fdtab_open(t, &p, 4, "/etc", 4, 11, 11));
	fdtab_get_stats(t, &before);
	fdtab_inherit(t, &p, &k, 12);
	fdtab_get_stats(t, &after);
	assert_int_equal(after.size, 4);
	assert_true(after.bytes > before.bytes);
	assert_int_equal(e->file->refs, 2);
	assert_ptr_equal(fdtab_get(t, 51, 3)->file, e->file);
	assert_true(fdtab_get(t, 51, 4)->dir ||
	            fdtab_get(t, 51, 4)->file == NULL);
	fdtab_count_write(fdtab_get(t, 51, 3)->file, 13, 7);
	fdtab_note_writer(fdtab_get(t, 51, 3)->file, &k);
	fdtab_close(t, &p, 3, 14, 14, "close");
	assert_int_equal(c.n, 0);
	fdtab_close_all(t, &k, 15, "exit");
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ids[0], "b:50:1:3:10");
	assert_string_equal(c.by[0], "exit");
	assert_int_equal(c.wcount[0], 1);
	fdtab_close_all(t, &p, 16, "exit");
	fdtab_get_stats(t, &after);
	assert_int_equal(after.size, 0);
	fdtab_free(t);
}

/* A copy the table has no room for is a drop, never a silent loss; the
 * parent's entries are untouched. */
static void
test_fdtab_inherit_bounded(void **state)
{
	struct drops d = {0, 0};
	struct closed c = {0};
	struct fdtab *t;
	struct task a, b, k;
	int i;

	(void)state;
	t = two_containers(8, &c, &d, &a, &b);
	cont_init(&k, 11, "aaaa");
	for (i = 0; i < 6; i++)
		(void)open_w(t, &a, 3 + i, "/a/f", (uint64_t)(10 + i));
	fdtab_inherit(t, &a, &k, 20);
	for (i = 0; i < 6; i++)
		assert_non_null(fdtab_get(t, 10, 3 + i));
	assert_true(d.fd_table >= 4);
	fdtab_free(t);
}

/* exec closes the close-on-exec descriptors; close_range closes a range
 * or marks it. */
static void
test_fdtab_exec_and_range(void **state)
{
	struct closed c = {0};
	struct fdtab *t = fdtab_new(16, on_closed, &c);
	struct task p;

	(void)state;
	proc_init(&p, 50);
	(void)open_w(t, &p, 3, "/x3", 10);
	(void)open_w(t, &p, 4, "/x4", 11);
	(void)open_w(t, &p, 5, "/x5", 12);
	fdtab_set_cloexec(t, &p, 4, 13, true);
	fdtab_exec(t, &p, 14);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.by[0], "exec");
	assert_null(fdtab_get(t, 50, 4));
	fdtab_close_range(t, &p, 5, UINT32_MAX, false, 15);
	assert_null(fdtab_get(t, 50, 5));
	fdtab_close_range(t, &p, 0, 3, true, 16);
	assert_non_null(fdtab_get(t, 50, 3));
	fdtab_exec(t, &p, 17);
	assert_null(fdtab_get(t, 50, 3));
	assert_int_equal(c.n, 3);
	fdtab_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_proctab_add_get_del),
	    cmocka_unit_test(test_proctab_evicts_oldest_exited),
	    cmocka_unit_test(test_proctab_full_of_live_tasks),
	    cmocka_unit_test(test_proctab_chains),
	    cmocka_unit_test(test_fdtab_open_close),
	    cmocka_unit_test(test_fdtab_shadow_routing),
	    cmocka_unit_test(test_fdtab_shadow_reuse),
	    cmocka_unit_test(test_fdtab_dup_routing),
	    cmocka_unit_test(test_fdtab_dup_unknown_and_self),
	    cmocka_unit_test(test_fdtab_close_all),
	    cmocka_unit_test(test_fdtab_cap),
	    cmocka_unit_test(test_fdtab_count_write),
	    cmocka_unit_test(test_membudget),
	    cmocka_unit_test(test_membudget_trim),
	    cmocka_unit_test(test_proctab_grows_on_demand),
	    cmocka_unit_test(test_proctab_budget),
	    cmocka_unit_test(test_proctab_push_incarnations),
	    cmocka_unit_test(test_proctab_share_per_container),
	    cmocka_unit_test(test_fdtab_flood_costs_the_flooder),
	    cmocka_unit_test(test_fdtab_byte_budget),
	    cmocka_unit_test(test_fdtab_eviction_order),
	    /* h-fds */
	    cmocka_unit_test(test_fdtab_inherit_shares_files),
	    cmocka_unit_test(test_fdtab_inherit_bounded),
	    cmocka_unit_test(test_fdtab_exec_and_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
