#!/bin/sh
# run: Ctrl-C mid-run stops the whole target tree — children, a child ignoring SIGTERM and a
# setsid'd orphan — keeps the samples taken, and writes a summary.
. "$(dirname "$0")/lib.sh"
plan 6

# The tree: a shell with a plain child, a child that ignores SIGTERM, and a grandchild that
# escapes the process group with setsid.
s=$(scenario_for tree '["/bin/sh", "-c", "sleep 300 & (trap \"\" TERM; sleep 300) & setsid sleep 300 & wait"]' \
	'"gate": {"rss_kib_per_min": 1024}')
sed -i 's/"duration_s": 4/"duration_s": 120/' "$s"
env LEAKSOAK_E2E_TAG="$TAG" "$LEAKSOAK" run "$s" --out "$TMP/tree" >"$OUT" 2>"$ERR" &
harness=$!

# Ready when samples show the whole tree (shell + 3 sleeps + the subshell): bounded wait.
rows=0
for _ in $(seq 1 200); do
	procs=$(tail -n 1 "$TMP/tree/samples.csv" 2>/dev/null | cut -d, -f5)
	[ "${procs:-0}" -ge 4 ] 2>/dev/null && break
	sleep 0.05
done
check "the sampler sees the whole tree (procs >= 4)" test "${procs:-0}" -ge 4
kill -INT "$harness"
wait "$harness"
code=$?
check "SIGINT ends the run with 130" test "$code" = 130
check "no process of the tree survives" no_strays
rows=$(($(wc -l <"$TMP/tree/samples.csv") - 1))
check "the samples taken are on disk" test "$rows" -ge 1
check "summary.json records the interruption" \
	grep -q '"interrupted by SIGINT' "$TMP/tree/summary.json"
check "the message says so" grep -q "interrupted by SIGINT" "$ERR"
