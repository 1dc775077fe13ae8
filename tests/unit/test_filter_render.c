/* test_filter_render.c - the renderers (text, JSON, HTML) over the model
 * of a fixture database, against golden files (tests/data/filter/; see
 * test_filter_fixture.h to regenerate them), and the text renderer's
 * handling of hostile strings and of a process without container below a
 * container's process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_filter_pipeline.h"

static struct model *
docker_model(struct opts *o)
{
	struct model *m;

	ff_opts(o);
	m = ff_model("docker.json", o);
	assert_non_null(m);
	return m;
}

static void
test_render_text_golden(void **state)
{
	struct opts o;
	struct model *m = docker_model(&o);
	size_t n;
	int rc;
	char *s = ff_render(render_text, m, &o, &n, &rc);

	(void)state;
	assert_int_equal(rc, 0);
	ff_golden("docker.txt", s, n);
	free(s);
	model_free(m);
}

static void
test_render_json_golden(void **state)
{
	struct opts o;
	struct model *m = docker_model(&o);
	size_t n;
	int rc;
	char *s = ff_render(render_json, m, &o, &n, &rc);

	(void)state;
	assert_int_equal(rc, 0);
	ff_golden("docker.json.out", s, n);
	/* well-formed: libbson parses it back */
	bson_destroy(ff_doc(s));
	free(s);
	model_free(m);
}

/* the page embeds exactly render_json's output and closes its elements */
static void
test_render_html_well_formed(void **state)
{
	struct opts o;
	struct model *m = docker_model(&o);
	size_t hn, jn;
	int rc;
	char *html = ff_render(render_html, m, &o, &hn, &rc);
	char *json = ff_render(render_json, m, &o, &jn, &rc);
	const char *open = "<script type=\"application/json\"";
	char *p, *q;

	(void)state;
	assert_int_equal(rc, 0);
	assert_true(strncmp(html, "<!DOCTYPE html>\n", 16) == 0);
	assert_true(hn > 25);
	assert_string_equal(html + hn - 25, "</script>\n</body></html>\n");
	p = strstr(html, open);
	assert_non_null(p);
	p = strchr(p, '>');
	assert_non_null(p);
	p++;
	q = strstr(p, "</script>");
	assert_non_null(q);
	assert_int_equal((size_t)(q - p), jn);
	assert_memory_equal(p, json, jn);
	/* one <script>, one JSON element, both closed */
	assert_null(strstr(q + 9, open));
	free(html);
	free(json);
	model_free(m);
}

static void
test_render_text_no_container_child(void **state)
{
	struct opts o;
	struct model *m = docker_model(&o);
	size_t n;
	int rc;
	char *s = ff_render(render_text, m, &o, &n, &rc);
	char *ct = strstr(s, "\n== container ");
	char *dind;

	(void)state;
	assert_int_equal(rc, 0);
	assert_non_null(ct);
	/* shown in the container's tree, where it is, marked */
	dind = strstr(ct, "430 dockerd-inner --data-root /d");
	assert_non_null(dind);
	assert_non_null(strstr(dind, "[no container]\n"));
	/* and its file is listed with the daemons' */
	assert_non_null(strstr(s, "== files of the Docker daemons\n"));
	assert_non_null(strstr(s, "/etc/shadow"));
	free(s);
	model_free(m);
}

/* Kept process number i (pid 10 * (i + 1), started i s after FF_T0) of a
 * model by hand, named id; host may be NULL. */
static struct proc *
hand_proc(struct model *m, const char *id, const char *host, size_t i)
{
	struct task t;
	struct proc *p;

	memset(&t, 0, sizeof(t));
	t.id = mem_strdup(id);
	t.host = host ? mem_strdup(host) : NULL;
	t.pid = t.tgid = (int32_t)(i + 1) * 10;
	t.has_start = true;
	t.start_ns = FF_NS(i);
	bytes_set(&t.comm, id, strlen(id));
	p = model_add_proc(m, &t);
	assert_non_null(p);
	p->keep = true;
	return p;
}

/* fn's output over m (its tree built: hand_render) */
static char *
hand_again(int (*fn)(FILE *, const struct model *, const struct opts *),
           struct model *m, struct opts *o)
{
	size_t n;
	int rc;
	char *s = ff_render(fn, m, o, &n, &rc);

	assert_int_equal(rc, 0);
	return s;
}

/* fn's output over a model by hand, its tree built and sorted first */
static char *
hand_render(int (*fn)(FILE *, const struct model *, const struct opts *),
            struct model *m, struct opts *o)
{
	tree_build(m, o);
	tree_sort(m);
	return hand_again(fn, m, o);
}

/* A model by hand: a container process whose children are a process of
 * another container and one without container, with a grandchild back
 * in the first container (issue 17: a NULL dereference in the text
 * renderer, or the child omitted). */
static void
test_render_text_null_container_by_hand(void **state)
{
	struct opts o;
	struct model *m = model_new(10);
	struct container *ct, *ct2;
	const char *ids[] = {"s", "c", "o", "k", "g"};
	struct proc *v[5];
	size_t i;
	char *s;

	(void)state;
	ff_opts(&o);
	for (i = 0; i < 5; i++)
		v[i] = hand_proc(m, ids[i], NULL, i);
	model_link(v[0], v[1]);
	model_link(v[1], v[2]);
	model_link(v[1], v[3]);
	model_link(v[3], v[4]);
	ct = model_container(m, "h", FF_CID1);
	ct2 = model_container(m, "h", "b2b2");
	ct = model_container(m, "h", FF_CID1); /* cts moved */
	ct->keep = true;
	v[1]->ct = v[4]->ct = ct;
	ct->nprocs = 2;
	v[2]->ct = ct2;
	s = hand_render(render_text, m, &o);
	assert_non_null(
	    strstr(s, "├─ [container b2b2: 0 processes, not shown]\n"));
	assert_non_null(strstr(s, "└─ 40 [k]  2026-11-25T10:00:03."));
	assert_non_null(strstr(s, "running  [no container]\n"));
	assert_non_null(strstr(s, "   └─ 50 [g]  "));
	free(s);
	model_free(m);
}

/* a file p opened at FF_NS(at) */
static void
hand_file(struct model *m, struct proc *p, const char *id, double at)
{
	struct file *f = model_add_file(m);

	f->id = mem_strdup(id);
	f->owner = p;
	f->op = FOP_OPEN;
	bytes_set(&f->path, id, strlen(id));
	f->open_ns = FF_NS(at);
}

/* Two containers by hand, the second (by id) more active: aaaa changed
 * more files (2) but bbbb started more processes (2), one of them inside
 * a gap, and changed a file (1): 4 against 3. */
static struct model *
activity_model(void)
{
	struct model *m = model_new(10);
	const char *ids[] = {"d", "a1", "b1", "b2"};
	struct container *ca, *cb;
	struct proc *v[4];
	struct gap *g;
	size_t i;

	for (i = 0; i < 4; i++)
		v[i] = hand_proc(m, ids[i], "h", i);
	/* a1 ends before the gap */
	v[1]->lead.has_exit = v[1]->lead.has_code = true;
	v[1]->lead.exit_ns = FF_NS(1.5);
	v[0]->lead.star = true;
	model_link(v[0], v[1]);
	model_link(v[0], v[2]);
	model_link(v[2], v[3]);
	model_container(m, "h", "aaaa");
	model_container(m, "h", "bbbb");
	ca = model_container(m, "h", "aaaa");
	cb = model_container(m, "h", "bbbb");
	ca->keep = cb->keep = true;
	v[1]->ct = ca;
	v[2]->ct = v[3]->ct = cb;
	ca->nprocs = 1;
	cb->nprocs = 2;
	hand_file(m, v[3], "/etc/shadow", 4);
	hand_file(m, v[1], "/a/1", 1.1);
	hand_file(m, v[1], "/a/2", 1.2);
	g = model_add_gap(m);
	g->host = mem_strdup("h");
	g->boot = mem_strdup("b");
	bytes_set(&g->source, "audit", 5);
	g->from_ns = FF_NS(2.5);
	g->to_ns = FF_NS(3.5); /* b2 started at 3 */
	g->count = 7;
	return m;
}

/* whether JSON s ranks a container rank with that activity (its score
 * their sum) */
static bool
activity_is(const char *s, int rank, int started, int changed, int gaps)
{
	char want[160];

	snprintf(want, sizeof(want),
	         "\"rank\":%d,\"activity\":{\"processes_started\":%d,"
	         "\"files_changed\":%d,\"gaps\":%d,\"score\":%d}",
	         rank, started, changed, gaps, started + changed + gaps);
	return strstr(s, want) != NULL;
}

/* The report opens on the most active container (issue 17): bbbb (2
 * processes, a file, a gap) before aaaa (1 process), in text and JSON;
 * the process that started inside the gap is marked in both. */
static void
test_render_activity_order(void **state)
{
	struct opts o;
	struct model *m = activity_model();
	char *s, *a, *b;

	(void)state;
	ff_opts(&o);
	s = hand_render(render_text, m, &o);
	assert_non_null(strstr(s,
	                       "most active first:\n  1. bbbb: 2 processes "
	                       "started, 1 file changed, 1 gap\n  2. aaaa: 1 "
	                       "process started, 2 files changed, 0 gaps\n"));
	a = strstr(s, "== container aaaa");
	b = strstr(s, "== container bbbb");
	assert_true(a != NULL && b != NULL && b < a);
	assert_true(strstr(s, "== Docker daemons") > a);
	assert_non_null(strstr(s, "└─ 40 [b2]  2026-11-25T10:00:03.000000000Z  "
	                          "running  [started in a gap: events may be "
	                          "missing]\n"));
	assert_null(strstr(s,
	                   "30 [b1]  2026-11-25T10:00:02.000000000Z  running  "
	                   "[started"));
	free(s);
	s = hand_again(render_json, m, &o);
	a = strstr(s, "{\"id\":\"aaaa\"");
	b = strstr(s, "{\"id\":\"bbbb\"");
	assert_true(a != NULL && b != NULL && b < a);
	assert_true(activity_is(s, 1, 2, 1, 1));
	assert_true(activity_is(s, 2, 1, 2, 0));
	a = strstr(s, "{\"id\":\"b2\"");
	assert_non_null(a);
	assert_true(strstr(a, "\"in_gap\":true}") < strstr(a, "\n"));
	assert_non_null(strstr(s, "\"in_gap\":false}"));
	free(s);
	model_free(m);
}

/* runc init setting up aaaa's root (its mounts, device nodes) is the same
 * work in every container: not aaaa's activity, bbbb stays first. */
static void
test_render_activity_runtime_not_counted(void **state)
{
	struct opts o;
	struct model *m = activity_model();
	struct container *ca = model_container(m, "h", "aaaa");
	struct proc *ri = hand_proc(m, "ri", "h", 4);
	char *s;
	int i;

	(void)state;
	ff_opts(&o);
	bytes_set(&ri->lead.exe, "/usr/sbin/runc", 14);
	model_link(m->procs[0], ri);
	ri->ct = ca;
	ca->nprocs++;
	for (i = 0; i < 5; i++)
		hand_file(m, ri, i % 2 ? "/dev/null" : "/proc", 4.1 + i / 10.0);
	s = hand_render(render_json, m, &o);
	assert_true(activity_is(s, 1, 2, 1, 1));
	assert_true(activity_is(s, 2, 1, 2, 0));
	free(s);
	model_free(m);
}

/* t's first exec at sec */
static void
hand_exec(struct task *t, double sec)
{
	t->execs = mem_calloc(1, sizeof(*t->execs));
	t->nexec = 1;
	t->execs[0].ns = FF_NS(sec);
}

/* runc init sets up the root in the process that then execs the
 * container's command: what the container's init (its parent outside the
 * container) changed before its first exec is the runtime's, not counted;
 * a process whose parent is in the container is the container's own,
 * before its exec too (a shell opening a redirection) */
static void
test_render_activity_setup_before_exec(void **state)
{
	struct opts o;
	struct model *m = activity_model();
	char *s;

	(void)state;
	ff_opts(&o);
	hand_exec(&m->procs[1]->lead, 1.15); /* aaaa's init: /a/1 before */
	hand_exec(&m->procs[3]->lead, 5);    /* b2: /etc/shadow before */
	s = hand_render(render_json, m, &o);
	assert_true(activity_is(s, 1, 2, 1, 1));
	assert_true(activity_is(s, 2, 1, 1, 0));
	free(s);
	model_free(m);
}

/* Provenance on top: the store without its credentials, the hosts, the
 * window from the flags or the data, the generation time and version. */
static void
test_render_provenance(void **state)
{
	struct opts o;
	struct model *m = activity_model();
	char *s;

	(void)state;
	ff_opts(&o);
	o.db = "raw";
	o.mongo = "mongodb://reader:s3cret@db1:27017/raw?"
	          "tlsCertificateKeyFilePassword=pw2&replicaSet=rs0";
	o.now = FF_NS(100);
	o.since = FF_NS(1);
	s = hand_render(render_text, m, &o);
	assert_null(strstr(s, "s3cret"));
	assert_null(strstr(s, "pw2"));
	assert_non_null(strstr(
	    s,
	    "\ndatabase raw  store mongodb://reader:***@db1:27017/raw?"
	    "tlsCertificateKeyFilePassword=***&replicaSet=rs0  host h\n"
	    "window 2026-11-25T10:00:01.000000000Z (-since) .. "
	    "2026-11-25T10:00:04.000000000Z (last recorded)\n"
	    "generated 2026-11-25T10:01:40.000000000Z by filter " GODO_VERSION
	    "; times in UTC\nrecord not checked (-no-verify)\n"));
	assert_true(strstr(s, "\ndatabase ") < strstr(s, "\n== "));
	free(s);
	s = hand_again(render_json, m, &o);
	assert_null(strstr(s, "s3cret"));
	assert_non_null(strstr(
	    s, "{\"format\":1,\"provenance\":{\"database\":\"raw\",\"store\":"
	       "\"mongodb://reader:***@db1:27017/"
	       "raw?tlsCertificateKeyFilePassword="
	       "***\\u0026replicaSet=rs0\",\"hosts\":[\"h\"],\"from\":"
	       "\"2026-11-25T10:00:01.000000000Z\",\"from_source\":\"since\","
	       "\"to\":\"2026-11-25T10:00:04.000000000Z\",\"to_source\":"
	       "\"data\",\"generated\":\"2026-11-25T10:01:40.000000000Z\","
	       "\"filter_version\":\"" GODO_VERSION "\",\"tz\":\"UTC\","
	       "\"record\":\"not checked\",\"record_links\":0,"
	       "\"record_documents\":0,\"record_problems\":0},"));
	free(s);
	model_free(m);
}

/* -tz=local: every time with the local zone's offset, in text and JSON */
static void
test_render_tz_local(void **state)
{
	static const struct {
		int (*fn)(FILE *, const struct model *, const struct opts *);
		const char *start, *zone;
	} fmt[] = {
	    {render_text, "40 [b2]  2026-11-25T12:00:03.000000000+02:00",
	     "times in the local zone (-tz=local)"},
	    {render_json, "\"start\":\"2026-11-25T12:00:03.000000000+02:00\"",
	     "\"tz\":\"local\""},
	};
	struct opts o;
	struct model *m = activity_model();
	size_t i;
	char *s;

	(void)state;
	assert_int_equal(setenv("TZ", "XST-2", 1), 0); /* UTC+2, no DST */
	tzset();
	ff_opts(&o);
	o.tz_local = true;
	tree_build(m, &o);
	tree_sort(m);
	for (i = 0; i < 2; i++) {
		s = hand_again(fmt[i].fn, m, &o);
		assert_non_null(strstr(s, fmt[i].start));
		assert_non_null(strstr(s, fmt[i].zone));
		assert_null(strstr(s, "0Z")); /* no time left in UTC */
		free(s);
	}
	assert_int_equal(unsetenv("TZ"), 0);
	tzset();
	model_free(m);
}

/* recorded bytes never reach the terminal raw */
static void
test_render_text_escapes(void **state)
{
	struct opts o;
	struct model *m = docker_model(&o);
	size_t n, i;
	int rc;
	char *s;

	(void)state;
	bytes_set(&m->procs[0]->lead.args.v[0], "a\x1b[2Jb\nc", 8);
	s = ff_render(render_text, m, &o, &n, &rc);
	assert_int_equal(rc, 0);
	for (i = 0; i < n; i++)
		assert_true(s[i] != 0x1b);
	assert_null(strstr(s, "b\nc"));
	free(s);
	model_free(m);
}

/* invalid UTF-8 comes out of JSON as lone surrogates */
static void
test_render_json_invalid_utf8(void **state)
{
	struct opts o;
	struct model *m = docker_model(&o);
	size_t n;
	int rc;
	char *s;

	(void)state;
	bytes_set(&m->procs[0]->lead.comm, "x\xff", 2);
	s = ff_render(render_json, m, &o, &n, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(s, "\"comm\":\"x\\udcff\""));
	free(s);
	model_free(m);
}

/* Whether the record verified is on top of every format; a failed check
 * is loud. */
static void
test_render_record_verified(void **state)
{
	struct opts o;
	struct model *m = activity_model();
	char *s;

	(void)state;
	ff_opts(&o);
	m->verify.state = MV_INTACT;
	m->verify.links = 3;
	m->verify.docs = 40;
	s = hand_render(render_text, m, &o);
	assert_non_null(strstr(
	    s,
	    "\nrecord intact: 40 documents as godo chained them (3 links)\n"));
	assert_true(strstr(s, "\nrecord ") < strstr(s, "\n== "));
	free(s);
	m->verify.state = MV_FAILED;
	m->verify.problems = 2;
	s = hand_again(render_text, m, &o);
	assert_non_null(strstr(s, "\nrecord FAILED: 2 problems; filter -verify "
	                          "lists them. !! THE RECORD WAS CHANGED"));
	free(s);
	s = hand_again(render_json, m, &o);
	assert_non_null(strstr(s, "\"record\":\"FAILED\",\"record_links\":3,"
	                          "\"record_documents\":40,"
	                          "\"record_problems\":2}"));
	free(s);
	m->verify.state = MV_NO_CHAIN;
	s = hand_again(render_text, m, &o);
	assert_non_null(strstr(s, "\nrecord not chained (written without "
	                          "chaining): cannot be checked\n"));
	free(s);
	model_free(m);
}

static void
test_render_text_empty(void **state)
{
	struct opts o;
	struct model *m = model_new(10);
	size_t n;
	int rc;
	char *s;

	(void)state;
	ff_opts(&o);
	s = ff_render(render_text, m, &o, &n, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "godo filter: 0 processes\n"
	                       "database -  store -  hosts -\n"
	                       "window ? (first recorded) .. ? (last "
	                       "recorded)\n"
	                       "generated 1970-01-01T00:00:00.000000000Z by "
	                       "filter " GODO_VERSION "; times in UTC\n"
	                       "record not checked (-no-verify)\n"
	                       "no dockerd or containerd in the window\n");
	free(s);
	model_free(m);
}

/* a full disk is an error (one line each), not a short report */
static void
test_render_write_error(void **state)
{
	struct opts o;
	struct model *m = docker_model(&o);
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (f == NULL)
		skip();
	/* unbuffered: glibc keeps the buffer of a stream whose last flush
	 * failed, which valgrind reports as lost */
	assert_int_equal(setvbuf(f, NULL, _IONBF, 0), 0);
	assert_int_equal(render_text(f, m, &o), -1);
	assert_int_equal(render_json(f, m, &o), -1);
	assert_int_equal(render_html(f, m, &o), -1);
	fclose(f);
	model_free(m);
}

/* A container's fork chain 4200 deep with a payload at the bottom: the
 * text shows every generation and the payload, no line grows with the
 * depth ("[depth N]" marks the cut drawing), and JSON lists them all. */
static void
test_render_deep_chain(void **state)
{
	enum { DEEP = 4200 };
	struct opts o;
	struct model *m = model_new(DEEP + 10);
	struct container *ct;
	struct proc *prev = NULL, *p;
	struct task t;
	size_t i, n, longest = 0;
	char id[32], *s, *line;
	int rc;

	(void)state;
	ff_opts(&o);
	ct = model_container(m, "h", FF_CID1);
	ct->keep = true;
	for (i = 0; i <= DEEP + 1; i++) {
		memset(&t, 0, sizeof(t));
		snprintf(id, sizeof(id), "g%zu", i);
		t.id = mem_strdup(id);
		t.pid = t.tgid = (int32_t)(i + 100);
		t.has_start = true;
		t.start_ns = FF_NS(0);
		t.star = i == 0;
		bytes_set(&t.comm, i == DEEP + 1 ? "payload" : id,
		          i == DEEP + 1 ? 7 : strlen(id));
		p = model_add_proc(m, &t);
		assert_non_null(p);
		p->keep = true;
		p->star = t.star;
		if (i > 0) {
			p->ct = ct;
			ct->nprocs++;
			model_link(prev, p);
		}
		prev = p;
	}
	s = hand_render(render_text, m, &o);
	assert_non_null(strstr(s, "[g4200]"));
	line = strstr(s, "└─ 4301 [payload]  ");
	assert_non_null(line);
	while (line > s && line[-1] != '\n')
		line--;
	assert_true(strncmp(line, "  [depth 4200] ", 15) == 0);
	for (line = s; line != NULL && *line; line = strchr(line, '\n')) {
		char *end = strchr(++line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		longest = len > longest ? len : longest;
	}
	assert_true(longest < 400);
	free(s);
	s = ff_render(render_json, m, &o, &n, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(s, "\"payload\""));
	free(s);
	model_free(m);
}

static struct proc *
by_tgid(struct model *m, int32_t tgid)
{
	size_t i;

	for (i = 0; i < m->nprocs; i++)
		if (m->procs[i]->lead.tgid == tgid)
			return m->procs[i];
	fail_msg("no process %d", (int)tgid);
	return NULL;
}

/* the args of p set to v[0..n) */
static void
set_args(struct proc *p, const char *const *v, size_t n)
{
	size_t i;

	bytes_argv_free(&p->lead.args);
	p->lead.args.v = mem_calloc(n, sizeof(*p->lead.args.v));
	p->lead.args.n = n;
	for (i = 0; i < n; i++)
		bytes_set(&p->lead.args.v[i], v[i], strlen(v[i]));
}

/* Hostile strings in every field, ids included (the container header
 * printed docker_id raw): no C0/C1 control, DEL, bidi or zero-width
 * character reaches the terminal, and the two rm command lines that
 * looked the same are told apart (POSIX quoting). */
static void
test_render_text_hostile_fields(void **state)
{
	const char *one[] = {"rm", "-rf", "/data' '/backup"};
	const char *two[] = {"rm", "-rf", "'/data'", "'/backup'"};
	const char *bad[] = {"\x1b",         "\x7f",         "\xc2\x9b",
	                     "\xc2\x9d",     "\xe2\x80\xae", "\xe2\x81\xa6",
	                     "\xe2\x80\x8b", "\xef\xbb\xbf"};
	struct opts o;
	struct model *m = docker_model(&o);
	size_t n, i;
	int rc;
	char *s;

	(void)state;
	set_args(by_tgid(m, 420), one, 3);
	set_args(by_tgid(m, 440), two, 4);
	free(m->cts[0].id);
	m->cts[0].id = mem_strdup("a1\x1b]0;pwned\x07\xc2\x9b"
	                          "2J\xe2\x80\xae\xef\xbb\xbf");
	bytes_set(&m->cts[0].name, "web\xe2\x80\x8b\x7f\xe2\x81\xa6", 10);
	bytes_set(&by_tgid(m, 410)->lead.comm, "\xc2\x9d", 2);
	s = ff_render(render_text, m, &o, &n, &rc);
	assert_int_equal(rc, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (memmem(s, n, bad[i], strlen(bad[i])) != NULL)
			fail_msg("raw %s reached the text:\n%s", bad[i], s);
	assert_non_null(strstr(s, "420 rm -rf '/data'\\'' '\\''/backup'  "));
	assert_non_null(
	    strstr(s, "440 rm -rf ''\\''/data'\\''' ''\\''/backup'\\'''  "));
	assert_non_null(strstr(s, "== container a1\\x1b]0;pwned\\x07\\u{9b}2J"
	                          "\\u{202e}\\u{feff} name web\\u{200b}\\x7f"
	                          "\\u{2066}\n"));
	free(s);
	model_free(m);
}

/* An exec godo got no argv record for (args_source "none") says so in
 * text and HTML, where an empty argv would look like a command run with
 * no arguments; another source is named as it is. */
static void
test_render_args_not_recorded(void **state)
{
	struct opts o;
	struct model *m = docker_model(&o);
	struct proc *p = by_tgid(m, 420), *q = by_tgid(m, 440);
	size_t n;
	int rc;
	char *s;

	(void)state;
	set_args(p, NULL, 0);
	bytes_set(&p->lead.ax.source, "none", 4);
	bytes_set(&q->lead.ax.source, "proctitle", 9);
	s = ff_render(render_text, m, &o, &n, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(s, " [args not recorded]"));
	assert_null(strstr(s, "[from none]"));
	assert_non_null(strstr(s, " [from proctitle]"));
	free(s);
	/* the page's data: its script (render_page_js.c) shows it as
	 * "[args not recorded]" */
	s = ff_render(render_html, m, &o, &n, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(s, "\"args_source\":\"none\""));
	free(s);
	s = ff_render(render_json, m, &o, &n, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(s, "\"args_source\":\"none\""));
	free(s);
	model_free(m);
}

/* A file name holding the words of a mark (" (path unverified)") is
 * quoted in text, so it cannot pass for a confirmed name's mark or a
 * verified name for an unverified one; a plain name stays bare. */
static void
test_render_text_path_cannot_forge_mark(void **state)
{
	static const char evil[] = "/tmp/x (path unverified)";
	struct opts o;
	struct model *m = docker_model(&o);
	struct file *open = NULL, *op = NULL;
	size_t n, i;
	int rc;
	char *s;

	(void)state;
	for (i = 0; i < m->nfiles; i++) {
		if (m->files[i].op == FOP_OPEN && open == NULL)
			open = &m->files[i];
		else if (m->files[i].op != FOP_OPEN && op == NULL)
			op = &m->files[i];
	}
	assert_non_null(open);
	assert_non_null(op);
	bytes_set(&open->path, evil, strlen(evil));
	open->path_unverified = false;
	bytes_set(&op->path, evil, strlen(evil));
	op->path_unverified = false;
	s = ff_render(render_text, m, &o, &n, &rc);
	assert_int_equal(rc, 0);
	assert_null(strstr(s, " /tmp/x (path unverified)"));
	assert_non_null(strstr(s, "    '/tmp/x (path unverified)'  pid "));
	assert_non_null(strstr(s, " '/tmp/x (path unverified)'"));
	assert_non_null(strstr(s, "    /etc/shadow  pid 430  open "));
	free(s);
	model_free(m);
}

/* A 15 MiB file name is shown cut, with the cut said ("...[+N bytes]"),
 * and JSON keeps all of it. */
static void
test_render_huge_filename(void **state)
{
	enum { HUGE = 15 * 1024 * 1024 };
	struct opts o;
	struct model *m = docker_model(&o);
	char *name = mem_calloc(HUGE, 1), *s;
	size_t n;
	int rc;

	(void)state;
	memset(name, 'A', HUGE);
	name[0] = '/';
	bytes_set(&m->files[0].path, name, HUGE);
	free(name);
	s = ff_render(render_text, m, &o, &n, &rc);
	assert_int_equal(rc, 0);
	assert_true(n < 64 * 1024);
	assert_non_null(strstr(s, "AAA'...[+15724544 bytes]"));
	free(s);
	s = ff_render(render_json, m, &o, &n, &rc);
	assert_int_equal(rc, 0);
	assert_true(n > HUGE);
	free(s);
	model_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_render_activity_order),
	    cmocka_unit_test(test_render_activity_runtime_not_counted),
	    cmocka_unit_test(test_render_activity_setup_before_exec),
	    cmocka_unit_test(test_render_provenance),
	    cmocka_unit_test(test_render_record_verified),
	    cmocka_unit_test(test_render_tz_local),
	    cmocka_unit_test(test_render_deep_chain),
	    cmocka_unit_test(test_render_text_hostile_fields),
	    cmocka_unit_test(test_render_huge_filename),
	    cmocka_unit_test(test_render_text_path_cannot_forge_mark),
	    cmocka_unit_test(test_render_args_not_recorded),
	    cmocka_unit_test(test_render_text_golden),
	    cmocka_unit_test(test_render_json_golden),
	    cmocka_unit_test(test_render_html_well_formed),
	    cmocka_unit_test(test_render_text_no_container_child),
	    cmocka_unit_test(test_render_text_null_container_by_hand),
	    cmocka_unit_test(test_render_text_escapes),
	    cmocka_unit_test(test_render_json_invalid_utf8),
	    cmocka_unit_test(test_render_text_empty),
	    cmocka_unit_test(test_render_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
