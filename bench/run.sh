#!/bin/sh
# run.sh — print leaksoak's performance figures: sampler CPU per sample, fit time, driver
# throughput beside wrk, and the false-positive rate of the gate.  Figures, not assertions:
# shared machines vary by 15–30 %, so nothing here passes or fails on a timer.
set -u
cd "$(dirname "$0")/.." || exit 2
status=0
for b in build/bench/*; do
	[ -x "$b" ] || continue
	case $b in *.d) continue ;; esac
	echo "== ${b##*/}"
	"$b" || status=1
done
exit $status
