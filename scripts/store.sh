#!/usr/bin/env bash
# store.sh start|stop|status [-p PORT] [-d DIR]
# A local MongoDB-compatible server on 127.0.0.1: `mongod` if on PATH, else the
# FerretDB binary that deps.sh cached (SQLite handler, telemetry off). `start`
# returns once the server answers ping; `stop` ends it and waits.
set -euo pipefail

cmd=${1:-}
shift || true
PORT=${GODO_STORE_PORT:-27017}
DIR=${GODO_STORE_DIR:-/var/lib/godo/store}
while [ $# -gt 0 ]; do
	case "$1" in
	-p | --port) PORT=$2; shift 2 ;;
	-d | --dir) DIR=$2; shift 2 ;;
	*) echo "store: unknown argument $1" >&2; exit 2 ;;
	esac
done
CACHE=${GODO_CACHE:-/var/cache/godo}
FERRET_BIN="$CACHE/ferretdb-v1.24.2"
PIDFILE="$DIR/server.pid"
LOG="$DIR/server.log"

ping_store() {
	/usr/bin/python3 - "$PORT" <<'PY' >/dev/null 2>&1
import sys, pymongo
c = pymongo.MongoClient("127.0.0.1", int(sys.argv[1]), serverSelectionTimeoutMS=500)
c.admin.command("ping")
PY
}

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

case "$cmd" in
start)
	if running && ping_store; then
		echo "store: already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
		exit 0
	fi
	mkdir -p "$DIR/data"
	if command -v mongod >/dev/null 2>&1; then
		setsid mongod --bind_ip 127.0.0.1 --port "$PORT" --dbpath "$DIR/data" \
			>"$LOG" 2>&1 </dev/null &
	elif [ -x "$FERRET_BIN" ]; then
		# Go's collector runs less often: measured 25 % less CPU per
		# inserted document at GOGC=400 (docs/performance.md), for a few
		# MiB more heap
		GOGC=${GODO_STORE_GOGC:-400} setsid "$FERRET_BIN" --handler=sqlite --sqlite-url="file:$DIR/data/" \
			--listen-addr="127.0.0.1:$PORT" --state-dir="$DIR" \
			--telemetry=disable --debug-addr=- --log-level=warn \
			>"$LOG" 2>&1 </dev/null &
	else
		echo "store: no mongod on PATH and no FerretDB at $FERRET_BIN; run scripts/deps.sh" >&2
		exit 1
	fi
	echo $! >"$PIDFILE"
	for _ in $(seq 1 100); do
		if ping_store; then
			echo "store: running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"), data $DIR/data)"
			exit 0
		fi
		running || break
		sleep 0.1
	done
	echo "store: server did not answer ping on 127.0.0.1:$PORT; log: $LOG" >&2
	tail -5 "$LOG" >&2 || true
	exit 1
	;;
stop)
	if running; then
		pid=$(cat "$PIDFILE")
		kill "$pid"
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
		echo "store: stopped"
	fi
	rm -f "$PIDFILE"
	;;
status)
	if running && ping_store; then
		echo "store: running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
	else
		echo "store: not running on 127.0.0.1:$PORT"
		exit 1
	fi
	;;
*)
	echo "usage: store.sh start|stop|status [-p PORT] [-d DIR]" >&2
	exit 2
	;;
esac
