#!/bin/sh
# The harness's own memory stays flat however long it runs: a run sampling every 10 ms keeps
# at most SESSION_MAX_KEPT samples in memory (thinning past that), and leaksoak watch,
# pointed at that run, finds no growth in it once the kept series is full (~82 s).
. "$(dirname "$0")/lib.sh"
plan 4
cd "$ROOT" || exit 1

cat >"$TMP/idle.json" <<JSON
{
  "name": "idle",
  "target": {"cmd": ["build/helpers/grower"]},
  "duration_s": 130, "warmup_s": 1, "early_stop": false,
  "sample": {"interval_ms": 10, "lazyfree_interval_ms": 0},
  "gate": {"rss_discount_lazyfree": false}
}
JSON
ls_start run "$TMP/idle.json" --out "$TMP/idle"
check "the run is sampling" wait_until has_samples "$TMP/idle/samples.csv" 100
check "leaksoak watch finds the harness flat from 90 s on" expect_exit 0 watch \
	--pid "$ls_pid" --duration 125 --warmup 90 --interval-ms 250 --no-early-stop \
	--max-rss-kib-per-min 16 --max-threads-per-min 1 --max-fds-per-min 1 --out "$TMP/watch"
check "... on rss, threads and fds" json_true "$TMP/watch/summary.json" \
	'.metrics.rss.fitted and .metrics.threads.fitted and .failed == []'
wait "$ls_pid"
code=$?
if [ "$code" = 0 ]; then ok "the run itself passes"; else not_ok "the run itself passes (exit $code)"; fi
