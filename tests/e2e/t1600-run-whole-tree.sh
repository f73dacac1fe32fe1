#!/bin/sh
# run: a leak in a worker that detached itself (setsid in a subshell that exits at once, so
# the worker is orphaned) is sampled and called a leak, and the worker is ended at stop.
. "$(dirname "$0")/lib.sh"
plan 5

s=$(scenario_for detached "[\"/bin/sh\", \"-c\", \"( setsid $HELPERS/grower --kib-per-s 4000 & ); exec sleep 3000\"]" \
	'"gate": {"rss_kib_per_min": 1024}')
check "a leak in a detached worker is a leak (exit 1)" expect_exit 1 run "$s" --out "$TMP/detached"
check "it fails on rss" failed_exactly "$TMP/detached/summary.json" '["rss"]'
# procs of every sample after the first tenth of a second: the shell and the worker
counted() {
	awk -F, 'NR > 1 && $1 >= 0.2 && $5 < 2 { bad++ } NR > 1 && $1 >= 0.2 { n++ }
		 END { exit !(n > 10 && bad == 0) }' "$TMP/detached/samples.csv"
}
check "the worker is in every sample (procs >= 2)" counted
check "the run saw it grow (last rss above 4 MiB)" \
	awk -F, 'END { exit !($2 > 4096) }' "$TMP/detached/samples.csv"
check "the detached worker does not outlive the run" no_strays
