#!/usr/bin/python3
"""test_filter.py - the filter against fixture documents shaped as
docs/schema.md. Each case fills a fresh raw database, runs the filter (JSON
unless told), and checks the output field by field.

Env: GODO_TEST_URI (store), GODO_FILTER (binary), GODO_TOP (repo),
GODO_WRAP and GODO_TIME_FACTOR (tests/run.sh's valgrind mode).
Prints "PASS name" / "FAIL name: why" per case; exits non-zero on a failure.
"""
import datetime
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import traceback
from html.parser import HTMLParser
from time import time_ns

import bson
import pymongo

URI = os.environ.get("GODO_TEST_URI", "mongodb://127.0.0.1:27117")
FILTER = os.environ.get("GODO_FILTER", "filter/filter")
TOP = os.environ.get("GODO_TOP", ".")
WRAP = shlex.split(os.environ.get("GODO_WRAP", ""))  # valgrind in front
SLOW = max(1.0, float(os.environ.get("GODO_TIME_FACTOR", "1") or 1))

T0 = 1795600800 * 10**9  # 2026-11-25T10:00:00Z
HZ = 100
BOOT_T0 = T0 - 1000 * 10**9  # the boot was 1000 s before T0
CID1 = "a1" * 32
CID2 = "b2" * 32
RUN = "%d" % os.getpid()

client = pymongo.MongoClient(URI, serverSelectionTimeoutMS=3000)
failed = 0
dbs = []


def ns(sec):
    return T0 + int(sec * 10**9)


def date(n):
    return datetime.datetime.fromtimestamp(n // 10**6 / 1000.0,
                                           tz=datetime.timezone.utc)


def rfc(n):
    s, frac = divmod(n, 10**9)
    t = datetime.datetime.fromtimestamp(s, tz=datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % frac


class Fixture:
    """Builds pids/fds/files/gaps documents for one host."""

    def __init__(self, host="h1", boot="boot-1"):
        self.host, self.boot = host, boot
        self.pids, self.fds, self.files, self.gaps = [], [], [], []
        self.serial = 1000

    def task(self, pid, start, tgid=None, parent=None, parent_id=True,
             ppid=None, exit=None, code=None, signal=None, star=False,
             args=None, comm=None, docker=None, rootfs=None, cwd="/",
             execs=None, ticks_off=0, setns=None):
        tgid = pid if tgid is None else tgid
        st = ns(start)
        ticks = (st - BOOT_T0) // (10**9 // HZ) + ticks_off
        d = {
            "_id": "%s:%d:%d" % (self.boot, pid, ticks),
            "host": self.host, "boot_id": self.boot,
            "pid": pid, "tgid": tgid, "thread": pid != tgid,
            "start_ticks": ticks, "start_ns": st,
            "start_timestamp": date(st), "source": "fork",
        }
        if parent is not None:
            d["ppid"] = d["parent_tgid"] = parent["tgid"]
            if parent_id is True:
                d["parent_id"] = parent["_id"]
        if ppid is not None:  # what a late reader saw (reparented)
            d["ppid"] = d["parent_tgid"] = ppid
        if star:
            d["star"] = True
        if comm is not None or args:
            d["comm"] = comm if comm is not None else args[0]
        if args is not None:
            d["args"] = args
            d["execve"] = execs if execs is not None else [
                {"timestamp": date(st), "ns": st, "args": args,
                 "cwd": cwd}]
            d["execve_count"] = len(d["execve"])
        if cwd is not None:
            d["cwd"] = cwd
        if exit is not None:
            en = ns(exit)
            d["exit_ns"], d["exit_timestamp"] = en, date(en)
            if signal is not None:
                d["exit_signal"], d["exit_status"] = signal, signal
            else:
                d["exit_code"] = code or 0
                d["exit_status"] = (code or 0) << 8
        if docker:
            d["docker_id"] = docker
        if rootfs:
            d["rootfs"] = rootfs
        if setns:
            d["setns"] = True
        self.pids.append(d)
        return d

    def thread(self, proc, tid, start, exit=None, ppid=None):
        t = self.task(tid, start, tgid=proc["pid"], exit=exit, cwd=None)
        t["comm"] = proc.get("comm", "x")
        if ppid is not None:
            t["ppid"] = t["parent_tgid"] = ppid
        return t

    def file(self, proc, path, open_s, close_s=None, writes=1, fd=3,
             flags=0o1101, coll=None):
        self.serial += 1
        on = ns(open_s)
        d = {
            "_id": "%s:%d:%d" % (proc["_id"], fd, self.serial),
            "host": self.host, "boot_id": self.boot, "op": "open",
            "proc_id": proc["_id"], "pid": proc["pid"],
            "tgid": proc["tgid"], "filename": path, "fd": fd,
            "flags": flags, "open_ns": on, "open_timestamp": date(on),
            "write_count": writes, "write_bytes": writes * 10,
        }
        if proc.get("docker_id"):
            d["docker_id"] = proc["docker_id"]
        if close_s is not None:
            cn = ns(close_s)
            d["close_ns"], d["close_timestamp"] = cn, date(cn)
            d["closed_by"] = "close"
        (coll if coll is not None else
         (self.files if close_s is not None else self.fds)).append(d)
        return d

    def op(self, proc, op, path, at, new=None):
        self.serial += 1
        n = ns(at)
        d = {
            "_id": "%s:op:%d" % (proc["_id"], self.serial),
            "host": self.host, "boot_id": self.boot, "op": op,
            "proc_id": proc["_id"], "pid": proc["pid"],
            "tgid": proc["tgid"], "filename": path, "ns": n,
            "timestamp": date(n),
        }
        if new is not None:
            d["new_filename"] = new
        self.files.append(d)
        return d

    def docker(self, rootfs="/var/lib/docker/overlay2/m1/merged",
               cid=CID1, base=0):
        """dockerd -> containerd -> shim -> shim(reparented) -> runc ->
        container init -> sleep; returns the named processes."""
        p = {}
        p["init1"] = self.task(1, base - 500, args=["/sbin/init"])
        p["dockerd"] = self.task(100, base - 100, parent=p["init1"],
                                 star=True, args=["/usr/bin/dockerd"])
        p["containerd"] = self.task(110, base - 99, parent=p["dockerd"],
                                    star=True, args=["containerd"])
        p["shim0"] = self.task(300, base + 1, parent=p["containerd"],
                               exit=base + 1.5, args=[
                                   "containerd-shim-runc-v2", "start"])
        # the shim double-forks: by the time it is seen its ppid is 1,
        # but parent_id keeps the fork-time parent
        p["shim"] = self.task(301, base + 1.2, parent=p["shim0"], ppid=1,
                              args=["containerd-shim-runc-v2", "-id",
                                    cid])
        p["runc"] = self.task(400, base + 2, parent=p["shim"],
                              exit=base + 3, args=["runc", "create"])
        p["cinit"] = self.task(410, base + 2.5, parent=p["runc"],
                               args=["sh", "-c", "sleep 600"],
                               docker=cid, rootfs=rootfs, cwd="/app")
        p["sleep"] = self.task(420, base + 4, parent=p["cinit"],
                               exit=base + 50, code=0,
                               args=["sleep", "600"], docker=cid,
                               cwd="/app")
        return p

    def insert(self, db):
        for name in ("pids", "fds", "files", "gaps"):
            docs = getattr(self, name)
            if docs:
                db[name].insert_many(docs)


def fresh_db(name):
    n = "ft_%s_%s" % (RUN, name)
    client.drop_database(n)
    client.drop_database(n + "_out")
    dbs.append(n)
    return client[n]


def run_filter(db, *args, fmt="json", expect_ok=True):
    cmd = WRAP + [FILTER, "-mongo=" + URI, "-db=" + db.name,
                  "-out=" + db.name + "_out", "-format=" + fmt] + list(args)
    r = subprocess.run(cmd, capture_output=True, timeout=60 * SLOW)
    if expect_ok:
        if r.returncode != 0:
            raise AssertionError("filter exit %d: %s" % (
                r.returncode, r.stderr.decode(errors="replace").strip()))
        if fmt == "json":
            return json.loads(r.stdout.decode("utf-8", "surrogatepass")
                              if False else r.stdout)
        return r.stdout.decode("utf-8", "replace")
    return r


def procs_by_id(out):
    return {p["id"]: p for p in out["processes"]}


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def eq(got, want, what):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


# ---- cases ----

def case_tree_and_threads_parent_fix():
    db = fresh_db("thrparent")
    f = Fixture()
    p = f.docker()
    # thread of the container init made after runc died: the raw stream
    # says its parent is 1
    th = f.thread(p["cinit"], 415, 10, ppid=1)
    f.insert(db)
    out = run_filter(db)
    byid = procs_by_id(out)
    eq(out["roots"], [p["dockerd"]["_id"]], "roots")
    ci = byid[p["cinit"]["_id"]]
    eq(ci["threads"], [415], "threads")
    t = ci["tasks"][0]
    eq(t["id"], th["_id"], "task id")
    eq(t["parent"], p["runc"]["_id"], "thread parent")
    eq(t["ppid"], 400, "thread ppid")
    eq(t["parent_fixed"], True, "parent_fixed")
    eq(ci["parent"], p["runc"]["_id"], "process parent")
    eq(byid[p["containerd"]["_id"]]["parent"], p["dockerd"]["_id"],
       "containerd under dockerd")
    check(p["containerd"]["_id"] not in out["roots"],
          "containerd below dockerd is not a root")
    eq(byid[p["dockerd"]["_id"]]["children"], [p["containerd"]["_id"]],
       "dockerd children")


def case_orphan_reparenting():
    db = fresh_db("orphan")
    f = Fixture()
    p = f.docker()
    # a daemon in the container double-forks: 430 forks 440 and exits;
    # 440 is reparented (ppid 1) but its fork-time parent_id is 430
    d1 = f.task(430, 10, parent=p["cinit"], exit=10.5, docker=CID1,
                args=["daemon"])
    d2 = f.task(440, 10.2, parent=d1, ppid=1, docker=CID1,
                args=["daemon", "-bg"])
    # no parent_id at all: parent_tgid + time finds the parent
    d3 = f.task(450, 11, parent=p["cinit"], parent_id=False, docker=CID1,
                args=["worker"])
    f.insert(db)
    out = run_filter(db)
    byid = procs_by_id(out)
    eq(byid[p["shim"]["_id"]]["parent"], p["shim0"]["_id"],
       "shim reparented to 1 keeps fork-time parent")
    eq(byid[d2["_id"]]["parent"], d1["_id"], "double-forked daemon parent")
    eq(byid[d2["_id"]]["container"], CID1, "daemon container")
    eq(byid[d3["_id"]]["parent"], p["cinit"]["_id"],
       "parent by parent_tgid+time")
    eq(byid[d1["_id"]]["children"], [d2["_id"]], "intermediate children")


def case_pid_reuse():
    db = fresh_db("pidreuse")
    f = Fixture()
    p = f.docker()
    bash = f.task(500, -50, parent=p["init1"], args=["bash"])
    # pid 420 (the sleep, exited at 50) is reused at 60 by a host process
    reuse = f.task(420, 60, parent=bash, args=["vim"], exit=90)
    thr_old = f.thread(p["sleep"], 421, 5)
    thr_new = f.thread(reuse, 422, 61)
    # pid 430 lives twice inside the container
    a = f.task(430, 10, parent=p["cinit"], exit=12, docker=CID1,
               args=["one"])
    b = f.task(430, 20, parent=p["cinit"], exit=22, docker=CID1,
               args=["two"])
    # a child of the old 430 without parent_id must not go to the new one
    c = f.task(435, 21, parent=b, parent_id=False, docker=CID1,
               args=["kid"])
    f.insert(db)
    out = run_filter(db)
    byid = procs_by_id(out)
    check(reuse["_id"] not in byid, "host process reusing pid 420 shown")
    eq(byid[p["sleep"]["_id"]]["threads"], [421], "old 420 threads")
    check(thr_new["_id"] not in json.dumps(out), "new thread leaked")
    eq(byid[p["sleep"]["_id"]]["args"], ["sleep", "600"], "no merge")
    check(a["_id"] in byid and b["_id"] in byid, "both 430s kept")
    eq(byid[a["_id"]]["args"], ["one"], "first 430")
    eq(byid[b["_id"]]["args"], ["two"], "second 430")
    eq(byid[c["_id"]]["parent"], b["_id"], "child of the right 430")
    eq(len([x for x in out["processes"] if x["tgid"] == 430]), 2,
       "two incarnations")
    del thr_old


def case_same_task_two_ids_merge():
    db = fresh_db("merge")
    f = Fixture()
    p = f.docker()
    # the connector's tick is one off /proc's: same task, second id
    dup = f.task(410, 2.5, parent=p["runc"], ticks_off=1, docker=CID1,
                 exit=70, code=3)
    dup.pop("args", None)
    kid = f.task(460, 30, parent=dup, docker=CID1, args=["late"])
    f.insert(db)
    out = run_filter(db)
    byid = procs_by_id(out)
    check(dup["_id"] not in byid, "duplicate kept as its own process")
    ci = byid[p["cinit"]["_id"]]
    eq(ci["exit_code"], 3, "merged exit code")
    eq(ci["exit"], rfc(ns(70)), "merged exit")
    eq(byid[kid["_id"]]["parent"], p["cinit"]["_id"], "kid of alias")


def case_thread_exit_filled():
    db = fresh_db("threxit")
    f = Fixture()
    p = f.docker()
    w = f.task(470, 10, parent=p["cinit"], exit=40, signal=9,
               docker=CID1, args=["worker"])
    f.thread(w, 471, 11)              # exit never seen
    f.thread(w, 472, 12, exit=20)     # exit seen
    f.insert(db)
    out = run_filter(db)
    pr = procs_by_id(out)[w["_id"]]
    eq(pr["exit_signal"], 9, "exit_signal")
    eq(pr["exit_code"], None, "exit_code when killed")
    t = {x["tid"]: x for x in pr["tasks"]}
    eq(t[471]["exit"], rfc(ns(40)), "filled thread exit")
    eq(t[471]["exit_filled"], True, "exit_filled")
    eq(t[472]["exit"], rfc(ns(20)), "own thread exit")
    eq(t[472]["exit_filled"], False, "own exit not filled")


def case_unclosed_file():
    db = fresh_db("unclosed")
    f = Fixture()
    p = f.docker()
    w = f.task(470, 10, parent=p["cinit"], exit=40, docker=CID1,
               args=["w"])
    f.file(w, "/data/log", 11)                  # never closed (fds)
    f.file(w, "/data/done", 12, close_s=13, writes=4)
    f.file(p["cinit"], "/data/open", 14)        # owner still running
    f.insert(db)
    out = run_filter(db)
    byp = {x["path"]: x for x in out["files"]}
    eq(byp["/data/log"]["close"], rfc(ns(40)), "close from owner exit")
    eq(byp["/data/log"]["close_filled"], True, "close_filled")
    eq(byp["/data/log"]["closed_by"], "exit", "closed_by")
    eq(byp["/data/done"]["close"], rfc(ns(13)), "real close")
    eq(byp["/data/done"]["writes"], 4, "writes")
    eq(byp["/data/done"]["close_filled"], False, "not filled")
    eq(byp["/data/open"]["close"], None, "still open")
    eq(byp["/data/log"]["process"], w["_id"], "owner id")
    eq(byp["/data/log"]["pid"], 470, "owner pid")


def case_paths():
    db = fresh_db("paths")
    f = Fixture()
    p = f.docker()
    ci = p["cinit"]
    f.file(ci, "/etc/./foo//bar/../baz", 10, 11)
    f.file(ci, "data/x.txt", 12, 13)            # cwd /app
    f.file(ci, "../up/./y", 14, 15)
    f.file(ci, "/../../etc/passwd", 16, 17)
    f.op(ci, "rename", "tmp/a", 18, new="/app//b/../c")
    f.op(ci, "unlink", "/app/./gone", 19)
    f.insert(db)
    out = run_filter(db)
    paths = [x["path"] for x in out["files"]]
    eq(paths, ["/etc/foo/baz", "/app/data/x.txt", "/up/y", "/etc/passwd"],
       "cleaned paths (in open order)")
    eq(out["files"][1]["raw_path"], "data/x.txt", "raw path kept")
    ops = out["ops"]
    eq([(o["op"], o["path"], o["new_path"]) for o in ops],
       [("rename", "/app/tmp/a", "/app/c"), ("unlink", "/app/gone", None)],
       "ops")


def case_execs_same_tick():
    # audit times come from a 4 ms tick: a task that execs twice at once
    # has two entries with one time; both stay, in their recorded order
    db = fresh_db("sametick")
    f = Fixture()
    p = f.docker()
    t = ns(7)
    execs = [{"timestamp": date(t), "ns": t, "args": ["sh", "-c", "exec /bin/echo end"], "cwd": "/"},
             {"timestamp": date(t), "ns": t, "args": ["/bin/echo", "end"], "cwd": "/"}]
    e = f.task(450, 6.999, parent=p["cinit"], exit=7.01, docker=CID1,
               args=["/bin/echo", "end"], execs=execs)
    f.insert(db)
    out = run_filter(db)
    got = [q for q in out["processes"] if q["id"] == e["_id"]]
    eq([x["args"] for x in got[0]["execs"]] if got else None,
       [["sh", "-c", "exec /bin/echo end"], ["/bin/echo", "end"]], "execs in one tick")


def case_final_document():
    # on FerretDB a task changed after its first write gets a second, final
    # document (final_of): filter shows one process with the final state
    db = fresh_db("final")
    f = Fixture()
    p = f.docker()
    first = f.task(460, 6, parent=p["cinit"], docker=CID1, args=["sh", "-c", "sleep 20; exec app"])
    import copy
    fin = copy.deepcopy(first)
    fin["_id"] = first["_id"] + ":final"
    fin["final_of"] = first["_id"]
    t2 = ns(26)
    fin["execve"].append({"timestamp": date(t2), "ns": t2, "args": ["app", "--run"], "cwd": "/"})
    fin["execve_count"] = 2
    fin["args"], fin["comm"] = ["app", "--run"], "app"
    en = ns(30)
    fin.update({"exit_ns": en, "exit_timestamp": date(en), "exit_code": 3, "exit_status": 3 << 8})
    f.pids.append(fin)
    f.insert(db)
    out = run_filter(db)
    got = [q for q in out["processes"] if q["pid"] == 460] if all("pid" in q for q in out["processes"]) else \
        [q for q in out["processes"] if q["id"] in (first["_id"], fin["_id"])]
    eq(len(got), 1, "one process for the task's two documents")
    g = got[0]
    eq(g.get("exit_code"), 3, "exit from the final document")
    eq(g.get("args"), ["app", "--run"], "args of the last exec")
    eq([x["args"] for x in g.get("execs", [])], [["sh", "-c", "sleep 20; exec app"], ["app", "--run"]], "execs")


def case_joined_ops():
    # the listener joins an unlink or rename right after a close to the
    # closed file's document (then_*): filter shows it as an op of the
    # process that did it
    db = fresh_db("joined")
    f = Fixture()
    p = f.docker()
    a = f.file(p["sleep"], "tmp/x", 6, 7)                 # cwd /app
    a.update({"then_op": "unlink", "then_ns": ns(7.5), "then_timestamp": date(ns(7.5)),
              "then_proc_id": p["cinit"]["_id"], "then_pid": p["cinit"]["pid"]})
    b = f.file(p["sleep"], "/app/y.tmp", 8, 9)
    b.update({"then_op": "rename", "then_ns": ns(9.1), "then_timestamp": date(ns(9.1)),
              "then_proc_id": p["sleep"]["_id"], "then_pid": p["sleep"]["pid"],
              "new_filename": "/app/./y"})
    f.insert(db)
    out = run_filter(db)
    eq(sorted(x["path"] for x in out["files"]), ["/app/tmp/x", "/app/y.tmp"], "files")
    ops = sorted(out["ops"], key=lambda o: o["time"])
    eq([(o["op"], o["path"], o["new_path"], o["pid"], o["process"]) for o in ops],
       [("unlink", "/app/tmp/x", None, p["cinit"]["pid"], p["cinit"]["_id"]),
        ("rename", "/app/y.tmp", "/app/y", p["sleep"]["pid"], p["sleep"]["_id"])],
       "joined ops")
    eq(len({o["id"] for o in ops}), 2, "distinct op ids")


# every metadata op of docs/schema.md as the listener records it:
# (op, filename, extra fields, JSON fields shown, text line)
META_OPS = [
    ("chmod", "/app/run", {"mode": 0o4755}, {"mode": "4755"},
     "chmod /app/run mode 4755"),
    ("chown", "/app/run", {"uid": 0, "gid": -1}, {"uid": 0, "gid": -1},
     "chown /app/run 0:-1"),
    ("setxattr", "/app/run", {}, {}, "setxattr /app/run"),
    ("removexattr", "/app/run", {}, {}, "removexattr /app/run"),
    ("utimes", "/app/run", {}, {}, "utimes /app/run"),
    ("link", "/app/hard", {"target": "/app/run"}, {"target": "/app/run"},
     "link /app/hard -> /app/run"),
    ("symlink", "/app/sl", {"target": "../x\x1bq"}, {"target": "../x\x1bq"},
     r"symlink /app/sl -> '../x\x1bq'"),
    ("mkdir", "/app/d", {"mode": 0o755}, {"mode": "0755"},
     "mkdir /app/d mode 0755"),
    ("rmdir", "/app/d", {}, {}, "rmdir /app/d"),
    ("mknod", "/app/p", {"mode": 0o644, "type": "fifo"},
     {"mode": "0644", "type": "fifo"}, "mknod /app/p mode 0644 fifo"),
]


def case_meta_ops():
    # each metadata op is shown by its name with its fields, in JSON, text,
    # HTML and the cooked database; none is an open file
    db = fresh_db("meta")
    f = Fixture()
    p = f.docker()
    for i, (op, path, extra, _, _) in enumerate(META_OPS):
        f.op(p["sleep"], op, path, 6 + i / 10).update(extra)
    f.insert(db)
    out = run_filter(db)
    eq(out["files"], [], "no open files")
    ops = sorted(out["ops"], key=lambda o: o["time"])
    eq([(o["op"], o["path"]) for o in ops],
       [(op, path) for op, path, _, _, _ in META_OPS], "ops by name")
    for o, (op, _, _, shown, _) in zip(ops, META_OPS):
        want = {k: shown.get(k) for k in ("target", "mode", "uid", "gid", "type")}
        eq({k: o[k] for k in want}, want, op + " fields")
        eq(o["pid"], p["sleep"]["pid"], op + " pid")
        eq(o["container"], CID1, op + " container")
    txt = run_filter(db, fmt="text")
    check("  operations:\n" in txt, "operations heading:\n" + txt)
    check("\x1b" not in txt, "raw escape in the text")
    for _, _, _, _, line in META_OPS:
        check("    " + line + "  pid %d  at " % p["sleep"]["pid"] in txt,
              "text line %r:\n%s" % (line, txt))
    cooked = client[db.name + "_out"]
    for op, path, extra, _, _ in META_OPS:
        d = cooked.files.find_one({"op": op})
        check(d is not None, "cooked " + op)
        eq({k: d.get(k) for k in extra}, extra, "cooked " + op + " fields")
    html = run_filter(db, fmt="html")
    for op, _, _, _, _ in META_OPS:
        check('"op":"%s"' % op in html, "html data " + op)
    got = chromium_dom(html)
    if got is not None:
        dom, err = got
        eq(err, [], "script errors")
        check("operations (%d)" % len(META_OPS) in dom, "html heading")
        check("\x1b" not in re.sub(r'<script.*?</script>', "", dom, flags=re.S),
              "raw escape in the page")
        for op, path, _, shown, _ in META_OPS:
            check(re.search(r'<td class="n">%s</td><td class="path">%s</td>'
                            % (op, re.escape(path)), dom) is not None,
                  "html row " + op)
        check("mode 4755" in dom and "0:-1" in dom and
              "mode 0644 fifo" in dom and r"../x\x1bq" in dom,
              "html details")


def case_rootfs_host_path():
    db = fresh_db("rootfs")
    tmp = tempfile.mkdtemp(prefix="godo-ft-")
    try:
        # container 2's merged dir is gone (stopped); diff/ remains
        os.makedirs(os.path.join(tmp, "m2", "diff", "srv"))
        with open(os.path.join(tmp, "m2", "diff", "srv", "y"), "w") as fh:
            fh.write("x")
        f = Fixture()
        p = f.docker(rootfs="/var/lib/docker/overlay2/m1/merged")
        sh = p["sleep"]
        f.file(sh, "/x", 10, 11)
        # a second container under the same shim, merged gone
        c2 = f.task(610, 5, parent=p["shim"], docker=CID2,
                    rootfs=os.path.join(tmp, "m2", "merged"),
                    args=["nginx"])
        c2k = f.task(611, 6, parent=c2, docker=CID2, args=["nginx:w"])
        f.file(c2k, "/srv/y", 10, 11)
        f.file(c2k, "/srv/none", 12, 13)
        # a host process (dockerd) writes host paths
        f.file(p["dockerd"], "/var/lib/docker/x.json", 10, 11)
        f.insert(db)
        out = run_filter(db)
        byid = procs_by_id(out)
        for k in ("cinit", "sleep"):
            eq(byid[p[k]["_id"]]["rootfs"],
               "/var/lib/docker/overlay2/m1/merged", "rootfs of " + k)
            eq(byid[p[k]["_id"]]["container"], CID1, "container of " + k)
        eq(byid[c2k["_id"]]["rootfs"], os.path.join(tmp, "m2", "merged"),
           "rootfs applied to the child")
        eq(byid[p["shim"]["_id"]]["container"], None, "shim is no container")
        byp = {x["path"]: x for x in out["files"]}
        eq(byp["/x"]["host_path"], "/var/lib/docker/overlay2/m1/merged/x",
           "merged host path")
        eq(byp["/srv/y"]["host_path"],
           os.path.join(tmp, "m2", "diff", "srv", "y"), "diff host path")
        eq(byp["/srv/none"]["host_path"],
           os.path.join(tmp, "m2", "merged", "srv", "none"),
           "merged when nothing in diff")
        eq(byp["/var/lib/docker/x.json"]["host_path"],
           "/var/lib/docker/x.json", "host process path")
        eq(byp["/var/lib/docker/x.json"]["container"], None, "host file")
        cts = {c["id"]: c for c in out["containers"]}
        eq(sorted(cts), sorted([CID1, CID2]), "containers")
        eq(cts[CID1]["processes"], 2, "container 1 processes")
        eq(cts[CID2]["files"], 2, "container 2 files")
    finally:
        shutil.rmtree(tmp)


def case_window():
    db = fresh_db("window")
    f = Fixture()
    p = f.docker()
    early = f.task(480, 5, parent=p["cinit"], exit=6, docker=CID1,
                   args=["early"])
    late = f.task(490, 3600, parent=p["cinit"], exit=3700, docker=CID1,
                  args=["late"])
    f.file(early, "/early", 5.1, 5.2)
    f.file(late, "/late", 3601, 3602)
    f.gaps.append({"host": "h1", "boot_id": "boot-1", "source": "audit",
                   "from": date(ns(3000)), "to": date(ns(3001)),
                   "count": 7})
    f.gaps.append({"host": "h1", "boot_id": "boot-1", "source": "restart",
                   "from": date(ns(1)), "to": date(ns(2)), "count": 0})
    f.insert(db)
    out = run_filter(db, "-since=" + rfc(ns(1800)),
                     "-until=" + rfc(ns(7200)))
    byid = procs_by_id(out)
    check(late["_id"] in byid, "late process kept")
    check(early["_id"] not in byid, "early process dropped")
    check(p["sleep"]["_id"] not in byid, "sleep (exited at 50) dropped")
    check(p["dockerd"]["_id"] in byid, "dockerd (running) kept")
    eq(byid[p["shim0"]["_id"]]["outside_window"], True,
       "shim0 kept only to connect the tree")
    eq([x["path"] for x in out["files"]], ["/late"], "files in window")
    eq([g["source"] for g in out["gaps"]], ["audit"], "gaps in window")
    eq(out["gaps"][0]["count"], 7, "gap count")
    # -until before the container started: only daemons remain
    out = run_filter(db, "-until=" + rfc(ns(0)))
    byid = procs_by_id(out)
    check(p["cinit"]["_id"] not in byid, "-until drops later processes")
    check(p["containerd"]["_id"] in byid, "-until keeps containerd")
    # relative times parse
    run_filter(db, "-since=2h")


def case_container_selection():
    db = fresh_db("select")
    tmp = tempfile.mkdtemp(prefix="godo-ft-")
    try:
        os.makedirs(os.path.join(tmp, "containers", CID2))
        with open(os.path.join(tmp, "containers", CID2,
                               "config.v2.json"), "w") as fh:
            json.dump({"ID": CID2, "Name": "/web",
                       "Config": {"Image": "nginx:1.25"},
                       "Image": "sha256:abc"}, fh)
        f = Fixture()
        p = f.docker()
        c2 = f.task(610, 5, parent=p["shim"], docker=CID2,
                    rootfs="/x/m2/merged", args=["nginx"])
        f.file(c2, "/c2file", 6, 7)
        f.file(p["sleep"], "/c1file", 6, 7)
        f.insert(db)
        out = run_filter(db, "-container=" + CID1[:6],
                         "-docker-root=" + tmp)
        byid = procs_by_id(out)
        check(p["sleep"]["_id"] in byid, "container 1 process kept")
        check(c2["_id"] not in byid, "container 2 process dropped")
        check(p["shim"]["_id"] in byid, "ancestors kept")
        eq(byid[p["shim"]["_id"]]["children"], [p["runc"]["_id"]],
           "shim children limited to the selection")
        eq([x["path"] for x in out["files"]], ["/c1file"], "files")
        eq([c["id"] for c in out["containers"]], [CID1], "containers")
        out = run_filter(db, "-container=web", "-docker-root=" + tmp)
        byid = procs_by_id(out)
        check(c2["_id"] in byid and p["sleep"]["_id"] not in byid,
              "selection by name")
        eq(byid[c2["_id"]]["container_name"], "/web", "container_name")
        eq(byid[c2["_id"]]["image"], "nginx:1.25", "image")
        r = run_filter(db, "-container=ffff", expect_ok=False)
        check(r.returncode != 0, "unknown container accepted")
    finally:
        shutil.rmtree(tmp)


def case_multi_host():
    db = fresh_db("multihost")
    f1 = Fixture("h1", "boot-1")
    p1 = f1.docker()
    f2 = Fixture("h2", "boot-2")
    p2 = f2.docker(cid=CID2)
    f1.file(p1["sleep"], "/h1file", 6, 7)
    f2.file(p2["sleep"], "/h2file", 6, 7)
    f1.insert(db)
    f2.insert(db)
    out = run_filter(db, "-host=h2")
    eq(out["host"], "h2", "host")
    eq(out["roots"], [p2["dockerd"]["_id"]], "roots of h2")
    check(all(x["host"] == "h2" for x in out["processes"]), "h2 only")
    eq([x["path"] for x in out["files"]], ["/h2file"], "h2 files")
    out = run_filter(db)
    eq(sorted(out["roots"]), sorted([p1["dockerd"]["_id"],
                                     p2["dockerd"]["_id"]]), "both roots")
    eq(len(out["containers"]), 2, "both containers")
    r = run_filter(db, "-host=h3", expect_ok=False)
    check(r.returncode != 0, "unknown host accepted")


def case_non_docker_excluded():
    db = fresh_db("nondocker")
    f = Fixture()
    p = f.docker()
    bash = f.task(500, 1, parent=p["init1"], args=["bash"])
    vim = f.task(501, 2, parent=bash, args=["vim", "/etc/x"])
    f.file(vim, "/etc/x", 3, 4)
    # a separately started containerd (own service) is a root of its own
    cd2 = f.task(700, 1, parent=p["init1"], star=True,
                 args=["containerd", "--config", "/etc/c2.toml"])
    f.task(701, 2, parent=cd2, args=["shim"])
    f.insert(db)
    out = run_filter(db)
    byid = procs_by_id(out)
    for d in (p["init1"], bash, vim):
        check(d["_id"] not in byid, "non-Docker %d shown" % d["pid"])
    eq(out["files"], [], "non-Docker files")
    eq(sorted(out["roots"]), sorted([p["dockerd"]["_id"], cd2["_id"]]),
       "roots")
    eq(byid[p["dockerd"]["_id"]]["parent"], None, "root parent null")
    # deterministic: start then id
    starts = [(x["start"], x["id"]) for x in out["processes"]]
    eq(starts, sorted(starts), "process order")


def case_non_utf8():
    db = fresh_db("nonutf8")
    f = Fixture()
    p = f.docker()
    arg = b"\xff\xfeevil\n\x1b[31m"
    path = b"/tmp/\xe9t\xe9"
    w = f.task(470, 10, parent=p["cinit"], docker=CID1,
               args=["prog", bson.Binary(arg, 0)])
    w["comm"] = "prog"
    f.file(w, bson.Binary(path, 0), 11, 12)
    f.insert(db)
    out = run_filter(db)
    pr = procs_by_id(out)[w["_id"]]
    eq(pr["args"][1].encode("utf-8", "surrogateescape"), arg,
       "binary arg round trip")
    eq(pr["execs"][0]["args"][1].encode("utf-8", "surrogateescape"), arg,
       "exec arg round trip")
    fl = [x for x in out["files"] if x["pid"] == 470][0]
    eq(fl["path"].encode("utf-8", "surrogateescape"), path,
       "binary path round trip")
    check(fl["host_path"].encode("utf-8", "surrogateescape").endswith(path),
          "binary host path")
    txt = run_filter(db, fmt="text")
    check("\x1b" not in txt, "escape sequence reached the terminal")
    check("\\xff" in txt, "invalid byte not shown as \\xff")
    # the cooked copy keeps the bytes as binary
    cooked = client[db.name + "_out"]
    doc = cooked.processes.find_one({"_id": w["_id"]})
    eq(bytes(doc["args"][1]), arg, "cooked binary arg")


def case_text_format():
    db = fresh_db("text")
    f = Fixture()
    p = f.docker()
    f.file(p["sleep"], "/var/log/app.log", 6, 7, writes=9)
    f.op(p["sleep"], "unlink", "/tmp/t", 8)
    f.task(430, 10, parent=p["cinit"], exit=11, signal=9, docker=CID1,
           args=["killed"])
    f.insert(db)
    txt = run_filter(db, fmt="text")
    check("container " + CID1 in txt, "container id missing:\n" + txt)
    check("└─ " in txt and "├─ " in txt, "no tree drawing:\n" + txt)
    check("410 sh -c 'sleep 600'" in txt, "init line:\n" + txt)
    check("/var/log/app.log" in txt and "writes 9" in txt, "files:\n" + txt)
    check("unlink /tmp/t" in txt, "unlink:\n" + txt)
    check("SIGKILL" in txt or "KILL" in txt, "signal:\n" + txt)
    check("100 /usr/bin/dockerd" in txt, "dockerd line:\n" + txt)
    out = os.path.join(tempfile.gettempdir(), "godo-ft-%s.txt" % RUN)
    run_filter(db, "-o", out, fmt="text")
    # the same report, but for the time it was made
    gen = re.compile(r"^generated \S+ ", re.M)
    with open(out, encoding="utf-8", errors="replace") as fh:
        eq(gen.sub("generated T ", fh.read()), gen.sub("generated T ", txt),
           "-o FILE")
    os.unlink(out)


def case_out_database():
    db = fresh_db("outdb")
    f = Fixture()
    p = f.docker()
    f.file(p["sleep"], "/a", 6, 7)
    f.op(p["sleep"], "rename", "/a", 8, new="/b")
    f.insert(db)
    cooked = client[db.name + "_out"]
    cooked.processes.insert_one({"_id": "stale"})
    out = run_filter(db)
    eq(cooked.processes.count_documents({}), len(out["processes"]),
       "processes saved (stale replaced)")
    eq(cooked.files.count_documents({}), 2, "files saved")
    d = cooked.processes.find_one({"_id": p["sleep"]["_id"]})
    eq(d["docker_id"], CID1, "saved container")
    eq(d["parent"], p["cinit"]["_id"], "saved parent")
    fd = cooked.files.find_one({"op": "rename"})
    eq(fd["new_filename"], "/b", "saved rename")
    # the raw database is untouched
    eq(db.pids.count_documents({}), len(f.pids), "raw pids untouched")


def case_errors():
    r = subprocess.run(WRAP + [FILTER, "-mongo=127.0.0.1:1", "-format=json"],
                       capture_output=True, timeout=30 * SLOW)
    check(r.returncode != 0, "unreachable store: exit 0")
    lines = r.stderr.decode().strip().splitlines()
    eq(len(lines), 1, "unreachable store: one line (%r)" % lines)
    check("127.0.0.1:1" in lines[0], "store address in the message")
    db = fresh_db("errors")
    r = run_filter(db, "-since=tomorrow", expect_ok=False)
    eq(r.returncode, 2, "bad -since: exit")
    eq(len(r.stderr.decode().strip().splitlines()), 1, "bad -since lines")
    # out of range: never a wrapped time (9999 was read as 1816)
    for arg in ("-until=9999-12-31T23:59:59Z", "-since=200000d",
                "-since=1000-01-01T00:00:00Z", "-since=nand"):
        r = run_filter(db, arg, expect_ok=False)
        eq(r.returncode, 2, arg + ": exit")
        lines = r.stderr.decode().strip().splitlines()
        eq(len(lines), 1, arg + ": one line (%r)" % lines)
        check(lines[0].startswith("filter: error: -"), arg + ": " + lines[0])
    r = run_filter(db, "-until=2026-13-45T00:00:00Z", expect_ok=False)
    check(r.returncode != 0, "bad -until accepted")
    r = run_filter(db, expect_ok=False)  # empty database
    check(r.returncode != 0, "empty database: exit 0")
    eq(len(r.stderr.decode().strip().splitlines()), 1,
       "empty database: one line")
    # every error line has the prefix and names the offending argument
    for arg, word in (("-format=html5", "html5"), ("-tz=Mars/Base", "Mars/Base"),
                      ("-since=tomorrow", "-since"), ("-no-such-flag", "no-such-flag"),
                      ("-max-procs=many", "max-procs")):
        r = run_filter(db, arg, expect_ok=False)
        eq(r.returncode, 2, arg + ": exit")
        lines = r.stderr.decode().strip().splitlines()
        eq(len(lines), 1, arg + ": one line (%r)" % lines)
        check(lines[0].startswith("filter: error: ") and word in lines[0],
              arg + ": " + lines[0])
    f = Fixture()
    f.docker()
    f.insert(db)
    r = run_filter(db, "-max-procs=3", expect_ok=False)
    check(r.returncode != 0 and b"max-procs" in r.stderr,
          "-max-procs cap: %r" % r.stderr)
    r = subprocess.run(WRAP + [FILTER, "--version"], capture_output=True)
    check(r.returncode == 0 and r.stdout.startswith(b"filter "),
          "--version")
    r = subprocess.run(WRAP + [FILTER, "--help"], capture_output=True)
    check(r.returncode == 0 and b"-container" in r.stdout, "--help")
    r = subprocess.run(WRAP + [FILTER, "-db", db.name, "-out", db.name,
                               "-mongo", URI], capture_output=True)
    check(r.returncode != 0, "-out equal to -db accepted")


def case_no_container_child():
    # docker-in-docker, or a task whose cgroup was not read: a process
    # without docker_id below a container's process is shown where it is
    # (text: marked "[no container]"; was a NULL dereference), with its
    # subtree and its file
    db = fresh_db("nocontainer")
    f = Fixture()
    p = f.docker()
    other = f.task(425, 5, parent=p["cinit"], docker=CID2, args=["other"])
    inner = f.task(430, 6, parent=p["cinit"], args=["dockerd-inner"])
    f.task(431, 7, parent=inner, args=["payload"])
    f.file(inner, "/etc/shadow", 8, 9)
    f.insert(db)
    txt = run_filter(db, fmt="text")
    check("430 dockerd-inner" in txt and "[no container]" in txt,
          "child without container not shown, marked:\n" + txt)
    check("431 payload" in txt, "its subtree is missing:\n" + txt)
    check("/etc/shadow" in txt, "its file is missing:\n" + txt)
    check("[container " + CID2[:12] in txt, "the other container's marker:\n" + txt)
    out = run_filter(db)
    pr = procs_by_id(out)
    eq(pr[inner["_id"]]["container"], None, "json container of the child")
    eq(pr[inner["_id"]]["parent"], p["cinit"]["_id"], "json parent")
    check(other["_id"] in pr, "the other container's process")
    check(any(x["path"] == "/etc/shadow" and x["pid"] == 430
              for x in out["files"]), "json file of the child")
    # HTML: the page draws to the end (it stopped on the undefined
    # container), the child in place under its parent, tagged
    dom = page_dom(db)
    if dom is None:
        return
    li = re.search(r'<li class="node" data-pid="430"[^>]*>(.*?)</li>', dom,
                   re.S)
    check(li and 'class="tag">no container<' in li.group(1),
          "child without container not tagged: %r" % (li and li.group(0)))
    cinit = dom.find('data-id="%s"' % p["cinit"]["_id"])
    check(0 <= cinit < dom.find('data-id="%s"' % inner["_id"]) <
          dom.find('data-pid="431"'), "child and its subtree not in place")
    eq(dom_shown(dom, "data-id", inner["_id"]), [True], "child shown")
    check(re.search(r'<td class="path"[^>]*>/etc/shadow( \([^<]*\))?</td>', dom),
          "its file not in the page")


def case_raw_is_sacred():
    # -out naming a raw godo database (any of pids, gaps, runs), or -db
    # in another case, is refused before anything is written; a run
    # without -out writes nothing at all
    db = fresh_db("sacred")
    f = Fixture()
    p = f.docker()
    f.file(p["sleep"], "/a", 6, 7)
    f.insert(db)
    for coll in ("pids", "gaps", "runs"):
        other = fresh_db("sacred_raw_" + coll)
        other[coll].insert_one({"_id": "keep"})
        other.files.insert_one({"_id": "evidence"})
        r = subprocess.run(WRAP + [FILTER, "-mongo=" + URI, "-db=" + db.name,
                                   "-out=" + other.name, "-format=json"],
                           capture_output=True, timeout=60 * SLOW)
        eq(r.returncode, 2, "-out holding %s: exit" % coll)
        lines = r.stderr.decode().strip().splitlines()
        eq(len(lines), 1, "-out holding %s: one line (%r)" % (coll, lines))
        check(lines[0].startswith("filter: error: ") and other.name in lines[0],
              "-out holding %s: message %r" % (coll, lines[0]))
        eq([d["_id"] for d in other.files.find()], ["evidence"],
           "raw files of -out %s kept" % coll)
        eq(other[coll].count_documents({}), 1, "raw %s kept" % coll)
    r = subprocess.run(WRAP + [FILTER, "-mongo=" + URI, "-db=" + db.name,
                               "-out=" + db.name.upper()],
                       capture_output=True, timeout=60 * SLOW)
    eq(r.returncode, 2, "-out equal to -db but for case: exit")
    check(r.stderr.startswith(b"filter: error: "), "case: %r" % r.stderr)
    before = sorted(client.list_database_names())
    r = subprocess.run(WRAP + [FILTER, "-mongo=" + URI, "-db=" + db.name,
                               "-format=json"],
                       capture_output=True, timeout=60 * SLOW)
    eq(r.returncode, 0, "default run: exit (%r)" % r.stderr)
    check(p["sleep"]["_id"] in procs_by_id(json.loads(r.stdout)),
          "default run: report")
    eq(sorted(client.list_database_names()), before,
       "default run wrote a database")
    r = subprocess.run(WRAP + [FILTER, "-mongo=" + URI, "-db=" + db.name,
                               "-no-save", "-format=json"],
                       capture_output=True, timeout=60 * SLOW)
    eq(r.returncode, 0, "-no-save still accepted (%r)" % r.stderr)
    eq(sorted(client.list_database_names()), before, "-no-save wrote")


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DEEP = 4200


def chromium_dom(html):
    """(DOM, console errors) of html loaded in headless Chromium, or None
    when there is no Chromium"""
    if not os.access(CHROMIUM, os.X_OK):
        return None
    d = tempfile.mkdtemp(prefix="godo-ft-chromium-")
    page = os.path.join(d, "r.html")
    with open(page, "w", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write(html)
    try:
        r = subprocess.run([CHROMIUM, "--headless", "--no-sandbox",
                            "--disable-gpu", "--no-first-run",
                            "--enable-logging=stderr", "--v=0",
                            "--user-data-dir=" + os.path.join(d, "prof"),
                            "--dump-dom", "file://" + page],
                           capture_output=True, timeout=180 * SLOW)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    err = [l for l in r.stderr.decode("utf-8", "replace").splitlines()
           if "Uncaught" in l]
    return r.stdout.decode("utf-8", "replace"), err


class _Shown(HTMLParser):
    """which elements carrying attr=value are drawn: not under an element
    with the hidden attribute (how the page folds a subtree) nor inside a
    closed <details> (but its <summary>); an explicit stack, for trees
    thousands of levels deep"""
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input",
            "link", "meta", "source", "track", "wbr"}

    def __init__(self, attr, value):
        super().__init__(convert_charrefs=True)
        self.attr, self.value, self.stack, self.found = attr, value, [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        top = self.stack[-1] if self.stack else ("", False, False)
        hidden = top[1] or "hidden" in a or (top[2] and tag != "summary")
        if a.get(self.attr) == self.value:
            self.found.append(not hidden)
        if tag not in self.VOID:
            closed = tag == "details" and "open" not in a
            self.stack.append((tag, hidden, closed))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return


def page_dom(db, rc=0):
    """the HTML report of db as Chromium drew it, after checking filter's
    exit status (rc), that no script error was logged and that the page's
    script finished; None without Chromium"""
    r = run_filter(db, fmt="html", expect_ok=False)
    eq(r.returncode, rc, "html: exit status (%r)" % r.stderr[-300:])
    got = chromium_dom(r.stdout.decode("utf-8", "surrogateescape"))
    if got is None:
        return None
    dom, err = got
    eq(err, [], "html: script errors")
    check('data-ready="true"' in dom, "html: the page's script did not finish")
    return dom


def dom_shown(dom, attr, value):
    """[shown?] for each element of the DOM with attr=value"""
    p = _Shown(attr, value)
    p.feed(dom)
    p.close()
    return p.found


def case_deep_chain():
    # each generation forks and exits: a payload under 4200 levels is in
    # every output (was cut at 4096 levels, HTML at 512, exit 0)
    db = fresh_db("deep")
    f = Fixture()
    p = f.docker()
    parent = p["sleep"]
    for i in range(DEEP):
        parent = f.task(1000 + i, 5 + i * 0.001, parent=parent,
                        exit=5 + i * 0.001 + 0.0005, docker=CID1,
                        args=["gen%d" % i])
    pay = f.task(9000, 10, parent=parent, docker=CID1,
                 args=["payload", "--steal"])
    f.file(pay, "/etc/payload-shadow", 11, 12)
    f.insert(db)
    out = run_filter(db)
    check(pay["_id"] in procs_by_id(out), "payload not in JSON")
    eq(procs_by_id(out)[pay["_id"]]["parent"], parent["_id"], "payload parent")
    check(any(x["path"] == "/etc/payload-shadow" for x in out["files"]),
          "payload's file not in JSON")
    cooked = client[db.name + "_out"]
    check(cooked.processes.find_one({"_id": pay["_id"]}) is not None,
          "payload not saved")
    txt = run_filter(db, fmt="text")
    check("9000 payload --steal" in txt, "payload not in text")
    check("gen%d" % (DEEP - 1) in txt, "last generation not in text")
    check("/etc/payload-shadow" in txt, "payload's file not in text")
    longest = max(len(l) for l in txt.splitlines())
    check(longest < 2000, "text lines grow with depth: %d" % longest)
    html = run_filter(db, fmt="html")
    got = chromium_dom(html)
    if got is not None:
        dom, err = got
        eq(err, [], "script errors")
        check('data-id="%s"' % pay["_id"] in dom,
              "payload not drawn in the HTML tree")
        # visible as the page opens: the container is expanded down to
        # its writer, the payload
        eq(dom_shown(dom, "data-id", pay["_id"]), [True],
           "payload shown (not folded away)")


def case_far_stored_dates():
    # dates a hostile database holds past what int64 ns hold (after 2262,
    # before 1678) read as unknown, never as a wrapped time (a date in 9999
    # overflowed); the processes, the file and the gap are all shown, in
    # text, JSON and HTML
    db = fresh_db("fardates")
    f = Fixture()
    p = f.docker()
    far = f.task(500, 5, parent=p["cinit"], docker=CID1, args=["far-start"])
    del far["start_ns"]
    far["start_timestamp"] = datetime.datetime(9999, 12, 31, 23, 59, 59)
    edge = f.task(501, 6, parent=p["cinit"], docker=CID1, exit=7,
                  args=["far-exit"])
    del edge["exit_ns"]
    edge["exit_timestamp"] = datetime.datetime(2300, 1, 1)
    w = f.file(edge, "/far-file", 6.5, 6.8)
    del w["open_ns"]
    w["open_timestamp"] = datetime.datetime(1, 1, 1)
    f.gaps.append({"_id": "gap-far", "host": "h1", "boot_id": "boot-1",
                   "source": "audit", "from": datetime.datetime(1, 1, 1),
                   "to": datetime.datetime(9999, 1, 1), "count": 7})
    f.insert(db)
    out = run_filter(db)
    pr = procs_by_id(out)
    check(far["_id"] in pr and edge["_id"] in pr, "far processes shown")
    eq(pr[far["_id"]]["start"], None, "a start in 9999 is unknown")
    eq(pr[edge["_id"]]["exit"], None, "an exit in 2300 is unknown")
    eq([(x["path"], x["open"]) for x in out["files"]], [("/far-file", None)],
       "a file opened in year 1: shown, open unknown")
    eq([(g["from"], g["to"], g["count"]) for g in out["gaps"]],
       [(None, None, 7)], "the gap is listed with unknown bounds")
    txt = run_filter(db, fmt="text")
    check(re.search(r"\n *[^\n]*500 far-start  \?  running\n", txt),
          "text start of far-start:\n" + txt)
    check("/far-file  pid 501  open ?" in txt, "text file:\n" + txt)
    check("warning: events may be missing (audit) from ? to ?, count 7" in txt,
          "text gap:\n" + txt)
    check(not re.search(r"\b(1[0-6]\d\d|2[3-9]\d\d|[3-9]\d\d\d)-\d\d-", txt),
          "a wrapped or far date in the text:\n" + txt)
    dom = page_dom(db)
    if dom is not None:
        for q in (far, edge):
            check('data-id="%s"' % q["_id"] in dom, q["args"][0] + " not drawn")


def case_malformed_documents():
    # wrong shapes (pid as a string, an ObjectId _id) are counted and
    # listed with their _ids under a banner, and the exit status is 3
    db = fresh_db("malformed")
    f = Fixture()
    p = f.docker()
    f.insert(db)
    db.pids.insert_one({"_id": "h1:bad:1", "host": "h1", "pid": "66",
                        "parent_id": p["cinit"]["_id"]})
    oid = bson.ObjectId()
    db.pids.insert_one({"_id": oid, "host": "h1", "pid": 67})
    r = run_filter(db, expect_ok=False)
    eq(r.returncode, 3, "exit status (%r)" % r.stderr)
    out = json.loads(r.stdout)
    eq(out["incomplete"], True, "json incomplete")
    eq(out["unreadable_count"], 2, "json count")
    eq(sorted(out["unreadable"]),
       sorted(["pids h1:bad:1", "pids ObjectId(%s)" % oid]), "json list")
    check(p["sleep"]["_id"] in procs_by_id(out), "the rest is reported")
    r = run_filter(db, fmt="text", expect_ok=False)
    eq(r.returncode, 3, "text exit status")
    txt = r.stdout.decode()
    # on top: the first line, the provenance and record lines, then the
    # banner
    check(txt.splitlines()[5].startswith("INCOMPLETE: 2 documents"),
          "banner on top:\n" + txt)
    check("unreadable: pids h1:bad:1" in txt and str(oid) in txt,
          "ids listed:\n" + txt)
    dom = page_dom(db, rc=3)
    if dom is not None:
        check('id="incomplete"' in dom and "h1:bad:1" in dom,
              "no banner in the HTML page")
    db2 = fresh_db("wellformed")
    Fixture().docker()
    f2 = Fixture()
    f2.docker()
    f2.insert(db2)
    eq(run_filter(db2, expect_ok=False).returncode, 0, "complete: exit 0")


def case_hostile_strings():
    # every byte that is not printable UTF-8 is escaped in the text, ids
    # included, and args are POSIX-quoted: the two rm lines differ
    db = fresh_db("hostile")
    f = Fixture()
    cid = "c3" * 30 + "\x1b]0;x\x07\u009b\u202e"
    p = f.docker(cid=cid)
    f.task(500, 5, parent=p["cinit"], docker=cid,
           args=["rm", "-rf", "/data' '/backup"])
    f.task(501, 6, parent=p["cinit"], docker=cid,
           args=["rm", "-rf", "'/data'", "'/backup'"])
    f.task(502, 7, parent=p["cinit"], docker=cid,
           args=["cat", "evil\u202etxt.exe\u200b\ufeff\u009d\x7f"])
    f.insert(db)
    txt = run_filter(db, fmt="text")
    for bad in ("\x1b", "\x07", "\x7f", "\u009b", "\u009d", "\u202e",
                "\u200b", "\ufeff"):
        check(bad not in txt, "raw %r in the text" % bad)
    check(r"500 rm -rf '/data'\'' '\''/backup'" in txt, "quoting one:\n" + txt)
    check(r"501 rm -rf ''\''/data'\''' ''\''/backup'\'''" in txt,
          "quoting two:\n" + txt)
    check("== container " + "c3" * 30 + r"\x1b]0;x\x07\u{9b}\u{202e}" in txt,
          "container header:\n" + txt)
    r = run_filter(db, expect_ok=False)
    eq(r.returncode, 0, "json exit (%r)" % r.stderr)
    # C1, bidi and zero-width characters are \uXXXX in the file (no
    # raw override reaches a viewer of the JSON), and read back exactly
    for bad in ("\u009b", "\u009d", "\u202e", "\u200b", "\ufeff"):
        check(bad.encode() not in r.stdout, "raw %r in the JSON" % bad)
    check(b"\\u202e" in r.stdout and b"\\u009b" in r.stdout,
          "escapes in the JSON")
    out = json.loads(r.stdout)
    eq(out["containers"][0]["id"], cid, "json keeps the exact id")
    eq([p["args"] for p in out["processes"] if p["tgid"] == 502],
       [["cat", "evil\u202etxt.exe\u200b\ufeff\u009d\x7f"]],
       "json round trip")
    got = chromium_dom(run_filter(db, fmt="html"))
    if got is not None:
        dom, err = got
        eq(err, [], "script errors")
        # neither attributes nor the data element are shown
        shown = re.sub(r'="[^"]*"|<script.*?</script>', "", dom, flags=re.S)
        for bad in ("\x1b", "\u009b", "\u202e", "\u200b", "\ufeff"):
            check(bad not in shown, "raw %r in the page" % bad)
        check(r"evil\u{202e}txt.exe\u{200b}\u{feff}\u{9d}\x7f" in dom,
              "escapes in the page")
        check(r"rm -rf ''\''/data'\''' ''\''/backup'\'''" in dom,
              "quoting in the page")


def case_huge_filename():
    # a 15 MiB file name: saving fails with one error line, the report is
    # still printed (was: nothing at all), exit 1
    db = fresh_db("huge")
    f = Fixture()
    p = f.docker()
    f.file(p["sleep"], "/ok", 5, 6)
    huge = "/tmp/" + "A" * (15 * 1024 * 1024)
    f.file(p["sleep"], huge, 6, 7)
    f.insert(db)
    for fmt in ("text", "json"):
        r = run_filter(db, fmt=fmt, expect_ok=False)
        eq(r.returncode, 1, fmt + ": exit status")
        # libmongoc's own notice under valgrind (no shared memory for its
        # counters) is not the filter's
        lines = [l for l in r.stderr.decode().strip().splitlines()
                 if "Falling back to malloc for counters" not in l]
        eq(len(lines), 1, fmt + ": one error line (%r)" % lines)
        check(lines[0].startswith("filter: error: saving"), lines[0])
        if fmt == "text":
            txt = r.stdout.decode()
            check("/ok" in txt and "...[+" in txt,
                  "report with the cut name: %r" % txt[-3000:])
            check(len(txt) < 1024 * 1024, "text not cut: %d" % len(txt))
        else:
            out = json.loads(r.stdout)
            eq(sorted(len(x["path"]) for x in out["files"]),
               [3, len(huge)], "json names whole")
    dom = page_dom(db, rc=1)
    if dom is not None:
        check(re.search(r'<td class="path"[^>]*>/ok( \([^<]*\))?</td>', dom),
              "html: the other file's row")
        check(re.search(r'<td class="path"[^>]*>/tmp/AAAA', dom),
              "html: the huge name's row")


def case_format_from_output():
    # -format not given: from -o's extension; -since=today is accepted
    db = fresh_db("fmtext")
    f = Fixture()
    f.docker()
    f.insert(db)
    d = tempfile.mkdtemp(prefix="godo-ft-fmt-")
    try:
        for name, head in (("r.json", "{"), ("r.HTML", "<!DOCTYPE html>"),
                           ("r.htm", "<!DOCTYPE html>"),
                           ("r.txt", "godo filter:"), ("r", "godo filter:")):
            path = os.path.join(d, name)
            r = subprocess.run(WRAP + [FILTER, "-mongo=" + URI,
                                       "-db=" + db.name, "-o", path],
                               capture_output=True, timeout=60 * SLOW)
            eq(r.returncode, 0, name + ": exit (%r)" % r.stderr)
            with open(path, encoding="utf-8", errors="replace") as fh:
                check(fh.read().startswith(head), name + ": format")
    finally:
        shutil.rmtree(d, ignore_errors=True)
    r = subprocess.run(WRAP + [FILTER, "-mongo=" + URI, "-db=" + db.name,
                               "-since=yesterday", "-until=now"],
                       capture_output=True, timeout=60 * SLOW)
    eq(r.returncode, 0, "-since=yesterday (%r)" % r.stderr)


def activity_fixture(db):
    """a quiet container (a1: init and sleep) and a busy one (b2: four
    processes, two writing files, one started inside a gap)"""
    f = Fixture()
    p = f.docker()
    runc2 = f.task(402, 20, parent=p["shim"], exit=21, args=["runc", "run"])
    b = {}
    b["init"] = f.task(600, 20.5, parent=runc2, docker=CID2,
                       args=["/bin/sh", "/entry.sh"], rootfs="/r2/merged")
    b["curl"] = f.task(601, 22, parent=b["init"], docker=CID2, exit=23,
                       args=["curl", "-o", "/tmp/x", "http://evil/x"])
    b["x"] = f.task(602, 31, parent=b["init"], docker=CID2,
                    args=["/tmp/x", "--install"])
    b["cron"] = f.task(603, 32, parent=b["x"], docker=CID2,
                       args=["crontab", "-"])
    f.file(b["curl"], "/tmp/x", 22.1, 22.9)
    f.file(b["cron"], "/var/spool/cron/root", 32.5, 33)
    f.op(b["x"], "chmod", "/tmp/x", 31.5)
    f.gaps.append({"_id": "gap-1", "host": "h1", "boot_id": "boot-1",
                   "source": "audit", "from": date(ns(30)),
                   "to": date(ns(31.2)), "count": 40})
    f.insert(db)
    return p, b


def case_activity_order():
    # the report opens on what matters: the busiest container first, in
    # text, JSON and HTML; the process started inside a gap is marked
    db = fresh_db("activity")
    p, b = activity_fixture(db)
    out = run_filter(db)
    eq([c["id"] for c in out["containers"]], [CID2, CID1], "json order")
    eq([c["rank"] for c in out["containers"]], [1, 2], "json rank")
    eq(out["containers"][0]["activity"],
       {"processes_started": 4, "files_changed": 3, "gaps": 1, "score": 8},
       "busy activity")
    eq(out["containers"][1]["activity"],
       {"processes_started": 2, "files_changed": 0, "gaps": 1, "score": 3},
       "quiet activity (sleep runs across the gap)")
    gap = {q["id"]: q["in_gap"] for q in out["processes"]}
    eq([k for k, v in gap.items() if v], [b["x"]["_id"]], "in_gap")
    txt = run_filter(db, fmt="text")
    i2, i1 = txt.find("== container " + CID2), txt.find("== container " + CID1)
    check(0 < i2 < i1 < txt.find("== Docker daemons"), "text order:\n" + txt)
    check("  1. b2b2b2b2b2b2: 4 processes started, 3 files changed, 1 gap\n"
          "  2. a1a1a1a1a1a1: 2 processes started, 0 files changed, 1 gap\n"
          in txt, "ranking:\n" + txt)
    check(re.search(r"602 /tmp/x --install  \S+  running  \[started in a "
                    r"gap: events may be missing\]", txt), "gap mark:\n" + txt)
    eq(txt.count("[started in a gap"), 1, "one gap mark")
    got = chromium_dom(run_filter(db, fmt="html"))
    if got is None:
        return
    dom, err = got
    eq(err, [], "script errors")
    secs = re.findall(r'<section class="ct" data-container="([0-9a-f]*)"'
                      r'[^>]*?data-rank="(\d+)"', dom)
    eq(secs, [(CID2, "1"), (CID1, "2")], "html order")
    first, second = dom.split('data-container="' + CID1 + '"')
    # the busy container is open down to its writers (600 and 602 hold
    # the writers 601 and 603); every other tree stays folded
    for pid in (600, 602):
        check(re.search(r'data-pid="%d"[^>]*data-expanded="true"' % pid, first),
              "pid %d not expanded" % pid)
    check('data-writer="true"' in first, "writers marked")
    check('data-expanded="true"' not in second, "others folded")
    check('class="tag ingap"' in dom, "in-gap tag")
    check('class="ingap"' in dom and 'class="gapband"' in dom,
          "timeline marks")
    ticks = re.findall(r'class="ticklabel">([^<]*)<', dom)
    check(ticks and all(t == "0" or re.fullmatch(r"\+[\d.]+ (s|min|h)", t)
                        for t in ticks), "axis in s/min/h: %r" % ticks)
    check('class="legend"' in dom and "started in a gap</span>" in dom,
          "legend")
    check(re.search(r'<span class="tm"[^>]*>  2026-11-25 10:00:31\.000000 '
                    r'UTC</span>', dom), "full date with zone")


def case_provenance_tz():
    # provenance on top of every format; -tz=local shows the local offset
    db = fresh_db("prov")
    activity_fixture(db)
    before = time_ns()
    out = run_filter(db, "-since=2026-11-25T10:00:10Z")
    pv = out["provenance"]
    eq(pv["database"], db.name, "database")
    eq(pv["store"], URI, "store")
    eq(pv["hosts"], ["h1"], "hosts")
    eq((pv["from"], pv["from_source"]), (rfc(ns(10)), "since"), "from")
    eq((pv["to"], pv["to_source"]), (rfc(ns(50)), "data"), "to")
    with open(os.path.join(TOP, "VERSION")) as fh:
        eq(pv["filter_version"], fh.read().strip(), "version")
    gen = datetime.datetime.strptime(pv["generated"][:26] + "Z",
                                     "%Y-%m-%dT%H:%M:%S.%fZ")
    gen = gen.replace(tzinfo=datetime.timezone.utc).timestamp()
    check(before / 1e9 - 5 < gen < time_ns() / 1e9 + 5, "generated %r" % gen)
    eq(pv["tz"], "UTC", "tz")
    txt = run_filter(db, "-since=2026-11-25T10:00:10Z", fmt="text")
    head = txt.splitlines()[1:4]
    eq(head[0], "database %s  store %s  host h1" % (db.name, URI), "text db")
    eq(head[1], "window 2026-11-25T10:00:10.000000000Z (-since) .. "
       "2026-11-25T10:00:50.000000000Z (last recorded)", "text window")
    check(head[2].startswith("generated 20") and
          head[2].endswith("; times in UTC"), head[2])
    # -tz=local in another zone: +02:00 everywhere, in every format
    env = dict(os.environ, TZ="XST-2")
    cmd = WRAP + [FILTER, "-mongo=" + URI, "-db=" + db.name, "-tz=local"]
    r = subprocess.run(cmd + ["-format=text"], capture_output=True,
                       env=env, timeout=60 * SLOW)
    eq(r.returncode, 0, "tz local (%r)" % r.stderr)
    txt = r.stdout.decode()
    check("602 /tmp/x --install  2026-11-25T12:00:31.000000000+02:00" in txt,
          "local time in text:\n" + txt)
    check(not re.search(r"\d\dZ", txt), "a UTC time left:\n" + txt)
    r = subprocess.run(cmd + ["-format=json"], capture_output=True,
                       env=env, timeout=60 * SLOW)
    out = json.loads(r.stdout)
    eq(out["provenance"]["tz"], "local", "json tz")
    eq([q["start"] for q in out["processes"] if q["tgid"] == 602],
       ["2026-11-25T12:00:31.000000000+02:00"], "json local time")
    r = subprocess.run(cmd + ["-format=html"], capture_output=True,
                       env=env, timeout=60 * SLOW)
    got = chromium_dom(r.stdout.decode("utf-8", "surrogateescape"))
    if got is not None:
        dom, err = got
        eq(err, [], "script errors")
        check('id="provenance"' in dom and db.name in dom, "provenance")
        check("2026-11-25 12:00:31.000000 +02:00" in dom, "local in html")
        check("+10 s</text>" in dom, "axis with local times")


def on_tty(*args):
    """the filter's stdout and stderr as a terminal shows them (script(1)
    gives it a pty), with its exit status"""
    cmd = " ".join(shlex.quote(a) for a in WRAP + [FILTER, "-mongo=" + URI]
                   + list(args))
    r = subprocess.run(["script", "-qefc", cmd, "/dev/null"],
                       capture_output=True, timeout=60 * SLOW)
    return r.returncode, r.stdout.decode("utf-8", "replace")


def case_progress_cleared():
    # on a terminal the progress line is erased before the report (not
    # left above it), and an error line replaces it
    if not shutil.which("script"):
        return
    db = fresh_db("progress")
    activity_fixture(db)
    rc, out = on_tty("-db=" + db.name, "-format=text")
    eq(rc, 0, "exit (%r)" % out[-500:])
    check("filter: read " in out, "no progress shown on a tty: %r" % out[:300])
    head, sep, _ = out.partition("godo filter: ")
    check(sep and head.endswith("\r\x1b[K"),
          "progress not erased before the report: %r" % head[-200:])
    rc, out = on_tty("-db=" + db.name, "-container=nomatch")
    eq(rc, 1, "-container no match: exit")
    lines = [l for l in out.replace("\r\n", "\n").split("\n")
             if "filter: error:" in l]
    eq(len(lines), 1, "one error line (%r)" % out[-500:])
    # what the terminal shows of that line: after the last carriage return
    check(lines[0].split("\r")[-1].startswith("\x1b[Kfilter: error: "
                                              "-container"),
          "error line: %r" % lines[0])


def group_files(docs):
    """docs as godo groups them since issue 22 (common/fgroup.h): one
    document per container (host, boot_id, docker_id); members without what
    the group holds (proc_id, pid, tgid when the first member's) and
    without the date twins."""
    groups = {}
    for d in docs:
        groups.setdefault((d["host"], d["boot_id"], d.get("docker_id")), []).append(d)
    out = []
    for ms in groups.values():
        head = {k: ms[0][k] for k in ("host", "boot_id", "docker_id", "proc_id", "pid", "tgid") if k in ms[0]}
        head["_id"] = ms[0]["_id"] + ":g"
        head["docs"] = [{k: v for k, v in m.items()
                         if k not in ("host", "boot_id", "docker_id", "open_timestamp", "close_timestamp",
                                      "timestamp", "then_timestamp")
                         and not (k in ("proc_id", "pid", "tgid") and head.get(k) == v)} for m in ms]
        out.append(head)
    return out


def case_grouped_files():
    # the same files, ops and joined ops stored one document each (before
    # issue 22) and grouped: the same report; a -container selection (the
    # $in query on proc_id) finds the members of other processes too
    f = Fixture()
    p = f.docker()
    f.file(p["sleep"], "/app/a", 5, 6, writes=3)
    f.file(p["cinit"], "/app/b", 5.5, 6.5)
    f.op(p["sleep"], "unlink", "/app/gone", 7)
    j = f.file(p["cinit"], "/app/c", 8, 9)
    j.update({"then_op": "rename", "then_ns": ns(9.1), "then_timestamp": date(ns(9.1)),
              "then_proc_id": p["sleep"]["_id"], "then_pid": p["sleep"]["pid"], "new_filename": "/app/d"})
    old, grouped = fresh_db("grouped_old"), fresh_db("grouped_new")
    f.insert(old)
    files = f.files
    f.files = []
    f.insert(grouped)
    grouped.files.insert_many(group_files(files))
    # the fixture's op has no docker_id: a group of its own
    eq(grouped.files.count_documents({}), 2, "grouped documents")
    for args in ((), ("-container", CID1[:12])):
        a, b = run_filter(old, *args), run_filter(grouped, *args)
        key = lambda x: json.dumps(x, sort_keys=True)  # noqa: E731
        eq(len(a["files"]), 3, "files of the older shape %r" % (args,))
        eq(sorted(map(key, b["files"])), sorted(map(key, a["files"])), "files %r" % (args,))
        eq(sorted(map(key, b["ops"])), sorted(map(key, a["ops"])), "ops %r" % (args,))


class _PathCells(HTMLParser):
    """each <td class="path"> of the page: (its own text, [its badges' texts])
    where a badge is a <span class="pmark"> inside it"""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.cells, self.td, self.mark = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "td" and "path" in (a.get("class") or "").split():
            self.td = ["", []]
        elif tag == "span" and self.td is not None and a.get("class") == "pmark":
            self.mark = ""

    def handle_endtag(self, tag):
        if tag == "span" and self.mark is not None:
            self.td[1].append(self.mark)
            self.mark = None
        elif tag == "td" and self.td is not None:
            self.cells.append(tuple(self.td))
            self.td = None

    def handle_data(self, data):
        if self.mark is not None:
            self.mark += data
        elif self.td is not None:
            self.td[0] += data


def case_path_marks_badges():
    # HTML: what godo could not confirm of a path (path_unverified, a name
    # given otherwise) is a badge beside it; a hostile name holding the same
    # words stays plain text without a badge
    db = fresh_db("pmarks")
    f = Fixture()
    p = f.docker()
    ci = p["cinit"]
    real = f.file(ci, "/data/swapped", 10, 11)
    real["path_unverified"] = True
    real["raw_path"] = "/lnk/swapped"
    f.file(ci, "/data/fake (path unverified) (given as /etc/x)", 12, 13)
    op = f.op(ci, "unlink", "/data/gone", 14)
    op["path_unverified"] = True
    # a second name's marks are its own: a rename's new name, a link's target
    rn = f.op(ci, "rename", "/data/a", 15, new="/data/b")
    rn["new_raw_path"] = "lnk/b"
    rn["new_path_unverified"] = True
    ln = f.op(ci, "link", "/data/hard", 16)
    ln["target"] = "/data/orig"
    ln["target_unverified"] = True
    f.insert(db)
    out = run_filter(db)
    by_path = {o["path"]: o for o in out["ops"]}
    eq({k: by_path["/data/a"].get(k) for k in ("new_given_path", "new_unverified",
                                                                   "given_path", "path_unverified")},
       {"new_given_path": "lnk/b", "new_unverified": True, "given_path": None, "path_unverified": None},
       "json: the rename's new name's marks, not its path's")
    eq(by_path["/data/hard"].get("target_unverified"), True, "json: the link target's mark")
    txt = run_filter(db, fmt="text")
    check(any("rename /data/a -> /data/b (given as lnk/b) (path unverified)" in ln_ for ln_ in txt.splitlines()),
          "text: the new name's marks after it:\n" + txt)
    saved = client[db.name + "_out"].files.find_one({"op": "rename"})
    eq({k: saved.get(k) for k in ("new_raw_path", "new_path_unverified")},
       {"new_raw_path": "lnk/b", "new_path_unverified": True}, "saved: the new name's marks")
    dom = page_dom(db)
    if dom is None:
        return
    cells = _PathCells()
    cells.feed(dom)
    cells.close()
    got = {c[0]: c[1] for c in cells.cells}
    eq(got.get("/data/swapped"), ["given as /lnk/swapped", "path unverified"],
       "badges of the unconfirmed file (cells %r)" % cells.cells)
    eq(got.get("/data/fake (path unverified) (given as /etc/x)"), [],
       "a name with the marks' words: text, no badge")
    eq(got.get("/data/gone"), ["path unverified"], "badge of the op")
    eq(got.get("/data/a"), [], "the rename's path: no badge of its new name")
    eq(got.get("/data/b"), ["new given as lnk/b", "new unverified"], "badges of the new name")
    eq(got.get("/data/orig"), ["target unverified"], "badge of the link's target")


CASES = [
    ("tree_and_thread_parent_fix", case_tree_and_threads_parent_fix),
    ("orphan_reparenting", case_orphan_reparenting),
    ("pid_reuse", case_pid_reuse),
    ("same_task_two_ids_merge", case_same_task_two_ids_merge),
    ("thread_exit_filled", case_thread_exit_filled),
    ("unclosed_file_gets_owner_exit", case_unclosed_file),
    ("path_cleaning_and_relative", case_paths),
    ("joined_ops", case_joined_ops),
    ("grouped_files", case_grouped_files),
    ("meta_ops", case_meta_ops),
    ("final_document", case_final_document),
    ("execs_same_tick", case_execs_same_tick),
    ("rootfs_and_host_path", case_rootfs_host_path),
    ("time_window", case_window),
    ("container_selection", case_container_selection),
    ("multi_host", case_multi_host),
    ("non_docker_excluded", case_non_docker_excluded),
    ("non_utf8_surrogateescape", case_non_utf8),
    ("text_format", case_text_format),
    ("no_container_child", case_no_container_child),
    ("out_database", case_out_database),
    ("errors", case_errors),
    ("raw_is_sacred", case_raw_is_sacred),
    ("deep_chain", case_deep_chain),
    ("far_stored_dates", case_far_stored_dates),
    ("malformed_documents", case_malformed_documents),
    ("hostile_strings", case_hostile_strings),
    ("huge_filename", case_huge_filename),
    ("format_from_output", case_format_from_output),
    ("activity_order", case_activity_order),
    ("provenance_tz", case_provenance_tz),
    ("progress_cleared", case_progress_cleared),
    ("path_marks_badges", case_path_marks_badges),
]


def main():
    global failed
    try:
        client.admin.command("ping")
    except Exception as e:  # noqa: BLE001
        print("FAIL filter_store: %s" % e)
        return 1
    if not os.access(FILTER, os.X_OK):
        print("FAIL filter_binary: %s not executable" % FILTER)
        return 1
    only = sys.argv[1:]
    for name, fn in CASES:
        if only and name not in only:
            continue
        try:
            fn()
            print("PASS filter_%s" % name)
        except Exception as e:  # noqa: BLE001
            failed += 1
            why = str(e).replace("\n", " | ")[:2000]
            print("FAIL filter_%s: %s" % (name, why))
            if os.environ.get("GODO_TEST_VERBOSE"):
                traceback.print_exc()
        sys.stdout.flush()
    for n in dbs:
        client.drop_database(n)
        client.drop_database(n + "_out")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
