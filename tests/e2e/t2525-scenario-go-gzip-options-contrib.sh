#!/bin/sh
# The packaged gin-contrib/gzip 0.0.6 in the write-up's order (gzip before cors) under the
# preflight load of go-gzip-options does not leak - it returns its writer to its pool on every
# path - and its scenario must pass: the simulation in go-gzip-options is needed, and says so.
. "$(dirname "$0")/lib.sh"
plan 5
cd "$ROOT" || exit 1
s=$TMP/contrib/summary.json
check "go-gzip-options-contrib passes" \
	expect_exit 0 run scenarios/go-gzip-options-contrib.json --out "$TMP/contrib"
check "its requests, preflights included, all reached the target" drove_cleanly "$s"
check "it ran the packaged middleware: the simulation's gauge of lent compressors stayed 0" \
	json_true "$s" '.metrics.gzip_compressors_lent.last == 0 and .metrics.gzip_compressors_lent.samples > 10'
check "the Go heap in use stayed under 8 MiB/min ($(json_get "$s" metrics.go_memstats_heap_inuse_bytes.slope_per_min) B/min)" \
	json_true "$s" '.metrics.go_memstats_heap_inuse_bytes.slope_per_min < 8388608'
check "nothing is left running" no_strays
