#!/bin/sh
# A torn last line: a run killed with SIGKILL keeps every row it wrote, but a kill (or a full
# disk) while a row is written leaves it cut short.  plot and report read the rows before it,
# skip it with one warning, and go on.
. "$(dirname "$0")/lib.sh"
plan 10

s=$(scenario_for churn "[\"$HELPERS/hello\", \"--port\", \"{port}\"]" \
	'"gate": {"rss_kib_per_min": 4096}')
sed -i 's/"duration_s": 4/"duration_s": 120/' "$s"
ls_start run "$s" --out "$TMP/run"
check "the run samples" wait_until has_samples "$TMP/run/samples.csv" 20
kill -KILL "$ls_pid"
wait "$ls_pid"
check "SIGKILL ends it (137)" test $? = 137
rows=$(($(wc -l <"$TMP/run/samples.csv") - 1))
# The row being written when the kill came, cut short: no line break, a huge partial value.
printf '9.950,9999999' >>"$TMP/run/samples.csv"

if command -v gnuplot >/dev/null; then
	check "plot draws the killed run (exit 0)" expect_exit 0 plot "$TMP/run"
	check "warning once about the torn line" one_line \
		"^leaksoak: warning: $TMP/run/samples.csv:$((rows + 2)): the last line is torn"
	check "and draws it" test -s "$TMP/run/rss.png"
else
	for i in 1 2 3; do skip "gnuplot is not installed (apt-get install gnuplot-nox)"; done
fi
check "report reads the killed run as an error (exit 3)" \
	expect_exit 3 report "$TMP/run" --out "$TMP/report"
check "warning about the torn line" \
	grep -q "warning: $TMP/run/samples.csv:$((rows + 2)): the last line is torn" "$ERR"
check "counting the rows before it" \
	json_true "$TMP/report/summary.json" ".runs[0].message | test(\"samples.csv: $rows rows\")"
check "the report says why there is no verdict" \
	json_true "$TMP/report/summary.json" '.runs[0].verdict == "error"'
check "nothing is left running" no_strays
