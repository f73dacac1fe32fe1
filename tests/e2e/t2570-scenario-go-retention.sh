#!/bin/sh
# The Go allocator-retention trap: Go 1.19 run with GODEBUG=madvdontneed=0 frees with MADV_FREE,
# so after each (growing) upload raw RSS stays at the burst's height while RSS minus LazyFree
# falls back; the scenario must pass, and a raw-RSS gate would have failed it.
. "$(dirname "$0")/lib.sh"
plan 7
cd "$ROOT" || exit 1
lazyfree_trap go-retention
s=$TMP/go-retention/summary.json
check "raw RSS ends at least 4 MiB above RSS - LazyFree (freed pages still resident)" \
	json_true "$s" '(.metrics.rss_raw.last | numbers) - (.metrics.rss.last | numbers) >= 4096'
check "nothing is left running" no_strays
