#!/bin/sh
# The Go cached-streams leak, with the real etcd 3.4 and clientv3 3.4: a Watch per request on a
# context with per-request gRPC metadata, never cancelled, opens a watch stream per request
# (clientv3 keys streams by the metadata's text).  It is called a leak on RSS and go_goroutines;
# the target's etcd child is sampled with it and ended with it; the fixed twin (the watch
# cancelled) passes.
. "$(dirname "$0")/lib.sh"
plan 12
cd "$ROOT" || exit 1
if ! command -v etcd >/dev/null 2>&1; then
	for _ in $(seq 1 11); do skip "no etcd (install etcd-server: ./scripts/install-deps.sh)"; done
	exit 0
fi
# The target's etcd keeps its data in a temporary directory of $TMPDIR: one of this test's own.
mkdir -p "$TMP/tmpdir" && TMPDIR=$TMP/tmpdir && export TMPDIR
bundled_pair go-cached-streams '["rss","go_goroutines"]'
check "where, in Go's words: clientv3's watch streams, parked" \
	where_says "$TMP/go-cached-streams/summary.json" go_goroutines 'goroutines parked in go[.]etcd[.]io/etcd/clientv3[.][(][*]watchGrpcStream[)][.](run|serveSubstream)'
s=$TMP/go-cached-streams/summary.json
check "etcd was sampled as part of the target's tree, and grew" \
	json_true "$s" '[.evidence.processes[] | select(.comm == "etcd" and .rss_kib.delta > 0)] | length == 1'
check "go_goroutines grew by thousands a minute ($(json_get "$s" metrics.go_goroutines.slope_per_min)/min)" \
	json_true "$s" '.metrics.go_goroutines.slope_per_min > 1000'
check "one HTTP/2 connection: FDs stayed flat" json_true "$s" '.metrics.fds.slope_per_min <= 1'
check "the twin's goroutines stayed flat" \
	json_true "$TMP/go-cached-streams-fixed/summary.json" '.metrics.go_goroutines.slope_per_min <= 60'
check "no etcd data directory is left behind" \
	sh -c '! ls -A "$1" | grep -q .' sh "$TMP/tmpdir"
