#!/bin/sh
# The Go gzip-options leak (gin, gzip before gin-contrib/cors: every preflight strands a
# compressor, a simulation: see t2525 for the packaged middleware) is called a leak on RSS alone,
# with the lent compressors counted on /metrics, and its fixed twin (CORS first) passes.
. "$(dirname "$0")/lib.sh"
plan 8
cd "$ROOT" || exit 1
bundled_pair go-gzip-options '["rss"]'
check "where, in Go's words: the heap diff names compress/flate" \
	where_says "$TMP/go-gzip-options/summary.json" rss 'Go heap .*compress/flate[.]NewWriter'
check "the simulation's compressors stayed lent out (gzip_compressors_lent +$(json_get "$TMP/go-gzip-options/summary.json" metrics.gzip_compressors_lent.slope_per_min)/min)" \
	json_true "$TMP/go-gzip-options/summary.json" '.metrics.gzip_compressors_lent.slope_per_min > 60'
