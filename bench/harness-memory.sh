#!/bin/sh
# harness-memory — the harness's own RSS over a long run at a 10 ms sampling interval (the
# most samples it will ever keep per second), read from /proc while it runs, and what that
# projects to for a 7-day soak.  The kept series is bounded (SESSION_MAX_KEPT samples, then
# thinned), so the RSS should stop growing once it is full (~82 s at 10 ms).
set -u
cd "$(dirname "$0")/.." || exit 2
dur=${HARNESS_MEMORY_S:-240}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/leaksoak-mem.XXXXXX")
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
# The run lasts a minute longer than the readings, so none falls in its closing work (the
# verdict, the summary and the plot, which allocate once at the end).
cat >"$tmp/idle.json" <<JSON
{"name": "idle", "target": {"cmd": ["build/helpers/grower"]}, "duration_s": $((dur + 60)),
 "warmup_s": 1, "early_stop": false,
 "sample": {"interval_ms": 10, "lazyfree_interval_ms": 0},
 "gate": {"rss_discount_lazyfree": false}}
JSON
./leaksoak run "$tmp/idle.json" --out "$tmp/run" >/dev/null 2>&1 &
pid=$!
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null; }
echo "harness RSS at a 10 ms interval (KiB), every 30 s for $dur s:"
t=0
first=
while [ "$t" -lt "$dur" ]; do
	sleep 30
	t=$((t + 30))
	v=$(rss)
	[ -n "$v" ] || break
	printf '  %4d s  %6d KiB\n' "$t" "$v"
	[ "$t" = 120 ] && first=$v
	last=$v
done
if [ -n "$first" ] && [ -n "${last:-}" ] && [ "$t" -gt 120 ]; then
	awk -v a="$first" -v b="$last" -v s=$((t - 120)) 'BEGIN {
		slope = (b - a) / s * 60
		printf "after the kept series filled: %+.1f KiB/min; projected 7-day soak: %.0f KiB " \
		       "(%.1f MiB)\n", slope, b + (slope > 0 ? slope : 0) * 7 * 24 * 60,
		       (b + (slope > 0 ? slope : 0) * 7 * 24 * 60) / 1024 }'
fi
