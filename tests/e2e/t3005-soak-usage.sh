#!/bin/sh
# soak and report: bad command lines and bad scenarios are exit 2 before anything runs.
. "$(dirname "$0")/lib.sh"
plan 14

mkdir -p "$TMP/good" "$TMP/empty" "$TMP/dup"
hello="[\"$HELPERS/hello\", \"--port\", \"{port}\"]"
scenario_for a "$hello" >/dev/null
mv "$TMP/a.json" "$TMP/good/a.json"
printf '{\n  "name": "x",\n  "target": {"cmd": ["/bin/true"]},\n  "duraton_s": 5\n}\n' \
	>"$TMP/good/typo.json"

check "soak --help exits 0" expect_exit 0 soak --help
check "and explains the expect rule" grep -q '"expect"' "$OUT"
check "an invalid scenario in the folder exits 2" expect_exit 2 soak "$TMP/good" --out "$TMP/o1"
check "one line names the file, line and key" one_line "typo.json:4:[0-9]+: .*'duraton_s'"
check "and nothing ran (no report folder)" test ! -e "$TMP/o1"
rm "$TMP/good/typo.json"

check "a folder without scenarios exits 2" expect_exit 2 soak "$TMP/empty" --out "$TMP/o2"
check "it says so" grep -q "no scenario files in" "$ERR"

scenario_for same "$hello" >/dev/null
cp "$TMP/same.json" "$TMP/dup/one.json"
mv "$TMP/same.json" "$TMP/dup/two.json"
check "two scenarios with one name exit 2" expect_exit 2 soak "$TMP/dup" --out "$TMP/o3"
check "it names both files" grep -q "one.json' and '.*two.json' are both named 'same'" "$ERR"

check "-j 0 exits 2" expect_exit 2 soak "$TMP/good" -j 0
check "--shard 3/2 exits 2" expect_exit 2 soak "$TMP/good" --shard 3/2
check "--duration shorter than the warm-up exits 2" \
	expect_exit 2 soak "$TMP/good" --duration 1 --out "$TMP/o4"
check "report of several folders needs --out" expect_exit 2 report "$TMP/good" "$TMP/dup"
check "report of a folder that is no report exits 2" expect_exit 2 report "$TMP/good" --out "$TMP/o5"
