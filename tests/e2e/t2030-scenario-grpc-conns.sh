#!/bin/sh
# The bundled grpc-conns leak is called a leak on RSS and FDs (a channel per user, never
# closed), and its fixed twin passes.
. "$(dirname "$0")/lib.sh"
plan 8
cd "$ROOT" || exit 1
# Every leaked channel holds 2 FDs and the target caps its leak below the FD limit: under a
# few thousand descriptors the leak levels off during warm-up and there is nothing to see.
skip_unless_fd_limit 4096 8 grpc-conns
bundled_pair grpc-conns '["rss","fds"]' 15 20
