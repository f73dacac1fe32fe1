#!/bin/sh
# run: invalid scenarios are exit 2 with one line naming the file and the line or key.
. "$(dirname "$0")/lib.sh"
plan 11

printf '{\n  "name": "x",\n  "target": {"cmd": ["/bin/true"]}\n  "duration_s": 5\n}\n' >"$TMP/syntax.json"
check "a syntax error exits 2" expect_exit 2 run "$TMP/syntax.json"
check "one line names file, line and column" one_line "^leaksoak: .*syntax.json:4:[0-9]+: "

printf '{\n  "name": "x",\n  "target": {"cmd": ["/bin/true"]},\n  "duraton_s": 5\n}\n' >"$TMP/typo.json"
check "an unknown key exits 2" expect_exit 2 run "$TMP/typo.json"
check "one line names the key, its line and a suggestion" \
	one_line "typo.json:4:[0-9]+: .*'duraton_s'.*did you mean 'duration_s'"

printf '{"name": "x", "target": {"cmd": ["/bin/true"], "ready": {"http_get": "http://127.0.0.1:{port}/", "timeout_s": "10"}}}\n' >"$TMP/type.json"
check "a wrong type exits 2" expect_exit 2 run "$TMP/type.json"
check "one line names the key's path" one_line "type.json:1:[0-9]+: .*'target.ready.timeout_s'"

printf '{"name": "x", "target": {"cmd": ["/bin/true"]}, "sample": {"interval_ms": 0}}\n' >"$TMP/range.json"
check "an out-of-range value exits 2" expect_exit 2 run "$TMP/range.json"
check "one line names the key's path" one_line "range.json:1:[0-9]+: .*'sample.interval_ms'"

check "a missing file exits 2" expect_exit 2 run "$TMP/nope.json"
check "one line names the file and why" one_line "nope.json: cannot read file: No such file"

cat >"$TMP/remote.json" <<'JSON'
{"name": "x", "target": {"cmd": ["/bin/true"]},
 "drive": {"http": {"url": "http://192.0.2.1/"}}}
JSON
expect_exit 2 run "$TMP/remote.json" && one_line "remote.json:2:[0-9]+: drive.http.url: host .* is not loopback"
check "traffic beyond loopback is refused without drive.allow_remote, in one line" test $? = 0
