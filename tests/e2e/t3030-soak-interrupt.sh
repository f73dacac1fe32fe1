#!/bin/sh
# soak: Ctrl-C mid-soak is forwarded to the run in flight, which stops its target and writes
# its summary; the scenarios not started are reported as not run; nothing is orphaned.
. "$(dirname "$0")/lib.sh"
plan 8

mkdir -p "$TMP/scen"
for name in first second; do
	cat >"$TMP/scen/$name.json" <<JSON
{
  "name": "$name",
  "target": {"cmd": ["$HELPERS/hello", "--port", "{port}"]},
  "duration_s": 120, "warmup_s": 2,
  "sample": {"interval_ms": 50}
}
JSON
done

ls_start soak "$TMP/scen" -j 1 --out "$TMP/soak"
check "the first run is sampling" wait_until has_samples "$TMP/soak/first/samples.csv" 2
check "SIGINT ends the soak with 130" ls_interrupt
check "no run or target survives" no_strays
check "the interrupted run wrote its summary" \
	grep -q '"interrupted by SIGINT' "$TMP/soak/first/summary.json"
check "the report lists both scenarios as errors" \
	test "$(jq -r '[.runs[] | .scenario + ":" + .verdict] | join(",")' "$TMP/soak/summary.json")" \
	= first:error,second:error
check "the second says it was not run" \
	test "$(jq -r '.runs[1].message' "$TMP/soak/summary.json")" = \
	"not run: the soak was interrupted by SIGINT"
check "junit.xml counts two errors" grep -q 'tests="2" failures="0" errors="2"' "$TMP/soak/junit.xml"
check "the second run never started (no folder)" test ! -e "$TMP/soak/second"
