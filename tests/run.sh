#!/bin/sh
# run.sh — run every test of leaksoak and end with one line "N passed, N failed".
#   tests/run.sh UNIT_DIR SANITIZED_UNIT_DIR
# Unit tests (cmocka) run plain and under AddressSanitizer+UBSan; end-to-end scripts
# (tests/e2e/t*.sh, TAP) run two at a time — they mostly wait on targets, not on the CPU.
set -u
cd "$(dirname "$0")/.." || exit 2
unit_dir=$1
san_dir=$2
logs=$(mktemp -d "${TMPDIR:-/tmp}/leaksoak-check.XXXXXX")
trap 'rm -rf "$logs"' EXIT
passed=0
failed=0

# count_cmocka LOG STATUS: add a cmocka binary's results to the totals.
count_cmocka() {
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$1" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$1" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	# A crash, a sanitizer report or a leak makes the binary fail even if cmocka said PASSED.
	if [ "$2" != 0 ] && [ "$f" = 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" = 0 ]
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
[ -f tests/lsan.supp ] && export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp

for dir in "$unit_dir" "$san_dir"; do
	for t in "$dir"/test_*; do
		[ -x "$t" ] || continue
		case $t in *.d) continue ;; esac
		log=$logs/unit.log
		"$t" >"$log" 2>&1
		status=$?
		if count_cmocka "$log" "$status"; then
			echo "unit: $t ok"
		else
			echo "unit: $t FAILED (exit $status)"
			sed 's/^/    /' "$log" | tail -n 40
		fi
	done
done

# End-to-end: two scripts at a time, outputs shown whole and in order.
set -- tests/e2e/t*.sh
i=0
for t in "$@"; do
	i=$((i + 1))
	( sh "$t" >"$logs/e2e.$i.log" 2>&1; echo $? >"$logs/e2e.$i.rc" ) &
	if [ $((i % 2)) = 0 ]; then
		wait
	fi
done
wait
i=0
for t in "$@"; do
	i=$((i + 1))
	log=$logs/e2e.$i.log
	[ -f "$log" ] || continue
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	planned=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$log" | head -n 1)
	rc=$(cat "$logs/e2e.$i.rc")
	# A script that died early ran fewer tests than it planned: count the missing ones.
	if [ -n "$planned" ] && [ $((p + f)) -lt "$planned" ]; then
		f=$((planned - p))
	fi
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" = 0 ]; then
		echo "e2e: $t ok ($p)"
	else
		echo "e2e: $t FAILED"
		sed 's/^/    /' "$log"
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
