#!/bin/sh
# evidence — what reading the evidence costs in real runs, and that it stays off the sampling
# path: each bundled C leak runs once (early stop), and its summary.json says how long each of
# its two snapshots took (evidence.read_ms) for a tree of what size; samples.csv shows the
# one sampling gap the start snapshot stretched beside the usual gap.  Evidence is read twice
# per run, never per sample.  Then the runtimes' own evidence (evidence.go_pprof on
# tests/helpers/goleak, evidence.jvm on tests/helpers/java/JvmLeak): what each edge took and
# the sampling gap at the window's start.  Figures, not assertions.
set -u
cd "$(dirname "$0")/.." || exit 2
out=$(mktemp -d "${TMPDIR:-/tmp}/leaksoak-evidence.XXXXXX")
trap 'rm -rf "$out"' EXIT
[ "$(ulimit -n)" -lt 4096 ] && ulimit -n 4096 2>/dev/null
printf '%-16s %5s %7s %5s %9s %9s %10s %10s\n' scenario procs threads fds \
	"start ms" "end ms" "gap ms" "usual ms"
for name in map-delete-churn cached-streams gzip-options cgo-overwrite stopped-ticker \
	    grpc-conns; do
	dir=$out/$name
	./leaksoak run "scenarios/$name.json" --out "$dir" >/dev/null 2>&1
	sum=$dir/summary.json
	if ! jq -e '.evidence.read_ms' "$sum" >/dev/null 2>&1; then
		printf '%-16s no evidence (see %s)\n' "$name" "$sum"
		continue
	fi
	size=$(jq -r '[.processes | length, (map(.threads) | add), (map(.fds) | add)] | @tsv' \
		"$dir/evidence-end.json")
	ms=$(jq -r '[.evidence.read_ms.start, .evidence.read_ms.end] | map(. * 10 | round / 10) |
		@tsv' "$sum")
	warmup=$(jq -r .warmup_s "$sum")
	# the gap after the first sample of the window (where the start snapshot was read),
	# beside the median gap between samples
	gap=$(awk -F, -v w="$warmup" 'NR > 1 { if (at) { printf "%.1f", ($1 - at) * 1000; exit }
		if ($1 >= w) at = $1 }' "$dir/samples.csv")
	usual=$(awk -F, 'NR > 2 { printf "%.1f\n", ($1 - p) * 1000 } NR > 1 { p = $1 }' \
		"$dir/samples.csv" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	printf '%-16s %5s %7s %5s %9s %9s %10s %10s\n' "$name" $size $ms "$gap" "$usual"
done
echo "(a snapshot is read at the window's start and at its end, between two samples; the"
echo " sampler's per-sample cost is sampler_bench's, unchanged)"

# gap_at DIR: the sampling gap after the window's start (where the runtime's evidence was
# read) and the median gap, in ms.
gap_at() {
	warmup=$(jq -r .warmup_s "$1/summary.json")
	awk -F, -v w="$warmup" 'NR > 1 { if (at) { printf "%.1f ", ($1 - at) * 1000; exit }
		if ($1 >= w) at = $1 }' "$1/samples.csv"
	awk -F, 'NR > 2 { printf "%.1f\n", ($1 - p) * 1000 } NR > 1 { p = $1 }' "$1/samples.csv" |
		sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# The runtimes' own evidence: Go's pprof (tests/helpers/goleak, ~2000 goroutines and ~100 MiB
# of heap by the end) and the JVM's class histogram (tests/helpers/java/JvmLeak).
echo
printf '%-10s %-34s %9s %9s %12s %10s %10s\n' runtime evidence "start ms" "end ms" \
	"after ms" "gap ms" "usual ms"
cat >"$out/goleak.json" <<JSON
{"name": "goleak", "target": {"cmd": ["build/helpers/goleak", "--port", "{port}"],
  "ready": {"http_get": "http://127.0.0.1:{port}/healthz", "timeout_s": 10}},
 "drive": {"http": {"url": "http://127.0.0.1:{port}/r", "rate_per_s": 200, "concurrency": 2}},
 "duration_s": 10, "warmup_s": 2, "early_stop": false,
 "evidence": {"go_pprof": {"url": "http://127.0.0.1:{port}/debug/pprof/"}}}
JSON
if [ -x build/helpers/goleak ]; then
	./leaksoak run "$out/goleak.json" --out "$out/go" >/dev/null 2>&1
	ms=$(jq -r '.evidence.go_pprof | [.read_ms.start, .read_ms.end, .pprof_ms] |
		map(. * 10 | round / 10) | @tsv' "$out/go/summary.json")
	printf '%-10s %-34s %9s %9s %12s %10s %10s\n' Go "heap?gc=1 + goroutine?debug=1" $ms \
		$(gap_at "$out/go")
	echo "           (after: go tool pprof -top -base, run once the sampling is over)"
else
	echo "Go         not measured (build/helpers/goleak missing: make)"
fi
cat >"$out/jvm.json" <<JSON
{"name": "jvmleak", "target": {"cmd": ["java", "-Xmx256m", "-cp", "build/helpers/java", "JvmLeak"]},
 "duration_s": 10, "warmup_s": 2, "early_stop": false, "evidence": {"jvm": true}}
JSON
if command -v jcmd >/dev/null && [ -f build/helpers/java/JvmLeak.class ]; then
	./leaksoak run "$out/jvm.json" --out "$out/jvm" >/dev/null 2>&1
	ms=$(jq -r '.evidence.jvm | [.read_ms.start, .read_ms.end] | map(. * 10 | round / 10) |
		@tsv' "$out/jvm/summary.json")
	printf '%-10s %-34s %9s %9s %12s %10s %10s\n' JVM "jcmd GC.class_histogram" $ms - \
		$(gap_at "$out/jvm")
	echo "           (start: launching jcmd, which runs beside the sampling; end: the end's jcmd whole,"
	echo "            after the sampling)"
else
	echo "JVM        not measured (needs jcmd and build/helpers/java: openjdk-17-jdk-headless, make)"
fi
