#!/bin/sh
# run.sh — print leaksoak's performance figures: sampler CPU per sample, fit time, driver
# throughput beside wrk, the detector's confusion matrix (bench/verdicts), time to verdict of
# the bundled scenarios, and the harness's own memory over a long run.  Figures, not assertions:
# shared machines vary by 15–30 %, so nothing here passes or fails on a timer.
set -u
cd "$(dirname "$0")/.." || exit 2
status=0
for b in build/bench/*; do
	[ -x "$b" ] || continue
	case $b in *.d) continue ;; esac
	echo "== ${b##*/}"
	# kept for the scripts that compare a figure with an earlier one (verdicts-compare.sh)
	{ "$b" || echo "exit $?" >&3; } 3>"build/bench/${b##*/}.status" | tee "build/bench/${b##*/}.out"
	[ -s "build/bench/${b##*/}.status" ] && status=1
done
for s in bench/*.sh; do
	[ "$s" = bench/run.sh ] && continue
	echo "== $(basename "$s" .sh)"
	sh "$s" || status=1
done
exit $status
