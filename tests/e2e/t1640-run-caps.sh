#!/bin/sh
# run and soak: the memory and process caps stop the target's tree, with a leak verdict and
# the reason; the scenario keys are validated; soak passes the flags on and shares the
# default memory cap between its jobs.
. "$(dirname "$0")/lib.sh"
plan 14

s=$(scenario_for runaway "[\"$HELPERS/grower\", \"--kib-per-s\", \"8000\"]" \
	'"gate": {"rss_kib_per_min": 1024}')
sed -i 's/"duration_s": 4/"duration_s": 60/; s/"cmd":/"max_rss_kib": 16384, "cmd":/' "$s"
check "a tree past target.max_rss_kib is a leak (exit 1)" expect_exit 1 run "$s" --out "$TMP/mem"
check "the reason says when" json_true "$TMP/mem/summary.json" \
	'.verdict == "leak" and (.reason | test("^exceeded its memory cap at t = [0-9.]+ s"))'
check "summary.json records the cap crossed" json_true "$TMP/mem/summary.json" \
	'.cap.kind == "rss" and .cap.limit == 16384 and .cap.value > 16384'
check "the run stopped there, long before its 60 s" json_true "$TMP/mem/summary.json" \
	'.elapsed_s < 10'
check "the stdout summary gives the reason" grep -q "reason   exceeded its memory cap" "$OUT"

t=$(scenario_for forks "[\"$HELPERS/tree\", \"-c\", \"4\"]" '"gate": {"rss_kib_per_min": 1024}')
check "--max-procs 3 stops a tree of 5 (exit 1)" expect_exit 1 run "$t" --out "$TMP/procs" \
	--max-procs 3
check "the reason names the process cap" json_true "$TMP/procs/summary.json" \
	'(.reason | test("^exceeded its process cap")) and .caps.max_procs == 3'
check "a bad --max-rss-kib is a usage error" expect_exit 2 run "$t" --max-rss-kib 12

sed 's/"cmd":/"max_procs": 0, "cmd":/' "$t" >"$TMP/bad.json"
check "target.max_procs 0 is refused (exit 2)" expect_exit 2 run "$TMP/bad.json"
check "the message names the key" grep -q "target.max_procs" "$ERR"

# The default memory cap: half of MemAvailable, a quarter each for soak -j 2.
total=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
check "a run under the default caps passes" expect_exit 0 run "$t" --out "$TMP/default"
check "its default memory cap is at most half the memory" \
	[ "$(json_get "$TMP/default/summary.json" caps.max_rss_kib)" -le $((total / 2)) ]
sed 's/"name": "forks"/"name": "forks2"/' "$t" >"$TMP/forks2.json"
ls_run soak -j 2 --out "$TMP/soak" --max-procs 2 "$t" "$TMP/forks2.json"
check "soak passes --max-procs on" json_true "$TMP/soak/forks/summary.json" \
	'.caps.max_procs == 2 and .cap.kind == "procs"'
check "soak -j 2 gives each run at most a quarter of the memory" \
	[ "$(json_get "$TMP/soak/forks2/summary.json" caps.max_rss_kib)" -le $((total / 4)) ]
