#!/bin/sh
# soak: three tiny scenarios, two at a time — one expected to pass, one without expect, one
# expected to leak that does not — write summary.json, junit.xml and index.html, plot every
# run, fail on the expect mismatch, and leave nothing running.
. "$(dirname "$0")/lib.sh"
plan 17

hello_scenario "$TMP/scen" hello-a pass
hello_scenario "$TMP/scen" hello-b
hello_scenario "$TMP/scen" hello-c leak

soak=$TMP/soak
check "soak fails on the expect mismatch (exit 1)" expect_exit 1 soak "$TMP/scen" -j 2 --out "$soak"
check "nothing is left running" no_strays
# Not a terminal: a plain line per start and end.  With -j 2 the first two runs start before
# anything is waited for.
check "the first two runs start at once" \
	test "$(sed -n '2,3s/^\[[0-9]\/3\] start  //p' "$OUT" | tr '\n' ' ')" = "hello-a hello-b "
check "each end is a line" test "$(grep -c '^\[[0-9]/3\] pass ' "$OUT")" = 3
check "the last line has the verdict and the report" \
	grep -q "^leak: 3 runs, 2 ok, 1 failed, 0 errors (1 expect mismatch); report $soak/index.html" "$OUT"

check "summary.json is a report" test "$(json_get "$soak/summary.json" kind)" = leaksoak-report
check "it has every run, by name" \
	test "$(jq -r '[.runs[].scenario] | join(",")' "$soak/summary.json")" = hello-a,hello-b,hello-c
check "every run passed its gates" \
	test "$(jq -r '[.runs[].verdict] | join(",")' "$soak/summary.json")" = pass,pass,pass
check "the mismatch is marked" \
	test "$(jq -r '[.runs[].mismatch] | join(",")' "$soak/summary.json")" = false,false,true
jq_true() { jq -e "$1" "$2" >/dev/null; }
check "slopes are there" jq_true '.runs[0].metrics.rss.slope_kib_per_min | type == "number"' \
	"$soak/summary.json"

# xml_ok FILE: well-formed XML, by whichever parser is installed.
xml_ok() {
	if command -v xmllint >/dev/null; then
		xmllint --noout "$1"
	else
		python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$1"
	fi
}
if command -v xmllint >/dev/null || command -v python3 >/dev/null; then
	check "junit.xml is well-formed XML" xml_ok "$soak/junit.xml"
else
	skip "no XML parser (apt-get install libxml2-utils)"
fi
check "junit.xml has a case per run and one failure" \
	grep -q 'tests="3" failures="1" errors="0"' "$soak/junit.xml"
check "the failure says what was expected" \
	grep -q '<failure type="leak" message="expected leak, but no gate failed: rss ' "$soak/junit.xml"

check "index.html has a row per run" test "$(grep -c '<tr class="run' "$soak/index.html")" = 3
check "the mismatch row is highlighted" grep -q '<tr class="run mismatch" id="row-hello-c"' \
	"$soak/index.html"
if command -v gnuplot >/dev/null; then
	check "every run was plotted and embedded" \
		test "$(grep -o 'src="data:image/png;base64,' "$soak/index.html" | wc -l)" = 3
else
	skip "gnuplot is not installed: no plots to embed"
fi
check "each run kept its log and samples" \
	test -s "$soak/hello-a/run.log" -a -s "$soak/hello-b/samples.csv" -a -s "$soak/hello-c/summary.json"
