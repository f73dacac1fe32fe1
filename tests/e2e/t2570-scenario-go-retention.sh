#!/bin/sh
# The Go allocator-retention trap: Go 1.19 run with GODEBUG=madvdontneed=0 frees with MADV_FREE,
# so after each (growing) upload raw RSS stays at the burst's height while RSS minus LazyFree
# falls back; the scenario must pass, and a raw-RSS gate would have failed it.
. "$(dirname "$0")/lib.sh"
plan 7
cd "$ROOT" || exit 1
s=$TMP/go-retention/summary.json
check "go-retention passes" expect_exit 0 run scenarios/go-retention.json --out "$TMP/go-retention"
check "its requests all reached the target" drove_cleanly "$s"
check "rss was gated net of LazyFree" json_true "$s" '.metrics.rss.basis == "rss-lazyfree"'
check "raw RSS grew beyond the gate ($(json_get "$s" metrics.rss_raw.slope_per_min) KiB/min)" \
	json_true "$s" '(.metrics.rss_raw.slope_per_min | numbers) > (.gate.rss_kib_per_min | numbers)'
check "RSS - LazyFree stayed under it ($(json_get "$s" metrics.rss.slope_per_min) KiB/min)" \
	json_true "$s" '(.metrics.rss.slope_per_min | numbers) <= (.gate.rss_kib_per_min | numbers)'
check "raw RSS ends at least 4 MiB above RSS - LazyFree (freed pages still resident)" \
	json_true "$s" '(.metrics.rss_raw.last | numbers) - (.metrics.rss.last | numbers) >= 4096'
check "nothing is left running" no_strays
