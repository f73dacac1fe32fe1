#!/bin/sh
# evidence.jvm names a JVM leak by class (tests/helpers/java/JvmLeak keeps every Session):
# jcmd GC.class_histogram at the window's edges, diffed, in summary.json, on stdout under the
# failed rss line and in the report; the histograms stay in the run folder.  Without a java
# process in the tree, evidence.jvm true says so instead.
. "$(dirname "$0")/lib.sh"
plan 8
cd "$ROOT" || exit 1

if ! command -v jcmd >/dev/null || ! command -v java >/dev/null ||
   [ ! -f "$HELPERS/java/JvmLeak.class" ]; then
	for i in 1 2 3 4 5 6 7 8; do skip "needs java, jcmd and build/helpers/java (openjdk-17-jdk-headless)"; done
	finish
fi

cat >"$TMP/jvmleak.json" <<JSON
{
  "name": "jvmleak",
  "target": {"cmd": ["java", "-Xmx256m", "-cp", "$HELPERS/java", "JvmLeak"]},
  "duration_s": 7, "warmup_s": 2, "early_stop": false,
  "expect": "leak",
  "evidence": {"jvm": true}
}
JSON
s=$TMP/jvmleak
ls_run run "$TMP/jvmleak.json" --out "$s"
code=$?
cp "$OUT" "$TMP/jvmleak.stdout"
check "jvmleak ran to a verdict" test "$code" = 1 -o "$code" = 0
check "the class that grew is Session, the application's" json_true "$s/summary.json" \
	'.evidence.jvm | .error == null and .top[0].class == "Session" and .top[0].jdk == false and
		.top[0].instances > 5000 and .top[0].bytes > 0'
check "the histograms are in the run folder" \
	sh -c 'grep -q " Session$" "$1/jvm-histogram-start.txt" &&
		grep -q " Session$" "$1/jvm-histogram-end.txt"' - "$s"
check "the rss evidence says it in the runtime's terms" json_true "$s/summary.json" \
	'.evidence.where.rss | any(test("^\\+[0-9,]+ instances of `Session` \\(\\+[0-9.]+ (KiB|MiB)\\)"))'
if [ "$code" = 1 ]; then
	check "stdout shows it under the failed rss line" \
		grep -Eq '^ +\+[0-9,]+ instances of `Session` \(' "$TMP/jvmleak.stdout"
else
	skip "the JVM's RSS did not climb past its gate in this run"
fi
check "the report shows it" sh -c '"$1" report "$2" --out "$3" >/dev/null;
	grep -q "instances of Session (+" "$3/index.html" &&
	jq -e ".runs[0].evidence.jvm.top[0].class == \"Session\"" "$3/summary.json" >/dev/null' \
	- "$LEAKSOAK" "$s" "$TMP/report"

# evidence.jvm true on a target that is no JVM: said, not fatal.
hello_scenario "$TMP" hello
jq '.evidence = {"jvm": true} | .name = "nojvm" | .duration_s = 4 | .warmup_s = 1' \
	"$TMP/hello.json" >"$TMP/nojvm.json"
check "a run without a JVM still passes" expect_exit 0 run "$TMP/nojvm.json" --out "$TMP/nojvm"
check "its evidence says no java process was found" json_true "$TMP/nojvm/summary.json" \
	'.evidence.jvm.error == "no java process in the target'"'"'s tree"'
finish
