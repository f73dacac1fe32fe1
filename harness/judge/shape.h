/*
 * shape — what a slope cannot see in a series: whether it climbs and never falls back, whether
 * its troughs rise, and whether its growth stopped before the end.
 *
 * Real runtimes do not leak in straight lines.  A Go or Java heap climbs in a staircase (flat
 * plateaus, jumps, never falling); a collected heap saws up and down around a floor that may or
 * may not rise; a cache fills and stops.  A trend test that models the plateaus and the page
 * rounding of a clean climb as autocorrelated noise calls the staircase "not significant", and
 * a slope alone calls the filled cache a leak.  The shape reads the block medians of a fit
 * (fit_series_blocks) for the evidence that tells them apart, in units a person can check:
 * how many times the level rose, where it last rose, how far it ever fell back.
 */
#ifndef LEAKSOAK_SHAPE_H
#define LEAKSOAK_SHAPE_H

#include <stddef.h>

#include "judge/fit.h"

/* A climb needs at least this many separate rises: one or two steps may be a pool growing. */
#define SHAPE_MIN_RISES 3

struct shape {
	size_t segments;	/* the blocks split into this many equal runs */
	double span;		/* x of the last block minus x of the first */
	double noise;		/* robust sd of block-to-block changes (MAD about their median) */
	double step;		/* the least rise that counts: max(3 noise, min_step) */
	unsigned rises;		/* times the level climbed a step above where it last rose */
	double mean_rise;	/* the mean height of a rise */
	double max_rise;	/* the highest single rise */
	int staircase;		/* most blocks do not move (the median change is under a tenth
				   of the mean rise): the level jumps between plateaus */
	double last_rise_x;	/* NaN without rises */
	double longest_gap;	/* longest span between two consecutive rises; 0 with < 2 */
	double tail;		/* the last stretch judged for "stopped" */
	double max_fall;	/* the largest fall below an earlier block (drawdown) */
	double floor_first, floor_last;	/* lowest block median of the first and last segments */
	double ceil_first, ceil_last;	/* highest block median of the first and last segments */
	int floors_rise;	/* no segment's floor lies a step below the one before it */
	int climbs;		/* floors rise, the last segment lies wholly a step above the
				   first, the level rose at least SHAPE_MIN_RISES times with no rise
				   over 60 % of all, and no fall gave back half the rise */
	int stopped;		/* rose, then its last stretch (a quarter of the span, or twice
				   the longest gap between rises) grew under the gate at 95 % */
	int slowing;		/* the last third grows at under half the rate of the faster of
				   the first two thirds, or the curve bends down significantly */
	int tail_grows;		/* that stretch grows, at 95 % (its fit's lower bound above 0) */
	struct fit_result troughs;	/* fit of the lowest block of each stretch of the span */
	int troughs_fitted;
	double troughs_median_p;	/* Mann–Kendall p of the troughs' block medians (1 when
					   not read from falls) */
	unsigned cycles;	/* troughs after falls when the series saws, else 0 */
};

/* The samples the blocks were made from (t ascending; NaN y skipped), all n long. */
struct shape_samples {
	const double *t, *y;
	size_t n;
};

/*
 * Read the shape of b (at least 4 blocks; fewer give a zeroed shape with no rises); raw, when
 * not NULL, holds the samples behind b, for the troughs' levels.
 * gate_per_s is the growth the metric may show (0 or less: not gated); a twentieth of what it
 * allows over the span is the least rise counted, so that page-sized jitter of a flat series
 * is never a "rise".
 */
void shape_analyse(const struct fit_blocks *b, const struct shape_samples *raw,
		   double gate_per_s, struct shape *out);

#endif
