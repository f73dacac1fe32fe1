#!/bin/sh
# demo.sh — the main job: the map-delete-churn leak and its fixed twin, one after the other,
# with their verdicts, plots and result folders.  `make demo` builds first.
set -u
cd "$(dirname "$0")/.." || exit 2
status=0
for s in scenarios/map-delete-churn.json scenarios/map-delete-churn-fixed.json; do
	echo "== leaksoak run $s"
	./leaksoak run "$s"
	code=$?
	echo "   exit $code"
	echo
	# The leaky scenario is expected to exit 1 and its twin 0; anything else is a failed demo.
	case $s in
	*-fixed.json) [ "$code" = 0 ] || status=1 ;;
	*) [ "$code" = 1 ] || status=1 ;;
	esac
done
[ "$status" = 0 ] && echo "demo: the leak was called leak and its fix pass, as expected"
exit $status
