#!/bin/sh
# Hostile text: a target command with a line break, a forged CI annotation and terminal
# escapes is shown escaped on stdout, stderr, in JUnit and HTML; a long multibyte command cut
# inside a character still leaves summary.json and the JUnit file.
. "$(dirname "$0")/lib.sh"
plan 12

esc=$(printf '\033')
# no_raw FILE: no ESC byte, and no line that starts a CI annotation.
no_raw() {
	! grep -q "$esc" "$1" && ! grep -q '^::' "$1" && return 0
	sed 's/^/#   /' "$1" | head -n 5
	return 1
}

cat >"$TMP/ctl.json" <<'JSON'
{"name": "ctl", "target": {"cmd": ["/nonexistent/x\n::error::forged\u001b[31m"]},
 "duration_s": 2, "warmup_s": 1}
JSON
check "a command that cannot start is a target error (exit 3)" \
	expect_exit 3 run "$TMP/ctl.json" --out "$TMP/ctl" --junit "$TMP/ctl.xml"
check "stdout has no raw control character" no_raw "$OUT"
check "stderr has no raw control character" no_raw "$ERR"
check "the command is shown escaped" grep -qF '/nonexistent/x\n::error::forged\x1b[31m' "$ERR"
check "the JUnit file has no raw ESC" no_raw "$TMP/ctl.xml"

mkdir "$TMP/scen"
cp "$TMP/ctl.json" "$TMP/scen/"
expect_exit 3 soak "$TMP/scen" --out "$TMP/soak"
check "soak's output has no raw control character" no_raw "$OUT"
check "nor the report's HTML" no_raw "$TMP/soak/index.html"
check "nor its JUnit" no_raw "$TMP/soak/junit.xml"

# 300 two-byte characters: the 512-byte error message is cut inside one.
long=$(awk 'BEGIN { for (i = 0; i < 300; i++) printf "\303\251" }')
printf '{"name": "utf", "target": {"cmd": ["/nonexistent/xx/%s"]}, "duration_s": 2,
 "warmup_s": 1}\n' "$long" >"$TMP/utf.json"
check "a long multibyte command is a target error (exit 3)" \
	expect_exit 3 run "$TMP/utf.json" --out "$TMP/utf" --junit "$TMP/utf.xml"
check "summary.json is written, and valid JSON" \
	json_true "$TMP/utf/summary.json" '.verdict == "error" and (.error | length) > 100'
check "the JUnit file is written" grep -q '<error type="error"' "$TMP/utf.xml"
check "nothing said 'out of memory'" sh -c "! grep -q 'out of memory' '$ERR'"
