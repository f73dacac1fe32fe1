/*
 * test_fit — fit_series and fit_median on synthetic series with seeded noise.
 *
 * Every expectation is a number that a wrong estimator, a wrong interval or a wrong
 * autocorrelation correction would miss; where a property is statistical (interval coverage,
 * false positives) it is asserted as a count over 100 seeds, never on one lucky case.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "noise.h"
#include "judge/fit.h"

/* ---------------------------------------------------------------- series */

#define N 600		/* 60 s at 10 Hz */

struct series {
	double t[N], y[N];
};

/* y = a + b t + sd * N(0, 1), t = 0.1 i. */
static void make_line(struct series *s, double a, double b, double sd)
{
	for (int i = 0; i < N; i++) {
		s->t[i] = 0.1 * i;
		s->y[i] = a + b * s->t[i] + sd * noise_gaussian();
	}
}

/* Flat AR(1) noise with coefficient phi per sample and stationary sd 1. */
static void make_ar1(struct series *s, double phi)
{
	for (int i = 0; i < N; i++)
		s->t[i] = 0.1 * i;
	noise_ar1(s->y, N, 0, phi, 1);
}

static int covers(const struct fit_line *l, double truth)
{
	return l->lo <= truth && truth <= l->hi;
}

/* ---------------------------------------------------------------- tests */

static void known_slope_with_noise(void **state)
{
	struct series s;
	struct fit_result f;

	(void)state;
	noise_seed(1);
	make_line(&s, 1000, 2.5, 10);
	assert_int_equal(fit_series(s.t, s.y, N, &f), 0);
	assert_int_equal(f.n, N);
	assert_int_equal(f.blocks, N / 5);
	assert_near(f.ols.slope, 2.5, 0.05);
	assert_near(f.theil_sen.slope, 2.5, 0.05);
	assert_near(f.ols.intercept, 1000, 4);
	assert_near(f.theil_sen.intercept, 1000, 4);
	assert_true(covers(&f.ols, 2.5));
	assert_true(covers(&f.theil_sen, 2.5));
	/* The interval is an interval, not the whole line: 60 s of slope 2.5 against sd 10. */
	assert_true(f.theil_sen.hi - f.theil_sen.lo < 0.3);
	assert_true(f.trend_p < 1e-9);
	assert_true(f.kendall_tau > 0.8);
	assert_near(f.y_first, 1000 + 2.5 * 0.2, 20);
	assert_near(f.y_last, 1000 + 2.5 * 59.7, 20);
}

/* 95 % intervals on white noise should cover the truth about 95 times in 100. */
static void intervals_cover_the_truth(void **state)
{
	struct series s;
	struct fit_result f;
	int ols = 0, ts = 0;

	(void)state;
	for (int k = 0; k < 100; k++) {
		noise_seed(100 + k);
		make_line(&s, 50, -0.7, 5);
		assert_int_equal(fit_series(s.t, s.y, N, &f), 0);
		ols += covers(&f.ols, -0.7);
		ts += covers(&f.theil_sen, -0.7);
	}
	print_message("coverage of 95 %% intervals: ols %d/100, theil-sen %d/100\n", ols, ts);
	assert_in_range(ols, 88, 100);
	assert_in_range(ts, 88, 100);
}

/*
 * Isolated spikes vanish in the block medians; bursts that fill whole blocks do not, and
 * pull the least-squares line (checked, so that the case is a real test) but not Theil–Sen.
 */
static void outliers_leave_theil_sen_alone(void **state)
{
	struct series s;
	struct fit_result f;

	(void)state;
	noise_seed(2);
	make_line(&s, 100, 1.0, 2);
	for (int k = 0; k < 10; k++)
		s.y[(size_t)(noise_uniform() * N)] += 1e7;
	assert_int_equal(fit_series(s.t, s.y, N, &f), 0);
	assert_near(f.theil_sen.slope, 1.0, 0.02);
	assert_near(f.ols.slope, 1.0, 0.02);
	assert_true(covers(&f.theil_sen, 1.0));

	for (int i = 500; i < 530; i++)		/* 3 s burst near the end */
		s.y[i] += 5e4;
	for (int i = 20; i < 40; i++)		/* 2 s dip near the start */
		s.y[i] -= 5e4;
	assert_int_equal(fit_series(s.t, s.y, N, &f), 0);
	assert_near(f.theil_sen.slope, 1.0, 0.05);
	assert_true(fabs(f.ols.slope - 1.0) > 20);
}

/* A GC sawtooth on a ramp: the trend through the teeth, not their slope, is what is found. */
static void sawtooth_on_a_ramp(void **state)
{
	struct series s;
	struct fit_result f;

	(void)state;
	noise_seed(3);
	for (int i = 0; i < N; i++) {
		s.t[i] = 0.1 * i;
		s.y[i] = 5000 + 100 * s.t[i] + 1000 * fmod(s.t[i], 4.3) / 4.3 +
			 20 * noise_gaussian();
	}
	assert_int_equal(fit_series(s.t, s.y, N, &f), 0);
	assert_near(f.theil_sen.slope, 100, 10);
	assert_near(f.ols.slope, 100, 10);
	assert_true(covers(&f.theil_sen, 100));
	assert_true(f.trend_p < 1e-4);
}

static void flat_series_is_all_ties(void **state)
{
	struct series s;
	struct fit_result f;

	(void)state;
	for (int i = 0; i < N; i++) {
		s.t[i] = 0.1 * i;
		s.y[i] = 42;
	}
	assert_int_equal(fit_series(s.t, s.y, N, &f), 0);
	assert_true(f.trend_p == 1);
	assert_true(f.theil_sen.slope == 0 && f.theil_sen.lo == 0 && f.theil_sen.hi == 0);
	assert_true(f.ols.slope == 0 && f.ols.lo == 0 && f.ols.hi == 0);
	assert_true(f.kendall_tau == 0);
	assert_true(f.theil_sen.intercept == 42 && f.ols.intercept == 42);
	assert_true(f.y_first == 42 && f.y_last == 42);
	assert_true(isfinite(f.n_eff) && f.n_eff > 0);
}

/*
 * The false-positive check on the fit itself: strongly autocorrelated flat noise (phi 0.95
 * per 100 ms sample, correlation time 2 s, so ~30 independent points in 60 s) must not look
 * like growth at alpha 0.01 in more than 5 of 100 seeds, and its intervals must cover 0.
 */
static void ar1_noise_is_not_a_trend(void **state)
{
	struct series s;
	struct fit_result f;
	int significant = 0, ts_cover = 0, ols_cover = 0;

	(void)state;
	for (int k = 0; k < 100; k++) {
		noise_seed(1000 + k);
		make_ar1(&s, 0.95);
		assert_int_equal(fit_series(s.t, s.y, N, &f), 0);
		significant += f.trend_p < 0.01 && f.theil_sen.lo > 0;
		ts_cover += covers(&f.theil_sen, 0);
		ols_cover += covers(&f.ols, 0);
		assert_true(f.n_eff < f.blocks / 3.0);
	}
	print_message("ar(1) 0.95: %d/100 significant, 0 covered ts %d ols %d\n", significant,
		      ts_cover, ols_cover);
	assert_in_range(significant, 0, 5);
	assert_in_range(ts_cover, 88, 100);
	assert_in_range(ols_cover, 88, 100);
}

static void too_few_points(void **state)
{
	double t[] = { 0, 1, 2, 3, 4, 5, 6 }, y[] = { 1, NAN, 3, NAN, NAN, 6, NAN };
	struct fit_result f;

	(void)state;
	memset(&f, 0x55, sizeof(f));
	assert_int_equal(fit_series(t, y, 3, &f), -1);
	assert_true(f.n == 0 && f.blocks == 0 && f.theil_sen.slope == 0 && f.ols.hi == 0);
	assert_true(f.trend_p == 1);
	/* Seven points, but only three usable. */
	assert_int_equal(fit_series(t, y, 7, &f), -1);
	assert_true(f.trend_p == 1 && f.n_eff == 0);
	assert_int_equal(fit_series(NULL, NULL, 0, &f), -1);
	y[1] = 2;
	assert_int_equal(fit_series(t, y, 7, &f), 0);
	assert_int_equal(f.n, 4);
}

/* NaN y are skipped, not zeros: a perfect line with holes keeps its exact slope. */
static void nan_values_are_skipped(void **state)
{
	struct series s;
	struct fit_result f;

	(void)state;
	for (int i = 0; i < N; i++) {
		s.t[i] = 0.1 * i;
		s.y[i] = i % 3 == 1 ? NAN : 7 + 3 * s.t[i];
	}
	assert_int_equal(fit_series(s.t, s.y, N, &f), 0);
	assert_int_equal(f.n, N - N / 3);
	assert_near(f.theil_sen.slope, 3, 1e-9);
	assert_near(f.ols.slope, 3, 1e-9);
	assert_near(f.theil_sen.intercept, 7, 1e-6);
	assert_near(f.theil_sen.hi - f.theil_sen.lo, 0, 1e-9);
}

/* A long pause leaves most equal-time blocks empty: equal-count blocks take over. */
static void gap_in_time_falls_back_to_equal_counts(void **state)
{
	double t[] = { 0, 0.1, 0.2, 0.3, 0.4, 500, 500.1, 500.2 }, y[8];
	struct fit_result f;

	(void)state;
	for (int i = 0; i < 8; i++)
		y[i] = 2 * t[i] + 1;
	assert_int_equal(fit_series(t, y, 8, &f), 0);
	assert_int_equal(f.blocks, 8);
	assert_near(f.theil_sen.slope, 2, 1e-9);
	assert_near(f.y_last, 1001.4, 1e-9);
}

/* A million points reduce to FIT_MAX_BLOCKS blocks (no timing here: see bench/fit_bench). */
static void a_million_points(void **state)
{
	size_t n = 1000000;
	double *t = malloc(n * sizeof(*t)), *y = malloc(n * sizeof(*y));
	struct fit_result f;

	(void)state;
	assert_non_null(t);
	assert_non_null(y);
	noise_seed(4);
	for (size_t i = 0; i < n; i++) {
		t[i] = 0.1 * (double)i;
		y[i] = 1e5 + 0.01 * t[i] + 50 * noise_gaussian();
	}
	assert_int_equal(fit_series(t, y, n, &f), 0);
	assert_int_equal(f.n, n);
	assert_int_equal(f.blocks, FIT_MAX_BLOCKS);
	assert_near(f.theil_sen.slope, 0.01, 0.001);
	assert_true(covers(&f.theil_sen, 0.01));
	free(t);
	free(y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void median_matches_sorting(void **state)
{
	double v[64], w[64];

	(void)state;
	assert_true(isnan(fit_median(v, 0)));
	noise_seed(5);
	for (size_t n = 1; n <= 64; n++) {
		for (size_t i = 0; i < n; i++)	/* few distinct values: many ties */
			v[i] = w[i] = floor(noise_uniform() * (double)(n % 7 + 1));
		qsort(w, n, sizeof(*w), cmp_double);
		double want = n % 2 ? w[n / 2] : (w[n / 2 - 1] + w[n / 2]) / 2;
		assert_true(fit_median(v, n) == want);
	}
	double odd[] = { 5, -1, 3 }, even[] = { 4, 1, 3, 2 }, same[] = { 7, 7, 7, 7, 7, 7 };
	assert_true(fit_median(odd, 3) == 3);
	assert_true(fit_median(even, 4) == 2.5);
	assert_true(fit_median(same, 6) == 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_slope_with_noise),
		cmocka_unit_test(intervals_cover_the_truth),
		cmocka_unit_test(outliers_leave_theil_sen_alone),
		cmocka_unit_test(sawtooth_on_a_ramp),
		cmocka_unit_test(flat_series_is_all_ties),
		cmocka_unit_test(ar1_noise_is_not_a_trend),
		cmocka_unit_test(too_few_points),
		cmocka_unit_test(nan_values_are_skipped),
		cmocka_unit_test(gap_in_time_falls_back_to_equal_counts),
		cmocka_unit_test(a_million_points),
		cmocka_unit_test(median_matches_sorting),
	};

	return cmocka_run_group_tests_name("fit", tests, NULL, NULL);
}
