#!/bin/sh
# run: drive.http.threads splits the driver over threads and the schedule holds: the rate
# counted where it arrives, at the server, is within 1 % of rate_per_s, and samples.csv still
# has every interval's requests.
. "$(dirname "$0")/lib.sh"
plan 9

# threaded NAME THREADS CONCURRENCY: a hello scenario at 500 req/s for 4 s that counts, in
# $TMP/NAME.count, the requests hello answered.
threaded() {
	cat >"$TMP/$1.json" <<JSON
{
  "name": "$1",
  "target": {"cmd": ["$HELPERS/hello", "--port", "{port}"],
             "env": {"HELLO_COUNT_FILE": "$TMP/$1.count"},
             "ready": {"http_get": "http://127.0.0.1:{port}/healthz", "timeout_s": 10}},
  "drive": {"http": {"url": "http://127.0.0.1:{port}/", "rate_per_s": 500,
                     "concurrency": $3, "threads": $2}},
  "duration_s": 4, "warmup_s": 1
}
JSON
}

# within_1pct COUNT: COUNT is 500 req/s x 4 s within 1 %, give or take the 4 requests that
# may be in flight when the run stops.
within_1pct() {
	awk -v n="$1" 'BEGIN { exit !(n >= 2000 * 0.99 - 4 && n <= 2000 * 1.01 + 4) }' && return 0
	echo "# $1 requests, expected 2000 within 1 %"
	return 1
}

# csv_requests DIR: the sum of samples.csv's requests column.
csv_requests() {
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "requests") c = i; next }
		 { s += $c } END { print s + 0 }' "$1/samples.csv"
}

threaded two 2 4
check "two threads on four connections: the run passes" \
	expect_exit 0 run "$TMP/two.json" --no-early-stop --out "$TMP/two"
count=$(cat "$TMP/two.count" 2>/dev/null || echo 0)
check "the server answered 500 req/s within 1 % ($count in 4 s)" within_1pct "$count"
completed=$(json_get "$TMP/two/summary.json" driver.requests)
check "the driver's own count agrees with the server's ($completed)" \
	awk -v a="$completed" -v b="$count" 'BEGIN { exit !(a <= b && b - a <= 4 + 0.1 * 500) }'
check "no request failed" json_true "$TMP/two/summary.json" '.driver.errors == 0'
sum=$(csv_requests "$TMP/two")
# The totals are read as the run ends, up to one sampling interval (100 ms, 50 requests) after
# the last row.
check "samples.csv's per-interval requests add up to the driver's ($sum of $completed)" \
	awk -v s="$sum" -v c="$completed" 'BEGIN { exit !(s <= c && c - s <= 2 * 50 + 4) }'

threaded capped 8 3
check "more threads than connections are capped, not refused" \
	expect_exit 0 run "$TMP/capped.json" --no-early-stop --out "$TMP/capped"
count=$(cat "$TMP/capped.count" 2>/dev/null || echo 0)
check "and still hold the rate ($count in 4 s)" within_1pct "$count"

threaded zero 0 4
check "threads 0 is an invalid scenario" expect_exit 2 run "$TMP/zero.json" --out "$TMP/zero"
check "named by its key" one_line "drive\.http\.threads' must be an integer from 1 to 1024"
