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
ls_start run "$s" --out "$TMP/tree"

# tree_sampled: the last sample counts the whole tree (shell + 3 sleeps + the subshell).
tree_sampled() {
	procs=$(tail -n 1 "$TMP/tree/samples.csv" 2>/dev/null | cut -d, -f5)
	[ "${procs:-0}" -ge 4 ] 2>/dev/null
}
check "the sampler sees the whole tree (procs >= 4)" wait_until tree_sampled
check "SIGINT ends the run with 130" ls_interrupt
check "no process of the tree survives" no_strays
check "the samples taken are on disk" has_samples "$TMP/tree/samples.csv" 1
check "summary.json records the interruption" \
	grep -q '"interrupted by SIGINT' "$TMP/tree/summary.json"
check "the message says so" grep -q "interrupted by SIGINT" "$ERR"
