#!/bin/sh
# run and watch: on a terminal, one status line redrawn in place (carriage return, the line,
# erase to its end); off a terminal, or with --quiet, not a byte of it.
. "$(dirname "$0")/lib.sh"
plan 10

if ! command -v script >/dev/null 2>&1; then
	for i in $(seq 1 10); do skip "script(1) from bsdutils is not installed"; done
	exit 0
fi

hello_scenario "$TMP" live

# on_tty FILE args...: leaksoak with args under a pseudo-terminal (script from bsdutils),
# everything it wrote to the terminal into FILE; its exit code.  The command string is built
# here from the test's own paths, quoted, never from a scenario.
on_tty() {
	file=$1
	shift
	cmd="env LEAKSOAK_E2E_TAG='$TAG' TERM=xterm '$LEAKSOAK'"
	for a in "$@"; do cmd="$cmd '$a'"; done
	SHELL=/bin/sh script -qec "$cmd" /dev/null </dev/null >"$file" 2>"$ERR"
}

# A status line: a carriage return, then "<elapsed>/<max>  rss <size>  thr <n>  fds <n>" (or
# its compact form, "12s/30s rss 4.2M thr 2 fds 6", when the terminal is narrow).
status_lines() {
	tr '\r' '\n' <"$1" |
		grep -E '^[0-9.hms]+/[0-9.hms]+ +rss [0-9.]+ ?[KMG]i?B? +thr [0-9]+ +fds [0-9]+'
}

# distinct_elapsed FILE N: the line showed at least N different elapsed times.
distinct_elapsed() {
	n=$(status_lines "$1" | sed 's|/.*||' | sort -u | wc -l)
	[ "$n" -ge "$2" ] && return 0
	echo "# $n different elapsed times in the status lines"
	return 1
}

on_tty "$TMP/tty.out" run "$TMP/live.json" --duration 3 --out "$TMP/tty"
check "run under a terminal passes" test $? = 0
check "it drew the live line, updated in place" distinct_elapsed "$TMP/tty.out" 2
check "the line has the requests per second and the errors" \
	sh -c "tr '\r' '\n' <'$TMP/tty.out' | grep -Eq '[0-9]+ req/s +0 err'"
check "each draw ends by erasing the rest of the line" grep -q "$(printf '\033\\[K')" "$TMP/tty.out"
# The summary starts on a fresh line: the erase sequence right before its first line.
check "the line is erased before the summary" \
	sh -c "grep -q \"$(printf '\r\033\\[K')live: pass\" '$TMP/tty.out'"

ls_run run "$TMP/live.json" --duration 3 --out "$TMP/pipe"
check "run to a pipe passes" test $? = 0
check "and its stdout has no carriage return and no escape at all" \
	sh -c "! grep -q \"$(printf '[\r\033]')\" '$OUT' && grep -q '^live: pass' '$OUT'"

on_tty "$TMP/quiet.out" run "$TMP/live.json" --duration 3 --out "$TMP/quiet" --quiet
check "--quiet on a terminal passes" test $? = 0
check "and draws no status line" sh -c "! grep -q \"$(printf '\033')\" '$TMP/quiet.out' &&
	[ -z \"\$(tr '\r' '\n' <'$TMP/quiet.out' | grep -E '^[0-9.hms]+/[0-9.hms]+ +rss ')\" ]"

env LEAKSOAK_E2E_TAG="$TAG" "$HELPERS/grower" &
g=$!
on_tty "$TMP/watch.out" watch --pid "$g" --duration 2 --interval-ms 100 --out "$TMP/watch"
check "watch under a terminal draws its line too" distinct_elapsed "$TMP/watch.out" 2
kill "$g"
wait "$g" 2>/dev/null || true
