"""Faults: the store goes away for 30 s under a steady workload (godo
spools, then replays: every event arrives); godo is SIGKILLed and restarted
(stale rules purged, the blind interval recorded as a gap); the kernel's
lost counter is driven up with a tiny backlog (a gap, shown by filter)."""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from godotest import (raw_files, count_raw_files, IMAGE, SLOW, FILTER, Godo, TOP, audit_state, check, docker, finish, hold_audit_lock,  # noqa: E402
                      run_filter, wrap)

import pymongo  # noqa: E402

def free_port():
    import socket
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


PORT = free_port()  # a store of its own, which the test stops and starts


def store(cmd, data_dir):
    env = dict(os.environ, GODO_STORE_PORT=str(PORT), GODO_STORE_DIR=data_dir)
    subprocess.run(["bash", os.path.join(TOP, "scripts", "store.sh"), cmd], env=env, check=True,
                   stdout=subprocess.DEVNULL)


def db_of(name):
    return pymongo.MongoClient("127.0.0.1", PORT, serverSelectionTimeoutMS=3000, socketTimeoutMS=60000)[name]


def godo_on(db, *extra):
    g = Godo(db, *extra)
    g.uri_host = "127.0.0.1:%d" % PORT
    return g


def outage(state):
    g = godo_on("outage", "-state-dir=" + state).start()
    n = 800
    cid = None
    try:
        # a steady workload in a container: one new file every 50 ms
        cid = docker("run", "-d", IMAGE, "sh", "-c",
                     "i=0; while [ $i -lt %d ]; do : > /tmp/f$i; i=$((i+1)); sleep 0.05; done" % n
                     ).stdout.decode().strip()
        time.sleep(4)
        store("stop", state_store)
        time.sleep(30)
        store("start", state_store)
        check("outage_loop_kept_running", g.proc.poll() is None, "godo exited during the outage")
        docker("wait", cid, timeout=300)
        deadline = time.time() + 60 * SLOW
        while time.time() < deadline:
            got = count_raw_files(db_of("outage").files, {"docker_id": cid, "op": "open"})
            if got >= n:
                break
            time.sleep(1)
    finally:
        rc = g.stop()
        if cid:
            docker("rm", "-f", cid, check_rc=False)
    d = db_of("outage")
    names = set(x["filename"] for x in raw_files(d.files, {"docker_id": cid, "op": "open"}, {"filename": 1}))
    missing = [i for i in range(n) if "/tmp/f%d" % i not in names]
    check("outage_every_file_arrived", not missing, "missing %d of %d: %r" % (len(missing), n, missing[:10]))
    check("outage_godo_exit", rc == 0, g.text()[-1500:])
    check("outage_logged", "spooling" in g.text() and "replayed" in g.text(), g.text()[-1500:])
    check("outage_no_spool_loss", d.gaps.count_documents({"source": "spool"}) == 0,
          "gaps %r" % list(d.gaps.find({}, {"_id": 0})))
    # the recorder's spool, or with privsep the writer's, where the outage went
    spools = [p for p in (os.path.join(state, "spool.bson"), os.path.join(state, "writer", "spool.bson"))
              if os.path.exists(p)]
    check("outage_spool_empty", spools and all(os.path.getsize(p) == 0 for p in spools),
          "spool missing or not emptied: %r" % [(p, os.path.getsize(p)) for p in spools])
    # what was spooled and replayed is chained as written, up to the head
    with open(os.path.join(state, "chain.head")) as f:
        head = f.read().strip()
    v = subprocess.run(wrap([FILTER, "-mongo=127.0.0.1:%d" % PORT, "-db=outage", "-verify", "-chain-head=" + head]),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300 * SLOW)
    out = v.stdout.decode(errors="replace")
    check("outage_chain_verifies", v.returncode == 0 and "intact" in out, "rc %d: %s" % (v.returncode, out[-2000:]))


def crash(state):
    enabled_before = audit_state()[0] or "0"
    g = godo_on("crash", "-all", "-state-dir=" + state).start()
    time.sleep(11)  # one heartbeat
    g.sigkill()
    left = subprocess.run(["auditctl", "-l"], stdout=subprocess.PIPE, text=True).stdout.count("key=godo")
    check("crash_left_rules", left > 0, "a SIGKILLed godo should leave its rules (%d)" % left)
    time.sleep(2)
    g2 = godo_on("crash", "-all", "-state-dir=" + state).start()
    try:
        now_rules = subprocess.run(["auditctl", "-l"], stdout=subprocess.PIPE, text=True).stdout.count("key=godo")
        check("crash_stale_rules_purged", now_rules == left, "rules after restart %d, one run has %d" % (now_rules, left))
        subprocess.run(["/bin/sh", "-c", "echo after-crash > /dev/null"], check=True)
    finally:
        rc = g2.stop()
    check("crash_restart_clean_exit", rc == 0, g2.text()[-1500:])
    d = db_of("crash")
    gaps = list(d.gaps.find({"source": "restart"}))
    check("crash_restart_gap", len(gaps) == 1 and gaps[0]["to_ns"] > gaps[0]["from_ns"]
          and gaps[0]["to_ns"] - gaps[0]["from_ns"] < 30 * 10**9, "gaps %r" % gaps)
    runs = list(d.runs.find({}))
    check("crash_two_runs", len(runs) == 2, "runs %r" % runs)
    # the SIGKILLed run left enabled=1 behind, which the restart kept as it
    # found it: put back what the test found
    subprocess.run(["auditctl", "-e", enabled_before], stdout=subprocess.DEVNULL)


def lost(state):
    # a tiny backlog and no waiting: the kernel drops records and counts them
    # Docker scope: the host bursts are audited (and lost) but not stored
    g = godo_on("lost", "-state-dir=" + state, "-backlog-limit=2", "-wait-time=0", "-backlog=4096").start()
    try:
        # two bursts of fork/exec: far more than two queued records
        bursts = [subprocess.Popen(["/bin/sh", "-c", "i=0; while [ $i -lt 1500 ]; do /bin/true; i=$((i+1)); done"])
                  for _ in range(2)]
        for b in bursts:
            b.wait()
        time.sleep(2.5)
    finally:
        rc = g.stop()
    check("lost_godo_exit", rc == 0, g.text()[-1500:])
    d = db_of("lost")
    gaps = list(d.gaps.find({"source": {"$in": ["audit", "connector"]}}))
    check("lost_gap_recorded", gaps and sum(x["count"] for x in gaps) > 0, "gaps %r; log %s" % (gaps, g.text()[-800:]))
    out = run_filter("lost", "-mongo=127.0.0.1:%d" % PORT)
    check("lost_gap_in_filter_json", any(x["source"] in ("audit", "connector") and x["count"] > 0 for x in out["gaps"]),
          "filter gaps %r" % out.get("gaps"))


def main():
    global state_store
    hold_audit_lock()  # before and after are this test's alone
    before = audit_state()
    top_state = tempfile.mkdtemp(prefix="godo-faults-")
    state_store = os.path.join(top_state, "store")
    store("start", state_store)
    import atexit
    atexit.register(lambda: subprocess.run(
        ["bash", os.path.join(TOP, "scripts", "store.sh"), "stop"],
        env=dict(os.environ, GODO_STORE_PORT=str(PORT), GODO_STORE_DIR=state_store),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        for name, fn in (("outage", outage), ("crash", crash), ("lost", lost)):
            st = os.path.join(top_state, name)
            os.makedirs(st)
            try:
                fn(st)
            except Exception as e:  # a broken scenario is a failure, the others still run
                check(name + "_ran", False, repr(e))
            check(name + "_audit_state_restored", audit_state() == before,
                  "before %r after %r" % (before, audit_state()))
    finally:
        store("stop", state_store)
    check("faults_audit_state_restored", audit_state() == before, "before %r after %r" % (before, audit_state()))
    finish()


state_store = None
main()
