/*
 * shape — rises, floors and falls of a series' block medians (see shape.h).
 *
 * Choices a reader may want to check:
 *   - Noise is the MAD of the block-to-block changes about their median, scaled to an sd and
 *     divided by sqrt 2: a steady climb moves the median change, not its spread, so growth
 *     does not inflate the noise it is judged against; a staircase's changes are mostly zero,
 *     so its noise is the jitter on its plateaus.
 *   - A rise is counted when the level exceeds the level of the last rise by a step, not the
 *     running maximum by a hair: a smooth climb then rises once per step/slope seconds and a
 *     flat series with jitter rises at most once or twice, at the start.
 *   - Growth has stopped when the last stretch of the span (a quarter of it, or twice the
 *     longest wait between two rises if longer, at most half) grows under the gate with 95 %
 *     confidence (the upper bound of its own fit): a cache that filled is not taken for a
 *     leak, a staircase with slow steps is not taken for a plateau between steps, and a noisy
 *     climb is not taken for a stop because one stretch happened to look flat.
 *   - Slowing: the last third of the span grows at under half the rate of the faster of the
 *     first two.  A warm-up that outlasts warmup_s (a JIT, a runtime sizing its heap, a cache
 *     still filling) slows as it ends, and a fill that stops in the last third shows it there;
 *     a leak keeps its pace.  A JIT's log-shaped growth slows too gently for thirds to see
 *     within a few seconds, so slowing also counts a parabola whose downward curvature is
 *     beyond what the steps and noise explain (t below SHAPE_BENDS_T, with the residuals'
 *     lag-1 autocorrelation taken off the degrees of freedom) and whose slope at the end is
 *     under SHAPE_BENDS_RATIO of its slope at the start.  Only early verdicts use it:
 *     they wait, and a leak's steps bend its curve both ways.
 *   - A climb never gives back more than half of what it gained (largest fall against the
 *     rise of the floors): random bursts that happen to step up three times in a row have
 *     usually fallen somewhere in between; a leak's staircase has not.  And no one rise is
 *     more than 60 % of all of them: one heap step with two crumbs of page jitter is a pool
 *     or a heap growing once, not a staircase.
 *   - Segments: between 4 and 8, about three blocks each.  The floor of a segment is its
 *     lowest block median, so a collected heap's floor is its troughs.
 *   - Troughs: after each fall of more than a step, the lowest block before the next fall is a
 *     trough, at its own x: the floor a collector returns to, however irregular its cycle.
 *     Its level is the least sample near it, not the block median (troughs_from_samples);
 *     the block medians' own trend test is kept beside it (troughs_median_p), since the
 *     least samples of a cycle that is nearly a whole number of samples long drift with the
 *     sampling phase, and a rise that only they show is that drift.
 *     They are taken as independent, one per cycle, but only when the series saws (between
 *     falls it climbs block by block).  Otherwise, or with fewer than five of them, the lowest
 *     block of each 2 s stretch (at most 30) stands in, with the autocorrelation correction
 *     kept: the levels a wandering series sits at wander too.  Either way the envelope's fit
 *     sees the floor rise (or not) without the cycle's amplitude drowning it, as it drowns
 *     the medians.
 */
#include "judge/shape.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define SHAPE_MIN_SEGMENTS 4
#define SHAPE_MAX_SEGMENTS 8
#define MAD_TO_SD 1.4826
#define TROUGH_MIN_S 2.0
#define TROUGH_MAX 30
#define SHAPE_MIN_TROUGHS 4
#define SHAPE_BENDS_T (-2.5)
#define SHAPE_BENDS_RATIO 0.6

/* Robust sd of block-to-block changes; *typical gets the median absolute change. */
static double change_noise(const struct fit_blocks *b, double *typical)
{
	double d[FIT_MAX_BLOCKS], dev[FIT_MAX_BLOCKS];
	size_t k = b->m - 1;

	for (size_t i = 0; i < k; i++) {
		d[i] = b->y[i + 1] - b->y[i];
		dev[i] = fabs(d[i]);
	}
	*typical = fit_median(dev, k);
	memcpy(dev, d, k * sizeof(*d));
	double mid = fit_median(dev, k);
	for (size_t i = 0; i < k; i++)
		dev[i] = fabs(d[i] - mid);
	return MAD_TO_SD * fit_median(dev, k) / M_SQRT2;
}

static void count_rises(const struct fit_blocks *b, struct shape *s)
{
	double level = b->y[0], prev_x = NAN;

	for (size_t i = 1; i < b->m; i++) {
		if (!(b->y[i] > level + s->step))
			continue;
		s->mean_rise += b->y[i] - level;
		s->max_rise = fmax(s->max_rise, b->y[i] - level);
		level = b->y[i];
		if (s->rises++ > 0 && b->x[i] - prev_x > s->longest_gap)
			s->longest_gap = b->x[i] - prev_x;
		prev_x = s->last_rise_x = b->x[i];
	}
	if (s->rises)
		s->mean_rise /= s->rises;
}

static void measure_falls(const struct fit_blocks *b, struct shape *s)
{
	double top = b->y[0];

	for (size_t i = 1; i < b->m; i++) {
		if (b->y[i] > top)
			top = b->y[i];
		else if (top - b->y[i] > s->max_fall)
			s->max_fall = top - b->y[i];
	}
}

/* Blocks [lo, hi) of segment k. */
static void segment_bounds(const struct fit_blocks *b, size_t k, size_t nseg, size_t *lo,
			   size_t *hi)
{
	*lo = k * b->m / nseg;
	*hi = (k + 1) * b->m / nseg;
}

static void read_floors(const struct fit_blocks *b, struct shape *s)
{
	double prev = NAN;

	s->floors_rise = 1;
	for (size_t k = 0; k < s->segments; k++) {
		size_t lo, hi;
		segment_bounds(b, k, s->segments, &lo, &hi);
		double floor = b->y[lo], ceil = b->y[lo];
		for (size_t i = lo + 1; i < hi; i++) {
			floor = fmin(floor, b->y[i]);
			ceil = fmax(ceil, b->y[i]);
		}
		if (k == 0) {
			s->floor_first = floor;
			s->ceil_first = ceil;
		}
		s->ceil_last = ceil;
		if (k > 0 && floor < prev - s->step)
			s->floors_rise = 0;
		prev = s->floor_last = floor;
	}
}

/* Least-squares slope of blocks [from, to); 0 with fewer than 3. */
static double ols_slope(const struct fit_blocks *b, size_t from, size_t to)
{
	double k = (double)(to - from), mx = 0, my = 0, sxx = 0, sxy = 0;

	if (to < from + 3)
		return 0;
	for (size_t i = from; i < to; i++) {
		mx += b->x[i] / k;
		my += b->y[i] / k;
	}
	for (size_t i = from; i < to; i++) {
		sxx += (b->x[i] - mx) * (b->x[i] - mx);
		sxy += (b->x[i] - mx) * (b->y[i] - my);
	}
	return sxx > 0 ? sxy / sxx : 0;
}

/*
 * Whether the growth bends down: a least-squares parabola through the blocks whose curvature
 * has a t statistic below SHAPE_BENDS_T (its standard error widened for lag-1 autocorrelation
 * of the residuals: beyond what steps and noise explain) and whose slope at the end of the
 * span is under SHAPE_BENDS_RATIO of its slope at the start (a bend that matters: a clean
 * leak's steps bend its line a little, and with no noise even that is significant).
 */
static int bends_down(const struct fit_blocks *b)
{
	size_t m = b->m;
	double mx = 0, u[FIT_MAX_BLOCKS], e[FIT_MAX_BLOCKS];

	if (m < 8)
		return 0;
	for (size_t i = 0; i < m; i++)
		mx += b->x[i] / (double)m;
	/* Regress on x and on the part of x^2 that x does not explain, so the two are
	 * orthogonal and the curvature's coefficient and error come out of one pass each. */
	double sxx = 0, sxq = 0, my = 0, sxy = 0;
	for (size_t i = 0; i < m; i++) {
		double x = b->x[i] - mx;
		sxx += x * x;
		sxq += x * x * x;
		my += b->y[i] / (double)m;
	}
	double mq = sxx / (double)m, suu = 0, suy = 0;
	for (size_t i = 0; i < m; i++) {
		double x = b->x[i] - mx;
		u[i] = x * x - mq - (sxx > 0 ? sxq / sxx * x : 0);
		suu += u[i] * u[i];
		sxy += x * (b->y[i] - my);
		suy += u[i] * (b->y[i] - my);
	}
	if (sxx <= 0 || suu <= 0)
		return 0;
	double slope = sxy / sxx, c = suy / suu, sse = 0, num = 0;
	for (size_t i = 0; i < m; i++) {
		e[i] = b->y[i] - my - slope * (b->x[i] - mx) - c * u[i];
		sse += e[i] * e[i];
		if (i > 0)
			num += e[i] * e[i - 1];
	}
	double r1 = sse > 0 ? fmax(0, fmin(0.95, num / sse)) : 0;
	double df = (double)m * (1 - r1) / (1 + r1) - 3;
	/* d/dx of the fit: slope + c * (2x - sxq / sxx), x centred */
	double first = slope + c * (2 * (b->x[0] - mx) - sxq / sxx);
	double last = slope + c * (2 * (b->x[m - 1] - mx) - sxq / sxx);
	if (df < 1 || !(first > 0) || last >= SHAPE_BENDS_RATIO * first)
		return 0;
	return sse <= 0 || c / sqrt(sse / df / suu) < SHAPE_BENDS_T;
}

/* The first block at or after x. */
static size_t block_at(const struct fit_blocks *b, double x)
{
	size_t i = 0;

	while (i < b->m && b->x[i] < x)
		i++;
	return i;
}

/*
 * Growth stopped: the last stretch (a quarter of the span, or twice the longest wait between
 * rises if longer, but at most half the span) grows, with 95 % confidence, at under the gate.
 */
static void judge_tail(const struct fit_blocks *b, struct shape *s, double gate_per_s)
{
	double len = fmin(fmax(0.25 * s->span, 2 * s->longest_gap), 0.5 * s->span);
	size_t from = block_at(b, b->x[b->m - 1] - len);
	struct fit_blocks t = { .m = 0 };
	struct fit_result f;

	s->tail = len;
	s->tail_grows = s->rises > 0 && s->last_rise_x >= b->x[from];
	if (!(s->rises > 0 || b->y[b->m - 1] > b->y[0]))
		return;
	for (size_t i = from; i < b->m; i++, t.m++) {
		t.x[t.m] = b->x[i];
		t.y[t.m] = b->y[i];
	}
	t.n = t.m;
	if (fit_points(&t, 0, &f) < 0)
		return;
	s->stopped = f.ols.hi < (gate_per_s > 0 ? gate_per_s : 0);
	s->tail_grows = f.ols.lo > 0;
}

/* The lowest block of each of k equal stretches of b into t. */
static void stretch_minima(const struct fit_blocks *b, size_t k, struct fit_blocks *t)
{
	t->m = 0;
	for (size_t j = 0; j < k; j++) {
		size_t lo = j * b->m / k, hi = (j + 1) * b->m / k, low = lo;
		for (size_t i = lo + 1; i < hi; i++)
			if (b->y[i] < b->y[low])
				low = i;
		t->x[t->m] = b->x[low];
		t->y[t->m++] = b->y[low];
	}
}

/*
 * The lowest block between one fall of more than a step and the next into t: the troughs a
 * collector leaves, however irregular its cycle.  Returns how many, or 0 unless the series
 * saws: between falls it climbs block by block (two thirds of its changes up), as garbage
 * piles up; level shifts, which also fall, sit flat between their jumps.
 */
static size_t fall_minima(const struct fit_blocks *b, const struct shape *s,
			  struct fit_blocks *t)
{
	size_t low = SIZE_MAX, changes = 0, ups = 0;

	t->m = 0;
	for (size_t i = 1; i < b->m; i++) {
		if (b->y[i - 1] - b->y[i] > s->step) {
			if (low != SIZE_MAX) {
				t->x[t->m] = b->x[low];
				t->y[t->m++] = b->y[low];
			}
			low = i;
			continue;
		}
		if (low == SIZE_MAX)
			continue;
		changes++;
		ups += b->y[i] > b->y[i - 1];
		if (b->y[i] < b->y[low])
			low = i;
	}
	if (low != SIZE_MAX) {
		t->x[t->m] = b->x[low];
		t->y[t->m++] = b->y[low];
	}
	return ups * 3 >= changes * 2 ? t->m : 0;
}

/*
 * Each trough's level from the samples themselves: the least sample from a block and a half
 * before it (the block the fall landed in, whose median is a mix of top and bottom) to half a
 * block after.  The lowest block median sits part of the way up a sawtooth's climb, a level
 * that wobbles with where the collection fell in the block; the least sample is the floor the
 * collector returned to, which makes five cycles enough to see a floor rise.
 */
static void troughs_from_samples(const struct shape_samples *raw, const struct fit_blocks *b,
				 struct fit_blocks *t)
{
	double half = b->m > 1 ? (b->x[b->m - 1] - b->x[0]) / (double)(b->m - 1) / 2 : 0;
	size_t i = 0, kept = 0;

	for (size_t k = 0; k < t->m; k++) {
		/* A trough whose stretch the window cuts has fewer samples to be least of, so
		 * it sits higher: at the end that would read as a rise. */
		if (raw->n == 0 || t->x[k] - 3 * half < raw->t[0] ||
		    t->x[k] + half > raw->t[raw->n - 1])
			continue;
		while (i < raw->n && !(raw->t[i] >= t->x[k] - 3 * half))
			i++;
		double low = t->y[k];
		for (size_t j = i; j < raw->n && raw->t[j] <= t->x[k] + half; j++)
			if (isfinite(raw->y[j]) && raw->y[j] < low)
				low = raw->y[j];
		t->x[kept] = t->x[k];
		t->y[kept++] = low;
	}
	t->m = kept;
}

/* The lower envelope: troughs after falls when there are enough, else stretch minima. */
static void fit_troughs(const struct fit_blocks *b, const struct shape_samples *raw,
			struct shape *s)
{
	struct fit_blocks t = { .m = 0 };
	size_t k = (size_t)(s->span / TROUGH_MIN_S);

	int cycles = fall_minima(b, s, &t) >= SHAPE_MIN_TROUGHS;
	struct fit_result medians;
	s->troughs_median_p = cycles && fit_points(&t, 1, &medians) == 0 ? medians.trend_p : 1;
	if (cycles && raw) {
		troughs_from_samples(raw, b, &t);
		cycles = t.m >= SHAPE_MIN_TROUGHS;
	}

	s->cycles = cycles ? t.m : 0;
	if (!cycles) {
		k = k > TROUGH_MAX ? TROUGH_MAX : k;
		if (k < SHAPE_MIN_TROUGHS)
			return;
		stretch_minima(b, k, &t);
	}
	t.n = t.m;
	s->troughs_fitted = fit_points(&t, cycles, &s->troughs) == 0;
}

void shape_analyse(const struct fit_blocks *b, const struct shape_samples *raw,
		   double gate_per_s, struct shape *out)
{
	memset(out, 0, sizeof(*out));
	out->last_rise_x = NAN;
	if (b->m < 4)
		return;
	size_t nseg = b->m / 3;
	out->segments = nseg < SHAPE_MIN_SEGMENTS ? SHAPE_MIN_SEGMENTS :
			nseg > SHAPE_MAX_SEGMENTS ? SHAPE_MAX_SEGMENTS : nseg;
	out->span = b->x[b->m - 1] - b->x[0];
	double typical;
	out->noise = change_noise(b, &typical);
	out->step = fmax(3 * out->noise, gate_per_s > 0 ? gate_per_s * out->span / 20 : 0);
	count_rises(b, out);
	out->staircase = out->rises >= 2 && typical <= out->mean_rise / 10;
	measure_falls(b, out);
	read_floors(b, out);
	out->climbs = out->floors_rise && out->floor_last > out->ceil_first + out->step &&
		      out->rises >= SHAPE_MIN_RISES &&
		      out->max_rise <= 0.6 * out->mean_rise * out->rises &&
		      out->max_fall <= (out->floor_last - out->floor_first) / 2;
	judge_tail(b, out, gate_per_s);
	size_t t1 = block_at(b, b->x[0] + out->span / 3), t2 = block_at(b, b->x[0] + 2 * out->span / 3);
	double early = fmax(ols_slope(b, 0, t1), ols_slope(b, t1, t2));
	out->slowing = (early > 0 && ols_slope(b, t2, b->m) < early / 2) ||
		       bends_down(b);
	fit_troughs(b, raw, out);
}
