#!/usr/bin/env bash
# smoke.sh [target ...] - builds the libFuzzer targets (make -C tests/fuzz)
# and runs each for a fixed number of inputs from its seed corpus
# (tests/fuzz/corpus/<name>), printing "PASS fuzz_<name>" or
# "FAIL fuzz_<name>: reason" per target (tests/run.sh counts those lines).
# New inputs go to a scratch directory, never into the seed corpus.
#   FUZZ_RUNS   inputs per target (default 20000)
#   FUZZ_TIME   seconds per target at most (default 15)
#   FUZZ_OUT    where the targets are built (default build/fuzz)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
runs=${FUZZ_RUNS:-20000}
secs=${FUZZ_TIME:-15}
out=${FUZZ_OUT:-$top/build/fuzz}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(audit conn procfs esc sjson)

if ! log=$(make -s -C "$here" O="$out" 2>&1); then
	echo "$log" | tail -20
	for t in "${targets[@]}"; do
		echo "FAIL fuzz_$t: build failed (clang, libclang-rt-14-dev?)"
	done
	exit 1
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
rc=0
for t in "${targets[@]}"; do
	bin=$out/fuzz_$t
	seeds=$here/corpus/$t
	work=$scratch/$t
	mkdir -p "$work/corpus" "$work/art"
	if [ ! -x "$bin" ] || [ ! -d "$seeds" ]; then
		echo "FAIL fuzz_$t: no $bin or no $seeds"
		rc=1
		continue
	fi
	start=$(date +%s)
	"$bin" -runs="$runs" -max_total_time="$secs" -seed=1 \
		-artifact_prefix="$work/art/" -print_final_stats=1 \
		"$work/corpus" "$seeds" >"$work/log" 2>&1
	st=$?
	took=$(($(date +%s) - start))
	stats=$(sed -n 's/^#[0-9]*[[:space:]]*DONE[[:space:]]*\(cov: [0-9]* ft: [0-9]*\).*/\1/p' \
		"$work/log" | tail -1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	crash=$(ls "$work/art" 2>/dev/null | head -1)
	if [ "$st" -eq 0 ] && [ -z "$crash" ]; then
		echo "PASS fuzz_$t ($execs runs, ${took}s, $stats)"
	else
		grep -E 'ERROR|runtime error|check failed|SUMMARY' "$work/log" |
			head -5 | sed 's/^/  | /'
		if [ -n "$crash" ]; then
			mkdir -p "$top/build/fuzz/crashes"
			cp "$work/art/$crash" "$top/build/fuzz/crashes/fuzz_$t-$crash"
			echo "FAIL fuzz_$t: exit $st, input kept in build/fuzz/crashes/fuzz_$t-$crash"
		else
			echo "FAIL fuzz_$t: exit $st"
		fi
		rc=1
	fi
done
exit $rc
