#!/bin/sh
# The remedy for the Go retention trap: the same target run with GODEBUG=madvdontneed=1 returns
# freed pages with MADV_DONTNEED, so its raw RSS falls back after each upload where the trap's
# (t2570, madvdontneed=0) stays up: the scenario passes with raw RSS under the gate and no
# LazyFree left at the end, and the Go heap in use, read from /metrics, stays flat.
. "$(dirname "$0")/lib.sh"
plan 6
cd "$ROOT" || exit 1
s=$TMP/twin/summary.json
check "go-retention-madvdontneed passes" \
	expect_exit 0 run scenarios/go-retention-madvdontneed.json --out "$TMP/twin"
check "its requests all reached the target" drove_cleanly "$s"
check "raw RSS stayed under the gate ($(json_get "$s" metrics.rss_raw.slope_per_min) KiB/min)" \
	json_true "$s" '(.metrics.rss_raw.slope_per_min | numbers) <= (.gate.rss_kib_per_min | numbers)'
check "raw RSS ends within 1 MiB of RSS - LazyFree (freed pages left RSS)" \
	json_true "$s" '(.metrics.rss_raw.last | numbers) - (.metrics.rss.last | numbers) < 1024'
check "the Go heap in use was read from /metrics and stayed under 8 MiB/min" \
	json_true "$s" '.metrics.go_memstats_heap_inuse_bytes.slope_per_min < 8388608'
check "nothing is left running" no_strays
