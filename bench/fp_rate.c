/*
 * fp_rate — how often gate_evaluate cries wolf, and how often it catches a real leak.
 *
 * For each shape of a non-leaking RSS curve that a soak meets (white noise, AR(1), GC sawtooth,
 * a cache filling during warm-up, mean-reverting steps) and for counts that step up once (a
 * clean thread count, a noisy FD count), run 200 synthetic 30 s runs at 10 Hz (warm-up 5 s,
 * gate 512 KiB/min and 1 thread/min, alpha 0.01) with seeded noise (tests/unit/noise.h, the
 * unit tests' generator) and count the runs called "leak".  Then the same for RSS ramps
 * at twice the gate, on white noise, on AR(1) and on sawtooth, where "leak" is the right call.
 * The hard shapes are repeated over 300 s runs, to show what a longer run buys, with a thread
 * leak at twice its gate.
 * Deterministic: the same seeds every run.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gate.h"
#include "../tests/unit/noise.h"

#define RUNS 200
#define HZ 10
#define MAX_SAMPLES (HZ * 300)
#define WARMUP_S 5.0
#define BASE_KIB 50000.0
#define GATE_KIB_PER_MIN 512.0

/* ---------------------------------------------------------------- shapes */

struct run {
	int n;
	double t[MAX_SAMPLES], rss[MAX_SAMPLES], threads[MAX_SAMPLES], fds[MAX_SAMPLES];
};

static void white(struct run *r)
{
	for (int i = 0; i < r->n; i++)
		r->rss[i] = BASE_KIB + 200 * noise_gaussian();
}

/* AR(1), phi 0.9 per 100 ms sample, stationary sd 500 KiB. */
static void ar1(struct run *r)
{
	noise_ar1(r->rss, (size_t)r->n, BASE_KIB, 0.9, 500);
}

/* A collector: 4 MiB of garbage builds up linearly and is freed at once, every 3-7 s. */
static void sawtooth(struct run *r)
{
	double period = 3 + 4 * noise_uniform(), phase = period * noise_uniform();

	for (int i = 0; i < r->n; i++)
		r->rss[i] = BASE_KIB + 4096 * fmod(r->t[i] + phase, period) / period +
			    100 * noise_gaussian();
}

/* A cache filling 20 MiB with a 1 s time constant: done, to 0.7 %, by the warm-up's end. */
static void warmup_plateau(struct run *r)
{
	for (int i = 0; i < r->n; i++)
		r->rss[i] = BASE_KIB + 20480 * (1 - exp(-r->t[i])) + 200 * noise_gaussian();
}

/* Bursts of 0.5-3 MiB come and go (about one change every 3 s), pulled back to the base. */
static void mean_reverting_steps(struct run *r)
{
	double level = 0;

	for (int i = 0; i < r->n; i++) {
		if (noise_uniform() < 0.3 / HZ) {
			double up = level > 0 ? 0.2 : level < 0 ? 0.8 : 0.5;
			double size = 512 + 2560 * noise_uniform();
			level += noise_uniform() < up ? size : -size;
		}
		r->rss[i] = BASE_KIB + level + 200 * noise_gaussian();
	}
}

/* RSS is flat; one more thread starts once, anywhere in the fitted window. */
static void thread_step(struct run *r)
{
	double at = WARMUP_S + (r->t[r->n - 1] - WARMUP_S) * noise_uniform();

	white(r);
	for (int i = 0; i < r->n; i++)
		r->threads[i] = r->t[i] < at ? 4 : 5;
}

/* FDs of short-lived connections (sd 2), and 5 more kept open once, anywhere in the window. */
static void noisy_fd_step(struct run *r)
{
	double at = WARMUP_S + (r->t[r->n - 1] - WARMUP_S) * noise_uniform();

	white(r);
	for (int i = 0; i < r->n; i++)
		r->fds[i] = 20 + round(2 * noise_gaussian()) + (r->t[i] < at ? 0 : 5);
}

/* A thread stranded every 30 s (twice the gate of 1/min), at a random phase. */
static void thread_leak_2x(struct run *r)
{
	double phase = 30 * noise_uniform();

	white(r);
	for (int i = 0; i < r->n; i++)
		r->threads[i] = 4 + floor((r->t[i] + phase) / 30);
}

static double ramp_kib(const struct run *r, int i)
{
	return 2 * GATE_KIB_PER_MIN / 60 * r->t[i];
}

static void ramp_white(struct run *r)
{
	white(r);
	for (int i = 0; i < r->n; i++)
		r->rss[i] += ramp_kib(r, i);
}

static void ramp_ar1(struct run *r)
{
	ar1(r);
	for (int i = 0; i < r->n; i++)
		r->rss[i] += ramp_kib(r, i);
}

static void ramp_sawtooth(struct run *r)
{
	sawtooth(r);
	for (int i = 0; i < r->n; i++)
		r->rss[i] += ramp_kib(r, i);
}

/* ---------------------------------------------------------------- runs */

struct shape {
	const char *what;
	void (*make)(struct run *);
	int leaks;	/* 1: the right call is "leak" */
	int duration_s;
};

/* Runs called "leak" out of RUNS, or -1 when a run could not be fitted. */
static int count_leaks(const struct shape *s, uint64_t seed)
{
	static struct run r;
	struct scenario_gate g = {
		.rss_kib_per_min = GATE_KIB_PER_MIN, .threads_per_min = 1, .fds_per_min = 1,
		.alpha = 0.01,
	};
	struct gate_input in = {
		.t_s = r.t, .rss_kib = r.rss, .threads = r.threads, .fds = r.fds,
		.n = (size_t)(HZ * s->duration_s), .warmup_s = WARMUP_S,
	};
	struct gate_report rep;
	int leaks = 0;

	noise_seed(seed);
	r.n = HZ * s->duration_s;
	for (int k = 0; k < RUNS; k++) {
		for (int i = 0; i < r.n; i++) {
			r.t[i] = (double)i / HZ;
			r.threads[i] = 4;
			r.fds[i] = 7;
		}
		s->make(&r);
		if (gate_evaluate(&g, &in, &rep) < 0)
			return -1;
		leaks += rep.leak;
	}
	return leaks;
}

int main(void)
{
	static const struct shape shapes[] = {
		{ "white noise (sd 200 KiB)", white, 0, 30 },
		{ "AR(1) phi 0.9 (sd 500 KiB)", ar1, 0, 30 },
		{ "GC sawtooth 4 MiB, period 3-7 s", sawtooth, 0, 30 },
		{ "warm-up plateau (20 MiB cache, tau 1 s)", warmup_plateau, 0, 30 },
		{ "mean-reverting steps 0.5-3 MiB", mean_reverting_steps, 0, 30 },
		{ "threads +1 once (gate 1/min)", thread_step, 0, 30 },
		{ "fds noisy (sd 2), +5 once (gate 1/min)", noisy_fd_step, 0, 30 },
		{ "ramp 2x gate + white noise", ramp_white, 1, 30 },
		{ "ramp 2x gate + AR(1) phi 0.9", ramp_ar1, 1, 30 },
		{ "ramp 2x gate + GC sawtooth", ramp_sawtooth, 1, 30 },
		{ "AR(1) phi 0.9, 300 s runs", ar1, 0, 300 },
		{ "GC sawtooth, 300 s runs", sawtooth, 0, 300 },
		{ "mean-reverting steps, 300 s runs", mean_reverting_steps, 0, 300 },
		{ "ramp 2x gate + AR(1) phi 0.9, 300 s runs", ramp_ar1, 1, 300 },
		{ "ramp 2x gate + GC sawtooth, 300 s runs", ramp_sawtooth, 1, 300 },
		{ "threads +1 every 30 s (2x gate), 300 s runs", thread_leak_2x, 1, 300 },
	};

	printf("gate: %d runs per line, 30 s unless said, %d Hz, warm-up %.0f s, "
	       "gate %.0f KiB/min, alpha 0.01\n", RUNS, HZ, WARMUP_S, GATE_KIB_PER_MIN);
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		int leaks = count_leaks(&shapes[i], 0x5eed0000u + i);
		if (leaks < 0) {
			fprintf(stderr, "fp_rate: %s: gate_evaluate failed\n", shapes[i].what);
			return 1;
		}
		printf("%s rate %5.1f %% (%3d/%d)  %s\n", shapes[i].leaks ? "detection     " :
		       "false positive", 100.0 * leaks / RUNS, leaks, RUNS, shapes[i].what);
	}
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
