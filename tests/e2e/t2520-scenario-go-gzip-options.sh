#!/bin/sh
# The Go gzip-options leak (gin, gzip before gin-contrib/cors: every preflight strands a
# compressor) is called a leak on RSS alone, and its fixed twin (CORS first) passes.
. "$(dirname "$0")/lib.sh"
plan 6
cd "$ROOT" || exit 1
bundled_pair go-gzip-options '["rss"]'
