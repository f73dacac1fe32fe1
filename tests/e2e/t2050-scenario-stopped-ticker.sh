#!/bin/sh
# The bundled stopped-ticker leak is called a leak on threads alone, and its fixed twin passes.
. "$(dirname "$0")/lib.sh"
plan 6
cd "$ROOT" || exit 1
bundled_pair stopped-ticker '["threads"]'
