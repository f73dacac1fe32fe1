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
check "the goroutines' stacks grew ($(json_get "$s" metrics.go_memstats_stack_inuse_bytes.slope_per_min) B/min)" \
	json_true "$s" '.metrics.go_memstats_stack_inuse_bytes.slope_per_min > 0'
check "the plot was drawn, series panel and all, without a word from gnuplot" \
	sh -c 'test -s "$1/rss.png" && ! test -e "$1/plot.log"' sh "$TMP/go-stopped-ticker"
