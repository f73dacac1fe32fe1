#!/bin/sh
# rss_anon: page cache a target maps and touches grows its RSS without leaking; a scenario
# that gates anonymous memory instead passes it, and still catches a heap leak.
. "$(dirname "$0")/lib.sh"
plan 7

G=$HELPERS/grower
cache="[\"$G\", \"--map-file\", \"$TMP/big.dat\", \"--file-kib-per-s\", \"4096\"]"
on_rss='"gate": {"rss_kib_per_min": 4096}'
on_anon='"gate": {"rss_kib_per_min": null, "rss_anon_kib_per_min": 4096}'

s=$(scenario_for cache-rss "$cache" "$on_rss")
sed -i 's/"duration_s": 4, "warmup_s": 1/"duration_s": 12, "warmup_s": 2/' "$s"
check "a mapped file touched at 4 MiB/s trips an RSS gate" \
	expect_exit 1 run "$s" --out "$TMP/cache-rss"
check "the failing metric is rss" test "$(json_get "$TMP/cache-rss/summary.json" failed.0)" = rss

s=$(scenario_for cache-anon "$cache" "$on_anon")
sed -i 's/"duration_s": 4, "warmup_s": 1/"duration_s": 12, "warmup_s": 2/' "$s"
check "the same target passes when the scenario gates anonymous memory" \
	expect_exit 0 run "$s" --out "$TMP/cache-anon"
check "its rss_anon slope is a sliver of the 240 MiB/min it touched in file pages" \
	awk -v v="$(json_get "$TMP/cache-anon/summary.json" metrics.rss_anon.slope_per_min)" \
	'BEGIN { exit !(v < 1024) }'
check "samples.csv has the rss_anon_kib column" \
	test "$(head -n 1 "$TMP/cache-anon/samples.csv" | cut -d, -f10)" = rss_anon_kib

s=$(scenario_for heap-anon "[\"$G\", \"--kib-per-s\", \"400\"]" "$on_anon")
sed -i 's/"duration_s": 4, "warmup_s": 1/"duration_s": 12, "warmup_s": 2/' "$s"
check "a heap leak is still a leak on the anonymous gate" \
	expect_exit 1 run "$s" --out "$TMP/heap-anon"
check "the failing metric is rss_anon" \
	test "$(json_get "$TMP/heap-anon/summary.json" failed.0)" = rss_anon
