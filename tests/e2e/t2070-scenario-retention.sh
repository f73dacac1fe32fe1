#!/bin/sh
# The allocator-retention trap: raw RSS climbs (MADV_FREE pages stay resident) while RSS minus
# LazyFree stays flat, so the scenario must pass — and a raw-RSS gate would have failed it.
. "$(dirname "$0")/lib.sh"
plan 6
cd "$ROOT" || exit 1
lazyfree_trap retention
check "nothing is left running" no_strays
