#!/bin/sh
# --metrics-out: run, watch and soak write their verdicts, slopes, gates and driver totals in
# the Prometheus text format; promtool accepts every file, and the values are those of
# summary.json.  Skipped (the promtool checks only) where promtool cannot be installed.
. "$(dirname "$0")/lib.sh"
plan 22

if command -v promtool >/dev/null; then
	promtool_ok() {
		promtool check metrics <"$1" >"$TMP/promtool.log" 2>&1 && return 0
		sed 's/^/#   /' "$TMP/promtool.log"
		return 1
	}
	check_prom() { check "promtool accepts $1" promtool_ok "$2"; }
else
	check_prom() { skip "promtool is not installed (apt-get install prometheus)"; }
fi
# value FILE SAMPLE: the value of the sample written exactly as SAMPLE (name{labels}).
value() { awk -v s="$2" '$1 == s { print $2 }' "$1"; }
# same A B: two numbers agree to 9 significant digits.
same() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = (a < 0 ? -a : a);
	exit !(a != "" && b != "" && d <= 1e-9 * (m > 1 ? m : 1)) }'; }

hello_scenario "$TMP/scen" hello
p=$TMP/run.prom
s=$TMP/run/summary.json
check "run --metrics-out passes as before (exit 0)" \
	expect_exit 0 run "$TMP/scen/hello.json" --out "$TMP/run" --metrics-out "$p"
check_prom "run's file" "$p"
check "verdict: pass is 1, leak and error 0" test \
	"$(value "$p" 'leaksoak_verdict{scenario="hello",verdict="pass"}')$(value "$p" 'leaksoak_verdict{scenario="hello",verdict="leak"}')$(value "$p" 'leaksoak_verdict{scenario="hello",verdict="error"}')" = 100
check "the rss growth is summary.json's slope" \
	same "$(value "$p" 'leaksoak_growth_per_minute{scenario="hello",metric="rss"}')" "$(json_get "$s" metrics.rss.slope_per_min)"
# every_growth: each fitted metric of summary.json (rss_raw, RSS before the LazyFree discount,
# is a view of rss and not a metric of its own) has its growth sample, with its slope.
every_growth() {
	n=0
	for m in $(jq -r '.metrics | to_entries[] | select(.key != "rss_raw") |
			  select(.value.slope_per_min | numbers) | .key' "$s"); do
		same "$(value "$p" "leaksoak_growth_per_minute{scenario=\"hello\",metric=\"$m\"}")" \
			"$(json_get "$s" "metrics.$m.slope_per_min")" || { echo "# $m differs"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -ge 4 ] && [ "$(grep -c '^leaksoak_growth_per_minute{' "$p")" = "$n" ]
}
check "every fitted metric of summary.json has its growth sample, with its slope" every_growth
check "the rss gate is the scenario's 4096 KiB/min" \
	test "$(value "$p" 'leaksoak_gate_per_minute{scenario="hello",metric="rss"}')" = 4096
check "the driver's requests are summary.json's" \
	test "$(value "$p" 'leaksoak_driver_requests_total{scenario="hello"}')" = "$(json_get "$s" driver.requests)"
check "the timestamp is the run's start" \
	test "$(value "$p" leaksoak_run_timestamp_seconds)" = "$(date -u -d "$(json_get "$s" started_utc)" +%s)"
check "each family has one HELP and one TYPE line" \
	test "$(grep -c '^# HELP ' "$p")/$(grep -c '^# TYPE ' "$p")/$(grep -v '^#' "$p" | sed 's/{.*//' | sort -u | wc -l)" = 6/6/6
check "nothing but the file is left beside it (written through a renamed temporary)" \
	test "$(ls "$TMP" | grep -c '^run\.prom')" = 1

# A leak and an error are exported too.
leak=$(scenario_for leaky "[\"$HELPERS/grower\", \"--kib-per-s\", \"2000\"]" '"gate": {"rss_kib_per_min": 1024}')
check "a leaking run exits 1 and still writes its metrics" \
	expect_exit 1 run "$leak" --out "$TMP/leaky" --metrics-out "$TMP/leaky.prom"
check "with leak as 1" test "$(value "$TMP/leaky.prom" 'leaksoak_verdict{scenario="leaky",verdict="leak"}')" = 1
check_prom "the leak's file" "$TMP/leaky.prom"
missing=$(scenario_for missing '["./no/such/binary"]')
expect_exit 3 run "$missing" --out "$TMP/missing" --metrics-out "$TMP/missing.prom"
check "a run that could not start has error as 1" \
	test "$(value "$TMP/missing.prom" 'leaksoak_verdict{scenario="missing",verdict="error"}')" = 1

sleep 30 &
sleeper=$!
check "watch --metrics-out passes (exit 0)" expect_exit 0 watch --pid "$sleeper" --duration 2 \
	--interval-ms 50 --out "$TMP/watch" --metrics-out "$TMP/watch.prom"
kill "$sleeper"
check "its verdict is under the name watch-PID" \
	test "$(value "$TMP/watch.prom" "leaksoak_verdict{scenario=\"watch-$sleeper\",verdict=\"pass\"}")" = 1
check_prom "watch's file" "$TMP/watch.prom"

hello_scenario "$TMP/scen" hello-b
check "soak --metrics-out passes (exit 0)" \
	expect_exit 0 soak "$TMP/scen" -j 2 --out "$TMP/soak" --metrics-out "$TMP/soak.prom"
check_prom "soak's file" "$TMP/soak.prom"
check "it has every scenario's verdict" test \
	"$(grep '^leaksoak_verdict{.*verdict="pass"} 1$' "$TMP/soak.prom" | sed 's/.*scenario="\([^"]*\)".*/\1/' | paste -sd,)" = hello,hello-b

check "a file that cannot be written turns a pass into exit 3" \
	expect_exit 3 run "$TMP/scen/hello.json" --out "$TMP/run2" --metrics-out "$TMP/no/such/dir/m.prom"
check "nothing is left running" no_strays
