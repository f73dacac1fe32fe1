#!/bin/sh
# The bundled stopped-ticker leak is called a leak on threads alone, and its fixed twin passes.
. "$(dirname "$0")/lib.sh"
plan 8
cd "$ROOT" || exit 1
bundled_pair stopped-ticker '["threads"]' 15 20
