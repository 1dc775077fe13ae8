#!/usr/bin/env bash
# docker-env.sh start|stop|image
# Starts dockerd when none answers and imports the minimal test image
# (Debian's busybox-static plus the static helpers in tests/helpers) under the
# tag $GODO_IMAGE (default godo-bb:latest). No registry is reachable here.
set -euo pipefail

IMAGE=${GODO_IMAGE:-godo-bb:latest}
DOCKER=/usr/bin/docker # Debian's client, same API as its dockerd
top=$(cd "$(dirname "$0")/.." && pwd)
LOG=${GODO_DOCKER_LOG:-/var/log/godo-dockerd.log}

die() { echo "docker-env: $*" >&2; exit 1; }

docker_up() { $DOCKER version >/dev/null 2>&1; }

start_daemon() {
	if docker_up; then
		return 0
	fi
	command -v dockerd >/dev/null || die "dockerd missing: run scripts/deps.sh"
	echo "docker-env: starting dockerd (log $LOG)"
	setsid dockerd >"$LOG" 2>&1 </dev/null &
	for _ in $(seq 1 150); do
		docker_up && return 0
		sleep 0.2
	done
	tail -20 "$LOG" >&2 || true
	die "dockerd did not come up"
}

build_image() {
	local stamp ctx
	ctx=$(mktemp -d)
	trap 'rm -rf "$ctx"' RETURN
	mkdir -p "$ctx/bin" "$ctx/tmp" "$ctx/etc" "$ctx/root" "$ctx/data"
	cp /bin/busybox "$ctx/bin/busybox"
	for a in $("$ctx/bin/busybox" --list); do
		[ -e "$ctx/bin/$a" ] || ln -s busybox "$ctx/bin/$a"
	done
	if [ -d "$top/tests/helpers" ]; then
		make -s -C "$top/tests/helpers" >/dev/null || die "building static helpers failed"
		for h in "$top"/tests/helpers/bin/*; do
			[ -f "$h" ] && cp "$h" "$ctx/bin/"
		done
	fi
	echo "root:x:0:0:root:/root:/bin/sh" >"$ctx/etc/passwd"
	echo "root:x:0:" >"$ctx/etc/group"
	# The tag carries a digest of the content, so a changed helper re-imports.
	stamp=$(cd "$ctx" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)
	if [ "$($DOCKER image inspect -f '{{index .Config.Labels "godo.stamp"}}' "$IMAGE" 2>/dev/null)" = "$stamp" ]; then
		echo "docker-env: image $IMAGE up to date"
		return 0
	fi
	tar -C "$ctx" -c . | $DOCKER import -c "LABEL godo.stamp=$stamp" \
		-c 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null || die "docker import failed"
	echo "docker-env: imported $IMAGE"
}

case "${1:-start}" in
start) start_daemon; build_image ;;
image) build_image ;;
stop)
	pkill -x dockerd 2>/dev/null || true
	for _ in $(seq 1 50); do pgrep -x dockerd >/dev/null || break; sleep 0.2; done
	;;
*) echo "usage: docker-env.sh start|stop|image" >&2; exit 2 ;;
esac
