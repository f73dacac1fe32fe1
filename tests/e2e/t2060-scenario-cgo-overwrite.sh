#!/bin/sh
# The bundled cgo-overwrite leak is called a leak on rss alone, and its fixed twin passes.
. "$(dirname "$0")/lib.sh"
plan 8
cd "$ROOT" || exit 1
bundled_pair cgo-overwrite '["rss"]' 15 20
