#!/bin/sh
# Each bundled C leak's evidence names its cause, on stdout, in summary.json and in the HTML
# report: the growing class of memory in the target process (map-delete-churn,
# cached-streams, gzip-options, cgo-overwrite), the leaking threads' name (stopped-ticker),
# the sockets and the backend's port (grpc-conns); under heaptrack, the function that
# allocates what is never freed (cgo-overwrite's kv_get, called from its worker); and
# evidence.http_get keeps both bodies with the pprof command that compares them.
. "$(dirname "$0")/lib.sh"
plan 35
cd "$ROOT" || exit 1

# jq_true FILE JQ_ARGS...: the jq filter (with its --arg options) is true of FILE.
jq_true() {
	f=$1
	shift
	jq -e "$@" "$f" >/dev/null
}

# grew_in_class DIR COMM: the process that grew most is COMM, its growth mostly heap or
# anonymous mappings, and stdout says so under the failed rss line.
grew_in_class() {
	jq_true "$1/summary.json" --arg comm "$2" '.evidence.processes[0] |
		.comm == $comm and .rss_kib.delta > 0 and
		(.memory_kib | to_entries | map(select(.key | IN("heap", "stack", "anon", "file",
			"other"))) | max_by(.value.delta) | .key | IN("heap", "anon"))' &&
	grep -Eq "^  where    pid [0-9]+ \`$2\` grew \+" "$1/stdout" &&
	grep -Eq "^           in it: (heap|anonymous mappings) \+" "$1/stdout" && return 0
	sed 's/^/#   /' "$1/stdout" | head -n 20
	return 1
}

# run_leak NAME [SCENARIO]: run the leak, keeping stdout in its folder: exit 1 expected.
run_leak() {
	ls_run run "${2:-$ROOT/scenarios/$1.json}" --out "$TMP/$1"
	code=$?
	cp "$OUT" "$TMP/$1/stdout" 2>/dev/null
	[ "$code" = 1 ] && return 0
	echo "# $1 exited $code"
	sed 's/^/#   /' "$ERR" | head -n 5
	return 1
}

for leak in map-delete-churn:map-churn cached-streams:cached-streams \
	    gzip-options:gzip-options cgo-overwrite:cgo-overwrite; do
	scen=${leak%%:*}	# not $name: check() sets that
	check "$scen is a leak" run_leak "$scen"
	check "$scen: the ${leak#*:} process grew, in heap or anonymous memory" \
		grew_in_class "$TMP/$scen" "${leak#*:}"
	check "$scen: the raw snapshots are in the run folder" \
		json_true "$TMP/$scen/evidence-end.json" '.processes | length >= 1'
done

# stopped-ticker: the threads piling up are the flusher threads.
s=$TMP/stopped-ticker
check "stopped-ticker is a leak" run_leak stopped-ticker
check "its evidence: threads named flusher grew" json_true "$s/summary.json" \
	'.evidence.threads_by_name[0] | .name == "flusher" and .delta >= 10'
check "stdout names them under the threads line" \
	grep -Eq '^  where    \+[0-9]+ threads named `flusher`' "$s/stdout"

# grpc-conns: both ends of each never-closed channel, on the backend's listening port.
s=$TMP/grpc-conns
check "grpc-conns is a leak" run_leak grpc-conns
port=$(jq -r '.evidence.fds_by_kind[0].detail | capture(":(?<p>[0-9]+)$").p' "$s/summary.json")
check "its top FD kind is TCP sockets on one port ($port)" jq_true "$s/summary.json" \
	--arg p ":$port" '.evidence.fds_by_kind[0:2] | all(.kind | startswith("tcp")) and
		all(.detail | endswith($p)) and all(.delta >= 10) and
		(map(.detail | split(" ")[0]) | sort == ["accepted", "to"])'
check "that port is the backend's: a listener of the tree" jq_true "$s/evidence-end.json" \
	--arg p ":$port" 'any(.fds_by_kind[]; .detail | startswith("listening on") and endswith($p))'
check "stdout names the sockets and the port" \
	grep -Eq "^  where    \+[0-9]+ TCP6? sockets (to|accepted on) .*:$port " "$s/stdout"

# heaptrack: the allocation site of cgo-overwrite's leaked buffers.
s=$TMP/cgo-heaptrack
jq '.target.profile = "heaptrack" | .name = "cgo-heaptrack"' scenarios/cgo-overwrite.json \
	>"$TMP/cgo-heaptrack.json"
if command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null; then
	check "cgo-overwrite under heaptrack is a leak" run_leak cgo-heaptrack "$TMP/cgo-heaptrack.json"
	check "the top leaked stack is kv_get called from worker" json_true "$s/summary.json" \
		'.evidence.heaptrack.stacks[0].frames | .[0].function == "kv_get" and
			any(.[]; .function == "worker")'
	check "stdout says so under the rss line" \
		grep -Eq '^           top leaked stack \(heaptrack\): kv_get <- worker' "$s/stdout"
	check "heaptrack's data and heaptrack_print's output are in the run folder" \
		test -s "$s/heaptrack-leaks.txt" -a -n "$(ls "$s"/heaptrack.* 2>/dev/null)"
	check "the target was sampled under heaptrack" json_true "$s/summary.json" \
		'any(.evidence.processes[]; .comm == "cgo-overwrite") and .samples > 20'
	check "nothing of heaptrack's tree is left running" no_strays
else
	for _ in 1 2 3 4 5 6; do skip "heaptrack is not installed (./scripts/install-deps.sh)"; done
fi

# evidence.http_get: both bodies kept, and the command comparing them.
s=$TMP/hello-pprof
hello_scenario "$TMP" hello-pprof
jq '.evidence = {"http_get": "http://127.0.0.1:{port}/debug/pprof/heap"}' \
	"$TMP/hello-pprof.json" >"$TMP/hello-pprof2.json"
check "a run with evidence.http_get passes" expect_exit 0 run "$TMP/hello-pprof2.json" --out "$s"
check "both bodies are in the run folder" \
	grep -qx hello "$s/evidence-http-start" "$s/evidence-http-end"
check "summary.json has their status and the compare command" json_true "$s/summary.json" \
	'.evidence.http_get | .start.status == 200 and .end.status == 200 and
		.compare == "go tool pprof -base evidence-http-start evidence-http-end"'
check "stdout prints the compare command" \
	grep -Eq '^  compare  go tool pprof -base .*/evidence-http-start .*/evidence-http-end$' "$OUT"

# The HTML report of these runs: a where column and an evidence section per run.
check "leaksoak report of the runs" expect_exit 0 report "$TMP/stopped-ticker" \
	"$TMP/grpc-conns" "$TMP/gzip-options" "$TMP/hello-pprof" --out "$TMP/report"
html=$TMP/report/index.html
check "the report has a where column" grep -q '<th>where</th>' "$html"
check "its where cell names the flusher threads" \
	grep -Eq '<td class="where">\+[0-9]+ threads named `flusher`' "$html"
check "its evidence section names the grpc backend's port" \
	grep -Eq "TCP6? sockets (to|accepted on) [^<]*:$port " "$html"
check "it shows the pprof compare command" grep -q 'go tool pprof -base evidence-http-start' "$html"
check "nothing is left running" no_strays
finish
