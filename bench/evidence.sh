#!/bin/sh
# evidence — what reading the evidence costs in real runs, and that it stays off the sampling
# path: each bundled C leak runs once (early stop), and its summary.json says how long each of
# its two snapshots took (evidence.read_ms) for a tree of what size; samples.csv shows the
# one sampling gap the start snapshot stretched beside the usual gap.  Evidence is read twice
# per run, never per sample.  Figures, not assertions.
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
