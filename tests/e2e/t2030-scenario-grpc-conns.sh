#!/bin/sh
# The bundled grpc-conns leak is called a leak on RSS and FDs (a channel per user, never
# closed), and its fixed twin passes.
. "$(dirname "$0")/lib.sh"
plan 6
cd "$ROOT" || exit 1
# Every leaked channel holds 2 FDs and the target caps its leak below the FD limit: under a
# few thousand descriptors the leak levels off during warm-up and there is nothing to see.
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt 4096 ]; then
	for i in 1 2 3 4 5 6; do skip "the FD hard limit is $hard (grpc-conns needs 4096)"; done
	exit 0
fi
bundled_pair grpc-conns '["rss","fds"]'
