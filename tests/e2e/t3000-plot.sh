#!/bin/sh
# plot: a hand-made run folder (30 s of a sawtooth leak, summary.json with its fit) becomes a
# real PNG and SVG; a folder without samples is a usage error; `run` plots by itself, and says
# in one line how to get gnuplot when it is missing.
. "$(dirname "$0")/lib.sh"
plan 13

# make_run DIR: samples.csv (10 Hz, a leak of ~2400 KiB/min on a sawtooth, LazyFree from 1 s)
# and the summary.json `leaksoak run` would have written for it.
make_run() {
	mkdir -p "$1"
	awk 'BEGIN {
		print "t_s,rss_kib,threads,fds,procs,cpu_s,lazyfree_kib,requests,errors"
		for (i = 0; i <= 300; i++) {
			t = i / 10
			lazy = i < 10 ? "" : 200 + (i % 50) * 10
			printf "%.3f,%d,%d,%d,1,%.2f,%s,100,0\n", t, 20000 + 40 * t + (i % 20) * 30,
				4 + (t > 10), 12 + int(t / 6), t / 10, lazy
		}
	}' >"$1/samples.csv"
	cat >"$1/summary.json" <<'JSON'
{"scenario": "hand-made", "verdict": "leak", "exit_code": 1, "warmup_s": 5,
 "duration_s": 30, "elapsed_s": 30, "started_utc": "2026-11-21T23:00:00Z",
 "gate": {"rss_kib_per_min": 512, "threads_per_min": 1, "fds_per_min": 1},
 "metrics": {"rss": {"unit": "KiB", "fitted": true, "slope_kib_per_min": 2400,
   "slope_per_min": 2400, "gate_per_min": 512, "failed": true, "basis": "rss-lazyfree",
   "theil_sen": {"slope_per_min": 2400, "intercept": 19870}}}}
JSON
}

# is_png FILE: the 8-byte PNG signature and more than 10 KB (a real chart, not an empty one).
is_png() {
	[ "$(od -An -tx1 -N8 "$1" | tr -d ' \n')" = 89504e470d0a1a0a ] &&
		[ "$(wc -c <"$1")" -gt 10000 ]
}

run=$TMP/run
make_run "$run"
if ! command -v gnuplot >/dev/null; then
	for i in 1 2 3 4 5 6 7 8; do skip "gnuplot is not installed (apt-get install gnuplot-nox)"; done
else
	check "plot exits 0" expect_exit 0 plot "$run"
	check "plot prints the image's path" grep -qx "$run/rss.png" "$OUT"
	check "rss.png is a PNG of real size" is_png "$run/rss.png"
	check "gnuplot had nothing to complain about (no plot.log)" test ! -e "$run/plot.log"
	check "plot --format svg exits 0" expect_exit 0 plot "$run" --format svg
	check "rss.svg is an SVG" grep -q '<svg' "$run/rss.svg"
	# A quote in a folder name reaches gnuplot as data, not as a command.
	odd="$TMP/it's here"
	make_run "$odd"
	check "a folder name with a quote plots" expect_exit 0 plot "$odd"
	check "and its PNG is real" is_png "$odd/rss.png"
fi

check "a folder without samples.csv is a usage error" expect_exit 2 plot "$TMP"
check "an unknown format is a usage error" expect_exit 2 plot "$run" --format jpeg

# run plots by itself; without gnuplot on PATH it says so in one line and still passes.
s=$(scenario_for hello "[\"$HELPERS/hello\", \"--port\", \"{port}\"]" \
	'"gate": {"rss_kib_per_min": 4096}')
env PATH=/nonexistent LEAKSOAK_E2E_TAG="$TAG" "$LEAKSOAK" run --out "$TMP/nognuplot" "$s" \
	>"$OUT" 2>"$ERR"
code=$?
check "run without gnuplot still judges (exit 0)" test "$code" = 0
check "and warns in one line how to get it" grep -qx \
	"leaksoak: warning: gnuplot not found; no plot (apt-get install gnuplot-nox)" "$ERR"
check "the run leaves nothing running" no_strays
