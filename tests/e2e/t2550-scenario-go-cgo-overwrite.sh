#!/bin/sh
# The Go cgo-overwrite leak (C.malloc values overwritten in a map without C.free) is called a
# leak on RSS alone, and its fixed twin passes.
. "$(dirname "$0")/lib.sh"
plan 6
cd "$ROOT" || exit 1
bundled_pair go-cgo-overwrite '["rss"]'
