#!/bin/sh
# sample.prometheus against pages that are no Prometheus page: garbage (build/helpers/hello
# answers "hello" everywhere), a 404, a page without the series, a page that never answers
# (build/helpers/silent).  Each scrape is counted in summary.json and the run goes on to its
# verdict, sampling on time; only a gated series that never had a reading makes the run an
# error (exit 3), never a pass.
. "$(dirname "$0")/lib.sh"
plan 15
cd "$ROOT" || exit 1

# prom_scenario NAME CMD_JSON PATH SERIES_JSON [GATE_JSON]: $TMP/NAME.json, 4 s, scraping
# http://127.0.0.1:{port}PATH every 200 ms.
prom_scenario() {
	cat >"$TMP/$1.json" <<JSON
{
  "name": "$1",
  "target": {"cmd": $2, "ready": {"http_get": "http://127.0.0.1:{port}/healthz"}},
  "duration_s": 4, "warmup_s": 1, "early_stop": false,
  "sample": {"interval_ms": 50,
             "prometheus": {"url": "http://127.0.0.1:{port}$3", "interval_ms": 200,
                            "series": $4}},
  "gate": {"rss_kib_per_min": null, "metrics": ${5:-{\}}}
}
JSON
}

hello='["'$HELPERS/hello'", "--port", "{port}"]'
go='["'$ROOT/targets/bin/go-stopped-ticker'", "--port", "{port}", "--fixed"]'

prom_scenario garbage "$hello" /metrics '["go_goroutines"]'
s=$TMP/garbage/summary.json
check "a garbage page is no failure of the run" expect_exit 0 run "$TMP/garbage.json" --out "$TMP/garbage"
check "every scrape was counted refused ($(json_get "$s" scrape.malformed) of $(json_get "$s" scrape.scrapes))" \
	json_true "$s" '.scrape.scrapes >= 10 and .scrape.malformed == .scrape.scrapes and .scrape.ok == 0 and .scrape.errors == .scrape.malformed'
check "and why: $(json_get "$s" scrape.last_error)" \
	json_true "$s" '.scrape.last_error | test("^line 1, column [0-9]+: ")'
check "the column stayed empty" \
	awk -F, 'NR == 1 { if ($NF != "go_goroutines") exit 1; next } $NF != "" { exit 1 }' "$TMP/garbage/samples.csv"
check "one warning said so" one_line '^leaksoak: warning: scrape of .http://127\.0\.0\.1:[0-9]+/metrics. refused'

prom_scenario notfound "$go" /nope '["go_goroutines"]'
s=$TMP/notfound/summary.json
check "a 404 is no failure of the run" expect_exit 0 run "$TMP/notfound.json" --out "$TMP/notfound"
check "every scrape was counted failed: $(json_get "$s" scrape.last_error)" \
	json_true "$s" '.scrape.scrapes >= 10 and .scrape.failed == .scrape.scrapes and .scrape.last_error == "HTTP 404"'

prom_scenario missing "$go" /metrics '["go_goroutines", {"name": "absent", "metric": "go_goroutines", "labels": {"job": "x"}}]'
s=$TMP/missing/summary.json
check "a series not on the page is no failure of the run" expect_exit 0 run "$TMP/missing.json" --out "$TMP/missing"
check "it is counted missing in every good scrape, the other read" \
	json_true "$s" '.scrape.ok >= 10 and .scrape.series[1].missing == .scrape.ok and .scrape.series[0].missing == 0 and .scrape.series[1].labels.job == "x"'

# A hung page: every scrape times out, and sampling goes on at its 50 ms all the same.
cat >"$TMP/hung.json" <<JSON
{
  "name": "hung",
  "target": {"cmd": ["$HELPERS/silent", "--port", "{port}"]},
  "duration_s": 4, "warmup_s": 1, "early_stop": false,
  "sample": {"interval_ms": 50,
             "prometheus": {"url": "http://127.0.0.1:{port}/metrics", "interval_ms": 200,
                            "timeout_ms": 150, "series": ["go_goroutines"]}},
  "gate": {"rss_kib_per_min": null}
}
JSON
s=$TMP/hung/summary.json
check "a page that never answers is no failure of the run" \
	expect_exit 0 run "$TMP/hung.json" --out "$TMP/hung"
check "every scrape timed out: $(json_get "$s" scrape.last_error)" \
	json_true "$s" '.scrape.scrapes >= 10 and .scrape.failed == .scrape.scrapes and .scrape.last_error == "no answer within 150 ms"'
check "sampling was never held up ($(json_get "$s" samples) rows in 4 s at 50 ms)" \
	awk -F, 'NR > 2 && $1 - t > gap { gap = $1 - t } NR > 1 { t = $1; n++ }
		 END { exit !(n >= 72 && gap < 0.2) }' "$TMP/hung/samples.csv"

prom_scenario gated "$hello" /metrics '["go_goroutines"]' '{"go_goroutines": 60}'
s=$TMP/gated/summary.json
check "a gated series without readings is an error, not a pass" \
	expect_exit 3 run "$TMP/gated.json" --out "$TMP/gated"
check "saying why: $(json_get "$s" error)" \
	json_true "$s" '.verdict == "error" and (.error | test("gated series .go_goroutines. had no readings"))'
check "nothing is left running" no_strays
