/*
 * warmup — where a series' start-up transient ends, found from the data.
 *
 * warmup_s is a floor a user may set, not a promise that start-up is over: a JIT, a runtime
 * sizing its heap, a cache filling from a finite keyspace or a slow readiness all run past a
 * fixed few seconds.  The detector reads the block medians of the window after warmup_s
 * (fit.h; blocks of five samples, the "batches" of MSER-5) and picks the start d that
 * minimises MSER's statistic on what follows it, with one change: the rest is measured
 * against its own straight line rather than its mean.  A steady leak is a straight line from
 * the start, so the statistic grows with d and nothing is cut; plain MSER reads a leak as a
 * transient that never ends and drifts to the end of the series.  A fill that stops, a curve
 * that bends into a plateau or a ramp that slows into a slower leak are cut where the rest
 * becomes straight.  The cut is capped at half the window: what follows the cap is judged
 * whatever it is, so a transient that lasts the whole run cannot hide a leak under it.
 */
#ifndef LEAKSOAK_WARMUP_H
#define LEAKSOAK_WARMUP_H

#include <stddef.h>

#include "judge/fit.h"

struct warmup {
	size_t start_block;	/* first block of b kept; 0 when nothing is cut */
	double start_x;		/* where the kept part begins: halfway to the block before */
	int capped;		/* the statistic was least at the cap: still settling there */
};

/*
 * The end of b's start-up transient (b->m >= 24 blocks; fewer: nothing is cut).  The
 * statistic must fall by a margin below its value at d = 0, so that the noise of a flat
 * series does not move the window for nothing.
 */
void warmup_detect(const struct fit_blocks *b, struct warmup *out);

/*
 * Where growth began in b: the bend of the best "flat, then a straight climb" line through
 * the blocks (b->x[0] when the climb is there from the start, or with fewer than 8 blocks).
 * A fill and a leak that begin after a flat start look alike for as long again.
 */
double warmup_onset(const struct fit_blocks *b);

#endif
