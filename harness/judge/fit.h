/*
 * fit — growth slopes of a noisy, autocorrelated series, with honest uncertainty.
 *
 * RSS sampled at 10 Hz is neither independent nor normal: allocators and garbage collectors
 * free in waves (sawtooth), caches fill (plateaus), bursts arrive (steps).  Naive confidence
 * intervals on raw samples are far too narrow.  fit_series therefore:
 *   - reduces the series to the medians of consecutive time blocks (bounded count), which
 *     damps sawtooth and outliers and makes the points closer to independent;
 *   - fits OLS and Theil–Sen on the block medians, with confidence intervals widened for the
 *     remaining lag-1 autocorrelation (effective sample size);
 *   - runs a Mann–Kendall trend test with the Hamed–Rao autocorrelation-corrected variance.
 * Cost is O(n) to form blocks plus O(m^2 log m) on m <= FIT_MAX_BLOCKS blocks, so a 24 h soak
 * at 10 Hz (864k samples) fits in milliseconds.
 */
#ifndef LEAKSOAK_FIT_H
#define LEAKSOAK_FIT_H

#include <stddef.h>

#define FIT_MAX_BLOCKS 240

/* The block medians a fit ran on: x ascending, m <= FIT_MAX_BLOCKS, from n usable points. */
struct fit_blocks {
	double x[FIT_MAX_BLOCKS];
	double y[FIT_MAX_BLOCKS];
	size_t m;
	size_t n;
};

struct fit_line {
	double slope;		/* y units per x unit */
	double lo, hi;		/* 95 % confidence interval of the slope */
	double intercept;	/* y at x = 0 of the fitted line */
};

struct fit_result {
	size_t n;		/* points used */
	size_t blocks;		/* block medians the fits ran on */
	struct fit_line ols;
	struct fit_line theil_sen;
	double trend_p;		/* one-sided p-value of an increasing trend (Mann–Kendall) */
	double ols_p;		/* one-sided p-value of the OLS slope above zero (t test, at the
				   interval's degrees of freedom): the stronger test on few points */
	double kendall_tau;
	double n_eff;		/* effective sample size after the autocorrelation correction */
	double y_first, y_last;	/* medians of the first and last blocks */
};

/*
 * Fit y against x (x strictly increasing, e.g. seconds; NaN y values are skipped).
 * Returns 0, or -1 when fewer than 4 usable points remain (*out then zeroed, slopes 0, p 1).
 */
int fit_series(const double *x, const double *y, size_t n, struct fit_result *out);

/*
 * The same fit on points already reduced (b->m of them, x ascending, at most FIT_MAX_BLOCKS),
 * e.g. the troughs of a series.  independent: the points come from disjoint stretches long
 * enough to be taken as independent, so the trend test and Sen's interval skip the
 * autocorrelation correction (which reads a trend's deterministic residue as correlation),
 * and so do OLS's interval and ols_p.
 * 0, or -1 when fewer than 4.
 */
int fit_points(const struct fit_blocks *b, int independent, struct fit_result *out);

/* fit_series that also hands back the block medians it fitted (for the shape, shape.h). */
int fit_series_blocks(const double *x, const double *y, size_t n, struct fit_result *out,
		      struct fit_blocks *blocks);

/* Median of v[0..n) (reorders v); NaN when n == 0. */
double fit_median(double *v, size_t n);

#endif
