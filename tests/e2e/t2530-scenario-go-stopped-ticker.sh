#!/bin/sh
# The Go stopped-ticker leak strands a goroutine per size-triggered flush, holding nothing but
# its stopped ticker, as in the incident.  Goroutines are not threads: the thread count stays
# flat, RSS and the Go heap barely move (a heap diff is silent), and the leak is caught on
# go_goroutines alone, which the scenario scrapes from the target's own /metrics (the
# Prometheus Go client); the fixed twin (a stop channel) passes.
. "$(dirname "$0")/lib.sh"
plan 17
cd "$ROOT" || exit 1
bundled_pair go-stopped-ticker '["go_goroutines"]'
check "where, in Go's words: goroutines parked in the ticker's wait" \
	where_says "$TMP/go-stopped-ticker/summary.json" go_goroutines 'goroutines parked in main[.][(][*]queue[)][.]waitTick [(]stopped-ticker/main.go:[0-9]+[)]'
check "and the heap diff is silent" \
	where_says "$TMP/go-stopped-ticker/summary.json" rss '^the Go heap diff is silent'
for run in go-stopped-ticker go-stopped-ticker-fixed; do
	s=$TMP/$run/summary.json
	check "$run: every scrape of /metrics was read ($(json_get "$s" scrape.ok) of $(json_get "$s" scrape.scrapes))" \
		json_true "$s" '.scrape.scrapes > 10 and .scrape.ok == .scrape.scrapes and .scrape.errors == 0 and .scrape.series[0].missing == 0'
	check "$run: samples.csv has a go_goroutines column with readings" \
		awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "go_goroutines") c = i; next }
			 c && $c != "" && $c + 0 >= 1 { n++ } END { exit !(n > 10) }' "$TMP/$run/samples.csv"
done
check "go_goroutines grew past its gate in the leak ($(json_get "$TMP/go-stopped-ticker/summary.json" metrics.go_goroutines.slope_per_min)/min)" \
	json_true "$TMP/go-stopped-ticker/summary.json" '.metrics.go_goroutines.slope_per_min > .gate.metrics.go_goroutines'
check "and stayed under it in the twin" \
	json_true "$TMP/go-stopped-ticker-fixed/summary.json" '.metrics.go_goroutines.slope_per_min <= .gate.metrics.go_goroutines'
s=$TMP/go-stopped-ticker/summary.json
check "the Go heap in use stayed under 4 MiB/min ($(json_get "$s" metrics.go_memstats_heap_inuse_bytes.slope_per_min) B/min): the heap diff is silent" \
	json_true "$s" '.metrics.go_memstats_heap_inuse_bytes.slope_per_min < 4194304'
# The stacks are read from the samples after the warm-up, not from the fitted slope: Go hands
# out stack memory in spans, so the series climbs in steps that a short fit window after a
# start-up cut can see as flat (the run settles early, on go_goroutines).  Mean of the first
# and of the last 10 readings after the warm-up, in bytes; the twin's grow less.
stack_growth() {
	awk -F, -v from="$(json_get "$1/summary.json" warmup_s)" '
		NR == 1 { for (i = 1; i <= NF; i++) if ($i == "go_memstats_stack_inuse_bytes") c = i; next }
		c && $c != "" && $1 >= from { v[n++] = $c + 0 }
		END {
			if (n < 20) { print 0; exit }
			for (i = 0; i < 10; i++) { a += v[i]; b += v[n - 10 + i] }
			printf "%d\n", (b - a) / 10
		}' "$1/samples.csv"
}
leak_stacks=$(stack_growth "$TMP/go-stopped-ticker")
twin_stacks=$(stack_growth "$TMP/go-stopped-ticker-fixed")
check "the goroutines' stacks grew after the warm-up by a span or more ($leak_stacks bytes; the twin's $twin_stacks)" \
	test "$leak_stacks" -ge 32768 -a "$twin_stacks" -lt "$leak_stacks"
check "the plot was drawn, series panel and all, without a word from gnuplot" \
	sh -c 'test -s "$1/rss.png" && ! test -e "$1/plot.log"' sh "$TMP/go-stopped-ticker"
