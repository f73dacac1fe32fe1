#!/usr/bin/env python3
"""measure.py — the shape of each corpus trace, to check its truth label by numbers.

    python3 tests/corpus/measure.py [TRACE.csv | RUN_DIR ...]   (default: every labelled trace)

A RUN_DIR is a leaksoak results folder named after its scenario (as 'leaksoak soak' writes
them): its samples.csv is described under the label of NAME.csv.

For each trace it reads labels.tsv (the gates, warm-up and leak start) and prints, for the
samples after the warm-up, per metric (RSS net of LazyFree, threads, FDs):
  ols      least-squares slope per minute over the fitted window
  late     least-squares slope over the window's second half (growth sustained to the end?)
  floor    slope of the per-10-s minima (the troughs: does the floor rise?)
  x        the largest of ols/late/floor as a multiple of the gate
and a flag where the label and the numbers disagree: a leak whose leaking metric grows by
less than its gate (late slope, or from leak_start_s), or a pass with a metric whose late
and floor slopes both exceed half its gate. A flag asks for a look (or a longer run), no more.
Standard library only; nothing here judges a verdict, it only describes the recordings.
"""
import csv
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TRACES = os.path.join(HERE, "traces")


def ols(ts, ys):
    n = len(ts)
    if n < 3:
        return 0.0
    mt, my = sum(ts) / n, sum(ys) / n
    sxx = sum((t - mt) ** 2 for t in ts)
    if sxx == 0:
        return 0.0
    return sum((t - mt) * (y - my) for t, y in zip(ts, ys)) / sxx * 60.0


def floor_slope(ts, ys, width=10.0):
    bins = {}
    for t, y in zip(ts, ys):
        k = int((t - ts[0]) // width)
        if k not in bins or y < bins[k][1]:
            bins[k] = (t, y)
    pts = [bins[k] for k in sorted(bins)]
    # A last partial window would bias the floor; keep whole windows only.
    if len(pts) > 2 and ts[-1] - pts[-1][0] < width / 2:
        pts = pts[:-1]
    return ols([p[0] for p in pts], [p[1] for p in pts])


def load(path):
    rows = list(csv.DictReader(open(path)))
    out = {"t": [], "rss": [], "threads": [], "fds": []}
    for r in rows:
        out["t"].append(float(r["t_s"]))
        out["rss"].append(float(r["rss_kib"]) - float(r.get("lazyfree_kib") or 0))
        out["threads"].append(float(r["threads"]))
        out["fds"].append(float(r["fds"]))
    return out


def labels():
    path = os.path.join(TRACES, "labels.tsv")
    return {r["trace"]: r for r in csv.DictReader(open(path), delimiter="\t")}


def describe(path, lab):
    d = load(path)
    warm = float(lab["warmup_s"])
    start = max(warm, float(lab["leak_start_s"]))
    gates = {"rss": float(lab["gate_rss_kib_per_min"]), "threads": float(lab["gate_threads_per_min"]),
             "fds": float(lab["gate_fds_per_min"])}
    idx = [i for i, t in enumerate(d["t"]) if t >= warm]
    ts = [d["t"][i] for i in idx]
    half = ts[0] + (ts[-1] - ts[0]) / 2
    res = {}
    for m in ("rss", "threads", "fds"):
        ys = [d[m][i] for i in idx]
        late = [(t, y) for t, y in zip(ts, ys) if t >= half]
        grow = [(t, y) for t, y in zip(ts, ys) if t >= start]
        res[m] = {
            "ols": ols(ts, ys),
            "late": ols([p[0] for p in late], [p[1] for p in late]),
            "from_start": ols([p[0] for p in grow], [p[1] for p in grow]),
            "floor": floor_slope(ts, ys),
            "first": ys[0], "last": ys[-1], "min": min(ys), "max": max(ys),
        }
    flag = ""
    if lab["truth"] == "leak":
        r = res[lab["metric"]]
        g = gates[lab["metric"]]
        if min(r["late"], r["from_start"]) < g:
            flag = "CHECK: leak grows below its gate"
    else:
        for m in res:
            if min(res[m]["late"], res[m]["floor"]) > gates[m] / 2:
                flag = "CHECK: %s still growing" % m
    return res, gates, flag


def main():
    labs = labels()
    paths = sys.argv[1:] or [os.path.join(TRACES, t) for t in sorted(labs)]
    for p in paths:
        name = os.path.basename(p.rstrip("/"))
        if os.path.isdir(p):
            name, p = name + ".csv", os.path.join(p, "samples.csv")
        lab = labs.get(name)
        if lab is None or not os.path.exists(p):
            print("%s: no label or no file" % name)
            continue
        res, gates, flag = describe(p, lab)
        print("%-28s %-4s %s" % (name, lab["truth"], flag))
        for m, r in res.items():
            x = max(r["ols"], r["late"], r["floor"]) / gates[m] if gates[m] else 0.0
            print("   %-7s first %9.0f last %9.0f min %9.0f max %9.0f  ols %+9.1f late %+9.1f "
                  "floor %+9.1f from_start %+9.1f /min  gate %g  x%.1f"
                  % (m, r["first"], r["last"], r["min"], r["max"], r["ols"], r["late"], r["floor"],
                     r["from_start"], gates[m], x))


if __name__ == "__main__":
    main()
