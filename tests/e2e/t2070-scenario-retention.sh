#!/bin/sh
# The allocator-retention trap: raw RSS climbs (MADV_FREE pages stay resident) while RSS minus
# LazyFree stays flat, so the scenario must pass — and a raw-RSS gate would have failed it.
. "$(dirname "$0")/lib.sh"
plan 6
cd "$ROOT" || exit 1
s=$TMP/retention/summary.json
check "retention passes" expect_exit 0 run scenarios/retention.json --out "$TMP/retention"
check "its requests all reached the target" drove_cleanly "$s"
check "rss was gated net of LazyFree" json_true "$s" '.metrics.rss.basis == "rss-lazyfree"'
check "raw RSS grew beyond the gate ($(json_get "$s" metrics.rss_raw.slope_per_min) KiB/min)" \
	json_true "$s" '(.metrics.rss_raw.slope_per_min | numbers) > (.gate.rss_kib_per_min | numbers)'
check "RSS - LazyFree stayed under it ($(json_get "$s" metrics.rss.slope_per_min) KiB/min)" \
	json_true "$s" '(.metrics.rss.slope_per_min | numbers) <= (.gate.rss_kib_per_min | numbers)'
check "nothing is left running" no_strays
