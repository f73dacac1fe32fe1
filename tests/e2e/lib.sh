# lib.sh — shared helpers for leaksoak's end-to-end tests (TAP on stdout).
#
# Each test script sources this file, calls `plan N`, and reports each step with `ok`/`not_ok`
# (or `check NAME cmd...`).  Every run of the binary goes through `ls_run`, which tags the
# environment with a per-script marker, so `no_strays` can find any process of a target tree
# (grandchildren and setsid'd orphans included: they inherit the environment) left behind.
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LEAKSOAK=$ROOT/leaksoak
HELPERS=$ROOT/build/helpers
TMP=$(mktemp -d "${TMPDIR:-/tmp}/leaksoak-e2e.XXXXXX")
TAG="leaksoak-e2e-$$-$(date +%s%N)"
OUT=$TMP/stdout
ERR=$TMP/stderr
tap_n=0
tap_failed=0

plan() { echo "1..$1"; }

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # skip $*"; }

# check NAME cmd...: one TAP line for whether cmd succeeds.
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# Run leaksoak with the stray-process tag; stdout and stderr go to $OUT and $ERR.
ls_run() {
	env LEAKSOAK_E2E_TAG="$TAG" "$LEAKSOAK" "$@" >"$OUT" 2>"$ERR"
}

# ls_start args...: ls_run in the background; its PID in $ls_pid.
ls_start() {
	env LEAKSOAK_E2E_TAG="$TAG" "$LEAKSOAK" "$@" >"$OUT" 2>"$ERR" &
	ls_pid=$!
}

# ls_interrupt: Ctrl-C for the leaksoak of ls_start; succeed when it exits with 130.
ls_interrupt() {
	kill -INT "$ls_pid"
	wait "$ls_pid"
	code=$?
	[ "$code" = 130 ] && return 0
	echo "# expected exit 130 after SIGINT, got $code"
	return 1
}

# wait_until cmd...: succeed as soon as cmd does, trying every 50 ms; fail after 10 s.
wait_until() {
	for _ in $(seq 1 200); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# has_samples FILE N: the samples.csv FILE holds at least N rows below its header.
has_samples() {
	rows=$(($({ wc -l <"$1"; } 2>/dev/null || echo 1) - 1))
	[ "$rows" -ge "$2" ]
}

# expect_exit CODE args...: run leaksoak; succeed when it exits with CODE, else show why.
expect_exit() {
	want=$1
	shift
	ls_run "$@"
	got=$?
	[ "$got" = "$want" ] && return 0
	echo "# expected exit $want, got $got: leaksoak $*"
	sed 's/^/#   stderr: /' "$ERR" | tail -n 5
	sed 's/^/#   stdout: /' "$OUT" | tail -n 12
	return 1
}

# PIDs of live processes carrying this script's tag.
tagged_pids() {
	for env in /proc/[0-9]*/environ; do
		pid=${env#/proc/}
		pid=${pid%/environ}
		[ "$pid" = "$$" ] && continue
		if { tr '\0' '\n' <"$env"; } 2>/dev/null | grep -qx "LEAKSOAK_E2E_TAG=$TAG"; then
			# A zombie waiting for its parent is not a running stray.
			state=$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
			[ "$state" = Z ] || echo "$pid"
		fi
	done
}

# Succeed when no process started through ls_run is still alive.
no_strays() {
	strays=$(tagged_pids)
	[ -z "$strays" ] && return 0
	for pid in $strays; do
		echo "# stray process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
	done
	return 1
}

# json_get FILE KEY.PATH: a value from a JSON file (jq; "failed.0" indexes arrays).
json_get() {
	jq -r --arg p "$2" 'getpath($p | split(".") | map(tonumber? // .))' "$1"
}

# Write a scenario for a helper or bundled target into $TMP/NAME.json; extra JSON members
# (after the target) come as the third argument.
scenario_for() {
	name=$1
	cmd=$2
	extra=${3:-}
	cat >"$TMP/$name.json" <<JSON
{
  "name": "$name",
  "target": {"cmd": $cmd},
  "duration_s": 4, "warmup_s": 1,
  "sample": {"interval_ms": 50}${extra:+,
  $extra}
}
JSON
	echo "$TMP/$name.json"
}

# hello_scenario DIR NAME [EXPECT]: DIR/NAME.json, build/helpers/hello driven at 100
# requests/s on 2 connections for 6 s (warm-up 2 s, gate 4096 KiB/min); EXPECT, when given and
# not empty, is its "expect".
hello_scenario() {
	expect=
	[ -n "${3:-}" ] && expect=", \"expect\": \"$3\""
	mkdir -p "$1"
	cat >"$1/$2.json" <<JSON
{
  "name": "$2",
  "target": {"cmd": ["$HELPERS/hello", "--port", "{port}"],
             "ready": {"http_get": "http://127.0.0.1:{port}/", "timeout_s": 10}},
  "drive": {"http": {"url": "http://127.0.0.1:{port}/", "rate_per_s": 100, "concurrency": 2}},
  "duration_s": 6, "warmup_s": 2,
  "gate": {"rss_kib_per_min": 4096}$expect
}
JSON
}

# one_line PATTERN: stderr is exactly one line and it matches PATTERN (grep -E).
one_line() {
	[ "$(wc -l <"$ERR")" = 1 ] && grep -Eq "$1" "$ERR" && return 0
	sed 's/^/#   stderr: /' "$ERR" | head -n 5
	return 1
}

# json_true FILE FILTER: the jq FILTER is true of FILE (null or a missing key is not).
json_true() {
	jq -e "$2" "$1" >/dev/null
}

# failed_exactly SUMMARY JSON_ARRAY: the run failed on exactly these metrics, in this order.
failed_exactly() {
	json_true "$1" ".failed == $2"
}

# drove_cleanly SUMMARY: the driver's requests reached the target (some completed, none failed).
drove_cleanly() {
	json_true "$1" '.driver.requests > 0 and .driver.errors == 0'
}

# where_says FILE KEY REGEX: a line of the evidence for KEY (a metric's name) in summary FILE
# matches the jq regular expression REGEX.
where_says() {
	json_true "$1" "any(.evidence.where[\"$2\"][]?; test(\"$3\"))"
}

# settled_by FILE S: the run ended on an early verdict at most S seconds after its start, and
# its summary says why.
settled_by() {
	json_true "$1" ".stopped_early == true and .decided_at_s <= $2 and
		       .elapsed_s < .duration_s and (.why | length) > 10"
}

# bundled_pair NAME FAILED [LEAK_BY TWIN_BY]: the bundled leak scenario exits 1 failing exactly
# the metrics of the JSON array FAILED, its fixed twin exits 0, both with every request
# answered, and nothing is left running (6 TAP lines); with LEAK_BY and TWIN_BY, the leak
# also settled within LEAK_BY seconds of start and the twin within TWIN_BY (8 lines).
bundled_pair() {
	check "$1 is called a leak" expect_exit 1 run "$ROOT/scenarios/$1.json" --out "$TMP/$1"
	check "$1 fails on $2 and nothing else" failed_exactly "$TMP/$1/summary.json" "$2"
	check "$1's requests all reached the target" drove_cleanly "$TMP/$1/summary.json"
	check "$1-fixed passes" expect_exit 0 run "$ROOT/scenarios/$1-fixed.json" --out "$TMP/$1-fixed"
	check "$1-fixed's requests all reached the target" drove_cleanly "$TMP/$1-fixed/summary.json"
	if [ $# -ge 4 ]; then
		check "$1 settled early, within $3 s of start" settled_by "$TMP/$1/summary.json" "$3"
		check "$1-fixed settled early, within $4 s" settled_by "$TMP/$1-fixed/summary.json" "$4"
	fi
	check "$1 leaves nothing running" no_strays
}

# skip_unless_fd_limit N COUNT WHAT: when the FD hard limit is below N, report all COUNT
# planned tests as skipped and exit (a leak of FDs capped below the limit levels off during
# warm-up and there is nothing to see).
skip_unless_fd_limit() {
	hard=$(ulimit -Hn)
	if [ "$hard" != unlimited ] && [ "$hard" -lt "$1" ]; then
		for _ in $(seq 1 "$2"); do skip "the FD hard limit is $hard ($3 needs $1)"; done
		exit 0
	fi
}

# lazyfree_trap NAME: the bundled scenario NAME passes with every request answered, its RSS
# gated net of LazyFree, raw RSS growing beyond the gate and RSS - LazyFree within it
# (5 TAP lines; the summary is $TMP/NAME/summary.json).
lazyfree_trap() {
	s=$TMP/$1/summary.json
	check "$1 passes" expect_exit 0 run "$ROOT/scenarios/$1.json" --out "$TMP/$1"
	check "its requests all reached the target" drove_cleanly "$s"
	check "rss was gated net of LazyFree" json_true "$s" '.metrics.rss.basis == "rss-lazyfree"'
	check "raw RSS grew beyond the gate ($(json_get "$s" metrics.rss_raw.slope_per_min) KiB/min)" \
		json_true "$s" '(.metrics.rss_raw.slope_per_min | numbers) > (.gate.rss_kib_per_min | numbers)'
	check "RSS - LazyFree stayed under it ($(json_get "$s" metrics.rss.slope_per_min) KiB/min)" \
		json_true "$s" '(.metrics.rss.slope_per_min | numbers) <= (.gate.rss_kib_per_min | numbers)'
}

finish() {
	for pid in $(tagged_pids); do kill -KILL "$pid" 2>/dev/null; done
	rm -rf "$TMP"
	[ "$tap_failed" = 0 ]
}
# dash ignores the status of an EXIT trap: exit with it ourselves.  A signal (tests/run.sh's
# time limit) exits through the same trap so the processes of the run are still killed.
trap 'finish || exit 1' EXIT
trap 'exit 143' TERM INT
