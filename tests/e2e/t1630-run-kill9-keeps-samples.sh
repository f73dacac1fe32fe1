#!/bin/sh
# run: samples.csv holds every row taken up to a SIGKILL of leaksoak.  Each row is written
# with one write(2), which a SIGKILL cannot cut in half: the last line is whole.  The rows
# cover the time the run lived (none lost at the end), and none seen before the kill is lost.
. "$(dirname "$0")/lib.sh"
plan 5

s=$(scenario_for lived "[\"$HELPERS/tree\", \"-c\", \"1\"]" '"gate": {"rss_kib_per_min": 1024}')
sed -i 's/"duration_s": 4/"duration_s": 120/' "$s"
csv=$TMP/lived/samples.csv
ls_start run "$s" --out "$TMP/lived"
first_row() { has_samples "$csv" 1; }
check "the run is sampling" wait_until first_row
start=$(date +%s%N)
# At a moment of no particular kind, a bit over a second in.
sleep 1.3
before=$(($(wc -l <"$csv") - 1))
kill -KILL "$ls_pid"
end=$(date +%s%N)
wait "$ls_pid"
after=$(($(wc -l <"$csv") - 1))
lived_ms=$(((end - start) / 1000000))
last_t=$(tail -n 1 "$csv" | cut -d, -f1)
echo "# $after rows (seen $before before the kill); lived >= $lived_ms ms; last t_s $last_t"
check "no row seen before the kill is lost" [ "$after" -ge "$before" ]
check "the last line is whole (newline-terminated, as many fields as the header)" \
	sh -c "tail -c 1 '$csv' | od -An -c | grep -q '\\\\n' && awk -F, 'NR == 1 { n = NF } END { exit NF != n || n < 10 }' '$csv'"
# Sampled every 50 ms from before $start: the last row is within 300 ms of the kill.
check "the rows reach the moment of the kill" \
	awk -v t="$last_t" -v lived="$lived_ms" 'BEGIN { exit !(t * 1000 >= lived - 300) }'
# And about one row per 50 ms in between (a loaded machine may merge a few ticks): no
# stretch of rows is lost in the middle either.
check "one row per interval up to the kill" \
	awk -v n="$after" -v t="$last_t" 'BEGIN { exit !(n >= t * 1000 / 50 * 0.7 && n <= t * 1000 / 50 + 2) }'
