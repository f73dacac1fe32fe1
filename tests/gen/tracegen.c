/*
 * tracegen — synthetic runs with their truth, corpus traces, and a run's replay (tracegen.h).
 *
 * The memory gate is 1024 KiB/min on a 50 MiB process; counts are gated at 5 per minute, so
 * that a count leak at twice its gate steps often enough to be seen in half a minute (at the
 * default gate of 1 per minute a leak at twice the gate steps once every 30 s: no detector
 * can tell that from a pool growing once in a short run).
 */
#include "tracegen.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/noise.h"

#define BASE_KIB 51200.0
#define GATE_KIB 1024.0
#define GATE_COUNT 5.0
#define KIB_S(x) ((x) * GATE_KIB / 60)	/* x times the memory gate, per second */

/* ---------------------------------------------------------------- noise and ramps */

static void flat(struct trace *tr, double sd)
{
	for (size_t i = 0; i < tr->n; i++)
		tr->rss[i] = BASE_KIB + sd * noise_gaussian();
}

static void add_ramp(struct trace *tr, double per_s, double from_s)
{
	for (size_t i = 0; i < tr->n; i++)
		if (tr->t[i] > from_s)
			tr->rss[i] += per_s * (tr->t[i] - from_s);
}

/* A collector: amp KiB of garbage builds up and is freed at once, every period_s. */
static void add_sawtooth(struct trace *tr, double amp, double period_s)
{
	double phase = period_s * noise_uniform();

	for (size_t i = 0; i < tr->n; i++)
		tr->rss[i] += amp * fmod(tr->t[i] + phase, period_s) / period_s;
}

/* ---------------------------------------------------------------- non-leaks */

static void white(struct trace *tr, double d)
{
	(void)d;
	flat(tr, 200);
}

static void ar1(struct trace *tr, double d)
{
	(void)d;
	noise_ar1(tr->rss, tr->n, BASE_KIB, 0.9, 500);
}

static void gc_sawtooth(struct trace *tr, double d)
{
	(void)d;
	flat(tr, 100);
	add_sawtooth(tr, 4096, 1 + 3 * noise_uniform());
}

/*
 * A slow cycle (5-10 s): within a window shorter than about two cycles, one climb of the
 * cycle is indistinguishable from a leak, so short runs of it are expected to fail.
 */
static void gc_slow(struct trace *tr, double d)
{
	(void)d;
	flat(tr, 100);
	add_sawtooth(tr, 4096, 5 + 5 * noise_uniform());
}

/* The floor climbs 8 MiB at start-up (tau 1.2 s) and settles; the collector saws above it. */
static void gc_settling(struct trace *tr, double d)
{
	(void)d;
	flat(tr, 100);
	add_sawtooth(tr, 3072, 1 + 2 * noise_uniform());
	for (size_t i = 0; i < tr->n; i++)
		tr->rss[i] += 8192 * (1 - exp(-tr->t[i] / 1.2));
}

/* A cache fills at 4x the gate for the first tenth of the window after warm-up, then is full. */
static void cache_plateau(struct trace *tr, double d)
{
	double stop = tr->warmup_s + 0.1 * (d - tr->warmup_s);

	flat(tr, 100);
	for (size_t i = 0; i < tr->n; i++)
		tr->rss[i] += KIB_S(4) * fmin(tr->t[i], stop);
}

/* A pool takes 2 MiB once, in the first half of the window. */
static void pool_once(struct trace *tr, double d)
{
	double at = tr->warmup_s + (d - tr->warmup_s) / 2 * noise_uniform();

	flat(tr, 100);
	for (size_t i = 0; i < tr->n; i++)
		if (tr->t[i] >= at)
			tr->rss[i] += 2048;
}

/*
 * Bursts of load: every 3 s or so (Poisson) a burst holds 0.5-3 MiB for 0.5-3 s, then frees it;
 * bursts overlap.
 */
static void bursty(struct trace *tr, double d)
{
	double next = -3 * log(noise_uniform());

	flat(tr, 100);
	while (next < d) {
		double size = 512 + 2560 * noise_uniform(), until = next + 0.5 + 2.5 * noise_uniform();
		for (size_t i = (size_t)(next * TRACEGEN_HZ); i < tr->n && tr->t[i] < until; i++)
			tr->rss[i] += size;
		next += -3 * log(noise_uniform());
	}
}

/* Level shifts of 0.5-3 MiB come and go (about one every 3 s), pulled back to the base. */
static void level_shifts(struct trace *tr, double d)
{
	double level = 0;

	(void)d;
	for (size_t i = 0; i < tr->n; i++) {
		if (noise_uniform() < 0.3 / TRACEGEN_HZ) {
			double up = level > 0 ? 0.2 : level < 0 ? 0.8 : 0.5;
			double size = 512 + 2560 * noise_uniform();
			level += noise_uniform() < up ? size : -size;
		}
		tr->rss[i] = BASE_KIB + level + 200 * noise_gaussian();
	}
}

/* A Cauchy-tailed spike on 2 % of samples: the ratio of a normal to a uniform, capped. */
static void add_outliers(struct trace *tr)
{
	for (size_t i = 0; i < tr->n; i++) {
		if (noise_uniform() >= 0.02)
			continue;
		double z = 300 * noise_gaussian() / noise_uniform();
		tr->rss[i] += fmax(-20480, fmin(20480, z));
	}
}

static void outliers(struct trace *tr, double d)
{
	(void)d;
	flat(tr, 100);
	add_outliers(tr);
}

/* Runs of 0.5-3 s with no sample (a stalled sampler, a paused VM), about a third of the time. */
static void add_gaps(struct trace *tr)
{
	for (size_t i = 0; i < tr->n;) {
		if (noise_uniform() < 0.1 / TRACEGEN_HZ * 1.5) {
			size_t len = (size_t)((0.5 + 2.5 * noise_uniform()) * TRACEGEN_HZ);
			for (size_t k = i; k < i + len && k < tr->n; k++)
				tr->rss[k] = tr->threads[k] = tr->fds[k] = NAN;
			i += len;
		} else {
			i++;
		}
	}
}

static void gaps(struct trace *tr, double d)
{
	(void)d;
	flat(tr, 200);
	add_gaps(tr);
}

/* A JIT compiles hot code early: 6 MiB with a 1 s time constant, flat afterwards. */
static void jit_warmup(struct trace *tr, double d)
{
	(void)d;
	flat(tr, 100);
	for (size_t i = 0; i < tr->n; i++)
		tr->rss[i] += 6144 * (1 - exp(-tr->t[i] / 1.0));
}

/* A worker pool starts 3 more threads once, in the first half of the window. */
static void threads_once(struct trace *tr, double d)
{
	double at = tr->warmup_s + (d - tr->warmup_s) / 2 * noise_uniform();

	flat(tr, 100);
	for (size_t i = 0; i < tr->n; i++)
		tr->threads[i] = tr->t[i] < at ? 8 : 11;
}

/* FDs of short-lived connections (sd 2), and 5 more kept open once, anywhere in the window. */
static void fds_once(struct trace *tr, double d)
{
	double at = tr->warmup_s + (d - tr->warmup_s) * noise_uniform();

	flat(tr, 100);
	for (size_t i = 0; i < tr->n; i++)
		tr->fds[i] = 20 + round(2 * noise_gaussian()) + (tr->t[i] < at ? 0 : 5);
}

/* ---------------------------------------------------------------- leaks */

static void ramp_white(struct trace *tr, double d)
{
	white(tr, d);
	add_ramp(tr, KIB_S(2), 0);
}

static void ramp_slow(struct trace *tr, double d)
{
	white(tr, d);
	add_ramp(tr, KIB_S(1.5), 0);
}

static void ramp_ar1(struct trace *tr, double d)
{
	ar1(tr, d);
	add_ramp(tr, KIB_S(2), 0);
}

/* A collected heap whose floor rises: the sawtooth on a rising floor. */
static void ramp_sawtooth(struct trace *tr, double d)
{
	gc_sawtooth(tr, d);
	add_ramp(tr, KIB_S(2), 0);
}

/*
 * A compound-Poisson staircase: flat plateaus (exponential, mean 1-6 s) and jumps of
 * exponential size, averaging 2-5x the gate; page-sized jitter on the plateaus.
 */
static void add_staircase(struct trace *tr, double rate_x)
{
	double gap = 1 + 5 * noise_uniform(), mean_step = KIB_S(rate_x) * gap;
	double next = -gap * log(noise_uniform()), level = 0;

	for (size_t i = 0; i < tr->n; i++) {
		while (tr->t[i] >= next) {
			level += -mean_step * log(noise_uniform());
			next += -gap * log(noise_uniform());
		}
		tr->rss[i] += level;
	}
}

static void staircase(struct trace *tr, double d)
{
	(void)d;
	flat(tr, 8);
	add_staircase(tr, 2 + 3 * noise_uniform());
}

/* Go: the heap goal makes the staircase, and a small collector cycle rides on it. */
static void staircase_gc(struct trace *tr, double d)
{
	(void)d;
	flat(tr, 20);
	add_sawtooth(tr, 256, 0.5 + noise_uniform());
	add_staircase(tr, 2 + 3 * noise_uniform());
}

/* Flat until 30 % of the run, then 3x the gate. */
static void mid_run(struct trace *tr, double d)
{
	white(tr, d);
	add_ramp(tr, KIB_S(3), 0.3 * d);
}

static void ramp_outliers(struct trace *tr, double d)
{
	outliers(tr, d);
	add_ramp(tr, KIB_S(2), 0);
}

static void ramp_gaps(struct trace *tr, double d)
{
	white(tr, d);
	add_ramp(tr, KIB_S(2), 0);
	add_gaps(tr);
}

/* A thread stranded at twice the gate, at exponential intervals. */
static void threads_leak(struct trace *tr, double d)
{
	double mean_gap = 60 / (2 * GATE_COUNT), next = -mean_gap * log(noise_uniform());
	double count = 8;

	flat(tr, 100);
	(void)d;
	for (size_t i = 0; i < tr->n; i++) {
		while (tr->t[i] >= next) {
			count++;
			next += -mean_gap * log(noise_uniform());
		}
		tr->threads[i] = count;
	}
}

/* FDs of short-lived connections (sd 2) and one kept open at twice the gate. */
static void fds_leak(struct trace *tr, double d)
{
	double mean_gap = 60 / (2 * GATE_COUNT), next = -mean_gap * log(noise_uniform());
	double kept = 0;

	flat(tr, 100);
	(void)d;
	for (size_t i = 0; i < tr->n; i++) {
		while (tr->t[i] >= next) {
			kept++;
			next += -mean_gap * log(noise_uniform());
		}
		tr->fds[i] = 20 + round(2 * noise_gaussian()) + kept;
	}
}

/* ---------------------------------------------------------------- start-up shapes */

/*
 * The transient's true end, and whether the run can know it: the fill must have stopped by
 * the middle of the window after warm-up, so that a flat stretch as long as the growth
 * follows.
 */
static void set_transient(struct trace *tr, double end_s, double d)
{
	tr->transient_end_s = end_s;
	tr->decidable = end_s <= tr->warmup_s + 0.5 * (d - tr->warmup_s);
}

/* A bounded cache fills linearly at 2-6x the gate from the start and is full 1-8 s after
 * warm-up: linear until the moment it stops, as a leak is. */
static void fill_stops(struct trace *tr, double d)
{
	double rate = KIB_S(2 + 4 * noise_uniform()), stop = tr->warmup_s + 1 + 7 * noise_uniform();

	flat(tr, 100);
	for (size_t i = 0; i < tr->n; i++)
		tr->rss[i] += rate * fmin(tr->t[i], stop);
	set_transient(tr, stop, d);
}

/*
 * Random keys from a finite keyspace: each draw misses with the share of keys not yet cached,
 * so the cache fills as 1 - exp(-t / tau) (the coupon collector), tau 2-6 s, at 4-10x the gate
 * at first.  Its end: where it grows at a quarter of the gate.
 */
static void coupon_fill(struct trace *tr, double d)
{
	double tau = 2 + 4 * noise_uniform(), rate0 = KIB_S(4 + 6 * noise_uniform());
	double size = rate0 * tau, level = 0;

	flat(tr, 100);
	for (size_t i = 0; i < tr->n; i++) {
		double want = size * (1 - exp(-tr->t[i] / tau));
		/* keys land one entry (8 KiB) at a time */
		while (level + 8 <= want)
			level += 8;
		tr->rss[i] += level;
	}
	set_transient(tr, tau * log(rate0 / KIB_S(0.25)), d);
}

/* A JIT compiles hot code: log-shaped growth of 4-12 MiB over 10-30 s, then flat. */
static void jit_log(struct trace *tr, double d)
{
	double size = 4096 + 8192 * noise_uniform(), until = 10 + 20 * noise_uniform();

	flat(tr, 100);
	for (size_t i = 0; i < tr->n; i++)
		tr->rss[i] += size * log1p(fmin(tr->t[i], until)) / log1p(until);
	set_transient(tr, until, d);
}

/*
 * Go's heap goal: a live heap that grows at start-up doubles the goal once or twice, and RSS
 * steps up by 1-4 MiB, then twice that, under a small collector cycle; then flat.
 */
static void heap_goal(struct trace *tr, double d)
{
	double step = 1024 + 3072 * noise_uniform(), first = 3 + 9 * noise_uniform();
	double second = noise_uniform() < 0.5 ? first + 4 + 8 * noise_uniform() : INFINITY;

	flat(tr, 20);
	add_sawtooth(tr, 256, 0.5 + noise_uniform());
	for (size_t i = 0; i < tr->n; i++)
		tr->rss[i] += (tr->t[i] >= first ? step : 0) + (tr->t[i] >= second ? 2 * step : 0);
	set_transient(tr, isfinite(second) ? second : first, d);
}

/* A server loads its data for 6-15 s before it serves (20-60x the gate), then saws. */
static void slow_ready(struct trace *tr, double d)
{
	double until = 6 + 9 * noise_uniform(), rate = KIB_S(20 + 40 * noise_uniform());

	flat(tr, 100);
	add_sawtooth(tr, 2048, 1 + 2 * noise_uniform());
	for (size_t i = 0; i < tr->n; i++)
		tr->rss[i] += rate * fmin(tr->t[i], until);
	set_transient(tr, until, d);
}

/* A leak at 2-3x the gate from the start, under a start-up of 4-8 MiB (tau 2-5 s). */
static void leak_under_startup(struct trace *tr, double d)
{
	double tau = 2 + 3 * noise_uniform(), size = 4096 + 4096 * noise_uniform();

	white(tr, d);
	add_ramp(tr, KIB_S(2 + noise_uniform()), 0);
	for (size_t i = 0; i < tr->n; i++)
		tr->rss[i] += size * (1 - exp(-tr->t[i] / tau));
	set_transient(tr, tau * log(size / tau / KIB_S(0.25)), d);
	tr->decidable = 1;
}

/* ---------------------------------------------------------------- floors */

/* A 20 MiB sawtooth with about five cycles in the window. */
static void big_sawtooth(struct trace *tr, double d)
{
	flat(tr, 100);
	add_sawtooth(tr, 20480, (d - tr->warmup_s) / (4.5 + noise_uniform()));
}

/* The same, its floor rising at 5x the gate. */
static void big_sawtooth_rising(struct trace *tr, double d)
{
	big_sawtooth(tr, d);
	add_ramp(tr, KIB_S(5), 0);
}

/* Bursts of 50-80 short-lived FDs (0.3-1 s each, about every 2 s) on a base of 20. */
static void add_fd_bursts(struct trace *tr, double d)
{
	double next = -2 * log(noise_uniform());

	for (size_t i = 0; i < tr->n; i++)
		tr->fds[i] = 20;
	while (next < d) {
		double n = round(50 + 30 * noise_uniform()), until = next + 0.3 + 0.7 * noise_uniform();
		for (size_t i = (size_t)(next * TRACEGEN_HZ); i < tr->n && tr->t[i] < until; i++)
			tr->fds[i] += n * noise_uniform();
		next += -2 * log(noise_uniform());
	}
}

static void fds_churn(struct trace *tr, double d)
{
	flat(tr, 100);
	add_fd_bursts(tr, d);
	for (size_t i = 0; i < tr->n; i++)
		tr->fds[i] = round(tr->fds[i]);
}

/* Under the same churn, one FD kept open at twice the gate: a floor that keeps rising. */
static void fds_churn_leak(struct trace *tr, double d)
{
	double mean_gap = 60 / (2 * GATE_COUNT), next = -mean_gap * log(noise_uniform()), kept = 0;

	fds_churn(tr, d);
	for (size_t i = 0; i < tr->n; i++) {
		while (tr->t[i] >= next) {
			kept++;
			next += -mean_gap * log(noise_uniform());
		}
		tr->fds[i] += kept;
	}
}

const struct tracegen_family tracegen_families[] = {
	{ "white noise", 0, "rss", 0, white, 0 },
	{ "AR(1) phi 0.9", 0, "rss", 0, ar1, 0 },
	{ "GC sawtooth, flat floor", 0, "rss", 0, gc_sawtooth, 0 },
	{ "slow GC cycle 5-10 s (short runs fail)", 0, "rss", -1, gc_slow, 0 },
	{ "GC sawtooth, floor settles", 0, "rss", 0, gc_settling, 0 },
	{ "cache fills, then plateau", 0, "rss", 0, cache_plateau, 0 },
	{ "pool grows once", 0, "rss", 0, pool_once, 0 },
	{ "bursty load (bursts freed in 0.5-3 s)", 0, "rss", 0, bursty, 0 },
	{ "level shifts 0.5-3 MiB, mean-reverting", 0, "rss", 0, level_shifts, 0 },
	{ "heavy-tailed outliers", 0, "rss", 0, outliers, 0 },
	{ "sampling gaps", 0, "rss", 0, gaps, 0 },
	{ "JIT warm-up", 0, "rss", 0, jit_warmup, 0 },
	{ "threads: pool grows once", 0, "threads", 0, threads_once, 0 },
	{ "fds: noisy, +5 once", 0, "fds", 0, fds_once, 0 },
	{ "ramp 2x + white noise", 1, "rss", 2, ramp_white, 0 },
	{ "ramp 2x + AR(1)", 1, "rss", 2, ramp_ar1, 0 },
	{ "sawtooth on a rising floor 2x", 1, "rss", 2, ramp_sawtooth, 0 },
	{ "staircase 2-5x (compound Poisson)", 1, "rss", 2, staircase, 0 },
	{ "staircase 2-5x + GC cycle", 1, "rss", 2, staircase_gc, 0 },
	{ "starts at 30 %, then 3x", 1, "rss", 2, mid_run, 0 },
	{ "ramp 2x + outliers", 1, "rss", 2, ramp_outliers, 0 },
	{ "ramp 2x + sampling gaps", 1, "rss", 2, ramp_gaps, 0 },
	{ "ramp 1.5x (slow)", 1, "rss", 1.5, ramp_slow, 0 },
	{ "threads leak 2x", 1, "threads", 2, threads_leak, 0 },
	{ "fds leak 2x, noisy", 1, "fds", 2, fds_leak, 0 },
	{ "start-up: fill stops 1-8 s after warm-up", 0, "rss", 0, fill_stops, 1 },
	{ "start-up: coupon-collector fill", 0, "rss", 0, coupon_fill, 1 },
	{ "start-up: JIT, log growth over 10-30 s", 0, "rss", 0, jit_log, 1 },
	{ "start-up: Go heap goal doubles once or twice", 0, "rss", 0, heap_goal, 1 },
	{ "start-up: ready after a 6-15 s load", 0, "rss", 0, slow_ready, 1 },
	{ "start-up: leak 2-3x under a start-up ramp", 1, "rss", 2, leak_under_startup, 1 },
	{ "sawtooth 20 MiB, 5 cycles, flat floor", 0, "rss", 0, big_sawtooth, 0 },
	{ "sawtooth 20 MiB, 5 cycles, floor 5x", 1, "rss", 5, big_sawtooth_rising, 0 },
	{ "fds: bursts of 50-80, flat floor", 0, "fds", 0, fds_churn, 0 },
	{ "fds: bursts of 50-80, floor leaks 2x", 1, "fds", 2, fds_churn_leak, 0 },
};
const size_t tracegen_n_families = sizeof(tracegen_families) / sizeof(tracegen_families[0]);

/* ---------------------------------------------------------------- traces */

int trace_alloc(struct trace *tr, size_t cap)
{
	memset(tr, 0, sizeof(*tr));
	tr->t = malloc(cap * sizeof(double));
	tr->rss = malloc(cap * sizeof(double));
	tr->threads = malloc(cap * sizeof(double));
	tr->fds = malloc(cap * sizeof(double));
	tr->lazyfree = malloc(cap * sizeof(double));
	tr->cap = cap;
	if (tr->t && tr->rss && tr->threads && tr->fds && tr->lazyfree)
		return 0;
	trace_release(tr);
	return -1;
}

void trace_release(struct trace *tr)
{
	free(tr->t);
	free(tr->rss);
	free(tr->threads);
	free(tr->fds);
	free(tr->lazyfree);
	memset(tr, 0, sizeof(*tr));
}

void tracegen_make(const struct tracegen_family *f, uint64_t seed, double duration_s,
		   struct trace *tr)
{
	noise_seed(seed);
	tr->n = (size_t)(duration_s * TRACEGEN_HZ);
	if (tr->n > tr->cap)
		tr->n = tr->cap;
	tr->warmup_s = TRACEGEN_WARMUP_S;
	tr->gate_rss = GATE_KIB;
	tr->gate_threads = tr->gate_fds = GATE_COUNT;
	tr->has_lazyfree = 0;
	tr->transient_end_s = NAN;
	tr->decidable = 1;
	for (size_t i = 0; i < tr->n; i++) {
		tr->t[i] = (double)i / TRACEGEN_HZ;
		tr->threads[i] = 8;
		tr->fds[i] = 12;
		tr->lazyfree[i] = NAN;
	}
	f->make(tr, duration_s);
}

static int trace_grow(struct trace *tr)
{
	size_t cap = tr->cap ? tr->cap * 2 : 1024;
	double **cols[] = { &tr->t, &tr->rss, &tr->threads, &tr->fds, &tr->lazyfree };

	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		double *p = realloc(*cols[i], cap * sizeof(double));
		if (!p)
			return -1;
		*cols[i] = p;
	}
	tr->cap = cap;
	return 0;
}

#define N_COLS 5

/* Column index of each wanted name in the header line (modified); lazyfree may be absent. */
static int header_columns(char *line, int col[N_COLS])
{
	static const char *const want[N_COLS] = { "t_s", "rss_kib", "threads", "fds",
						  "lazyfree_kib" };
	int k = 0;

	for (char *tok = strtok(line, ",\n"); tok; tok = strtok(NULL, ",\n"), k++)
		for (int w = 0; w < N_COLS; w++)
			if (strcmp(tok, want[w]) == 0)
				col[w] = k;
	for (int w = 0; w < N_COLS - 1; w++)
		if (col[w] < 0)
			return -1;
	return 0;
}

/* One data row into row i (an empty cell is NaN); 0, or -1 for a torn or malformed row. */
static int parse_row(char *line, const int col[N_COLS], struct trace *tr, size_t i)
{
	double *dst[N_COLS] = { &tr->t[i], &tr->rss[i], &tr->threads[i], &tr->fds[i],
				&tr->lazyfree[i] };
	int k = 0;

	if (!strchr(line, '\n'))
		return -1;
	tr->lazyfree[i] = NAN;
	for (char *p = line; p; k++) {
		char *end;
		double v = strtod(p, &end);
		for (int w = 0; w < N_COLS; w++) {
			if (col[w] != k)
				continue;
			if (end == p && w < N_COLS - 1)
				return -1;
			*dst[w] = end == p ? NAN : v;
		}
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

int trace_load_csv(const char *path, struct trace *tr)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t len = 0;
	int col[N_COLS] = { -1, -1, -1, -1, -1 }, ret = -1;

	tr->n = 0;
	tr->has_lazyfree = 0;
	if (!f) {
		fprintf(stderr, "tracegen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (getline(&line, &len, f) < 0 || header_columns(line, col) < 0) {
		fprintf(stderr, "tracegen: %s: no samples.csv header\n", path);
		goto out;
	}
	while (getline(&line, &len, f) > 0) {
		if (tr->n == tr->cap && trace_grow(tr) < 0)
			goto out;
		if (parse_row(line, col, tr, tr->n) == 0) {
			tr->has_lazyfree |= isfinite(tr->lazyfree[tr->n]);
			tr->n++;
		}
	}
	ret = 0;
out:
	free(line);
	fclose(f);
	return ret;
}

/* ---------------------------------------------------------------- replay */

void trace_gate_input(const struct trace *tr, size_t n, double max_fit_s, struct gate_input *in)
{
	*in = (struct gate_input){
		.metrics = metric_builtin_set(), .t_s = tr->t,
		.col = { [METRIC_RSS] = tr->rss, [METRIC_THREADS] = tr->threads,
			 [METRIC_FDS] = tr->fds },
		.lazyfree_kib = tr->has_lazyfree ? tr->lazyfree : NULL,
		.n = n, .warmup_s = tr->warmup_s, .max_fit_s = max_fit_s,
	};
}

void trace_scenario_gate(const struct trace *tr, double alpha, struct scenario_gate *g)
{
	scenario_gate_defaults(g);
	g->per_min[METRIC_RSS] = tr->gate_rss;
	g->per_min[METRIC_THREADS] = tr->gate_threads;
	g->per_min[METRIC_FDS] = tr->gate_fds;
	g->alpha = alpha;
	g->rss_discount_lazyfree = tr->has_lazyfree;
}

int trace_replay(const struct trace *tr, double alpha, int early, double *decided_at_s,
		 struct gate_report *out)
{
	struct scenario_gate g;
	struct gate_input in;
	struct gate_report mine, *rep = out ? out : &mine;
	struct gate_monitor mon = { 0 };
	double end = tr->n ? tr->t[tr->n - 1] : 0, max_fit = end - tr->warmup_s;
	double next_look = tr->warmup_s + 1;

	trace_scenario_gate(tr, alpha, &g);
	*decided_at_s = end;
	for (size_t i = 0; early && i < tr->n; i++) {
		if (tr->t[i] < next_look)
			continue;
		next_look = tr->t[i] + 1;
		trace_gate_input(tr, i + 1, max_fit, &in);
		in.early = 1;
		if (gate_evaluate(&g, &in, rep) < 0)
			continue;
		enum gate_settled s = gate_monitor_look(&mon, rep, max_fit);
		if (s != GATE_OPEN) {
			*decided_at_s = tr->t[i];
			return s == GATE_SETTLED_LEAK;
		}
	}
	trace_gate_input(tr, tr->n, early ? max_fit : 0, &in);
	if (gate_evaluate(&g, &in, rep) < 0)
		return -1;
	return rep->leak;
}
