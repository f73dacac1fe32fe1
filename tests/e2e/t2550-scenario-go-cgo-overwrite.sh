#!/bin/sh
# The Go cgo-overwrite leak (C.malloc values overwritten in a map without C.free) is called a
# leak on RSS alone, and its fixed twin passes.  Where it leaks, in the runtime's words: RSS
# grew while the Go heap stayed flat (memory outside the Go heap), and under heaptrack the
# leaked C allocations' stack.
. "$(dirname "$0")/lib.sh"
plan 10
cd "$ROOT" || exit 1
bundled_pair go-cgo-overwrite '["rss"]'
check "where: RSS grew while the Go heap stayed flat, memory outside the Go heap" \
	where_says "$TMP/go-cgo-overwrite/summary.json" rss 'while the Go heap stayed flat.*outside the Go heap'
jq '.target.profile = "heaptrack" | .name = "go-cgo-heaptrack"' scenarios/go-cgo-overwrite.json \
	>"$TMP/go-cgo-heaptrack.json"
check "under heaptrack it is still a leak" \
	expect_exit 1 run "$TMP/go-cgo-heaptrack.json" --out "$TMP/heaptrack"
check "heaptrack names the cgo C.malloc stack" \
	where_says "$TMP/heaptrack/summary.json" rss 'top leaked stack [(]heaptrack[)]: _cgo_[0-9a-f]+_Cfunc__Cmalloc'
check "nothing is left running" no_strays
