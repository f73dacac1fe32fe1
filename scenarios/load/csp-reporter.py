#!/usr/bin/env python3
"""csp-reporter: the browser traffic of the gzip-options scenarios, as a Python client.

Browsers send Content-Security-Policy violation reports cross-origin: a CORS preflight
(OPTIONS) and then the report itself (POST), each asking for a gzip'd answer.  This client
sends three preflights for each report, RATE requests a second on a steady schedule, over one
keep-alive connection to http://127.0.0.1:PORT/report.  It runs until it is stopped, prints a
line of totals every 5 s, and exits 1 as soon as a request fails, so that leaksoak ends the
run as an error rather than judge a target that was not driven.

    csp-reporter.py --port PORT [--rate N]
"""
import argparse
import http.client
import json
import sys
import time
import uuid


def request(conn, seq):
    """One request of the mix: OPTIONS three times out of four, then a POST."""
    common = {"Origin": "http://app.example", "Accept-Encoding": "gzip, deflate"}
    if seq % 4 != 3:
        headers = dict(common, **{"Access-Control-Request-Method": "POST",
                                   "Access-Control-Request-Headers": "content-type"})
        conn.request("OPTIONS", "/report?id=%d" % seq, headers=headers)
    else:
        body = json.dumps({"report": seq, "id": str(uuid.uuid4()), "violated": "script-src",
                           "blocked": "https://cdn.example/x.js"})
        conn.request("POST", "/report?id=%d" % seq, body=body,
                     headers=dict(common, **{"Content-Type": "application/json"}))
    resp = conn.getresponse()
    resp.read()
    return resp.status


def main():
    p = argparse.ArgumentParser(description="CSP violation reports, preflights included")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--rate", type=float, default=20.0, help="requests per second")
    a = p.parse_args()
    conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=10)
    every = 1.0 / a.rate
    start = next_at = time.monotonic()
    last_report = start
    seq = 0
    while True:
        status = request(conn, seq)
        if status >= 400:
            print("csp-reporter: request %d answered HTTP %d" % (seq, status), flush=True)
            return 1
        seq += 1
        now = time.monotonic()
        if now - last_report >= 5:
            print("csp-reporter: %d requests in %.0f s" % (seq, now - start), flush=True)
            last_report = now
        next_at += every
        if next_at > now:
            time.sleep(next_at - now)   # the pacing of the load, not a synchronisation


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, http.client.HTTPException) as e:
        print("csp-reporter: %s" % e, flush=True)
        sys.exit(1)
