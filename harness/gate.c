/*
 * gate — from the run's samples to fitted slopes and a verdict (see gate.h).
 *
 * Decisions a reader may want to check:
 *   - Only samples with t_s >= warmup_s are fitted.  Slopes stay per second in the fits and
 *     become per minute only in comparisons and output.
 *   - RSS is gated net of LazyFree when the scenario asks for it and LazyFree was sampled:
 *     rss - lazyfree per sample, NaN (skipped) where LazyFree has no reading.  Raw RSS is then
 *     fitted too, for the report.  When too few LazyFree readings fall after the warm-up, raw
 *     RSS is gated instead, with a warning, and the basis says "rss".
 *   - Counts (threads, FDs) move in whole steps, and one step inside a short window looks
 *     like growth to a slope estimator: a +1 step halfway through 25 s gives a Theil–Sen
 *     slope near 1/25 s (2.5 per minute, above a gate of 1), yet a pool that starts one more
 *     worker once is not a leak.  On a clean count the trend test's autocorrelation
 *     correction already refuses a lone step (p ~ 0.17), but on a noisy count (FDs of
 *     short-lived connections, sd 2-3) a single +5 step passed the trend test and the
 *     interval in 20-40 % of runs.  So a count is only "significant" when, besides the trend
 *     test and the interval, each half of the window rises on its own (last block median
 *     above the first, and a positive Theil–Sen slope): a single step, of any size, lies in
 *     one half at most (that brought the noisy step down to ~1-3 %).  The price: a count leak
 *     must step at least once in each half of the window to be called, so in a 25 s window
 *     only leaks of more than ~5 per minute are reliably seen — about what integer counts
 *     can resolve in that time anyway.
 *   - A near-monotone climb is real growth even when the trend test hesitates: Kendall's tau
 *     >= 0.9 over at least 20 blocks (95 % of block pairs rising).  The Hamed–Rao correction
 *     estimates autocorrelation from the ranks of the detrended series, which ignore
 *     magnitudes: on a clean leak the "residual" is a few KiB of page rounding and allocator
 *     steps, deterministic and strongly autocorrelated, and the correction inflated Var(S)
 *     ~25-fold — a 14,000 KiB/min leak with tau = 1.000 got p = 0.002-0.02 on 50 blocks,
 *     flipping with alpha 0.01.  Stationary noise cannot sort 20 or more block medians across
 *     the window by chance (fp_rate: no change on AR(1), sawtooth and step noise), so the rule
 *     costs no false positives; the slope must still pass the gate and the interval.
 *   - Per request: RSS (on the gated basis) against cumulative completed requests, keeping
 *     only samples where the count went up, so that x is strictly increasing.
 */
#include "gate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

/* A climb this monotone over this many blocks is growth whatever the trend test says (top). */
#define GATE_MONOTONE_TAU 0.9
#define GATE_MONOTONE_MIN_BLOCKS 20

static const struct {
	const char *name, *unit, *verb;
} metric_names[GATE_N_METRICS] = {
	[GATE_RSS] = { "rss", "KiB", "grows" },
	[GATE_THREADS] = { "threads", "threads", "grow" },
	[GATE_FDS] = { "fds", "fds", "grow" },
};

/* The fitted part of the run: every array offset past the warm-up, n long. */
struct window {
	const double *t;
	size_t off, n;
};

static struct window window_after_warmup(const struct gate_input *in)
{
	size_t i = 0;

	while (i < in->n && !(in->t_s[i] >= in->warmup_s))
		i++;
	return (struct window){ .t = in->t_s ? in->t_s + i : NULL, .off = i, .n = in->n - i };
}

static const double *in_window(const struct window *w, const double *col)
{
	return col ? col + w->off : NULL;
}

/* ---------------------------------------------------------------- fitting */

/* rss - lazyfree per sample, NaN where LazyFree has no reading; NULL when out of memory. */
static double *net_of_lazyfree(const double *rss, const double *lazyfree, size_t n)
{
	double *v = malloc((n ? n : 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = isnan(lazyfree[i]) ? NAN : rss[i] - lazyfree[i];
	return v;
}

/* Fit the RSS metric (net when net != NULL and it has enough points); returns the series used. */
static const double *fit_rss(struct gate_report *r, const struct window *w, const double *raw,
			     const double *net)
{
	struct gate_metric *m = &r->metric[GATE_RSS];

	if (net && fit_series(w->t, net, w->n, &m->fit) == 0) {
		m->fitted = r->rss_net_of_lazyfree = 1;
		r->has_rss_raw = fit_series(w->t, raw, w->n, &r->rss_raw) == 0;
		return net;
	}
	m->fitted = fit_series(w->t, raw, w->n, &m->fit) == 0;
	if (net && m->fitted)
		diag_warning("too few lazyfree readings after warm-up to gate rss net of lazyfree "
			     "(gating raw rss; run longer or read lazyfree more often)");
	return raw;
}

/* RSS against cumulative requests, on the samples where the count went up. */
static int fit_per_request(const double *requests, const double *rss, size_t n,
			   struct fit_result *out)
{
	double *x = malloc((n ? n : 1) * 2 * sizeof(*x)), *y, last = -INFINITY;
	size_t k = 0;
	int ret;

	if (!x)
		return diag_error("out of memory fitting rss per request");
	y = x + n;
	for (size_t i = 0; i < n; i++) {
		if (!(requests[i] > last))	/* also drops NaN */
			continue;
		last = x[k] = requests[i];
		y[k++] = rss[i];
	}
	ret = fit_series(x, y, k, out);
	free(x);
	return ret;
}

/* A count rises within one span: its own fit grows from the first block to the last. */
static int rises_within(const double *t, const double *y, size_t n)
{
	struct fit_result f;

	return fit_series(t, y, n, &f) == 0 && f.y_last > f.y_first && f.theil_sen.slope > 0;
}

/* The step rule for counts (top of the file): both halves of the window rise on their own. */
static int rises_in_both_halves(const double *t, const double *y, size_t n)
{
	size_t k = 0;

	if (n == 0)
		return 0;
	double mid = (t[0] + t[n - 1]) / 2;
	while (k < n && t[k] < mid)
		k++;
	return rises_within(t, y, k) && rises_within(t + k, y + k, n - k);
}

static void judge(struct gate_metric *m, double alpha, int sustained)
{
	const struct fit_result *f = &m->fit;
	int gated = m->limit_per_min >= 0;
	int trend = f->trend_p < alpha ||
		    (f->blocks >= GATE_MONOTONE_MIN_BLOCKS && f->kendall_tau >= GATE_MONOTONE_TAU);

	m->over_gate = m->fitted && gated && f->theil_sen.slope * 60 > m->limit_per_min;
	m->significant = m->fitted && trend && f->theil_sen.lo > 0 && sustained;
	m->failed = gated && m->over_gate && m->significant;
}

static void init_report(const struct scenario_gate *g, struct gate_report *out)
{
	const double limit[GATE_N_METRICS] = {
		[GATE_RSS] = g->rss_kib_per_min,
		[GATE_THREADS] = g->threads_per_min,
		[GATE_FDS] = g->fds_per_min,
	};

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < GATE_N_METRICS; i++) {
		out->metric[i].name = metric_names[i].name;
		out->metric[i].unit = metric_names[i].unit;
		out->metric[i].limit_per_min = limit[i];
		out->metric[i].fit.trend_p = 1;
	}
	out->rss_raw.trend_p = out->rss_per_request.trend_p = 1;
}

int gate_evaluate(const struct scenario_gate *g, const struct gate_input *in,
		  struct gate_report *out)
{
	struct window w = window_after_warmup(in);
	const double *rss = in_window(&w, in->rss_kib);
	const double *counts[GATE_N_METRICS] = {
		[GATE_THREADS] = in_window(&w, in->threads),
		[GATE_FDS] = in_window(&w, in->fds),
	};
	double *net = NULL;
	int ret = -1;

	init_report(g, out);
	if (rss && g->rss_discount_lazyfree && in->lazyfree_kib) {
		net = net_of_lazyfree(rss, in_window(&w, in->lazyfree_kib), w.n);
		if (!net) {
			diag_error("out of memory fitting rss net of lazyfree");
			goto out;
		}
	}
	if (rss) {
		const double *basis = fit_rss(out, &w, rss, net);
		judge(&out->metric[GATE_RSS], g->alpha, 1);
		if (in->requests && out->metric[GATE_RSS].fitted)
			out->has_per_request = fit_per_request(in_window(&w, in->requests), basis,
							       w.n, &out->rss_per_request) == 0;
	}
	for (int i = GATE_THREADS; i < GATE_N_METRICS; i++) {
		struct gate_metric *m = &out->metric[i];
		if (!counts[i])
			continue;
		m->fitted = fit_series(w.t, counts[i], w.n, &m->fit) == 0;
		judge(m, g->alpha, m->fitted && rises_in_both_halves(w.t, counts[i], w.n));
	}
	for (int i = 0; i < GATE_N_METRICS; i++) {
		out->leak |= out->metric[i].failed;
		if (out->metric[i].fitted)
			ret = 0;
	}
out:
	free(net);
	return ret;
}

/* ---------------------------------------------------------------- summary.json */

/* jansson refuses NaN and infinities; they become null. */
static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *interval(double lo, double hi, double scale)
{
	json_t *a = json_array();

	if (json_array_append_new(a, num(lo * scale)) < 0 ||
	    json_array_append_new(a, num(hi * scale)) < 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *line_json(const struct fit_line *l)
{
	json_t *o = json_object();
	int err = 0;

	err |= json_object_set_new(o, "slope_per_min", num(l->slope * 60));
	err |= json_object_set_new(o, "ci_per_min", interval(l->lo, l->hi, 60));
	err |= json_object_set_new(o, "intercept", num(l->intercept));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The fields every metric object has; basis is NULL for counts. */
static json_t *metric_json(const struct gate_metric *m, const char *basis)
{
	const struct fit_result *f = &m->fit;
	double per_min = f->theil_sen.slope * 60;
	json_t *o = json_object();
	int err = 0;

	err |= json_object_set_new(o, "unit", json_string(m->unit));
	err |= json_object_set_new(o, "fitted", json_boolean(m->fitted));
	if (strcmp(m->unit, "KiB") == 0)
		err |= json_object_set_new(o, "slope_kib_per_min", num(per_min));
	err |= json_object_set_new(o, "slope_per_min", num(per_min));
	err |= json_object_set_new(o, "ci_per_min",
				   interval(f->theil_sen.lo, f->theil_sen.hi, 60));
	err |= json_object_set_new(o, "trend_p", num(f->trend_p));
	err |= json_object_set_new(o, "kendall_tau", num(f->kendall_tau));
	err |= json_object_set_new(o, "n_eff", num(f->n_eff));
	err |= json_object_set_new(o, "gate_per_min",
				   m->limit_per_min < 0 ? json_null() : num(m->limit_per_min));
	err |= json_object_set_new(o, "over_gate", json_boolean(m->over_gate));
	err |= json_object_set_new(o, "significant", json_boolean(m->significant));
	err |= json_object_set_new(o, "failed", json_boolean(m->failed));
	err |= json_object_set_new(o, "samples", json_integer((json_int_t)f->n));
	err |= json_object_set_new(o, "blocks", json_integer((json_int_t)f->blocks));
	err |= json_object_set_new(o, "first", num(f->y_first));
	err |= json_object_set_new(o, "last", num(f->y_last));
	if (basis)
		err |= json_object_set_new(o, "basis", json_string(basis));
	err |= json_object_set_new(o, "ols", line_json(&f->ols));
	err |= json_object_set_new(o, "theil_sen", line_json(&f->theil_sen));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *rss_json(const struct gate_report *r)
{
	const struct fit_result *k = &r->rss_per_request;
	json_t *o = metric_json(&r->metric[GATE_RSS],
				r->rss_net_of_lazyfree ? "rss-lazyfree" : "rss");
	int err = 0;

	if (o && r->has_per_request) {
		err |= json_object_set_new(o, "per_request_kib", num(k->theil_sen.slope));
		err |= json_object_set_new(o, "per_request_ci_kib",
					   interval(k->theil_sen.lo, k->theil_sen.hi, 1));
	}
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * Raw RSS is reported, not gated: no gate, never over it or failed.  Its "significant" is
 * null rather than false, since the alpha it would be judged at is not part of the report.
 */
static json_t *rss_raw_json(const struct gate_report *r)
{
	struct gate_metric raw = {
		.name = "rss", .unit = "KiB", .limit_per_min = -1, .fitted = 1, .fit = r->rss_raw,
	};
	json_t *o = metric_json(&raw, "rss");

	if (o && json_object_set_new(o, "significant", json_null()) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *gate_metrics_json(const struct gate_report *r)
{
	json_t *o = json_object();
	int err = 0;

	err |= json_object_set_new(o, "rss", rss_json(r));
	if (r->has_rss_raw)
		err |= json_object_set_new(o, "rss_raw", rss_raw_json(r));
	for (int i = GATE_THREADS; i < GATE_N_METRICS; i++)
		err |= json_object_set_new(o, r->metric[i].name, metric_json(&r->metric[i], NULL));
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---------------------------------------------------------------- failure lines */

/* Three significant figures, but no exponent and no decimals from 100 up: "2310", "2.46". */
static void format_rate(char *buf, size_t len, double v)
{
	if (fabs(v) >= 100)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.3g", v);
}

static void format_p(char *buf, size_t len, double p)
{
	if (p < 0.001)
		snprintf(buf, len, "p<0.001");
	else
		snprintf(buf, len, "p=%.3f", p);
}

void gate_describe_failure(const struct gate_report *r, char *buf, size_t len)
{
	size_t used = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (int i = 0; i < GATE_N_METRICS; i++) {
		const struct gate_metric *m = &r->metric[i];
		char rate[32], gate[32], p[16], per_req[64] = "";
		if (!m->failed)
			continue;
		format_rate(rate, sizeof(rate), m->fit.theil_sen.slope * 60);
		format_rate(gate, sizeof(gate), m->limit_per_min);
		format_p(p, sizeof(p), m->fit.trend_p);
		if (i == GATE_RSS && r->has_per_request) {
			char k[32];
			format_rate(k, sizeof(k), r->rss_per_request.theil_sen.slope);
			snprintf(per_req, sizeof(per_req), ", %s KiB per request", k);
		}
		int w = snprintf(buf + used, len - used, "%s%s %s %s %s/min (gate %s %s/min, %s)%s",
				 used ? "\n" : "", m->name, metric_names[i].verb, rate, m->unit,
				 gate, m->unit, p, per_req);
		if (w < 0 || (size_t)w >= len - used) {
			/* Keep whole lines; only a first line too long for buf is cut short. */
			if (used)
				buf[used] = '\0';
			return;
		}
		used += (size_t)w;
	}
}
