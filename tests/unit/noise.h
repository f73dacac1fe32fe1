/*
 * noise.h — seeded noise for the statistical tests (test_fit, test_gate), tests/gen and bench.
 *
 * splitmix64 behind a seed, so a test that asserts a count over 100 seeds sees the same 100
 * series on every machine and every run; libc's rand() promises neither.  One generator per
 * program (each test and bench is its own binary): the state is a static here, and every
 * function is static inline so that a program that uses only some of them still builds
 * under -Werror.  No cmocka: the bench programs include it too.
 */
#ifndef LEAKSOAK_TEST_NOISE_H
#define LEAKSOAK_TEST_NOISE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

static uint64_t noise_state;

static inline void noise_seed(uint64_t s)
{
	noise_state = s;
}

static inline uint64_t noise_next(void)
{
	uint64_t z = (noise_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Uniform on (0, 1): never 0, so that log() below stays finite. */
static inline double noise_uniform(void)
{
	return ((double)(noise_next() >> 11) + 0.5) / 9007199254740992.0;
}

/*
 * N(0, 1), Box–Muller.  The two draws are named so that their order is fixed: C leaves the
 * order of a product's operands open, and a compiler that swapped them would change every
 * series.
 */
static inline double noise_gaussian(void)
{
	double u1 = noise_uniform();
	double u2 = noise_uniform();

	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/*
 * y[i] = mean + AR(1) noise with coefficient phi per sample and stationary sd: the first value
 * is drawn from the stationary distribution, so there is no start-up transient to mistake for
 * a trend.
 */
static inline void noise_ar1(double *y, size_t n, double mean, double phi, double sd)
{
	double e = sd * noise_gaussian();

	for (size_t i = 0; i < n; i++) {
		e = phi * e + sd * sqrt(1 - phi * phi) * noise_gaussian();
		y[i] = mean + e;
	}
}

#endif
