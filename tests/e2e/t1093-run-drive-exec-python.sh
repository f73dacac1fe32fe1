#!/bin/sh
# The bundled Python example: gzip-options driven only by a Python client script through
# drive.exec is called a leak and its fixed twin a pass; the client's output is in drive.log
# and its interpreter's memory is shown apart from the target's.
. "$(dirname "$0")/lib.sh"
plan 6

cd "$ROOT" || exit 1	# the scenario names its script relative to the current directory
check "gzip-options-python is called a leak" \
	expect_exit 1 run scenarios/gzip-options-python.json --out "$TMP/leak"
check "it fails on rss, settled within 15 s" json_true "$TMP/leak/summary.json" \
	'.failed == ["rss"] and .stopped_early and .decided_at_s <= 15'
check "the Python client is shown apart, stopped at the end" json_true "$TMP/leak/summary.json" \
	'.drive_exec.cmd[0:2] == ["python3", "scenarios/load/csp-reporter.py"] and
	 .drive_exec.exit == "was stopped at the end of the run" and .drive_exec.peak_rss_kib > 1000'
check "gzip-options-python-fixed passes" \
	expect_exit 0 run scenarios/gzip-options-python-fixed.json --out "$TMP/pass"
check "the client drove it all along (its totals in drive.log)" \
	grep -q "^csp-reporter: [0-9]* requests in 10 s" "$TMP/pass/drive.log"
check "nothing is left running" no_strays
