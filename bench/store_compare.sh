#!/usr/bin/env bash
# store_compare.sh - FerretDB's SQLite handler against its PostgreSQL handler
# (issue 22, "the embedded store, chosen by numbers"), both started by
# scripts/store.sh (GODO_STORE_HANDLER=sqlite|postgresql) on 127.0.0.1 only.
#
# For each size N, -rounds times, for each handler in turn (interleaved:
# A B A B), on a fresh store (its directory removed first):
#   write   bench/gen_raw -procs N: a raw godo database of N processes with
#           their files, inserted as godo's documents in unordered bulks.
#           The store's CPU (utime+stime from /proc: FerretDB, plus for
#           PostgreSQL the postmaster with its reaped children and every
#           live backend) over the run, per 1000 documents inserted
#           (pids + files + fds)
#   _id     -lookups documents of pids spread evenly over the collection:
#           median wall ms of find_one({_id}) and of
#           update_one({_id}, {$set: {bench_mark: i}}) (pymongo)
#   read    bench/readfloor (a plain cursor over pids, files, fds, gaps):
#           documents per second
#   json    filter -no-save -format=json -o /dev/null: wall seconds
# then stops the store and removes its directory. Sizes in -id-sizes get
# the write and _id steps only, on a database of processes without files
# (gen_raw -files 0: about 1.13 N pids documents), to reach 1M documents in
# pids in minutes. Medians over the rounds
# go to a markdown table on stdout; one log line per measurement on stderr.
#
# Every measured step runs under `flock /tmp/godo-suite.lock` (the test
# suites take the same lock, so they never overlap a measurement) and under
# `timeout -run-timeout`; no new block starts after -max-seconds. The store
# is stopped on every exit.
#
#   bench/store_compare.sh [-sizes "10000 100000"] [-rounds 2]
#       [-handlers "sqlite postgresql"] [-port 27630] [-dir /tmp/store-compare]
#       [-id-sizes 1000000] [-lookups 20] [-filter filter/filter] [-run-timeout 1800]
#       [-max-seconds 5400] [-lock /tmp/godo-suite.lock]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
SIZES="10000 100000"
ROUNDS=2
HANDLERS="sqlite postgresql"
PORT=27630
DIR=/tmp/store-compare
ID_SIZES=
LOOKUPS=20
FILTER=$top/filter/filter
RUN_TIMEOUT=1800
MAX_SECONDS=5400
LOCK=/tmp/godo-suite.lock
while [ $# -gt 0 ]; do
	case "${1#-}" in
	-sizes | sizes) SIZES=$2; shift 2 ;;
	-rounds | rounds) ROUNDS=$2; shift 2 ;;
	-handlers | handlers) HANDLERS=$2; shift 2 ;;
	-port | port) PORT=$2; shift 2 ;;
	-dir | dir) DIR=$2; shift 2 ;;
	-id-sizes | id-sizes) ID_SIZES=$2; shift 2 ;;
	-lookups | lookups) LOOKUPS=$2; shift 2 ;;
	-filter | filter) FILTER=$2; shift 2 ;;
	-run-timeout | run-timeout) RUN_TIMEOUT=$2; shift 2 ;;
	-max-seconds | max-seconds) MAX_SECONDS=$2; shift 2 ;;
	-lock | lock) LOCK=$2; shift 2 ;;
	*) echo "store_compare: unknown argument $1" >&2; exit 2 ;;
	esac
done
PY=/usr/bin/python3
MONGO=127.0.0.1:$PORT
make -s -C "$here" gen_raw readfloor >&2
[ -x "$FILTER" ] || { echo "store_compare: no filter at $FILTER (make)" >&2; exit 1; }
mkdir -p "$DIR"
tmp=$(mktemp -d)
sdir=
sh_store() { GODO_STORE_HANDLER=$1 bash "$top/scripts/store.sh" "$2" -p "$PORT" -d "$3" >&2; }
cleanup() {
	if [ -n "$sdir" ]; then
		sh_store sqlite stop "$sdir" || true
		rm -rf "$sdir"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

log() { echo "store_compare: $*" >&2; }
kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
# locked CMD...: one measured step, never beside a test suite, bounded
locked() { flock "$LOCK" timeout "$RUN_TIMEOUT" "$@"; }

# CPU seconds used so far by the store in directory $1
cat >"$tmp/cpu.py" <<'PY'
import os, sys
d = sys.argv[1]
def fields(pid):
    s = open("/proc/%s/stat" % pid).read()
    return s[s.rindex(")") + 2:].split()  # fields[0] is field 3 (state)
ticks = 0
f = fields(open(d + "/server.pid").read().split()[0])
ticks += int(f[11]) + int(f[12])  # utime, stime
ferret = ticks
pm = d + "/pg/postmaster.pid"
if os.path.exists(pm):
    pp = open(pm).readline().strip()
    f = fields(pp)
    ticks += sum(int(x) for x in f[11:15])  # + cutime, cstime: exited backends
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            f = fields(p)
        except OSError:
            continue
        if f[1] == pp:
            ticks += int(f[11]) + int(f[12])
hz = os.sysconf("SC_CLK_TCK")
print("%.2f %.2f" % (ticks / hz, ferret / hz))  # the store, FerretDB alone
PY
store_cpu() { $PY "$tmp/cpu.py" "$1"; }

# median ms of LOOKUPS _id lookups and updates on pids of database DB:
# idcost.py PORT DB LOOKUPS
cat >"$tmp/idcost.py" <<'PY'
import statistics, sys, time, pymongo
port, db, k = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
col = pymongo.MongoClient("127.0.0.1", port)[db].pids
ids = [d["_id"] for d in col.find({}, {"_id": 1})]
n = len(ids)
pick = [ids[(i * n) // k + n // (2 * k)] for i in range(k)]
lk, up = [], []
for i, x in enumerate(pick):
    t = time.perf_counter()
    d = col.find_one({"_id": x})
    lk.append(time.perf_counter() - t)
    assert d is not None, x
    t = time.perf_counter()
    r = col.update_one({"_id": x}, {"$set": {"bench_mark": i}})
    up.append(time.perf_counter() - t)
    assert r.matched_count == 1, x
print("lookup_ms=%.2f update_ms=%.2f pids=%d" % (
    statistics.median(lk) * 1000, statistics.median(up) * 1000, n))
PY

start=$SECONDS
runs=()
for n in $SIZES; do runs+=("full:$n"); done
for n in $ID_SIZES; do runs+=("id:$n"); done
for run in "${runs[@]}"; do
	mode=${run%%:*}
	n=${run#*:}
	for r in $(seq 1 "$ROUNDS"); do
		for h in $HANDLERS; do
			if [ $((SECONDS - start)) -ge "$MAX_SECONDS" ]; then
				log "past -max-seconds $MAX_SECONDS: $h $n round $r skipped"
				continue
			fi
			key=$h-$n
			db=raw_$n
			files=()
			if [ "$mode" = id ]; then
				key=$h-${n}p
				db=pids_$n
				files=(-files 0)
			fi
			sdir=$DIR/$h
			sh_store "$h" stop "$sdir" || true
			rm -rf "$sdir"
			log "$key round $r/$ROUNDS: fresh store"
			sh_store "$h" start "$sdir"
			c0=$(store_cpu "$sdir")
			if ! locked "$here/gen_raw" -mongo "$MONGO" -db "$db" -procs "$n" "${files[@]}" >"$tmp/gen"; then
				log "$key: gen_raw failed or timed out"
				sh_store "$h" stop "$sdir" || true
				continue
			fi
			c1=$(store_cpu "$sdir")
			gen=$(cat "$tmp/gen")
			docs=$(($(kv pids "$gen") + $(kv files "$gen") + $(kv fds "$gen")))
			cpu=$(awk -v a="${c0% *}" -v b="${c1% *}" -v d="$docs" 'BEGIN {printf "%.3f", (b - a) * 1000 / d}')
			echo "$cpu" >>"$tmp/$key.cpu"
			echo "$(kv seconds "$gen")" >>"$tmp/$key.gen"
			log "$key write: $docs docs in $(kv seconds "$gen") s, store CPU $(awk -v a="${c0% *}" -v b="${c1% *}" 'BEGIN {print b - a}') s (FerretDB $(awk -v a="${c0#* }" -v b="${c1#* }" 'BEGIN {print b - a}') s): $cpu s per 1000 docs"

			if out=$(locked "$PY" "$tmp/idcost.py" "$PORT" "$db" "$LOOKUPS"); then
				kv lookup_ms "$out" >>"$tmp/$key.lookup"
				kv update_ms "$out" >>"$tmp/$key.update"
				log "$key _id: $out"
			else
				log "$key _id: failed or timed out"
			fi

			if [ "$mode" = id ]; then
				sh_store "$h" stop "$sdir"
				rm -rf "$sdir"
				sdir=
				continue
			fi

			if locked "$here/readfloor" -mongo "$MONGO" -db "$db" >"$tmp/floor"; then
				fl=$(cat "$tmp/floor")
				awk -v d="$(kv docs "$fl")" -v s="$(kv seconds "$fl")" 'BEGIN {printf "%.0f\n", d / s}' >>"$tmp/$key.read"
				log "$key read: $fl"
			else
				log "$key read: failed or timed out"
			fi

			if locked /usr/bin/time -f "%e %M" -o "$tmp/time" "$FILTER" -mongo "$MONGO" -db "$db" \
				-max-procs 4000000 -no-save -format json -o /dev/null 2>"$tmp/err"; then
				t=$(tail -1 "$tmp/time")
				echo "${t% *}" >>"$tmp/$key.json"
				log "$key json: ${t% *} s, ${t#* } KiB peak RSS"
			else
				log "$key json: failed or timed out: $(tail -2 "$tmp/err" | tr '\n' ' ')"
			fi
			log "$key store size: $(du -sh "$sdir" | cut -f1)"
			sh_store "$h" stop "$sdir"
			rm -rf "$sdir"
			sdir=
		done
	done
done

col() { if [ -f "$tmp/$1" ]; then median <"$tmp/$1"; else echo "-"; fi; }
echo "| handler | processes | rounds | store CPU s / 1000 docs | gen_raw wall s | _id lookup ms | _id update ms | read docs/s | filter json s |"
echo "|---|---|---|---|---|---|---|---|---|"
for run in "${runs[@]}"; do
	n=${run#*:}
	for h in $HANDLERS; do
		key=$h-$n
		label=$n
		if [ "${run%%:*}" = id ]; then
			key=$h-${n}p
			label="$n (no files)"
		fi
		k=0
		[ ! -f "$tmp/$key.cpu" ] || k=$(wc -l <"$tmp/$key.cpu")
		echo "| $h | $label | $k | $(col "$key.cpu") | $(col "$key.gen") | $(col "$key.lookup") | $(col "$key.update") | $(col "$key.read") | $(col "$key.json") |"
	done
done
