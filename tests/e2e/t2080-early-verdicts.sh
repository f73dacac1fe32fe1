#!/bin/sh
# Early verdicts: every bundled leak is called within --duration 10, every fixed twin passes
# before its duration is up (and within 20 s of start), summary.json says when and why, and
# --no-early-stop (or "early_stop": false) runs the whole duration.
. "$(dirname "$0")/lib.sh"
leaks="map-delete-churn cached-streams grpc-conns gzip-options stopped-ticker cgo-overwrite"
plan 26
cd "$ROOT" || exit 1

# decided_by FILE S: the run settled early, at most S seconds after its start.
decided_by() {
	json_true "$1" ".stopped_early == true and .decided_at_s <= $2 and
		       .elapsed_s < .duration_s" &&
	json_true "$1" '(.why | length) > 10'
}

for s in $leaks; do
	[ "$s" = grpc-conns ] && [ "$(ulimit -n)" -lt 4096 ] && ulimit -n 4096 2>/dev/null
	check "$s is called a leak with --duration 10" \
		expect_exit 1 run "scenarios/$s.json" --duration 10 --out "$TMP/$s"
done
for s in $leaks; do
	check "$s-fixed passes" expect_exit 0 run "scenarios/$s-fixed.json" --out "$TMP/$s-fixed"
	check "... settled early, within 20 s of start" decided_by "$TMP/$s-fixed/summary.json" 20
done
check "map-delete-churn settles on a leak within 10 s of start" \
	expect_exit 1 run scenarios/map-delete-churn.json --out "$TMP/md"
check "... and says so" decided_by "$TMP/md/summary.json" 10
check "... with stop_reason leak-settled" json_true "$TMP/md/summary.json" \
	'.stop_reason == "leak-settled" and .metrics.rss.why == .why'
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
