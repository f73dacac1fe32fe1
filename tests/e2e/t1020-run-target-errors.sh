#!/bin/sh
# run: a target that cannot start, never becomes ready, exits or crashes is exit 3 — never
# pass — and leaves no process behind.
. "$(dirname "$0")/lib.sh"
plan 15

s=$(scenario_for missing '["./no/such/binary"]')
check "a missing binary exits 3" expect_exit 3 run "$s" --out "$TMP/missing"
check "the message names the program" grep -q "no/such/binary" "$ERR"
check "summary.json says error" test "$(json_get "$TMP/missing/summary.json" verdict)" = error

s=$(scenario_for notready '["/bin/sleep", "60"]')
sed -i 's|"cmd": \["/bin/sleep", "60"\]|&, "ready": {"http_get": "http://127.0.0.1:{port}/healthz", "timeout_s": 1}|' "$s"
check "a target that never becomes ready exits 3" expect_exit 3 run "$s" --out "$TMP/notready"
check "it says it never became ready" grep -q "never became ready" "$ERR"
check "the unready target is gone" no_strays

s=$(scenario_for crash '["/bin/sh", "-c", "sleep 1; kill -SEGV $$"]')
check "a target crashing mid-run exits 3" expect_exit 3 run "$s" --out "$TMP/crash"
check "the reason names the signal" grep -q "signal 11" "$ERR"
check "samples taken before the crash are kept" has_samples "$TMP/crash/samples.csv" 1

s=$(scenario_for quits '["/bin/sh", "-c", "sleep 1; exit 7"]')
check "a target exiting mid-run exits 3" expect_exit 3 run "$s" --out "$TMP/quits"
check "the reason gives its exit status" grep -q "exited with status 7" "$ERR"
expect_exit 3 run "$s" --out "$TMP/quits2" --junit "$TMP/j.xml" && grep -q "<error" "$TMP/j.xml"
check "the JUnit report marks it an error" test $? = 0
# Every request refused (nothing listens on port 1): flat memory under no load is no pass.
s=$(scenario_for undriven "[\"$HELPERS/hello\", \"--port\", \"{port}\"]" \
	'"drive": {"http": {"url": "http://127.0.0.1:1/", "rate_per_s": 20}}')
check "a run none of whose requests succeeded exits 3" expect_exit 3 run "$s" --out "$TMP/undriven"
check "the reason says the target was never driven" grep -q "never driven" "$ERR"
check "nothing is left running" no_strays
