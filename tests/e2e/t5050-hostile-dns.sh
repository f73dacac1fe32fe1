#!/bin/sh
# Host names from placeholders: "http://127.0.0.{seq}/" is loopback for 256 requests, then a
# name to look up.  A placeholder anywhere in a URL's host is refused at validation, remote or
# not; placeholders in the port, path and query are fine.
. "$(dirname "$0")/lib.sh"
plan 7

# url_scenario NAME URL [ALLOW_REMOTE]
url_scenario() {
	cat >"$TMP/$1.json" <<JSON
{"name": "$1", "target": {"cmd": ["$HELPERS/hello", "--port", "{port}"]},
 "drive": {"http": {"url": "$2"}, "allow_remote": ${3:-false}},
 "duration_s": 3, "warmup_s": 1}
JSON
	echo "$TMP/$1.json"
}

for url in 'http://127.0.0.{seq}/' 'http://127.0.0.{port}/' 'http://{uuid}.localhost/'; do
	check "$url is refused (exit 2)" expect_exit 2 run "$(url_scenario h "$url")"
done
check "in one line naming the placeholder host" \
	one_line "'drive.http.url': a placeholder in the host of .* would make host names to look up"
check "even with allow_remote (exit 2)" \
	expect_exit 2 run "$(url_scenario r 'http://{seq}.example/' true)"
s=$(url_scenario ok 'http://127.0.0.1:{port}/{seq}?u={uuid}')
check "placeholders outside the host pass validation and the run (exit 0)" \
	expect_exit 0 run "$s" --out "$TMP/ok"
check "nothing is left running" no_strays
