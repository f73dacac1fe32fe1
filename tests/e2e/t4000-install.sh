#!/bin/sh
# install: `make install DESTDIR=... PREFIX=/usr` puts the binary, leaksoak(1), the bundled
# scenarios, their targets and the plot scripts where they belong; the installed binary runs
# from outside the repository, finds its plot script and runs a bundled scenario from
# share/leaksoak; the man page documents every command, long option, exit code and scenario
# key the program defines (commands and options asked of the installed binary, which prints
# them from its tables; exit codes and scenario keys read from harness/*/*.[ch]), so an
# undocumented addition fails here; `make uninstall` takes it all away again.
. "$(dirname "$0")/lib.sh"
plan 21

DEST=$TMP/dest
BIN=$DEST/usr/bin/leaksoak
PAGE=$DEST/usr/share/man/man1/leaksoak.1
SHARE=$DEST/usr/share/leaksoak
MAN_TXT=$TMP/leaksoak.1.txt

# The page as a person reads it: no hyphenation or justification, lines too wide to wrap a
# key, ASCII.  man(1) when present (what the issue asks for), else groff directly.
render_page() {
	if command -v man >/dev/null; then
		LC_ALL=C MANWIDTH=200 man --nh --nj -l "$1"
	else
		LC_ALL=C groff -man -Tascii -rLL=200n -rHY=0 -P-cbou "$1"
	fi
}

# Lines of the rendered page from the heading matching $1 up to the next heading at the
# same or a higher level (section headings start in column 1, subsections in column 4).
page_part() {
	awk -v start="$1" '
		f && /^[^ ]/ { exit }
		f && /^   [^ ]/ && sub_only { exit }
		$0 ~ start { f = 1; sub_only = /^   / }
		f' "$MAN_TXT"
}

# Names of the subcommands, as `leaksoak --help` lists them (from cmd.h's one list).
commands() {
	"$BIN" --help 2>/dev/null | sed -n '/^commands:$/,/^$/s/^  \([a-z][a-z]*\) .*/\1/p'
}

# The gate key of each built-in metric in the metric table (metric.c), one per line.
metric_gate_keys() {
	sed -n 's/.*"\([a-z_]*_per_min\)".*/\1/p' "$ROOT/harness/scenario/metric.c"
}

# Options of one subcommand, one per line: "--long", then " -j" when it has a short letter,
# as the hidden `leaksoak CMD --list-options` prints them from the command's option table
# (cli/options.h): every option getopt is given, the gate options of the metric table too.
options_of() {
	"$BIN" "$1" --list-options
}

# undocumented_options CMD: of the options on stdin (as options_of prints them), those the
# page lacks: "CMD:--o" when its command's section has no tag of its own for it ("-j N,
# --jobs N" too), "synopsis:CMD:--o" when its synopsis has neither its long nor its short
# form.  --help is documented once for all commands.
undocumented_options() {
	page_part "^   leaksoak $1( |\$)" >"$TMP/section.txt"
	synopsis_of "$1" >"$TMP/synopsis.txt"
	while read -r o short; do
		case $o in '' | --help) continue ;; esac
		grep -Eq "^       (-[a-z] [^ ]+, )?$o( |\$)" "$TMP/section.txt" || echo "$1:$o"
		in_synopsis="$o([] ]|\$)"
		[ -z "$short" ] || in_synopsis="$in_synopsis|\[$short "
		grep -Eq -- "$in_synopsis" "$TMP/synopsis.txt" || echo "synopsis:$1:$o"
	done
}

# The synopsis lines of one command: from "leaksoak CMD" to the blank line after it.
synopsis_of() {
	page_part '^SYNOPSIS' | awk -v c="$1" '
		$1 == "leaksoak" && $2 == c { f = 1 }
		f && /^ *$/ { exit }
		f'
}

# Every key harness/scenario/scenario.c accepts, as the path the man page must document, one per
# line.  Each *_keys[] table is one object of the schema; a table this test does not know
# is printed as "?NAME" so that it fails the check until its place is added here.
scenario_keys() {
	{
	awk '
		/static const char \*const [a-z_]*_keys\[\] = \{/ {
			name = $0
			sub(/.*const char \*const /, "", name)
			sub(/_keys\[\].*/, "", name)
			table = 1
		}
		table {
			line = $0
			while (match(line, /"[^"]*"/)) {
				print name, substr(line, RSTART + 1, RLENGTH - 2)
				line = substr(line, RSTART + RLENGTH)
			}
			if ($0 ~ /NULL/) table = 0
		}' "$ROOT/harness/scenario/scenario.c" |
	while read -r table key; do
		case $table in
		top) echo "$key" ;;
		target) echo "target.$key" ;;
		ready) echo "target.ready.$key" ;;
		drive) echo "drive.$key" ;;
		exec) echo "drive.exec.$key" ;;
		http | one_request) echo "drive.http.$key" ;;
		mix) echo "drive.http.mix[].$key" ;;
		sample) echo "sample.$key" ;;
		gate) echo "gate.$key" ;;
		evidence) echo "evidence.$key" ;;
		go_pprof) echo "evidence.go_pprof.$key" ;;
		prometheus) echo "sample.prometheus.$key" ;;
		series) echo "sample.prometheus.series[].$key" ;;
		*) echo "?${table}_keys" ;;
		esac
	done
	# Each built-in metric's gate key is a key of "gate" too.
	metric_gate_keys | sed 's/^/gate./'
	} | sort -u
}

# An extended regular expression matching $1 literally.
re_quote() {
	printf '%s\n' "$1" | sed 's#[][$*+?(){}|\\.^]#\\&#g'
}

# report_missing WHAT ITEMS: succeed when ITEMS (blank-separated) is empty, else print them
# as diagnostics.
report_missing() {
	[ -z "$2" ] && return 0
	set -f	# keys such as drive.http.mix[].url are not globs
	for item in $2; do echo "# $1: $item"; done
	set +f
	return 1
}

# ---- install ----

install_log=$TMP/install.log
make -C "$ROOT" install DESTDIR="$DEST" PREFIX=/usr >"$install_log" 2>&1
rc=$?
[ "$rc" = 0 ] || sed 's/^/#   /' "$install_log" | tail -n 15
check "make install DESTDIR=... PREFIX=/usr succeeds" test "$rc" = 0
check "the binary is installed executable in usr/bin" test -f "$BIN" -a -x "$BIN"
check "leaksoak(1) is installed in usr/share/man/man1" test -f "$PAGE" -a -r "$PAGE"
if command -v man >/dev/null; then
	check "man finds the installed page by name" \
		test "$(man -M "$DEST/usr/share/man" -w leaksoak 2>/dev/null)" = "$PAGE"
else
	skip "man is not installed (apt-get install man-db)"
fi

want=$(cd "$ROOT/scenarios" && ls ./*.json)
got=$(cd "$SHARE/scenarios" 2>/dev/null && ls ./*.json)
n_want=$(echo "$want" | wc -l)
[ "$want" = "$got" ] && [ "$n_want" -ge 13 ]
check "all $n_want bundled scenarios are installed" test $? = 0

missing=
for src in "$ROOT"/targets/*.c; do
	name=$(basename "$src" .c)
	[ -x "$SHARE/targets/bin/$name" ] || missing="$missing $name"
done
check "every target program is installed executable" report_missing "not installed" "$missing"

missing=
for src in "$ROOT"/plot/*.gp; do
	[ -r "$SHARE/plot/$(basename "$src")" ] || missing="$missing $(basename "$src")"
done
check "the plot scripts are installed" report_missing "not installed" "$missing"

# The bundled scenarios name their target relative to the current directory: from
# share/leaksoak it must be an installed program.
missing=
for sc in "$SHARE"/scenarios/*.json; do
	cmd0=$(jq -r '.target.cmd[0]' "$sc")
	(cd "$SHARE" && test -x "$cmd0") || missing="$missing $(basename "$sc"):$cmd0"
done
check "each installed scenario's target resolves from share/leaksoak" \
	report_missing "no such program" "$missing"

version=$(cat "$ROOT/VERSION")
got=$(cd "$TMP" && "$BIN" --version)
check "the installed binary prints its version ($version)" test "$got" = "leaksoak $version"

# ---- the man page ----

if ! command -v man >/dev/null && ! command -v groff >/dev/null; then
	for _ in 1 2 3 4 5 6 7; do skip "neither man nor groff is installed (apt-get install man-db)"; done
else
	render_page "$PAGE" >"$MAN_TXT" 2>"$TMP/man.err"
	if command -v groff >/dev/null; then
		groff -man -Tutf8 -ww -z "$PAGE" 2>>"$TMP/man.err"
	fi
	[ -s "$MAN_TXT" ] && [ ! -s "$TMP/man.err" ]
	rc=$?
	sed 's/^/#   /' "$TMP/man.err" | head -n 5
	check "the page renders without warnings" test "$rc" = 0

	check "the page names version $version" grep -q "leaksoak $(re_quote "$version")" "$MAN_TXT"

	# Each command: in the synopsis, and a subsection of its own under COMMANDS.
	missing=
	cmds=$(commands)
	for c in run watch soak plot report; do
		echo "$cmds" | grep -qx "$c" || missing="$missing help-lacks-$c"
	done
	for c in $cmds; do
		page_part '^SYNOPSIS' | grep -Eq "^ *leaksoak $c( |\$)" || missing="$missing synopsis:$c"
		page_part "^   leaksoak $c( |\$)" | grep -q . || missing="$missing section:$c"
	done
	check "every command is in the synopsis and has its section" \
		report_missing "undocumented" "$missing"

	# Each option of each command's table: a tag of its own in its command's section and a
	# place in its synopsis (long or short form); --help once for all commands.  The list
	# must come from the binary (exit 0, --help among them), or this checks nothing.
	missing=
	grep -q "Every command also takes -h, --help" "$MAN_TXT" || missing="-h,--help"
	for c in $cmds; do
		if ! options_of "$c" >"$TMP/options.txt" 2>"$TMP/options.err" ||
		   ! grep -qx -- '--help -h' "$TMP/options.txt"; then
			missing="$missing list:$c"
			continue
		fi
		missing="$missing $(undocumented_options "$c" <"$TMP/options.txt")"
	done
	check "every option of every command is in the synopsis and has its entry" \
		report_missing "undocumented option" "$(echo $missing)"

	# The check can fail: an option the page does not have is reported, in the section and
	# in the synopsis, and one the page has is not.
	planted=$(printf -- '--planted-no-such-option\n--jobs -j\n' | undocumented_options soak)
	check "an option missing from the page is reported" \
		test "$planted" = "soak:--planted-no-such-option
synopsis:soak:--planted-no-such-option"

	# Each exit code of diag.h, and 128+N, as a tag in EXIT STATUS.
	missing=
	codes=$(sed -n 's/^[[:space:]]*LS_EXIT_[A-Z]* = \([0-9]*\),.*/\1/p' "$ROOT/harness/base/diag.h")
	[ "$(echo "$codes" | wc -w)" -ge 4 ] || missing="only-$(echo "$codes" | tr '\n' ,)-in-diag.h"
	for code in $codes '128+N'; do
		page_part '^EXIT STATUS' | grep -Eq "^       $(re_quote "$code")( |\$)" ||
			missing="$missing $code"
	done
	check "every exit code is in EXIT STATUS" report_missing "undocumented exit code" "$missing"

	# Each scenario key: a tag of its own under SCENARIO FILES.
	missing=
	keys=$(scenario_keys)
	n_keys=$(echo "$keys" | wc -l)
	[ "$n_keys" -ge 30 ] || missing="only-$n_keys-keys-found-in-scenario.c"
	page_part '^SCENARIO FILES' >"$TMP/keys.txt"
	while read -r k; do
		grep -Eq "^       $(re_quote "$k")( |\$)" "$TMP/keys.txt" || missing="$missing $k"
	done <<EOF
$keys
EOF
	check "all $n_keys keys scenario.c accepts are documented" \
		report_missing "undocumented scenario key" "$missing"
fi

# ---- the installed binary at work ----

# A bundled scenario, as installed, run the way the man page says: from share/leaksoak, with
# --out somewhere writable.  The fixed twin, shortened to 8 s (3 s after its warm-up): it must
# pass, with its requests answered by the installed target.
LEAKSOAK=$BIN	# ls_run (lib.sh) runs $LEAKSOAK
out=$TMP/installed-run
(cd "$SHARE" && expect_exit 0 run scenarios/map-delete-churn-fixed.json --duration 8s --out "$out") &&
	drove_cleanly "$out/summary.json"
check "a bundled scenario runs from share/leaksoak with the installed binary" test $? = 0
if command -v gnuplot >/dev/null; then
	check "the installed binary found its plot script" test -s "$out/rss.png"
else
	skip "gnuplot is not installed (apt-get install gnuplot-nox)"
fi
check "the installed run leaves nothing running" no_strays

# ---- uninstall ----

make -C "$ROOT" uninstall DESTDIR="$DEST" PREFIX=/usr >"$install_log" 2>&1
rc=$?
[ "$rc" = 0 ] || sed 's/^/#   /' "$install_log" | tail -n 15
check "make uninstall succeeds" test "$rc" = 0
left=$(find "$DEST" ! -type d 2>/dev/null)
check "make uninstall removes every installed file" report_missing "left behind" "$left"
