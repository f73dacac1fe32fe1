#!/bin/sh
# The Go map-delete-churn leak (a late log line re-creates its deleted trace-id key) is called a
# leak on RSS alone, and its fixed twin (lines kept on the request) passes.
. "$(dirname "$0")/lib.sh"
plan 7
cd "$ROOT" || exit 1
bundled_pair go-map-delete-churn '["rss"]'
check "where, in Go's words: the heap diff names the access line that re-inserts the key" \
	where_says "$TMP/go-map-delete-churn/summary.json" rss "Go heap .*program's own .*main[.]accessLine"
