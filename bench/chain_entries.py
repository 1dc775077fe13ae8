#!/usr/bin/python3
"""chain_entries.py - what a chain link's entries cost the store, in the two
forms godo has written them: an array of {c, i, d} documents (before
2026-12-01) and packed into one binary value (common/chainent.h).

    /usr/bin/python3 bench/chain_entries.py [-port 27119] [-links 100] [-rounds 2]

Inserts -links links of 512 entries (ids shaped like godo's, random
digests) in each form, one form after the other per round, into a scratch
database of the store on 127.0.0.1:PORT (dropped at the end), and prints
the store process's CPU (utime + stime from /proc, found by its listening
port) per link and per entry. Debian's pymongo (/usr/bin/python3)."""
import os
import subprocess
import sys
import time

import bson
import pymongo

ENTRIES = 512


def store_pid(port):
    out = subprocess.check_output(["ss", "-ltnpH", "sport = :%d" % port], text=True)
    i = out.find("pid=")
    if i < 0:
        sys.exit("chain_entries: nothing listens on port %d" % port)
    return int(out[i + 4:].split(",", 1)[0])


def cpu(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def ids(k):
    return ["0123456789abcdef0123456789abcdef:%d:17960732%05d" % (k, j) for j in range(ENTRIES)]


def as_array(k):
    return {"_id": "run:%d" % k, "host": "h", "run": "run", "seq": k, "n": ENTRIES,
            "entries": [{"c": "pids", "i": i, "d": bson.Binary(os.urandom(32))} for i in ids(k)],
            "dg": bson.Binary(os.urandom(32))}


def packed(k):
    b = b"".join(b"\x04pids" + len(i).to_bytes(2, "big") + i.encode() + os.urandom(32) for i in ids(k))
    return {"_id": "run:%d" % k, "host": "h", "run": "run", "seq": k, "n": ENTRIES,
            "ents": bson.Binary(b), "dg": bson.Binary(os.urandom(32))}


def main():
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    port, links, rounds = int(args.get("-port", 27119)), int(args.get("-links", 100)), int(args.get("-rounds", 2))
    pid = store_pid(port)
    c = pymongo.MongoClient("127.0.0.1", port)
    db = c["bench_chain_entries"]
    print("| round | form | store CPU ms / link | store CPU µs / entry | wall s |")
    print("|---|---|---|---|---|")
    for r in range(1, rounds + 1):
        for name, make in (("array", as_array), ("packed", packed)):
            db.drop_collection("chain")
            docs = [make(k) for k in range(links)]
            c0, t0 = cpu(pid), time.time()
            for d in docs:
                db.chain.insert_one(d)
            used = cpu(pid) - c0
            print("| %d | %s | %.2f | %.2f | %.1f |" % (r, name, used * 1000 / links,
                                                         used * 1e6 / links / ENTRIES, time.time() - t0))
    c.drop_database("bench_chain_entries")


if __name__ == "__main__":
    main()
