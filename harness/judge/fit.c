/*
 * fit — growth slopes of a noisy, autocorrelated series (see fit.h for the method).
 *
 * The statistics all run on m <= FIT_MAX_BLOCKS block medians, never on the raw samples:
 * forming the blocks is the only O(n) step, and everything quadratic (pairwise slopes,
 * Kendall's S, the rank autocorrelations) is bounded by m.
 *
 * Choices a reader may want to check:
 *   - Blocks cover equal spans of x.  When a gap in x leaves fewer than 4 of them occupied,
 *     the blocks hold equal numbers of points instead, so a run with a long pause still fits.
 *   - Lag-1 autocorrelations get the small-sample bias correction r1 + (1 + 3 r1) / m before
 *     they are clamped to [0, 0.95]: on 50 blocks of AR(1) noise the raw estimate is low enough
 *     to double the false-positive rate.
 *   - OLS: the residual variance is divided by n_eff - 2 rather than m - 2 and the Student t
 *     quantile uses n_eff - 2 degrees of freedom, n_eff = m (1 - r1) / (1 + r1) with r1 of the
 *     residuals (Santer et al. 2000).  n_eff - 2 is floored at 1 degree of freedom so the
 *     interval stays finite.  fit_result.n_eff reports this n_eff.
 *   - Mann–Kendall: Var(S) has the ties term, then the Hamed–Rao (1998) factor from the
 *     autocorrelations of the ranks of the Sen-detrended series, keeping the lags significant
 *     at 5 %.  With a few dozen blocks the significance filter drops the many moderate lags of
 *     a slowly decaying autocorrelation, and the test rejected 8-12 % of flat AR(1) series at
 *     alpha 0.01; so the factor is floored by the AR(1) factor (1 + r1) / (1 - r1) of the same
 *     ranks, which extrapolates lag 1 to all lags (back to ~1 % on the same series).  It is
 *     also floored at 1: negative autocorrelation estimated from a few dozen points is never
 *     allowed to make the test bolder than for independent data.
 *   - Theil–Sen's interval (Sen 1968) uses the same corrected Var(S), so the interval and the
 *     trend test agree on how much independent information the series holds.
 *   - p is P(S >= S_observed) with a continuity correction, so S <= 0 gives p >= 0.5 and a
 *     series with no variance at all (every block tied) gives p = 1.
 */
#include "judge/fit.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/vec.h"

#define FIT_MIN_POINTS 4
#define POINTS_PER_BLOCK 5
#define MIN_BLOCKS 12
#define R1_MAX 0.95
#define Z_975 1.959963984540054		/* standard normal quantile at 0.975 */

/* ---------------------------------------------------------------- order statistics */

static void swap_d(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

static double median3(double a, double b, double c)
{
	if (a > b)
		swap_d(&a, &b);
	if (b > c)
		swap_d(&b, &c);
	return a > b ? a : b;
}

/*
 * The k-th smallest of v[0..n) (Wirth's selection, median-of-three pivot): afterwards
 * v[0..k) <= v[k] <= v(k..n).  Expected O(n); runs of equal values (integer-valued series)
 * split evenly because both scans stop on elements equal to the pivot.
 */
static double kth_smallest(double *v, size_t n, size_t k)
{
	ptrdiff_t l = 0, r = (ptrdiff_t)n - 1, kk = (ptrdiff_t)k;

	while (l < r) {
		double pivot = median3(v[l], v[l + (r - l) / 2], v[r]);
		ptrdiff_t i = l, j = r;

		do {
			while (v[i] < pivot)
				i++;
			while (pivot < v[j])
				j--;
			if (i <= j) {
				swap_d(&v[i], &v[j]);
				i++;
				j--;
			}
		} while (i <= j);
		if (j < kk)
			l = i;
		if (kk < i)
			r = j;
	}
	return v[kk];
}

double fit_median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	double hi = kth_smallest(v, n, n / 2);
	if (n % 2)
		return hi;
	/* After the selection the lower middle is the largest value left of n/2. */
	double lo = v[0];
	for (size_t i = 1; i < n / 2; i++)
		if (v[i] > lo)
			lo = v[i];
	return (lo + hi) / 2;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The order statistic of v[0..n) at a fractional 0-based rank, interpolating linearly between
 * neighbours and clamped to [0, n-1]; reorders v.  Selection, not sorting: O(n) per call.
 */
static double order_stat(double *v, size_t n, double rank)
{
	if (rank <= 0)
		rank = 0;
	if (rank >= (double)(n - 1))
		rank = (double)(n - 1);
	size_t i = (size_t)rank;
	double f = rank - (double)i, lo = kth_smallest(v, n, i), hi = lo;
	if (f == 0)
		return lo;
	/* Everything right of i is >= v[i] now; the next order statistic is its minimum. */
	hi = v[i + 1];
	for (size_t j = i + 2; j < n; j++)
		if (v[j] < hi)
			hi = v[j];
	return lo + f * (hi - lo);
}

/* ---------------------------------------------------------------- distributions */

/*
 * Upper 0.975 quantile of Student's t with df >= 1 degrees of freedom (df need not be an
 * integer).  Hill (1970), ACM algorithm 396, at two-sided probability 0.05, without R's
 * extra Taylor step.  Checked against numerical integration of the density: exact at df = 1,
 * within 0.1 % from df = 1.9 and 1e-5 from df = 2.5 on; just above df = 1 it is up to 13 %
 * too large, which only widens intervals that are already enormous.
 */
static double t_quantile_975(double df)
{
	const double p2 = 0.05, x_norm = -Z_975;

	if (df < 1 + 1e-9)
		return tan(M_PI_2 * (1 - p2));
	double a = 1 / (df - 0.5);
	double b = 48 / (a * a);
	double c = ((20700 * a / b - 98) * a - 16) * a + 96.36;
	double d = ((94.5 / (b + c) - 3) / b + 1) * sqrt(a * M_PI_2) * df;
	double y = pow(d * p2, 2 / df);

	if (y > 0.05 + a) {
		double x = x_norm;
		y = x * x;
		if (df < 5)
			c += 0.3 * (df - 4.5) * (x + 0.6);
		c = (((0.05 * d * x - 5) * x - 7) * x - 2) * x + b + c;
		y = (((((0.4 * y + 6.3) * y + 36) * y + 94.5) / c - y - 3) / b + 1) * x;
		y = expm1(a * y * y);
	} else {
		y = ((1 / (((df + 6) / (df * y) - 0.089 * d - 0.822) * (df + 2) * 3) +
		      0.5 / (df + 4)) * y - 1) * (df + 1) / (df + 2) + 1 / y;
	}
	return sqrt(df * y);
}

/*
 * Regularised incomplete beta I_x(a, b) by its continued fraction (modified Lentz), the form
 * that converges for x < (a + 1) / (a + b + 2); the other side comes from the symmetry
 * I_x(a, b) = 1 - I_{1-x}(b, a).
 */
static double beta_cf(double x, double a, double b)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1);

	d = 1 / (fabs(d) < tiny ? tiny : d);
	double h = d;
	for (int m = 1; m <= 300; m++) {
		for (int odd = 0; odd < 2; odd++) {
			double num = odd ? -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
				      : m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
			d = 1 + num * d;
			d = 1 / (fabs(d) < tiny ? tiny : d);
			c = 1 + num / c;
			c = fabs(c) < tiny ? tiny : c;
			h *= d * c;
			if (odd && fabs(d * c - 1) < 1e-12)
				return h;
		}
	}
	return h;
}

static double incomplete_beta(double x, double a, double b)
{
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(x, a, b) / a;
	return 1 - front * beta_cf(1 - x, b, a) / b;
}

/* P(T > t) for Student's t with df degrees of freedom. */
static double t_upper(double t, double df)
{
	double tail = 0.5 * incomplete_beta(df / (df + t * t), df / 2, 0.5);

	return t > 0 ? tail : 1 - tail;
}

/* ---------------------------------------------------------------- block medians */


/*
 * Walks the usable points: finite x and y, x above the last usable x.  The last rule only
 * matters when a caller breaks the "strictly increasing" contract; it keeps every pass over
 * the data seeing the same points in the same order.
 */
struct cursor {
	const double *x, *y;
	size_t n, i, k;		/* next raw index; usable points returned so far */
	double last_x;
};

static void cursor_init(struct cursor *c, const double *x, const double *y, size_t n)
{
	*c = (struct cursor){ .x = x, .y = y, .n = n, .last_x = -INFINITY };
}

static int cursor_next(struct cursor *c, double *x, double *y)
{
	while (c->i < c->n) {
		double xi = c->x[c->i], yi = c->y[c->i];
		c->i++;
		if (!isfinite(xi) || !isfinite(yi) || !(xi > c->last_x))
			continue;
		c->last_x = *x = xi;
		*y = yi;
		c->k++;
		return 1;
	}
	return 0;
}

struct layout {
	int by_count;		/* 0: equal spans of x; 1: equal numbers of points */
	size_t m, n;		/* blocks wanted, usable points */
	double x0, span, scale;	/* first usable x, last - first, m / span */
};

/* Block of the k-th usable point, at x; never decreases along the walk. */
static size_t block_of(const struct layout *L, size_t k, double x)
{
	size_t b;

	if (L->by_count)
		b = k * L->m / L->n;
	else
		b = (size_t)((x - L->x0) * L->scale);
	return b < L->m ? b : L->m - 1;
}

static size_t blocks_wanted(size_t n)
{
	size_t m = n / POINTS_PER_BLOCK;

	if (m > FIT_MAX_BLOCKS)
		m = FIT_MAX_BLOCKS;
	if (m < MIN_BLOCKS)
		m = n < MIN_BLOCKS ? n : MIN_BLOCKS;
	return m;
}

/* The points of the block being filled; grows as needed. */
struct scratch {
	double *x, *y;
	size_t len, cap_x, cap_y;
};

static int scratch_push(struct scratch *s, double x, double y)
{
	double *nx = vec_grow(s->x, &s->cap_x, s->len + 1, sizeof(*nx)), *ny;

	if (!nx)
		return -1;
	s->x = nx;
	if (!(ny = vec_grow(s->y, &s->cap_y, s->len + 1, sizeof(*ny))))
		return -1;
	s->y = ny;
	s->x[s->len] = x;
	s->y[s->len++] = y;
	return 0;
}

/* Median x (x is sorted within a block) and median y of the scratch block into b. */
static void close_block(struct fit_blocks *b, struct scratch *s)
{
	size_t len = s->len;

	b->x[b->m] = len % 2 ? s->x[len / 2] : (s->x[len / 2 - 1] + s->x[len / 2]) / 2;
	b->y[b->m] = fit_median(s->y, len);
	b->m++;
	s->len = 0;
}

/* Fill b with the medians of the occupied blocks under L.  0, or -1 when out of memory. */
static int fill_blocks(const struct layout *L, const double *x, const double *y, size_t n,
		       struct scratch *s, struct fit_blocks *b)
{
	struct cursor c;
	double xi, yi;
	size_t cur = 0;

	b->m = 0;
	s->len = 0;
	cursor_init(&c, x, y, n);
	while (cursor_next(&c, &xi, &yi)) {
		size_t blk = block_of(L, c.k - 1, xi);
		if (blk != cur && s->len)
			close_block(b, s);
		cur = blk;
		if (scratch_push(s, xi, yi) < 0)
			return -1;
	}
	if (s->len)
		close_block(b, s);
	return 0;
}

/* Reduce the series to block medians.  0, or -1 when out of memory (message printed). */
static int make_blocks(const double *x, const double *y, size_t n, struct fit_blocks *b)
{
	struct layout L = { 0 };
	struct scratch s = { 0 };
	struct cursor c;
	double xi, yi;
	int ret;

	b->m = b->n = 0;
	cursor_init(&c, x, y, n);
	while (cursor_next(&c, &xi, &yi)) {
		if (c.k == 1)
			L.x0 = xi;
		L.span = xi - L.x0;
	}
	b->n = L.n = c.k;
	if (L.n < FIT_MIN_POINTS)
		return 0;
	L.m = blocks_wanted(L.n);
	L.scale = (double)L.m / L.span;
	ret = fill_blocks(&L, x, y, n, &s, b);
	if (ret == 0 && b->m < FIT_MIN_POINTS) {
		L.by_count = 1;
		ret = fill_blocks(&L, x, y, n, &s, b);
	}
	if (ret < 0)
		diag_error("out of memory fitting %zu samples", L.n);
	free(s.x);
	free(s.y);
	return ret;
}

/* ---------------------------------------------------------------- OLS */

/*
 * Lag-1 autocorrelation of the centred series e[0..m), clamped to [0, R1_MAX].  The estimate
 * from a few dozen points is biased low by about (1 + 3 r) / m (Marriott and Pope 1954), and
 * low means intervals too narrow, so the bias is added back before clamping.
 */
static double lag1_autocorrelation(const double *e, size_t m)
{
	double num = 0, den = 0;

	for (size_t i = 0; i < m; i++) {
		den += e[i] * e[i];
		if (i + 1 < m)
			num += e[i] * e[i + 1];
	}
	if (den <= 0)
		return 0;
	double r1 = num / den;
	r1 += (1 + 3 * r1) / (double)m;
	return r1 < 0 ? 0 : r1 > R1_MAX ? R1_MAX : r1;
}

/*
 * OLS on the blocks, its interval widened for lag-1 autocorrelation of the residuals unless the
 * points are independent, and the one-sided p of "the slope is not above zero" at the same
 * degrees of freedom.
 */
static void fit_ols(const struct fit_blocks *b, int independent, struct fit_line *ln,
		    double *n_eff, double *p)
{
	size_t m = b->m;
	double mx = 0, my = 0, sxx = 0, sxy = 0, sse = 0, e[FIT_MAX_BLOCKS];

	for (size_t i = 0; i < m; i++) {
		mx += b->x[i];
		my += b->y[i];
	}
	mx /= (double)m;
	my /= (double)m;
	for (size_t i = 0; i < m; i++) {
		sxx += (b->x[i] - mx) * (b->x[i] - mx);
		sxy += (b->x[i] - mx) * (b->y[i] - my);
	}
	ln->slope = sxy / sxx;
	ln->intercept = my - ln->slope * mx;
	for (size_t i = 0; i < m; i++) {
		e[i] = b->y[i] - (my + ln->slope * (b->x[i] - mx));
		sse += e[i] * e[i];
	}
	double r1 = independent ? 0 : lag1_autocorrelation(e, m);
	*n_eff = (double)m * (1 - r1) / (1 + r1);
	double df = *n_eff - 2 < 1 ? 1 : *n_eff - 2;
	double se = sqrt(sse / df / sxx);
	double half = t_quantile_975(df) * se;
	ln->lo = ln->slope - half;
	ln->hi = ln->slope + half;
	*p = se > 0 ? t_upper(ln->slope / se, df) : ln->slope > 0 ? 0 : 1;
}

/* ---------------------------------------------------------------- Mann–Kendall */

static int sign_of(double d)
{
	return (d > 0) - (d < 0);
}

static double kendall_s(const double *y, size_t m)
{
	long s = 0;

	for (size_t i = 0; i < m; i++)
		for (size_t j = i + 1; j < m; j++)
			s += sign_of(y[j] - y[i]);
	return (double)s;
}

/* Var(S) under no trend, with the correction for tied groups of y. */
static double kendall_var(const double *y, size_t m)
{
	double v[FIT_MAX_BLOCKS], nn = (double)m;
	double var = nn * (nn - 1) * (2 * nn + 5);

	memcpy(v, y, m * sizeof(*v));
	qsort(v, m, sizeof(*v), cmp_double);
	for (size_t i = 0; i < m;) {
		size_t j = i + 1;
		while (j < m && v[j] == v[i])
			j++;
		double t = (double)(j - i);
		var -= t * (t - 1) * (2 * t + 5);
		i = j;
	}
	return var / 18;
}

struct ranked {
	double v;
	size_t i;
};

static int cmp_ranked(const void *a, const void *b)
{
	return cmp_double(&((const struct ranked *)a)->v, &((const struct ranked *)b)->v);
}

/* Ranks (1-based, ties share their average rank) of v[0..m) into rank. */
static void average_ranks(const double *v, size_t m, double *rank)
{
	struct ranked r[FIT_MAX_BLOCKS];

	for (size_t i = 0; i < m; i++)
		r[i] = (struct ranked){ v[i], i };
	qsort(r, m, sizeof(*r), cmp_ranked);
	for (size_t i = 0; i < m;) {
		size_t j = i + 1;
		while (j < m && r[j].v == r[i].v)
			j++;
		double avg = (double)(i + j + 1) / 2;
		for (size_t k = i; k < j; k++)
			rank[r[k].i] = avg;
		i = j;
	}
}

/*
 * Variance factor n/n* for Var(S): Hamed–Rao, from the autocorrelations of the ranks of
 * y - slope x at the lags where they are significant at 5 %, floored by the AR(1) factor
 * (1 + r1) / (1 - r1) of the same ranks and by 1 (see the top of the file).
 */
static double hamed_rao_factor(const struct fit_blocks *b, double slope)
{
	size_t m = b->m;
	double d[FIT_MAX_BLOCKS], rank[FIT_MAX_BLOCKS], mean = (double)(m + 1) / 2, den = 0;
	double nn = (double)m, bound = Z_975 / sqrt(nn), sum = 0;

	for (size_t i = 0; i < m; i++)
		d[i] = b->y[i] - slope * b->x[i];
	average_ranks(d, m, rank);
	for (size_t i = 0; i < m; i++) {
		rank[i] -= mean;
		den += rank[i] * rank[i];
	}
	if (den <= 0)
		return 1;
	for (size_t k = 1; k + 2 < m; k++) {
		double num = 0;
		for (size_t i = 0; i + k < m; i++)
			num += rank[i] * rank[i + k];
		double rk = num / den, kk = (double)k;
		if (fabs(rk) > bound)
			sum += (nn - kk) * (nn - kk - 1) * (nn - kk - 2) * rk;
	}
	double factor = 1 + 2 * sum / (nn * (nn - 1) * (nn - 2));
	double r1 = lag1_autocorrelation(rank, m), ar1 = (1 + r1) / (1 - r1);
	return factor > ar1 ? factor : ar1;
}

/* ---------------------------------------------------------------- Theil–Sen */

/* Pairwise slopes of the blocks into a new array of m(m-1)/2; NULL when out of memory. */
static double *pairwise_slopes(const struct fit_blocks *b, size_t *n_pairs)
{
	size_t m = b->m, k = 0;
	double *s = malloc(m * (m - 1) / 2 * sizeof(*s));

	if (!s)
		return NULL;
	for (size_t i = 0; i < m; i++)
		for (size_t j = i + 1; j < m; j++)
			s[k++] = (b->y[j] - b->y[i]) / (b->x[j] - b->x[i]);
	*n_pairs = k;
	return s;
}

static double theil_sen_intercept(const struct fit_blocks *b, double slope)
{
	double r[FIT_MAX_BLOCKS];

	for (size_t i = 0; i < b->m; i++)
		r[i] = b->y[i] - slope * b->x[i];
	return fit_median(r, b->m);
}

/*
 * Trend test, Theil–Sen line and its Sen interval on the blocks.  0, or -1 when out of
 * memory (message printed).
 */
static int fit_trend(const struct fit_blocks *b, int independent, struct fit_result *out)
{
	size_t n_pairs;
	double *slopes = pairwise_slopes(b, &n_pairs);
	struct fit_line *ts = &out->theil_sen;

	if (!slopes)
		return diag_error("out of memory fitting %zu blocks", b->m);
	ts->slope = order_stat(slopes, n_pairs, ((double)n_pairs - 1) / 2);
	ts->intercept = theil_sen_intercept(b, ts->slope);

	double s = kendall_s(b->y, b->m);
	double var = kendall_var(b->y, b->m) * (independent ? 1 : hamed_rao_factor(b, ts->slope));
	out->kendall_tau = s / (double)n_pairs;
	out->trend_p = var > 0 ? 0.5 * erfc((s - 1) / sqrt(2 * var)) : 1;

	/* Sen: the bounds are the slopes of 1-based ranks (N - C)/2 and (N + C)/2 + 1. */
	double c = Z_975 * sqrt(var), nn = (double)n_pairs;
	ts->lo = order_stat(slopes, n_pairs, (nn - c) / 2 - 1);
	ts->hi = order_stat(slopes, n_pairs, (nn + c) / 2);
	free(slopes);
	return 0;
}

/* ---------------------------------------------------------------- entry point */

static void fit_zero(struct fit_result *out)
{
	memset(out, 0, sizeof(*out));
	out->trend_p = out->ols_p = 1;
}

int fit_points(const struct fit_blocks *b, int independent, struct fit_result *out)
{
	fit_zero(out);
	if (b->m < FIT_MIN_POINTS)
		return -1;
	fit_ols(b, independent, &out->ols, &out->n_eff, &out->ols_p);
	if (fit_trend(b, independent, out) < 0) {
		fit_zero(out);
		return -1;
	}
	out->n = b->n;
	out->blocks = b->m;
	out->y_first = b->y[0];
	out->y_last = b->y[b->m - 1];
	return 0;
}

int fit_series_blocks(const double *x, const double *y, size_t n, struct fit_result *out,
		      struct fit_blocks *b)
{
	fit_zero(out);
	b->m = b->n = 0;
	if (make_blocks(x, y, n, b) < 0 || fit_points(b, 0, out) < 0) {
		b->m = 0;
		return -1;
	}
	return 0;
}

int fit_series(const double *x, const double *y, size_t n, struct fit_result *out)
{
	struct fit_blocks b;

	return fit_series_blocks(x, y, n, out, &b);
}
