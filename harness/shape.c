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
 *   - A climb never gives back more than half of what it gained (largest fall against the
 *     rise of the floors): random bursts that happen to step up three times in a row have
 *     usually fallen somewhere in between; a leak's staircase has not.
 *   - Segments: between 4 and 8, about three blocks each.  The floor of a segment is its
 *     lowest block median, so a collected heap's floor is its troughs.
 *   - Troughs: the span is cut into stretches of at least 2 s and one and a half of the
 *     collector's cycles (the median time between falls of more than a step), at most 30, and
 *     the lowest block of each is one point of the lower envelope, at its own x.  A sawtooth whose
 *     cycle fits in a stretch gives one trough per stretch, so the envelope's fit sees the floor
 *     rise (or not) without the cycle's amplitude drowning it, as it drowns the medians.
 */
#include "shape.h"

#include <math.h>
#include <string.h>

#define SHAPE_MIN_SEGMENTS 4
#define SHAPE_MAX_SEGMENTS 8
#define MAD_TO_SD 1.4826
#define TROUGH_MIN_S 2.0
#define TROUGH_MAX 30

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

	s->first_rise_x = s->last_rise_x = NAN;
	for (size_t i = 1; i < b->m; i++) {
		if (!(b->y[i] > level + s->step))
			continue;
		level = b->y[i];
		if (s->rises++ == 0)
			s->first_rise_x = b->x[i];
		else if (b->x[i] - prev_x > s->longest_gap)
			s->longest_gap = b->x[i] - prev_x;
		prev_x = s->last_rise_x = b->x[i];
	}
	s->tail = b->x[b->m - 1] - (s->rises ? s->last_rise_x : b->x[0]);
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
	if (fit_points(&t, &f) < 0)
		return;
	s->stopped = f.ols.hi < (gate_per_s > 0 ? gate_per_s : 0);
	s->tail_grows = f.ols.lo > 0;
}

/*
 * The collector's cycle, from the falls: the median time between block-to-block drops of more
 * than a step.  0 with fewer than three falls.
 */
static double cycle_of(const struct fit_blocks *b, const struct shape *s)
{
	double gaps[FIT_MAX_BLOCKS], last = NAN;
	size_t k = 0;

	for (size_t i = 1; i < b->m; i++) {
		if (!(b->y[i - 1] - b->y[i] > s->step))
			continue;
		if (!isnan(last))
			gaps[k++] = b->x[i] - last;
		last = b->x[i];
	}
	return k >= 2 ? fit_median(gaps, k) : 0;
}

/* The lower envelope: the lowest block of each stretch, fitted. */
static void fit_troughs(const struct fit_blocks *b, struct shape *s)
{
	struct fit_blocks t = { .m = 0 };
	double stretch = fmax(TROUGH_MIN_S, cycle_of(b, s));
	size_t k = (size_t)(s->span / stretch);

	k = k > TROUGH_MAX ? TROUGH_MAX : k;
	if (k < 4)
		return;
	for (size_t j = 0; j < k; j++) {
		size_t lo = j * b->m / k, hi = (j + 1) * b->m / k, low = lo;
		for (size_t i = lo + 1; i < hi; i++)
			if (b->y[i] < b->y[low])
				low = i;
		t.x[t.m] = b->x[low];
		t.y[t.m++] = b->y[low];
	}
	t.n = t.m;
	s->troughs_fitted = fit_points(&t, &s->troughs) == 0;
}

void shape_analyse(const struct fit_blocks *b, double gate_per_s, struct shape *out)
{
	memset(out, 0, sizeof(*out));
	out->first_rise_x = out->last_rise_x = NAN;
	if (b->m < 4)
		return;
	size_t nseg = b->m / 3;
	out->segments = nseg < SHAPE_MIN_SEGMENTS ? SHAPE_MIN_SEGMENTS :
			nseg > SHAPE_MAX_SEGMENTS ? SHAPE_MAX_SEGMENTS : nseg;
	out->span = b->x[b->m - 1] - b->x[0];
	double typical;
	out->noise = change_noise(b, &typical);
	out->step = fmax(3 * out->noise, gate_per_s > 0 ? gate_per_s * out->span / 20 : 0);
	out->staircase = typical <= out->step / 10;
	count_rises(b, out);
	measure_falls(b, out);
	read_floors(b, out);
	out->climbs = out->floors_rise && out->floor_last > out->ceil_first + out->step &&
		      out->rises >= SHAPE_MIN_RISES &&
		      out->max_fall <= (out->floor_last - out->floor_first) / 2;
	judge_tail(b, out, gate_per_s);
	fit_troughs(b, out);
}
