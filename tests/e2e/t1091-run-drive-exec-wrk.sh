#!/bin/sh
# The bundled wrk example: map-delete-churn driven only by wrk through drive.exec is called a
# leak, its fixed twin a pass, with wrk's own CPU and memory shown apart in summary.json.
. "$(dirname "$0")/lib.sh"
plan 7

if ! command -v wrk >/dev/null; then
	for _ in 1 2 3 4 5 6 7; do skip "wrk is not installed (./scripts/install-deps.sh)"; done
	exit 0
fi
cd "$ROOT" || exit 1	# the scenario names wrk's script relative to the current directory
check "map-delete-churn-wrk is called a leak" \
	expect_exit 1 run scenarios/map-delete-churn-wrk.json --out "$TMP/leak"
check "it fails on rss, settled within 15 s" json_true "$TMP/leak/summary.json" \
	'.failed == ["rss"] and .stopped_early and .decided_at_s <= 15'
check "its summary shows wrk, stopped at the end, apart from the target" json_true \
	"$TMP/leak/summary.json" '.drive_exec.cmd[0] == "wrk" and .drive_exec.starts == 1 and
	 .drive_exec.exit == "was stopped at the end of the run" and .drive_exec.peak_rss_kib > 0
	 and .driver == null'
check "drive.log is in the run folder" test -f "$TMP/leak/drive.log"
check "map-delete-churn-wrk-fixed passes" \
	expect_exit 0 run scenarios/map-delete-churn-wrk-fixed.json --out "$TMP/pass"
check "the twin settled within 20 s, wrk busy meanwhile" json_true "$TMP/pass/summary.json" \
	'.stopped_early and .decided_at_s <= 20 and .drive_exec.cpu_s > 0'
check "nothing is left running" no_strays
