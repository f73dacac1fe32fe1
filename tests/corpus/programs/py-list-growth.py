# py-list-growth: a CPython event log kept in a module-level list. LEAK (rss, from start).
#
# Reproduces a Python service that appends every handled event (a small dict with a few
# strings) to a module-level list "for the debug endpoint", which nothing ever trims. The
# dicts and strings are allocated by pymalloc in 256 KiB arenas and the list's array is
# over-allocated as it grows: RSS climbs steadily in arena-sized steps and never falls.
# A leak: the list holds every event since start.
#
# Usage: python3 py-list-growth.py [EVENTS_PER_S] [PAYLOAD_CHARS]
import sys
import time

RATE = float(sys.argv[1]) if len(sys.argv) > 1 else 60
CHARS = int(sys.argv[2]) if len(sys.argv) > 2 else 400

events = []


def handle(seq):
    ev = {
        "seq": seq,
        "route": "/orders/%d" % (seq % 1000),
        "status": 200,
        "user": "user-%05d" % (seq % 40000),
        "body": ("o%d," % seq) * (CHARS // 6),
    }
    events.append(ev)
    return len(ev["body"])


def main():
    period = 0.01
    per_tick = RATE * period
    due = 0.0
    seq = 0
    nxt = time.monotonic()
    while True:
        due += per_tick
        while due >= 1:
            seq += 1
            handle(seq)
            due -= 1
        nxt += period
        time.sleep(max(0.0, nxt - time.monotonic()))


if __name__ == "__main__":
    main()
