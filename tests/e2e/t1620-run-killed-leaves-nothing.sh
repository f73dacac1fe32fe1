#!/bin/sh
# run: SIGKILL of leaksoak itself leaves no process of the target's tree behind: not the
# children, not grandchildren that left the group with setsid, not a double-forked orphan,
# not ones that ignore SIGTERM, and none of them has a parent-death signal of its own.
. "$(dirname "$0")/lib.sh"
plan 3

s=$(scenario_for tree "[\"$HELPERS/tree\", \"-N\", \"-I\", \"-c\", \"2\", \"-g\", \"-s\", \"-o\"]" \
	'"gate": {"rss_kib_per_min": 1024}')
sed -i 's/"duration_s": 4/"duration_s": 120/' "$s"
ls_start run "$s" --out "$TMP/tree"

# the root, 2 children, 2 setsid'd grandchildren and the orphan: 6 processes
whole_tree() {
	procs=$(tail -n 1 "$TMP/tree/samples.csv" 2>/dev/null | cut -d, -f5)
	[ "${procs:-0}" -ge 6 ] 2>/dev/null
}
check "the sampler sees the whole tree (procs >= 6)" wait_until whole_tree
kill -KILL "$ls_pid"
wait "$ls_pid"
check "leaksoak died of SIGKILL" [ $? = 137 ]
none_left() { [ -z "$(tagged_pids)" ]; }
if wait_until none_left; then ok "no process of the tree survives it"; else
	no_strays
	not_ok "no process of the tree survives it"
fi
