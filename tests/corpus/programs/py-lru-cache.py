# py-lru-cache: functools.lru_cache with a bound, filling then plateauing. NOT A LEAK.
#
# Reproduces a Python service that caches rendered fragments with
# functools.lru_cache(maxsize=N). Keys come from a space far larger than the cache, so at
# first nearly every call misses and inserts a ~2 KiB string; once N entries are cached,
# each insert evicts the least recently used one. Memory rises while the cache fills (about
# ten seconds at the default rate) and then stays flat. Not a leak: the cache is bounded by
# maxsize x entry size. The scenario's warm-up covers the fill.
#
# Usage: python3 py-lru-cache.py [CALLS_PER_S] [MAXSIZE]
import functools
import random
import sys
import time

RATE = float(sys.argv[1]) if len(sys.argv) > 1 else 500
MAXSIZE = int(sys.argv[2]) if len(sys.argv) > 2 else 5000


@functools.lru_cache(maxsize=MAXSIZE)
def render(product):
    return ("<li>product %d</li>" % product) * 90


def main():
    rng = random.Random(1)
    period = 0.01
    per_tick = RATE * period
    due = 0.0
    nxt = time.monotonic()
    while True:
        due += per_tick
        while due >= 1:
            render(rng.randrange(1000000))
            due -= 1
        nxt += period
        time.sleep(max(0.0, nxt - time.monotonic()))


if __name__ == "__main__":
    main()
