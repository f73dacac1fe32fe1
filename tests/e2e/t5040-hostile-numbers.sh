#!/bin/sh
# Unbounded numbers: every duration, timeout and rate has an upper bound (leaksoak(1),
# LIMITS).  "duration_s": 1e10 used to overflow the deadline and stop the run at once; now it
# is refused before anything starts, in one line.
. "$(dirname "$0")/lib.sh"
plan 10

# quick_exit CODE args...: expect_exit, bounded to 30 s (1e10 s used to run on and on).
quick_exit() {
	want=$1
	shift
	timeout -k 5 30 env LEAKSOAK_E2E_TAG="$TAG" "$LEAKSOAK" "$@" >"$OUT" 2>"$ERR"
	got=$?
	[ "$got" = "$want" ] && return 0
	echo "# expected exit $want, got $got: leaksoak $*"
	return 1
}

s=$(scenario_for big "[\"$HELPERS/hello\", \"--port\", \"{port}\"]")
sed -i 's/"duration_s": 4/"duration_s": 1e10/' "$s"
check "run refuses duration_s 1e10 (exit 2)" quick_exit 2 run "$s" --out "$TMP/big"
check "in one line with the bound" one_line "'duration_s' must be a number > 0 and at most 2678400"
mkdir "$TMP/scen"
cp "$s" "$TMP/scen/"
check "soak refuses it too (exit 2)" quick_exit 2 soak "$TMP/scen" --out "$TMP/soak"
check "nothing ran" test ! -e "$TMP/soak/big"

s=$(scenario_for ok "[\"$HELPERS/hello\", \"--port\", \"{port}\"]")
check "--duration 745h is refused (exit 2)" quick_exit 2 run "$s" --duration 745h
check "saying the bound" one_line "at most 31 days"
check "soak --duration 1e10 is refused (exit 2)" quick_exit 2 soak "$TMP/scen" --duration 1e10
s=$(scenario_for grace "[\"$HELPERS/hello\"]")
sed -i 's/"target": {"cmd": \[\(.*\)\]}/"target": {"cmd": [\1], "stop_grace_s": 1e300}/' "$s"
check "stop_grace_s 1e300 is refused (exit 2)" quick_exit 2 run "$s"
check "with its bound" one_line "'target.stop_grace_s' must be a number >= 0 and at most 3600"
check "watch --warmup 1e9 is refused (exit 2)" quick_exit 2 watch --pid $$ --duration 10s \
	--warmup 1e9
