#!/bin/sh
# watch: samples a process it did not start, gates it like run, and never signals it.
. "$(dirname "$0")/lib.sh"
plan 9

G=$HELPERS/grower
env LEAKSOAK_E2E_TAG="$TAG" "$G" --signal-log "$TMP/flat.signals" &
flat=$!
expect_exit 0 watch --pid "$flat" --duration 3 --interval-ms 100 --out "$TMP/flat"
check "a flat process passes" test $? = 0
check "summary.json has the contract's keys" \
	test "$(json_get "$TMP/flat/summary.json" metrics.fds.slope_per_min)" != ""
check "the watched process is still alive" kill -0 "$flat"
check "it received no signal at all" test ! -s "$TMP/flat.signals"
kill "$flat"
wait "$flat"

env LEAKSOAK_E2E_TAG="$TAG" "$G" --kib-per-s 2048 &
leaky=$!
expect_exit 1 watch --pid "$leaky" --duration 4 --interval-ms 100 --out "$TMP/leaky"
check "a process growing 120 MiB/min is a leak" test $? = 0
check "the failing metric is rss" test "$(json_get "$TMP/leaky/summary.json" failed.0)" = rss
kill "$leaky"
wait "$leaky"

env LEAKSOAK_E2E_TAG="$TAG" "$G" &
gone=$!
( sleep 1; kill "$gone" ) &
expect_exit 3 watch --pid "$gone" --duration 10 --interval-ms 100 --out "$TMP/gone"
check "a process that goes away mid-watch is exit 3" test $? = 0
check "the message says it went away" grep -q "went away" "$ERR"
wait

check "watching a pid that does not exist is exit 3" expect_exit 3 watch --pid 4194000 --duration 2
