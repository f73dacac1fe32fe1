#!/bin/sh
# Disk full and read-only folders, on small tmpfs mounts (needs root to mount; skipped
# otherwise): each is one clear line and an exit code, never a silent loss.
#   - the JUnit file on a full file system: an error, exit 3
#   - --out on a read-only or full file system: refused before the target starts, exit 2
#   - a disk that fills up mid-run: exit 3, the driver's totals still counted, and the empty
#     image gnuplot leaves is not reported as a plot
. "$(dirname "$0")/lib.sh"
plan 13

if [ "$(id -u)" != 0 ] || ! mkdir -p "$TMP/full" "$TMP/ro" "$TMP/mid" ||
	! mount -t tmpfs -o size=256k tmpfs "$TMP/full" 2>/dev/null; then
	for i in $(seq 1 13); do skip "needs root and tmpfs mounts"; done
	exit 0
fi
mount -t tmpfs -o size=1m,ro tmpfs "$TMP/ro"
mount -t tmpfs -o size=3m tmpfs "$TMP/mid"
# The mounts go before lib.sh's cleanup removes $TMP.
trap 'umount "$TMP/full" "$TMP/ro" "$TMP/mid" 2>/dev/null; finish || exit 1' EXIT
head -c 1m /dev/zero >"$TMP/full/fill" 2>/dev/null

hello_scenario "$TMP" hello
s=$TMP/hello.json
check "a JUnit file that cannot be written is an error (exit 3)" \
	expect_exit 3 run "$s" --out "$TMP/run1" --junit "$TMP/full/junit.xml"
check "saying why" grep -q "cannot write '$TMP/full/junit.xml.tmp.*': No space left on device" "$ERR"
check "and leaving no temporary file" sh -c "! ls '$TMP/full' | grep -q junit"

check "a read-only --out is refused (exit 2)" expect_exit 2 run "$s" --out "$TMP/ro"
check "in one line, not as a target that cannot start" \
	one_line "^leaksoak: cannot write in '$TMP/ro': Read-only file system \\(choose another"
check "a full --out is refused (exit 2)" expect_exit 2 run "$s" --out "$TMP/full/run"
check "in one line" one_line "^leaksoak: cannot write in '$TMP/full/run': No space left on device"
check "the target never started" test ! -e "$TMP/full/run/target.log"

# Mid-run: fill the disk once samples flow.
sed -i 's/"duration_s": 6/"duration_s": 30/' "$s"
ls_start run "$s" --out "$TMP/mid/run"
wait_until has_samples "$TMP/mid/run/samples.csv" 20
head -c 4m /dev/zero >"$TMP/mid/fill" 2>/dev/null
wait "$ls_pid"
check "a disk that fills mid-run ends it as an error (exit 3)" test $? = 3
check "saying what could not be written" \
	grep -q "cannot write '$TMP/mid/run/samples.csv': No space left on device" "$ERR"
check "the driver's totals are still counted" grep -Eq '^  driver   [1-9][0-9]* requests' "$OUT"
check "no plot is reported" sh -c "! grep -q '^  plot ' '$OUT' && test ! -e '$TMP/mid/run/rss.png'"
check "nothing is left running" no_strays
