"""godo -replay (issue 20) on the auditd log fixtures, end to end through
the real store: tests/data/auditlog/enriched.log (auditd 3.0.9, format
ENRICHED, godo's rules, no EOE records on disk) and variants.log (node=
prefixes, 0x1d enrichment, interleaved serials, a DAEMON_ line, CRLF,
garbage lines, a last line cut short), the latter gzipped through standard
input, and node-raw.log (auditd 3.0.9 as other distributions set it up:
log_format RAW, name_format USER, name web-02 - every line node=web-02 -
with godo's rules, recorded on this kind of host while a shell wrote,
renamed and removed a file and ran a child that exited 3). Every line counted as parsed or refused, refusals named by line,
exit 0; lineage from clone records, args from EXECVE, exits from
exit_group, the host from node=, processes that started before the log
marked (source replay_before) and counted in a gap; the replays chained: the
same log replayed twice into one database still verifies. In the ASan and
valgrind suites godo runs under them here. No root, no kernel audit."""
import gzip
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from godotest import GODO, FILTER, SLOW, URI, check, client, finish, fresh_db, raw_files, wrap  # noqa: E402

STORE = URI.split("://", 1)[1].rstrip("/")
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "auditlog")


def replay(db, *files, stdin=None):
    """godo -replay of files (or '-' with stdin bytes): (rc, log)."""
    cmd = wrap([GODO, "-mongo=" + STORE, "-db=" + db] + ["-replay=" + f for f in files])
    p = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120 * SLOW)
    return p.returncode, p.stdout.decode(errors="replace")


def verify(db):
    p = subprocess.run(wrap([FILTER, "-mongo=" + STORE, "-db=" + db, "-verify"]),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120 * SLOW)
    return p.returncode, p.stdout.decode(errors="replace")


def by_args(d, args):
    return [p for p in d.pids.find({"args": args})]


def enriched(db):
    rc, log = replay(db, os.path.join(DATA, "enriched.log"))
    check("replay_enriched_exit_0", rc == 0, log[-1500:])
    check("replay_enriched_every_line", "283 lines, 283 records, 0 refused, 0 cut" in log, log[-1500:])
    d = client()[db]
    true = by_args(d, ["/bin/true", "a", "b c", 'd"e', "x\ty"])
    check("replay_hex_args_decoded", len(true) == 1 and true[0].get("exit_code") == 0,
          "pids %r" % [p.get("args") for p in d.pids.find()])
    mv = by_args(d, ["mv", "/tmp/srccap.txt", "/tmp/srccap2.txt"])
    sh = [p for p in d.pids.find({"args.0": "sh"})]
    check("replay_lineage_from_clone", len(mv) == 1 and len(sh) == 1 and mv[0].get("parent_id") == sh[0]["_id"]
          and mv[0].get("source") == "fork" and mv[0].get("exit_code") == 0,
          "mv %r sh %r" % (mv, [p["_id"] for p in sh]))
    before = [p for p in d.pids.find({"source": "replay_before"})]
    gaps = list(d.gaps.find({"source": "replay_started_before"}))
    # the script's shell and its parent ran before the log; mv, cat and
    # rm (vforked: the parent's record after the child's exec) did not
    check("replay_started_before_marked", sorted(p["pid"] for p in before) == [18542, 18544]
          and len(gaps) == 1 and gaps[0]["count"] == len(before)
          and sh and sh[0].get("parent_id") in [p["_id"] for p in before],
          "marked %r gaps %r" % ([(p["pid"], p.get("start_ns")) for p in before], gaps))
    files = raw_files(d.files, {"filename": "/tmp/srccap.txt"})
    check("replay_file_written", any(f.get("write_count") == 1 for f in files), "files %r" % files)
    hosts = d.pids.distinct("host")
    check("replay_host_without_node", hosts == ["replay"], "hosts %r" % hosts)


def variants(db):
    with open(os.path.join(DATA, "variants.log"), "rb") as f:
        gz = gzip.compress(f.read())
    rc, log = replay(db, "-", stdin=gz)
    check("replay_variants_exit_0", rc == 0, log[-1500:])
    check("replay_variants_counted", "17 lines, 11 records, 4 refused, 1 cut" in log, log[-1500:])
    named = all("-: line %d: not an audit record: refused" % n in log for n in (13, 14, 15, 16))
    check("replay_refusals_by_line", named and "4 of 17 lines refused (lines 13 to 16)" in log, log[-1500:])
    check("replay_cut_line_not_an_error", "the last line (18) has no newline" in log, log[-1500:])
    d = client()[db]
    sh = d.pids.find_one({"pid": 200})
    child = d.pids.find_one({"pid": 201})
    check("replay_node_is_host", sh is not None and sh.get("host") == "web-01" and
          sh.get("args") == ["sh", "-c", 'echo "a b"\n'], "pid 200 %r" % sh)
    check("replay_fork_exit", child is not None and child.get("source") == "fork"
          and child.get("exit_code") == 0 and child.get("start_ns") == 1700000000101000000,
          "pid 201 %r" % child)


def node_raw(db):
    rc, log = replay(db, os.path.join(DATA, "node-raw.log"))
    check("replay_node_raw_exit_0", rc == 0, log[-1500:])
    check("replay_node_raw_every_line", "732 lines, 732 records, 0 refused, 0 cut" in log, log[-1500:])
    d = client()[db]
    hosts = d.pids.distinct("host")
    check("replay_node_raw_host", hosts == ["web-02"], "hosts %r" % hosts)
    want = {17311: (["mv", "/tmp/nodefx.txt", "/tmp/nodefx2.txt"], 0), 17312: (["rm", "/tmp/nodefx2.txt"], 0),
            17313: (["sh", "-c", "exit 3"], 3), 17314: (["/bin/true", "a b", "c"], 0)}
    got = {p["pid"]: p for p in d.pids.find({"pid": {"$in": list(want)}})}
    sh = d.pids.find_one({"pid": 17310})
    check("replay_node_raw_processes", sh is not None and all(
        pid in got and got[pid].get("args") == a and got[pid].get("exit_code") == e
        and got[pid].get("parent_id") == sh["_id"] for pid, (a, e) in want.items()),
        "sh %r got %r" % (sh and sh["_id"], {k: (v.get("args"), v.get("exit_code"), v.get("parent_id"))
                                             for k, v in got.items()}))
    # offline no path can be confirmed: every name is marked, and a marked
    # rename keeps a document of its own (not joined to the file's)
    docs = [f for f in raw_files(d.files, {}) if "nodefx" in (f.get("filename") or "")]
    ops = {(f.get("op"), f.get("filename"), f.get("then_op")) for f in docs}
    check("replay_node_raw_files", ops == {("open", "/tmp/nodefx.txt", None), ("rename", "/tmp/nodefx.txt", None),
                                           ("unlink", "/tmp/nodefx2.txt", None)}
          and all(f.get("path_unverified") for f in docs), "files %r" % docs)


def serial_of(line):
    """The serial of an audit line's msg=audit(T:SERIAL), or None."""
    i = line.find(b"msg=audit(")
    j = line.find(b"):", i)
    if i < 0 or j < 0:
        return None
    return line[i:j].rsplit(b":", 1)[-1]


def args_lost(db, tmp):
    """node-raw.log with the EXECVE and PROCTITLE records of pid 17314's
    exec taken out (as if the kernel or reassembly had lost them): its
    document says the args are unknown (args_source none), not empty (the
    filter shows it: test_render_args_not_recorded); its neighbours keep
    theirs."""
    lines = open(os.path.join(DATA, "node-raw.log"), "rb").read().splitlines(keepends=True)
    execs = {serial_of(l) for l in lines if b" type=SYSCALL " in l and b" syscall=59 " in l and b" pid=17314 " in l}
    kept = [l for l in lines if not (serial_of(l) in execs and (b" type=EXECVE " in l or b" type=PROCTITLE " in l))]
    path = os.path.join(tmp, "args-lost.log")
    with open(path, "wb") as f:
        f.writelines(kept)
    rc, log = replay(db, path)
    d = client()[db]
    lost = d.pids.find_one({"pid": 17314})
    rm = d.pids.find_one({"pid": 17312})
    check("replay_args_lost_marked", rc == 0 and len(execs) == 1 and len(lines) - len(kept) >= 2
          and lost is not None and lost.get("args_source") == "none" and not lost.get("args")
          and rm is not None and rm.get("args") == ["rm", "/tmp/nodefx2.txt"] and "args_source" not in rm,
          "rc %d, %d lines out, 17314 %r, 17312 %r: %s" % (rc, len(lines) - len(kept), lost, rm, log[-800:]))


def main():
    db = fresh_db("replay")
    enriched(db)
    rc, out = verify(db)
    check("replay_chain_intact", rc == 0 and "intact" in out, out[-1500:])
    db4 = fresh_db("replay_args")
    with tempfile.TemporaryDirectory() as tmp:
        args_lost(db4, tmp)
    db3 = fresh_db("replay_node")
    node_raw(db3)
    rc, out = verify(db3)
    check("replay_node_raw_verifies", rc == 0 and "intact" in out, out[-1500:])
    db2 = fresh_db("replay_var")
    variants(db2)
    # the same log again, and another one, into one database: three runs
    # of their own, still verifying
    rc1, log1 = replay(db2, os.path.join(DATA, "variants.log"))
    rc2, log2 = replay(db2, os.path.join(DATA, "enriched.log"))
    rc, out = verify(db2)
    runs = client()[db2].chain.distinct("run")
    check("replay_again_verifies", rc1 == 0 and rc2 == 0 and rc == 0 and "intact" in out and len(runs) == 3,
          "rc %d %d, runs %r: %s" % (rc1, rc2, runs, out[-1500:]))
    rc, log = replay(db2, os.path.join(DATA, "no-such.log"))
    check("replay_missing_file_fails", rc == 1 and "no-such.log" in log, "rc %d: %s" % (rc, log[-500:]))
    for x in (db, db2, db3, db4):
        client().drop_database(x)
    finish()


if __name__ == "__main__":
    main()
