#!/usr/bin/env bash
# filter_scale.sh - the filter against the store's own floor (issue 6,
# "Filter scaling"). For each size: a raw database of N processes with
# about 5 files each (bench/gen_raw, generated once and kept in the
# store's directory), then, -reps times, interleaved:
#   floor     bench/readfloor: every document of pids, files, fds, gaps
#             read with a plain cursor and thrown away
#   save      filter -out OUT -o /dev/null   (the normal run: the cleaned
#             database written, the text tree printed)
#   json      filter -no-save -format=json -o /dev/null
#   container filter -no-save -format=json -container=ONE   (a selection)
#   window    filter -no-save -format=json -until=FIRST_10%  (a selection)
# and the direct read of the store's SQLite files (filter -store-dir=DIR,
# not through FerretDB; FerretDB's SQLite handler only):
#   dfloor    bench/readfloor -store-dir DIR (the same documents, converted)
#   djson     filter -store-dir DIR -no-save -format=json -o /dev/null
#   dtext     filter -store-dir DIR -no-save -o /dev/null (text)
# Medians of wall time and peak RSS (/usr/bin/time), then a markdown table
# on stdout; the log (one line per run) on stderr.
#
#   bench/filter_scale.sh [-sizes "10000 100000 1000000"] [-reps 3]
#       [-port 27510] [-dir /tmp/scale-store] [-filter build/release/bin/filter]
#       [-modes "floor save json container window"]   (a subset: large sizes;
#                 also dfloor djson dtext, the direct read)
#       [-stop]   (stop the store at the end)
#       [-old]    (the older document shape, gen_raw -old: one files
#                 document per file; databases raw_N_old)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
SIZES="10000 100000 1000000"
REPS=3
PORT=27510
DIR=/tmp/scale-store
FILTER=$top/filter/filter
STOP=0
MODES="floor save json container window"
OLD=0
while [ $# -gt 0 ]; do
	case "${1#-}" in
	-sizes | sizes) SIZES=$2; shift 2 ;;
	-reps | reps) REPS=$2; shift 2 ;;
	-port | port) PORT=$2; shift 2 ;;
	-dir | dir) DIR=$2; shift 2 ;;
	-filter | filter) FILTER=$2; shift 2 ;;
	-modes | modes) MODES=$2; shift 2 ;;
	-stop | stop) STOP=1; shift ;;
	-old | old) OLD=1; shift ;;
	*) echo "filter_scale: unknown argument $1" >&2; exit 2 ;;
	esac
done
PY=/usr/bin/python3
MONGO=127.0.0.1:$PORT
make -s -C "$here" gen_raw readfloor >&2
[ -x "$FILTER" ] || { echo "filter_scale: no filter at $FILTER (make)" >&2; exit 1; }
bash "$top/scripts/store.sh" start -p "$PORT" -d "$DIR" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ "$STOP" = 1 ] && bash "$top/scripts/store.sh" stop -p "$PORT" -d "$DIR" >&2 || true' EXIT

log() { echo "filter_scale: $*" >&2; }
want() { [[ " $MODES " == *" $1 "* ]]; }

# key=value from a gen_raw / readfloor line
kv() { sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }

median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print "-"; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# run NAME CMD...: wall seconds and peak RSS (KiB) appended to $tmp/NAME
run() {
	local name=$1 t
	shift
	if ! /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err"; then
		log "$name failed: $(tail -2 "$tmp/err" | tr '\n' ' ')"
		echo "fail fail" >>"$tmp/$name"
		return 0
	fi
	t=$(tail -1 "$tmp/time")
	echo "$t" >>"$tmp/$name"
	log "$name: ${t% *} s, ${t#* } KiB $(head -c 200 "$tmp/out" | grep -o 'docs=[0-9]*' || true)"
}

col() { [ -f "$tmp/$2" ] || { echo "-"; return; }; awk -v c="$1" '{print $c}' "$tmp/$2" | { grep -v fail || true; } | median; }
mib() { awk -v k="$1" 'BEGIN {if (k == "-") print "-"; else printf "%.0f", k / 1024}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b}'; }

# count of processes in a filter JSON file
nprocs() { $PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["processes"]))' "$1" 2>/dev/null || echo "-"; }

rows=()
for n in $SIZES; do
	db=raw_$n
	shape=()
	[ "$OLD" = 1 ] && { db=raw_${n}_old; shape=(-old); }
	if [ ! -s "$DIR/$db.gen" ]; then
		log "generating $db ($n processes)"
		nice -n 10 "$here/gen_raw" -mongo "$MONGO" -db "$db" -procs "$n" -drop \
			"${shape[@]}" >"$DIR/$db.gen.tmp"
		mv "$DIR/$db.gen.tmp" "$DIR/$db.gen"
	fi
	gen=$(cat "$DIR/$db.gen")
	log "$db: $gen"
	first=$(kv first_ns "$gen")
	last=$(kv last_ns "$gen")
	until=$(date -u -d "@$(( (first + (last - first) / 10) / 1000000000 ))" +%Y-%m-%dT%H:%M:%SZ)
	cid=$($PY - "$PORT" "$db" <<'EOF'
import sys, pymongo
c = pymongo.MongoClient("127.0.0.1", int(sys.argv[1]))
d = c[sys.argv[2]].pids.find_one({"docker_id": {"$exists": True}}, {"docker_id": 1})
print(d["docker_id"][:12])
EOF
)
	rm -f "$tmp"/floor "$tmp"/save "$tmp"/json "$tmp"/ct "$tmp"/win "$tmp"/*.json \
		"$tmp"/dfloor "$tmp"/djson "$tmp"/dtext
	docs=
	common=(-mongo "$MONGO" -db "$db" -max-procs 4000000)
	direct=(-store-dir "$DIR" -db "$db" -max-procs 4000000)
	for r in $(seq 1 "$REPS"); do
		log "$db round $r/$REPS"
		if want floor; then
			run floor "$here/readfloor" -mongo "$MONGO" -db "$db"
			docs=$(kv docs "$(cat "$tmp/out")")
		fi
		want save && run save "$FILTER" "${common[@]}" -out "out_$n" -o /dev/null
		want json && run json "$FILTER" "${common[@]}" -no-save -format json -o /dev/null
		want container && run ct "$FILTER" "${common[@]}" -no-save -format json \
			-container "$cid" -o "$tmp/ct.json"
		want window && run win "$FILTER" "${common[@]}" -no-save -format json \
			-until "$until" -o "$tmp/win.json"
		if want dfloor; then
			run dfloor "$here/readfloor" -store-dir "$DIR" -db "$db"
			docs=${docs:-$(kv docs "$(cat "$tmp/out")")}
		fi
		want djson && run djson "$FILTER" "${direct[@]}" -no-save -format json -o /dev/null
		want dtext && run dtext "$FILTER" "${direct[@]}" -no-save -format text -o /dev/null
	done
	fl=$(col 1 floor)
	sv=$(col 1 save)
	js=$(col 1 json)
	ct=$(col 1 ct)
	wn=$(col 1 win)
	rows+=("| $n | $(kv pids "$gen") | ${docs:-?} | $fl | $sv | $(ratio "$sv" "$fl") | $js | $(ratio "$js" "$fl") | $(mib "$(col 2 floor)") | $(mib "$(col 2 save)") | $(mib "$(col 2 json)") | $(nprocs "$tmp/ct.json") | $ct | $(mib "$(col 2 ct)") | $(nprocs "$tmp/win.json") | $wn | $(mib "$(col 2 win)") | $(col 1 dfloor) | $(col 1 djson) | $(mib "$(col 2 djson)") | $(col 1 dtext) |")
done

echo "| processes | pids docs | docs read | floor s | filter (save) s | ratio | filter (json) s | ratio | floor RSS MiB | save RSS MiB | json RSS MiB | -container: procs kept | s | RSS MiB | -until 10%: procs kept | s | RSS MiB | direct floor s | direct json s | direct json RSS MiB | direct text s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
