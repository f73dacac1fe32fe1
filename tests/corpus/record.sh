#!/bin/sh
# record.sh — build the corpus programs and record their traces with leaksoak itself.
#
#   tests/corpus/record.sh [--suffix SFX] [--jobs N] [NAME ...]
#
# Runs tests/corpus/scenarios/NAME.json (default: every scenario) through 'leaksoak soak'
# (N at a time, default 2) and copies each run's samples.csv to
# tests/corpus/traces/NAME<SFX>.csv (SFX default empty, e.g. ".2" for a second recording).
# The verdict leaksoak gave each run goes to tests/corpus/traces/verdicts.tsv, one line
# per recorded trace (tests/corpus/verdicts.py; lines of traces not recorded this time are kept).
# The soak report itself stays in results/corpus/<UTC timestamp>/.
#
# Needs: make's deps, Debian's golang-go (stdlib only), nodejs, python3, gcc and
# openjdk-17-jdk-headless (javac and java): scripts/install-deps.sh --corpus.
set -eu
cd "$(dirname "$0")/../.." || exit 2

suffix=
jobs=2
while [ $# -gt 0 ]; do
	case $1 in
	--suffix) suffix=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	-h|--help) sed -n '2,14p' "$0"; exit 0 ;;
	--) shift; break ;;
	-*) echo "record.sh: unknown option '$1' (try 'tests/corpus/record.sh --help')" >&2; exit 2 ;;
	*) break ;;
	esac
done

# The corpus is defined on the distribution's runtimes (Debian's nodejs and python3 live in
# /usr/bin); a version manager's shims earlier in PATH would record a different runtime.
PATH=/usr/bin:/bin:$PATH
export PATH

corpus=tests/corpus
bin=build/corpus
mkdir -p "$bin" "$corpus/traces"

make -j2 leaksoak >/dev/null

# Go: stdlib only, GOPATH mode, the build cache inside the build folder.
for src in "$corpus"/programs/*.go; do
	name=$(basename "$src" .go)
	GO111MODULE=off GOCACHE="$PWD/$bin/gocache" GOFLAGS='' go build -o "$bin/$name" "$src"
done
# C: plain libc (and pthreads).
for src in "$corpus"/programs/*.c; do
	name=$(basename "$src" .c)
	${CC:-cc} -O2 -Wall -Wextra -Werror -pthread -o "$bin/$name" "$src"
done
# Java: plain Java 17, no libraries; each program's classes in build/corpus/NAME/, which its
# scenarios put on the class path ('java -cp build/corpus/NAME CLASS'). The scenarios run
# the JVM on its defaults (heap, GC and JIT ergonomics), as a service usually starts.
for src in "$corpus"/programs/*.java; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .java)
	rm -rf "${bin:?}/$name"
	javac -Xlint:all -Werror -d "$bin/$name" "$src"
done

if [ $# -eq 0 ]; then
	for f in "$corpus"/scenarios/*.json; do
		name=${f##*/}
		set -- "$@" "${name%.json}"
	done
fi
files=
for name in "$@"; do
	f=$corpus/scenarios/$name.json
	[ -f "$f" ] || { echo "record.sh: no scenario '$f'" >&2; exit 2; }
	files="$files $f"
done

out=results/corpus/$(date -u +%Y%m%dT%H%M%SZ)
# The soak's exit status says whether each run showed its "expect"; a recording is wanted
# whatever the current verdicts are, so only a missing samples.csv below is an error.
# A trace is the whole curve: --no-early-stop, else a run ends where its verdict settles
# (a start-up ramp called a leak at 20 s would leave a 20 s trace).
# shellcheck disable=SC2086
./leaksoak soak $files -j "$jobs" --no-early-stop --out "$out" || true

verdicts=$corpus/traces/verdicts.tsv
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
[ -f "$verdicts" ] && tail -n +2 "$verdicts" >"$tmp"
status=0
for name in "$@"; do
	run=$out/$name
	if [ ! -s "$run/samples.csv" ]; then
		echo "record.sh: $name: no samples.csv in $run (see $run/run.log)" >&2
		status=1
		continue
	fi
	cp "$run/samples.csv" "$corpus/traces/$name$suffix.csv"
	grep -v "^$name$suffix.csv	" "$tmp" >"$tmp.new" || true
	mv "$tmp.new" "$tmp"
	python3 "$corpus/verdicts.py" --suffix "$suffix" "$run" >>"$tmp"
	echo "recorded $corpus/traces/$name$suffix.csv"
done
{
	python3 "$corpus/verdicts.py" --header
	sort "$tmp"
} >"$verdicts"
echo "verdicts: $verdicts; soak report: $out"
exit $status
