#!/bin/sh
# The Go cached-streams leak (streams cached under fmt.Sprintf("%v", ctx) of a deadline context)
# is called a leak on RSS alone, and its fixed twin passes.
. "$(dirname "$0")/lib.sh"
plan 6
cd "$ROOT" || exit 1
bundled_pair go-cached-streams '["rss"]'
