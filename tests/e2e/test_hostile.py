"""Hostile containers against godo's memory bound (issue 16): one container
floods godo's open-file table with O_PATH and directory descriptors of long
paths while another writes files (every write is recorded, godo's RSS
stays under -mem-limit, the flood's drops are gaps); a fork storm of live
and short-lived processes against a small task table and -mem-limit (RSS
under it, every drop a gap, the counters on the stats line match); a fork
storm of live processes in one container filling the task table's share of
a small -mem-limit while another container writes (the task table is fair
between containers: every write of the other is recorded)."""
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from godotest import (raw_files, IMAGE, SLOW, Godo, audit_state, check, client, docker, finish, fresh_db,  # noqa: E402
                      hold_audit_lock, restore_audit, skip_if_wrapped, wait_for)

MIB = 1024 * 1024


class RssWatch:
    """godo's VmRSS (from /proc/PID/status) every 0.2 s while it runs."""

    def __init__(self, pid):
        self.pid = pid
        self.max_kib = 0
        self.samples = 0
        self.stop_ev = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop_ev.is_set():
            try:
                with open("/proc/%d/status" % self.pid) as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            self.max_kib = max(self.max_kib, int(line.split()[1]))
                            self.samples += 1
            except OSError:
                return
            time.sleep(0.2)

    def stop(self):
        self.stop_ev.set()
        self.t.join()
        return self.max_kib


def gap_counts(db, sources):
    out = {}
    for g in client()[db].gaps.find({"source": {"$in": sources}}):
        out[g["source"]] = out.get(g["source"], 0) + g["count"]
    return out


def last_stats(text):
    lines = [l for l in text.splitlines() if "stats:" in l]
    if not lines:
        return {}
    m = re.search(r"drops proc_table (\d+) fd_table (\d+) mem_limit (\d+) pid_reused (\d+)", lines[-1])
    if not m:
        return {}
    return dict(zip(["proc_table", "fd_table", "mem_limit", "pid_reused"], map(int, m.groups())))


def drops_are_gaps(name, db, g, sources):
    """Some drops of sources, each in a gap: the gaps' counts are the stats
    line's counters."""
    gaps = gap_counts(db, sources)
    stats = last_stats(g.text())
    check(name + "_drops_are_gaps", sum(gaps.values()) > 0, "gaps %r stats %r" % (gaps, stats))
    check(name + "_gaps_match_stats", stats and all(gaps.get(k, 0) == stats[k] for k in sources),
          "gaps %r stats %r" % (gaps, stats))


def writes_recorded(name, db, g, cid, prefix, n):
    """Every file prefix0..prefix(n-1) container cid wrote has its document."""
    names = set(x["filename"] for x in raw_files(client()[db].files, {"docker_id": cid, "op": "open"}))
    missing = [i for i in range(n) if "%s%d" % (prefix, i) not in names]
    check(name, not missing, "missing %d of %d: %r; log %s" % (len(missing), n, missing[:10], g.text()[-1500:]))


def rm(*cids):
    for c in cids:
        if c:
            docker("rm", "-f", c, check_rc=False)


# A path of 12 names of 200 bytes: each descriptor of it costs godo ~2.5 KiB.
LONG = "/tmp/" + "/".join(["d%d" % i + "x" * 198 for i in range(12)])


def fd_flood():
    db = fresh_db("hostile_flood")
    g = Godo(db, "-mem-limit=16M", "-stats=1").start()
    watch = RssWatch(g.proc.pid)
    flooder = writer = None
    n = 30
    try:
        # four processes of 3000 O_PATH and 1000 directory descriptors, held 6 s,
        # two rounds: far more than 16 MiB of entries at ~2.5 KiB
        script = ("mkdir -p %s && for k in 1 2 3 4; do fdflood %s 3000 6 2 & fdflood %s 1000 6 2 dir & done; wait"
                  % (LONG, LONG, LONG))
        flooder = docker("run", "-d", "--network", "none", IMAGE, "sh", "-c", script).stdout.decode().strip()
        time.sleep(3)
        writer = docker("run", "-d", "--network", "none", IMAGE, "sh", "-c",
                        "i=0; while [ $i -lt %d ]; do echo x$i > /tmp/w$i; i=$((i+1)); sleep 0.3; done" % n
                        ).stdout.decode().strip()
        docker("wait", writer, timeout=120)
        docker("wait", flooder, timeout=180)
        g.settle(3)
    finally:
        rc = g.stop()
        max_kib = watch.stop()
        rm(flooder, writer)
    d = client()[db]
    check("flood_godo_exit", rc == 0, g.text()[-1500:])
    writes_recorded("flood_other_container_recorded", db, g, writer, "/tmp/w", n)
    if not skip_if_wrapped("flood_rss_under_limit", "the checker's own memory"):
        check("flood_rss_under_limit", 0 < max_kib < 16 * 1024,
              "max VmRSS %d KiB (%d samples)" % (max_kib, watch.samples))
    print("flood: godo max VmRSS %d KiB" % max_kib, flush=True)
    drops_are_gaps("flood", db, g, ["fd_table", "mem_limit"])
    # the flood's own paths: some were tracked, never one of the writer's
    check("flood_writer_docs_are_writers", all(x["docker_id"] == writer for x in
                                               raw_files(d.files, {"filename": {"$regex": "^/tmp/w"}}, {"docker_id": 1})),
          "a writer file attributed elsewhere")


def fork_storm():
    db = fresh_db("hostile_forks")
    g = Godo(db, "-mem-limit=16M", "-proc-cap=1024", "-stats=1").start()
    watch = RssWatch(g.proc.pid)
    storm = None
    try:
        # 1500 processes that stay (more than the task table holds) and
        # four loops of short-lived ones meanwhile
        script = ("i=0; while [ $i -lt 1500 ]; do sleep 12 & i=$((i+1)); done; "
                  "for k in 1 2 3 4; do (j=0; while [ $j -lt 400 ]; do /bin/true; j=$((j+1)); done) & done; wait")
        storm = docker("run", "-d", "--network", "none", "--pids-limit", "4000", IMAGE, "sh", "-c", script).stdout.decode().strip()
        docker("wait", storm, timeout=240)
        g.settle(3)
        wait_for(lambda: False, 2)  # a stats line and a gaps write after the storm
    finally:
        rc = g.stop()
        max_kib = watch.stop()
        rm(storm)
    check("storm_godo_exit", rc == 0, g.text()[-1500:])
    if not skip_if_wrapped("storm_rss_under_limit", "the checker's own memory"):
        check("storm_rss_under_limit", 0 < max_kib < 16 * 1024, "max VmRSS %d KiB" % max_kib)
    print("storm: godo max VmRSS %d KiB" % max_kib, flush=True)
    drops_are_gaps("storm", db, g, ["proc_table", "mem_limit"])
    # what was not dropped is there: the storm's container has documents
    check("storm_tasks_recorded", client()[db].pids.count_documents({"docker_id": storm}) > 500,
          "pids of the storm %d" % client()[db].pids.count_documents({"docker_id": storm}))


def fork_storm_fair():
    # -mem-limit=4M: the tables get half of what godo's resident size at
    # start leaves, at least 1 MiB (about 1,800 tasks); with 4M that is the
    # minimum whether godo maps libmongoc (-no-privsep: ~10 MiB) or not (the
    # privsep recorder: 3-7 MiB)
    db = fresh_db("hostile_fair")
    g = Godo(db, "-mem-limit=4M", "-stats=1").start()
    storm = writer = None
    n = 20
    try:
        # 3000 processes that stay: more tasks than the tables' 1 MiB holds
        script = "i=0; while [ $i -lt 3000 ]; do sleep 40 & i=$((i+1)); done; wait"
        storm = docker("run", "-d", "--network", "none", "--pids-limit", "4000", IMAGE, "sh", "-c",
                       script).stdout.decode().strip()
        time.sleep(12 * SLOW)  # the storm holds its share of the table
        writer = docker("run", "-d", "--network", "none", IMAGE, "sh", "-c",
                        "i=0; while [ $i -lt %d ]; do echo x$i > /tmp/f$i; i=$((i+1)); sleep 0.2; done" % n
                        ).stdout.decode().strip()
        docker("wait", writer, timeout=120)
        g.settle(3)
        wait_for(lambda: False, 2)  # a stats line and a gaps write after the writer
    finally:
        rc = g.stop()
        rm(storm, writer)
    check("fair_godo_exit", rc == 0, g.text()[-1500:])
    # the storm was refused some tasks (it hit its share), each drop a gap
    drops_are_gaps("fair", db, g, ["proc_table", "mem_limit"])
    writes_recorded("fair_other_container_recorded", db, g, writer, "/tmp/f", n)


def main():
    hold_audit_lock()
    before = audit_state()
    try:
        fd_flood()
        fork_storm()
        fork_storm_fair()
    finally:
        restore_audit(before)
    finish()


if __name__ == "__main__":
    main()
