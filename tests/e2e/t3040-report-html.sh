#!/bin/sh
# report: index.html stands alone — no scripts, no external assets, plots as data URIs — and
# renders in headless Chromium with every image decoded.  Skipped without Chromium
# (scripts/install-deps.sh --browser) or gnuplot.
. "$(dirname "$0")/lib.sh"
plan 9

# make_run DIR NAME VERDICT SLOPE: 30 s of samples growing SLOPE KiB/min, and its summary.
make_run() {
	mkdir -p "$1"
	awk -v slope="$4" 'BEGIN {
		print "t_s,rss_kib,threads,fds,procs,cpu_s,lazyfree_kib,requests,errors"
		for (i = 0; i <= 300; i++) {
			t = i / 10
			printf "%.3f,%d,4,12,1,%.2f,,100,0\n", t, 20000 + slope / 60 * t + (i % 20) * 30,
				t / 10
		}
	}' >"$1/samples.csv"
	failed=false
	[ "$3" = leak ] && failed=true
	cat >"$1/summary.json" <<JSON
{"scenario": "$2", "verdict": "$3", "exit_code": $([ "$3" = leak ] && echo 1 || echo 0),
 "expect": "$3", "warmup_s": 5, "duration_s": 30, "elapsed_s": 30,
 "started_utc": "2026-11-21T23:00:00Z",
 "metrics": {"rss": {"unit": "KiB", "fitted": true, "slope_kib_per_min": $4,
   "slope_per_min": $4, "gate_per_min": 512, "trend_p": 0.0001, "failed": $failed,
   "basis": "rss", "theil_sen": {"slope_per_min": $4, "intercept": 20285}},
   "threads": {"unit": "threads", "fitted": true, "slope_per_min": 0, "gate_per_min": 1,
   "failed": false},
   "fds": {"unit": "fds", "fitted": true, "slope_per_min": 0, "gate_per_min": 1,
   "failed": false}}}
JSON
}

if ! command -v gnuplot >/dev/null; then
	for i in 1 2 3 4 5 6 7 8 9; do skip "gnuplot is not installed"; done
	exit 0
fi
make_run "$TMP/runs/leaky" leaky leak 2400
make_run "$TMP/runs/flat" flat pass 0
plot_both() { expect_exit 0 plot "$TMP/runs/leaky" && expect_exit 0 plot "$TMP/runs/flat"; }
check "both runs plot" plot_both
check "report over run folders exits 0 (the leak was expected)" \
	expect_exit 0 report "$TMP/runs/leaky" "$TMP/runs/flat" --out "$TMP/rep"
page=$TMP/rep/index.html
check "the page embeds both plots" test "$(grep -o 'src="data:image/png;base64,' "$page" | wc -l)" = 2
check "the page has no script and loads nothing from elsewhere" \
	test "$(grep -Eci '<script|<link|src="(https?:|//)|url\(' "$page")" = 0

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
	for i in 1 2 3 4 5; do skip "chromium is not installed (scripts/install-deps.sh --browser)"; done
	exit 0
fi
# chrome ARGS...: headless Chromium, bounded in time, its chatter discarded.
chrome() {
	timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update --disable-sync \
		--no-first-run --user-data-dir="$TMP/chr" "$@" 2>/dev/null
}
chrome --screenshot="$TMP/shot.png" --window-size=1400,2000 "file://$page" >/dev/null
check "Chromium renders a screenshot" \
	test "$(od -An -tx1 -N8 "$TMP/shot.png" 2>/dev/null | tr -d ' \n')" = 89504e470d0a1a0a
check "the screenshot is not blank (over 50 KB)" test "$(wc -c <"$TMP/shot.png")" -gt 50000

# The page has no script; a test-only copy gets one that counts the decoded images.
# probe PAGE: PAGE plus that script, rendered; prints what the script found.
probe() {
	cp "$1" "$TMP/probe.html"
	cat "$TMP/probe.js" >>"$TMP/probe.html"
	chrome --dump-dom --virtual-time-budget=10000 "file://$TMP/probe.html" |
		sed -n 's/.*<p id="probe">\(decoded [0-9]* of [0-9]*\)<\/p>.*/\1/p'
}
cat >"$TMP/probe.js" <<'HTML'
<script>
window.addEventListener('load', function () {
	var ok = 0, imgs = document.images;
	for (var i = 0; i < imgs.length; i++)
		if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++;
	var p = document.createElement('p');
	p.id = 'probe';
	p.textContent = 'decoded ' + ok + ' of ' + imgs.length;
	document.body.appendChild(p);
});
</script>
HTML
check "every image decodes (2 of 2)" test "$(probe "$page")" = "decoded 2 of 2"
# The probe itself can fail: a corrupt image does not count as decoded.
awk '!done && sub(/base64,iVBORw0KGgo/, "base64,AAAAAAAAAA") { done = 1 } 1' "$page" \
	>"$TMP/corrupt.html"
check "the probe sees a corrupt image (1 of 2)" test "$(probe "$TMP/corrupt.html")" = "decoded 1 of 2"
check "Chromium leaves nothing running" test -z "$(pgrep -f "user-data-dir=$TMP/chr")"
