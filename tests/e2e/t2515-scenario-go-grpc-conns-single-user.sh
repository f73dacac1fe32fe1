#!/bin/sh
# Why testing missed the Go grpc-conns leak: the same leaky code (a ClientConn dialled per call,
# never closed) behind its answer cache, driven by a single user as the one-cluster test
# environment was, dials once and then hits the cache: it passes, FDs and goroutines flat.
. "$(dirname "$0")/lib.sh"
plan 4
cd "$ROOT" || exit 1
u=$TMP/single-user/summary.json
check "one user on the leaky code passes: the cache hid it" \
	expect_exit 0 run scenarios/go-grpc-conns-single-user.json --out "$TMP/single-user"
check "every request was answered" drove_cleanly "$u"
check "FDs and goroutines stayed flat" \
	json_true "$u" '.metrics.fds.slope_per_min <= 1 and .metrics.go_goroutines.slope_per_min <= 60'
check "nothing is left running" no_strays
