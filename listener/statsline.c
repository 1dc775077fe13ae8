/* statsline.c - see statsline.h. */
#include "statsline.h"

#include <inttypes.h>

#include "log.h"

void
statsline_log(const struct statsline_src *g)
{
	const struct auditsock_counters *ac = auditsock_counters(g->asrc);
	const struct procconn_counters *cc = procconn_counters(g->conn);
	const struct tracker_stats *ts = core_stats(g->core);
	struct store_stats ss;
	struct proctab_stats ps;
	struct fdtab_stats fs;
	struct reasm_stats rs;
	uint64_t dt = g->dt_ms;

	store_get_stats(g->store, &ss);
	reasm_stats(g->reasm, &rs);
	proctab_get_stats(core_proctab(g->core), &ps);
	fdtab_get_stats(core_fdtab(g->core), &fs);
	log_info(
	    "stats: events/s %" PRIu64 " records/s %" PRIu64 " lost %" PRIu64
	    " backlog %u (max %u) conn overruns %" PRIu64
	    " pending %zu store ops %" PRIu64 " upserts %" PRIu64
	    " deletes %" PRIu64 " failed %" PRIu64 " flush %" PRIu64
	    "us (max %" PRIu64 "us) tasks %u/%u "
	    "files %u/%u unattributed %" PRIu64 " ops %" PRIu64
	    " merged %" PRIu64 " refused %" PRIu64 " partial aged %" PRIu64
	    " flood %" PRIu64 " evicted %" PRIu64 " flushed %" PRIu64
	    " audit disabled %" PRIu64 " displaced %" PRIu64
	    " reenabled %" PRIu64 " reclaimed %" PRIu64 " mem %" PRIu64
	    "/%" PRIu64 " (max %" PRIu64 ") drops proc_table %" PRIu64
	    " fd_table %" PRIu64 " mem_limit %" PRIu64 " pid_reused %" PRIu64
	    " evicted tasks %" PRIu64 " fds %" PRIu64 " containers %u"
	    " reasm bytes %" PRIu64 " (max %" PRIu64 ") cut %" PRIu64
	    " docs %" PRIu64 " (max %" PRIu64 ") early %" PRIu64
	    " mem_docs %" PRIu64 " queue cap flushes %" PRIu64
	    " setns_unresolved %" PRIu64 " fd_share %" PRIu64
	    " task full %" PRIu64 " nomem %" PRIu64 " share_refused %" PRIu64
	    " task containers %u fd dropped %" PRIu64 " nomem %" PRIu64
	    " audit enobufs %" PRIu64 " bad_sender %" PRIu64
	    " malformed %" PRIu64 " oversize %" PRIu64
	    " conn bad_sender %" PRIu64 " malformed %" PRIu64
	    " reasm bad %" PRIu64 " orphan_eoe %" PRIu64 " alone %" PRIu64
	    " store spooled %" PRIu64 " replayed %" PRIu64 " lost %" PRIu64
	    " spool bytes %" PRIu64 " outages %" PRIu64 " down %d"
	    " dup_inserts %" PRIu64,
	    dt ? g->events * 1000 / dt : 0, dt ? g->records * 1000 / dt : 0,
	    g->lost_total, ac->backlog, ac->backlog_max, cc->overruns,
	    store_pending(g->store), ss.ops, ss.upserts, ss.deletes,
	    ss.failed_ops, ss.last_flush_us, ss.max_flush_us, ps.size, ps.cap,
	    fs.size, fs.cap, ts->unattributed, ts->ops, g->wb->st.merged,
	    g->wb->st.failed, rs.aged, rs.flood, rs.evicted, rs.flushed,
	    ac->disabled_polls, ac->displaced_polls, ac->reenabled,
	    ac->reclaimed, core_budget(g->core)->used,
	    core_budget(g->core)->limit, core_budget(g->core)->high,
	    ts->drops[DROP_PROC_TABLE], ts->drops[DROP_FD_TABLE],
	    ts->drops[DROP_MEM_LIMIT], ts->drops[DROP_PID_REUSED], ps.evicted,
	    fs.evicted, fs.containers, rs.bytes, rs.bytes_high, rs.oversize,
	    g->docs->used, g->docs->high, g->wb->st.mem_early,
	    g->wb->st.mem_drops, ss.cap_flushes, ts->drops[DROP_SETNS],
	    ts->drops[DROP_FD_SHARE], ps.full, ps.nomem, ps.share_refused,
	    ps.containers, fs.dropped, fs.nomem, ac->enobufs, ac->bad_sender,
	    ac->malformed, ac->oversize, cc->bad_sender, cc->malformed, rs.bad,
	    rs.orphan_eoe, rs.alone, ss.spooled_ops, ss.replayed_ops,
	    ss.lost_ops, ss.spool_bytes, ss.outages, ss.down, ss.dup_inserts);
}
