#!/usr/bin/env bash
# store.sh start|stop|status [-p PORT] [-d DIR]
# A local MongoDB-compatible server on 127.0.0.1: `mongod` if on PATH, else the
# FerretDB binary that deps.sh cached (telemetry off) with the handler named by
# GODO_STORE_HANDLER:
#   sqlite      (default) FerretDB's SQLite handler, data in DIR/data
#   postgresql  FerretDB's PostgreSQL handler on a private PostgreSQL 15
#               cluster in DIR/pg (initdb as the `postgres` user, trust auth
#               for local connections only, no TCP: a unix socket in
#               DIR/pgsock with port number PORT), started before FerretDB
#               and stopped after it
# `start` returns once the server answers ping; `stop` ends FerretDB and its
# PostgreSQL cluster and waits; `status` is 0 when it answers ping.
set -euo pipefail

cmd=${1:-}
shift || true
PORT=${GODO_STORE_PORT:-27017}
DIR=${GODO_STORE_DIR:-/var/lib/godo/store}
HANDLER=${GODO_STORE_HANDLER:-sqlite}
while [ $# -gt 0 ]; do
	case "$1" in
	-p | --port) PORT=$2; shift 2 ;;
	-d | --dir) DIR=$2; shift 2 ;;
	*) echo "store: unknown argument $1" >&2; exit 2 ;;
	esac
done
case "$HANDLER" in
sqlite | postgresql) ;;
*) echo "store: GODO_STORE_HANDLER must be sqlite or postgresql, not $HANDLER" >&2; exit 2 ;;
esac
CACHE=${GODO_CACHE:-/var/cache/godo}
FERRET_BIN="$CACHE/ferretdb-v1.24.2"
PIDFILE="$DIR/server.pid"
LOG="$DIR/server.log"
PGBIN=${GODO_PG_BIN:-/usr/lib/postgresql/15/bin}
PGDATA="$DIR/pg"
PGSOCK="$DIR/pgsock"
PGLOG="$DIR/pg.log"

ping_store() {
	/usr/bin/python3 - "$PORT" <<'PY' >/dev/null 2>&1
import sys, pymongo
c = pymongo.MongoClient("127.0.0.1", int(sys.argv[1]), serverSelectionTimeoutMS=500)
c.admin.command("ping")
PY
}

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

# as the postgres user (PostgreSQL refuses to run as root)
as_pg() {
	if [ "$(id -un)" = postgres ]; then
		"$@"
	else
		runuser -u postgres -- "$@"
	fi
}

pg_running() {
	[ -f "$PGDATA/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1
}

# a private cluster in DIR/pg, created on first use, listening on the socket only
pg_start() {
	[ -x "$PGBIN/pg_ctl" ] || {
		echo "store: no PostgreSQL at $PGBIN; run GODO_STORE_HANDLER=postgresql scripts/deps.sh" >&2
		exit 1
	}
	getent passwd postgres >/dev/null || { echo "store: no postgres user" >&2; exit 1; }
	mkdir -p "$PGSOCK"
	chown postgres: "$PGSOCK"
	chmod 0755 "$PGSOCK"
	if [ ! -s "$PGDATA/PG_VERSION" ]; then
		rm -rf "$PGDATA"
		mkdir -p "$PGDATA"
		chown postgres: "$PGDATA"
		chmod 0700 "$PGDATA"
		as_pg test -w "$PGDATA" || {
			echo "store: the postgres user cannot write $PGDATA (a parent directory closed to it?)" >&2
			exit 1
		}
		as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres -E UTF8 --locale=C.UTF-8 \
			--auth-local=trust --auth-host=reject >"$DIR/initdb.log" 2>&1 || {
			echo "store: initdb failed; log: $DIR/initdb.log" >&2
			tail -5 "$DIR/initdb.log" >&2 || true
			exit 1
		}
	fi
	if ! pg_running; then
		touch "$PGLOG"
		chown postgres: "$PGLOG"
		as_pg "$PGBIN/pg_ctl" start -w -t 60 -D "$PGDATA" -l "$PGLOG" \
			-o "-c listen_addresses='' -k $PGSOCK -p $PORT" >/dev/null || {
			echo "store: PostgreSQL did not start; log: $PGLOG" >&2
			tail -5 "$PGLOG" >&2 || true
			exit 1
		}
	fi
	if ! as_pg "$PGBIN/psql" -h "$PGSOCK" -p "$PORT" -U postgres -d postgres -tAc \
		"SELECT 1 FROM pg_database WHERE datname = 'ferretdb'" | grep -q 1; then
		as_pg "$PGBIN/createdb" -h "$PGSOCK" -p "$PORT" -U postgres ferretdb
	fi
}

pg_stop() {
	if pg_running; then
		as_pg "$PGBIN/pg_ctl" stop -w -t 60 -m fast -D "$PGDATA" >/dev/null ||
			as_pg "$PGBIN/pg_ctl" stop -w -t 10 -m immediate -D "$PGDATA" >/dev/null || true
	fi
}

case "$cmd" in
start)
	if running && ping_store; then
		echo "store: already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"), $(cat "$DIR/handler" 2>/dev/null || echo '?'))"
		exit 0
	fi
	mkdir -p "$DIR/data"
	# Go's collector runs less often: measured 25 % less CPU per inserted
	# document at GOGC=400 (docs/performance.md), for a few MiB more heap
	gogc=${GODO_STORE_GOGC:-400}
	if command -v mongod >/dev/null 2>&1; then
		echo mongod >"$DIR/handler"
		setsid mongod --bind_ip 127.0.0.1 --port "$PORT" --dbpath "$DIR/data" \
			>"$LOG" 2>&1 </dev/null &
	elif [ ! -x "$FERRET_BIN" ]; then
		echo "store: no mongod on PATH and no FerretDB at $FERRET_BIN; run scripts/deps.sh" >&2
		exit 1
	elif [ "$HANDLER" = postgresql ]; then
		pg_start
		echo postgresql >"$DIR/handler"
		GOGC=$gogc setsid "$FERRET_BIN" --handler=postgresql \
			--postgresql-url="postgres://postgres@/ferretdb?host=$PGSOCK&port=$PORT" \
			--listen-addr="127.0.0.1:$PORT" --state-dir="$DIR" \
			--telemetry=disable --debug-addr=- --log-level=warn \
			>"$LOG" 2>&1 </dev/null &
	else
		echo sqlite >"$DIR/handler"
		GOGC=$gogc setsid "$FERRET_BIN" --handler=sqlite --sqlite-url="file:$DIR/data/" \
			--listen-addr="127.0.0.1:$PORT" --state-dir="$DIR" \
			--telemetry=disable --debug-addr=- --log-level=warn \
			>"$LOG" 2>&1 </dev/null &
	fi
	echo $! >"$PIDFILE"
	for _ in $(seq 1 100); do
		if ping_store; then
			echo "store: running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"), $(cat "$DIR/handler"), data $DIR)"
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
	# whatever the handler asked for now: a cluster left by an earlier start
	[ -d "$PGDATA" ] && pg_stop
	exit 0
	;;
status)
	if running && ping_store; then
		echo "store: running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"), $(cat "$DIR/handler" 2>/dev/null || echo '?'))"
	else
		echo "store: not running on 127.0.0.1:$PORT"
		exit 1
	fi
	;;
*)
	echo "usage: [GODO_STORE_HANDLER=sqlite|postgresql] store.sh start|stop|status [-p PORT] [-d DIR]" >&2
	exit 2
	;;
esac
