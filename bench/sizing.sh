#!/usr/bin/env bash
# sizing.sh - how many bytes godo stores per process and per written file,
# measured: runs bench/workload at a fixed rate under godo -all writing to a
# private local store, then reads what was stored.
#
#   bench/sizing.sh [-seconds 30] [-rate 200] [-port 27310] [-dir DIR]
#
# Prints, per kind of document (the workload's processes, its files, all
# documents): count, mean BSON size, and the store's bytes on disk per
# document (FerretDB: the SQLite files; mongod: storageSize + indexes), then
# bytes a day for 1 process/s and 1 file/s, and for the workload's rate.
# As root; holds /tmp/godo-audit.lock while godo runs (godo puts the audit
# state back when it stops).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
SECS=30
RATE=200
PORT=27310
DIR=/tmp/bench-sizing
while [ $# -gt 0 ]; do
	case "${1#-}" in
	-seconds | seconds) SECS=$2; shift 2 ;;
	-rate | rate) RATE=$2; shift 2 ;;
	-port | port) PORT=$2; shift 2 ;;
	-dir | dir) DIR=$2; shift 2 ;;
	*) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "sizing: must run as root" >&2; exit 1; }
GODO=${GODO:-$ROOT/listener/godo}
WL=$HERE/workload
[ -x "$WL" ] || make -s -C "$HERE" workload
STORE_BIN=$(readlink -f /var/cache/godo/ferretdb-v1.24.2 2>/dev/null || true)
command -v mongod >/dev/null && STORE_BIN=$(command -v mongod)

scratch=$(mktemp -d /tmp/godo-sizing.XXXXXX)
GPID=""
cleanup() {
	[ -n "$GPID" ] && kill "$GPID" 2>/dev/null && wait "$GPID" 2>/dev/null
	"$ROOT/scripts/store.sh" stop -p "$PORT" -d "$DIR" >/dev/null 2>&1 || true
	rm -rf "$scratch" "$DIR"
}
trap cleanup EXIT

rm -rf "$DIR"
"$ROOT/scripts/store.sh" start -p "$PORT" -d "$DIR" >/dev/null
exec 9>/tmp/godo-audit.lock
flock 9
"$GODO" -mongo="127.0.0.1:$PORT" -db=sizing -all -stats=0 \
	-exclude-exe="$STORE_BIN" -state-dir="$scratch" 2>"$scratch/godo.log" &
GPID=$!
for _ in $(seq 1 50); do
	auditctl -s | grep -qx "pid $GPID" && break
	sleep 0.2
done
auditctl -s | grep -qx "pid $GPID" || { echo "sizing: godo did not start" >&2; cat "$scratch/godo.log" >&2; exit 1; }
mkdir -p "$scratch/wl"
wl=$("$WL" -workers 2 -seconds "$SECS" -rate "$RATE" -dir "$scratch/wl")
sleep 3 # task documents are written a second after the exit
kill "$GPID"
wait "$GPID" || true
GPID=""
flock -u 9
sync

ROOT=$ROOT /usr/bin/python3 - "$PORT" "$DIR" "$scratch/wl" "$wl" "$SECS" <<'PY'
import os, sys, bson, pymongo
port, sdir, wdir, wl, secs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
db = pymongo.MongoClient("127.0.0.1", int(port))["sizing"]
loops = int(wl.split("loops=")[1].split()[0])
kinds = {"workload processes": [], "workload files": [], "all pids": [], "all files": [], "all": []}
wl_pids = set()
for d in db.files.find():
    n = len(bson.encode(d))
    kinds["all files"].append(n)
    kinds["all"].append(n)
    if str(d.get("filename", "")).startswith(wdir):
        kinds["workload files"].append(n)
        wl_pids.add(d.get("proc_id"))
for d in db.pids.find():
    n = len(bson.encode(d))
    kinds["all pids"].append(n)
    kinds["all"].append(n)
    if d.get("comm") == "true" and d.get("args") == ["/bin/true"]:
        kinds["workload processes"].append(n)
for c in db.list_collection_names():
    if c not in ("pids", "files"):
        for d in db[c].find():
            kinds["all"].append(len(bson.encode(d)))
ndocs = len(kinds["all"])
# the store's files after a clean stop (FerretDB checkpoints SQLite's
# write-ahead log into the database file then)
import subprocess
subprocess.run([os.path.join(os.environ["ROOT"], "scripts/store.sh"), "stop", "-p", port, "-d", sdir],
               check=True, stdout=subprocess.DEVNULL)
disk = 0
for root, _, files in os.walk(os.path.join(sdir, "data")):
    disk += sum(os.path.getsize(os.path.join(root, f)) for f in files)
per_doc_disk = disk / ndocs if ndocs else 0
print("workload: " + wl)
print("store on disk after a clean stop: %d bytes for %d documents (%.0f bytes/document, indexes included)"
      % (disk, ndocs, per_doc_disk))
print()
print("| documents | count | mean BSON bytes | on disk, bytes (estimate) |")
print("|---|---|---|---|")
mean = {}
for k, v in kinds.items():
    mean[k] = sum(v) / len(v) if v else 0
    ratio = per_doc_disk / (sum(kinds["all"]) / ndocs) if ndocs else 0
    print("| %s | %d | %.0f | %.0f |" % (k, len(v), mean[k], mean[k] * ratio))
ratio = per_doc_disk / (sum(kinds["all"]) / ndocs) if ndocs else 0
p_day = mean["workload processes"] * ratio * 86400
f_day = mean["workload files"] * ratio * 86400
rate = loops / secs
print()
print("per day, on disk: 1 process/s = %.1f MiB, 1 written file/s = %.1f MiB; "
      "this workload (%.0f loops/s: 1 process + 1 file each) = %.2f GiB"
      % (p_day / 2**20, f_day / 2**20, rate, (p_day + f_day) * rate / 2**30))
PY
