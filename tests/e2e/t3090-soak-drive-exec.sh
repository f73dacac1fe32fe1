#!/bin/sh
# soak and report show each run's load generator (drive.exec): its command and how it ended,
# in the soak's summary.json, on the terminal and in index.html.
. "$(dirname "$0")/lib.sh"
plan 8

mkdir -p "$TMP/sc"
# gen_scenario NAME EXEC_JSON: hello driven by EXEC_JSON alone.
gen_scenario() {
	cat >"$TMP/sc/$1.json" <<JSON
{
  "name": "$1",
  "target": {"cmd": ["$HELPERS/hello", "--port", "{port}"],
             "ready": {"http_get": "http://127.0.0.1:{port}/", "timeout_s": 10}},
  "drive": {"exec": $2},
  "duration_s": 3, "warmup_s": 1, "early_stop": false,
  "sample": {"interval_ms": 50}
}
JSON
}
gen_scenario gen-ok '["/bin/sleep", "60"]'
gen_scenario gen-fails '["/bin/sh", "-c", "echo no route to host; exit 4"]'

check "a soak with a failing generator is an error (exit 3)" expect_exit 3 soak "$TMP/sc" -j 2 --out "$TMP/soak"
check "summary.json: each run's generator command and how it ended" json_true "$TMP/soak/summary.json" '
	(.runs | map({key: .scenario, value: .drive_exec}) | from_entries) as $g |
	$g["gen-ok"].cmd == ["/bin/sleep", "60"] and
	$g["gen-ok"].exit == "was stopped at the end of the run" and $g["gen-ok"].exit_status == null and
	$g["gen-fails"].exit == "exited with status 4" and $g["gen-fails"].exit_status == 4'
check "the failed run's message has the end of drive.log" json_true "$TMP/soak/summary.json" \
	'.runs[] | select(.scenario == "gen-fails") | .message | contains("drive.log ends: no route to host")'
check "the terminal shows the failing generator's command and status" \
	grep -q "load: /bin/sh -c echo no route to host; exit 4 (exited with status 4" "$OUT"
check "index.html shows each generator" sh -c "
	grep -q 'load generator: <code>/bin/sleep 60 (was stopped at the end of the run' '$TMP/soak/index.html' &&
	grep -q 'load generator: <code>/bin/sh -c echo no route to host; exit 4 (exited with status 4' '$TMP/soak/index.html'"
check "report re-reads the soak (exit 3)" expect_exit 3 report "$TMP/soak" --out "$TMP/report"
check "and shows both generators" test "$(grep -c '^         load: ' "$OUT")" = 2
check "nothing is left running" no_strays
