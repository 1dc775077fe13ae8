"""godo on the real kernel, proc connector and local store: a known host
workload (recorded with -all) must come back as exactly these documents."""
import os
import re
import errno
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from godotest import (raw_execs, raw_files, raw_files_one, Godo, check, client, fresh_db, finish, audit_state, hold_audit_lock, TOP,  # noqa: E402
                      godo_rules, restore_audit, wait_for)

MTWRITER = os.path.join(TOP, "tests", "helpers", "bin", "mtwriter")


def tamper(work, before):
    """From the host: godo's rules deleted, then auditing disabled; godo
    must repair both within seconds (its status poll is once a second), and
    a file written after the repair must be recorded. Returns what the
    checks need."""
    res = {}
    rules0 = godo_rules()
    res["rules0"] = rules0
    res["all0"] = subprocess.run(["auditctl", "-l"], stdout=subprocess.PIPE, text=True).stdout.splitlines()
    res["types0"] = record_types()
    others = [l for l in before[2].splitlines() if l.strip() and l != "No rules"]
    # plain -D as an attacker would; only godo's rules when the host has
    # rules of its own (they must survive the test)
    subprocess.run(["auditctl", "-D"] + (["-k", "godo"] if others else []), stdout=subprocess.DEVNULL)
    res["rules_back"] = wait_for(lambda: godo_rules() == rules0, 6)
    res["rules_after"] = godo_rules()
    subprocess.run(["auditctl", "-e", "0"], stdout=subprocess.DEVNULL)
    res["enabled_back"] = wait_for(lambda: audit_state()[0] == "1", 6)
    res["enabled_after"] = audit_state()[0]
    after = os.path.join(work, "after_tamper.txt")
    subprocess.run(["/bin/sh", "-c", "echo recorded > " + after])
    res["after"] = after
    return res


# Every counter godo keeps is on its stats line (issue 16: no drop that the
# line does not show): one name per stage's counter.
STATS_NAMES = ["events/s", "records/s", "lost", "backlog", "conn overruns", "pending", "store ops", "upserts",
               "deletes", "failed", "flush", "tasks", "files", "unattributed", "ops", "merged", "refused",
               "partial aged", "flood", "evicted", "flushed", "audit disabled", "displaced", "reenabled",
               "reclaimed", "mem", "drops proc_table", "fd_table", "mem_limit", "pid_reused", "evicted tasks",
               "containers", "reasm bytes", "cut", "docs", "early", "mem_docs", "queue cap flushes",
               "setns_unresolved", "fd_share", "task full", "share_refused", "task containers", "fd dropped",
               "audit enobufs", "bad_sender", "malformed", "oversize", "conn bad_sender", "reasm bad", "orphan_eoe",
               "alone", "store spooled", "replayed", "spool bytes", "outages", "down", "dup_inserts"]


def record_types(seconds=1.5):
    """The audit record types a multicast reader gets while /bin/true runs
    three times (the same records godo gets: the exclude filter acts before
    either). Three runs only: a flood would leave a slow godo (valgrind)
    lagging behind the rest of the test."""
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9)  # NETLINK_AUDIT
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((0, 1))  # AUDIT_NLGRP_READLOG
    s.settimeout(0.1)
    types = set()
    try:
        for _ in range(3):
            subprocess.run(["/bin/true"])
        end = time.time() + seconds
        while time.time() < end:
            try:
                data = s.recv(1 << 16)
            except socket.timeout:
                continue
            except OSError as e:  # ENOBUFS: this reader fell behind
                if e.errno != errno.ENOBUFS:
                    raise
                continue
            off = 0
            while off + 16 <= len(data):
                ln, typ = struct.unpack_from("=IH", data, off)
                types.add(typ)
                if ln < 16:
                    break
                off += (ln + 3) & ~3
    finally:
        s.close()
    return types


def is_excl_rule_in(lines):
    return any("never,exclude" in l and "msgtype=PROCTITLE" in l and "pid!=" in l for l in lines)


def proctitle_kept(before):
    """-proctitle: no exclude rule, and godo's own rules go at stop."""
    db = fresh_db("listener_pt")
    g = Godo(db, "-all", "-proctitle").start()
    try:
        rules = subprocess.run(["auditctl", "-l"], stdout=subprocess.PIPE, text=True).stdout.splitlines()
        types = record_types()
    finally:
        rc = g.stop()
    check("proctitle_kept_sent", 1300 in types and 1327 in types, "types %r" % sorted(types))
    check("proctitle_kept_no_exclude", rc == 0 and any("key=godo" in l for l in rules) and not is_excl_rule_in(rules),
          "rc %d, godo rules %r" % (rc, rules))
    check("proctitle_kept_state_restored", audit_state() == before, "before %s after %s" % (before, audit_state()))
    restore_audit(before)
    client().drop_database(db)


def stats_line(g):
    """godo's stats line on SIGUSR1 (the last one in its log)."""
    n0 = g.text().count("stats: events/s")
    g.proc.send_signal(signal.SIGUSR1)
    wait_for(lambda: g.text().count("stats: events/s") > n0, 5)
    lines = [l for l in g.text().splitlines() if "stats: events/s" in l]
    return lines[-1] if lines else ""


def main():
    hold_audit_lock()  # before and after are this test's alone
    before = audit_state()
    db = fresh_db("listener")
    work = tempfile.mkdtemp(prefix="godo-listener-")
    g = Godo(db, "-all").start()
    try:
        # outlives its first write (10 s), then execs and exits: on FerretDB
        # those changes come as a final document, elsewhere as updates
        late = subprocess.Popen(["/bin/sh", "-c", "sleep 14; exec /bin/sh -c 'exit 4'"])
        late_t0 = time.time()
        # exec chain: three images in one process
        chain = subprocess.Popen(["/bin/sh", "-c", "exec /bin/sh -c 'exec /bin/echo chain-end'"],
                                 stdout=subprocess.DEVNULL)
        chain.wait()
        # non-zero exit and death by signal
        ex3 = subprocess.Popen(["/bin/sh", "-c", "exit 3"])
        ex3.wait()
        killed = subprocess.Popen(["/bin/sh", "-c", "kill -9 $$"])
        killed.wait()
        # multi-threaded writer: 4 threads x 10 writes
        mt = subprocess.Popen([MTWRITER, work, "4", "10"])
        mt.wait()
        # double fork: the daemon outlives its parent, then creates a file
        daemon_file = os.path.join(work, "daemon.txt")
        dbl = subprocess.Popen(["/bin/sh", "-c", "( /bin/sh -c 'sleep 0.3; /bin/touch %s' & ) ; exit 0" % daemon_file])
        dbl.wait()
        # create / rename / unlink through relative names in a cwd
        ops = subprocess.Popen(["/bin/sh", "-c", "touch one.txt && mv one.txt two.txt && rm two.txt"], cwd=work)
        ops.wait()
        # godo's clock is the event stream: forks past 10 s let it see the
        # task's age (it is written at the next sweep, once a second)
        time.sleep(max(0, late_t0 + 10.5 - time.time()))
        for _ in range(6):
            subprocess.run(["/bin/true"])
            time.sleep(0.5)
        late.wait()
        time.sleep(1.8)  # its final document is due a second after the exit
        tam = tamper(work, before)
        stats = stats_line(g)
    finally:
        rc = g.stop()
    missing = [n for n in STATS_NAMES if not re.search(r"(^|[ (])" + re.escape(n) + r" -?\d", stats)]
    check("stats_line_every_counter", stats != "" and not missing, "missing %r in %r" % (missing, stats))
    check("listener_exit_status", rc == 0, "godo exited %d: %s" % (rc, g.text()[-2000:]))
    check("listener_audit_state_restored", audit_state() == before, "before %s after %s" % (before, audit_state()))
    restore_audit(before)  # whatever godo did not put back

    d = client()[db]
    check("tamper_rules_installed", len(tam["rules0"]) > 0, "no godo rules listed while it ran")
    # as the audit daemon godo has the kernel drop PROCTITLE records; the
    # exec chain's args below come from EXECVE records alone
    check("proctitle_excluded", is_excl_rule_in(tam["all0"]), "rules %r" % tam["all0"])
    # the kernel sends none (SYSCALL 1300 yes, PROCTITLE 1327 no)
    check("proctitle_not_sent", 1300 in tam["types0"] and 1327 not in tam["types0"], "types %r" % sorted(tam["types0"]))
    check("tamper_rules_reinstalled", tam["rules_back"],
          "%d godo rules before, %d after: %r" % (len(tam["rules0"]), len(tam["rules_after"]), tam["rules_after"]))
    check("tamper_reenabled", tam["enabled_back"], "enabled %r after auditctl -e 0" % tam["enabled_after"])
    for source in ("rules", "disabled"):
        gaps = list(d.gaps.find({"source": source}))
        # one blind interval each (auditctl -D deletes rule by rule: a
        # poll in between sees a second episode with the same start)
        check("tamper_gap_" + source, len(gaps) == 1 and 0 <= gaps[0]["to_ns"] - gaps[0]["from_ns"] < 10 * 10**9,
              "gaps %r" % gaps)
    check("tamper_logged", g.text().count("audit tampering:") >= 2, g.text()[-2000:])
    f = raw_files_one(d.files, {"filename": tam["after"], "op": "open"})
    check("tamper_recorded_after_repair", f is not None and f.get("write_count", 0) >= 1, "file doc %r" % f)

    def written_ok(f):
        # distinct milliseconds of the writes, in order, at most 16
        # absent: one date, first_write_ns's millisecond (docs/schema.md
        # "Fields left out")
        if "written" not in f:
            return f.get("write_count", 0) >= 1 and "first_write_ns" in f
        w = f["written"]
        return 2 <= len(w) <= min(16, f.get("write_count", 0)) and all(a < b for a, b in zip(w, w[1:]))

    def proc(pid):
        return d.pids.find_one({"pid": pid, "tgid": pid})

    p = proc(chain.pid)
    check("exec_chain_doc", p is not None, "no pids document for pid %d" % chain.pid)
    if p:
        # the newest entry is bare: the document's own args are its (#22)
        check("exec_chain_newest_bare", set((p.get("execve") or [{}])[-1]) == {"ns"},
              "newest execve entry %r" % (p.get("execve") or [{}])[-1])
        execs = sorted(raw_execs(p), key=lambda e: e["ns"])
        args = [e["args"] for e in execs]
        check("exec_chain_args", args[-3:] == [["/bin/sh", "-c", "exec /bin/sh -c 'exec /bin/echo chain-end'"],
                                               ["/bin/sh", "-c", "exec /bin/echo chain-end"],
                                               ["/bin/echo", "chain-end"]], "execve args %r" % args)
        check("exec_chain_last_args", p.get("args") == ["/bin/echo", "chain-end"], "args %r" % p.get("args"))
        check("exec_chain_parent", p.get("ppid") == os.getpid() and "parent_tgid" not in p,
              "ppid %r parent_tgid %r" % (p.get("ppid"), p.get("parent_tgid")))
        check("exec_chain_exit", p.get("exit_code") == 0 and "exit_ns" in p, "exit %r" % p.get("exit_code"))
        check("exec_chain_id", p["_id"].endswith(":%d:%d" % (chain.pid, p["start_ticks"])), p["_id"])
    p = proc(ex3.pid)
    check("exit_code_3", p is not None and p.get("exit_code") == 3 and "exit_signal" not in p, "doc %r" % p)
    p = proc(killed.pid)
    check("killed_by_sigkill", p is not None and p.get("exit_signal") == 9 and "exit_code" not in p, "doc %r" % p)

    p = proc(mt.pid)
    threads = list(d.pids.find({"tgid": mt.pid, "thread": True}))
    check("mt_threads", p is not None and len(threads) == 4, "process %r, %d threads" % (p is not None, len(threads)))
    check("mt_thread_parent", all(t.get("parent_tgid", t.get("ppid")) == os.getpid() for t in threads),
          "thread parents %r" % [(t.get("ppid"), t.get("parent_tgid")) for t in threads])
    files = {f["filename"]: f for f in raw_files(d.files, {"tgid": mt.pid, "op": "open"})}
    for i in range(4):
        f = files.get(os.path.join(work, "t%d.txt" % i))
        check("mt_file_%d" % i, f is not None and f.get("write_count") == 10 and "closed_by" not in f
              and f.get("write_bytes", 0) > 0 and written_ok(f), "file doc %r" % f)

    daemon = raw_files_one(d.files, {"filename": daemon_file})
    check("double_fork_file", daemon is not None, "no file doc for %s" % daemon_file)
    if daemon:
        dp = d.pids.find_one({"_id": daemon["proc_id"]})
        chain_ids = []
        cur = dp
        while cur is not None and len(chain_ids) < 10:
            chain_ids.append(cur.get("tgid"))
            cur = d.pids.find_one({"_id": cur.get("parent_id")}) if cur.get("parent_id") else None
        check("double_fork_lineage", dbl.pid in chain_ids,
              "fork-time ancestry %r does not reach %d" % (chain_ids, dbl.pid))

    # an unlink or rename right after a close joins the closed file's
    # document (then_*); otherwise it is a document of its own
    ops_docs = list(raw_files(d.files, {"op": {"$in": ["rename", "unlink"]}, "filename": {"$regex": "^" + work}}))
    for f in raw_files(d.files, {"then_op": {"$in": ["rename", "unlink"]}, "filename": {"$regex": "^" + work}}):
        ops_docs.append({"op": f["then_op"], "filename": f["filename"], "new_filename": f.get("new_filename"),
                         "pid": f.get("then_pid", f.get("pid")), "proc_id": f.get("then_proc_id", f.get("proc_id")),
                         "ns": f.get("then_ns")})
    # a rename / unlink joins the closed file's document only when its own
    # names carry no marks (docs/schema.md): one godo could not confirm
    # (here the short-lived processes are gone when godo looks) keeps them
    # in a document of its own
    alone = list(raw_files(d.files, {"op": {"$in": ["rename", "unlink"]}, "filename": {"$regex": "^" + work}}))
    joined = list(raw_files(d.files, {"then_op": {"$in": ["rename", "unlink"]}, "filename": {"$regex": "^" + work}}))
    marks = ("raw_path", "path_unverified", "cwd_unknown", "new_raw_path", "new_path_unverified")
    check("ops_join_rule", len(alone) + len(joined) == 2 and all(any(k in o for k in marks) for o in alone),
          "alone %r joined %r" % (alone, joined))
    ren = [o for o in ops_docs if o["op"] == "rename"]
    unl = [o for o in ops_docs if o["op"] == "unlink"]
    check("rename_doc", len(ren) == 1 and ren[0]["filename"] == os.path.join(work, "one.txt")
          and ren[0]["new_filename"] == os.path.join(work, "two.txt"), "renames %r" % ren)
    check("unlink_doc", len(unl) == 1 and unl[0]["filename"] == os.path.join(work, "two.txt"), "unlinks %r" % unl)
    created = raw_files_one(d.files, {"filename": os.path.join(work, "one.txt"), "op": "open"})
    check("create_doc", created is not None and "close_ns" in created and "closed_by" not in created,
          "open doc %r" % created)
    docs = {x["_id"]: x for x in d.pids.find({"pid": late.pid, "tgid": late.pid})}
    ferret = "ferretdbVersion" in client().admin.command("buildInfo")
    final = [x for x in docs.values() if "final_of" in x]
    if ferret:
        first = [x for x in docs.values() if "final_of" not in x]
        check("late_first_doc", len(first) == 1 and "exit_code" not in first[0],
              "first documents %r" % first)
        check("late_final_doc", len(final) == 1 and first and final[0]["final_of"] == first[0]["_id"]
              and final[0]["_id"] == first[0]["_id"] + ":final" and final[0].get("exit_code") == 4
              and final[0].get("args") == ["/bin/sh", "-c", "exit 4"] and final[0].get("execve_count") == 2,
              "final documents %r" % final)
    else:
        check("late_updated", len(docs) == 1 and not final and list(docs.values())[0].get("exit_code") == 4,
              "documents %r" % docs)
    # secondary indexes: on MongoDB; not on FerretDB, whose SQLite handler
    # would maintain them on every insert and use them for no query
    names = sorted(i["name"] for i in d.pids.list_indexes())
    ferret = "ferretdbVersion" in client().admin.command("buildInfo")
    check("store_indexes", names == (["_id_"] if ferret else ["_id_", "host_tgid"]),
          "pids indexes %r (FerretDB: %s)" % (names, ferret))
    client().drop_database(db)
    proctitle_kept(before)
    finish()


main()
