#!/bin/sh
# run: invalid scenarios are exit 2 with one line naming the file and the line or key.
. "$(dirname "$0")/lib.sh"
plan 12

printf '{\n  "name": "x",\n  "target": {"cmd": ["/bin/true"]}\n  "duration_s": 5\n}\n' >"$TMP/syntax.json"
check "a syntax error exits 2" expect_exit 2 run "$TMP/syntax.json"
check "it names file, line and column" grep -q "syntax.json:4:[0-9]*: " "$ERR"
check "it is one line" test "$(wc -l <"$ERR")" = 1

printf '{\n  "name": "x",\n  "target": {"cmd": ["/bin/true"]},\n  "duraton_s": 5\n}\n' >"$TMP/typo.json"
check "an unknown key exits 2" expect_exit 2 run "$TMP/typo.json"
check "it names the key, its line and a suggestion" \
	grep -q "typo.json:4.*'duraton_s'.*did you mean 'duration_s'" "$ERR"

printf '{"name": "x", "target": {"cmd": ["/bin/true"], "ready": {"http_get": "http://127.0.0.1:{port}/", "timeout_s": "10"}}}\n' >"$TMP/type.json"
check "a wrong type exits 2" expect_exit 2 run "$TMP/type.json"
check "it names the key's path" grep -q "type.json.*target.ready.timeout_s" "$ERR"

printf '{"name": "x", "target": {"cmd": ["/bin/true"]}, "sample": {"interval_ms": 0}}\n' >"$TMP/range.json"
check "an out-of-range value exits 2" expect_exit 2 run "$TMP/range.json"
check "it names the key's path" grep -q "range.json.*sample.interval_ms" "$ERR"

check "a missing file exits 2" expect_exit 2 run "$TMP/nope.json"
check "it names the file" grep -q "nope.json" "$ERR"

cat >"$TMP/remote.json" <<'JSON'
{"name": "x", "target": {"cmd": ["/bin/true"]},
 "drive": {"http": {"url": "http://192.0.2.1/"}}}
JSON
expect_exit 2 run "$TMP/remote.json" && grep -q "drive.http.url" "$ERR"
check "traffic beyond loopback is refused without drive.allow_remote" test $? = 0
