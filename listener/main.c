/* main.c - godo: flags, setup in order (the store, the chain and audit by
 * startup.c), the loop, teardown in reverse. With startup.c the only
 * caller of fatal(). One thread, one epoll set: the audit event
 * socket, the audit control socket (status replies), the proc connector, a
 * signalfd and a timerfd. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <libaudit.h>

#include "sysevent.h"
#include "core.h"
#include "localstore.h"
#include "log.h"
#include "options.h"
#include "ownsess.h"
#include "priv.h"
#include "membudget.h"
#include "procfs.h"
#include "reasm.h"
#include "replay.h"
#include "record.h"
#include "rules.h"
#include "schema.h"
#include "source.h"
#include "auditsock.h"
#include "procconn.h"
#include "statsline.h"
#include "store.h"
#include "storelink.h"
#include "tamper.h"
#include "util.h"
#include "writeback.h"

#include "godo.h"
#include "phrun.h"
#include "startup.h"

/* The loop's one clock read: the logic gets this time. */
static void
read_clock(struct godo *g)
{
	uint64_t prev = g->now_ms;

	g->now_ms = util_now_ms();
	g->now_ns = util_wall_ns();
	reasm_clock_advance(&g->reasm_ms, &prev, g->now_ms, REASM_STEP_MS);
	if (g->core != NULL)
		core_set_now(g->core, g->now_ms, g->now_ns);
}

static void
on_cn(const struct procconn_event *ev, void *arg)
{
	struct godo *g = arg;

	core_conn_event(g->core, ev);
}

static void
drain_conn(void *arg)
{
	struct godo *g = arg;

	(void)procconn_read(g->conn, on_cn, g, PROCCONN_BUDGET);
}

/* The gap source of each way an event can leave reassembly without its
 * end (NULL: complete). */
static const char *const reasm_gap_source[REASM_END_FLUSH + 1] = {
    [REASM_END_AGED] = "reasm_aged",
    [REASM_END_FLOOD] = "reasm_flood",
    [REASM_END_FULL] = "reasm_evicted",
    [REASM_END_FLUSH] = "reasm_flushed",
};

/* A partial event may lack the records that say what it did: a drop,
 * counted in the cause's gap (written at the next flush) at the event's
 * time when it could be read (ns != 0), else now. */
static void
note_partial(struct godo *g, const struct reasm_event *rev, int64_t ns)
{
	if (!rev->partial || (unsigned int)rev->end > REASM_END_FLUSH ||
	    reasm_gap_source[rev->end] == NULL)
		return;
	writeback_tally(&g->reasm_gap[rev->end], ns != 0 ? ns : g->now_ns, 1);
}

/* Records dropped between a long event's head and tail: a gap. */
static void
note_cut(struct godo *g, const struct reasm_event *rev, int64_t ns)
{
	if (rev->dropped > 0)
		writeback_tally(&g->reasm_cut, ns != 0 ? ns : g->now_ns,
		                rev->dropped);
}

/* An audit event of a pid godo does not know may come from a child whose
 * FORK is still in the connector's queue (a clone event: the FORK it made):
 * read that first, more than one budget when a fork storm queued more. */
static void
drain_for(struct godo *g, const struct sysevent *ev)
{
	int i;

	for (i = 0; i < CONN_ROUNDS && !core_audit_known(g->core, ev); i++)
		if (procconn_read(g->conn, on_cn, g, PROCCONN_BUDGET) <= 0)
			break;
}

static void
on_event(const struct reasm_event *rev, void *arg)
{
	struct godo *g = arg;
	bool ok;

	g->stat_events++;
	ok = sysevent_decode(g->dec, rev, g->ev) == 0;
	note_partial(g, rev, ok ? g->ev->time_ns : 0);
	note_cut(g, rev, ok ? g->ev->time_ns : 0);
	if (!ok)
		return;
	drain_for(g, g->ev);
	core_audit_event(g->core, g->ev);
}

static void
on_record(uint16_t type, const char *payload, size_t len, void *arg)
{
	struct godo *g = arg;
	ssize_t n;

	g->stat_records++;
	if (g->diag != NULL) {
		n = record_format_line(type, payload, len, g->diagbuf,
		                       sizeof(g->diagbuf));
		if (n > 0 &&
		    fwrite(g->diagbuf, 1, (size_t)n, g->diag) != (size_t)n)
			log_warn("diag: write");
	}
	reasm_add(g->reasm, type, payload, len, g->reasm_ms);
}

static void
open_diag(struct godo *g)
{
	if (g->diag != NULL)
		fclose(g->diag);
	g->diag = NULL;
	if (g->o.diag == NULL)
		return;
	g->diag = fopen(g->o.diag, "a");
	if (g->diag == NULL)
		log_warn("cannot open diag file %s", g->o.diag);
}

static void
flush_store(struct godo *g)
{
	unsigned int i;

	for (i = 0; i <= REASM_END_FLUSH; i++)
		if (reasm_gap_source[i] != NULL)
			writeback_tally_write(&g->wb, &g->reasm_gap[i],
			                      reasm_gap_source[i]);
	writeback_tally_write(&g->wb, &g->reasm_cut, "reasm_cut");
	writeback_tally(&g->serial_gap, g->now_ns,
	                source_take_missing(&g->src));
	writeback_tally_write(&g->wb, &g->serial_gap,
	                      source_kind_name(g->src.kind));
	writeback_flush(&g->wb, g->now_ms, g->now_ns);
	if (g->diag != NULL)
		fflush(g->diag);
	g->last_flush_ms = g->now_ms;
}

static void
stats_line(struct godo *g)
{
	struct statsline_src src = {g->asrc,
	                            g->conn,
	                            g->core,
	                            g->store,
	                            g->reasm,
	                            &g->wb,
	                            &g->docs,
	                            g->stat_events,
	                            g->stat_records,
	                            g->lost_total,
	                            g->now_ms - g->last_stats_ms};

	statsline_log(&src);
	g->stat_events = g->stat_records = 0;
	g->last_stats_ms = g->now_ms;
}

static void
poll_status(struct godo *g)
{
	int64_t lost = auditsock_status_read(g->asrc);

	if (lost > 0) {
		g->lost_total += (uint64_t)lost;
		log_warnx("kernel audit lost %" PRId64 " records", lost);
		writeback_gap(&g->wb, "audit", g->last_status_ns, g->now_ns,
		              (uint64_t)lost);
	}
	tamper_check(&g->tamper, g->now_ns);
}

/* The kernel clocks' offsets, for the core's time conversions. -1 when
 * the clocks cannot be read (logged; the previous offsets stay). */
static int
sync_clock(struct godo *g)
{
	struct tracker_clock clk;

	g->last_clock_ms = g->now_ms;
	if (procfs_clock_offsets(&clk.real_mono, &clk.real_boot) != 0)
		return -1;
	clk.hz = procfs_user_hz();
	core_set_clock(g->core, &clk);
	return 0;
}

static void
periodic(struct godo *g)
{
	source_tick(&g->src, g->now_ms);
	/* Only once the socket is drained: records of an idle event may
	 * still be queued behind the budget. */
	if (!g->audit_backlog)
		reasm_tick(g->reasm, g->reasm_ms);
	core_tick(g->core);
	if (procconn_resync_take(g->conn)) {
		log_warnx("proc connector overrun: resynchronising from /proc");
		writeback_gap(&g->wb, "connector", g->now_ns - 1000000000LL,
		              g->now_ns, 1);
		if (core_snapshot(g->core) != 0)
			log_warnx("resynchronising from /proc failed");
	}
	phrun_tick(g);
	if (g->now_ms - g->last_clock_ms >= CLOCK_SYNC_MS && sync_clock(g) != 0)
		log_warnx("clock offsets not refreshed");
	if (g->now_ms - g->last_status_ms >= STATUS_MS) {
		g->last_status_ns = g->now_ns;
		auditsock_request_status(g->asrc);
		g->last_status_ms = g->now_ms;
	}
	if (g->o.stats_s > 0 &&
	    g->now_ms - g->last_stats_ms >= (uint64_t)g->o.stats_s * 1000)
		stats_line(g);
	if (store_pending(g->store) >= STORE_BATCH_MAX ||
	    g->now_ms - g->last_flush_ms >= FLUSH_MS)
		flush_store(g);
	if (g->now_ms - g->last_beat_ms >= HEARTBEAT_MS) {
		/* a heartbeat: after a crash, the next run knows until
		 * when this one was recording */
		writeback_run(&g->wb, getpid(), g->start_ns, 0, g->now_ns);
		g->last_beat_ms = g->now_ms;
	}
}

static void
on_signal(struct godo *g)
{
	struct signalfd_siginfo si;

	while (read(g->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGINT:
		case SIGTERM:
			g->stop = true;
			break;
		case SIGHUP:
			open_diag(g);
			break;
		case SIGUSR1:
			stats_line(g);
			break;
		}
	}
}

static int
add_fd(int ep, int fd)
{
	struct epoll_event e = {.events = EPOLLIN, .data.fd = fd};

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

/* Under load, records arrive one by one and each would wake the loop: a
 * short nap lets them gather so one recvmmsg takes many. The kernel
 * queues them meanwhile (receive buffer, backlog). */
static void
nap_us(int us)
{
	struct timespec ts = {us / 1000000, (long)(us % 1000000) * 1000};

	(void)nanosleep(&ts, NULL);
}

static void
loop(struct godo *g)
{
	struct epoll_event evs[8];
	int afd = auditsock_fd(g->asrc), cfd = procconn_fd(g->conn);
	int ctl = auditsock_ctl_fd(g->asrc);
	uint64_t tick;

	while (!g->stop) {
		bool busy = false;
		int i, n = epoll_wait(g->ep, evs, 8, 100);

		if (n < 0 && errno != EINTR)
			fatal("epoll_wait");
		read_clock(g);
		g->audit_backlog = false;
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == cfd) {
				drain_conn(g);
			} else if (fd == afd) {
				/* The connector first: a child's FORK must be
				 * seen before its audit events. */
				drain_conn(g);
				ssize_t got =
				    auditsock_read(g->asrc, source_record,
				                   &g->src, AUDIT_BUDGET);

				busy = got > 0;
				g->audit_backlog = got >= AUDIT_BUDGET;
			} else if (fd == g->src.fd) {
				drain_conn(g);
				(void)source_read_text(&g->src, g->now_ms);
				g->stop = g->stop || g->src.eof;
			} else if (fd == ctl) {
				poll_status(g);
			} else if (fd == g->sigfd) {
				on_signal(g);
			} else if (fd == g->timerfd) {
				if (read(g->timerfd, &tick, sizeof(tick)) < 0 &&
				    errno != EAGAIN)
					log_warn("timerfd");
			}
		}
		periodic(g);
		if (busy && g->o.batch_wait_us > 0)
			nap_us(g->o.batch_wait_us);
	}
}

static void
setup_fds(struct godo *g)
{
	sigset_t set;
	struct itimerspec it = {{0, 100000000}, {0, 100000000}};

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		fatal("sigprocmask");
	g->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	g->timerfd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	g->ep = epoll_create1(EPOLL_CLOEXEC);
	if (g->sigfd < 0 || g->timerfd < 0 || g->ep < 0)
		fatal("signalfd/timerfd/epoll");
	if (timerfd_settime(g->timerfd, 0, &it, NULL) != 0)
		fatal("timerfd_settime");
	if ((auditsock_fd(g->asrc) >= 0 &&
	     add_fd(g->ep, auditsock_fd(g->asrc))) ||
	    (g->src.fd >= 0 && add_fd(g->ep, g->src.fd)) ||
	    add_fd(g->ep, procconn_fd(g->conn)) ||
	    add_fd(g->ep, auditsock_ctl_fd(g->asrc)) ||
	    add_fd(g->ep, g->sigfd) || add_fd(g->ep, g->timerfd))
		fatal("epoll_ctl");
}

/* Records already queued at stop: the kernel's, or the text input's
 * (an auditd plugin's pipe, until its end). */
static ssize_t
read_queued(struct godo *g)
{
	if (g->src.fd < 0)
		return auditsock_read(g->asrc, source_record, &g->src,
		                      AUDIT_BUDGET);
	return g->src.eof ? 0 : source_read_text(&g->src, g->now_ms);
}

static void
teardown(struct godo *g)
{
	read_clock(g);
	/* Drain what the kernel already queued, then finish partial
	 * events. */
	{
		/* The kernel may still hold records of the last moments:
		 * read until the socket stays quiet for 200 ms (at most
		 * 3 s). */
		uint64_t end = g->now_ms + 3000, quiet = g->now_ms + 200;
		struct pollfd pfd = {
		    .fd = g->src.fd >= 0 ? g->src.fd : auditsock_fd(g->asrc),
		    .events = POLLIN};

		while (pfd.fd >= 0 && !g->src.eof && g->now_ms < end &&
		       g->now_ms < quiet) {
			drain_conn(g);
			if (read_queued(g) > 0)
				quiet = g->now_ms + 200;
			else if (poll(&pfd, 1, 50) < 0 && errno != EINTR)
				break;
			read_clock(g);
		}
	}
	source_finish(&g->src);
	reasm_flush(g->reasm);
	core_shutdown(g->core);
	read_clock(g);
	tamper_close(&g->tamper, g->now_ns);
	writeback_run(&g->wb, getpid(), g->start_ns, g->now_ns, g->now_ns);
	flush_store(g);
	if (g->o.lock) {
		log_info("audit is locked (-lock): godo's rules stay until "
		         "reboot");
		rules_excl_free(g->excl);
	} else {
		if (rules_remove(auditsock_ctl_fd(g->asrc), g->rules) < 0)
			log_warnx("some godo rules could not be removed");
		if (rules_excl_remove(auditsock_ctl_fd(g->asrc), g->excl) < 0)
			log_warnx("godo's exclude rule could not be removed");
	}
	g->excl = NULL;
	rules_free(g->found_rules);
	auditsock_close(g->asrc);
	source_fini(&g->src);
	procconn_close(g->conn);
	reasm_free(g->reasm);
	sysevent_dec_free(g->dec);
	free(g->ev);
	core_free(g->core);
	writeback_fini(&g->wb);
	if (!g->o.no_chain)
		chain_fini(&g->chain);
	phrun_stop(g);
	store_close(g->store);
	if (g->diag != NULL)
		fclose(g->diag);
	close(g->ep);
	close(g->sigfd);
	close(g->timerfd);
}

int
main(int argc, char **argv)
{
	static struct godo g;
	struct tracker_opts to;
	char err[512];
	int rc;

	rc = options_parse(&g.o, argc, argv);
	if (rc != OPTIONS_RUN)
		return rc == OPTIONS_DONE ? 0 : 2;
	log_init("godo", g.o.verbose);
	if (g.o.rules) {
		struct rules_opts ro = {0, g.o.exclude_exe, 0};

		return rules_print(stdout, &ro) < 0 ? 1 : 0;
	}
	if (options_check(&g.o, err, sizeof(err)) != 0)
		fatalx("%s", err);
	if (g.o.nreplay > 0)
		return replay_main(&g.o);
	if (geteuid() != 0)
		fatalx("must run as root (kernel audit and the proc connector "
		       "need CAP_AUDIT_CONTROL and CAP_NET_ADMIN)");
	if (procfs_boot_id(g.boot_id) != 0)
		fatal("cannot read /proc/sys/kernel/random/boot_id");
	(void)membudget_malloc_tune(); /* logged; glibc's defaults then */
	if (g.o.host != NULL)
		util_strlcpy(g.host, g.o.host, sizeof(g.host));
	else if (gethostname(g.host, sizeof(g.host) - 1) != 0)
		util_strlcpy(g.host, "unknown", sizeof(g.host));
	g.start_ns = util_wall_ns();
	/* before the first fork: every process of godo inherits it */
	if (ownsess_claim("/proc/self", &g.own_sid) == 0)
		log_info("godo's processes excluded from the rules as audit "
		         "session %lu",
		         (unsigned long)g.own_sid);

	if (options_privsep(&g.o))
		startup_privsep(&g, err, sizeof(err));
	else
		g.store = store_open(g.o.mongo, g.o.db, err, sizeof(err));
	if (g.store == NULL)
		fatalx("%s", err);
	store_ensure_indexes(g.store);
	startup_spool(&g);
	if (writeback_init(&g.wb, g.store, g.host, g.boot_id) != 0)
		fatalx("out of memory");
	startup_chain(&g);
	if (g.o.exclude_exe == NULL &&
	    localstore_exe(g.o.mongo, g.store_exe, sizeof(g.store_exe)) == 1) {
		g.o.exclude_exe = g.store_exe;
		log_info("not auditing the local store %s", g.store_exe);
	}
	if (source_kind_parse(g.o.source, &g.src.kind) != 0 ||
	    source_init(&g.src, g.src.kind, STDIN_FILENO, on_record, &g) != 0)
		fatalx("cannot set up -source=%s", g.o.source);
	g.conn = procconn_open(PROCCONN_RCVBUF);
	if (g.conn == NULL)
		fatal("proc connector unavailable");
	startup_audit(&g);
	tamper_init(&g.tamper, g.asrc, g.rules, &g.wb, g.o.force, g.start_ns);
	tamper_set_excl(&g.tamper, &g.excl, getpid());
	if (g.src.kind != SOURCE_UNICAST) {
		struct rules_opts ro = {getpid(), g.o.exclude_exe, g.own_sid};

		g.tamper.rs = g.found_rules;
		tamper_reader(&g.tamper, &g.rules, &ro,
		              strcmp(g.o.rules_mode, "install") == 0);
	}
	/* Sockets open, registered, rules in: keep what the loop needs. */
	if (priv_drop(err, sizeof(err)) != 0)
		log_warnx("%s", err);

	memset(&to, 0, sizeof(to));
	to.all = g.o.all;
	to.proc_cap = (uint32_t)g.o.proc_cap;
	to.fd_cap = (uint32_t)g.o.fd_cap;
	to.grace_ms = 5000;
	to.proc_root = PROCFS_ROOT;
	to.daemon_exe = g.o.daemon_exe;
	to.mem_limit = membudget_tables(g.o.mem_limit, membudget_rss());
	/* the other half: documents kept until written */
	membudget_init(&g.docs, to.mem_limit);
	writeback_set_budget(&g.wb, &g.docs);
	g.core = core_new(&g.wb, &to, g.boot_id);
	g.dec = sysevent_dec_new();
	g.ev = calloc(1, sizeof(*g.ev));
	g.reasm = reasm_new(GODO_REASM_SLOTS, GODO_REASM_SLOT_BYTES,
	                    GODO_REASM_AGE_MS, on_event, &g);
	if (g.core == NULL || g.dec == NULL || g.ev == NULL || g.reasm == NULL)
		fatalx("out of memory");
	if (reasm_set_cap(g.reasm, GODO_REASM_BYTES) != 0)
		fatalx("reassembly cap");
	read_clock(&g);
	if (sync_clock(&g) != 0)
		fatalx("cannot read the kernel clocks");
	open_diag(&g);
	setup_fds(&g);
	startup_restart_gap(&g);
	writeback_run(&g.wb, getpid(), g.start_ns, 0, g.start_ns);
	if (core_snapshot(g.core) != 0)
		log_warn("snapshot of /proc failed");
	(void)procconn_resync_take(g.conn); /* the snapshot just did that */
	if (options_privsep(&g.o))
		phrun_start(&g);
	if (options_privsep(&g.o) && priv_drop_ptrace() == 0)
		log_info("privsep: CAP_SYS_PTRACE dropped after the snapshot");
	read_clock(&g);
	g.last_flush_ms = g.last_stats_ms = g.now_ms;
	flush_store(&g);
	util_uri_redact(g.o.mongo, err, sizeof(err)); /* no password in logs */
	log_info("recording to %s db %s as host %s (source %s, %d rules)%s",
	         err, g.o.db, g.host, g.o.source,
	         rules_count(g.rules) + rules_count(g.found_rules),
	         g.o.all ? ", every process" : "");
	loop(&g);
	log_info("stopping");
	stats_line(&g);
	teardown(&g);
	return 0;
}
