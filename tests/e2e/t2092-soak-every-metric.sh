#!/bin/sh
# A soak shows every metric a run gated, Prometheus series included: a run of goleak gating
# go_goroutines has go_goroutines with failed: true in the soak's own summary.json, on its
# progress line, in the HTML table's columns, in --metrics-out, and still after the soak's
# report is read back by `leaksoak report`; the where cell is that metric's evidence.
. "$(dirname "$0")/lib.sh"
plan 9
cd "$ROOT" || exit 1

mkdir -p "$TMP/in"
cat >"$TMP/in/goroutines.json" <<JSON
{
  "name": "goroutines",
  "target": {"cmd": ["$HELPERS/goleak", "--port", "{port}"],
             "ready": {"http_get": "http://127.0.0.1:{port}/healthz", "timeout_s": 10}},
  "drive": {"http": {"url": "http://127.0.0.1:{port}/r", "rate_per_s": 100, "concurrency": 2}},
  "duration_s": 5, "warmup_s": 1.5, "early_stop": false,
  "sample": {"interval_ms": 100,
             "prometheus": {"url": "http://127.0.0.1:{port}/metrics", "interval_ms": 250,
                            "series": [{"name": "go_goroutines", "metric": "go_goroutines"}]}},
  "gate": {"rss_kib_per_min": 1e9, "metrics": {"go_goroutines": 10}},
  "expect": "leak",
  "evidence": {"go_pprof": {"url": "http://127.0.0.1:{port}/debug/pprof/"}}
}
JSON
s=$TMP/soak
check "the soak passes: the leak was expected" expect_exit 0 soak "$TMP/in" --out "$s" \
	--metrics-out "$TMP/metrics.prom"
check "its summary.json has go_goroutines failed" json_true "$s/summary.json" \
	'.runs[0] | .failed == ["go_goroutines"] and .metrics.go_goroutines.failed == true and
		.metrics.go_goroutines.gate_per_min == 10 and .metrics.go_goroutines.slope_per_min > 100'
check "the progress line shows go_goroutines against its gate" \
	grep -Eq '^\[1/1\] leak +goroutines .*go_goroutines \+[0-9]+/min \(gate 10\)' "$OUT"
check "the HTML table has a go_goroutines column" \
	grep -q '<th>go_goroutines /min <span class="gate">/ gate</span></th>' "$s/index.html"
check "whose cell is over its gate" \
	grep -Eq '<td class="num over">\+[0-9]+ <span class="gate">/ 10</span></td>' "$s/index.html"
check "the where cell names where the goroutines wait" grep -Eq \
	'<td class="where">\+[0-9,]+ goroutines parked in main\.parkedLoop \(goleak/main\.go:35\)</td>' \
	"$s/index.html"
check "--metrics-out has its slope" \
	grep -q 'leaksoak_growth_per_minute{scenario="goroutines",metric="go_goroutines"}' \
	"$TMP/metrics.prom"
check "leaksoak report of the soak keeps it" expect_exit 0 report "$s" --out "$TMP/again"
check "in the report's summary.json too" json_true "$TMP/again/summary.json" \
	'.runs[0] | .failed == ["go_goroutines"] and .metrics.go_goroutines.failed == true'
finish
