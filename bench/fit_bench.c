/*
 * fit_bench — how long fit_series and gate_evaluate take on long soaks.
 *
 * A 24 h soak at 10 Hz is 864k samples; the fit must stay in milliseconds there (Theil–Sen is
 * never O(n^2): it runs on at most FIT_MAX_BLOCKS block medians).  Each figure is the median
 * of 7 repetitions on CLOCK_MONOTONIC, on a synthetic series: a slow ramp, a GC sawtooth and
 * seeded gaussian noise.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "judge/fit.h"
#include "judge/gate.h"

#define REPS 7

static uint64_t rng_state = 0x5eed;

static uint64_t splitmix64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static double gaussian(void)
{
	double u1 = ((double)(splitmix64() >> 11) + 0.5) / 9007199254740992.0;
	double u2 = ((double)(splitmix64() >> 11) + 0.5) / 9007199254740992.0;

	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct soak {
	size_t n;
	double *t, *rss, *threads, *fds, *requests;
};

/* n samples at 10 Hz; NULL members when out of memory (checked by the caller). */
static struct soak soak_make(size_t n)
{
	struct soak s = { .n = n };

	s.t = malloc(n * sizeof(double));
	s.rss = malloc(n * sizeof(double));
	s.threads = malloc(n * sizeof(double));
	s.fds = malloc(n * sizeof(double));
	s.requests = malloc(n * sizeof(double));
	if (!s.t || !s.rss || !s.threads || !s.fds || !s.requests)
		return s;
	for (size_t i = 0; i < n; i++) {
		double t = 0.1 * (double)i;
		s.t[i] = t;
		s.rss[i] = 5e4 + 0.5 * t + 2048 * fmod(t, 4.7) / 4.7 + 200 * gaussian();
		s.threads[i] = 8;
		s.fds[i] = 12 + (i % 97 == 0);
		s.requests[i] = 1000.0 * t;
	}
	return s;
}

static int soak_ok(const struct soak *s)
{
	return s->t && s->rss && s->threads && s->fds && s->requests;
}

static void soak_free(struct soak *s)
{
	free(s->t);
	free(s->rss);
	free(s->threads);
	free(s->fds);
	free(s->requests);
}

/* Median over REPS of fit_series on raw RSS, in ms; negative when the fit fails. */
static double time_fit(const struct soak *s)
{
	double ms[REPS];
	struct fit_result f;

	for (int r = 0; r < REPS; r++) {
		double t0 = now_ms();
		if (fit_series(s->t, s->rss, s->n, &f) < 0)
			return -1;
		ms[r] = now_ms() - t0;
	}
	qsort(ms, REPS, sizeof(ms[0]), cmp_double);
	return ms[REPS / 2];
}

/* Median over REPS of a whole gate_evaluate (rss, threads, fds, per request), in ms. */
static double time_gate(const struct soak *s)
{
	struct scenario_gate g;
	struct gate_input in = {
		.metrics = metric_builtin_set(), .t_s = s->t,
		.col = { [METRIC_RSS] = s->rss, [METRIC_THREADS] = s->threads,
			 [METRIC_FDS] = s->fds },
		.requests = s->requests, .n = s->n, .warmup_s = 5,
	};
	struct gate_report rep;
	double ms[REPS];

	scenario_gate_defaults(&g);
	g.per_min[METRIC_RSS] = 512;
	g.rss_discount_lazyfree = 0;
	for (int r = 0; r < REPS; r++) {
		double t0 = now_ms();
		if (gate_evaluate(&g, &in, &rep) < 0)
			return -1;
		ms[r] = now_ms() - t0;
	}
	qsort(ms, REPS, sizeof(ms[0]), cmp_double);
	return ms[REPS / 2];
}

int main(void)
{
	static const size_t sizes[] = { 8192, 864000, 1000000 };
	double fit_ms[3], gate_ms[3];
	int ret = 1;

	for (int i = 0; i < 3; i++) {
		struct soak s = soak_make(sizes[i]);
		fit_ms[i] = gate_ms[i] = -1;
		if (soak_ok(&s)) {
			fit_ms[i] = time_fit(&s);
			gate_ms[i] = time_gate(&s);
		}
		soak_free(&s);
		if (fit_ms[i] < 0 || gate_ms[i] < 0) {
			fprintf(stderr, "fit_bench: %zu samples: out of memory or fit failed\n",
				sizes[i]);
			return 1;
		}
	}
	printf("fit: %zu samples %.2f ms, %zu samples %.2f ms\n", sizes[0], fit_ms[0], sizes[2],
	       fit_ms[2]);
	printf("gate (rss, threads, fds, per request, shapes): %zu samples (the most a run keeps: "
	       "one early look, once a second) %.2f ms, %zu samples (24 h at 10 Hz) %.2f ms, "
	       "%zu samples %.2f ms\n", sizes[0], gate_ms[0], sizes[1], gate_ms[1], sizes[2],
	       gate_ms[2]);
	if (fflush(stdout) == 0 && !ferror(stdout))
		ret = 0;
	return ret;
}
