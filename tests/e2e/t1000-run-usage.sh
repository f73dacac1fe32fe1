#!/bin/sh
# run: command-line usage errors are exit 2 with one line; --help and --version succeed.
. "$(dirname "$0")/lib.sh"
plan 8

check "no command is a usage error" expect_exit 2
check "unknown command is a usage error" expect_exit 2 frobnicate
check "unknown command names itself" grep -q "unknown command 'frobnicate'" "$ERR"
expect_exit 0 --version && grep -q "^leaksoak [0-9]" "$OUT"
check "--version prints the version" test $? = 0
expect_exit 0 run --help && grep -q -- "--duration" "$OUT"
check "run --help lists its options" test $? = 0
check "run without a scenario is a usage error" expect_exit 2 run
check "a malformed --duration is refused, not read as 0" \
	expect_exit 2 run --duration 30x "$ROOT/scenarios/map-delete-churn.json"
[ "$(wc -l <"$ERR")" = 1 ] && grep -q "invalid --duration .30x." "$ERR"
check "the error is one line naming the option" test $? = 0
