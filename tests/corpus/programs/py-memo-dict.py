# py-memo-dict: an unbounded memo dict keyed by full query text. LEAK (rss, from start;
# slow, about 2x its gate).
#
# Reproduces a Python service that memoises a parsed query plan in a module-level dict
# keyed by the query string. The queries embed a timestamp or an ID, so keys never repeat:
# the memo is never hit and never evicted. The dict resizes (doubling its table) and the
# plans accumulate: RSS creeps up at a rate only a little above the gate. A leak: every
# distinct query is kept forever.
#
# Usage: python3 py-memo-dict.py [QUERIES_PER_S] [PLAN_ITEMS]
import sys
import time

RATE = float(sys.argv[1]) if len(sys.argv) > 1 else 10
ITEMS = int(sys.argv[2]) if len(sys.argv) > 2 else 6

memo = {}


def plan(query):
    p = memo.get(query)
    if p is None:
        p = tuple(("scan", "idx_%d" % i, len(query) + i) for i in range(ITEMS))
        memo[query] = p
    return p


def main():
    period = 0.05
    per_tick = RATE * period
    due = 0.0
    seq = 0
    nxt = time.monotonic()
    while True:
        due += per_tick
        while due >= 1:
            seq += 1
            plan("SELECT * FROM orders WHERE id = %d AND ts > %f" % (seq, time.time()))
            due -= 1
        nxt += period
        time.sleep(max(0.0, nxt - time.monotonic()))


if __name__ == "__main__":
    main()
