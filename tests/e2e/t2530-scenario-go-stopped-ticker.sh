#!/bin/sh
# The Go stopped-ticker leak strands a goroutine per size-triggered flush.  Goroutines are not
# threads: the thread count stays flat and the leak is caught on RSS (their stacks and the
# batches they hold) alone; the fixed twin (a stop channel) passes.
. "$(dirname "$0")/lib.sh"
plan 6
cd "$ROOT" || exit 1
bundled_pair go-stopped-ticker '["rss"]'
