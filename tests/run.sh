#!/usr/bin/env bash
# run.sh [unit|fuzz|integration|e2e ...] - runs godo's test suite and ends with
# the line "N passed, N failed". Starts the local store (port 27117, data in
# build/test-store) and dockerd through the project's scripts, and puts the
# kernel audit state back when done.
#   GODO_BIN_DIR   where godo and filter are (default: listener/, filter/)
#   GODO_TEST_DIR  where the compiled tests are (default build/release/tests)
#   GODO_VALGRIND  valgrind mode: the C tests, and every godo and filter the
#                  script tests start, run under valgrind's memcheck (see
#                  VG_OPTS); an error or a definite/indirect leak in any of
#                  them is a failure. Use a release build (not ASan).
#   GODO_VALGRIND_DIR  valgrind logs, one per process (build/valgrind)
#   GODO_TIME_FACTOR   how much slower godo is; the tests' waits that depend
#                  on godo's speed scale by it (valgrind mode: 10)
#   GODO_ONLY      run only the test files whose base name matches this shell
#                  pattern (e.g. 'test_docker*'); default: all
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
phases=("$@")
[ ${#phases[@]} -gt 0 ] || phases=(unit fuzz integration e2e)
TEST_DIR=${GODO_TEST_DIR:-build/release/tests}
export GODO_STORE_PORT=${GODO_STORE_PORT:-27117}
export GODO_STORE_DIR=${GODO_STORE_DIR:-$top/build/test-store}
export GODO_TEST_URI="mongodb://127.0.0.1:$GODO_STORE_PORT"
export GODO_BIN_DIR=${GODO_BIN_DIR:-}
if [ -z "$GODO_BIN_DIR" ]; then
	export GODO_GODO="$top/listener/godo" GODO_FILTER="$top/filter/filter"
else
	export GODO_GODO="$top/$GODO_BIN_DIR/godo" GODO_FILTER="$top/$GODO_BIN_DIR/filter"
fi
export GODO_TOP=$top
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
PY=/usr/bin/python3 # Debian's, the one with pymongo

# memcheck: definite and indirect leaks are errors; "possible" and "still
# reachable" are not (a library's process-wide tables, kept until exit;
# godo and filter leave none: mongoc_cleanup()). No suppressions file:
# nothing needed one.
VG_OPTS=(--leak-check=full --errors-for-leak-kinds=definite,indirect
	--show-leak-kinds=definite,indirect --error-exitcode=99 --num-callers=30)
if [ -n "${GODO_VALGRIND:-}" ]; then
	export GODO_TIME_FACTOR=${GODO_TIME_FACTOR:-10}
	VG_DIR=${GODO_VALGRIND_DIR:-$top/build/valgrind}
	rm -rf "$VG_DIR"
	mkdir -p "$VG_DIR"
fi

passed=0
failed=0
failures=()

audit_save() {
	saved_enabled=$(auditctl -s 2>/dev/null | awk '$1=="enabled"{print $2}')
	saved_rules=$(auditctl -l 2>/dev/null)
}
# The details of every failure, printed again at the very end: a CI log is
# often read from its tail.
details=()
digest() {
	details+=("[$1]" "$(echo "$2" | sed 's/^/    /')")
}

# After each test as root: a test that leaves audit rules behind is named
# (a later godo purges godo-keyed leftovers at its start, so the check at
# the end alone cannot say whose they were), and the rules are put back.
rule_lines() { echo "$1" | grep -v -x -e 'No rules' -e '' | sort; }
rules_after() {
	local name=$1 now added removed l w
	[ "$(id -u)" = 0 ] || return 0
	now=$(auditctl -l 2>/dev/null)
	[ "$now" = "$saved_rules" ] && return 0
	added=$(comm -13 <(rule_lines "$saved_rules") <(rule_lines "$now"))
	removed=$(comm -23 <(rule_lines "$saved_rules") <(rule_lines "$now"))
	echo "  FAIL audit_rules_after_$name: added [${added//$'\n'/; }] removed [${removed//$'\n'/; }]"
	failed=$((failed + 1))
	failures+=("audit rules left by $name")
	digest "rules left by $name" "added: $added
removed: $removed"
	# added rules go (auditctl -l prints them as -a/-w lines: the same
	# words with -d/-W delete them); removed ones are not ours to guess
	while IFS= read -r l; do
		read -ra w <<<"$l"
		case "${w[0]:-}" in
		-a) auditctl -d "${w[@]:1}" >/dev/null 2>&1 ;;
		-w) auditctl -W "${w[@]:1}" >/dev/null 2>&1 ;;
		esac
	done <<<"$added"
	# reported once: what could not be put back is the new baseline
	saved_rules=$(auditctl -l 2>/dev/null)
}

audit_check() {
	local now
	now=$(auditctl -l 2>/dev/null)
	if [ "$now" != "$saved_rules" ]; then
		echo "run.sh: audit rules changed by the tests; restoring" >&2
		auditctl -l | grep -q 'key=godo' && auditctl -D -k godo >/dev/null 2>&1
		failed=$((failed + 1))
		failures+=("audit rules left behind")
	fi
	if [ -n "$saved_enabled" ]; then
		auditctl -e "$saved_enabled" >/dev/null 2>&1 || true
	fi
}

# A cmocka program: count its tests from its summary lines.
run_cmocka() {
	local t=$1 out p f rc
	if [ -n "${GODO_VALGRIND:-}" ]; then
		out=$(valgrind -q "${VG_OPTS[@]}" "$t" 2>&1)
	else
		out=$("$t" 2>&1)
	fi
	rc=$?
	echo "$out" | grep -E '^\[ *(RUN|OK|FAILED|PASSED|SKIPPED) *\]|^\[  ERROR|Failure|ERROR|error:' | sed 's/^/  /'
	p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$out" | tail -20 | sed 's/^/  | /'
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		failures+=("$(basename "$t")")
		digest "$(basename "$t")" "$(echo "$out" | grep -E '^\[  (FAILED|ERROR) *\]|Failure|error:|fail_msg|Assert' | head -12)"
	fi
}

# Valgrind mode: the logs of every godo and filter a script started. A
# log must end with "ERROR SUMMARY: 0 errors" (the process exited, leaks
# were checked, none counted); a log with no summary is a process killed
# by a signal, a failure unless the test SIGKILLed it on purpose (its pid
# in killed). Prints one PASS/FAIL valgrind_NAME line.
vg_check() {
	local d=$1 name=$2 log pid n=0 bad=0 killed=0 why=()
	for log in "$d"/*.log; do
		[ -f "$log" ] || continue
		n=$((n + 1))
		pid=$(basename "$log" .log)
		if grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
			continue
		elif grep -q 'ERROR SUMMARY:' "$log"; then
			bad=$((bad + 1))
			why+=("$(basename "$log"): $(grep -m1 'ERROR SUMMARY' "$log" | sed 's/^==[0-9]*== //')")
			echo "  valgrind: $log:"
			grep -v -e '^==[0-9]*== *$' "$log" | sed -n '1,80p' | sed 's/^/  | /'
		elif grep -qx "$pid" "$d/killed" 2>/dev/null; then
			killed=$((killed + 1))
		else
			bad=$((bad + 1))
			why+=("$(basename "$log"): no summary (killed by a signal?): $(grep -m1 'Command:' "$log" | sed 's/^==[0-9]*== //')")
		fi
	done
	if [ "$bad" -eq 0 ]; then
		echo "PASS valgrind_$name ($n processes checked, $killed SIGKILLed by the test)"
	else
		echo "FAIL valgrind_$name: ${why[*]}"
	fi
}

# Whether GODO_ONLY lets test file $1 run.
selected() {
	local b
	b=$(basename "$1")
	# shellcheck disable=SC2053 # GODO_ONLY is a pattern on purpose
	[[ -z "${GODO_ONLY:-}" || $b == ${GODO_ONLY} || ${b%.*} == ${GODO_ONLY} ]]
}

# libmongoc keeps its counters in /dev/shm/mongoc-PID and removes the file
# at mongoc_cleanup(): a process the tests SIGKILL leaves it behind, and a
# later godo or filter given the same pid (pid_max 32768 wraps within a
# suite) warns "Falling back to malloc for counters" into output a test
# compares. The files of pids no longer running go before each test.
shm_sweep() {
	local f pid
	for f in /dev/shm/mongoc-*; do
		[ -e "$f" ] || continue
		pid=${f##*/mongoc-}
		[[ $pid =~ ^[0-9]+$ ]] || continue
		[ -d "/proc/$pid" ] || rm -f "$f" 2>/dev/null
	done
}

# A script test prints "PASS name" / "FAIL name" lines.
run_script() {
	local t=$1 out p f rc name d
	shift
	shm_sweep
	if [ -n "${GODO_VALGRIND:-}" ] && [[ $t == *.py ]]; then
		name=$(basename "$t" .py)
		d=$VG_DIR/$name
		mkdir -p "$d"
		export GODO_WRAP="valgrind ${VG_OPTS[*]} --log-file=$d/%p.log"
		export GODO_VG_KILLED=$d/killed
		out=$("$@" 2>&1)
		rc=$?
		out+=$'\n'$(vg_check "$d" "$name")
		unset GODO_WRAP GODO_VG_KILLED
	else
		out=$("$@" 2>&1)
		rc=$?
	fi
	echo "$out" | sed 's/^/  /'
	p=$(echo "$out" | grep -c '^PASS ')
	f=$(echo "$out" | grep -c '^FAIL ')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		failures+=("$(basename "$t")")
		digest "$(basename "$t")" "$( (echo "$out" | grep -E '^FAIL ' || echo "$out" | tail -8) | cut -c1-400 | head -12)"
	fi
}

store_up() {
	[ -n "${store_started:-}" ] && return 0
	rm -rf "$GODO_STORE_DIR"
	bash scripts/store.sh start || { echo "run.sh: store did not start" >&2; exit 1; }
	store_started=1
}

cleanup() {
	[ -n "${store_started:-}" ] && bash scripts/store.sh stop >/dev/null
	audit_check
}

audit_save
trap cleanup EXIT

for phase in "${phases[@]}"; do
	case "$phase" in
	unit)
		echo "== unit"
		for t in "$TEST_DIR"/unit/test_*; do
			[ -x "$t" ] && selected "$t" || continue
			echo "-- $(basename "$t")"
			run_cmocka "$t"
		done
		;;
	fuzz)
		echo "== fuzz"
		run_script tests/fuzz/smoke.sh bash tests/fuzz/smoke.sh
		;;
	integration)
		echo "== integration"
		store_up
		for t in "$TEST_DIR"/integration/test_*; do
			[ -x "$t" ] && selected "$t" || continue
			echo "-- $(basename "$t")"
			run_cmocka "$t"
			rules_after "$(basename "$t")"
		done
		for t in tests/integration/*.py; do
			[ -f "$t" ] && selected "$t" || continue
			echo "-- $(basename "$t")"
			run_script "$t" $PY "$t"
			rules_after "$(basename "$t" .py)"
		done
		;;
	e2e)
		echo "== e2e"
		store_up
		bash scripts/docker-env.sh start || { failed=$((failed + 1)); failures+=("docker-env"); continue; }
		for t in tests/e2e/*.py; do
			[ -f "$t" ] && selected "$t" || continue
			echo "-- $(basename "$t")"
			run_script "$t" $PY "$t"
			rules_after "$(basename "$t" .py)"
		done
		;;
	*)
		echo "run.sh: unknown phase $phase" >&2
		exit 2
		;;
	esac
done

cleanup
trap - EXIT
store_started=
if [ ${#details[@]} -gt 0 ]; then
	echo "== what failed"
	printf '%s\n' "${details[@]}"
fi
[ ${#failures[@]} -eq 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
