#!/bin/sh
# run -- CMD: a run described on the command line calls the map-churn leak as its scenario
# would, --save-scenario writes a file that gives the same run, and bad command lines are one
# line naming the option, exit 2.
. "$(dirname "$0")/lib.sh"
plan 16

cd "$ROOT" || exit 1
url='http://127.0.0.1:{port}/r?trace={uuid}'
check "run --url ... --rate 500 -- targets/bin/map-churn calls the leak" \
	expect_exit 1 run --url "$url" --rate 500 --ready-url 'http://127.0.0.1:{port}/healthz' \
	--save-scenario "$TMP/saved.json" --out "$TMP/cmd" -- targets/bin/map-churn --port '{port}'
# Growth must have lasted 2.2x the default 5 s warm-up before a leak is called (gate.h), and
# a second look must agree: about 17 s.
check "on rss, settled within 20 s, every request answered" json_true "$TMP/cmd/summary.json" \
	'.failed == ["rss"] and .stopped_early and .decided_at_s <= 20 and .driver.errors == 0
	 and .scenario == "map-churn"'
check "the saved scenario has the options in their keys" json_true "$TMP/saved.json" \
	'.target.cmd == ["targets/bin/map-churn", "--port", "{port}"] and
	 .drive.http.url == "http://127.0.0.1:{port}/r?trace={uuid}" and
	 .drive.http.rate_per_s == 500 and .target.ready.http_get == "http://127.0.0.1:{port}/healthz"'
check "the saved scenario gives the same verdict" expect_exit 1 run "$TMP/saved.json" --out "$TMP/file"
same='[.scenario, .failed, .gate, .duration_s, .warmup_s, .interval_ms, (.driver | type)]'
check "and the same run: name, gate, duration, sampling, driver" \
	test "$(jq -c "$same" "$TMP/cmd/summary.json")" = "$(jq -c "$same" "$TMP/file/summary.json")"

check "'--' with no command is exit 2" expect_exit 2 run --url "$url" --
check "  one line saying so" one_line "missing command after '--'"
check "a relative program that is not there is exit 2" expect_exit 2 run -- ./no/such/server --port '{port}'
check "  one line naming it" one_line "program './no/such/server' not found"
check "an empty program is exit 2" expect_exit 2 run -- ''
check "a command-line option beside a scenario file is exit 2" \
	expect_exit 2 run --rate 50 scenarios/map-delete-churn.json
check "  one line naming the option and the file" \
	one_line "'--rate' conflicts with the scenario file 'scenarios/map-delete-churn.json'"
check "a scenario file and a command at once is exit 2" \
	expect_exit 2 run scenarios/map-delete-churn.json -- targets/bin/map-churn
expect_exit 2 run --warmup 40s -- targets/bin/map-churn &&
	one_line "'--warmup' must be less than '--duration' \(got 40, --duration is 30\)"
check "a value the scenario loader refuses is one line naming the option, not the key" test $? = 0
check "--save-scenario writes nothing for a bad command line" \
	sh -c "! '$LEAKSOAK' run --save-scenario '$TMP/bad.json' --url http://10.1.2.3/ -- targets/bin/map-churn 2>/dev/null && test ! -e '$TMP/bad.json'"
check "nothing is left running" no_strays
