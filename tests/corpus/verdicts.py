#!/usr/bin/env python3
"""verdicts.py — one line per leaksoak run: what leaksoak said about a corpus recording.

    python3 tests/corpus/verdicts.py [--suffix SFX] RUN_DIR ...

RUN_DIR is a run's results folder (as 'leaksoak soak' writes them, named after the
scenario); its summary.json gives the verdict and the fitted slopes. Prints tab-separated
lines (no header): trace, expect, verdict, then per minute the Theil-Sen and OLS slopes of
the gated RSS, the Theil-Sen slope of raw RSS, and the Theil-Sen slopes of threads and FDs.
"""
import json
import os
import sys

HEADER = ["trace", "expect", "verdict", "rss_kib_per_min", "rss_ols_kib_per_min",
          "rss_raw_kib_per_min", "threads_per_min", "fds_per_min"]


def fmt(v):
    return "-" if v is None else "%.1f" % v


def line(run, suffix):
    s = json.load(open(os.path.join(run, "summary.json")))
    m = s.get("metrics") or {}

    def ts(k):
        return (m.get(k) or {}).get("slope_per_min")

    def ols(k):
        return ((m.get(k) or {}).get("ols") or {}).get("slope_per_min")

    name = os.path.basename(run.rstrip("/"))
    return "\t".join([name + suffix + ".csv", s.get("expect") or "-", s.get("verdict") or "error",
                      fmt(ts("rss")), fmt(ols("rss")), fmt(ts("rss_raw")), fmt(ts("threads")),
                      fmt(ts("fds"))])


def main():
    args = sys.argv[1:]
    suffix = ""
    if args[:1] == ["--header"]:
        print("\t".join(HEADER))
        return
    if args[:1] == ["--suffix"]:
        suffix, args = args[1], args[2:]
    for run in args:
        print(line(run, suffix))


if __name__ == "__main__":
    main()
