#!/bin/sh
# The allocator-retention trap: raw RSS climbs (MADV_FREE pages stay resident) while RSS minus
# LazyFree stays flat, so the scenario must pass — and a raw-RSS gate would have failed it.
. "$(dirname "$0")/lib.sh"
plan 4
cd "$ROOT" || exit 1
check "retention passes" expect_exit 0 run scenarios/retention.json --out "$TMP/retention"
gate=$(json_get "$TMP/retention/summary.json" gate.rss_kib_per_min)
raw=$(json_get "$TMP/retention/summary.json" metrics.rss_raw.slope_per_min)
net=$(json_get "$TMP/retention/summary.json" metrics.rss.slope_per_min)
check "raw RSS grew beyond the gate ($raw > $gate KiB/min)" awk -v r="$raw" -v g="$gate" 'BEGIN { exit !(r > g) }'
check "RSS - LazyFree stayed under it ($net <= $gate KiB/min)" awk -v r="$net" -v g="$gate" 'BEGIN { exit !(r <= g) }'
check "nothing is left running" no_strays
