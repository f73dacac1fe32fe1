#!/bin/sh
# layers: harness/ keeps its house rules (scripts/check-layers.sh): every folder has its
# README, no include climbs a layer or forms a cycle, every include names its folder, no .c
# file is over 900 lines.  The check is also shown each breach planted in a copy of the tree,
# so a check that quietly passes everything fails here.
. "$(dirname "$0")/lib.sh"
plan 9

CHECK=$ROOT/scripts/check-layers.sh

"$CHECK" >"$OUT" 2>&1
check "harness/ keeps its layers ($(wc -l <"$OUT") breaches)" test $? = 0
[ -s "$OUT" ] && sed 's/^/# /' "$OUT"

# plant TEXT... : a fresh copy of harness/ under $TMP/copy/harness (the check resolves its
# argument from the repository root, so the copy is given as an absolute path).
fresh_copy() {
	rm -rf "$TMP/copy"
	mkdir -p "$TMP/copy"
	cp -r "$ROOT/harness" "$TMP/copy/harness"
}
breach() {
	"$CHECK" "$TMP/copy/harness" >"$OUT" 2>&1
	status=$?
	[ "$status" = 1 ] && grep -q "$1" "$OUT"
}

fresh_copy
echo '#include "out/report.h"' >>"$TMP/copy/harness/base/text.c"
check "an include from base/ up into out/ is refused, naming the line" \
	breach 'base/text.c:[0-9]*: base/ includes "out/report.h"'

fresh_copy
"$CHECK" "$TMP/copy/harness" >"$TMP/before" 2>&1
echo '#include "cli/cmd.h"' >>"$TMP/copy/harness/cli/main.c"
echo '#include "base/diag.h"' >>"$TMP/copy/harness/out/plot.c"
"$CHECK" "$TMP/copy/harness" >"$OUT" 2>&1
check "includes within a folder and downward add no breach" cmp -s "$TMP/before" "$OUT"

fresh_copy
echo '#include "text.h"' >>"$TMP/copy/harness/base/diag.c"
check "an include without its folder is refused" breach 'does not name its folder'

fresh_copy
echo '#include "base/nosuch.h"' >>"$TMP/copy/harness/base/diag.c"
check "an include of no header is refused" breach 'names no header'

fresh_copy
printf '#include "base/path.h"\n' >>"$TMP/copy/harness/base/units.h"
printf '#include "base/units.h"\n' >>"$TMP/copy/harness/base/path.h"
check "an include cycle inside one folder is found" breach 'include cycle between modules'

fresh_copy
sed -i 's/^Includes:.*/Includes: base, cli./' "$TMP/copy/harness/proc/README.md"
check "folders allowed to include each other in a circle are refused" breach "make a cycle"

fresh_copy
rm "$TMP/copy/harness/judge/README.md"
check "a folder without its README is refused" breach 'judge: no README.md'

fresh_copy
awk 'BEGIN { for (i = 0; i < 901; i++) print "/* line */" }' >"$TMP/copy/harness/base/long.c"
check "a .c file over 900 lines is refused" breach 'long.c: 901 lines, over 900'
