#!/bin/sh
# The exposition fixtures of tests/unit/test_prom.c are what the real Prometheus Go client
# writes: the generator in tests/unit/fixtures/prom/gen, built with Debian's client_golang as
# the Go targets are, prints go-client.prom byte for byte, and its runtime page has the series
# the Go targets serve.
. "$(dirname "$0")/lib.sh"
plan 3
cd "$ROOT" || exit 1
fx=tests/unit/fixtures/prom
if ! command -v go >/dev/null; then
	for _ in 1 2 3; do skip "go is not installed (./scripts/install-deps.sh)"; done
	exit 0
fi
check "the generator builds" env GO111MODULE=off GOFLAGS= GOPATH="$ROOT/build/go:/usr/share/gocode" \
	GOCACHE="$ROOT/build/go/cache" go build -o "$TMP/gen" "$fx/gen/main.go"
check "go-client.prom is what the Go client writes today" \
	sh -c '"$1" client | cmp -s - "$2"' sh "$TMP/gen" "$fx/go-client.prom"
check "the runtime page has go_goroutines, go_memstats_heap_inuse_bytes, process_open_fds" \
	sh -c '"$1" runtime >"$2" &&
	       grep -q "^go_goroutines [0-9]" "$2" && grep -q "^go_memstats_heap_inuse_bytes " "$2" &&
	       grep -q "^process_open_fds [0-9]" "$2"' sh "$TMP/gen" "$TMP/runtime.prom"
