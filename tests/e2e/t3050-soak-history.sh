#!/bin/sh
# History: three soaks into one folder, labelled and with their commits.  The third finds one
# scenario's RSS slope risen by more than a quarter of its gate (still a pass) and another one
# leaking: index.html draws each scenario's trend and names the soak where it changed, and
# `leaksoak history` says the same as a table and as JSON.  The index is only a convenience:
# deleted by hand, missing a soak, torn or gone, it is rebuilt from the folders.
. "$(dirname "$0")/lib.sh"
plan 28

RES=$TMP/res
# scenarios CREEP_KIB BREAK_THREADS: three grower scenarios, gated at 4096 KiB/min and 1
# thread/min: steady never grows, creep grows CREEP_KIB KiB/s, breaks starts BREAK_THREADS
# threads a second.
scenarios() {
	mkdir -p "$TMP/scen"
	for s in "steady 0 0" "creep $1 0" "breaks 0 $2"; do
		set -- $s
		cat >"$TMP/scen/$1.json" <<JSON
{"name": "$1", "target": {"cmd": ["$HELPERS/grower", "--kib-per-s", "$2", "--threads-per-s", "$3"]},
 "duration_s": 5, "warmup_s": 1, "sample": {"interval_ms": 50},
 "gate": {"rss_kib_per_min": 4096, "threads_per_min": 1, "fds_per_min": 1}}
JSON
	done
}
# soak N CREEP BREAK: soak number N into $RES/sN, labelled nN, commit cN.
soak() {
	scenarios "$2" "$3"
	ls_run soak "$TMP/scen" -j 3 --out "$RES/s$1" --label "n$1" --commit "c$1"
}

soak 1 0 0
check "the first soak passes" test $? = 0
check "a lone soak leaves no index beside it" test ! -e "$RES/history.tsv"
check "its index.html has no history section yet" sh -c "! grep -q 'class=\"history\"' '$RES/s1/index.html'"
soak 2 0 0
check "the second soak passes" test $? = 0
check "from the second soak on, the index names both, with labels and commits" \
	test "$(grep -v '^#' "$RES/history.tsv" | cut -f2-4 | tr '\t' ' ' | paste -sd,)" = "n1 c1 s1,n2 c2 s2"
soak 3 40 2
check "the third soak fails: breaks leaks its threads (exit 1)" test $? = 1
check "its output names the scenarios that changed, and where" \
	grep -qx "history: 3 soaks in $RES, 2 scenarios changed: breaks (#3), creep (#3) (leaksoak history $RES)" "$OUT"
check "summary.json keeps the label and the commit" \
	json_true "$RES/s3/summary.json" '.label == "n3" and .commit == "c3"'
check "the index names the three soaks in time order" \
	test "$(grep -v '^#' "$RES/history.tsv" | cut -f4 | paste -sd,)" = s1,s2,s3
html=$RES/s3/index.html
check "index.html has the history of the last 3 soaks" grep -q 'History: the last 3 soaks' "$html"
for s in breaks creep steady; do
	check "it embeds the trend plot of $s" grep -q "<img alt=\"trend of $s\" src=\"data:image/png;base64," "$html"
done
check "and names the soak where creep's RSS slope rose" \
	grep -q 'first rise: #3 [0-9T:Z-]* n3 c3</span>: rss rose +0 -&gt; +[0-9]* KiB/min (more than 1024, a quarter of its gate)' "$html"
check "and where breaks' verdict changed" \
	grep -q 'first rise: #3 [0-9T:Z-]* n3 c3</span>: verdict pass -&gt; leak' "$html"
check "and that steady did not change" grep -q 'no slope rose by more than a quarter of its gate and no verdict changed' "$html"
check "the trend plots are PNG files beside the report" \
	test "$(head -c 4 "$RES"/s3/trends/*-creep.png | tail -c 3)" = PNG

check "history exits 1: a scenario changed" expect_exit 1 history "$RES"
check "its table names the soak where creep rose" \
	grep -Eq '^  creep +first rise: #3 [^ ]+ n3 c3: rss rose \+0 -> \+[0-9]+ KiB/min' "$OUT"
check "and the verdicts of breaks, soak after soak" grep -Eq '^  breaks +threads +1  PPL  ' "$OUT"
expect_exit 1 history "$RES" --json && cp "$OUT" "$TMP/h.json"
check "--json gives creep's first rise as soak 3, on rss" json_true "$TMP/h.json" \
	'.scenarios[] | select(.scenario == "creep") | .first_rise.soak == 3 and .first_rise.what == "rss"
	 and .first_rise.to_per_min - .first_rise.from_per_min > .first_rise.margin_per_min'
check "and steady's as null, with its three pass verdicts" json_true "$TMP/h.json" \
	'.scenarios[] | select(.scenario == "steady") | .first_rise == null and .verdicts == ["pass","pass","pass"]'
check "--last 2 keeps the last two soaks" sh -c "
	'$LEAKSOAK' history '$RES' --last 2 --json | jq -e '[.soaks[].dir] == [\"s2\",\"s3\"]' >/dev/null"

# The index is rebuilt from the folders: a soak deleted by hand, a line lost (a soak killed
# after its report, before its line), a torn index, no index at all.
rm -rf "$RES/s2"
ls_run history "$RES" --json
check "a soak folder deleted by hand leaves the history" json_true "$OUT" '[.soaks[].dir] == ["s1","s3"]'
check "and the index" test "$(grep -v '^#' "$RES/history.tsv" | cut -f4 | paste -sd,)" = s1,s3
sed -i '/\ts3$/d' "$RES/history.tsv"
ls_run history "$RES" --json
check "a soak missing from the index is found again, with its label" \
	json_true "$OUT" '[.soaks[] | .dir + ":" + .label + ":" + .commit] == ["s1:n1:c1","s3:n3:c3"]'
printf '2026-01-01T00:00:00Z\tx\ty\ts9\ttorn' >>"$RES/history.tsv"
ls_run history "$RES" --json
check "a torn index is rebuilt" sh -c "
	jq -e '[.soaks[].dir] == [\"s1\",\"s3\"]' '$OUT' >/dev/null && ! grep -q torn '$RES/history.tsv'"
rm "$RES/history.tsv"
check "without an index, history still reads the folders" expect_exit 1 history "$RES"
check "a folder without soaks is a usage error (exit 2)" expect_exit 2 history "$TMP/scen"
check "nothing is left running" no_strays
