#!/bin/sh
# watch: samples a process it did not start, gates it like run, and never signals it.
. "$(dirname "$0")/lib.sh"
plan 11

G=$HELPERS/grower
env LEAKSOAK_E2E_TAG="$TAG" "$G" --signal-log "$TMP/flat.signals" &
flat=$!
expect_exit 0 watch --pid "$flat" --duration 3 --interval-ms 100 --out "$TMP/flat"
check "a flat process passes" test $? = 0
check "summary.json has the contract's slopes, as numbers" json_true "$TMP/flat/summary.json" \
	'[.metrics.rss.slope_kib_per_min, .metrics.threads.slope_per_min,
	  .metrics.fds.slope_per_min] | all(type == "number")'
check "the watched process is still alive" kill -0 "$flat"
check "it received no signal at all" test ! -s "$TMP/flat.signals"
kill "$flat"
wait "$flat" 2>/dev/null

env LEAKSOAK_E2E_TAG="$TAG" "$G" --kib-per-s 2048 &
leaky=$!
expect_exit 1 watch --pid "$leaky" --duration 4 --interval-ms 100 --out "$TMP/leaky"
check "a process growing 120 MiB/min is a leak" test $? = 0
check "the failing metric is rss alone" failed_exactly "$TMP/leaky/summary.json" '["rss"]'
kill "$leaky"
wait "$leaky" 2>/dev/null

# The process is ended once the watch has samples of it, so it goes away mid-watch.
env LEAKSOAK_E2E_TAG="$TAG" "$G" &
gone=$!
ls_start watch --pid "$gone" --duration 60 --interval-ms 100 --out "$TMP/gone"
check "the watch is sampling" wait_until has_samples "$TMP/gone/samples.csv" 3
kill -KILL "$gone"
wait "$ls_pid"
check "a process that goes away mid-watch is exit 3" test $? = 3
check "the message says it went away" grep -q "went away" "$ERR"
wait "$gone" 2>/dev/null

# One above the largest pid the kernel hands out: certainly no such process.
nopid=$(($(cat /proc/sys/kernel/pid_max) + 1))
check "watching a pid that does not exist is exit 3" \
	expect_exit 3 watch --pid "$nopid" --duration 2 --out "$TMP/nopid"
check "and leaves no results folder behind" test ! -e "$TMP/nopid"
