#!/bin/sh
# verdicts-compare — the detector's figures beside those of the engine before warm-up from the
# data (bench/baseline/verdicts-dfed7a8.txt: bench/verdicts of today, built against the gate of
# commit dfed7a8, 200 runs per cell).  Reads the output run.sh kept of bench/verdicts.  For each
# family and corpus trace, % called leak at 35 and 60 s, before -> now; then the matrices.
set -u
cd "$(dirname "$0")/.." || exit 2
before=bench/baseline/verdicts-dfed7a8.txt
now=build/bench/verdicts.out
[ -s "$now" ] || { echo "verdicts-compare: no $now (run bench/run.sh)"; exit 0; }
# family rows: a 44-column name, the truth, then 15-column cells ("  12.5%  30.1s" or "-")
rows() {
	awk '/^family /{on=1; next} /^$/{on=0} on && / (leak|pass) /{
		name=substr($0, 1, 44); sub(/ +$/, "", name)
		truth=substr($0, 46, 4)
		split(substr($0, 51 + 2 * 15, 15), a, " +")
		split(substr($0, 51 + 3 * 15, 15), b, " +")
		print name "\t" truth "\t" (a[2] == "" ? "-" : a[2]) "\t" (b[2] == "" ? "-" : b[2])
	}' "$1"
}
rows "$before" | sort > "${TMPDIR:-/tmp}/vc.before.$$"
rows "$now" | sort > "${TMPDIR:-/tmp}/vc.now.$$"
printf '%-46s %-5s %17s %17s\n' "family (% called leak)" truth "35 s before/now" "60 s before/now"
join -t "$(printf '\t')" -a 2 -e - -o 2.1,2.2,1.3,2.3,1.4,2.4 \
	"${TMPDIR:-/tmp}/vc.before.$$" "${TMPDIR:-/tmp}/vc.now.$$" |
	awk -F '\t' '{ printf "%-46s %-5s %8s %8s %8s %8s\n", $1, $2, $3, $4, $5, $6 }'
rm -f "${TMPDIR:-/tmp}/vc.before.$$" "${TMPDIR:-/tmp}/vc.now.$$"
for what in "synthetic, leaks" "corpus, each" "corpus, the default"; do
	echo
	echo "before: $(grep -m1 "^$what" "$before" | cut -d: -f1)"
	grep -A4 "^$what" "$before" | tail -n 4
	echo "now:"
	grep -A4 "^$what" "$now" | tail -n 4
done
