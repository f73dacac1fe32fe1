# py-worker-tree: a pre-fork master with worker processes, as gunicorn and uWSGI run.
# With --leaky-worker K: LEAK (rss) in worker K only. Without it: NOT A LEAK.
#
# Reproduces a pre-fork server: the master loads shared state, forks N workers and waits
# on them. Each worker serves "requests" at a steady rate with per-request garbage. With
# --leaky-worker K, worker K has the bug: it appends each request's body to a
# module-level list (a per-worker debug buffer nobody drains). The other workers and the
# master stay flat, so the tree's total RSS grows at one worker's leak rate — a leak that
# per-process monitoring of the master alone would miss. Without the flag every worker is
# the fixed version: the tree's RSS is flat after the fork.
# Workers exit when the master goes away (their parent changes), so no orphans survive.
#
# Usage: python3 py-worker-tree.py [--workers N] [--leaky-worker K] [--rate REQ_PER_S]
import argparse
import os
import signal
import sys
import time


def worker(index, leaky, rate, master):
    kept = []
    period = 0.02
    per_tick = rate * period
    due = 0.0
    seq = 0
    words = 0
    nxt = time.monotonic()
    while os.getppid() == master:
        due += per_tick
        while due >= 1:
            seq += 1
            body = ("w%d-r%d;" % (index, seq)) * 60
            parsed = body.split(";")
            if leaky:
                kept.append(body)
            words += len(parsed)
            due -= 1
        nxt += period
        time.sleep(max(0.0, nxt - time.monotonic()))
    os._exit(0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--leaky-worker", type=int, default=-1)
    ap.add_argument("--rate", type=float, default=50)
    a = ap.parse_args()
    shared = [("route-%d" % i, i) for i in range(20000)]
    master = os.getpid()
    children = []
    for i in range(a.workers):
        pid = os.fork()
        if pid == 0:
            worker(i, i == a.leaky_worker, a.rate, master)
        children.append(pid)

    def stop(signum, frame):
        for c in children:
            try:
                os.kill(c, signal.SIGTERM)
            except ProcessLookupError:
                pass
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    while True:
        os.wait()


if __name__ == "__main__":
    main()
