#!/usr/bin/python3
"""test_prochelp.py - godo -privsep's proc helper (issue 19): the recorder
has no CAP_SYS_PTRACE, the helper's keeper and server keep CAP_SYS_PTRACE
and CAP_DAC_READ_SEARCH only; what /proc refuses the recorder about root
processes (their exe, root) is answered by the helper: a daemon started
after godo (-daemon-exe) is recognized, paths written by a root process
through a symlink are confirmed; the server killed (-9) under load is
restarted by its keeper, counted, and godo goes on confirming paths."""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from godotest import (VG_KILLED, WRAP, Godo, check, client, descendants, fresh_db, finish_dropping,  # noqa: E402
                      godo_rules, raw_files, wait_for)

CAP_DAC_READ_SEARCH = 2
CAP_SYS_PTRACE = 19
HELPER_CAPS = 1 << CAP_SYS_PTRACE | 1 << CAP_DAC_READ_SEARCH


def status(pid):
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.strip()
    except OSError:
        pass
    return out


def session(pid):
    try:
        with open("/proc/%s/sessionid" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def check_own_session(g):
    """Every process of godo in one audit session of its own, excluded by
    every rule (listener/ownsess.h): the helper's own opens of /proc/PID and
    the writer's spool are not audited back to the recorder."""
    sid = session(g.proc.pid)
    kids = {p: session(p) for p in descendants(g.proc.pid)}
    check("prochelp_own_session", sid not in (None, "4294967295", session("self")) and len(kids) >= 4
          and all(v == sid for v in kids.values()),
          "godo %s, its processes %r, this test %s" % (sid, kids, session("self")))
    rules = godo_rules()
    check("prochelp_rules_exclude_session", len(rules) > 0 and all(" -F sessionid!=%s " % sid in r for r in rules),
          "session %s, rules %r" % (sid, rules[:2]))


def named(g, name):
    return [p for p in descendants(g.proc.pid) if status(p).get("Name") == name]


def verified(d, path):
    docs = raw_files(d.files, {"filename": path})
    return len(docs) > 0 and all("path_unverified" not in f for f in docs), docs


def confirmed(name, d, path):
    """The path of a write through a symlink confirmed. Under valgrind the
    recorder reaches the write seconds after the writer exited, when no one
    can read its root any more (path_unverified, as for any task gone): a
    matter of speed, not of memory; there only the document is checked."""
    if WRAP:
        check(name + "_recorded_under_valgrind", wait_for(lambda: len(verified(d, path)[1]) > 0 or len(
            raw_files(d.files, {"filename": path.replace("/real/", "/lnk/")})) > 0, 15), "no document of " + path)
        return
    check(name, wait_for(lambda: verified(d, path)[0], 15), "files %r" % (verified(d, path)[1],))


def main():
    db = fresh_db("prochelp")
    d = client()[db]
    tmp = tempfile.mkdtemp(prefix="godo-prochelp-")
    fake = os.path.join(tmp, "bin", "dockerd")
    os.makedirs(os.path.dirname(fake))
    shutil.copy("/bin/sh", fake)
    g = Godo(db, "-all", "-privsep", "-privsep-user=nobody", "-daemon-exe=" + fake).start()
    try:
        keeper, server = named(g, "godo-phkeeper"), named(g, "godo-prochelp")
        check("prochelp_running", len(keeper) == 1 and len(server) == 1,
              "keeper %r server %r among %r" % (keeper, server, descendants(g.proc.pid)))
        rs = status(g.proc.pid)
        check("prochelp_recorder_no_ptrace",
              not int(rs["CapEff"], 16) >> CAP_SYS_PTRACE & 1 and not int(rs["CapPrm"], 16) >> CAP_SYS_PTRACE & 1,
              "recorder CapEff %s CapPrm %s" % (rs["CapEff"], rs["CapPrm"]))
        for name, pids in (("keeper", keeper), ("server", server)):
            st = status(pids[0]) if pids else {}
            check("prochelp_%s_caps" % name, st != {} and int(st["CapEff"], 16) == HELPER_CAPS
                  and int(st["CapPrm"], 16) == HELPER_CAPS and int(st["CapInh"], 16) == 0
                  and st.get("NoNewPrivs") == "1" and st["Uid"].split()[0] == "0",
                  "%s CapEff %s CapPrm %s NoNewPrivs %s" % (name, st.get("CapEff"), st.get("CapPrm"),
                                                            st.get("NoNewPrivs")))
            if st:
                print("NOTE %s %d: CapEff %s CapPrm %s CapBnd %s NoNewPrivs %s" %
                      (name, pids[0], st["CapEff"], st["CapPrm"], st["CapBnd"], st.get("NoNewPrivs")), flush=True)
        check_own_session(g)
        if not server:
            return db

        # a daemon started after godo: its exe (root, every capability:
        # refused to the recorder) read by the helper
        marker = "ph-marker-%d" % os.getpid()
        sh = subprocess.Popen([fake, "-c", "/bin/sleep 0.5; /bin/sh -c 'true %s'; /bin/sleep 1" % marker])
        sh.wait()
        check("prochelp_daemon_recognized",
              wait_for(lambda: (d.pids.find_one({"pid": sh.pid, "tgid": sh.pid}) or {}).get("star") is True, 15),
              "pids document of %d: %r" % (sh.pid, d.pids.find_one({"pid": sh.pid, "tgid": sh.pid})))

        # a root process writes through a symlink while it lives: its root
        # (refused to the recorder) opened by the helper, the path confirmed
        work = os.path.join(tmp, "work")
        os.makedirs(os.path.join(work, "real"))
        os.symlink("real", os.path.join(work, "lnk"))
        subprocess.run(["/bin/sh", "-c", "echo one > %s/lnk/one.txt; /bin/sleep 2" % work], check=True)
        target = os.path.join(work, "real", "one.txt")
        confirmed("prochelp_path_verified", d, target)

        # the server killed under load: a shell writing 400 files while it
        # lives; the keeper starts another, godo goes on
        n = 400
        wl = subprocess.Popen(["/bin/sh", "-c", "i=0; while [ $i -lt %d ]; do echo $i > %s/lnk/k$i; "
                               "i=$((i+1)); done; /bin/sleep 3" % (n, work)])
        time.sleep(0.3)
        if VG_KILLED:
            with open(VG_KILLED, "a") as f:
                f.write("%d\n" % server[0])
        os.kill(server[0], signal.SIGKILL)
        wl.wait()
        check("prochelp_server_restarted",
              wait_for(lambda: len(named(g, "godo-prochelp")) == 1 and named(g, "godo-prochelp")[0] != server[0], 5)
              and "server restarted" in g.text(), "servers %r (killed %d): %s" %
              (named(g, "godo-prochelp"), server[0], g.text()[-800:]))
        new = named(g, "godo-prochelp")
        st = status(new[0]) if new else {}
        check("prochelp_restarted_caps", st != {} and int(st["CapEff"], 16) == HELPER_CAPS
              and int(st["CapPrm"], 16) == HELPER_CAPS, "CapEff %s" % st.get("CapEff"))
        last = os.path.join(work, "real", "k%d" % (n - 1))
        confirmed("prochelp_paths_after_restart", d, last)
        got = sum(1 for i in range(n) if verified(d, os.path.join(work, "real", "k%d" % i))[0])
        print("NOTE %d of %d paths confirmed across the restart" % (got, n), flush=True)
        check("prochelp_godo_alive", g.proc.poll() is None, g.text()[-800:])

        # the keeper killed: no helper any more (logged, counted as a
        # `prochelp` gap); a -daemon-exe daemon is still recognized by its
        # exec's SYSCALL record (exe=)
        keeper2 = named(g, "godo-phkeeper")
        if VG_KILLED:
            with open(VG_KILLED, "a") as f:
                f.write("".join("%d\n" % p for p in keeper2 + named(g, "godo-prochelp")))
        for p in keeper2:
            os.kill(p, signal.SIGKILL)
        wait_for(lambda: not named(g, "godo-prochelp") and not named(g, "godo-phkeeper"), 5)
        sh2 = subprocess.Popen([fake, "-c", "/bin/sleep 0.5; /bin/sh -c 'true %s-2'; /bin/sleep 1" % marker])
        sh2.wait()
        check("prochelp_daemon_by_exec_record",
              wait_for(lambda: (d.pids.find_one({"pid": sh2.pid, "tgid": sh2.pid}) or {}).get("star") is True, 15),
              "pids document of %d: %r" % (sh2.pid, d.pids.find_one({"pid": sh2.pid, "tgid": sh2.pid})))
        check("prochelp_lost_gap", wait_for(lambda: d.gaps.find_one({"source": "prochelp"}) is not None, 15)
              and "keeper %d exited" % keeper2[0] in g.text() and g.proc.poll() is None,
              "gaps %r: %s" % (list(d.gaps.find({}, {"source": 1, "count": 1})), g.text()[-800:]))
        rc = g.stop()
        text = g.text()
        check("prochelp_stats_logged", rc == 0 and "proc helper: " in text and " restarts" in text,
              "status %s: %s" % (rc, text[-800:]))
        for line in text.splitlines():
            if "proc helper:" in line:
                print("NOTE " + line, flush=True)
    finally:
        g.kill()
        shutil.rmtree(tmp, True)
    return db


if __name__ == "__main__":
    finish_dropping(main())
