#!/bin/sh
# The bundled gzip-options leak is called a leak on rss alone, and its fixed twin passes.
. "$(dirname "$0")/lib.sh"
plan 8
cd "$ROOT" || exit 1
bundled_pair gzip-options '["rss"]' 15 20
