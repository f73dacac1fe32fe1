#!/bin/sh
# The bundled map-delete-churn leak is called a leak on rss alone, and its fixed twin passes.
. "$(dirname "$0")/lib.sh"
plan 8
cd "$ROOT" || exit 1
bundled_pair map-delete-churn '["rss"]' 15 20
