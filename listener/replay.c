/* replay.c - see replay.h. One pipeline, built when the first record names
 * the host and the boot: textrec -> reasm (+ textend's EOEs) -> sysevent ->
 * synthesized connector events + core -> writeback -> store. */
#include "replay.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <zlib.h>

#include "container.h"
#include "core.h"
#include "log.h"
#include "procconn.h"
#include "proctab.h"
#include "reasm.h"
#include "record.h"
#include "store.h"
#include "syscalls.h"
#include "sysevent.h"
#include "textend.h"
#include "textrec.h"
#include "writeback.h"

#define REPLAY_SLOTS 1024
#define REPLAY_SLOT_BYTES (64 * 1024)
#define REPLAY_DEPTH 8
#define REPLAY_TICK_MS 200 /* stream time between core ticks and flushes */
#define REPLAY_PARENT_DEPTH 16
#define REPLAY_VFORK_NS 1000000000LL /* a vfork record after its child's */

/* Container membership offline: runc names the container it creates or
 * execs into (an argument of 64 hex digits, e.g. the --bundle's last
 * component); its child that execs "runc init" is in it, then the
 * container's command, and their children after them; runc's other
 * children (hooks) and the runtime itself are not. Shown to the core as
 * the live /proc would: PROC_ROOT/PID/cgroup "0::/docker/ID" for those in
 * it, "0::/" for the runtime (so that the core does not settle it into the
 * container by its runc ancestry), written before the task's fork and exec
 * are handed on. */
#define REPLAY_CIDS (1u << 16) /* open addressing on the pid */
enum cid_kind { CID_NONE, CID_RUNC, CID_RUNC_CHILD, CID_IN, CID_HOST };

struct cid {
	int32_t pid;
	uint8_t kind;
	bool published; /* PROC_ROOT/PID/cgroup written */
	char id[65];
};

struct clone_seen {
	int32_t child,
	    by; /* by: the caller (ppid= differs with CLONE_PARENT) */
	int64_t ns;
};

struct replay {
	const struct replay_opts *o;
	struct replay_stats *st;
	struct store *store;
	struct writeback wb;
	bool wb_ok;
	struct chain chain; /* a run of its own, chained as godo's */
	bool chained;
	struct core *core;
	struct sysevent_dec *dec;
	struct sysevent *ev;
	struct reasm *r;
	struct textend te;
	char host[256], boot_id[64];
	char proc_root[64]; /* an empty directory: no /proc offline */
	int64_t first_ns, now_ns;
	uint64_t now_ms, last_tick_ms;
	struct clone_seen clones[REPLAY_CLONES]; /* a ring */
	unsigned int nclones;
	bool failed;
	struct cid *cids; /* REPLAY_CIDS */
	uint64_t cid_full;
};

static void
set_now(struct replay *rp, int64_t ns)
{
	uint64_t ms = ns > 0 ? (uint64_t)(ns / 1000000) : 0;

	if (ns > rp->now_ns)
		rp->now_ns = ns;
	if (ms > rp->now_ms)
		rp->now_ms = ms;
	core_set_now(rp->core, rp->now_ms, rp->now_ns);
}

static struct cid *
cid_slot(struct replay *rp, int32_t pid, bool add)
{
	uint32_t h = ((uint32_t)pid * 2654435761u) & (REPLAY_CIDS - 1), i;

	for (i = 0; i < 64; i++) {
		struct cid *c = &rp->cids[(h + i) & (REPLAY_CIDS - 1)];

		if (c->pid == pid)
			return c;
		if (c->pid == 0) {
			if (!add)
				return NULL;
			c->pid = pid;
			return c;
		}
	}
	if (add)
		rp->cid_full++;
	return NULL;
}

/* PROC_ROOT/PID/cgroup naming the container (or the host's root for
 * the runtime): what container_read finds. */
static void
cid_publish(struct replay *rp, struct cid *c)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d", rp->proc_root, c->pid);
	if (mkdir(path, 0700) != 0 && errno != EEXIST) {
		log_warn("replay: mkdir %s", path);
		return;
	}
	snprintf(path, sizeof(path), "%s/%d/cgroup", rp->proc_root, c->pid);
	f = fopen(path, "w");
	if (f == NULL) {
		log_warn("replay: %s", path);
		return;
	}
	if (c->kind == CID_IN)
		fprintf(f, "0::/docker/%s\n", c->id);
	else
		fputs("0::/\n", f);
	if (fclose(f) != 0)
		log_warn("replay: %s", path);
	c->published = true;
}

/* A new task pid of parent: in the container when its parent is, or when
 * its parent is the runc that named one. A reused pid forgets. */
static void
cid_fork(struct replay *rp, int32_t pid, int32_t parent)
{
	const struct cid *p = cid_slot(rp, parent, false);
	struct cid *c = cid_slot(rp, pid, p != NULL && p->kind != CID_NONE);

	char path[128];

	if (c == NULL)
		return;
	if (c->published) {
		/* the pid's previous incarnation was in one */
		snprintf(path, sizeof(path), "%s/%d/cgroup", rp->proc_root,
		         pid);
		if (unlink(path) != 0)
			log_warn("replay: unlink %s", path);
	}
	c->kind = CID_NONE;
	c->published = false;
	if (p == NULL || (p->kind != CID_IN && p->kind != CID_RUNC))
		return;
	memcpy(c->id, p->id, sizeof(c->id));
	c->kind = p->kind == CID_IN ? CID_IN : CID_RUNC_CHILD;
	if (c->kind == CID_IN)
		cid_publish(rp, c);
}

static bool
hex64(struct str s)
{
	size_t i;

	for (i = 0; s.n == 64 && i < 64; i++)
		if (!((s.p[i] >= '0' && s.p[i] <= '9') ||
		      (s.p[i] >= 'a' && s.p[i] <= 'f')))
			return false;
	return s.n == 64;
}

/* The container id among runc's arguments, into c (kind RUNC). */
static void
cid_runc(struct cid *c, const struct sysevent *ev)
{
	size_t i;

	for (i = 0; i < ev->argc; i++) {
		struct str a = ev->argv[i];

		/* --bundle .../<id> or the id itself */
		while (a.n > 64 && memchr(a.p, '/', a.n) != NULL) {
			const char *sl = memchr(a.p, '/', a.n);

			a.n -= (size_t)(sl + 1 - a.p);
			a.p = sl + 1;
		}
		if (!hex64(a))
			continue;
		c->kind = CID_RUNC;
		memcpy(c->id, a.p, 64);
		c->id[64] = '\0';
		return;
	}
}

/* An exec: runc init of a container enters it; runc naming a container
 * and the shims are the runtime, on the host; any other exec of a child
 * of runc (a hook) is on the host too. */
static void
cid_exec(struct replay *rp, const struct sysevent *ev)
{
	struct str b = {ev->exe.p, ev->exe.n};
	bool runc, shim, init;
	struct cid *c;
	size_t i;

	for (i = 0; i < ev->exe.n; i++)
		if (ev->exe.p[i] == '/') {
			b.p = ev->exe.p + i + 1;
			b.n = ev->exe.n - i - 1;
		}
	runc = b.n == 4 && memcmp(b.p, "runc", 4) == 0;
	shim = str_has_prefix(b, "containerd-shim");
	init = runc && ev->argc >= 2 && STR_IS(ev->argv[1], "init");
	c = cid_slot(rp, ev->pid, runc || shim);
	if (c == NULL || c->kind == CID_IN)
		return;
	if (init && c->kind == CID_RUNC_CHILD) {
		c->kind = CID_IN;
		cid_publish(rp, c);
		return;
	}
	if (!runc && !shim && c->kind != CID_RUNC_CHILD)
		return;
	c->kind = CID_HOST;
	if (runc)
		cid_runc(c, ev);
	cid_publish(rp, c);
}

static void
conn(struct replay *rp, enum procconn_what what, int32_t pid, int32_t ppid,
     uint32_t code, int64_t ns)
{
	struct procconn_event ce;

	memset(&ce, 0, sizeof(ce));
	ce.what = what;
	ce.ts_ns = ns > 0 ? (uint64_t)ns : 0; /* real_mono is 0: wall time */
	ce.pid = ce.tgid = pid;
	ce.ppid = ce.ptgid = ppid;
	ce.exit_code = code;
	core_conn_event(rp->core, &ce);
}

static bool
clone_time(const struct replay *rp, int32_t child, int64_t *ns, int32_t *by)
{
	unsigned int i,
	    n = rp->nclones < REPLAY_CLONES ? rp->nclones : REPLAY_CLONES;

	for (i = 0; i < n; i++) {
		const struct clone_seen *c =
		    &rp->clones[(rp->nclones - 1 - i) % REPLAY_CLONES];

		if (c->child == child) {
			*ns = c->ns;
			*by = c->by;
			return true;
		}
	}
	return false;
}

/* A task that started before the log: its start_ns is its first record's
 * time, not its fork's; its document says so (source REPLAY_BEFORE). */
static void
mark_before(struct replay *rp, int32_t pid)
{
	struct task *k = proctab_get(core_proctab(rp->core), pid);

	/* recorded at its synthetic fork, its document not yet written:
	 * the source it will carry (writeback has no setter for it) */
	if (k != NULL && k->wb.pending && !k->wb.written)
		k->wb.source = REPLAY_BEFORE;
}

/* A clone record that names a child already marked as started before the
 * log: a vfork's record comes when the parent resumes, after the child's
 * exec (and dash runs commands with vfork), so the child was seen first.
 * It did start in the log: its source goes back to "fork" while its
 * document is unwritten (a written one stays marked: unknown, not wrong).
 * Only a child first seen just before the record, not an older task whose
 * pid was reused. */
static void
unmark_before(struct replay *rp, const struct clone_seen *c)
{
	struct task *k = proctab_get(core_proctab(rp->core), c->child);

	if (k == NULL || k->exited || k->wb.written || k->wb.source == NULL ||
	    strcmp(k->wb.source, REPLAY_BEFORE) != 0 || c->ns < k->start_ns ||
	    c->ns - k->start_ns > REPLAY_VFORK_NS)
		return;
	k->wb.source = "fork";
	rp->st->started_before--;
	rp->st->forks++;
}

/* A task first named by an event: its fork, at its parent's clone record
 * when seen, else now (started before the log: counted). */
static void
ensure_task(struct replay *rp, int32_t pid, int32_t ppid, int64_t ns)
{
	struct sysevent probe;
	int64_t at;
	int32_t by = ppid;
	bool before = false;

	/* core_audit_known answers for events it attributes: ask as one */
	memset(&probe, 0, sizeof(probe));
	probe.has_syscall = true;
	probe.kind = SYSEV_EXECVE;
	probe.pid = pid;
	probe.time_ns = ns;
	if (pid <= 0 || core_audit_known(rp->core, &probe))
		return;
	if (clone_time(rp, pid, &at, &by)) {
		rp->st->forks++;
	} else {
		at = ns;
		rp->st->started_before++;
		before = true;
	}
	cid_fork(rp, pid, by); /* runc's nsexec clones with CLONE_PARENT */
	conn(rp, PROCCONN_FORK, pid, ppid, 0, at);
	if (before)
		mark_before(rp, pid);
}

/* exit_group ends the process; exit (also SYSEV_EXIT) may end only a
 * thread, whose records carry the process's pid. */
/* dockerd and containerd started before the log (they do not exec in it):
 * known by the executable of their records, as the core knows them at
 * their exec, so that filter finds the Docker tree's roots. */
static void
mark_daemon(struct replay *rp, const struct sysevent *ev)
{
	struct task *k;

	if (!container_is_daemon_name(ev->exe.p, ev->exe.n))
		return;
	k = proctab_get(core_proctab(rp->core), ev->pid);
	if (k == NULL || k->daemon)
		return;
	k->daemon = k->in_tree = true;
	writeback_task_daemon(&rp->wb, k);
}

static bool
is_exit_group(const struct sysevent *ev)
{
	return (ev->arch == ARCH_X86_64 && ev->syscall == 231) ||
	       (ev->arch == ARCH_I386 && ev->syscall == 252);
}

static void
on_event(const struct reasm_event *rev, void *arg)
{
	struct replay *rp = arg;
	struct sysevent *ev = rp->ev;

	rp->st->events++;
	if (sysevent_decode(rp->dec, rev, ev) != 0 || !ev->has_syscall)
		return;
	set_now(rp, ev->time_ns);
	ensure_task(rp, ev->ppid, 0, ev->time_ns);
	ensure_task(rp, ev->pid, ev->ppid, ev->time_ns);
	mark_daemon(rp, ev);
	if (ev->kind == SYSEV_CLONE && ev->success && ev->exit > 0) {
		struct clone_seen *c = &rp->clones[rp->nclones % REPLAY_CLONES];

		c->child = (int32_t)ev->exit;
		c->by = ev->pid;
		c->ns = ev->time_ns;
		rp->nclones++;
		unmark_before(rp, c);
	}
	if (ev->kind == SYSEV_EXECVE && ev->success) {
		/* live, the connector's EXEC comes first: the core reads the
		 * task's cgroup then */
		cid_exec(rp, ev);
		conn(rp, PROCCONN_EXEC, ev->pid, ev->ppid, 0, ev->time_ns);
	}
	core_audit_event(rp->core, ev);
	if (ev->kind == SYSEV_EXIT && is_exit_group(ev)) {
		rp->st->exits++;
		conn(rp, PROCCONN_EXIT, ev->pid, ev->ppid,
		     (uint32_t)(ev->a[0] & 0xff) << 8, ev->time_ns);
	}
	if (rp->now_ms - rp->last_tick_ms >= REPLAY_TICK_MS) {
		reasm_tick(rp->r, rp->now_ms);
		core_tick(rp->core);
		writeback_flush(&rp->wb, rp->now_ms, rp->now_ns);
		rp->last_tick_ms = rp->now_ms;
	}
}

/* The pipeline, once the first record gave the host and the time. */
static int
build(struct replay *rp, struct str node, const struct record *rec)
{
	struct tracker_opts to;
	struct tracker_clock clk = {0, 0, 100};

	if (rp->o->host != NULL)
		util_strlcpy(rp->host, rp->o->host, sizeof(rp->host));
	else if (node.n > 0 && node.n < sizeof(rp->host))
		snprintf(rp->host, sizeof(rp->host), "%.*s", (int)node.n,
		         node.p);
	else
		util_strlcpy(rp->host, "replay", sizeof(rp->host));
	snprintf(rp->boot_id, sizeof(rp->boot_id), "replay-%" PRIu64, rec->sec);
	rp->first_ns =
	    (int64_t)rec->sec * 1000000000LL + (int64_t)rec->msec * 1000000LL;
	if (writeback_init(&rp->wb, rp->store, rp->host, rp->boot_id) != 0)
		return -1;
	rp->wb_ok = true;
	if (!rp->o->no_chain) {
		char run[CHAIN_RUN_MAX];

		/* this replay's pid and start: the same log replayed again
		 * into one database is another run, not links colliding
		 * with the first replay's (which would leave this one's runs
		 * document outside every chain) */
		snprintf(run, sizeof(run),
		         "%s:%s:replay-%d-%" PRId64 ":%" PRId64, rp->host,
		         rp->boot_id, (int)getpid(), util_wall_ns(),
		         rp->first_ns);
		chain_init(&rp->chain, rp->o->chain_key, rp->host, run, NULL);
		writeback_chain(&rp->wb, &rp->chain, NULL);
		rp->chained = true;
	}
	memset(&to, 0, sizeof(to));
	to.all = true;
	to.proc_cap = (uint32_t)rp->o->proc_cap;
	to.fd_cap = (uint32_t)rp->o->fd_cap;
	to.grace_ms = 5000;
	to.proc_root = rp->proc_root;
	rp->core = core_new(&rp->wb, &to, rp->boot_id);
	if (rp->core == NULL)
		return -1;
	core_set_clock(rp->core, &clk);
	set_now(rp, rp->first_ns);
	writeback_run(&rp->wb, getpid(), rp->first_ns, 0, rp->first_ns);
	log_info("replay: host %s, boot %s (not in the log)", rp->host,
	         rp->boot_id);
	return 0;
}

static void
on_record(uint16_t type, const char *payload, size_t len, struct str node,
          void *arg)
{
	struct replay *rp = arg;
	struct record rec;

	if (rp->failed || record_parse(&rec, type, payload, len) != 0)
		return;
	if (rp->core == NULL && build(rp, node, &rec) != 0) {
		rp->failed = true;
		return;
	}
	rp->st->records++;
	(void)reasm_add(rp->r, type, payload, len, rp->now_ms);
	textend_see(&rp->te, &rec, rp->now_ms);
}

static void
on_eoe(const char *eoe, size_t len, void *arg)
{
	struct replay *rp = arg;

	(void)reasm_add(rp->r, RECORD_EOE, eoe, len, rp->now_ms);
}

/* One file through the tokenizer. */
static int
read_file(struct replay *rp, const char *path)
{
	char buf[65536];
	struct textrec *tr;
	gzFile gz;
	int n;

	gz = strcmp(path, "-") == 0 ? gzdopen(dup(STDIN_FILENO), "rb")
	                            : gzopen(path, "rb");
	if (gz == NULL) {
		log_warn("replay: open %s", path);
		return -1;
	}
	tr = textrec_new(path, on_record, rp);
	if (tr == NULL) {
		(void)gzclose(gz);
		return -1;
	}
	while ((n = gzread(gz, buf, sizeof(buf))) > 0 && !rp->failed)
		textrec_feed(tr, buf, (size_t)n);
	if (n < 0)
		log_warnx("replay: %s: read error (the rest is not read)",
		          path);
	textrec_finish(tr);
	rp->st->lines += textrec_stats(tr)->lines;
	rp->st->refused += textrec_stats(tr)->refused;
	rp->st->cut += textrec_stats(tr)->cut;
	textrec_free(tr);
	(void)gzclose(gz);
	return n < 0 ? -1 : 0;
}

static int
setup(struct replay *rp)
{
	char err[512];

	util_strlcpy(rp->proc_root, "/tmp/godo-replay-proc-XXXXXX",
	             sizeof(rp->proc_root));
	if (mkdtemp(rp->proc_root) == NULL) {
		log_warn("replay: mkdtemp");
		rp->proc_root[0] = '\0';
		return -1;
	}
	rp->store = store_open(rp->o->mongo, rp->o->db, err, sizeof(err));
	if (rp->store == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	store_ensure_indexes(rp->store);
	rp->cids = calloc(REPLAY_CIDS, sizeof(*rp->cids));
	rp->dec = sysevent_dec_new();
	rp->ev = calloc(1, sizeof(*rp->ev));
	rp->r = reasm_new(REPLAY_SLOTS, REPLAY_SLOT_BYTES, UINT64_MAX / 4,
	                  on_event, rp);
	if (rp->cids == NULL || rp->dec == NULL || rp->ev == NULL ||
	    rp->r == NULL) {
		log_warnx("replay: out of memory");
		return -1;
	}
	textend_init(&rp->te, REPLAY_DEPTH, 0, on_eoe, rp);
	return 0;
}

/* The synthetic /proc goes. */
static void
cid_cleanup(struct replay *rp)
{
	char path[128];
	uint32_t i;

	for (i = 0; rp->cids != NULL && i < REPLAY_CIDS; i++) {
		if (rp->cids[i].pid == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%d/cgroup", rp->proc_root,
		         rp->cids[i].pid);
		(void)unlink(path); /* absent for most */
		snprintf(path, sizeof(path), "%s/%d", rp->proc_root,
		         rp->cids[i].pid);
		(void)rmdir(path);
	}
	free(rp->cids);
	rp->cids = NULL;
	if (rp->cid_full > 0)
		log_warnx("replay: %" PRIu64 " tasks beyond the container "
		          "table: their container is not known",
		          rp->cid_full);
}

static void
finish(struct replay *rp)
{
	if (rp->r != NULL) {
		textend_tick(&rp->te, rp->now_ms, true);
		reasm_flush(rp->r);
	}
	if (rp->core != NULL) {
		core_shutdown(rp->core);
		if (rp->st->started_before > 0)
			writeback_gap(&rp->wb, "replay_started_before",
			              rp->first_ns, rp->first_ns,
			              rp->st->started_before);
		writeback_run(&rp->wb, getpid(), rp->first_ns, rp->now_ns,
		              rp->now_ns);
		writeback_flush(&rp->wb, rp->now_ms + 1000000, rp->now_ns);
	}
	core_free(rp->core);
	reasm_free(rp->r);
	sysevent_dec_free(rp->dec);
	free(rp->ev);
	if (rp->wb_ok)
		writeback_fini(&rp->wb);
	if (rp->chained)
		chain_fini(&rp->chain);
	store_close(rp->store);
	cid_cleanup(rp);
	if (rp->proc_root[0] != '\0' && rmdir(rp->proc_root) != 0)
		log_warn("replay: rmdir %s", rp->proc_root);
}

int
replay_run(const struct replay_opts *o, struct replay_stats *st)
{
	struct replay *rp = calloc(1, sizeof(*rp));
	int i, rc = 0;

	memset(st, 0, sizeof(*st));
	if (rp == NULL) {
		log_warn("%s: calloc", __func__);
		return -1;
	}
	rp->o = o;
	rp->st = st;
	if (setup(rp) != 0)
		rc = -1;
	for (i = 0; rc == 0 && i < o->nfiles; i++)
		if (read_file(rp, o->files[i]) != 0 || rp->failed)
			rc = -1;
	finish(rp);
	free(rp);
	log_info("replay: %" PRIu64 " lines, %" PRIu64 " records, %" PRIu64
	         " refused, %" PRIu64 " cut, %" PRIu64 " events, %" PRIu64
	         " forks from clone records, %" PRIu64
	         " processes started before the log, %" PRIu64 " exits",
	         st->lines, st->records, st->refused, st->cut, st->events,
	         st->forks, st->started_before, st->exits);
	return rc;
}

/* -replay: auditd logs offline, then exit (no root, no kernel). */
int
replay_main(const struct options *o)
{
	struct replay_opts ro = {o->replay, o->nreplay, o->mongo,
	                         o->db,     o->host,    o->proc_cap,
	                         o->fd_cap, NULL,       o->no_chain};
	struct replay_stats st;
	struct digest_key key;

	if (o->chain_key != NULL) {
		if (digest_key_load(&key, o->chain_key) != 0) {
			log_warnx("cannot use -chain-key %s", o->chain_key);
			return 1;
		}
		ro.chain_key = &key;
	}
	return replay_run(&ro, &st) == 0 ? 0 : 1;
}
