/* tracker.c - see tracker.h. */
#include "tracker.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "container.h"
#include "log.h"

void
tracker_release_task(struct task *k, void *arg)
{
	struct tracker *tr = arg;

	if (k->wb.pending)
		container_settle(tr, k, true);
	fdtab_forget(tr->ft, k); /* a table it shares stays with the others */
	writeback_task_release(tr->wb, k);
}

const struct task *
tracker_file_owner(struct tracker *tr, const struct openfile *f,
                   const struct task *holder)
{
	struct task *k = proctab_get(tr->pt, f->opener_pid);

	for (; k != NULL; k = k->older)
		if (k->start_ticks == f->opener_ticks)
			return k;
	if (f->opener_pid == 0)
		return holder;
	/* the opener left the table before its child closed the session:
	 * its identity from the session, the rest (container) the holder's,
	 * a child being in its parent's container */
	tr->opener = *holder;
	tr->opener.pid = tr->opener.tgid = f->opener_pid;
	tr->opener.start_ticks = f->opener_ticks;
	tracker_set_id(tr, &tr->opener);
	return &tr->opener;
}

/* The last descriptor of an open file went. */
static void
file_closed(struct openfile *f, const struct task *holder, int64_t ns,
            const char *by, void *arg)
{
	struct tracker *tr = arg;
	const struct task *proc = tracker_file_owner(tr, f, holder);

	if (!tracker_recorded(tr, proc))
		return;
	writeback_file_closed(tr->wb, f, proc, ns, by, tr->now_ms);
	tr->st.files_closed++;
}

static const char *const drop_sources[DROP_NCAUSES] = {
    [DROP_PROC_TABLE] = "proc_table", [DROP_FD_TABLE] = "fd_table",
    [DROP_MEM_LIMIT] = "mem_limit",   [DROP_UNATTRIBUTED] = "unattributed",
    [DROP_PID_REUSED] = "pid_reused", [DROP_SETNS] = "setns_unresolved",
    [DROP_FD_SHARE] = "fd_share",
};

const char *
tracker_drop_source(enum tracker_drop cause)
{
	return drop_sources[cause];
}

void
tracker_drop(struct tracker *tr, enum tracker_drop cause, int64_t ns,
             uint64_t n)
{
	tr->st.drops[cause] += n;
	writeback_tally(&tr->tally[cause], ns, n);
}

void
tracker_write_gaps(struct tracker *tr)
{
	int i;

	for (i = 0; i < DROP_NCAUSES; i++)
		writeback_tally_write(tr->wb, &tr->tally[i], drop_sources[i]);
}

/* An fdtab refusal or eviction. */
static void
fd_dropped(const char *source, int64_t ns, uint64_t n, void *arg)
{
	struct tracker *tr = arg;

	tracker_drop(tr, source[0] == 'm' ? DROP_MEM_LIMIT : DROP_FD_TABLE, ns,
	             n);
}

int
tracker_init(struct tracker *tr, struct writeback *wb,
             const struct tracker_opts *o, const char *boot_id)
{
	memset(tr, 0, sizeof(*tr));
	tr->o = *o;
	if (tr->o.proc_root == NULL)
		tr->o.proc_root = "/proc";
	tr->wb = wb;
	tr->clk.hz = 100;
	rootcache_init(&tr->roots);
	util_strlcpy(tr->boot_id, boot_id, sizeof(tr->boot_id));
	tr->pt = proctab_new(o->proc_cap, tracker_release_task, tr);
	tr->ft = fdtab_new(o->fd_cap, file_closed, tr);
	tr->cw = ctwatch_new(tr->o.proc_root, NULL);
	if (tr->pt == NULL || tr->ft == NULL || tr->cw == NULL) {
		tracker_fini(tr);
		return -1;
	}
	/* The open-file table gets at most half the budget: a descriptor
	 * flood cannot leave no room for tasks. */
	/* kcmp asks the live kernel: meaningless for a test's proc root or
	 * a replayed log's pids */
	if (tr->o.files_shared == NULL)
		tr->o.files_shared = strcmp(tr->o.proc_root, "/proc") == 0
		                         ? fdgroup_kcmp
		                         : fdgroup_unknown;
	fdtab_set_groups(tr->ft, &tr->groups);
	membudget_init(&tr->budget, o->mem_limit);
	proctab_set_budget(tr->pt, &tr->budget);
	fdtab_set_budget(tr->ft, &tr->budget, o->mem_limit / 2, fd_dropped);
	return 0;
}

void
tracker_fini(struct tracker *tr)
{
	rootcache_fini(&tr->roots);
	proctab_free(tr->pt);
	fdtab_free(tr->ft);
	ctwatch_free(tr->cw);
	tr->cw = NULL;
	tr->pt = NULL;
	tr->ft = NULL;
}

bool
tracker_recorded(const struct tracker *tr, const struct task *k)
{
	return k->in_tree || tr->o.all;
}

void
tracker_set_id(const struct tracker *tr, struct task *k)
{
	snprintf(k->id, sizeof(k->id), "%s:%d:%" PRIu64, tr->boot_id, k->pid,
	         k->start_ticks);
}

static int64_t
ns_per_tick(const struct tracker *tr)
{
	return 1000000000LL / (tr->clk.hz > 0 ? tr->clk.hz : 100);
}

int64_t
tracker_ticks_to_wall(const struct tracker *tr, uint64_t ticks)
{
	return tr->clk.real_boot + (int64_t)ticks * ns_per_tick(tr);
}

int64_t
tracker_mono_to_wall(const struct tracker *tr, uint64_t mono_ns)
{
	return (int64_t)mono_ns + tr->clk.real_mono;
}

uint64_t
tracker_mono_to_ticks(const struct tracker *tr, uint64_t mono_ns)
{
	/* BOOTTIME - MONOTONIC = (REALTIME - MONOTONIC) - (REALTIME -
	 * BOOTTIME) */
	int64_t boot = (int64_t)mono_ns + tr->clk.real_mono - tr->clk.real_boot;

	return (uint64_t)boot / (uint64_t)ns_per_tick(tr);
}
