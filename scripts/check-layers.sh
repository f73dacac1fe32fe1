#!/bin/sh
# check-layers.sh — the house rules of harness/ that a compiler does not check:
#   - every folder has a README.md whose "Includes:" line names the folders it may include;
#   - every #include of a leaksoak header names its folder ("judge/gate.h"), and that folder
#     is the file's own or one its README allows;
#   - the folders' allowances form no cycle, and neither do the includes between files;
#   - no .c file is over MAX_LINES (900) lines.
#   scripts/check-layers.sh [HARNESS_DIR]   (relative to the repository root; harness by default)
# Prints one line per breach, "leaksoak: FILE:LINE: what is wrong (what to do)", and exits 1
# if there was any, 0 otherwise.
set -u
cd "$(dirname "$0")/.." || exit 2
dir=${1:-harness}
MAX_LINES=${MAX_LINES:-900}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/leaksoak-layers.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
bad=0

# folder -> allowed folders, one pair per line ("judge base").
: >"$tmp/allow"
for d in "$dir"/*/; do
	f=${d%/}
	name=${f##*/}
	if [ ! -f "$f/README.md" ]; then
		echo "leaksoak: $f: no README.md (say what the folder owns and, on an 'Includes:' line, what it may include)"
		bad=1
		continue
	fi
	line=$(grep -m 1 '^Includes:' "$f/README.md")
	if [ -z "$line" ]; then
		echo "leaksoak: $f/README.md: no 'Includes:' line (name the folders it may include, or 'nothing of leaksoak')"
		bad=1
		continue
	fi
	echo "$line" | sed 's/^Includes://; s/(.*//; s/\.$//' | tr ',' '\n' | tr -d ' ' |
		grep -v '^$' | grep -v '^nothing' | sed "s/^/$name /" >>"$tmp/allow"
done

# Each folder's allowances must name real folders and form no cycle (tsort finds it).
while read -r from to; do
	if [ ! -d "$dir/$to" ]; then
		echo "leaksoak: $dir/$from/README.md: 'Includes:' names '$to', which is no folder of $dir (fix the line)"
		bad=1
	fi
done <"$tmp/allow"
if ! tsort "$tmp/allow" >/dev/null 2>"$tmp/tsort"; then
	echo "leaksoak: $dir: the folders' 'Includes:' lines make a cycle: $(grep -v 'input contains a loop' "$tmp/tsort" | sed 's/^tsort: //' | tr '\n' ' ')(a layer includes only layers below it)"
	bad=1
fi

# Every include of a leaksoak header, checked against the allowances; the file graph for tsort.
: >"$tmp/files"
for f in "$dir"/*/*.c "$dir"/*/*.h; do
	[ -f "$f" ] || continue
	rel=${f#"$dir"/}
	folder=${rel%%/*}
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
	while IFS= read -r hit; do
		n=${hit%%:*}
		inc=$(echo "$hit" | sed 's/.*include[[:space:]]*"\([^"]*\)".*/\1/')
		case $inc in
		*/*) ;;
		*)
			echo "leaksoak: $f:$n: #include \"$inc\" does not name its folder (write \"FOLDER/$inc\")"
			echo bad >>"$tmp/bad"
			continue ;;
		esac
		to=${inc%%/*}
		if [ ! -f "$dir/$inc" ]; then
			echo "leaksoak: $f:$n: #include \"$inc\" names no header of $dir (fix the path)"
			echo bad >>"$tmp/bad"
			continue
		fi
		echo "$rel $inc" >>"$tmp/files"
		[ "$to" = "$folder" ] && continue
		if ! grep -qx "$folder $to" "$tmp/allow"; then
			echo "leaksoak: $f:$n: $folder/ includes \"$inc\", but $folder/README.md does not allow $to/ (move the code down a layer, or pass what it needs in)"
			echo bad >>"$tmp/bad"
		fi
	done
	case $f in
	*.c)
		lines=$(wc -l <"$f")
		if [ "$lines" -gt "$MAX_LINES" ]; then
			echo "leaksoak: $f: $lines lines, over $MAX_LINES (split it by concern)"
			echo bad >>"$tmp/bad"
		fi ;;
	esac
done
[ -s "$tmp/bad" ] && bad=1

# A .c file and its own header are one module: fold name.c into name.h so that a cycle is one
# between modules, not the header a file includes.
sed 's/\.c /.h /' "$tmp/files" | awk '$1 != $2' >"$tmp/modules"
if [ -s "$tmp/modules" ] && ! tsort "$tmp/modules" >/dev/null 2>"$tmp/tsort"; then
	echo "leaksoak: $dir: an include cycle between modules: $(grep -v 'input contains a loop' "$tmp/tsort" | sed 's/^tsort: //' | tr '\n' ' ')(one of them must stop including the other)"
	bad=1
fi
exit "$bad"
