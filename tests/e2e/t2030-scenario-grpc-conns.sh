#!/bin/sh
# The bundled grpc-conns leak is called a leak on fds, and its fixed twin passes.
. "$(dirname "$0")/lib.sh"
plan 4
cd "$ROOT" || exit 1
bundled_pair grpc-conns fds
