#!/usr/bin/env bash
# deps.sh - install what godo needs to build, test and run, idempotently.
# Debian packages through apt, then a MongoDB-compatible server: `mongod` when
# one is on PATH, otherwise FerretDB v1.24.2 built from the Go module proxy and
# cached in $GODO_CACHE (default /var/cache/godo) so a second run costs seconds.
# GODO_STORE_HANDLER=postgresql (scripts/store.sh) adds Debian's postgresql-15;
# the cluster that Debian's package creates and starts is stopped again
# (store.sh runs a private one).
set -euo pipefail

die() { echo "deps: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (apt-get, docker, audit)"

PKGS=(build-essential pkg-config libaudit-dev libauparse-dev libmongoc-dev
      libbson-dev libcmocka-dev docker.io busybox-static clang clang-format
      libclang-rt-14-dev valgrind python3-pymongo auditd chromium libssl-dev
      zlib1g-dev nettle-dev libsqlite3-dev)
HANDLER=${GODO_STORE_HANDLER:-sqlite}
[ "$HANDLER" = postgresql ] && PKGS+=(postgresql-15)
CACHE=${GODO_CACHE:-/var/cache/godo}
FERRET_VERSION=v1.24.2
FERRET_BIN="$CACHE/ferretdb-$FERRET_VERSION"
export PATH="$PATH:/usr/local/go/bin"

missing=()
pg_was_installed=0
dpkg-query -W -f='${Status}' postgresql-15 2>/dev/null | grep -q 'ok installed' &&
	pg_was_installed=1
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	echo "deps: installing Debian packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || die "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
	# auditd's package may start the daemon; godo takes the audit role itself.
	if pgrep -x auditd >/dev/null; then
		service auditd stop >/dev/null 2>&1 || pkill -x auditd || true
	fi
	# postgresql-15's package creates the cluster 15/main and may start it;
	# store.sh runs its own, so stop the one this install started.
	if [ "$pg_was_installed" = 0 ] && [[ " ${missing[*]} " == *" postgresql-15 "* ]] &&
		command -v pg_ctlcluster >/dev/null 2>&1; then
		pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
	fi
else
	echo "deps: Debian packages present"
fi

if command -v mongod >/dev/null 2>&1; then
	echo "deps: using mongod at $(command -v mongod)"
	exit 0
fi
if [ -x "$FERRET_BIN" ]; then
	echo "deps: FerretDB $FERRET_VERSION cached at $FERRET_BIN"
	exit 0
fi
command -v go >/dev/null 2>&1 || die "no mongod on PATH and no Go toolchain to build FerretDB"
echo "deps: building FerretDB $FERRET_VERSION (about a minute)"
mkdir -p "$CACHE"
# `go install ...@v1.24.2` is refused by the proxy here (version list), so
# download the module and build it from its directory.
dir=$(go mod download -json "github.com/FerretDB/FerretDB@$FERRET_VERSION" |
	sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] && [ -d "$dir" ] || die "go mod download of FerretDB $FERRET_VERSION failed"
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
cp -r "$dir/." "$src/"
chmod -R u+w "$src"
# Without a version file FerretDB panics at start.
echo "$FERRET_VERSION" >"$src/build/version/version.txt"
(cd "$src" && go build -o "$FERRET_BIN.tmp" ./cmd/ferretdb) || die "go build of FerretDB failed"
mv "$FERRET_BIN.tmp" "$FERRET_BIN"
echo "deps: FerretDB built at $FERRET_BIN"
