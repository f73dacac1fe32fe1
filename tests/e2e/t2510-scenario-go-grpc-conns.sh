#!/bin/sh
# The Go grpc-conns leak (grpc-go: a ClientConn per user, never closed) is called a leak on RSS
# and FDs, and its fixed twin (one shared ClientConn) passes.
. "$(dirname "$0")/lib.sh"
plan 6
cd "$ROOT" || exit 1
# Every leaked connection holds 2 FDs; the target stops leaking at 3,000 connections, or at the
# FD limit: under a few thousand descriptors the leak levels off and there is nothing to see.
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt 4096 ]; then
	for i in 1 2 3 4 5 6; do skip "the FD hard limit is $hard (go-grpc-conns needs 4096)"; done
	exit 0
fi
bundled_pair go-grpc-conns '["rss","fds"]'
