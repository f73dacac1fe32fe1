#!/bin/sh
# Hostile paths and gnuplot: a folder named like a gnuplot pipe ('<cmd', '|cmd') or holding
# quotes is plotted as data, never run, whether it comes from `plot DIR`, `run --out` or
# `soak --out`.  Each try would have created the file "pwned" in the working folder.
. "$(dirname "$0")/lib.sh"
plan 12

# make_run DIR: a samples.csv of 5 s at 10 Hz.
make_run() {
	mkdir -p "$1"
	awk 'BEGIN {
		print "t_s,rss_kib,threads,fds,procs,cpu_s,lazyfree_kib,requests,errors"
		for (i = 0; i <= 50; i++) printf "%.3f,%d,4,10,1,0.00,,0,0\n", i / 10, 20000 + i
	}' >"$1/samples.csv"
}

cd "$TMP" || exit 1
if ! command -v gnuplot >/dev/null; then
	for i in $(seq 1 12); do skip "gnuplot is not installed (apt-get install gnuplot-nox)"; done
	exit 0
fi
for d in '<touch pwned #' '|touch pwned #' "q'uo\"te;touch pwned"; do
	make_run "$d"
	check "plot '$d' exits 0" expect_exit 0 plot "$d"
	check "and draws its own folder" test -s "$d/rss.png"
	check "and runs nothing" test ! -e pwned
done

s=$(scenario_for hello "[\"$HELPERS/hello\", \"--port\", \"{port}\"]" \
	'"gate": {"rss_kib_per_min": 4096}')
expect_exit 0 run "$s" --out '|touch pwned #'
check "run --out '|touch pwned #' plots in that folder and runs nothing" \
	sh -c 'test -s "|touch pwned #/rss.png" && test ! -e pwned'
mkdir scen && cp "$s" scen/
expect_exit 0 soak scen --out '<touch pwned #'
check "soak --out '<touch pwned #' plots its run and runs nothing" \
	sh -c 'test -s "<touch pwned #/hello/rss.png" && test ! -e pwned'
check "nothing is left running" no_strays
