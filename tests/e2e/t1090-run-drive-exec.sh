#!/bin/sh
# run with drive.exec: a load generator of the user's runs contained and sampled apart from
# the target; one that fails or cannot start makes the run an error (exit 3) with its reason
# and the end of drive.log; one that ignores SIGTERM is killed; restart starts it again.
. "$(dirname "$0")/lib.sh"
plan 24

hello="[\"$HELPERS/hello\", \"--port\", \"{port}\"]"
ready='"ready": {"http_get": "http://127.0.0.1:{port}/", "timeout_s": 10}'
# exec_scenario NAME EXEC_JSON [DURATION]: hello, driven by nothing but drive.exec.
exec_scenario() {
	cat >"$TMP/$1.json" <<JSON
{
  "name": "$1",
  "target": {"cmd": $hello, $ready},
  "drive": {"exec": $2},
  "duration_s": ${3:-4}, "warmup_s": 1, "early_stop": false,
  "sample": {"interval_ms": 50}
}
JSON
	echo "$TMP/$1.json"
}

# A generator that says something, then fails 3 s in.
s=$(exec_scenario fails '["/bin/sh", "-c", "echo starting load; sleep 3; echo fatal: connection refused >&2; exit 1"]' 10)
check "a generator exiting 1 makes the run an error (exit 3)" expect_exit 3 run "$s" --out "$TMP/fails"
check "the reason says how it ended" grep -q "load generator '/bin/sh' exited with status 1 after" "$ERR"
check "the reason quotes the end of drive.log" grep -q "drive.log ends: starting load | fatal: connection refused" "$ERR"
check "drive.log holds its output" grep -q "fatal: connection refused" "$TMP/fails/drive.log"
check "summary.json: error, stopped by the generator at about 3 s" json_true "$TMP/fails/summary.json" \
	'.verdict == "error" and .stop_reason == "generator-failed" and .elapsed_s >= 2.5 and .elapsed_s < 6'
check "summary.json: its exit status and command" json_true "$TMP/fails/summary.json" \
	'.drive_exec.exit_status == 1 and .drive_exec.cmd[0] == "/bin/sh" and .drive_exec.ended_at_s > 2.5'

# A generator tree that ignores SIGTERM, with setsid'd grandchildren that outlive parents.
s=$(exec_scenario stubborn "[\"$HELPERS/tree\", \"-c\", \"2\", \"-g\", \"-s\", \"-I\", \"-N\"]")
check "a run with a generator that ignores SIGTERM ends (exit 0)" expect_exit 0 run "$s" --out "$TMP/stubborn"
check "the generator was stopped at the end of the run" json_true "$TMP/stubborn/summary.json" \
	'.drive_exec.exit == "was stopped at the end of the run" and .drive_exec.exit_status == null'
check "the generator's tree is sampled apart: its peak RSS and CPU are shown" json_true \
	"$TMP/stubborn/summary.json" '.drive_exec.peak_rss_kib > 0 and .drive_exec.cpu_s >= 0'
# hello alone has 1 process: the generator's 5 processes must not be in the target's samples.
check "the target's samples never count the generator's processes" sh -c \
	"awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if (\$i == \"procs\") c = i; next }
		  \$c != 1 { bad = 1 } END { exit bad || !c }' '$TMP/stubborn/samples.csv'"
check "nothing of the generator survives" no_strays

# The same generator, with leaksoak SIGKILLed mid-run: the generator's keeper ends its tree.
generator_up() {
	for pid in $(tagged_pids); do
		tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "^$HELPERS/tree " && return 0
	done
	return 1
}
s=$(exec_scenario killed "[\"$HELPERS/tree\", \"-c\", \"2\", \"-g\", \"-s\", \"-I\", \"-N\"]" 60)
ls_start run "$s" --out "$TMP/killed"
check "the generator is running under leaksoak" wait_until generator_up
kill -KILL "$ls_pid"
wait "$ls_pid" 2>/dev/null
check "leaksoak SIGKILLed: nothing of the target or the generator survives" wait_until no_strays

s=$(exec_scenario missing '["./no/such/generator", "--port", "{port}"]')
check "a generator that cannot start makes the run an error (exit 3)" expect_exit 3 run "$s" --out "$TMP/missing"
check "the message names it" grep -q "cannot start the load generator './no/such/generator'" "$ERR"
check "the target is stopped too" no_strays

s=$(exec_scenario again '{"cmd": ["/bin/sh", "-c", "echo round; sleep 1.2"], "restart": true}' 4)
check "restart: a generator ending with 0 is started again (exit 0)" expect_exit 0 run "$s" --out "$TMP/again"
check "it was started more than once, its output appended" json_true "$TMP/again/summary.json" \
	'.drive_exec.starts >= 2 and .drive_exec.restart == true'
check "drive.log holds every round" test "$(grep -c round "$TMP/again/drive.log")" -ge 2

s=$(exec_scenario hasty '{"cmd": ["/bin/true"], "restart": true}')
check "restart: a generator that ends at once is an error, not a busy loop" expect_exit 3 run "$s" --out "$TMP/hasty"
check "the reason says it ended too soon" grep -q "too soon to be restarted" "$ERR"

# Beside drive.http: both loads run, and summary.json has the driver's totals and the generator.
s=$(exec_scenario both '["/bin/sleep", "60"], "http": {"url": "http://127.0.0.1:{port}/", "rate_per_s": 50, "concurrency": 1}')
check "drive.exec beside drive.http (exit 0)" expect_exit 0 run "$s" --out "$TMP/both"
check "summary.json has the driver's totals and the generator" json_true "$TMP/both/summary.json" \
	'.driver.requests > 100 and .driver.errors == 0 and .drive_exec.cmd == ["/bin/sleep", "60"]'

s=$(exec_scenario done '["/bin/true"]')
expect_exit 0 run "$s" --out "$TMP/done" && grep -q "the run went on without it" "$ERR"
check "without restart, a generator ending with 0 leaves the run going, with a warning" test $? = 0
