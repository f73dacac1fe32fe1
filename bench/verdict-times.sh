#!/bin/sh
# verdict-times — how soon each bundled scenario (the C and Go leaks, their fixed twins and the
# traps) gets its verdict, run by run: ROUNDS soaks of scenarios/ (two at a time), each run's
# decided_at_s and verdict from its summary.json.  Figures, not assertions.
set -u
cd "$(dirname "$0")/.." || exit 2
rounds=${ROUNDS:-2}
out=$(mktemp -d "${TMPDIR:-/tmp}/leaksoak-times.XXXXXX")
trap 'rm -rf "$out"' EXIT
set -- scenarios/*.json
[ "$(ulimit -n)" -lt 4096 ] && ulimit -n 4096 2>/dev/null
echo "time to verdict: $rounds soaks of the $# bundled scenarios (-j 2), seconds from start"
r=1
while [ "$r" -le "$rounds" ]; do
	./leaksoak soak "$@" -j 2 --out "$out/$r" >/dev/null 2>&1
	r=$((r + 1))
done
printf '%-24s %-7s %s\n' scenario verdict "decided at (s), per round"
for f in "$@"; do
	name=$(basename "$f" .json)
	line=
	verdict=
	r=1
	while [ "$r" -le "$rounds" ]; do
		sum=$out/$r/$name/summary.json
		if [ -f "$sum" ]; then
			line="$line $(jq -r '"\(.decided_at_s | . * 10 | round / 10)\(if .stopped_early then "" else "*" end)"' "$sum")"
			verdict=$(jq -r .verdict "$sum")
		else
			line="$line -"
		fi
		r=$((r + 1))
	done
	printf '%-24s %-7s%s\n' "$name" "$verdict" "$line"
done
echo "(* ran its whole duration: not settled early)"
