#!/usr/bin/env bash
# soak.sh - godo under bench/workload at full speed for a long time: does it
# lose events, and does its memory stay flat?
#
#   bench/soak.sh [-seconds 60] [-workers 2] [-every 10] [-port 27320]
#                 [-dir DIR] [-godo-args "-all"] [-wl "workload args"]
#                 [-smaps DIR] [-idle 0]
#
# godo (-all by default: the workload runs on the host) writes to a private
# local store. Every -every seconds one line: time, godo's VmRSS and the
# store's, godo's task and file table sizes and pending store operations
# (from its stats line, SIGUSR1), the kernel's lost counter and backlog. At
# the end: workload loops/s, lost Δ, connector overruns, store operations
# failed, godo's RSS first/last/max, and the RSS growth over the second half
# of the run (a leak shows as steady growth there). With privilege
# separation (the default; -godo-args "-all -no-privsep" turns it off) the
# writer (godo's grandchild: recorder -> monitor -> writer) is sampled too:
# its VmRSS in each line, its peak (VmHWM, of the last writer if it was
# restarted) and the monitor's and the proc helper's (godo-phkeeper ->
# godo-prochelp) at the end. godo's RssAnon/RssFile split
# (heap vs library pages) is in each line; -smaps DIR keeps godo's (and the
# writer's) /proc/PID/smaps at each sample there (where the memory is);
# -idle N: first N s without the workload, godo's (and the writer's,
# monitor's and proc helper's) VmRSS every 5 s (idle RSS). As root; holds /tmp/godo-audit.lock while godo
# runs; godo puts the audit state back.
# godo's log is kept in bench/results/soak-<time>.godo.log.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
SECS=60
WORKERS=2
EVERY=10
PORT=27320
DIR=/tmp/bench-soak
GODO_ARGS="-all"
WLARGS=""
SMAPS=""
IDLE=0
while [ $# -gt 0 ]; do
	case "${1#-}" in
	-seconds | seconds) SECS=$2 ;;
	-workers | workers) WORKERS=$2 ;;
	-every | every) EVERY=$2 ;;
	-port | port) PORT=$2 ;;
	-dir | dir) DIR=$2 ;;
	-godo-args | godo-args) GODO_ARGS=$2 ;;
	-wl | wl) WLARGS=$2 ;;
	-smaps | smaps) SMAPS=$2 ;;
	-idle | idle) IDLE=$2 ;;
	*) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
	shift 2
done
[ "$(id -u)" = 0 ] || { echo "soak: must run as root" >&2; exit 1; }
GODO=${GODO:-$ROOT/listener/godo}
WL=$HERE/workload
[ -x "$WL" ] || make -s -C "$HERE" workload
STORE_BIN=$(readlink -f /var/cache/godo/ferretdb-v1.24.2 2>/dev/null || true)
command -v mongod >/dev/null && STORE_BIN=$(command -v mongod)

scratch=$(mktemp -d /tmp/godo-soak.XXXXXX)
GPID=""
WPID=""
cleanup() {
	[ -n "$WPID" ] && kill "$WPID" 2>/dev/null
	[ -n "$GPID" ] && kill "$GPID" 2>/dev/null && wait "$GPID" 2>/dev/null
	"$ROOT/scripts/store.sh" stop -p "$PORT" -d "$DIR" >/dev/null 2>&1 || true
	rm -rf "$scratch" "$DIR"
}
trap cleanup EXIT

kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# godo's children: the monitor (named godo) and the proc helper's keeper
# (godo-phkeeper); their children: the writer and the proc helper server.
# Each empty when absent (-no-privsep).
child_named() { # PARENT NAME [-v: not NAME]
	local c
	for c in $(pgrep -P "$1" 2>/dev/null || true); do
		if [ "${3:-}" = -v ]; then
			[ "$(cat "/proc/$c/comm" 2>/dev/null)" != "$2" ] && echo "$c" && return 0
		else
			[ "$(cat "/proc/$c/comm" 2>/dev/null)" = "$2" ] && echo "$c" && return 0
		fi
	done
	return 0
}
monitor_pid() { child_named "$GPID" godo-phkeeper -v; }
writer_pid() {
	local m
	m=$(monitor_pid)
	[ -n "$m" ] && pgrep -P "$m" 2>/dev/null | head -1
	return 0
}
keeper_pid() { child_named "$GPID" godo-phkeeper; }
helper_pid() {
	local k
	k=$(keeper_pid)
	[ -n "$k" ] && child_named "$k" godo-prochelp
	return 0
}
kstat() { auditctl -s | awk -v k="$1" '$1 == k { print $2 }'; }
stats() { # ask godo for a stats line; print its "tasks N/..", "files N/..", "pending N"
	local n0
	n0=$(grep -c 'stats: events/s' "$scratch/godo.log" || true)
	kill -USR1 "$GPID"
	for _ in $(seq 1 20); do
		[ "$(grep -c 'stats: events/s' "$scratch/godo.log" || true)" -gt "$n0" ] && break
		sleep 0.05
	done
	grep 'stats: events/s' "$scratch/godo.log" | tail -1 |
		sed -n 's/.*pending \([0-9]*\).*failed \([0-9]*\).*tasks \([0-9]*\)\/[0-9]* files \([0-9]*\)\/.*/\3 \4 \1 \2/p'
}

rm -rf "$DIR"
"$ROOT/scripts/store.sh" start -p "$PORT" -d "$DIR" >/dev/null
SPID=$(cat "$DIR/server.pid")
exec 9>/tmp/godo-audit.lock
flock 9
# shellcheck disable=SC2086
mkdir -p "$scratch/state" # its own spool: none of another run's replayed here
"$GODO" -mongo="127.0.0.1:$PORT" -db=soak -stats=0 -exclude-exe="$STORE_BIN" \
	-state-dir="$scratch/state" \
	$GODO_ARGS 2>"$scratch/godo.log" &
GPID=$!
for _ in $(seq 1 50); do
	auditctl -s | grep -qx "pid $GPID" && break
	sleep 0.2
done
auditctl -s | grep -qx "pid $GPID" || { echo "soak: godo did not start" >&2; cat "$scratch/godo.log" >&2; exit 1; }
sleep 1
for i in $(seq 5 5 "$IDLE"); do
	sleep 5
	wp=$(writer_pid)
	mp=$(monitor_pid)
	kp=$(keeper_pid)
	hp=$(helper_pid)
	echo "idle ${i}s: godo VmRSS $(kib "$GPID" VmRSS) KiB (anon $(kib "$GPID" RssAnon), file $(kib "$GPID" RssFile))${wp:+, writer $(kib "$wp" VmRSS) KiB}${mp:+, monitor $(kib "$mp" VmRSS) KiB}${kp:+, proc helper keeper $(kib "$kp" VmRSS) KiB}${hp:+, server $(kib "$hp" VmRSS) KiB}"
done
lost0=$(kstat lost)
mkdir -p "$scratch/wl"
# shellcheck disable=SC2086
"$WL" -workers "$WORKERS" -seconds "$SECS" -dir "$scratch/wl" $WLARGS >"$scratch/wl.out" &
WPID=$!
t0=$(date +%s)
printf '| s | godo RSS KiB | anon/file KiB | writer RSS KiB | store RSS KiB | tasks | files | pending | lost Δ | backlog |\n|---|---|---|---|---|---|---|---|---|---|\n'
rss=()
wrss=()
while kill -0 "$WPID" 2>/dev/null; do
	sleep "$EVERY"
	kill -0 "$WPID" 2>/dev/null || break
	read -r tasks files pending _ <<<"$(stats)"
	r=$(kib "$GPID" VmRSS)
	rss+=("$r")
	wp=$(writer_pid)
	w=-
	[ -n "$wp" ] && w=$(kib "$wp" VmRSS) && wrss+=("$w")
	if [ -n "$SMAPS" ]; then
		mkdir -p "$SMAPS"
		cp "/proc/$GPID/smaps" "$SMAPS/godo-$(($(date +%s) - t0)).smaps" 2>/dev/null || true
		[ -n "$wp" ] && { cp "/proc/$wp/smaps" "$SMAPS/writer-$(($(date +%s) - t0)).smaps" 2>/dev/null || true; }
	fi
	printf '| %d | %s | %s/%s | %s | %s | %s | %s | %s | %d | %s |\n' "$(($(date +%s) - t0))" "$r" \
		"$(kib "$GPID" RssAnon)" "$(kib "$GPID" RssFile)" "$w" \
		"$(kib "$SPID" VmRSS)" "${tasks:-?}" "${files:-?}" "${pending:-?}" \
		"$(($(kstat lost) - lost0))" "$(kstat backlog)"
done
wait "$WPID" || true
WPID=""
sleep 3
read -r _ _ _ failed <<<"$(stats)"
overruns=$(grep 'stats: events/s' "$scratch/godo.log" | tail -1 | sed -n 's/.*conn overruns \([0-9]*\).*/\1/p')
hwm=$(kib "$GPID" VmHWM)
wp=$(writer_pid)
mp=$(monitor_pid)
whwm=""
[ -n "$wp" ] && whwm=$(kib "$wp" VmHWM)
mhwm=""
[ -n "$mp" ] && [ "$mp" != "$wp" ] && mhwm=$(kib "$mp" VmHWM)
kp=$(keeper_pid)
hp=$(helper_pid)
khwm=""
hhwm=""
[ -n "$kp" ] && khwm=$(kib "$kp" VmHWM)
[ -n "$hp" ] && hhwm=$(kib "$hp" VmHWM)
lost1=$(kstat lost)
kill "$GPID"
wait "$GPID" || true
GPID=""
flock -u 9
mkdir -p "$HERE/results"
LOGCOPY=$HERE/results/soak-$(date +%Y%m%d-%H%M%S).godo.log
cp "$scratch/godo.log" "$LOGCOPY"
n=${#rss[@]}
half=$((n / 2))
echo
echo "workload: $(cat "$scratch/wl.out")"
echo "lost Δ: $((lost1 - lost0)); connector overruns: ${overruns:-?}; store operations failed: ${failed:-?}"
echo "godo's log: $LOGCOPY (flush times: 'stats:' lines)"
grep -h 'storelink: at most' "$LOGCOPY" | tail -1 || true
if [ "$n" -gt 0 ]; then
	echo "godo RSS KiB: first sample ${rss[0]}, last ${rss[$((n - 1))]}, peak (VmHWM) $hwm;" \
		"second half: ${rss[$half]} -> ${rss[$((n - 1))]} ($(((rss[n - 1] - rss[half]))) KiB)"
fi
wn=${#wrss[@]}
if [ -n "$whwm" ] && [ "$wn" -gt 0 ]; then
	echo "writer RSS KiB: first sample ${wrss[0]}, last ${wrss[$((wn - 1))]}, peak (VmHWM) $whwm;" \
		"monitor peak (VmHWM) ${mhwm:-?}"
fi
if [ -n "$khwm" ] || [ -n "$hhwm" ]; then
	echo "proc helper peak (VmHWM) KiB: keeper ${khwm:-?}, server ${hhwm:-?}"
fi
