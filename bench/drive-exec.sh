#!/bin/sh
# drive-exec.sh — the load wrk reaches through drive.exec beside the built-in driver's, on the
# same target (build/helpers/hello), each for 5 s flat out on 16 keep-alive connections, run by
# leaksoak itself: what a user gets from either way of driving a run.  wrk's rate is its own
# "Requests/sec" (it runs -d 5s and ends with 0 before the 6 s run does, so its report reaches
# drive.log); the driver's is summary.json's driver.rate_per_s.  CPU: wrk's tree as sampled
# apart (drive_exec.cpu_s), the target's at the end (samples.csv).  Figures, not assertions.
set -u
cd "$(dirname "$0")/.." || exit 2
command -v wrk >/dev/null || { echo "wrk: not installed (./scripts/install-deps.sh)"; exit 0; }
command -v jq >/dev/null || { echo "jq: not installed (./scripts/install-deps.sh)"; exit 0; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/leaksoak-bench.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT
hello=$(pwd)/build/helpers/hello

# scenario NAME DRIVE_JSON: hello for 6 s, the whole duration (no early verdict).
scenario() {
	cat >"$tmp/$1.json" <<JSON
{"name": "$1",
 "target": {"cmd": ["$hello", "--port", "{port}"],
            "ready": {"http_get": "http://127.0.0.1:{port}/", "timeout_s": 10}},
 "drive": $2, "duration_s": 6, "warmup_s": 1, "early_stop": false,
 "gate": {"rss_kib_per_min": null, "threads_per_min": null, "fds_per_min": null}}
JSON
}
scenario exec '{"exec": ["wrk", "-t1", "-c16", "-d5s", "http://127.0.0.1:{port}/"]}'
scenario http '{"http": {"url": "http://127.0.0.1:{port}/", "concurrency": 16}}'

target_cpu() {
	tail -n 1 "$1/samples.csv" | awk -F, '{ print $6 }'
}

./leaksoak run "$tmp/exec.json" --out "$tmp/exec" --quiet >/dev/null 2>&1
wrk_rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$tmp/exec/drive.log")
wrk_cpu=$(jq -r '.drive_exec.cpu_s' "$tmp/exec/summary.json")
./leaksoak run "$tmp/http.json" --out "$tmp/http" --quiet >/dev/null 2>&1
drv_rps=$(jq -r '.driver.rate_per_s' "$tmp/http/summary.json")
drv_req=$(jq -r '.driver.requests' "$tmp/http/summary.json")

printf '%-34s %12s %14s %14s\n' "same target, 16 conns, flat out" "req/s" "driver CPU s" "target CPU s"
printf '%-34s %12.0f %14s %14s\n' "drive.exec: wrk -t1 -c16 -d5s" "${wrk_rps:-0}" "$wrk_cpu" \
	"$(target_cpu "$tmp/exec")"
printf '%-34s %12.0f %14s %14s\n' "drive.http: built-in, flat out" "$drv_rps" "(in leaksoak)" \
	"$(target_cpu "$tmp/http")"
awk -v a="${wrk_rps:-0}" -v b="$drv_rps" -v n="$drv_req" 'BEGIN {
	if (a > 0) printf "built-in/wrk: %.2f (the driver over 6 s, %d requests; wrk over its 5 s)\n", b / a, n
	else print "wrk printed no Requests/sec line (see drive.log)" }'
