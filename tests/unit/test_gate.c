/*
 * test_gate — verdicts of gate_evaluate on synthetic runs, summary.json's "metrics" object and
 * the failure lines.
 *
 * A run is 30 s at 10 Hz with a 5 s warm-up unless a test says otherwise; the gate is the
 * contract's example (512 KiB/min, 1 thread/min, 1 fd/min, alpha 0.01).  Noise is seeded;
 * statistical properties are asserted as counts over many seeds.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "noise.h"
#include "base/diag.h"
#include "judge/gate.h"

/* ---------------------------------------------------------------- runs */

#define MAX_N 600
#define BASE_KIB 50000.0

struct run {
	double t[MAX_N], rss[MAX_N], lazyfree[MAX_N], threads[MAX_N], fds[MAX_N], req[MAX_N];
	struct gate_input in;
	struct scenario_gate g;
	struct gate_report rep;
};

/* n samples at 10 Hz of flat RSS with white noise (sd 200 KiB), 4 threads, 7 fds. */
static void run_init(struct run *r, size_t n)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < n; i++) {
		r->t[i] = 0.1 * (double)i;
		r->rss[i] = BASE_KIB + 200 * noise_gaussian();
		r->threads[i] = 4;
		r->fds[i] = 7;
	}
	r->in = (struct gate_input){
		.metrics = metric_builtin_set(), .t_s = r->t,
		.col = { [METRIC_RSS] = r->rss, [METRIC_THREADS] = r->threads,
			 [METRIC_FDS] = r->fds },
		.n = n, .warmup_s = 5,
	};
	scenario_gate_defaults(&r->g);
	r->g.per_min[METRIC_RSS] = 512;
	r->g.rss_discount_lazyfree = 0;
}

static int evaluate(struct run *r)
{
	return gate_evaluate(&r->g, &r->in, &r->rep);
}

static const struct gate_metric *rss_of(const struct run *r)
{
	return &r->rep.metric[METRIC_RSS];
}

/* ---------------------------------------------------------------- verdicts */

static void leak_at_three_times_the_gate_fails(void **state)
{
	static struct run r;
	char line[256];

	(void)state;
	noise_seed(1);
	run_init(&r, 300);
	for (int i = 0; i < 300; i++)
		r.rss[i] += 3 * 512.0 / 60 * r.t[i];
	assert_int_equal(evaluate(&r), 0);
	assert_true(r.rep.leak);
	assert_true(rss_of(&r)->fitted && rss_of(&r)->over_gate && rss_of(&r)->significant);
	assert_true(rss_of(&r)->failed);
	assert_near(rss_of(&r)->fit.theil_sen.slope * 60, 1536, 300);
	assert_int_equal(rss_of(&r)->fit.n, 250);	/* the warm-up's 50 samples are out */
	assert_false(r.rep.metric[METRIC_THREADS].failed || r.rep.metric[METRIC_FDS].failed);

	gate_describe_failure(&r.rep, line, sizeof(line));
	assert_non_null(strstr(line, "rss grows "));
	assert_non_null(strstr(line, " KiB/min (gate 512 KiB/min, p<0.001)"));
	assert_null(strchr(line, '\n'));
}

/*
 * RSS of a real run of the cgo-overwrite leak (100 req/s, 2.4 KiB a request): a clean ramp
 * whose residue is page rounding.  The rank-based autocorrelation correction read that
 * residue as strongly autocorrelated noise and gave p = 0.002-0.02 for tau = 1.000; the
 * near-monotone rule must call it, even at an alpha the trend test alone does not reach.
 */
static void clean_real_leak_fails(void **state)
{
	static struct run r;
	FILE *f = fopen("tests/unit/fixtures/cgo-overwrite-rss.csv", "r");
	char line[128];
	size_t n = 0;

	(void)state;
	assert_non_null(f);
	run_init(&r, MAX_N);
	assert_non_null(fgets(line, sizeof(line), f));
	while (n < MAX_N && fscanf(f, "%lf,%lf", &r.t[n], &r.rss[n]) == 2)
		n++;
	fclose(f);
	assert_int_equal(n, 301);
	r.in.n = n;
	r.g.per_min[METRIC_RSS] = 1024;
	r.g.alpha = 0.001;
	assert_int_equal(evaluate(&r), 0);
	assert_true(rss_of(&r)->fit.trend_p > r.g.alpha);
	assert_true(rss_of(&r)->fit.kendall_tau > 0.99);
	assert_true(rss_of(&r)->failed);
	assert_near(rss_of(&r)->fit.theil_sen.slope * 60, 14437, 100);
}

/* A 4 MiB collector sawtooth with a flat trend: 50 runs, random period (3-7 s) and phase. */
static void sawtooth_passes(void **state)
{
	static struct run r;
	int significant = 0, leaks = 0;

	(void)state;
	noise_seed(2);
	for (int k = 0; k < 50; k++) {
		double period = 3 + 4 * noise_uniform(), phase = period * noise_uniform();
		run_init(&r, 300);
		for (int i = 0; i < 300; i++)
			r.rss[i] += 4096 * fmod(r.t[i] + phase, period) / period;
		assert_int_equal(evaluate(&r), 0);
		significant += rss_of(&r)->significant;
		leaks += r.rep.leak;
	}
	print_message("sawtooth: %d/50 significant, %d/50 leak\n", significant, leaks);
	assert_in_range(significant, 0, 2);
	assert_int_equal(leaks, 0);
}

/* The same sawtooth on a 6 MiB/min ramp, over 60 s: a leak, at the ramp's slope. */
static void sawtooth_on_a_ramp_fails(void **state)
{
	static struct run r;

	(void)state;
	noise_seed(3);
	run_init(&r, 600);
	for (int i = 0; i < 600; i++)
		r.rss[i] += 6144.0 / 60 * r.t[i] + 4096 * fmod(r.t[i] + 1.3, 4.7) / 4.7;
	assert_int_equal(evaluate(&r), 0);
	assert_true(rss_of(&r)->significant && rss_of(&r)->failed);
	assert_near(rss_of(&r)->fit.theil_sen.slope * 60, 6144, 6144 * 0.15);
}

/*
 * A cache fills 20 MiB over the first 14 s, then stays: after a 15 s warm-up nothing grows.
 * With no warm-up at all the start-up is found in the data (warmup.h): the fit begins where
 * the fill stops, and the why says so.
 */
static void plateau_after_warmup_passes(void **state)
{
	static struct run r;

	(void)state;
	noise_seed(4);
	run_init(&r, 300);
	for (int i = 0; i < 300; i++)
		r.rss[i] += 20480 * (r.t[i] < 14 ? r.t[i] / 14 : 1);
	r.in.warmup_s = 15;
	assert_int_equal(evaluate(&r), 0);
	assert_int_equal(rss_of(&r)->fit.n, 150);
	assert_false(r.rep.leak);
	assert_false(rss_of(&r)->over_gate);
	r.in.warmup_s = 0;
	assert_int_equal(evaluate(&r), 0);
	assert_true(rss_of(&r)->transient);
	assert_in_range((long)rss_of(&r)->window_start_s, 13, 16);
	assert_false(rss_of(&r)->over_gate);
	assert_false(r.rep.leak);
	assert_non_null(strstr(rss_of(&r)->why, "rss still settling until 1"));
	assert_non_null(strstr(rss_of(&r)->why, "start-up, not growth"));
}

/*
 * The false-positive check: flat AR(1) noise with phi 0.95 per sample (correlation time 2 s:
 * ~6 independent values in the 25 s window) must not be called significant in more than 5 of
 * 100 seeds.
 */
static void ar1_noise_is_rarely_significant(void **state)
{
	static struct run r;
	int significant = 0, leaks = 0;

	(void)state;
	noise_seed(5);
	for (int k = 0; k < 100; k++) {
		run_init(&r, 300);
		noise_ar1(r.rss, 300, BASE_KIB, 0.95, 500);
		assert_int_equal(evaluate(&r), 0);
		significant += rss_of(&r)->significant;
		leaks += r.rep.leak;
	}
	print_message("ar(1) 0.95: %d/100 significant, %d/100 leak\n", significant, leaks);
	assert_in_range(significant, 0, 5);
	assert_in_range(leaks, 0, 5);
}

/*
 * One more thread, once, halfway through the window: Theil–Sen sees ~2.5 threads/min, above
 * the gate of 1, but a single step is not a leak.
 */
static void one_thread_step_passes(void **state)
{
	static struct run r;
	const struct gate_metric *th = &r.rep.metric[METRIC_THREADS];

	(void)state;
	noise_seed(6);
	run_init(&r, 300);
	for (int i = 0; i < 300; i++)
		r.threads[i] = r.t[i] < 17.5 ? 4 : 5;
	assert_int_equal(evaluate(&r), 0);
	assert_true(th->fitted);
	assert_true(th->over_gate);
	assert_false(th->significant);
	assert_false(th->failed);
	assert_false(r.rep.leak);

	/* A step of 5 (a pool growing once) is still one step. */
	for (int i = 0; i < 300; i++)
		r.threads[i] = r.t[i] < 12 ? 4 : 9;
	assert_int_equal(evaluate(&r), 0);
	assert_false(th->failed);
}

/*
 * FDs of short-lived connections are a noisy count (sd 3 here); one step of +5 somewhere in
 * the window then often passes the trend test and the interval.  The step rule (each half of
 * the window must rise on its own) is what keeps it from failing: 50 seeds.
 */
static void noisy_count_step_passes(void **state)
{
	static struct run r;
	const struct gate_metric *fd = &r.rep.metric[METRIC_FDS];
	int trend_and_over = 0, failed = 0;

	(void)state;
	noise_seed(13);
	for (int k = 0; k < 50; k++) {
		double at = 5 + 25 * noise_uniform();
		run_init(&r, 300);
		for (int i = 0; i < 300; i++)
			r.fds[i] = 20 + round(3 * noise_gaussian()) + (r.t[i] >= at ? 5 : 0);
		assert_int_equal(evaluate(&r), 0);
		trend_and_over += fd->over_gate && fd->fit.trend_p < 0.01 && fd->fit.theil_sen.lo > 0;
		failed += fd->failed;
	}
	print_message("fd step: trend test and gate %d/50, failed %d/50\n", trend_and_over, failed);
	assert_in_range(trend_and_over, 5, 50);
	assert_in_range(failed, 0, 2);
}

/* A stranded thread every 2 s (30/min) is a staircase, not a step: it fails. */
static void thread_staircase_fails(void **state)
{
	static struct run r;
	char line[256];

	(void)state;
	noise_seed(7);
	run_init(&r, 300);
	for (int i = 0; i < 300; i++)
		r.threads[i] = 4 + floor(r.t[i] / 2);
	assert_int_equal(evaluate(&r), 0);
	assert_true(r.rep.metric[METRIC_THREADS].failed);
	assert_near(r.rep.metric[METRIC_THREADS].fit.theil_sen.slope * 60, 30, 3);
	assert_false(rss_of(&r)->failed);
	gate_describe_failure(&r.rep, line, sizeof(line));
	assert_non_null(strstr(line, "threads rose in "));
	assert_non_null(strstr(line, " steps and never fell back: +"));
	assert_non_null(strstr(line, "/min (gate 1/min)"));
}

static void not_gated_never_fails(void **state)
{
	static struct run r;

	(void)state;
	noise_seed(8);
	run_init(&r, 300);
	for (int i = 0; i < 300; i++) {
		r.rss[i] += 100 * r.t[i];
		r.fds[i] = 7 + i;
	}
	r.g.per_min[METRIC_RSS] = -1;
	r.g.per_min[METRIC_FDS] = -1;
	assert_int_equal(evaluate(&r), 0);
	assert_true(rss_of(&r)->significant && r.rep.metric[METRIC_FDS].significant);
	assert_false(rss_of(&r)->over_gate || rss_of(&r)->failed);
	assert_false(r.rep.metric[METRIC_FDS].failed);
	assert_false(r.rep.leak);
}

static void too_few_samples_after_warmup(void **state)
{
	static struct run r;

	(void)state;
	run_init(&r, 53);		/* 3 samples at or after 5 s */
	assert_int_equal(evaluate(&r), -1);
	for (int i = 0; i < (int)r.rep.n_metrics; i++) {
		assert_false(r.rep.metric[i].fitted);
		assert_false(r.rep.metric[i].failed);
		assert_true(r.rep.metric[i].fit.trend_p == 1);
	}
	assert_false(r.rep.leak);
	run_init(&r, 54);
	assert_int_equal(evaluate(&r), 0);
	assert_int_equal(rss_of(&r)->fit.n, 4);
}

/*
 * The MADV_FREE trap: raw RSS climbs 3 MiB/min, all of it LazyFree (read once a second, the
 * reading carried forward, NaN before the first).  Net of LazyFree nothing grows.
 */
static void lazyfree_is_discounted(void **state)
{
	static struct run r;

	(void)state;
	noise_seed(9);
	run_init(&r, 300);
	double lazy = NAN;
	for (int i = 0; i < 300; i++) {
		double freed = 3072.0 / 60 * r.t[i];
		r.rss[i] += freed;
		if (i % 10 == 3)
			lazy = freed + 20 * noise_gaussian();
		r.lazyfree[i] = lazy;
	}
	r.in.lazyfree_kib = r.lazyfree;
	r.g.rss_discount_lazyfree = 1;
	assert_int_equal(evaluate(&r), 0);
	assert_true(r.rep.rss_net_of_lazyfree && r.rep.has_rss_raw);
	assert_false(r.rep.leak);
	assert_near(r.rep.rss_raw.theil_sen.slope * 60, 3072, 400);
	assert_near(rss_of(&r)->fit.theil_sen.slope * 60, 0, 400);

	/* Not asked to discount: the same run is a leak on raw RSS. */
	r.g.rss_discount_lazyfree = 0;
	assert_int_equal(evaluate(&r), 0);
	assert_false(r.rep.rss_net_of_lazyfree || r.rep.has_rss_raw);
	assert_true(r.rep.leak);

	/* Asked, but no reading after the warm-up: raw RSS is gated, and a warning says so. */
	char msg[256];
	for (int i = 45; i < 300; i++)
		r.lazyfree[i] = NAN;
	r.g.rss_discount_lazyfree = 1;
	diag_capture(msg, sizeof(msg));
	assert_int_equal(evaluate(&r), 0);
	diag_capture(NULL, 0);
	assert_false(r.rep.rss_net_of_lazyfree || r.rep.has_rss_raw);
	assert_true(r.rep.leak);
	assert_non_null(strstr(msg, "too few lazyfree readings"));
}

/* 2 KiB per request at ~100 requests/s, with the driver stalled now and then. */
static void leak_per_request(void **state)
{
	static struct run r;
	double done = 0;

	(void)state;
	noise_seed(10);
	run_init(&r, 300);
	for (int i = 0; i < 300; i++) {
		if (i % 7 != 0)
			done += 5 + floor(noise_uniform() * 11);
		r.req[i] = done;
		r.rss[i] = BASE_KIB + 2 * done + 50 * noise_gaussian();
	}
	r.in.requests = r.req;
	assert_int_equal(evaluate(&r), 0);
	assert_true(r.rep.has_per_request);
	assert_near(r.rep.rss_per_request.theil_sen.slope, 2, 0.1);
	assert_true(r.rep.rss_per_request.n < 250);	/* stalled samples dropped */
	assert_true(r.rep.rss_per_request.n > 200);
}

/* ---------------------------------------------------------------- summary.json */

static json_t *path(json_t *root, const char *a, const char *b)
{
	json_t *o = json_object_get(root, a);

	return b ? json_object_get(o, b) : o;
}

static void metrics_json_has_the_contract_keys(void **state)
{
	static struct run r;
	json_t *m;

	(void)state;
	noise_seed(11);
	run_init(&r, 300);
	for (int i = 0; i < 300; i++) {
		r.rss[i] += 2048.0 / 60 * r.t[i];
		r.req[i] = 10.0 * i;
		r.lazyfree[i] = 0;
	}
	r.in.requests = r.req;
	r.in.lazyfree_kib = r.lazyfree;
	r.g.rss_discount_lazyfree = 1;
	r.g.per_min[METRIC_FDS] = -1;
	assert_int_equal(evaluate(&r), 0);
	m = gate_metrics_json(&r.rep);
	assert_non_null(m);

	assert_true(json_is_real(path(m, "rss", "slope_kib_per_min")));
	assert_true(json_is_real(path(m, "threads", "slope_per_min")));
	assert_true(json_is_real(path(m, "fds", "slope_per_min")));
	assert_near(json_real_value(path(m, "rss", "slope_kib_per_min")),
		    rss_of(&r)->fit.theil_sen.slope * 60, 1e-9);
	assert_true(json_is_null(path(m, "fds", "gate_per_min")));
	assert_near(json_real_value(path(m, "rss", "gate_per_min")), 512, 0);
	assert_true(json_is_true(path(m, "rss", "failed")));
	assert_true(json_is_false(path(m, "threads", "significant")));
	assert_string_equal(json_string_value(path(m, "rss", "basis")), "rss-lazyfree");
	assert_string_equal(json_string_value(path(m, "rss", "unit")), "KiB");
	assert_int_equal(json_array_size(path(m, "rss", "ci_per_min")), 2);
	assert_true(json_is_real(json_object_get(path(m, "rss", "theil_sen"), "intercept")));
	assert_true(json_is_real(json_object_get(path(m, "rss", "ols"), "slope_per_min")));
	assert_near(json_real_value(path(m, "rss", "per_request_kib")), 2048.0 / 60 / 100, 0.05);
	assert_int_equal(json_integer_value(path(m, "rss", "samples")), 250);
	assert_true(json_is_object(path(m, "rss_raw", NULL)));
	assert_true(json_is_null(path(m, "rss_raw", "gate_per_min")));
	assert_null(path(m, "threads", "slope_kib_per_min"));
	json_decref(m);

	/* Unfitted metrics still have every key, with numbers. */
	r.in.n = 20;
	assert_int_equal(evaluate(&r), -1);
	m = gate_metrics_json(&r.rep);
	assert_non_null(m);
	assert_true(json_is_real(path(m, "fds", "slope_per_min")));
	assert_true(json_is_false(path(m, "rss", "fitted")));
	assert_null(path(m, "rss_raw", NULL));
	json_decref(m);
}

static void describe_failure_edges(void **state)
{
	static struct run r;
	char line[64];

	(void)state;
	noise_seed(12);
	run_init(&r, 300);
	assert_int_equal(evaluate(&r), 0);
	memset(line, 'x', sizeof(line));
	gate_describe_failure(&r.rep, line, sizeof(line));
	assert_string_equal(line, "");

	/* Two failures, and a buffer too small for both: one complete line, terminated. */
	for (int i = 0; i < 300; i++) {
		r.rss[i] += 100 * r.t[i];
		r.fds[i] = 7 + i;
	}
	assert_int_equal(evaluate(&r), 0);
	assert_true(rss_of(&r)->failed && r.rep.metric[METRIC_FDS].failed);
	gate_describe_failure(&r.rep, line, sizeof(line));
	/* The rss line alone is longer than the buffer: cut short, the only line. */
	assert_int_equal(strlen(line), sizeof(line) - 1);
	assert_non_null(strstr(line, "rss climbed steadily and never fell back: +"));
	assert_null(strchr(line, '\n'));
	gate_describe_failure(&r.rep, line, 10);
	assert_int_equal(strlen(line), 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(leak_at_three_times_the_gate_fails),
		cmocka_unit_test(clean_real_leak_fails),
		cmocka_unit_test(sawtooth_passes),
		cmocka_unit_test(sawtooth_on_a_ramp_fails),
		cmocka_unit_test(plateau_after_warmup_passes),
		cmocka_unit_test(ar1_noise_is_rarely_significant),
		cmocka_unit_test(one_thread_step_passes),
		cmocka_unit_test(noisy_count_step_passes),
		cmocka_unit_test(thread_staircase_fails),
		cmocka_unit_test(not_gated_never_fails),
		cmocka_unit_test(too_few_samples_after_warmup),
		cmocka_unit_test(lazyfree_is_discounted),
		cmocka_unit_test(leak_per_request),
		cmocka_unit_test(metrics_json_has_the_contract_keys),
		cmocka_unit_test(describe_failure_edges),
	};

	return cmocka_run_group_tests_name("gate", tests, NULL, NULL);
}
