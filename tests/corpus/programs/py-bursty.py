# py-bursty: periodic bursts of allocation that are freed again. NOT A LEAK.
#
# Reproduces a Python worker that every few seconds pulls a batch of records (a list of a
# few hundred thousand small dicts), aggregates it and drops it. Between batches it idles
# on light requests. RSS jumps at each batch; when the batch is freed pymalloc returns the
# arenas that became empty and glibc trims what it can, so the troughs come back to the
# same level and the peaks repeat. Not a leak: nothing survives a batch.
#
# Usage: python3 py-bursty.py [SECONDS_BETWEEN_BATCHES] [ROWS]
import sys
import time

EVERY = float(sys.argv[1]) if len(sys.argv) > 1 else 3
ROWS = int(sys.argv[2]) if len(sys.argv) > 2 else 200000


def batch(gen):
    rows = [{"id": i, "acct": "a%d" % (i % 5000), "amount": i * 0.25 + gen} for i in range(ROWS)]
    totals = {}
    for r in rows:
        totals[r["acct"]] = totals.get(r["acct"], 0.0) + r["amount"]
    return len(totals)


def main():
    gen = 0
    batch(gen)
    last = time.monotonic()
    while True:
        time.sleep(0.05)
        "|".join(str(i) for i in range(50))
        if time.monotonic() - last >= EVERY:
            gen += 1
            batch(gen)
            last = time.monotonic()


if __name__ == "__main__":
    main()
