"""Tamper evidence (issue 21): godo chains what it writes; filter -verify
finds every change made to the store afterwards. Two runs of godo (the
first SIGKILLed) into one database, then an attacker's edits, one at a
time, each undone before the next: each must fail verification naming the
collection and id, and the undone database must verify again. The
canonical form is also computed here, in Python, from docs/schema.md: a
third party can verify without godo."""
import copy
import calendar
import datetime
import hashlib
import os
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from godotest import (Godo, check, client, fresh_db, finish, audit_state, hold_audit_lock,  # noqa: E402
                      restore_audit, wait_for, wrap, FILTER, URI, VG_KILLED)
import bson  # noqa: E402

STORE = URI.split("://", 1)[1].rstrip("/")


# ---- the canonical form (docs/schema.md, "Chain"), independently ----

def canon_value(v):
    if isinstance(v, bool):
        return b"b" + bytes([1 if v else 0])
    if isinstance(v, int):
        return b"i" + struct.pack(">q", v)
    if isinstance(v, float):
        return b"f" + struct.pack(">d", v)
    if isinstance(v, str):
        b = v.encode("utf-8")
        return b"s" + struct.pack(">I", len(b)) + b
    if isinstance(v, bson.binary.Binary):
        return b"x" + bytes([v.subtype]) + struct.pack(">I", len(v)) + bytes(v)
    if isinstance(v, bytes):
        return b"x" + b"\x00" + struct.pack(">I", len(v)) + v
    if v is None:
        return b"n"
    if isinstance(v, datetime.datetime):
        ms = calendar.timegm(v.utctimetuple()) * 1000 + v.microsecond // 1000
        return b"t" + struct.pack(">q", ms)
    if isinstance(v, bson.objectid.ObjectId):
        return b"O" + v.binary
    if isinstance(v, dict):
        return canon_doc(v, top=False)
    if isinstance(v, list):
        return b"a" + struct.pack(">I", len(v)) + b"".join(canon_value(x) for x in v)
    raise ValueError("type %r not in the canonical form" % type(v))


def canon_doc(d, top=True):
    keys = sorted((k for k in d if not (top and k == "dg")), key=lambda k: k.encode("utf-8"))
    out = b"o" + struct.pack(">I", len(keys))
    for k in keys:
        kb = k.encode("utf-8")
        out += struct.pack(">I", len(kb)) + kb + canon_value(d[k])
    return out


def digest(d):
    return hashlib.sha256(canon_doc(d)).digest()


def entries(link):
    """A link's entries as dicts {c, i, d}: the packed `ents` (docs/schema.md:
    clen, coll, 2-byte big-endian ilen, id, 32-byte digest, repeated) or an
    older database's `entries` array."""
    if "ents" not in link:
        return link["entries"]
    b, o, out = bytes(link["ents"]), 0, []
    while o < len(b):
        clen = b[o]
        c = b[o + 1:o + 1 + clen].decode()
        ilen = struct.unpack(">H", b[o + 1 + clen:o + 3 + clen])[0]
        i = b[o + 3 + clen:o + 3 + clen + ilen].decode()
        dg = b[o + 3 + clen + ilen:o + 35 + clen + ilen]
        if clen == 0 or ilen == 0 or len(dg) != 32:
            raise ValueError("malformed entries at byte %d" % o)
        out.append({"c": c, "i": i, "d": dg})
        o += 35 + clen + ilen
    return out


# ---- helpers ----

def verify(db, *args):
    p = subprocess.run(wrap([FILTER, "-mongo=" + STORE, "-db=" + db, "-verify"] + list(args)),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    return p.returncode, p.stdout.decode(errors="replace") + p.stderr.decode(errors="replace")


def report(db, fmt="text"):
    """filter's report (-format); its record line is on top."""
    p = subprocess.run(wrap([FILTER, "-mongo=" + STORE, "-db=" + db, "-format=" + fmt]),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    return p.returncode, p.stdout.decode(errors="replace")


def workload(work, tag):
    for i in range(3):
        subprocess.run(["/bin/sh", "-c", "echo %s-%d > f%d && mv f%d g%d && rm g%d" % (tag, i, i, i, i, i)], cwd=work)
    # one process, two files in one flush: a grouped files document
    subprocess.run(["/bin/sh", "-c", "echo %s > h1; echo %s > h2" % (tag, tag)], cwd=work)
    subprocess.run(["/bin/echo", "chain-" + tag], stdout=subprocess.DEVNULL)


def read_head(state):
    with open(os.path.join(state, "chain.head")) as f:
        return f.read().strip()


def expect_fail(name, db, what, undo, *args):
    """Verification fails naming what, then passes once undo ran."""
    rc, out = verify(db, *args)
    check(name, rc == 1 and what in out, "rc %d, want %r in:\n%s" % (rc, what, out[-3000:]))
    undo()
    rc, out = verify(db, *args)
    check(name + "_undone", rc == 0 and "intact" in out, "rc %d:\n%s" % (rc, out[-3000:]))


def record(db, state, extra=()):
    work = tempfile.mkdtemp(prefix="godo-chain-")
    # the first run records the Docker scope only (no dockerd here): after
    # its start documents nothing is written, so the SIGKILL cannot fall
    # between a flush's documents and their link
    g = Godo(db, "-state-dir=" + state, *extra).start()
    time.sleep(6)  # the head is saved every 5 s
    g.sigkill()  # no clean stop: the head it saved is all the next run has
    g = Godo(db, "-all", "-state-dir=" + state, *extra).start()
    workload(work, "two")
    rc = g.stop(settle=1.5)
    return rc, g.text()


def tamper_cases(db, d, state):
    head = read_head(state)
    p = d.pids.find_one({"args": ["/bin/echo", "chain-two"]})
    check("chain_pid_found", p is not None, "no pids document for /bin/echo chain-two")
    if p is None:
        return
    pid_id = p["_id"]
    d.pids.update_one({"_id": pid_id}, {"$set": {"args": ["/bin/echo", "innocent"]}})
    rc, out = report(db)
    check("chain_report_says_failed", rc == 0 and "\nrecord FAILED: " in out, "rc %d: %s" % (rc, out[:1500]))
    rc, out = report(db, "json")
    check("chain_report_json_failed", rc == 0 and '"record":"FAILED"' in out, out[:1500])
    # the page draws its record line from the same provenance (test_html
    # checks the drawn line of an intact record)
    rc, out = report(db, "html")
    check("chain_report_html_failed", rc == 0 and '"record":"FAILED"' in out, "rc %d: %s" % (rc, out[:300]))
    expect_fail("chain_changed_arg", db, "changed: pids " + pid_id,
                lambda: d.pids.update_one({"_id": pid_id}, {"$set": {"args": p["args"]}}))

    # a grouped files document (docs/schema.md) is chained as written
    f = d.files.find_one({"docs": {"$exists": True}})
    check("chain_grouped_files", f is not None and len(f["docs"]) >= 2, "no grouped files document")
    f = f or d.files.find_one({})
    d.files.delete_one({"_id": f["_id"]})
    expect_fail("chain_deleted_file", db, "deleted: files " + f["_id"], lambda: d.files.insert_one(f))
    if "docs" in f:  # one member of a group changed: the group does not verify
        g2 = copy.deepcopy(f)
        g2["docs"][0]["filename"] = "/innocent"
        d.files.replace_one({"_id": f["_id"]}, g2)
        expect_fail("chain_changed_group_member", db, "changed: files " + f["_id"],
                    lambda: d.files.replace_one({"_id": f["_id"]}, f))

    forged = dict(p)
    forged["_id"] = "forged:1"
    forged["args"] = ["/bin/evil"]
    d.pids.insert_one(forged)
    expect_fail("chain_forged_process", db, "added outside a chain: pids forged:1",
                lambda: d.pids.delete_one({"_id": "forged:1"}))

    # reordering by someone who recomputes digests (no key): links 1 and 2
    # of the second run swap places
    run = head.split()[0].split("=", 1)[1]
    l1 = d.chain.find_one({"run": run, "seq": 1})
    l2 = d.chain.find_one({"run": run, "seq": 2})
    if l1 is None or l2 is None:
        check("chain_reorder", False, "run %s has fewer than 3 links" % run)
    else:
        def swapped(a, b):
            x = dict(b)
            x["_id"], x["seq"] = a["_id"], a["seq"]
            x["dg"] = bson.binary.Binary(digest(x))
            return x
        d.chain.replace_one({"_id": l1["_id"]}, swapped(l1, l2))
        d.chain.replace_one({"_id": l2["_id"]}, swapped(l2, l1))
        expect_fail("chain_reordered", db, "link out of order",
                    lambda: (d.chain.replace_one({"_id": l1["_id"]}, l1), d.chain.replace_one({"_id": l2["_id"]}, l2)))

    # the newest link dropped with what only it covers: consistent without
    # the head; the logged head shows it
    last = d.chain.find_one({"run": run}, sort=[("seq", -1)])
    times = {}
    for link in d.chain.find():
        for e in entries(link):
            times[(e["c"], e["i"])] = times.get((e["c"], e["i"]), 0) + 1
    only = [(e["c"], d[e["c"]].find_one({"_id": e["i"]})) for e in entries(last) if times[(e["c"], e["i"])] == 1]
    d.chain.delete_one({"_id": last["_id"]})
    for c, doc in only:
        if doc is not None:
            d[c].delete_one({"_id": doc["_id"]})

    def restore():
        d.chain.insert_one(last)
        for c, doc in only:
            if doc is not None:
                d[c].insert_one(doc)
    expect_fail("chain_newest_dropped", db, "newest links", restore, "-chain-head=" + head)


def iso(ns):
    """RFC 3339 UTC with milliseconds, as -since/-until take it and as
    -verify prints a document's times."""
    t = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ns % 10**9 // 10**6)


def two_phases():
    """One godo run, a workload, a pause, a second workload (issue 21:
    -verify over a window). (godo's exit, db, the pause's middle and the
    end, ns)"""
    db = fresh_db("chainwin")
    state = tempfile.mkdtemp(prefix="godo-chain-state-")
    work = tempfile.mkdtemp(prefix="godo-chain-")
    g = Godo(db, "-all", "-state-dir=" + state).start()
    workload(work, "one")
    time.sleep(4)  # the first phase's tasks are written (1 s after exit)
    mid = time.time_ns()
    time.sleep(1)
    workload(work, "two")
    rc = g.stop(settle=1.5)
    return rc, db, mid, time.time_ns()


def window_cases(before):
    """-since/-until around the second phase: intact; a change in the first
    phase only: the window verifies, the whole record does not; a change
    in the second: the window fails naming collection, id and times;
    the last link before the window deleted: it fails."""
    try:
        rc, db, mid, end = two_phases()
    finally:
        restore_audit(before)
    check("chain_window_godo_exit", rc == 0, "godo exited %d" % rc)
    d = client()[db]
    win = ("-since=" + iso(mid), "-until=" + iso(end))
    rc, out = verify(db, *win)
    check("chain_window_intact", rc == 0 and "intact: window " + iso(mid) in out and "only the window" in out,
          "rc %d:\n%s" % (rc, out[-3000:]))
    one = d.pids.find_one({"args": ["/bin/echo", "chain-one"]})
    two = d.pids.find_one({"args": ["/bin/echo", "chain-two"]})
    check("chain_window_docs_found", one is not None and two is not None and one.get("exit_ns", mid) < mid,
          "phase one %r, phase two %r" % (one, two))
    if one is None or two is None:
        return
    d.pids.update_one({"_id": one["_id"]}, {"$set": {"args": ["/bin/echo", "innocent"]}})
    rc_w, out_w = verify(db, *win)
    rc_a, out_a = verify(db)
    check("chain_window_tamper_before_not_in_window", rc_w == 0 and "intact" in out_w,
          "rc %d:\n%s" % (rc_w, out_w[-3000:]))
    check("chain_window_tamper_before_whole_fails", rc_a == 1 and "changed: pids " + one["_id"] in out_a,
          "rc %d:\n%s" % (rc_a, out_a[-3000:]))
    d.pids.update_one({"_id": one["_id"]}, {"$set": {"args": one["args"]}})
    d.pids.update_one({"_id": two["_id"]}, {"$set": {"args": ["/bin/echo", "innocent"]}})
    rc, out = verify(db, *win)
    # the document's own times: its earliest (start, exec) to its latest
    times = [v for k, v in two.items() if k == "ns" or k.endswith("_ns")]
    times += [e["ns"] for e in two.get("execve", []) if "ns" in e]
    span = "%s .. %s" % (iso(min(times)), iso(max(times)))
    said = "changed: pids %s [%s]" % (two["_id"], span)
    check("chain_window_tamper_inside_fails", rc == 1 and said in out and "changed: pids 1 (%s)" % span in out,
          "rc %d, want %r:\n%s" % (rc, said, out[-3000:]))
    rc, out = report(db, "json")
    check("chain_window_report_ranges", rc == 0 and '"record_failures":[{"kind":"changed","collection":"pids"' in out,
          "rc %d: %s" % (rc, out[:1500]))
    rc, out = report(db)
    check("chain_window_report_text_ranges", rc == 0 and "\n  changed pids: 1 document, " in out,
          "rc %d: %s" % (rc, out[:1500]))
    d.pids.update_one({"_id": two["_id"]}, {"$set": {"args": two["args"]}})
    last = d.chain.find_one({"to_ns": {"$lt": mid}}, sort=[("seq", -1)])
    if last is None:
        check("chain_window_link_before", False, "no link before the window")
        return
    d.chain.delete_one({"_id": last["_id"]})
    rc, out = verify(db, *win)
    check("chain_window_link_before_deleted", rc == 1 and "links %d..%d missing" % (last["seq"], last["seq"]) in out,
          "rc %d:\n%s" % (rc, out[-3000:]))
    d.chain.insert_one(last)
    rc, out = verify(db, "-since=" + iso(end + 3600 * 10**9))
    check("chain_window_without_link", rc == 1 and "no chain link in the window" in out, "rc %d:\n%s" % (rc, out[-3000:]))


def killed_mid_flush():
    """godo killed between two bulks of a flush (GODO_TEST_KILL_MID_FLUSH:
    it SIGKILLs itself after the first collection of a flush when another
    follows; the chain's link always comes last): what it wrote is covered
    by no stored link, until the next run sends the batch its journal
    kept. (rc of the killed run's verify, its output, the second run's exit,
    its log, verify after it, its output)"""
    db = fresh_db("chainkill")
    state = tempfile.mkdtemp(prefix="godo-chain-state-")
    work = tempfile.mkdtemp(prefix="godo-chain-")
    os.environ["GODO_TEST_KILL_MID_FLUSH"] = "1"
    # the one-process journal; a writer killed under -privsep is test_privsep's
    g = Godo(db, "-all", "-no-privsep", "-state-dir=" + state)
    try:
        g.start()  # it may kill itself at its very first flush
    except RuntimeError:
        pass
    finally:
        del os.environ["GODO_TEST_KILL_MID_FLUSH"]
    if VG_KILLED:
        with open(VG_KILLED, "a") as f:
            f.write("%d\n" % g.proc.pid)
    if g.proc.poll() is None:
        workload(work, "kill")
    wait_for(lambda: g.proc.poll() is not None, 20)
    killed = g.proc.poll() == -9
    g.kill()
    rc_mid, out_mid = verify(db)
    g2 = Godo(db, "-all", "-no-privsep", "-state-dir=" + state).start()
    workload(work, "after")
    rc2 = g2.stop(settle=1.5)
    rc, out = verify(db)
    return killed, rc_mid, out_mid, rc2, g2.text(), rc, out


def main():
    hold_audit_lock()
    before = audit_state()
    db = fresh_db("chain")
    state = tempfile.mkdtemp(prefix="godo-chain-state-")
    try:
        rc, log = record(db, state)
    finally:
        restore_audit(before)
    check("chain_godo_exit", rc == 0, "godo exited %d" % rc)
    # the head is also outside the store: the journal (godo's log) holds
    # the one the state directory saved at exit
    head = read_head(state)
    check("chain_head_logged", head.startswith("run=") and ("chain head " + head) in log,
          "head %r not in the log: %s" % (head, log[-1500:]))
    d = client()[db]
    # godo's own rules, installed at each start, are CONFIG_CHANGE records
    # without an EOE: complete, not a reassembly gap
    aged = list(d.gaps.find({"source": "reasm_aged"}))
    check("chain_no_false_reasm_gap", not aged, "gaps %r" % aged)

    rc, out = verify(db)
    check("chain_intact", rc == 0 and "intact" in out, "rc %d:\n%s" % (rc, out[-3000:]))
    rc, out = report(db)
    check("chain_report_says_intact", rc == 0 and "\nrecord intact: " in out, "rc %d: %s" % (rc, out[:1500]))
    runs = sorted(d.chain.distinct("run"))
    check("chain_two_runs", len(runs) == 2, "runs %r" % runs)
    firsts = [d.chain.find_one({"run": r, "seq": 0}) for r in runs]
    named = [f for f in firsts if f is not None and f.get("prev_run")]
    check("chain_restart_names_previous_run", len(named) == 1 and named[0]["prev_run"]["run"] in runs,
          "first links %r" % [f and f.get("prev_run") for f in firsts])

    # the canonical form as docs/schema.md states it, computed here
    bad = []
    for c in ("pids", "files", "gaps", "runs", "containers", "chain"):
        for doc in d[c].find():
            if bytes(doc.get("dg", b"")) != digest(doc):
                bad.append((c, doc["_id"]))
    check("chain_third_party_digests", not bad and d.pids.count_documents({}) > 0, "mismatch %r" % bad[:5])
    # and the links' packed entries, read as docs/schema.md states them:
    # every chained document's digest is among its _id's entries
    listed = {}
    for link in d.chain.find():
        check_packed = "ents" in link and "entries" not in link
        for e in entries(link):
            listed.setdefault((e["c"], e["i"]), set()).add(bytes(e["d"]))
        if not check_packed:
            bad.append(("chain", link["_id"], "not packed"))
    for c in ("pids", "files", "gaps", "runs", "containers"):
        for doc in d[c].find():
            if bytes(doc["dg"]) not in listed.get((c, doc["_id"]), ()):
                bad.append((c, doc["_id"]))
    check("chain_third_party_entries", not bad and listed, "unlisted %r" % bad[:5])

    tamper_cases(db, d, state)

    # a host key: digests are HMACs; without the key nothing verifies
    key = os.path.join(state, "key")
    with open(key, "wb") as f:
        f.write(os.urandom(32))
    db2 = fresh_db("chainkey")
    state2 = tempfile.mkdtemp(prefix="godo-chain-state-")
    try:
        g = Godo(db2, "-all", "-state-dir=" + state2, "-chain-key=" + key).start()
        workload(tempfile.mkdtemp(prefix="godo-chain-"), "key")
        rc = g.stop(settle=1.5)
    finally:
        restore_audit(before)
    rc_k, out_k = verify(db2, "-chain-key=" + key)
    rc_n, out_n = verify(db2)
    check("chain_key_verifies", rc == 0 and rc_k == 0, "godo %d, verify %d:\n%s" % (rc, rc_k, out_k[-2000:]))
    check("chain_key_needed", rc_n == 1 and "changed" in out_n, "verify without key %d:\n%s" % (rc_n, out_n[-2000:]))
    window_cases(before)
    try:
        killed, rc_mid, out_mid, rc2, log2, rc, out = killed_mid_flush()
    finally:
        restore_audit(before)
    check("chain_killed_mid_flush", killed and rc_mid == 1 and "outside a chain" in out_mid,
          "killed %r, verify %d:\n%s" % (killed, rc_mid, out_mid[-1500:]))
    check("chain_kill_restart_verifies", rc2 == 0 and rc == 0 and "intact" in out and "journal: a batch" in log2,
          "godo %d, verify %d:\n%s\nlog: %s" % (rc2, rc, out[-1500:], log2[-1500:]))
    check("chain_audit_state_restored", audit_state() == before, "before %s after %s" % (before, audit_state()))
    finish()


if __name__ == "__main__":
    main()
