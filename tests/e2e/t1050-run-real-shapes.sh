#!/bin/sh
# run on program shapes leaksoak meets in the wild, beyond the bundled targets: garbage-
# collector sawtooth, a cache that fills during warm-up, a master/worker tree whose workers
# leak, a wrapper script, and thread and FD leaks with flat memory.
. "$(dirname "$0")/lib.sh"
plan 12

G=$HELPERS/grower
shape() {
	name=$1
	cmd=$2
	s=$(scenario_for "$name" "$cmd" '"gate": {"rss_kib_per_min": 4096, "threads_per_min": 5, "fds_per_min": 5}')
	sed -i 's/"duration_s": 4, "warmup_s": 1/"duration_s": 12, "warmup_s": 3/; s/"interval_ms": 50/"interval_ms": 100/' "$s"
	echo "$s"
}

s=$(shape sawtooth "[\"$G\", \"--kib-per-s\", \"20000\", \"--sawtooth\", \"1.5\"]")
check "a GC-like sawtooth (20 MiB/s freed every 1.5 s) passes" expect_exit 0 run "$s" --out "$TMP/saw"

s=$(shape plateau "[\"$G\", \"--kib-per-s\", \"8192\", \"--grow-for\", \"2\"]")
check "growth that stops during warm-up passes" expect_exit 0 run "$s" --out "$TMP/plateau"

s=$(shape workers "[\"$G\", \"--workers\", \"3\", \"--kib-per-s\", \"400\"]")
check "a leak in the workers of a master/worker tree is a leak" expect_exit 1 run "$s" --out "$TMP/workers"
check "the tree's processes were summed (procs = 4)" \
	test "$(tail -n 1 "$TMP/workers/samples.csv" | cut -d, -f5)" = 4
check "the failing metric is rss" test "$(json_get "$TMP/workers/summary.json" failed.0)" = rss

s=$(shape wrapper "[\"/bin/sh\", \"-c\", \"$G --threads-per-s 2; true\"]")
check "a thread leak behind a wrapper script is a leak" expect_exit 1 run "$s" --out "$TMP/wrapper"
check "the failing metric is threads" \
	test "$(json_get "$TMP/wrapper/summary.json" failed.0)" = threads

s=$(shape fds "[\"$G\", \"--fds-per-s\", \"3\"]")
check "an FD leak with flat memory is a leak" expect_exit 1 run "$s" --out "$TMP/fds"
check "the failing metric is fds" test "$(json_get "$TMP/fds/summary.json" failed.0)" = fds

s=$(shape idle "[\"$G\"]")
check "an idle program passes" expect_exit 0 run "$s" --out "$TMP/idle"
check "its summary verdict is pass" test "$(json_get "$TMP/idle/summary.json" verdict)" = pass
check "nothing is left running" no_strays
