#!/bin/sh
# Early verdicts: every bundled leak is called within --duration 10, and --no-early-stop (or
# "early_stop": false) runs the whole duration.  That each leak settles within 15 s of start
# at its own duration, and each fixed twin within 20 s, the t20N0 scripts check.
. "$(dirname "$0")/lib.sh"
leaks="map-delete-churn cached-streams grpc-conns gzip-options stopped-ticker cgo-overwrite"
plan 11
cd "$ROOT" || exit 1

for s in $leaks; do
	[ "$s" = grpc-conns ] && [ "$(ulimit -n)" -lt 4096 ] && ulimit -n 4096 2>/dev/null
	check "$s is called a leak with --duration 10" \
		expect_exit 1 run "scenarios/$s.json" --duration 10 --out "$TMP/$s"
done
check "--no-early-stop runs the whole duration" \
	expect_exit 0 run scenarios/map-delete-churn-fixed.json --duration 12 --no-early-stop \
	--out "$TMP/full"
check "... and records it" json_true "$TMP/full/summary.json" \
	'.stopped_early == false and .stop_reason == "duration" and .elapsed_s >= 11.5'
sed 's/"expect": "pass"/"expect": "pass", "early_stop": false/' \
	scenarios/map-delete-churn-fixed.json >"$TMP/no-early.json"
check "\"early_stop\": false does the same" \
	expect_exit 0 run "$TMP/no-early.json" --duration 12 --out "$TMP/key"
check "... and records it" json_true "$TMP/key/summary.json" \
	'.stopped_early == false and .elapsed_s >= 11.5'
check "nothing is left running" no_strays
