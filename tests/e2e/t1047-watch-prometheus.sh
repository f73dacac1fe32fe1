#!/bin/sh
# watch --prometheus: a process leaksoak did not start is read through its own Prometheus
# page too (here a Go target's /metrics, written by the Prometheus Go client); each --series
# is a samples.csv column and a metric of the summary, gated when asked.
. "$(dirname "$0")/lib.sh"
plan 8

# listening PORT: something listens on 127.0.0.1:PORT (state 0A in /proc/net/tcp).
listening() {
	grep -q "^ *[0-9]*: 0100007F:$(printf %04X "$1") 00000000:0000 0A" /proc/net/tcp
}

# A Go target on a port below the ephemeral range; another port if that one is taken.
for _ in 1 2 3 4 5; do
	port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 10000))
	listening "$port" && continue
	env LEAKSOAK_E2E_TAG="$TAG" "$ROOT/targets/bin/go-stopped-ticker" --port "$port" \
		>"$TMP/go.log" 2>&1 &
	go=$!
	wait_until listening "$port" && break
	kill "$go" 2>/dev/null
	wait "$go" 2>/dev/null
done

s=$TMP/w/summary.json
check "watch reads the page while it samples" \
	expect_exit 0 watch --pid "$go" --duration 3 --interval-ms 100 --max-rss-kib-per-min 1e9 \
	--max-threads-per-min 1e9 --max-fds-per-min 1e9 \
	--prometheus "http://127.0.0.1:$port/metrics" --scrape-interval-ms 200 \
	--series go_goroutines --series go_threads --max-series-per-min go_goroutines=6000 \
	--out "$TMP/w"
check "every scrape was read ($(json_get "$s" scrape.ok) of $(json_get "$s" scrape.scrapes))" \
	json_true "$s" '.scrape.scrapes >= 5 and .scrape.ok == .scrape.scrapes and .scrape.errors == 0'
check "each series is a metric of the summary, go_goroutines gated" \
	json_true "$s" '(.metrics.go_goroutines.slope_per_min | type == "number") and
		(.metrics.go_threads.slope_per_min | type == "number") and
		.gate.metrics.go_goroutines == 6000 and .gate.metrics.go_threads == null'
check "and a samples.csv column with the readings" \
	awk -F, 'NR == 1 { ok = $11 == "go_goroutines" && $12 == "go_threads"; next }
		 $11 != "" && $11 + 0 >= 1 { n++ } END { exit !(ok && n > 5) }' "$TMP/w/samples.csv"
check "the process is still alive" kill -0 "$go"

check "a --series without --prometheus is a usage error" \
	expect_exit 2 watch --pid "$go" --duration 3 --series go_goroutines
check "a page that is not on loopback is refused, in one line" \
	expect_exit 2 watch --pid "$go" --duration 3 --prometheus http://192.0.2.1/metrics \
	--series go_goroutines
check "saying so" one_line "^leaksoak: watch: --prometheus: host '192\.0\.2\.1' is not loopback"
kill "$go"
wait "$go" 2>/dev/null || :
