#!/bin/sh
# soak --shard: two shards run side by side, as on two CI machines, split the sorted scenario
# list deterministically; `leaksoak report` merges them into one report without losing a run.
. "$(dirname "$0")/lib.sh"
plan 12

for name in hello-a hello-b; do
	hello_scenario "$TMP/scen" "$name"
done

# The two shards at once, each with its own output files.
for k in 1 2; do
	env LEAKSOAK_E2E_TAG="$TAG" "$LEAKSOAK" soak "$TMP/scen" --shard "$k/2" --out "$TMP/s$k" \
		>"$TMP/s$k.out" 2>"$TMP/s$k.err" &
	eval "pid$k=\$!"
done
wait "$pid1"
code1=$?
wait "$pid2"
code2=$?
check "shard 1/2 passes" test "$code1" = 0
check "shard 2/2 passes" test "$code2" = 0
check "shard 1/2 ran the first scenario by name" \
	test "$(jq -r '[.runs[].scenario] | join(",")' "$TMP/s1/summary.json")" = hello-a
check "shard 2/2 ran the second" \
	test "$(jq -r '[.runs[].scenario] | join(",")' "$TMP/s2/summary.json")" = hello-b
check "each report says which shard it is" \
	test "$(jq -r .shard "$TMP/s1/summary.json")/$(jq -r .shard "$TMP/s2/summary.json")" = 1/2/2/2
check "shards do not compare with each other" \
	test "$(jq -r .baseline "$TMP/s2/summary.json")" = null

check "report merges the shards (exit 0)" expect_exit 0 report "$TMP/s1" "$TMP/s2" --out "$TMP/all"
check "the merged report has every scenario" \
	test "$(jq -r '[.runs[].scenario] | join(",")' "$TMP/all/summary.json")" = hello-a,hello-b
# results_exist: every run's results path (relative to the report) holds its summary.json.
results_exist() {
	for r in $(jq -r '.runs[].results' "$TMP/all/summary.json"); do
		case $r in /*) d=$r ;; *) d=$TMP/all/$r ;; esac
		[ -s "$d/summary.json" ] || return 1
	done
}
check "each merged run points at its folder" results_exist
check "junit.xml has both cases" grep -q 'tests="2" failures="0" errors="0"' "$TMP/all/junit.xml"
check "index.html has both rows" test "$(grep -c '<tr class="run' "$TMP/all/index.html")" = 2
check "nothing is left running" no_strays
