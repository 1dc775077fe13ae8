/* startup.c - see startup.h. */
#include "startup.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libaudit.h>

#include "chainhead.h"
#include "log.h"
#include "rules_kern.h"
#include "storelink.h"
#include "util.h"

/* The writer process gets the -mongo URI; the recorder keeps it redacted
 * (logs, local store lookup) and wipes argv's copy. */
void
startup_privsep(struct godo *g, char *err, size_t errlen)
{
	static char redacted[1024];
	struct storelink_opts lo = {g->o.mongo, g->o.db, g->host,
	                            g->o.state_dir, g->o.privsep_user};

	g->store = store_open_privsep(&lo, err, errlen);
	util_uri_redact(g->o.mongo, redacted, sizeof(redacted));
	if (strcmp(redacted, g->o.mongo) != 0) {
		explicit_bzero((char *)g->o.mongo, strlen(g->o.mongo));
		g->o.mongo = redacted;
	}
}

void
startup_spool(struct godo *g)
{
	char path[4096];

	if (mkdir(g->o.state_dir, 0700) != 0 && errno != EEXIST)
		fatal("cannot create state directory %s", g->o.state_dir);
	snprintf(path, sizeof(path), "%s/spool.bson", g->o.state_dir);
	if (store_set_spool(g->store, path, g->o.spool_max) != 0)
		fatalx("out of memory");
}

/* The chain of this run names the last head the previous run saved (the
 * state directory exists: startup_spool made it). */
void
startup_chain(struct godo *g)
{
	struct chain_head prev;
	char run[CHAIN_RUN_MAX];
	int loaded;

	if (g->o.no_chain)
		return;
	if (g->o.chain_key != NULL &&
	    digest_key_load(&g->chain_key, g->o.chain_key) != 0)
		fatalx("cannot use -chain-key %s", g->o.chain_key);
	snprintf(g->chain_head_path, sizeof(g->chain_head_path),
	         "%s/chain.head", g->o.state_dir);
	loaded = chain_head_load(&prev, g->chain_head_path);
	snprintf(run, sizeof(run), "%s:%s:%d:%" PRId64, g->host, g->boot_id,
	         (int)getpid(), g->start_ns);
	chain_init(&g->chain, g->o.chain_key != NULL ? &g->chain_key : NULL,
	           g->host, run, loaded == 0 ? &prev : NULL);
	writeback_chain(&g->wb, &g->chain, g->chain_head_path);
	log_info("chaining as run %s%s", run,
	         loaded == 0 ? ", after the saved head of the previous run"
	                     : "");
}

void
startup_audit(struct godo *g)
{
	struct auditsock_opts ao;
	struct rules_opts ro = {getpid(), g->o.exclude_exe, g->own_sid};
	int failed = 0, purged;

	memset(&ao, 0, sizeof(ao));
	ao.mode = source_audit_mode(g->src.kind);
	ao.rcvbuf = g->o.backlog;
	ao.backlog_limit = (uint32_t)g->o.backlog_limit;
	ao.force = g->o.force;
	if (g->o.wait_time >= 0) {
		ao.set_wait_time = true;
		ao.backlog_wait_time = (uint32_t)g->o.wait_time;
	}
	g->asrc = auditsock_open(&ao);
	if (g->asrc == NULL) {
		if (errno == EEXIST)
			fatalx("another audit daemon is registered (auditd?); "
			       "stop it or run godo -force");
		if (errno == EPERM)
			fatalx("audit is locked (enabled=2) or not permitted");
		fatal("kernel audit unavailable");
	}
	if (ao.mode != AUDITSOCK_UNICAST) {
		if (source_rules(auditsock_ctl_fd(g->asrc),
		                 auditsock_found(g->asrc), &ro,
		                 strcmp(g->o.rules_mode, "install") == 0,
		                 &g->found_rules, &g->rules) != 0) {
			auditsock_close(g->asrc);
			fatalx("could not set up godo's audit rules");
		}
		return;
	}
	purged = rules_purge(auditsock_ctl_fd(g->asrc), RULES_KEY);
	if (purged > 0)
		log_info("removed %d stale godo rules", purged);
	g->rules = rules_install(auditsock_ctl_fd(g->asrc), &ro, &failed);
	if (g->rules == NULL) {
		auditsock_close(g->asrc);
		fatalx("could not install audit rules");
	}
	if (failed > 0)
		log_warnx("%d audit rules could not be installed", failed);
	/* not fatal: without it godo reads more, loses nothing */
	purged = rules_excl_purge(auditsock_ctl_fd(g->asrc));
	if (purged > 0)
		log_info("removed %d stale godo exclude rules", purged);
	if (!g->o.proctitle)
		g->excl = rules_excl_install(auditsock_ctl_fd(g->asrc), ro.pid);
	if (g->o.lock) {
		/* enabled=2: the rules cannot change until reboot */
		if (audit_set_enabled(auditsock_ctl_fd(g->asrc), 2) <= 0) {
			(void)rules_remove(auditsock_ctl_fd(g->asrc), g->rules);
			(void)rules_excl_remove(auditsock_ctl_fd(g->asrc),
			                        g->excl);
			auditsock_close(g->asrc);
			fatalx("-lock: could not lock the audit configuration");
		}
		log_info("audit configuration locked until reboot (-lock)");
	}
}

/* Nothing was recorded on this host between the previous run's last
 * heartbeat (or clean stop) and now. */
void
startup_restart_gap(struct godo *g)
{
	int64_t last_ns = 0;

	if (store_last_run(g->store, g->host, &last_ns) == 1 && last_ns > 0 &&
	    last_ns < g->start_ns) {
		writeback_gap(&g->wb, "restart", last_ns, g->start_ns, 0);
		log_info("not recording since the previous run: gap of %" PRId64
		         " s",
		         (g->start_ns - last_ns) / 1000000000);
	}
}
