#!/bin/sh
# The Go map-delete-churn leak (a late log line re-creates its deleted trace-id key) is called a
# leak on RSS alone, and its fixed twin (lines kept on the request) passes.
. "$(dirname "$0")/lib.sh"
plan 6
cd "$ROOT" || exit 1
bundled_pair go-map-delete-churn '["rss"]'
