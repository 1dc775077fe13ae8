#!/usr/bin/python3
"""test_filter_direct.py - filter -store-dir (the raw database read straight
from FerretDB's SQLite files, filter/rawsql.h) against the filter over the
wire, on the suite's own store (filled over the wire):

- every case of test_filter.py, each filter run made a second time with
  -store-dir: exit status and output (JSON, text) the same, but for the
  provenance's store and generation time;
- a generated database (bench/gen_raw): every document converted byte for
  byte as FerretDB sends it; JSON and text, -host, -container, -until and
  -verify the same both ways;
- rows made malformed in the store's file: each named on stderr, listed
  among the unreadable documents (exit 3), the rest of the report intact.

Skipped (one PASS ..._skipped line) when the store is not FerretDB's SQLite
handler. Env: as test_filter.py, plus GODO_STORE_DIR (tests/run.sh).
"""
import json
import os
import re
import sqlite3
import subprocess
import sys
import traceback

import pymongo
from bson.raw_bson import RawBSONDocument

import test_filter as tf

STORE_DIR = os.environ.get("GODO_STORE_DIR",
                           os.path.join(tf.TOP, "build/test-store"))
compared = 0


def sqlite_store():
    try:
        with open(os.path.join(STORE_DIR, "handler")) as f:
            return f.read().strip() == "sqlite"
    except OSError:
        return False


def run_direct(db, args, fmt, save=False):
    """-store-dir; save: -out as test_filter's run_filter (over the wire)"""
    out = ["-mongo=" + tf.URI, "-out=" + db + "_out"] if save else [
        "-no-save"]
    cmd = tf.WRAP + [tf.FILTER, "-store-dir=" + STORE_DIR, "-db=" + db,
                     "-format=" + fmt] + out + list(args)
    return subprocess.run(cmd, capture_output=True, timeout=120 * tf.SLOW)


def run_wire(db, args, fmt):
    cmd = tf.WRAP + [tf.FILTER, "-mongo=" + tf.URI, "-db=" + db,
                     "-no-save", "-format=" + fmt] + list(args)
    return subprocess.run(cmd, capture_output=True, timeout=600 * tf.SLOW)


def normal_json(j):
    """without what names the store and the time of the run (a window
    relative to now included)"""
    p = j["provenance"]
    for k in ("store", "generated"):
        p.pop(k, None)
    for k, src in (("from", "from_source"), ("to", "to_source")):
        if p.get(src) != "data":
            p.pop(k, None)
    j.pop("since", None)
    j.pop("until", None)
    return j


def normal(out, fmt):
    if fmt == "json":
        return normal_json(json.loads(out))
    t = out.decode("utf-8", "replace")
    t = re.sub(r"store \S+", "store S", t)
    t = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z \.\.", "T ..", t)
    return re.sub(r"generated \S+", "generated G", t)


def same(wire_rc, wire_out, direct, fmt, what):
    global compared
    tf.eq(direct.returncode, wire_rc, "%s: exit status (stderr %r)" % (
        what, direct.stderr[-400:]))
    if wire_out is None:
        return
    a, b = normal(wire_out, fmt), normal(direct.stdout, fmt)
    if a != b:
        raise AssertionError("%s: outputs differ\nwire:   %s\ndirect: %s" % (
            what, json.dumps(a)[:1500] if fmt == "json" else a[:1500],
            json.dumps(b)[:1500] if fmt == "json" else b[:1500]))
    compared += 1


orig_run_filter = tf.run_filter


def run_filter_both(db, *args, fmt="json", expect_ok=True):
    """test_filter's run_filter, then the same run with -store-dir"""
    r = orig_run_filter(db, *args, fmt=fmt, expect_ok=expect_ok)
    to_file = any(a in ("-o", "--o", "-output", "--output") or
                  a.startswith(("-o=", "--o=", "-output=", "--output="))
                  for a in args)
    if fmt not in ("json", "text") or to_file:
        return r
    d = run_direct(db.name, args, fmt, save=True)
    if expect_ok:
        # r is parsed (json) or decoded (text): compare those forms
        tf.eq(d.returncode, 0, "direct exit status (%r)" % d.stderr[-400:])
        if fmt == "json":
            a = normal_json(json.loads(json.dumps(r)))
            b = normal(d.stdout, "json")
            if a != b:
                raise AssertionError("direct JSON differs:\nwire:   %s\n"
                                     "direct: %s" % (json.dumps(a)[:1500],
                                                     json.dumps(b)[:1500]))
        else:
            tf.eq(normal(d.stdout, "text"), normal(r.encode(), "text"),
                  "direct text")
        global compared
        compared += 1
    else:
        same(r.returncode, r.stdout if r.returncode in (0, 3) else None, d,
             fmt, "direct run")
    return r


def case_generated():
    """bench/gen_raw's database, every way the filter reads it"""
    subprocess.run(["make", "-s", "-C", os.path.join(tf.TOP, "bench"),
                    "gen_raw"], check=True, capture_output=True)
    db = tf.fresh_db("gen")
    procs = 300 if tf.WRAP else 3000  # under valgrind: fewer
    g = subprocess.run([os.path.join(tf.TOP, "bench/gen_raw"), "-mongo",
                        tf.URI, "-db", db.name, "-procs", str(procs), "-drop"],
                       capture_output=True, timeout=300)
    tf.eq(g.returncode, 0, "gen_raw: %r" % g.stderr[-300:])
    first = int(re.search(rb"first_ns=(\d+)", g.stdout).group(1))
    last = int(re.search(rb"last_ns=(\d+)", g.stdout).group(1))
    cid = db.pids.find_one({"docker_id": {"$exists": True}})["docker_id"]
    until = tf.rfc(first + (last - first) // 10)
    runs = [([], "json"), ([], "text"), (["-host=bench-host"], "json"),
            (["-container=" + cid[:12]], "json"), (["-until=" + until], "json"),
            (["-max-procs=10"], "text")]
    for args, fmt in runs:
        w = run_wire(db.name, args, fmt)
        d = run_direct(db.name, args, fmt)
        same(w.returncode, w.stdout, d, fmt, "%s %s" % (" ".join(args), fmt))
    w = run_wire(db.name, ["-verify"], "json")
    d = run_direct(db.name, ["-verify"], "json")
    tf.eq(d.returncode, w.returncode, "-verify exit status")
    tf.eq(d.stdout, w.stdout, "-verify output")
    same_bson(db)
    out = json.loads(run_direct(db.name, [], "json").stdout)
    tf.check(len(out["processes"]) >= procs, "processes read: %d" %
             len(out["processes"]))


def case_lean_shape():
    """the fields godo leaves out (docs/schema.md "Fields left out"): the
    same generated activity written lean (gen_raw's default, as godo
    writes) and whole (-old) reads as the same report, both ways; only
    the count of stored documents differs"""
    subprocess.run(["make", "-s", "-C", os.path.join(tf.TOP, "bench"),
                    "gen_raw"], check=True, capture_output=True)
    procs = 200 if tf.WRAP else 1500
    outs = {}
    for shape, extra in (("lean", []), ("old", ["-old"])):
        db = tf.fresh_db("shape" + shape)
        g = subprocess.run([os.path.join(tf.TOP, "bench/gen_raw"), "-mongo",
                            tf.URI, "-db", db.name, "-procs", str(procs),
                            "-drop"] + extra, capture_output=True,
                           timeout=300)
        tf.eq(g.returncode, 0, "gen_raw %s: %r" % (shape, g.stderr[-300:]))
        execs = [p["execve"][-1] for p in db.pids.find({}) if p.get("execve")]
        bare = sum(1 for e in execs if "args" not in e)
        tf.check(execs and (bare == len(execs) if shape == "lean" else bare == 0),
                 "%s: %d of %d newest execve entries bare" % (shape, bare, len(execs)))
        for way, run in (("wire", run_wire), ("direct", run_direct)):
            r = run(db.name, [], "json")
            tf.eq(r.returncode, 0, "%s %s: %r" % (shape, way, r.stderr[-300:]))
            j = normal_json(json.loads(r.stdout))
            for k in ("database", "record_documents", "record_problems"):
                j["provenance"].pop(k, None)
            outs[shape, way] = j
    for way in ("wire", "direct"):
        a, b = outs["lean", way], outs["old", way]
        tf.check(a == b, "%s: lean and whole shapes read differently: %s" % (
            way, [k for k in a if a.get(k) != b.get(k)]))
    tf.check(len(outs["lean", "wire"]["processes"]) >= procs,
             "processes read: %d" % len(outs["lean", "wire"]["processes"]))


def same_bson(db):
    """every document, as the direct read converts it (bench/readfloor
    -dump), byte for byte the one FerretDB sends: -verify's digests are
    over these bytes"""
    subprocess.run(["make", "-s", "-C", os.path.join(tf.TOP, "bench"),
                    "readfloor"], check=True, capture_output=True)
    raw = pymongo.MongoClient(tf.URI, document_class=RawBSONDocument)
    for coll in ("pids", "files", "fds", "gaps", "runs", "containers"):
        d = subprocess.run([os.path.join(tf.TOP, "bench/readfloor"),
                            "-store-dir", STORE_DIR, "-db", db.name,
                            "-dump", coll], capture_output=True, timeout=300)
        tf.eq(d.returncode, 0, "readfloor -dump %s: %r" % (coll, d.stderr))
        wire = b"".join(x.raw for x in raw[db.name][coll].find({}))
        tf.check(d.stdout == wire, "%s: %d bytes direct, %d over the wire, "
                 "not the same" % (coll, len(d.stdout), len(wire)))
    raw.close()


def table_of(con, coll):
    return con.execute("SELECT table_name FROM _ferretdb_collections "
                       "WHERE name = ?", (coll,)).fetchone()[0]


def case_malformed_rows():
    """rows the store's own decoder would refuse, written into its file"""
    db = tf.fresh_db("badrows")
    p, b = tf.activity_fixture(db)
    same_bson(db)  # test_filter's fixture documents, byte for byte
    before = json.loads(run_direct(db.name, [], "json").stdout)
    path = os.path.join(STORE_DIR, "data", db.name + ".sqlite")
    con = sqlite3.connect(path, timeout=30)
    t = table_of(con, "pids")
    # valid JSON (SQLite checks it: FerretDB indexes _id by a JSON path)
    # that FerretDB's decoder refuses
    bad = ['{"$s":{"p":{"_id":{"t":"string"},"pid":{"t":"int"}},'
           '"$k":["_id","pid"]},"_id":"b1","pid":99999999999}',
           '{"$s":{"p":{"_id":{"t":"string"},"pid":{"t":"decimal"}},'
           '"$k":["_id","pid"]},"_id":"b2","pid":1}',
           '{"$s":{"p":{"_id":{"t":"string"}},"$k":["_id","pid"]},'
           '"_id":"b3"}',
           '{"$s":{"p":{"_id":{"t":"string"}},"$k":["_id"]},"_id":"b4",'
           '"x":' + "[" * 150 + "]" * 150 + "}",
           '{"$s":{"p":{"_id":{"t":"objectId"}},"$k":["_id"]},'
           '"_id":"0123456789abcdef0123456z"}']
    rowids = []
    for row in bad:
        cur = con.execute('INSERT INTO "%s" (_ferretdb_sjson) VALUES (?)' % t,
                          (row,))
        rowids.append(cur.lastrowid)
    con.commit()
    con.close()
    d = run_direct(db.name, [], "json")
    tf.eq(d.returncode, 3, "exit status (%r)" % d.stderr[-600:])
    err = d.stderr.decode()
    # named by each reader: the report's and the record check's
    for r in rowids:
        tf.check("collection pids, row %d:" % r in err, "row %d named: %s" %
                 (r, err))
    tf.check("out of range" in err and "unknown type" in err and
             "nested deeper" in err and "bad objectId" in err,
             "the reasons named: " + err)
    out = json.loads(d.stdout)
    tf.eq(out["unreadable_count"], len(bad), "unreadable_count")
    tf.eq(sorted(out["unreadable"]),
          sorted("pids row %d" % r for r in rowids), "unreadable listed")
    tf.eq(out["processes"], before["processes"], "the rest of the report")
    t = run_direct(db.name, [], "text")
    tf.eq(t.returncode, 3, "text exit status")
    tf.check("unreadable: pids row %d" % rowids[0] in t.stdout.decode(),
             "listed in text")


def main():
    if not sqlite_store():
        print("PASS filter_direct_skipped (the store at %s is not "
              "FerretDB's SQLite handler)" % STORE_DIR)
        return 0
    tf.run_filter = run_filter_both
    cases = [(n, fn) for n, fn in tf.CASES] + [
        ("generated", case_generated), ("lean_shape", case_lean_shape),
        ("malformed_rows", case_malformed_rows)]
    failed = 0
    only = sys.argv[1:]
    for name, fn in cases:
        if only and name not in only:
            continue
        try:
            fn()
            print("PASS filter_direct_%s" % name)
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("FAIL filter_direct_%s: %s" % (
                name, str(e).replace("\n", " | ")[:2000]))
            if os.environ.get("GODO_TEST_VERBOSE"):
                traceback.print_exc()
        sys.stdout.flush()
    print("# %d runs compared" % compared)
    for n in tf.dbs:
        tf.client.drop_database(n)
        tf.client.drop_database(n + "_out")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
