/*
 * gen_raw.c - writes a synthetic raw godo database for the filter scaling
 * bench (bench/filter_scale.sh): N processes shaped like a Docker host's,
 * with documents as listener/docbuild.c builds them (docs/schema.md).
 *
 *   dockerd, containerd (star)           source snapshot
 *   containerd -> containerd-shim-runc-v2 per container
 *   shim -> runc (short), shim -> container init (CLONE_PARENT: the shim
 *   is the fork-time parent), init -> a few long-lived workers
 *   workers -> short commands -> their children (depth up to 8)
 *   shim -> docker exec sessions (setns)
 *   dockerd -> docker-proxy per container
 *
 * Some processes carry threads (extra pids documents, not counted in N);
 * every process writes about -files files (files collection: open/close
 * sessions, renames, unlinks; a few long-lived ones still open, in fds).
 * Processes found at godo's start (half the containers) have no parent_id, so
 * the filter links them by parent_tgid and time. -outside adds processes
 * outside the Docker tree (godo -all). Deterministic for a given -seed.
 * Inserts only, in large unordered bulks: FerretDB's SQLite handler scans
 * the collection for every update.
 */
#include <inttypes.h>
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fgroup.h"
#include "flags.h"
#include "schema.h"

#define BULK_DOCS 10000
#define MAX_CTS 4096
#define WORKERS_PER_CT 4
#define TICK_NS 10000000LL                      /* USER_HZ 100 */
#define BOOT_NS 1795910400000000000LL           /* 2026-11-29T00:00:00Z: boot */
#define T0_NS (BOOT_NS + 3600LL * 1000000000LL) /* first recorded start */
#define ID_MAX 128
#define FLUSH_NS 200000000LL /* godo's flush: files are grouped per one */

enum coll { C_PIDS, C_FILES, C_FDS, C_GAPS, C_RUNS, C_N };
static const char *coll_names[C_N] = {COLL_PIDS, COLL_FILES, COLL_FDS,
                                      COLL_GAPS, COLL_RUNS};

struct out {
	mongoc_collection_t *c[C_N];
	mongoc_bulk_operation_t *bulk[C_N];
	size_t pending[C_N];
	uint64_t total[C_N];
};

/* one recorded process, what its children need */
struct gproc {
	char id[ID_MAX];
	int32_t pid;
	int64_t start_ns, exit_ns; /* exit INT64_MAX: alive at the end */
	int depth;
	const char *docker_id;
};

struct ct {
	char docker_id[65];
	char rootfs[160];
	const char *image; /* program name of the workload */
	struct gproc shim, init, worker[WORKERS_PER_CT];
	struct gproc last; /* most recent short command */
	bool has_last;
};

static uint64_t rng_state;
static const char *host = "bench-host";
static const char *boot = "5f0c2d1e-7a4b-4c3d-9e8f-102030405060";
static int32_t next_pid = 1000;
static uint64_t next_serial = 1;
static uint64_t nprocs_made, nthreads_made;
static int files_mean = 5;
static int thread_pct = 5, outside_pct = 0;
/* files documents grouped per container and 200 ms (godo's flush) of
 * process starts, as godo writes them (fgroup.h);
 * -old: one document per file, with date twins (godo before issue 22) */
static bool old_shape, per_process;
static struct fgroup fgroup;

static uint64_t
rnd(void)
{
	/* xorshift64*: deterministic and good enough for shapes */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static uint64_t
rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static int
out_flush(struct out *o, enum coll c)
{
	bson_error_t err;
	bson_t reply;
	uint32_t ok;

	if (o->pending[c] == 0)
		return 0;
	ok = mongoc_bulk_operation_execute(o->bulk[c], &reply, &err);
	bson_destroy(&reply);
	mongoc_bulk_operation_destroy(o->bulk[c]);
	o->bulk[c] = NULL;
	o->total[c] += o->pending[c];
	o->pending[c] = 0;
	if (!ok) {
		fprintf(stderr, "gen_raw: insert into %s: %s\n", coll_names[c],
		        err.message);
		return -1;
	}
	return 0;
}

static int
out_add(struct out *o, enum coll c, const bson_t *doc)
{
	bson_error_t err;

	if (o->bulk[c] == NULL) {
		bson_t *opts = BCON_NEW("ordered", BCON_BOOL(false));

		o->bulk[c] = mongoc_collection_create_bulk_operation_with_opts(
		    o->c[c], opts);
		bson_destroy(opts);
	}
	if (!mongoc_bulk_operation_insert_with_opts(o->bulk[c], doc, NULL,
	                                            &err)) {
		fprintf(stderr, "gen_raw: %s\n", err.message);
		return -1;
	}
	if (++o->pending[c] >= BULK_DOCS)
		return out_flush(o, c);
	return 0;
}

static void
append_date(bson_t *b, const char *k, int64_t ns)
{
	bson_append_date_time(b, k, -1, ns / 1000000);
}

static int64_t
ticks_of(int64_t ns)
{
	return (ns - BOOT_NS) / TICK_NS;
}

struct spec {
	const struct gproc *parent; /* NULL: a star or outside process */
	int32_t ptgid;              /* parent tgid when parent is NULL */
	bool star, snapshot, setns, exec;
	const char *comm, *exe, *cwd, *rootfs;
	const char *args[4];
	int64_t start_ns, exit_ns; /* exit INT64_MAX: still running */
	int exit_status;
	const char *docker_id;
	int depth;
};

static void
append_args(bson_t *b, const char *k, const char *const *args)
{
	bson_t arr;
	char key[16];
	int i;

	BSON_APPEND_ARRAY_BEGIN(b, k, &arr);
	for (i = 0; i < 4 && args[i] != NULL; i++) {
		snprintf(key, sizeof(key), "%d", i);
		BSON_APPEND_UTF8(&arr, key, args[i]);
	}
	bson_append_array_end(b, &arr);
}

/* comm is exe's last component: godo leaves it out */
static bool
comm_is_exe(const struct spec *s)
{
	const char *b;

	if (s->exe == NULL || s->comm == NULL || !(s->exec || s->snapshot))
		return false;
	b = strrchr(s->exe, '/');
	b = b != NULL ? b + 1 : s->exe;
	return strncmp(b, s->comm, 15) == 0 && strlen(s->comm) <= 15 &&
	       (strlen(b) <= 15 ? strlen(b) == strlen(s->comm)
	                        : strlen(s->comm) == 15);
}

/* one pids document, field order as docbuild.c builds it */
static int
task_doc(struct out *o, const struct spec *s, int32_t pid, int32_t tgid,
         const char *id, int64_t start_ns, int64_t exit_ns)
{
	bool thread = pid != tgid;
	bson_t d = BSON_INITIALIZER, arr, ent;
	int rc;

	BSON_APPEND_UTF8(&d, F_ID, id);
	BSON_APPEND_UTF8(&d, F_HOST, host);
	BSON_APPEND_UTF8(&d, F_BOOT, boot);
	BSON_APPEND_UTF8(&d, F_SOURCE,
	                 s->snapshot ? "snapshot" : (thread ? "fork" : "exec"));
	BSON_APPEND_INT32(&d, F_PID, pid);
	BSON_APPEND_INT32(&d, F_TGID, tgid);
	BSON_APPEND_BOOL(&d, F_THREAD, thread);
	BSON_APPEND_INT32(&d, F_PPID, s->parent ? s->parent->pid : s->ptgid);
	if (old_shape) /* equal to ppid: left out (docs/schema.md) */
		BSON_APPEND_INT32(&d, F_PARENT_TGID,
		                  s->parent ? s->parent->pid : s->ptgid);
	if (s->parent != NULL && !s->snapshot)
		BSON_APPEND_UTF8(&d, F_PARENT_ID, s->parent->id);
	BSON_APPEND_INT64(&d, F_START_TICKS, ticks_of(start_ns));
	if (old_shape) /* godo writes no date twins since issue 22 */
		append_date(&d, F_START_TS, start_ns);
	BSON_APPEND_INT64(&d, F_START_NS, start_ns);
	if (s->star && !thread)
		BSON_APPEND_BOOL(&d, F_STAR, true);
	if (s->docker_id != NULL)
		BSON_APPEND_UTF8(&d, F_DOCKER_ID, s->docker_id);
	if (s->exec || s->snapshot) {
		append_args(&d, F_ARGS, s->args);
		BSON_APPEND_UTF8(&d, F_EXE, s->exe);
		BSON_APPEND_UTF8(&d, F_CWD, s->cwd);
	}
	if (old_shape || !comm_is_exe(s))
		BSON_APPEND_UTF8(&d, F_COMM, s->comm);
	if (s->rootfs != NULL && !thread)
		BSON_APPEND_UTF8(&d, F_ROOTFS, s->rootfs);
	if (s->setns)
		BSON_APPEND_BOOL(&d, F_SETNS, true);
	if (exit_ns != INT64_MAX) {
		if (old_shape)
			append_date(&d, F_EXIT_TS, exit_ns);
		BSON_APPEND_INT64(&d, F_EXIT_NS, exit_ns);
		if (old_shape) /* code or signal says it: left out */
			BSON_APPEND_INT32(&d, F_EXIT_STATUS, s->exit_status);
		if ((s->exit_status & 0x7f) == 0)
			BSON_APPEND_INT32(&d, F_EXIT_CODE,
			                  (s->exit_status >> 8) & 0xff);
		else
			BSON_APPEND_INT32(&d, F_EXIT_SIGNAL,
			                  s->exit_status & 0x7f);
	}
	if (s->exec && !thread) {
		int64_t ens = start_ns + 200000;

		BSON_APPEND_ARRAY_BEGIN(&d, F_EXECVE, &arr);
		BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &ent);
		if (old_shape)
			append_date(&ent, F_EXEC_TS, ens);
		BSON_APPEND_INT64(&ent, F_EXEC_NS, ens);
		if (old_shape) { /* the newest entry is the document's own */
			append_args(&ent, F_ARGS, s->args);
			BSON_APPEND_UTF8(&ent, F_EXE, s->exe);
			BSON_APPEND_UTF8(&ent, F_CWD, s->cwd);
		}
		bson_append_document_end(&arr, &ent);
		bson_append_array_end(&d, &arr);
		BSON_APPEND_INT32(&d, F_EXECVE_COUNT, 1);
	}
	rc = out_add(o, C_PIDS, &d);
	bson_destroy(&d);
	return rc;
}

static const char *const dirs[] = {"/var/log/app", "/tmp", "/app/data",
                                   "/var/cache/app", "/run"};
static const char *const exts[] = {".log", ".json", ".tmp", ".db", ".pid"};

/* written: the writes' distinct milliseconds (at most WRITTEN_MAX), 10 µs
 * apart from at; godo leaves a list of one date out. The older shape had
 * every write's time. */
static void
append_written(bson_t *d, int64_t at, int64_t wc)
{
	int64_t k, last = -1, n = 0;
	bson_t arr;
	char key[16];

	if (!old_shape && (at + 10000) / 1000000 == (at + wc * 10000) / 1000000)
		return;
	BSON_APPEND_ARRAY_BEGIN(d, F_WRITTEN, &arr);
	for (k = 0; k < wc && n < WRITTEN_MAX; k++) {
		int64_t t = at + (k + 1) * 10000;

		if (!old_shape && t / 1000000 == last)
			continue;
		last = t / 1000000;
		snprintf(key, sizeof(key), "%" PRId64, n++);
		append_date(&arr, key, old_shape ? t : last * 1000000);
	}
	bson_append_array_end(d, &arr);
}

/* the fields every files document starts with (docbuild.c) */
static void
file_head(bson_t *d, const char *id, const char *op, const struct gproc *p,
          const char *path)
{
	BSON_APPEND_UTF8(d, F_ID, id);
	BSON_APPEND_UTF8(d, F_HOST, host);
	BSON_APPEND_UTF8(d, F_BOOT, boot);
	BSON_APPEND_UTF8(d, F_OP, op);
	BSON_APPEND_UTF8(d, F_PROC_ID, p->id);
	BSON_APPEND_INT32(d, F_PID, p->pid);
	BSON_APPEND_INT32(d, F_TGID, p->pid);
	if (p->docker_id != NULL)
		BSON_APPEND_UTF8(d, F_DOCKER_ID, p->docker_id);
	BSON_APPEND_UTF8(d, F_FILENAME, path);
}

static int
emit_files(const bson_t *doc, void *arg)
{
	return out_add(arg, C_FILES, doc);
}

/* files of one process: open sessions, renames, unlinks; a still-open
 * session of a running process goes to fds instead. Grouped: into the
 * container's group of the current 200 ms (main flushes them). */
static int
file_docs(struct out *o, const struct gproc *p, const char *cwd)
{
	int n = files_mean > 0
	            ? (int)rnd_below((uint64_t)files_mean * 2 - 1) + 1
	            : 0;
	int64_t end =
	    p->exit_ns != INT64_MAX ? p->exit_ns : p->start_ns + 60000000000LL;
	int i;

	for (i = 0; i < n; i++) {
		char id[ID_MAX + 48], path[256], newp[sizeof(path) + 8];
		bson_t d = BSON_INITIALIZER;
		uint64_t kind = rnd_below(100);
		int64_t span = end - p->start_ns > 0 ? end - p->start_ns : 1;
		int64_t at = p->start_ns + (int64_t)rnd_below((uint64_t)span);
		uint64_t serial = next_serial++;
		enum coll c = C_FILES;
		int rc;

		snprintf(path, sizeof(path), "%s/f%" PRIu64 "%s",
		         kind < 10 ? cwd : dirs[rnd_below(5)],
		         rnd_below(100000), exts[rnd_below(5)]);
		if (kind >= 85) { /* rename or unlink */
			bool ren = kind < 93;

			snprintf(id, sizeof(id), "%s:%s:%" PRIu64, p->id,
			         ren ? "rename" : "unlink", serial);
			file_head(&d, id, ren ? "rename" : "unlink", p, path);
			if (ren) {
				snprintf(newp, sizeof(newp), "%s.1", path);
				BSON_APPEND_UTF8(&d, F_NEW_FILENAME, newp);
			}
			append_date(&d, F_OP_TS, at);
			BSON_APPEND_INT64(&d, F_OP_NS, at);
		} else {
			int32_t fd = 3 + (int32_t)rnd_below(20);
			int64_t wc = 1 + (int64_t)rnd_below(40);
			int64_t close_ns =
			    at + 1000000 + (int64_t)rnd_below(50000000);
			bool open_now =
			    p->exit_ns == INT64_MAX && rnd_below(100) < 20;

			snprintf(id, sizeof(id), "%s:%d:%" PRIu64, p->id, fd,
			         serial);
			file_head(&d, id, "open", p, path);
			BSON_APPEND_INT32(&d, F_FD, fd);
			BSON_APPEND_INT32(&d, F_FLAGS,
			                  01101); /* WR|CREAT|TRUNC */
			append_date(&d, F_OPEN_TS, at);
			BSON_APPEND_INT64(&d, F_OPEN_NS, at);
			BSON_APPEND_INT64(&d, F_WRITE_COUNT, wc);
			BSON_APPEND_INT64(&d, F_WRITE_BYTES, wc * 64);
			BSON_APPEND_INT64(&d, F_FIRST_WRITE, at + 10000);
			BSON_APPEND_INT64(&d, F_LAST_WRITE, at + wc * 10000);
			append_written(&d, at, wc);
			if (open_now) {
				c = C_FDS;
			} else {
				append_date(&d, F_CLOSE_TS, close_ns);
				BSON_APPEND_INT64(&d, F_CLOSE_NS, close_ns);
				if (old_shape) /* "close": left out */
					BSON_APPEND_UTF8(&d, F_CLOSE_BY,
					                 "close");
			}
		}
		if (c == C_FILES && !old_shape)
			rc = fgroup_add(&fgroup, &d);
		else
			rc = out_add(o, c, &d);
		bson_destroy(&d);
		if (rc != 0)
			return rc;
	}
	return fgroup.failed != 0 ? -1 : 0;
}

/* Writes a process (its threads and files too) and fills *g. */
static int
make_proc(struct out *o, const struct spec *s, struct gproc *g)
{
	int32_t pid = next_pid++;
	int nthr = 0, i;

	memset(g, 0, sizeof(*g));
	g->pid = pid;
	g->start_ns = s->start_ns;
	g->exit_ns = s->exit_ns;
	g->depth = s->depth;
	g->docker_id = s->docker_id;
	snprintf(g->id, sizeof(g->id), "%s:%d:%" PRId64, boot, pid,
	         ticks_of(s->start_ns));
	if (task_doc(o, s, pid, pid, g->id, s->start_ns, s->exit_ns) != 0)
		return -1;
	nprocs_made++;
	if ((int)rnd_below(100) < thread_pct)
		nthr = 1 + (int)rnd_below(4);
	for (i = 0; i < nthr; i++) {
		int32_t tid = next_pid++;
		int64_t ts = s->start_ns + 1000000 * (i + 1);
		int64_t te = s->exit_ns;
		char tidstr[ID_MAX];

		if (te != INT64_MAX && ts >= te)
			ts = s->start_ns;
		snprintf(tidstr, sizeof(tidstr), "%s:%d:%" PRId64, boot, tid,
		         ticks_of(ts));
		if (task_doc(o, s, tid, pid, tidstr, ts, te) != 0)
			return -1;
		nthreads_made++;
	}
	return file_docs(o, g, s->cwd);
}

static const char *const images[] = {"nginx", "postgres", "redis", "python3",
                                     "node"};
static const char *const cmds[][2] = {
    {"sh", "/bin/sh"},     {"ls", "/bin/ls"},
    {"cat", "/bin/cat"},   {"curl", "/usr/bin/curl"},
    {"gzip", "/bin/gzip"}, {"date", "/bin/date"},
    {"grep", "/bin/grep"}, {"python3", "/usr/bin/python3"}};

static void
spec_init(struct spec *s, const struct gproc *parent, int64_t start,
          int64_t exit_ns)
{
	memset(s, 0, sizeof(*s));
	s->parent = parent;
	s->start_ns = start;
	s->exit_ns = exit_ns;
	s->exec = true;
	s->cwd = "/";
	s->depth = parent ? parent->depth + 1 : 0;
	s->docker_id = parent ? parent->docker_id : NULL;
}

static int
make_container(struct out *o, struct ct *c, int idx, const struct gproc *cd,
               const struct gproc *dd, int64_t t)
{
	struct spec s;
	struct gproc runc, proxy;
	char shim_arg[96], port[32];
	int i;

	for (i = 0; i < 64; i++)
		c->docker_id[i] = "0123456789abcdef"[rnd_below(16)];
	c->docker_id[64] = '\0';
	snprintf(c->rootfs, sizeof(c->rootfs),
	         "/var/lib/docker/overlay2/%.40s%02d/merged", c->docker_id + 8,
	         idx % 100);
	c->image = images[idx % 5];
	snprintf(shim_arg, sizeof(shim_arg), "%.64s", c->docker_id);
	spec_init(&s, cd, t, INT64_MAX);
	s.snapshot = idx % 2 == 0; /* half were running at godo's start */
	s.comm = "containerd-shim";
	s.exe = "/usr/bin/containerd-shim-runc-v2";
	s.args[0] = "/usr/bin/containerd-shim-runc-v2";
	s.args[1] = "-id";
	s.args[2] = shim_arg;
	if (make_proc(o, &s, &c->shim) != 0)
		return -1;
	spec_init(&s, &c->shim, t + 2000000, t + 40000000);
	s.comm = "runc";
	s.exe = "/usr/bin/runc";
	s.args[0] = "runc";
	s.args[1] = "create";
	s.exit_status = 0;
	if (make_proc(o, &s, &runc) != 0)
		return -1;
	spec_init(&s, &c->shim, t + 10000000, INT64_MAX);
	s.snapshot = idx % 2 == 0;
	s.docker_id = c->docker_id;
	s.rootfs = c->rootfs;
	s.comm = c->image;
	s.exe = "/usr/local/bin/entrypoint";
	s.cwd = "/app";
	s.args[0] = "/usr/local/bin/entrypoint";
	s.args[1] = c->image;
	if (make_proc(o, &s, &c->init) != 0)
		return -1;
	for (i = 0; i < WORKERS_PER_CT; i++) {
		spec_init(&s, &c->init, t + 50000000 + i * 1000000, INT64_MAX);
		s.snapshot = idx % 2 == 0;
		s.comm = c->image;
		s.exe = "/usr/local/bin/worker";
		s.cwd = "/app";
		s.args[0] = c->image;
		s.args[1] = "worker";
		if (make_proc(o, &s, &c->worker[i]) != 0)
			return -1;
	}
	snprintf(port, sizeof(port), "%d", 8000 + idx);
	spec_init(&s, dd, t + 60000000, INT64_MAX);
	s.comm = "docker-proxy";
	s.exe = "/usr/bin/docker-proxy";
	s.args[0] = "/usr/bin/docker-proxy";
	s.args[1] = "-host-port";
	s.args[2] = port;
	return make_proc(o, &s, &proxy);
}

/* a short command in container c at time t */
static int
make_command(struct out *o, struct ct *c, int64_t t, int64_t *exit_out)
{
	const struct gproc *parent;
	struct spec s;
	struct gproc g;
	uint64_t r = rnd_below(100);
	int64_t dur = 5000000 + (int64_t)rnd_below(2000000000);
	int k = (int)rnd_below(8);

	if (c->has_last && c->last.exit_ns > t + 1000000 && c->last.depth < 8 &&
	    r < 35)
		parent = &c->last; /* sh -c ... -> its child */
	else if (r < 38)
		parent = &c->shim; /* docker exec */
	else
		parent = &c->worker[rnd_below(WORKERS_PER_CT)];
	if (parent->exit_ns != INT64_MAX && t + dur >= parent->exit_ns)
		dur = parent->exit_ns - t - 1;
	spec_init(&s, parent, t, t + dur);
	s.docker_id = c->docker_id;
	s.setns = parent == &c->shim;
	s.exec = rnd_below(100) < 85; /* else a fork without exec */
	s.comm = s.exec ? cmds[k][0] : "sh";
	s.exe = cmds[k][1];
	s.cwd = "/app";
	s.args[0] = cmds[k][0];
	s.args[1] = "-c";
	s.args[2] = "run-task";
	s.exit_status = rnd_below(100) < 90 ? 0 : (rnd_below(2) ? 256 : 9);
	if (make_proc(o, &s, &g) != 0)
		return -1;
	c->last = g;
	c->has_last = true;
	*exit_out = t + dur;
	return 0;
}

static int
make_outside(struct out *o, int64_t t)
{
	struct spec s;
	struct gproc g;

	spec_init(&s, NULL, t, t + 3000000 + (int64_t)rnd_below(100000000));
	s.ptgid = 1 + (int32_t)rnd_below(900);
	s.comm = "cron";
	s.exe = "/usr/sbin/cron";
	s.args[0] = "/usr/sbin/cron";
	s.exit_status = 0;
	return make_proc(o, &s, &g);
}

static int
make_extras(struct out *o, int64_t t0, int64_t t1)
{
	bson_t d = BSON_INITIALIZER;
	int rc;

	BSON_APPEND_UTF8(&d, F_ID, "bench-run-1");
	BSON_APPEND_UTF8(&d, F_HOST, host);
	BSON_APPEND_UTF8(&d, F_BOOT, boot);
	BSON_APPEND_INT32(&d, F_PID, 321);
	BSON_APPEND_UTF8(&d, "version", "bench");
	append_date(&d, F_START_TS, t0);
	append_date(&d, "stop_timestamp", t1);
	BSON_APPEND_INT64(&d, "start_ns", t0);
	rc = out_add(o, C_RUNS, &d);
	bson_destroy(&d);
	if (rc != 0)
		return rc;
	bson_init(&d);
	BSON_APPEND_UTF8(&d, F_ID, "bench-gap-1");
	BSON_APPEND_UTF8(&d, F_HOST, host);
	BSON_APPEND_UTF8(&d, F_BOOT, boot);
	BSON_APPEND_UTF8(&d, F_GAP_SOURCE, "audit");
	append_date(&d, F_GAP_FROM, t0 + (t1 - t0) / 2);
	append_date(&d, F_GAP_TO, t0 + (t1 - t0) / 2 + 1000000000);
	BSON_APPEND_INT64(&d, "from_ns", t0 + (t1 - t0) / 2);
	BSON_APPEND_INT64(&d, "to_ns", t0 + (t1 - t0) / 2 + 1000000000);
	BSON_APPEND_INT64(&d, F_GAP_COUNT, 3);
	rc = out_add(o, C_GAPS, &d);
	bson_destroy(&d);
	return rc;
}

/* the listener's indexes (docs/schema.md, Indexes) */
static int
make_indexes(mongoc_database_t *db)
{
	static const char *spec[][2] = {{COLL_PIDS, F_TGID},
	                                {COLL_FDS, F_PROC_ID},
	                                {COLL_FILES, F_PROC_ID}};
	size_t i;

	for (i = 0; i < 3; i++) {
		char name[64];
		bson_error_t err;
		bson_t *cmd;
		bool ok;

		snprintf(name, sizeof(name), "host_1_%s_1", spec[i][1]);
		cmd = BCON_NEW("createIndexes", BCON_UTF8(spec[i][0]),
		               "indexes", "[", "{", "key", "{", F_HOST,
		               BCON_INT32(1), spec[i][1], BCON_INT32(1), "}",
		               "name", BCON_UTF8(name), "}", "]");
		ok = mongoc_database_command_simple(db, cmd, NULL, NULL, &err);
		bson_destroy(cmd);
		if (!ok) {
			fprintf(stderr, "gen_raw: createIndexes %s: %s\n",
			        spec[i][0], err.message);
			return -1;
		}
	}
	return 0;
}

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	const char *mongo = "127.0.0.1:27017", *dbname = "scale";
	uint64_t nprocs = 10000, seed = 1, ncts = 0;
	bool drop = false;
	struct flag tab[] = {
	    {"mongo", FLAG_STR, &mongo, "store host:port or mongodb:// URI",
	     NULL},
	    {"db", FLAG_STR, &dbname, "raw database to write", NULL},
	    {"procs", FLAG_U64, &nprocs, "processes (threads extra)", NULL},
	    {"containers", FLAG_U64, &ncts, "containers (0: 8 + procs/50000)",
	     NULL},
	    {"files", FLAG_INT, &files_mean, "files per process, mean", NULL},
	    {"threads", FLAG_INT, &thread_pct,
	     "percent of processes with 1-4 threads", NULL},
	    {"outside", FLAG_INT, &outside_pct,
	     "percent of processes outside the Docker tree", NULL},
	    {"seed", FLAG_U64, &seed, "random seed", NULL},
	    {"drop", FLAG_BOOL, &drop, "drop the database first", NULL},
	    {"per-process", FLAG_BOOL, &per_process,
	     "files grouped per process (default: per container)", NULL},
	    {"old", FLAG_BOOL, &old_shape,
	     "older shape: a files document per file, with date twins", NULL},
	};
	int ntab = (int)(sizeof(tab) / sizeof(tab[0]));
	static struct ct cts[MAX_CTS];
	mongoc_client_t *client;
	mongoc_database_t *db;
	struct out o;
	struct gproc cd, dd;
	struct spec s;
	char uri[1024];
	bson_error_t err;
	int64_t t, step, t_end;
	double t0 = mono_s();
	int idx, rc = 1;
	size_t i;

	idx = flags_parse(tab, ntab, argc, argv);
	if (idx == FLAGS_HELP) {
		flags_usage(stdout, "gen_raw [flags]", tab, ntab);
		return 0;
	}
	if (idx < 0 || idx < argc)
		return 2;
	if (ncts == 0)
		ncts = 8 + nprocs / 50000;
	if (ncts > MAX_CTS || files_mean < 0 || files_mean > 1000 ||
	    nprocs < ncts * 8) {
		fprintf(stderr, "gen_raw: bad -containers/-files/-procs\n");
		return 2;
	}
	rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
	mongoc_init();
	if (strncmp(mongo, "mongodb://", 10) == 0)
		snprintf(uri, sizeof(uri), "%s", mongo);
	else
		snprintf(uri, sizeof(uri), "mongodb://%s/", mongo);
	client = mongoc_client_new(uri);
	if (client == NULL) {
		fprintf(stderr, "gen_raw: bad -mongo\n");
		goto out;
	}
	db = mongoc_client_get_database(client, dbname);
	if (drop && !mongoc_database_drop(db, &err) && err.code != 26) {
		fprintf(stderr, "gen_raw: drop %s: %s\n", dbname, err.message);
		goto out_db;
	}
	memset(&o, 0, sizeof(o));
	fgroup_init(&fgroup, emit_files, &o, per_process);
	for (i = 0; i < C_N; i++)
		o.c[i] = mongoc_database_get_collection(db, coll_names[i]);
	if (make_indexes(db) != 0)
		goto out_colls;

	/* containerd and dockerd, running at godo's start */
	spec_init(&s, NULL, T0_NS - 600000000000LL, INT64_MAX);
	s.ptgid = 1;
	s.star = s.snapshot = true;
	s.comm = "containerd";
	s.exe = "/usr/bin/containerd";
	s.args[0] = "/usr/bin/containerd";
	if (make_proc(&o, &s, &cd) != 0)
		goto out_colls;
	s.start_ns += 1000000000;
	s.comm = "dockerd";
	s.exe = "/usr/bin/dockerd";
	s.args[0] = "/usr/bin/dockerd";
	s.args[1] = "-H";
	s.args[2] = "fd://";
	if (make_proc(&o, &s, &dd) != 0)
		goto out_colls;
	/* 2 ms a process: a busy host; containers start in the first
	 * second, the rest are commands spread over the whole span */
	step = 2000000;
	t = T0_NS;
	for (i = 0; i < ncts; i++) {
		if (make_container(&o, &cts[i], (int)i, &cd, &dd, t) != 0)
			goto out_colls;
		t += 100000000 / (int64_t)ncts;
	}
	t_end = t;
	while (nprocs_made < nprocs) {
		int64_t e;

		t += step;
		if (t / FLUSH_NS != (t - step) / FLUSH_NS) /* godo's flush */
			fgroup_flush(&fgroup);
		if ((int)rnd_below(100) < outside_pct) {
			if (make_outside(&o, t) != 0)
				goto out_colls;
			continue;
		}
		if (make_command(&o, &cts[rnd_below(ncts)], t, &e) != 0)
			goto out_colls;
		if (e > t_end)
			t_end = e;
	}
	if (make_extras(&o, T0_NS, t_end) != 0)
		goto out_colls;
	fgroup_flush(&fgroup);
	if (fgroup.failed != 0)
		goto out_colls;
	for (i = 0; i < C_N; i++)
		if (out_flush(&o, (enum coll)i) != 0)
			goto out_colls;
	printf("shape=%s procs=%" PRIu64 " threads=%" PRIu64
	       " containers=%" PRIu64 " pids=%" PRIu64 " files=%" PRIu64
	       " fds=%" PRIu64 " first_ns=%" PRId64 " last_ns=%" PRId64
	       " seconds=%.1f\n",
	       old_shape ? "old" : "grouped", nprocs_made, nthreads_made,
	       (uint64_t)ncts, o.total[C_PIDS], o.total[C_FILES],
	       o.total[C_FDS], (int64_t)T0_NS, t_end, mono_s() - t0);
	rc = 0;
out_colls:
	for (i = 0; i < C_N; i++) {
		if (o.bulk[i] != NULL)
			mongoc_bulk_operation_destroy(o.bulk[i]);
		mongoc_collection_destroy(o.c[i]);
	}
out_db:
	mongoc_database_destroy(db);
out:
	if (client != NULL)
		mongoc_client_destroy(client);
	mongoc_cleanup();
	return rc;
}
