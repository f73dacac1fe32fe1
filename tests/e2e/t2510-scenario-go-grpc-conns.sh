#!/bin/sh
# The Go grpc-conns leak (grpc-go: a ClientConn per user, never closed) is called a leak on RSS
# and FDs, and its fixed twin (one shared ClientConn) passes.
. "$(dirname "$0")/lib.sh"
plan 6
cd "$ROOT" || exit 1
# Every leaked connection holds 2 FDs; the target stops leaking at 3,000 connections, or at the
# FD limit: under a few thousand descriptors the leak levels off and there is nothing to see.
skip_unless_fd_limit 4096 6 go-grpc-conns
bundled_pair go-grpc-conns '["rss","fds"]'
