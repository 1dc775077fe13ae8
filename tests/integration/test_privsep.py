#!/usr/bin/python3
"""test_privsep.py - godo -privsep (issue 19): the writer process runs as an
unprivileged user with no capabilities, no_new_privs and an allow-list
seccomp filter, chrooted into its own directory (/proc/PID/root); the
recorder has no CAP_SYS_PTRACE once started; the writer killed (-9)
under load is restarted and nothing is lost; the store frozen (SIGSTOP) for
FREEZE_S seconds under load: the workload keeps its pace, the kernel loses
nothing (no `audit` gap) and everything arrives after SIGCONT.

FREEZE_S is the issue's 60 s; 20 s under valgrind (GODO_VALGRIND), where
the workload alone takes minutes (GODO_PRIVSEP_FREEZE_S overrides both)."""
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from godotest import (VG_KILLED, Godo, check, client, fresh_db, finish_dropping, wait_for)  # noqa: E402

N = 1500
VALGRIND = bool(os.environ.get("GODO_VALGRIND"))
FREEZE_S = float(os.environ.get("GODO_PRIVSEP_FREEZE_S", "20" if VALGRIND else "60"))
CAP_SYS_PTRACE = 19
CAP_SYS_CHROOT = 18


def status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def monitor_of(g):
    # the proc helper's keeper (godo-phkeeper) is godo's child too
    kids = [k for k in children(g.proc.pid) if not comm(k).startswith("godo-ph")]
    return kids[0] if len(kids) == 1 else None


def writer_of(g):
    """godo forks a monitor (keeps CAP_SETUID/SETGID) that forks writers."""
    m = monitor_of(g)
    kids = children(m) if m is not None else []
    return kids[0] if len(kids) == 1 else None


def store_pids():
    port = os.environ.get("GODO_STORE_PORT", "27117")
    out = subprocess.run(["ss", "-Hltnp", "sport = :%s" % port], stdout=subprocess.PIPE, text=True).stdout
    return sorted(set(int(p) for p in re.findall(r"pid=(\d+)", out)))


def workload(marker, n=N):
    """n short processes, each with a marker in its args; seconds taken."""
    t0 = time.time()
    subprocess.run(["/bin/sh", "-c", "i=0; while [ $i -lt %d ]; do /bin/true %s-$i; i=$((i+1)); done" % (n, marker)],
                   check=True)
    return time.time() - t0


def count(d, marker):
    n = 0
    for p in d.pids.find({"args.0": "/bin/true"}, {"args": 1}):
        a = p.get("args", [])
        if len(a) == 2 and isinstance(a[1], str) and a[1].startswith(marker + "-"):
            n += 1
    return n


def count_fast(d, marker):
    """count() by the store: for tens of thousands of processes."""
    return d.pids.count_documents({"args.0": "/bin/true", "args.1": {"$regex": "^%s-" % marker}})


def main():
    db = fresh_db("privsep")
    d = client()[db]
    g = Godo(db, "-all", "-privsep", "-privsep-user=nobody").start()
    stopped, last = [], []
    try:
        w = writer_of(g)
        check("privsep_writer_exists", w is not None, "children of godo: %r" % children(g.proc.pid))
        m = monitor_of(g)
        ms = status(m)
        check("privsep_monitor_caps",
              int(ms["CapEff"], 16) == (1 << 6 | 1 << 7 | 1 << CAP_SYS_CHROOT) and ms.get("NoNewPrivs") == "1",
              "monitor CapEff %s NoNewPrivs %s" % (ms["CapEff"], ms.get("NoNewPrivs")))
        if w is None:
            return db
        ws, rs = status(w), status(g.proc.pid)
        check("privsep_writer_uid", ws["Uid"].split()[0] != "0" and ws["Uid"].split()[1] != "0",
              "Uid %s" % ws["Uid"])
        check("privsep_writer_no_caps", int(ws["CapEff"], 16) == 0 and int(ws["CapPrm"], 16) == 0,
              "CapEff %s CapPrm %s" % (ws["CapEff"], ws["CapPrm"]))
        check("privsep_writer_nnp_seccomp", ws.get("NoNewPrivs") == "1" and ws.get("Seccomp") == "2",
              "NoNewPrivs %s Seccomp %s" % (ws.get("NoNewPrivs"), ws.get("Seccomp")))
        root = os.readlink("/proc/%d/root" % w)
        check("privsep_writer_chroot", root != "/" and os.path.basename(root) == "writer"
              and os.path.isfile(os.path.join(root, "etc", "hosts")), "/proc/%d/root -> %s" % (w, root))
        check("privsep_writer_etc_root_owned", os.stat(os.path.join(root, "etc")).st_uid == 0
              and not os.stat(os.path.join(root, "etc")).st_mode & 0o022, "etc in %s" % root)
        check("privsep_recorder_no_ptrace",
              not int(rs["CapEff"], 16) >> CAP_SYS_PTRACE & 1 and not int(rs["CapPrm"], 16) >> CAP_SYS_PTRACE & 1,
              "recorder CapEff %s CapPrm %s" % (rs["CapEff"], rs["CapPrm"]))
        print("NOTE writer %d: root %s Uid %s CapEff %s CapPrm %s CapBnd %s; recorder %d: CapEff %s CapPrm %s" %
              (w, root, ws["Uid"], ws["CapEff"], ws["CapPrm"], ws["CapBnd"], g.proc.pid, rs["CapEff"], rs["CapPrm"]),
              flush=True)

        base = workload("base")
        check("privsep_base_all", wait_for(lambda: count(d, "base") == N, 30),
              "%d of %d" % (count(d, "base"), N))

        # kill -9 the writer in the middle of a workload, while it holds
        # batches it has not acknowledged: stopped first, so the recorder's
        # batches wait in the socket and in its ring (a writer killed
        # between two flushes would prove nothing)
        os.kill(w, signal.SIGSTOP)
        wl = subprocess.Popen(["/bin/sh", "-c", "i=0; while [ $i -lt %d ]; do /bin/true kill-$i; i=$((i+1)); done" % N])
        time.sleep(3.0)  # documents are due a second after an exit
        if VG_KILLED:  # under valgrind: killed on purpose, no summary
            with open(VG_KILLED, "a") as f:
                f.write("%d\n" % w)
        os.kill(w, signal.SIGKILL)
        wl.wait()
        check("privsep_writer_restarted", wait_for(lambda: writer_of(g) not in (None, w), 10),
              "children %r (old writer %d)" % (children(g.proc.pid), w))
        check("privsep_kill_nothing_lost", wait_for(lambda: count(d, "kill") == N, 30),
              "%d of %d" % (count(d, "kill"), N))
        w2 = writer_of(g)
        r2 = os.readlink("/proc/%d/root" % w2) if w2 is not None else "?"
        check("privsep_restarted_confined", w2 is not None and r2 == root and status(w2).get("Seccomp") == "2",
              "restarted writer %r: root %s" % (w2, r2))
        check("privsep_kill_logged", "writer restarted" in g.text(), g.text()[-2000:])
        m = re.search(r"storelink: (\d+) unacknowledged operations spooled", g.text())
        check("privsep_kill_unacked_respooled", m is not None and int(m.group(1)) > 0,
              "the writer died holding no unacknowledged batch: the test proved nothing")

        # the store frozen under load
        sp = store_pids()
        check("privsep_store_found", len(sp) > 0, "no process on the store's port")
        t0 = time.time()
        for p in sp:
            os.kill(p, signal.SIGSTOP)
            stopped.append(p)
        # the workload at full speed for the whole freeze (one round under
        # valgrind, where godo runs ten times slower than the workload)
        rounds = []
        while not rounds or (not VALGRIND and time.time() - t0 < FREEZE_S):
            rounds.append(workload("frozen-%d" % len(rounds)))
        time.sleep(max(0, t0 + FREEZE_S - time.time()))
        for p in stopped:
            os.kill(p, signal.SIGCONT)
        stopped = []
        total, slowest = N * len(rounds), max(rounds)
        print("NOTE workload of %d processes: %.2f s; store frozen %.0f s: %d rounds (%d processes), "
              "%.2f s the slowest, %.2f s the mean" %
              (N, base, FREEZE_S, len(rounds), total, slowest, sum(rounds) / len(rounds)), flush=True)
        # under valgrind godo's own work (spooling, ten times slower) takes
        # the shared cores from the workload: a looser bound there
        bound = 3 * base + 2.0 if VALGRIND else 2 * base + 1.0
        check("privsep_frozen_pace", slowest < bound, "%.2f s frozen vs %.2f s" % (slowest, base))
        t1 = time.time()
        ok = wait_for(lambda: count_fast(d, "frozen") == total or time.sleep(0.9), 300)
        print("NOTE all %d arrived %.1f s after SIGCONT" % (total, time.time() - t1), flush=True)
        check("privsep_frozen_all_arrive", ok, "%d of %d" % (count_fast(d, "frozen"), total))
        gaps = list(d.gaps.find({"source": "audit"}))
        check("privsep_frozen_kernel_lost_none", gaps == [], "audit gaps %r" % gaps)
    finally:
        for p in stopped:
            os.kill(p, signal.SIGCONT)
        last = children(g.proc.pid) + [x for c in children(g.proc.pid) for x in children(c)]
        rc = g.stop()
    check("privsep_clean_exit", rc == 0, "rc %d: %s" % (rc, g.text()[-2000:]))
    for p in last:
        check("privsep_no_writer_left", not os.path.exists("/proc/%d" % p), "writer %d still runs" % p)
    check("privsep_nothing_lost", "operations lost" not in g.text(), g.text()[-2000:])
    return db


if __name__ == "__main__":
    finish_dropping(main())
