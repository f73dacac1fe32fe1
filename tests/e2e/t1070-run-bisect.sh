#!/bin/sh
# run --bisect: the exit codes `git bisect run` expects (0 good, 1 bad, 125 skip, 255 abort),
# and a real bisection: a five-commit repository where the third commit makes a Python
# service keep what it allocates; `git bisect run leaksoak run --bisect s.json` names it.
. "$(dirname "$0")/lib.sh"
plan 9

if ! command -v git >/dev/null || ! command -v python3 >/dev/null; then
	for _ in $(seq 1 9); do skip "needs git and python3"; done
	exit 0
fi
PY=$(command -v python3)

# The scenario lives outside the repository: bisect checks out commits under it.  Three
# seconds of warm-up: the interpreter loads its modules first, a climb that is no leak.
cat >"$TMP/s.json" <<JSON
{
  "name": "py-service",
  "target": {"cmd": ["$PY", "app.py"]},
  "duration_s": 12, "warmup_s": 3,
  "sample": {"interval_ms": 50},
  "gate": {"rss_kib_per_min": 2048}
}
JSON

repo=$TMP/repo
mkdir -p "$repo"
git_() { git -C "$repo" -c user.name=leaksoak -c user.email=leaksoak@example.invalid "$@"; }
# commit MSG KEEP: app.py keeps every 64 KiB it allocates when KEEP is True, then a commit.
commit() {
	cat >"$repo/app.py" <<PY
# A service loop: allocate a buffer per request, keep it only when KEEP is set.
# $1
import time

KEEP = $2
kept = []
while True:
    buf = b"x" * 65536
    if KEEP:
        kept.append(buf)
    time.sleep(0.05)
PY
	git_ add app.py && git_ commit -q -m "$1"
}
git_ init -q
commit "a service" False
commit "tidy the loop" False
commit "cache the buffers" True
commit "comment the cache" True
commit "rename things" True
branch=$(git_ symbolic-ref --short HEAD)
culprit=$(git_ rev-list --reverse HEAD | sed -n 3p)
first=$(git_ rev-list --reverse HEAD | sed -n 1p)

# The exit codes, one by one, at the newest commit (which leaks).
bisect_code() { (cd "$repo" && env LEAKSOAK_E2E_TAG="$TAG" "$LEAKSOAK" run --bisect "$@" \
	>"$OUT" 2>"$ERR"); echo $?; }
check "a leak is 1 (bad)" test "$(bisect_code "$TMP/s.json" --out "$TMP/bad")" = 1
git_ checkout -q "$first"
check "a pass is 0 (good)" test "$(bisect_code "$TMP/s.json" --out "$TMP/good")" = 0
sed 's/"app.py"/"no-such-app.py"/' "$TMP/s.json" >"$TMP/broken.json"
check "a target that cannot run is 125 (skip)" \
	test "$(bisect_code "$TMP/broken.json" --out "$TMP/broken")" = 125
check "a scenario that does not load is 255 (abort the bisection)" \
	test "$(bisect_code "$TMP/no-such.json")" = 255
check "so is a usage error" test "$(bisect_code --no-such-option "$TMP/s.json")" = 255
git_ checkout -q "$branch"

# The bisection itself.
git_ bisect start HEAD "$first" >/dev/null 2>&1
(cd "$repo" && env LEAKSOAK_E2E_TAG="$TAG" git bisect run "$LEAKSOAK" run --bisect \
	--out "$TMP/bisect" "$TMP/s.json") >"$TMP/bisect.log" 2>&1
check "git bisect run finishes" test $? = 0
check "it names the commit that made the service keep its buffers" \
	grep -q "^$culprit is the first bad commit" "$TMP/bisect.log"
check "refs/bisect/bad is that commit" test "$(git_ rev-parse refs/bisect/bad)" = "$culprit"
git_ bisect reset -q >/dev/null 2>&1
check "nothing is left running" no_strays
