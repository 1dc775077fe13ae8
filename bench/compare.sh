#!/usr/bin/env bash
# compare.sh - run bench/workload under each recorder, one after another,
# in interleaved rounds, and print a markdown table of medians.
#
#   bench/compare.sh [-rounds 3] [-seconds 8] [-workers 2]
#                    [-goaudit PATH] [-libaudit PATH] [-godo PATH]
#                    [-godo-args "-all -stats=0"] [-wait 600]
#                    [-only none,auditd,...] [-wl "extra workload args"]
#                    [-out DIR] [-peer-proctitle drop|keep]
#
# Recorders, in this order in every round:
#   none        audit disabled, no rules (the baseline of each round)
#   auditd      auditd -n with Debian's auditd.conf, logging to a file,
#               no plugins (laurel off)
#   laurel      auditd + laurel (Debian package), laurel writing JSON lines
#   go-audit    slackhq/go-audit, JSON lines to a file; binary from -goaudit
#               or $GOAUDIT, the row is skipped without one
#   go-libaudit go-libaudit v2 cmd/audit, raw records to a file; binary from
#               -libaudit or $GOLIBAUDIT, skipped without one
#   godo        listener/godo -mongo=127.0.0.1:27300 -db=bench with the
#               local store (scripts/store.sh); skipped with a note when it
#               does not register as the audit daemon
#
# Every recorder gets the same rules: `godo -rules` when that prints
# auditctl lines, else the 7 lines of /work/shared/docs/peers.md; which one
# is recorded in the output.  godo, as the audit daemon, also has the kernel
# drop PROCTITLE records (`-a never,exclude -F msgtype=PROCTITLE`, unless
# -proctitle is among its args): the peers get that rule too, so every
# recorder receives the same records ("-peer-proctitle keep" leaves it out
# for them).  Kernel: backlog 8192, wait 60000, failure 1.
#
# Audit state is shared with others on the machine: each recorder run holds
# flock /tmp/godo-audit.lock and releases it between runs.  After each run
# (and on Ctrl-C) the recorder is stopped, rules keyed "godo" are deleted,
# and enabled, backlog_limit, backlog_wait_time and failure are put back.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
ROUNDS=3
SECONDS_RUN=8
WORKERS=2
GOAUDIT=${GOAUDIT:-}
GOLIBAUDIT=${GOLIBAUDIT:-}
GODO=${GODO:-$ROOT/listener/godo}
ONLY="none,auditd,laurel,go-audit,go-libaudit,godo"
WLARGS=""
OUTDIR=$HERE/results
LOCK=/tmp/godo-audit.lock
KEY=godo
STORE_PORT=27300
STORE_DIR=/tmp/bench-store
DRAIN_TIMEOUT=15
AUDIT_WAIT=600
GODO_ARGS="-all -stats=0"
PEER_PROCTITLE=""
EXCL_RULE="-a never,exclude -F msgtype=PROCTITLE"
CMDLINE="$*"

usage() {
	sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}

while [ $# -gt 0 ]; do
	a=$1
	v=""
	case "$a" in
	--*=* | -*=*) v=${a#*=}; a=${a%%=*} ;;
	esac
	a=${a#-}
	a=-${a#-}
	case "$a" in
	-h | -help) usage 0 ;;
	esac
	if [ -z "$v" ]; then
		[ $# -ge 2 ] || { echo "compare: $a needs a value" >&2; usage; }
		v=$2
		shift
	fi
	shift
	case "$a" in
	-rounds) ROUNDS=$v ;;
	-seconds) SECONDS_RUN=$v ;;
	-workers) WORKERS=$v ;;
	-goaudit) GOAUDIT=$v ;;
	-libaudit) GOLIBAUDIT=$v ;;
	-godo) GODO=$v ;;
	-godo-args) GODO_ARGS=$v ;;
	-wait) AUDIT_WAIT=$v ;;
	-only) ONLY=$v ;;
	-wl) WLARGS=$v ;;
	-out) OUTDIR=$v ;;
	-peer-proctitle) PEER_PROCTITLE=$v ;;
	*) echo "compare: unknown argument $a" >&2; usage ;;
	esac
done

# The peers get godo's exclude rule unless godo keeps PROCTITLE too.
if [ -z "$PEER_PROCTITLE" ]; then
	case " $GODO_ARGS " in
	*" -proctitle "* | *" --proctitle "*) PEER_PROCTITLE=keep ;;
	*) PEER_PROCTITLE=drop ;;
	esac
fi
case "$PEER_PROCTITLE" in
drop) PEER_EXCL=$EXCL_RULE ;;
keep) PEER_EXCL="" ;;
*) echo "compare: -peer-proctitle takes drop or keep" >&2; usage ;;
esac

[ "$(id -u)" = 0 ] || { echo "compare: must run as root" >&2; exit 1; }
for t in auditctl auditd flock python3; do
	command -v "$t" >/dev/null || { echo "compare: $t not found" >&2; exit 1; }
done
WL=$HERE/workload
if [ ! -x "$WL" ] || [ "$HERE/workload.c" -nt "$WL" ]; then
	make -s -C "$HERE" workload || exit 1
fi

STAMP=$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUTDIR"
TSV=$OUTDIR/compare-$STAMP.tsv
MD=$OUTDIR/compare-$STAMP.md
LOG=$OUTDIR/compare-$STAMP.log
T=$(mktemp -d /tmp/godo-bench.XXXXXX)
chmod 755 "$T"
mkdir -p "$T/scratch"

log() { echo "compare: $*" | tee -a "$LOG" >&2; }

# ---------------------------------------------------------------- state --

HAVE_LOCK=0
REC_PIDS=""		# main pids of the recorder under test (we started them)
GODO_LOG=""
STORE_STARTED=0
WL_PID=""
SAVED=""		# "enabled backlog_limit backlog_wait_time failure"

status_field() {	# status_field NAME: one field of `auditctl -s`
	auditctl -s 2>/dev/null | awk -v k="$1" '$1 == k { print $2; exit }'
}

lock_take() {
	exec 9>>"$LOCK"
	if ! flock -n 9; then
		log "waiting for $LOCK"
		flock 9
	fi
	HAVE_LOCK=1
}

lock_release() {
	[ "$HAVE_LOCK" = 1 ] || return 0
	flock -u 9
	exec 9>&-
	HAVE_LOCK=0
}

state_save() {
	SAVED="$(status_field enabled) $(status_field backlog_limit)"
	SAVED="$SAVED $(status_field backlog_wait_time) $(status_field failure)"
}

state_restore() {
	local e b w f
	[ -n "$SAVED" ] || return 0
	read -r e b w f <<<"$SAVED"
	auditctl -e 0 >/dev/null 2>&1
	rules_delete
	auditctl -b "$b" --backlog_wait_time "$w" -f "$f" >/dev/null 2>&1
	[ "$e" = 0 ] || auditctl -e "$e" >/dev/null 2>&1
	SAVED=""
}

kernel_set() {
	auditctl -b 8192 --backlog_wait_time 60000 -f 1 >/dev/null
}

# Delete rules with our key, and the peers' exclude rule (exactly that
# line: godo's own carries a pid!= and is godo's to remove); only ever
# called while holding the lock.
rules_delete() {
	[ "$HAVE_LOCK" = 1 ] || return 0
	if auditctl -l 2>/dev/null | grep -q -- "key=$KEY\|-k $KEY"; then
		auditctl -D -k "$KEY" >/dev/null 2>&1
	fi
	if auditctl -l 2>/dev/null | grep -qx -- "$EXCL_RULE"; then
		# shellcheck disable=SC2086
		auditctl ${EXCL_RULE/-a /-d } >/dev/null 2>&1
	fi
}

# Is nobody (alive) registered as the audit daemon?
audit_free() {
	local p
	p=$(status_field pid)
	[ -z "$p" ] || [ "$p" = 0 ] || ! kill -0 "$p" 2>/dev/null
}

# Take the lock with nobody registered as the audit daemon.  Someone else's
# daemon may run without the lock: wait for it without holding the lock.
audit_wait() {
	local i p
	for ((i = 0; i <= AUDIT_WAIT; i += 2)); do
		lock_take
		audit_free && return 0
		lock_release
		p=$(status_field pid)
		[ "$i" = 0 ] && log "waiting up to ${AUDIT_WAIT}s for audit pid $p ($(ps -o args= -p "$p" | cut -c1-80)) to go"
		sleep 2
	done
	return 1
}

stop_pids() {		# stop_pids TIMEOUT_S PID...: TERM, wait, KILL
	local to=$1 p i
	shift
	for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
	for ((i = 0; i < to * 10; i++)); do
		local alive=0
		for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ "$alive" = 0 ] && break
		sleep 0.1
	done
	for p in "$@"; do kill -KILL "$p" 2>/dev/null; done
	for p in "$@"; do wait "$p" 2>/dev/null; done
	return 0
}

recorder_stop() {
	local kids
	if [ -n "$REC_PIDS" ]; then
		# Children (laurel under auditd) are stopped by their parent;
		# anything left after that is ours to end.
		kids=$(tree_pids $REC_PIDS)
		# shellcheck disable=SC2086
		stop_pids 10 $REC_PIDS
		for p in $kids; do kill -0 "$p" 2>/dev/null && stop_pids 3 "$p"; done
	fi
	REC_PIDS=""
	if [ "$STORE_STARTED" = 1 ]; then
		"$ROOT/scripts/store.sh" stop -p "$STORE_PORT" -d "$STORE_DIR" \
		    >/dev/null 2>&1
		STORE_STARTED=0
	fi
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$WL_PID" ]; then
		kill -TERM "$WL_PID" 2>/dev/null
		wait "$WL_PID" 2>/dev/null
	fi
	recorder_stop
	if [ "$HAVE_LOCK" = 1 ]; then
		state_restore
		lock_release
	fi
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted (SIGINT)"; exit 130' INT
trap 'log "interrupted (SIGTERM)"; exit 143' TERM

# -------------------------------------------------------------- measure --

tree_pids() {		# tree_pids PID...: those pids and all descendants
	ps -e -o pid=,ppid= | awk -v roots="$*" '
		BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) in_[r[i]] = 1 }
		{ par[$1] = $2; pids[++m] = $1 }
		END {
			do {
				ch = 0
				for (i = 1; i <= m; i++)
					if (!(pids[i] in in_) && (par[pids[i]] in in_)) { in_[pids[i]] = 1; ch = 1 }
			} while (ch)
			for (p in in_) if (p != "") print p
		}'
}

# Print "pid ticks" (utime + stime, clock ticks) for each live pid.
cpu_ticks() {
	local p line rest
	for p in "$@"; do
		read -r line 2>/dev/null <"/proc/$p/stat" || continue
		rest=${line##*) }
		# shellcheck disable=SC2086
		set -- $rest
		echo "$p $((${12} + ${13}))"
	done
}

hwm_kib() {		# sum of VmHWM over pids
	local p s=0 v
	for p in "$@"; do
		v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
		s=$((s + ${v:-0}))
	done
	echo "$s"
}

now() { date +%s.%N; }

HZ=$(getconf CLK_TCK)
cpu_busy() {		# busy clock ticks of all CPUs (not idle, not iowait)
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

kauditd_ticks() {
	local p
	p=$(pgrep -x kauditd | head -1)
	[ -n "$p" ] || { echo 0; return; }
	cpu_ticks "$p" | awk '{ print $2 }'
}

count_serials() {	# distinct audit serials in a file of text records
	[ -f "$1" ] || { echo 0; return; }
	awk 'match($0, /audit\([0-9.]+:[0-9]+\)/) {
		k = substr($0, RSTART, RLENGTH); if (!(k in s)) { s[k] = 1; n++ } }
		END { print n + 0 }' "$1"
}

count_lines() {
	[ -f "$1" ] || { echo 0; return; }
	wc -l <"$1"
}

godo_py() {		# godo_py SNIPPET ARGS...: run against the bench db; ARGS
	# are sys.argv[2:]. Bounded: a store that accepts connections but does
	# not answer must not stall the run.
	local snippet=$1
	shift
	timeout 10 /usr/bin/python3 - "$STORE_PORT" "$@" <<PY 2>/dev/null
import sys, pymongo
c = pymongo.MongoClient("127.0.0.1", int(sys.argv[1]),
                        serverSelectionTimeoutMS=2000,
                        connectTimeoutMS=2000, socketTimeoutMS=5000)
db = c["bench"]
$snippet
PY
}

# Events recorded so far, by the recorder's output kind.
count_events() {
	case "$REC" in
	none) echo 0 ;;
	auditd | go-libaudit) count_serials "$OUT" ;;
	laurel | go-audit) count_lines "$OUT" ;;
	godo) godo_py 'print(sum(db[n].estimated_document_count()
	    for n in ("pids", "fds", "files")))' || echo 0 ;;
	esac
}

# Has the recorder written the sentinel?  For godo the sentinel is a
# process whose document _id (boot_id:pid:start_ticks) is known: a lookup
# by _id is the one query FerretDB's SQLite handler answers without
# scanning the collection (a scan would bill the drain check's CPU to godo's
# store).  godo writes a task's document a second after its exit, after
# everything it saw before.
sentinel_seen() {
	case "$REC" in
	godo) [ "$(godo_py 'print(int(db.pids.find_one({"_id": sys.argv[2]}, {"_id": 1}) is not None))' \
	    "$1")" = 1 ] 2>/dev/null ;;
	*) grep -qF -- "$(basename "$1")" "$OUT" 2>/dev/null ;;
	esac
}

# godo_idle: sleeps; true once godo and its store used no CPU for 0.5 s,
# at least 1.5 s after the sentinel ended.
godo_idle() {
	local pids a b
	sleep 0.5
	pids=$(tree_pids $REC_PIDS)
	# shellcheck disable=SC2086
	a=$(cpu_ticks $pids | awk '{ s += $2 } END { print s + 0 }')
	sleep 0.5
	# shellcheck disable=SC2086
	b=$(cpu_ticks $pids | awk '{ s += $2 } END { print s + 0 }')
	[ "$a" = "$b" ] && [ "$(awk -v a="$SENTINEL_END" -v b="$(now)" 'BEGIN { print (b - a >= 1.5) }')" = 1 ]
}

# Starts a short process; prints godo's _id for it.
sentinel_process() {
	local sp ticks
	sleep 0.2 &
	sp=$!
	ticks=$(awk '{ print $22 }' "/proc/$sp/stat" 2>/dev/null)
	wait "$sp"
	echo "$(cat /proc/sys/kernel/random/boot_id):$sp:$ticks"
}

# godo prints "stats: events/s N records/s N lost N ... conn overruns N ..."
# on SIGUSR1 and resets its rate counters.  godo_stats: ask for a line, wait
# for it, print "events_per_s conn_overruns" (empty when none came).
godo_stats() {
	local pid=${REC_PIDS%% *} n0 i
	n0=$(grep -c 'stats: events/s' "$GODO_LOG" 2>/dev/null)
	kill -USR1 "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 30; i++)); do
		[ "$(grep -c 'stats: events/s' "$GODO_LOG")" -gt "${n0:-0}" ] && break
		sleep 0.1
	done
	grep 'stats: events/s' "$GODO_LOG" | tail -1 |
	    sed -n 's/.*events\/s \([0-9]*\).*conn overruns \([0-9]*\).*/\1 \2/p'
}

godo_store_failed() {	# "failed N" of godo's last stats line
	grep 'stats: events/s' "$GODO_LOG" | tail -1 |
	    sed -n 's/.* failed \([0-9]*\).*/\1/p'
}

# ------------------------------------------------------------ the rules --

# The 7 lines of /work/shared/docs/peers.md, used when godo -rules does not
# print auditctl lines.
PEERS_RULES='-a always,exit -F arch=b64 -S execve,execveat -k godo
-a always,exit -F arch=b64 -S fork,vfork,clone,clone3 -k godo
-a always,exit -F arch=b64 -S exit_group -k godo
-a always,exit -F arch=b64 -S open,openat,creat -F success=1 -k godo
-a always,exit -F arch=b64 -S write,pwrite,writev,pwritev -F success=1 -k godo
-a always,exit -F arch=b64 -S close -F success=1 -k godo
-a always,exit -F arch=b64 -S rename,renameat,renameat2,unlink,unlinkat -F success=1 -k godo'

RULES=$T/rules
RULES_FROM="peers.md (7 lines)"
if [ -x "$GODO" ] && timeout 5 "$GODO" -rules >"$T/godo-rules" 2>/dev/null &&
    grep -q '^-a ' "$T/godo-rules"; then
	# Drop godo's own pid!= (it names a process that is gone).
	grep '^-a ' "$T/godo-rules" |
	    sed -E 's/ -F pid!=[0-9]+//g' >"$RULES"
	RULES_FROM="$GODO -rules ($(wc -l <"$RULES") lines)"
else
	printf '%s\n' "$PEERS_RULES" >"$RULES"
fi

rules_add() {		# rules_add [EXTRA FIELDS]: install $RULES via auditctl
	local extra=${1:-} line
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		if [ -n "$extra" ]; then
			case "$line" in
			*" -k "*) line="${line/ -k / $extra -k }" ;;
			*" -F key="*) line="${line/ -F key=/ $extra -F key=}" ;;
			*) line="$line $extra" ;;
			esac
		fi
		# shellcheck disable=SC2086
		auditctl $line >/dev/null || { log "auditctl $line failed"; return 1; }
	done <"$RULES"
	[ -z "$PEER_EXCL" ] && return 0
	# shellcheck disable=SC2086
	auditctl $PEER_EXCL >/dev/null || { log "auditctl $PEER_EXCL failed"; return 1; }
}

# -------------------------------------------------------- the recorders --

wait_registered() {	# wait_registered PID SECONDS
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		[ "$(status_field pid)" = "$1" ] && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

auditd_conf() {		# auditd_conf DIR: Debian's auditd.conf, our log + plugins
	mkdir -p "$1/plugins.d" "$1/log"
	sed -E -e "s|^log_file *=.*|log_file = $1/log/audit.log|" \
	    -e "s|^plugin_dir *=.*|plugin_dir = $1/plugins.d|" \
	    -e "s|^max_log_file_action *=.*|max_log_file_action = IGNORE|" \
	    /etc/audit/auditd.conf >"$1/auditd.conf"
	chmod 640 "$1/auditd.conf"
}

start_none() {
	OUT=""
	auditctl -e 0 >/dev/null
}

start_auditd() {
	local d=$T/auditd
	rm -rf "$d"
	auditd_conf "$d"
	OUT=$d/log/audit.log
	setsid auditd -n -c "$d" >"$d/stderr" 2>&1 </dev/null &
	REC_PIDS=$!
	wait_registered "$REC_PIDS" 10 ||
	    { SKIPNOTE="auditd did not register: $(tail -c 300 "$d/stderr")"; return 1; }
	rules_add
}

start_laurel() {
	local d=$T/laurel lp
	rm -rf "$d"
	auditd_conf "$d"
	mkdir -p "$d/laurel"
	chown _laurel: "$d/laurel"
	# Debian's laurel config; our directory, no rotation during the run.
	sed -E -e "s|^directory *=.*|directory = \"$d/laurel\"|" \
	    -e "s|^size *=.*|size = 4000000000|" \
	    /etc/laurel/config.toml >"$d/config.toml"
	cat >"$d/plugins.d/laurel.conf" <<EOF
active = yes
direction = out
type = always
format = string
path = /usr/sbin/laurel
args = --config $d/config.toml
EOF
	chmod 640 "$d/plugins.d/laurel.conf"
	OUT=$d/laurel/audit.log
	setsid auditd -n -c "$d" >"$d/stderr" 2>&1 </dev/null &
	REC_PIDS=$!
	wait_registered "$REC_PIDS" 10 ||
	    { SKIPNOTE="auditd did not register: $(tail -c 300 "$d/stderr")"; return 1; }
	for _ in $(seq 1 50); do
		lp=$(ps -o pid=,comm= --ppid "$REC_PIDS" | awk '$2 == "laurel" { print $1; exit }')
		[ -n "$lp" ] && break
		sleep 0.1
	done
	[ -n "$lp" ] || { SKIPNOTE="laurel did not start under auditd"; return 1; }
	# laurel does not register: keep it from recording itself.
	rules_add "-F pid!=$lp"
}

start_go-audit() {
	local d=$T/go-audit
	[ -n "$GOAUDIT" ] && [ -x "$GOAUDIT" ] ||
	    { SKIPNOTE="no go-audit binary (set GOAUDIT=/path or -goaudit)"; return 1; }
	rm -rf "$d"
	mkdir -p "$d/bin"
	# go-audit runs `auditctl -D` at start, which would delete other
	# people's rules: this auditctl ignores a bare -D (we delete ours).
	cat >"$d/bin/auditctl" <<'EOF'
#!/bin/sh
[ "$#" = 1 ] && [ "$1" = -D ] && exit 0
exec /usr/sbin/auditctl "$@"
EOF
	chmod 755 "$d/bin/auditctl"
	OUT=$d/go-audit.log
	{
		echo "output:"
		echo "  stdout: {enabled: false}"
		echo "  syslog: {enabled: false}"
		echo "  gelf: {enabled: false}"
		echo "  file:"
		echo "    enabled: true"
		echo "    attempts: 2"
		echo "    path: $OUT"
		echo "    mode: 0600"
		echo "    user: root"
		echo "    group: root"
		echo "extras:"
		echo "  containers: {enabled: false}"
		echo "rules:"
		sed 's/^/  - /' "$RULES"
		[ -z "$PEER_EXCL" ] || echo "  - $PEER_EXCL"
	} >"$d/go-audit.yaml"
	PATH=$d/bin:$PATH setsid "$GOAUDIT" -config "$d/go-audit.yaml" \
	    >"$d/stderr" 2>&1 </dev/null &
	REC_PIDS=$!
	wait_registered "$REC_PIDS" 15 ||
	    { SKIPNOTE="go-audit did not register: $(tail -c 300 "$d/stderr")"; return 1; }
}

start_go-libaudit() {
	local d=$T/go-libaudit
	[ -n "$GOLIBAUDIT" ] && [ -x "$GOLIBAUDIT" ] ||
	    { SKIPNOTE="no go-libaudit cmd/audit binary (set GOLIBAUDIT=/path or -libaudit)"; return 1; }
	rm -rf "$d"
	mkdir -p "$d"
	OUT=$d/raw.log
	setsid "$GOLIBAUDIT" -backlog 8192 >"$OUT" 2>"$d/stderr" </dev/null &
	REC_PIDS=$!
	wait_registered "$REC_PIDS" 10 ||
	    { SKIPNOTE="go-libaudit did not register: $(tail -c 300 "$d/stderr")"; return 1; }
	rules_add
}

start_godo() {
	local d=$T/godo
	[ -x "$GODO" ] || { SKIPNOTE="no $GODO (make first)"; return 1; }
	rm -rf "$d" "$STORE_DIR"
	mkdir -p "$d"
	OUT=""
	"$ROOT/scripts/store.sh" start -p "$STORE_PORT" -d "$STORE_DIR" \
	    >"$d/store" 2>&1 ||
	    { SKIPNOTE="store did not start: $(tail -c 300 "$d/store")"; return 1; }
	STORE_STARTED=1
	local spid sexe
	spid=$(cat "$STORE_DIR/server.pid")
	sexe=$(readlink "/proc/$spid/exe")
	# -all: the workload runs on the host, not in a container; the store
	# server is excluded from auditing as a deployment would.
	# shellcheck disable=SC2086
	# its own state dir: no spool of another run replayed into this one
	mkdir -p "$d/state"
	setsid "$GODO" -mongo="127.0.0.1:$STORE_PORT" -db=bench $GODO_ARGS \
	    -state-dir="$d/state" \
	    ${sexe:+-exclude-exe="$sexe"} >"$d/stderr" 2>&1 </dev/null &
	REC_PIDS=$!
	GODO_LOG=$d/stderr
	if ! wait_registered "$REC_PIDS" 10; then
		local rc=running
		kill -0 "$REC_PIDS" 2>/dev/null || { wait "$REC_PIDS"; rc="exit $?"; }
		SKIPNOTE="godo did not register as the audit daemon within 10 s ($rc; output: $(tail -c 200 "$d/stderr" | tr '\n' ' '))"
		return 1
	fi
	# The store server counts as part of the recorder.
	REC_PIDS="$REC_PIDS $spid"
	# Wait for godo's rules (it installs its own).
	for _ in $(seq 1 50); do
		auditctl -l | grep -q "key=$KEY" && break
		sleep 0.1
	done
}

# ------------------------------------------------------------------ run --

printf 'round\trecorder\tstatus\tloops_per_s\tevents\tseconds\tlost\twait_actual\toverruns\tcpu_s\trss_kib\tdrain_s\tload1\tothers_cpu_s\tnote\n' >"$TSV"

record() {		# one TSV row
	local IFS=$'\t'
	echo "$*" >>"$TSV"
}

run_one() {		# run_one ROUND RECORDER
	local round=$1 ev0 ev1 lost0 lost1 wa0 wa1 wl lps secs t_end t_seen
	local sentinel drain pids cpu rss note="" overruns="-" p t load1 t_stats
	local busy0 busy1 ka0 ka1 others wlcpu
	declare -A t0=()
	REC=$2
	SKIPNOTE=""
	OUT=""
	if ! audit_wait; then
		record "$round" "$REC" skip - - - - - - - - - - - \
		    "audit pid $(status_field pid) registered by someone else for ${AUDIT_WAIT}s"
		return
	fi
	state_save
	rules_delete		# leftovers of a crashed run of anyone's
	if [ "$REC" != none ] && auditctl -l 2>/dev/null | grep -q '^-'; then
		note="other rules present: $(auditctl -l | grep -c '^-')"
	fi
	kernel_set
	if ! "start_$REC"; then
		log "round $round $REC: skipped: $SKIPNOTE"
		record "$round" "$REC" skip - - - - - - - - - - - "$SKIPNOTE"
		recorder_stop
		state_restore
		lock_release
		return
	fi
	kernel_set
	[ "$REC" = none ] || auditctl -e 1 >/dev/null
	sleep 0.5

	load1=$(cut -d' ' -f1 /proc/loadavg)
	lost0=$(status_field lost)
	wa0=$(status_field backlog_wait_time_actual)
	pids=$(tree_pids $REC_PIDS)
	# shellcheck disable=SC2086
	while read -r p t; do t0[$p]=$t; done < <(cpu_ticks $pids)
	ev0=$(count_events)
	busy0=$(cpu_busy)
	ka0=$(kauditd_ticks)
	if [ "$REC" = godo ]; then
		godo_stats >/dev/null
		t_stats=$(now)
	fi

	# In the background, so that a signal reaches the trap at once.
	# shellcheck disable=SC2086
	"$WL" -workers "$WORKERS" -seconds "$SECONDS_RUN" -dir "$T/scratch" \
	    $WLARGS >"$T/wl.out" &
	WL_PID=$!
	wait "$WL_PID"
	WL_PID=""
	t_end=$(now)
	wl=$(cat "$T/wl.out")
	lps=$(sed -n 's/.*loops_per_s=\([0-9.]*\).*/\1/p' <<<"$wl")
	secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$wl")

	drain="-"
	if [ "$REC" != none ]; then
		# Drain check: a uniquely named file, created and unlinked after
		# the workload, must show up in the recorder's output.
		sentinel=$T/scratch/sentinel-$STAMP-$round-$REC
		: >"$sentinel"
		rm -f "$sentinel"
		[ "$REC" = godo ] && sentinel=$(sentinel_process) && SENTINEL_END=$(now)
		drain="timeout"
		local deadline=$((SECONDS + DRAIN_TIMEOUT))
		while [ "$SECONDS" -lt "$deadline" ]; do
			if [ "$REC" = godo ]; then
				# A lookup by _id scans the collection on
				# FerretDB: polling it would bill godo for the
				# check. Drained = the sentinel's write is due
				# (exit + 1 s) and godo and its store have been
				# idle for half a second; the document is looked
				# up once, after the readings.
				if godo_idle; then
					t_seen=$(now)
					drain=$(awk -v a="$t_end" -v b="$t_seen" \
					    'BEGIN { printf "%.2f", b - a }')
					break
				fi
				continue
			fi
			if sentinel_seen "$sentinel"; then
				t_seen=$(now)
				drain=$(awk -v a="$t_end" -v b="$t_seen" \
				    'BEGIN { printf "%.2f", b - a }')
				break
			fi
			sleep 0.1
		done
		[ "$drain" = timeout ] && note="${note:+$note; }sentinel not seen within ${DRAIN_TIMEOUT}s"
	fi

	pids=$(tree_pids $REC_PIDS)
	cpu=0
	# shellcheck disable=SC2086
	while read -r p t; do
		cpu=$((cpu + t - ${t0[$p]:-0}))
	done < <(cpu_ticks $pids)
	# shellcheck disable=SC2086
	rss=$(hwm_kib $pids)
	busy1=$(cpu_busy)
	ka1=$(kauditd_ticks)
	lost1=$(status_field lost)
	wa1=$(status_field backlog_wait_time_actual)
	ev1=$(count_events)
	if [ "$REC" = godo ] && [ "$drain" != timeout ] && ! sentinel_seen "$sentinel"; then
		note="${note:+$note; }sentinel process not in the store after the drain"
	fi
	if [ "$REC" = godo ]; then
		local st eps
		st=$(godo_stats)
		eps=${st%% *}
		overruns=${st##* }
		if [ -n "$st" ]; then
			# Events godo assembled between the two stats lines.
			ev0=0
			ev1=$(awk -v r="$eps" -v a="$t_stats" -v b="$(now)" \
			    'BEGIN { printf "%d", r * (b - a) }')
			note="${note:+$note; }events from godo's stats line"
			local failed
			failed=$(godo_store_failed)
			[ "${failed:-0}" = 0 ] ||
			    note="$note; godo store ops failed: $failed"
		else
			overruns=$(godo_py 'print(sum(g.get("count", 0) for g in db.gaps.find({"source": "connector"})))')
			note="${note:+$note; }events = documents in pids, fds, files"
		fi
	fi
	recorder_stop
	state_restore
	lock_release

	# CPU that was neither the workload, the recorder nor kauditd: other
	# people's work on the machine during the run.
	wlcpu=$(sed -n 's/.*cpu_s=\([0-9.]*\).*/\1/p' <<<"$wl")
	others=$(awk -v b="$((busy1 - busy0 - (ka1 - ka0) - cpu))" \
	    -v w="${wlcpu:-0}" -v hz="$HZ" 'BEGIN { printf "%.2f", b / hz - w }')
	cpu=$(awk -v t="$cpu" -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }')
	[ "$REC" = none ] && { cpu="-"; rss="-"; }
	record "$round" "$REC" ok "$lps" "$((ev1 - ev0))" "$secs" \
	    "$((lost1 - lost0))" "$((wa1 - wa0))" "${overruns:--}" "$cpu" \
	    "$rss" "$drain" "$load1" "$others" "$note"
	log "round $round $REC: $wl cpu=${cpu}s events=$((ev1 - ev0)) lost=$((lost1 - lost0)) drain=$drain"
	rm -rf "$T/auditd" "$T/laurel" "$T/go-audit" "$T/go-libaudit"
}

log "rules: $RULES_FROM; results: $MD"
log "machine: $(nproc) cpus, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), kernel $(uname -r)"
IFS=, read -r -a RECS <<<"$ONLY"
for ((r = 1; r <= ROUNDS; r++)); do
	for rec in "${RECS[@]}"; do
		case "$rec" in
		none | auditd | laurel | go-audit | go-libaudit | godo) ;;
		*) log "unknown recorder $rec"; exit 2 ;;
		esac
		run_one "$r" "$rec"
		sleep 1
	done
done

# ---------------------------------------------------------------- table --

PEER_EXCL=$PEER_EXCL python3 - "$TSV" "$RULES_FROM" "$ROUNDS" "$SECONDS_RUN" "$WORKERS" \
    "$WLARGS" "$RULES" "$CMDLINE" "$GOAUDIT" "$GOLIBAUDIT" "$GODO" \
    "$GODO_ARGS" >"$MD" <<'PY'
import sys, statistics, platform, os, subprocess
(tsv, rules_from, rounds, secs, workers, wlargs, rules_file,
 cmdline, goaudit, golib, godo, godo_args) = sys.argv[1:13]
rows = [l.rstrip("\n").split("\t") for l in open(tsv)]
hdr, rows = rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]
base = {r["round"]: float(r["loops_per_s"]) for r in rows
        if r["recorder"] == "none" and r["status"] == "ok"}
order = []
for r in rows:
    if r["recorder"] not in order:
        order.append(r["recorder"])

def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None

def fnum(v, f="%.2f"):
    return "–" if v is None else f % v

def num(s):
    try:
        return float(s)
    except ValueError:
        return None

model = ""
for l in open("/proc/cpuinfo"):
    if l.startswith("model name"):
        model = l.split(":", 1)[1].strip()
        break
print("# compare.sh results\n")
print("- machine: %d CPUs, %s, kernel %s" % (os.cpu_count(), model,
      platform.release()))
print("- workload: %s workers × %s s, default mix%s; %s rounds, medians" %
      (workers, secs, (" + `%s`" % wlargs) if wlargs else "", rounds))
print("- rules: %s; backlog_limit 8192, backlog_wait_time 60000, failure 1"
      % rules_from)
print("- command: `bench/compare.sh %s`" % cmdline)
print("- binaries: go-audit `%s`, go-libaudit `%s`, godo `%s %s`" % (
    goaudit or "none", golib or "none", godo, godo_args))
print("- rules (every recorder; laurel's also get `-F pid!=<laurel>`):")
print()
print("```")
print(open(rules_file).read(), end="")
print("```")
print()
if os.environ.get("PEER_EXCL"):
    print("- the peers also get `%s` (godo adds it itself)\n"
          % os.environ["PEER_EXCL"])
print("| recorder | speed vs none | loops/s | events/s | events/loop "
      "| lost Δ | wait Δ (jiffies) | CPU s /1000 loops | CPU s /100k events "
      "| peak RSS MiB | drain s | others' CPU s | rounds | notes |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for rec in order:
    rs = [r for r in rows if r["recorder"] == rec and r["status"] == "ok"]
    skips = [r for r in rows if r["recorder"] == rec and r["status"] != "ok"]
    if not rs:
        print("| %s | skipped | | | | | | | | | | | 0 | %s |" %
              (rec, skips[0]["note"] if skips else ""))
        continue
    ratio, lps, evs, evl, lost, wa, c1k, c100k, rss, drain = ([] for _ in range(10))
    load = [num(r["others_cpu_s"]) for r in rs]
    for r in rs:
        l = num(r["loops_per_s"]) or 0.0
        s = num(r["seconds"]) or 1.0
        ev = num(r["events"])
        loops = l * s
        ratio.append(l / base[r["round"]] if r["round"] in base else None)
        lps.append(l)
        lost.append(num(r["lost"]))
        wa.append(num(r["wait_actual"]))
        cpu = num(r["cpu_s"])
        if rec != "none":
            evs.append(ev / s if ev is not None else None)
            evl.append(ev / loops if ev and loops else None)
            c1k.append(cpu * 1000 / loops if cpu is not None and loops else None)
            c100k.append(cpu * 1e5 / ev if cpu is not None and ev else None)
            rss.append(num(r["rss_kib"]) / 1024 if num(r["rss_kib"]) else None)
            drain.append(num(r["drain_s"]))
    notes = sorted({r["note"] for r in rs if r["note"]})
    ov = [r["overruns"] for r in rs if r["overruns"] not in ("-", "")]
    if ov:
        notes.append("connector overruns: " + ",".join(ov))
    print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d | %s |" % (
        rec, fnum(med(ratio)), fnum(med(lps), "%.0f"), fnum(med(evs), "%.0f"),
        fnum(med(evl), "%.1f"), fnum(med(lost), "%.0f"),
        fnum(med(wa), "%.0f"), fnum(med(c1k)), fnum(med(c100k)),
        fnum(med(rss), "%.1f"), fnum(med(drain)), fnum(med(load)), len(rs),
        "; ".join(notes)))
print()
print("Per-run rows: `%s`." % os.path.basename(tsv))
PY
cat "$MD"
log "saved $MD and $TSV"
