#!/bin/sh
# run.sh — run every test of leaksoak and end with one line "N passed, N failed, N skipped".
#   tests/run.sh UNIT_DIR SANITIZED_UNIT_DIR
# Unit tests (cmocka) run plain and under AddressSanitizer+UBSan (with VALGRIND=1 the plain
# ones also run under valgrind); end-to-end scripts (tests/e2e/t*.sh, TAP) run E2E_JOBS (2) at a time —
# they mostly wait on targets, not on the CPU — each under a time limit, so a hang is a
# failure rather than a CI job that never ends.
set -u
cd "$(dirname "$0")/.." || exit 2
unit_dir=$1
san_dir=$2
logs=$(mktemp -d "${TMPDIR:-/tmp}/leaksoak-check.XXXXXX")
trap 'rm -rf "$logs"' EXIT
E2E_LIMIT_S=${E2E_LIMIT_S:-600}
passed=0
failed=0
skipped=0

# count_cmocka LOG STATUS: add a cmocka binary's results to the totals; fail unless every test
# it announced passed.
count_cmocka() {
	running=$(sed -n 's/^\[==========\] Running \([0-9]*\) test.*/\1/p' "$1" | head -n 1)
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$1" | tail -n 1)
	running=${running:-0}
	p=${p:-0}
	f=$((running - p))
	# Nothing announced, a crash, a sanitizer or valgrind report: a failure whatever it said.
	if [ "$running" = 0 ] || { [ "$2" != 0 ] && [ "$f" = 0 ]; }; then
		f=$((f + 1))
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" = 0 ]
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
[ -f tests/lsan.supp ] && export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp

# run_unit NAME CMD...: one unit binary, its results counted.
run_unit() {
	name=$1
	shift
	"$@" >"$logs/unit.log" 2>&1
	status=$?
	if count_cmocka "$logs/unit.log" "$status"; then
		echo "unit: $name ok"
	else
		echo "unit: $name FAILED (exit $status)"
		sed 's/^/    /' "$logs/unit.log" | tail -n 40
	fi
}

# Every test source must have its binary: a missing one is a failure, not a silent skip.
for src in tests/unit/test_*.c; do
	base=$(basename "$src" .c)
	for dir in "$unit_dir" "$san_dir"; do
		if [ ! -x "$dir/$base" ]; then
			echo "unit: $dir/$base FAILED (not built)"
			failed=$((failed + 1))
			continue
		fi
		run_unit "$dir/$base" "$dir/$base"
	done
	if [ "${VALGRIND:-0}" = 1 ]; then
		run_unit "valgrind $unit_dir/$base" valgrind -q --error-exitcode=24 \
			--leak-check=full --errors-for-leak-kinds=definite,indirect "$unit_dir/$base"
	fi
done

# End-to-end: a pool of E2E_JOBS scripts at a time (a finished one makes room for the next,
# so one long script does not hold its neighbours back); outputs are shown whole, in order,
# each with the seconds it took.
E2E_JOBS=${E2E_JOBS:-2}
export E2E_LIMIT_S logs
set -- tests/e2e/t*.sh
# shellcheck disable=SC2016
printf '%s\n' "$@" | xargs -P "$E2E_JOBS" -n 1 sh -c '
	n=$(basename "$1" .sh)
	start=$(date +%s)
	timeout -k 10 "$E2E_LIMIT_S" sh "$1" >"$logs/e2e.$n.log" 2>&1
	echo $? >"$logs/e2e.$n.rc"
	echo $(($(date +%s) - start)) >"$logs/e2e.$n.s"' sh
for t in "$@"; do
	n=$(basename "$t" .sh)
	log=$logs/e2e.$n.log
	rc=$(cat "$logs/e2e.$n.rc" 2>/dev/null || echo 125)
	took=$(cat "$logs/e2e.$n.s" 2>/dev/null || echo '?')
	s=$(grep -c '^ok [0-9]* # skip' "$log")
	p=$(($(grep -c '^ok ' "$log") - s))
	f=$(grep -c '^not ok ' "$log")
	planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -n 1)
	# A script that died early ran fewer tests than it planned: count the missing ones.
	if [ -z "$planned" ]; then
		f=$((f + 1))
	elif [ $((p + f + s)) -lt "$planned" ]; then
		f=$((planned - p - s))
	fi
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "e2e: $t FAILED (still running after ${E2E_LIMIT_S} s: stopped)"
		sed 's/^/    /' "$log"
	elif [ "$f" = 0 ]; then
		if [ "$s" = 0 ]; then echo "e2e: $t ok ($p, $took s)"; else echo "e2e: $t ok ($p, $s skipped, $took s)"; fi
	else
		echo "e2e: $t FAILED"
		sed 's/^/    /' "$log"
	fi
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
