#!/bin/sh
# evidence.go_pprof names a Go leak in Go's terms (tests/helpers/goleak): the goroutines that
# pile up by the frame they wait in (main.parkedLoop, at its file:line) and the function whose
# heap grows by go tool pprof -top -base (main.retainBlock), on stdout under the failed
# metrics, in summary.json and in the HTML report; memory mapped outside the Go heap is said
# to be outside it, with a silent heap diff; without go in PATH the profiles stay, the command
# is printed and goroutines are still named; and the URL is held to the driver's loopback
# rule.
. "$(dirname "$0")/lib.sh"
plan 24
cd "$ROOT" || exit 1

# scenario NAME FLAG: a goleak run (FLAG: "" or --offheap) gating go_goroutines, with
# go_pprof evidence and the Go heap scraped next to RSS.
scenario() {
	cat >"$TMP/$1.json" <<JSON
{
  "name": "$1",
  "target": {"cmd": ["$HELPERS/goleak", "--port", "{port}"${2:+, \"$2\"}],
             "ready": {"http_get": "http://127.0.0.1:{port}/healthz", "timeout_s": 10}},
  "drive": {"http": {"url": "http://127.0.0.1:{port}/r", "rate_per_s": 200,
                     "concurrency": 2}},
  "duration_s": 6, "warmup_s": 1.5, "early_stop": false,
  "sample": {"interval_ms": 100,
             "prometheus": {"url": "http://127.0.0.1:{port}/metrics", "interval_ms": 250,
                            "series": [{"name": "go_goroutines", "metric": "go_goroutines"},
                                       {"name": "go_heap", "metric": "go_memstats_heap_inuse_bytes"}]}},
  "gate": {"metrics": {"go_goroutines": 10}},
  "expect": "leak",
  "evidence": {"go_pprof": {"url": "http://127.0.0.1:{port}/debug/pprof/"}}
}
JSON
}

scenario goleak ""
s=$TMP/goleak
check "goleak is a leak" expect_exit 1 run "$TMP/goleak.json" --out "$s"
cp "$OUT" "$s/stdout"
check "it failed on rss and go_goroutines" json_true "$s/summary.json" \
	'.failed | index("rss") != null and index("go_goroutines") != null'
check "the goroutines that grew wait in main.parkedLoop, at its line" \
	json_true "$s/summary.json" '.evidence.go_pprof.goroutines.top[0] |
		.function == "main.parkedLoop" and .location == "goleak/main.go:35" and
		.delta >= 300'
check "the heap grew in main.retainBlock (go tool pprof -base)" json_true "$s/summary.json" \
	'.evidence.go_pprof.heap | .error == null and .top[0].function == "main.retainBlock" and
		.top[0].flat_bytes > 4194304'
check "the profiles and pprof's table are in the run folder" \
	test -s "$s/go-goroutine-start.txt" -a -s "$s/go-goroutine-end.txt" -a \
		-s "$s/go-heap-start.pb.gz" -a -s "$s/go-heap-top.txt"
check "the heap profiles are pprof's gzip" \
	sh -c 'od -An -tx1 -N2 "$1" | grep -q "1f 8b"' - "$s/go-heap-end.pb.gz"
check "stdout says it under go_goroutines" \
	grep -Eq '^  where    \+[0-9,]+ goroutines parked in main\.parkedLoop \(goleak/main\.go:35\)$' \
	"$s/stdout"
check "stdout names the heap's function under rss" \
	grep -Eq '^ +Go heap \(go tool pprof -base, inuse_space\): \+[0-9.]+ MiB in main\.retainBlock' \
	"$s/stdout"
check "the Go heap is said to have grown with RSS" json_true "$s/summary.json" \
	'.evidence.heap_vs_rss | .which == "heap" and .series == "go_heap" and .runtime == "Go"'
check "stdout says so" grep -Eq "^ +the Go heap grew \+[0-9.]+ MiB of RSS's \+" "$s/stdout"
check "stdout prints the pprof command on the kept profiles" \
	grep -Eq '^  pprof    go tool pprof -top -sample_index=inuse_space -base .*/go-heap-start\.pb\.gz .*/go-heap-end\.pb\.gz$' \
	"$s/stdout"

# Off the Go heap: RSS grows, the heap does not; and no go in PATH.
scenario offheap --offheap
s=$TMP/offheap
check "offheap is a leak" expect_exit 1 run "$TMP/offheap.json" --out "$s"
cp "$OUT" "$s/stdout"
check "RSS grew outside the Go heap" json_true "$s/summary.json" \
	'.evidence.heap_vs_rss.which == "outside"'
check "stdout says so in the runtime's terms" grep -Eq \
	'^ +RSS \+[0-9.]+ MiB while the Go heap stayed flat .*: memory outside the Go heap \(C allocations, or pages freed with MADV_FREE\)$' \
	"$s/stdout"
check "the heap diff is silent" grep -q '^ *the Go heap diff is silent (go tool pprof -base)' \
	"$s/stdout"

# nogo_run: goleak stranding goroutines alone, with a PATH that holds no go; exit 1 expected.
scenario nogo --goroutines
nogo_run() {
	env PATH=/nonexistent LEAKSOAK_E2E_TAG="$TAG" "$LEAKSOAK" run "$TMP/nogo.json" \
		--out "$TMP/nogo" >"$OUT" 2>"$ERR"
	[ $? = 1 ] && return 0
	sed 's/^/#   stderr: /' "$ERR" | tail -n 5
	return 1
}
s=$TMP/nogo
check "without go in PATH the run still ends in a verdict" nogo_run
check "then the heap's error says to run the command" json_true "$s/summary.json" \
	'.evidence.go_pprof.heap | (.error | startswith("go is not installed")) and .top == [] and
		(.command | startswith("go tool pprof -top"))'
check "and the goroutines are still named" json_true "$s/summary.json" \
	'.evidence.go_pprof.goroutines.top[0].function == "main.parkedLoop"'
check "stdout says go is missing and prints the command" sh -c 'grep -q "^  pprof    go is not installed" "$1" &&
	grep -q "^  pprof    go tool pprof -top" "$1"' - "$OUT"

# The report of these runs names them too.
check "leaksoak report of the runs" expect_exit 0 report "$TMP/goleak" "$TMP/offheap" \
	--out "$TMP/report"
check "the report names main.parkedLoop and main.retainBlock" \
	sh -c 'grep -q "goroutines parked in main.parkedLoop" "$1" &&
		grep -q "MiB in main.retainBlock" "$1"' - "$TMP/report/index.html"

# The URL obeys the driver's rules: loopback only, and a url is required.
jq '.evidence.go_pprof.url = "http://192.0.2.1/debug/pprof/"' "$TMP/goleak.json" >"$TMP/remote.json"
check "a remote pprof URL is refused" expect_exit 2 run "$TMP/remote.json" --out "$TMP/x"
check "naming the key" grep -q "evidence.go_pprof.url" "$ERR"
check "nothing is left running" no_strays
finish
