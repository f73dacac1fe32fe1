/*
 * warmup — the end of a start-up transient by MSER on detrended batches (see warmup.h).
 *
 * Choices a reader may want to check:
 *   - MSER (White 1997) minimises the variance of what is kept divided by how much is kept,
 *     SSE_d / (m - d)^2: cutting more pays only when it removes more variance than the shorter
 *     series loses in precision.  Hoad, Robinson and Davies (2010) found MSER-5 the most
 *     reliable of the automatic rules for simulation output; the batches here are the fit's
 *     block medians, five samples each.
 *   - SSE_d is measured about the OLS line of blocks [d, m) with m - d - 2 degrees of freedom,
 *     so linear growth is no transient; running sums from the end make every d O(1).
 *   - A cut must lower the statistic by MIN_GAIN against keeping everything: a flat or
 *     sawing series has its minimum wherever its noise happens to dip, and a window moved for
 *     nothing only costs precision.
 *   - Only growth that slows is start-up: the part cut must have grown at more than SLOWER
 *     times the rate of what is kept.  A leak whose steps (allocator arenas, a map doubling)
 *     bend a straight line a little would otherwise lose its first stretch for nothing.
 *   - The cut is capped at half the window (the literature's usual guard, since the statistic
 *     is unstable where few batches remain), and a window of fewer than WARMUP_MIN_BLOCKS
 *     batches (12 s at 10 Hz) is never cut: on a short window the statistic's minimum is
 *     wherever a sawtooth or a wandering series happens to sit, and a cut there only loses
 *     precision.
 */
#include "judge/warmup.h"

#include <math.h>
#include <string.h>

#define WARMUP_MIN_BLOCKS 24
#define WARMUP_MIN_ONSET_BLOCKS 8
#define MIN_GAIN 0.7
#define SLOWER 2.0

struct sums {
	double n, x, y, xx, xy, yy;
};

/* Residual sum of squares about the least-squares line of the points in s. */
static double residual_ss(const struct sums *s)
{
	double sxx = s->xx - s->x * s->x / s->n, sxy = s->xy - s->x * s->y / s->n;
	double syy = s->yy - s->y * s->y / s->n;
	double sse = sxx > 0 ? syy - sxy * sxy / sxx : syy;

	return sse > 0 ? sse : 0;
}

/* Least-squares slope of blocks [from, to); 0 with fewer than 3. */
static double slope_of(const struct fit_blocks *b, size_t from, size_t to)
{
	struct sums s = { 0 };

	if (to < from + 3)
		return 0;
	for (size_t k = from; k < to; k++) {
		double x = b->x[k] - b->x[from], y = b->y[k] - b->y[from];
		s.n += 1;
		s.x += x;
		s.y += y;
		s.xx += x * x;
		s.xy += x * y;
	}
	double sxx = s.xx - s.x * s.x / s.n;
	return sxx > 0 ? (s.xy - s.x * s.y / s.n) / sxx : 0;
}

/* What is cut grew, at more than SLOWER times the rate of what is kept. */
static int slows_at(const struct fit_blocks *b, size_t d)
{
	double before = slope_of(b, 0, d), after = slope_of(b, d, b->m);

	return before > 0 && before > SLOWER * fmax(after, 0);
}

void warmup_detect(const struct fit_blocks *b, struct warmup *out)
{
	struct sums s = { 0 };
	size_t m = b->m, cap = m / 2, best = 0;
	double stat[FIT_MAX_BLOCKS];

	memset(out, 0, sizeof(*out));
	out->start_x = m ? b->x[0] : NAN;
	if (m < WARMUP_MIN_BLOCKS)
		return;
	/* Centre x and y so the running sums keep their precision over long soaks. */
	double x0 = b->x[0], y0 = b->y[0];
	for (size_t k = m; k-- > 0;) {
		double x = b->x[k] - x0, y = b->y[k] - y0;
		s.n += 1;
		s.x += x;
		s.y += y;
		s.xx += x * x;
		s.xy += x * y;
		s.yy += y * y;
		if (k <= cap)
			stat[k] = residual_ss(&s) / ((s.n - 2) * s.n);
	}
	for (size_t d = 1; d <= cap; d++)
		if (stat[d] < stat[best])
			best = d;
	if (best == 0 || !(stat[best] < MIN_GAIN * stat[0]) || !slows_at(b, best))
		return;
	out->start_block = best;
	out->start_x = (b->x[best - 1] + b->x[best]) / 2;
	out->capped = best == cap;
}

/*
 * The hinge h(x) = max(0, x - x_k) as the one regressor beside the intercept: SSE_k is what
 * the best flat-then-straight line through the blocks leaves, for each bend k.
 */
double warmup_onset(const struct fit_blocks *b)
{
	size_t m = b->m, best = 0;
	double best_sse = INFINITY;

	if (m < WARMUP_MIN_ONSET_BLOCKS)
		return m ? b->x[0] : NAN;
	double my = 0;
	for (size_t i = 0; i < m; i++)
		my += b->y[i] / (double)m;
	for (size_t k = 0; k + 4 < m; k++) {
		double mh = 0, shh = 0, shy = 0, syy = 0;
		for (size_t i = k; i < m; i++)
			mh += (b->x[i] - b->x[k]) / (double)m;
		for (size_t i = 0; i < m; i++) {
			double h = (i > k ? b->x[i] - b->x[k] : 0) - mh, y = b->y[i] - my;
			shh += h * h;
			shy += h * y;
			syy += y * y;
		}
		double sse = shh > 0 ? syy - shy * shy / shh : syy;
		if (sse < best_sse && shy > 0) {
			best_sse = sse;
			best = k;
		}
	}
	return b->x[best];
}
