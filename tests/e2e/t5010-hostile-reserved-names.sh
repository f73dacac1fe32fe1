#!/bin/sh
# Reserved names: a scenario named like a file a soak writes beside its run folders
# (junit.xml, index.html, summary.json, the trends/ folder) would take that file's place, and the CI report would
# never be written.  It is refused before anything runs, in one line, and the soak folder
# stays as it was.
. "$(dirname "$0")/lib.sh"
plan 12

for reserved in junit.xml index.html summary.json trends; do
	mkdir -p "$TMP/$reserved"
	hello_scenario "$TMP/$reserved" "$reserved"
	check "soak refuses a scenario named $reserved (exit 2)" \
		expect_exit 2 soak "$TMP/$reserved" --out "$TMP/soak-$reserved"
	check "in one line naming the reserved name" \
		one_line "'name' must not be \"$reserved\": a soak writes summary.json, junit.xml"
	check "and creates nothing" test ! -e "$TMP/soak-$reserved/$reserved"
done
