#!/bin/sh
# The Go grpc-conns leak (grpc-go: a ClientConn dialled per call, never closed, nothing cached
# but the answers) is called a leak on RSS, FDs and go_goroutines; its fixed twin (Close after
# the call) passes.  t2515 runs the same leaky code with one user, where the cache hid it.
. "$(dirname "$0")/lib.sh"
plan 12
cd "$ROOT" || exit 1
# Every leaked connection holds 2 FDs; the target stops leaking at 3,000 connections, or at the
# FD limit: under a few thousand descriptors the leak levels off and there is nothing to see.
skip_unless_fd_limit 4096 9 go-grpc-conns
bundled_pair go-grpc-conns '["rss","fds","go_goroutines"]'
s=$TMP/go-grpc-conns/summary.json
check "where, in Go's words: goroutines parked in grpc's transport" \
	where_says "$s" go_goroutines 'goroutines parked in google.golang.org/grpc/internal/transport'
check "the heap diff names grpc's transport buffers" \
	where_says "$s" rss 'Go heap .*google.golang.org/grpc/internal/transport.newBufWriter'
check "and the sockets, accepted on the backend's port" \
	where_says "$s" fds '^[+][0-9]+ TCP sockets accepted on 127.0.0.1:[0-9]+'
s=$TMP/go-grpc-conns/summary.json
check "go_goroutines grew by thousands a minute ($(json_get "$s" metrics.go_goroutines.slope_per_min)/min)" \
	json_true "$s" '.metrics.go_goroutines.slope_per_min > 1000'
check "the twin's goroutines and FDs stayed flat" \
	json_true "$TMP/go-grpc-conns-fixed/summary.json" \
	'.metrics.go_goroutines.slope_per_min <= 60 and .metrics.fds.slope_per_min <= 1'
check "nothing is left running" no_strays
