/*
 * gate — from the run's samples to fitted slopes, shapes and a verdict (see gate.h).
 *
 * Decisions a reader may want to check:
 *   - Only samples with t_s >= warmup_s are fitted.  Slopes stay per second in the fits and
 *     become per minute only in comparisons and output.
 *   - RSS is gated net of LazyFree when the scenario asks for it and LazyFree was sampled:
 *     rss - lazyfree per sample, NaN (skipped) where LazyFree has no reading.  Raw RSS is then
 *     fitted too, for the report.  When too few LazyFree readings fall after the warm-up, raw
 *     RSS is gated instead, with a warning, and the basis says "rss".
 *   - Three ways to show growth is real, any one enough: a climb that never falls back
 *     (shape.h), the trend test with the Theil–Sen interval above zero, or the troughs under
 *     a sawtooth rising (faster than the gate themselves).  The trend test's Hamed–Rao
 *     correction reads the deterministic residue of a clean climb (page rounding, the tied
 *     plateaus of a staircase) as autocorrelated noise and inflated Var(S) ~25-fold on real
 *     leaks; the climb and the troughs do not depend on it.  A near-monotone climb (Kendall's
 *     tau >= 0.9 over at least 20 blocks) also counts, as before.  Each rule was added against
 *     the confusion matrix of bench/verdicts, never against the bundled targets alone.
 *   - Growth that stopped is not a leak: the shape's last stretch must still be able to grow
 *     at the gate (its upper bound); at an early look it must be shown to grow (its lower
 *     bound above zero) and not be slowing down (a warm-up that outlasted warmup_s), since a
 *     leak call ends the run.
 *   - Counts (threads, FDs) move in whole steps, and one step inside a short window looks like
 *     growth: a count must also rise within each half of the window, its last block above its
 *     first, leaning upwards (a positive Theil–Sen slope, or a clean staircase, whose median
 *     pairwise slope is zero) with a one-sided p below 0.25 in that half — noise in the flat
 *     half of a noisy FD count passed the looser rule in ~5 % of runs.  A count leak must then
 *     step in each half of the window: in a 30 s window only leaks of several per minute are
 *     reliably seen, about what integer counts can resolve in that time anyway.
 *   - Per request: RSS (on the gated basis) against cumulative completed requests, keeping
 *     only samples where the count went up, so that x is strictly increasing.
 */
#include "gate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

/* Each half of a count's window must lean upwards at least this clearly (top). */
#define GATE_HALF_P 0.25
/* A climb this monotone over this many blocks is growth whatever the trend test says (top). */
#define GATE_MONOTONE_TAU 0.9
#define GATE_MONOTONE_MIN_BLOCKS 20


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

/*
 * Fit memory metric i, net of LazyFree when net != NULL and it has enough points; returns the
 * series used.  RSS fitted net keeps its raw fit beside it, for the report.
 */
static const double *fit_memory(struct gate_report *r, int i, const struct window *w,
				const double *raw, const double *net, struct fit_blocks *b)
{
	struct gate_metric *m = &r->metric[i];

	if (net && fit_series_blocks(w->t, net, w->n, &m->fit, b) == 0) {
		m->fitted = m->net_of_lazyfree = 1;
		if (i == METRIC_RSS) {
			r->rss_net_of_lazyfree = 1;
			r->has_rss_raw = fit_series(w->t, raw, w->n, &r->rss_raw) == 0;
		}
		return net;
	}
	m->fitted = fit_series_blocks(w->t, raw, w->n, &m->fit, b) == 0;
	if (net && m->fitted)
		diag_warning("too few lazyfree readings after warm-up to gate %s net of lazyfree "
			     "(gating raw %s; run longer or read lazyfree more often)", m->name,
			     m->name);
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

/* Block medians never fall, and end above where they began: a clean count's staircase. */
static int steps_up(const struct fit_blocks *b)
{
	for (size_t i = 1; i < b->m; i++)
		if (b->y[i] < b->y[i - 1])
			return 0;
	return b->m && b->y[b->m - 1] > b->y[0];
}

/*
 * A count rises within one span: its last block is above its first, and either its Theil–Sen
 * slope is positive or it is a clean staircase (a count that steps twice in a half has a
 * median pairwise slope of zero, most pairs lying on one plateau).
 */
static int rises_within(const double *t, const double *y, size_t n)
{
	struct fit_result f;
	struct fit_blocks b;

	return fit_series_blocks(t, y, n, &f, &b) == 0 && f.y_last > f.y_first &&
	       (f.theil_sen.slope > 0 || steps_up(&b)) && f.trend_p < GATE_HALF_P;
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

/* z with P(Z > z) = p for a standard normal Z, 0 < p < 0.5, by bisection on erfc. */
static double z_upper(double p)
{
	double lo = 0, hi = 40;

	for (int i = 0; i < 80; i++) {
		double mid = (lo + hi) / 2;
		if (0.5 * erfc(mid / M_SQRT2) > p)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

/*
 * The trend test's level at this look.  A finished run is judged at alpha.  A look at the
 * fraction tau of the most the run may fit uses the O'Brien–Fleming boundary z_{alpha/2} /
 * sqrt(tau): for a statistic that moves like Brownian motion in information time, the chance
 * of ever crossing that boundary, however often one looks, is alpha (reflection principle),
 * and early looks need overwhelming evidence while the last one needs about what a single
 * look would.
 */
static double look_alpha(double alpha, double fitted_s, double max_fit_s)
{
	if (max_fit_s <= 0)
		return alpha;
	double tau = fitted_s / max_fit_s;
	tau = tau > 1 ? 1 : tau < 1e-3 ? 1e-3 : tau;
	return 0.5 * erfc(z_upper(alpha / 2) / sqrt(tau) / M_SQRT2);
}

/* Under the gate, and the troughs flat while the series falls back a lot: a sawtooth. */
static int looks_like_sawtooth(const struct gate_metric *m)
{
	const struct shape *sh = &m->shape;
	double rise = fabs(m->fit.theil_sen.slope) * sh->span;

	return sh->max_fall > 4 * fmax(sh->step, rise) &&
	       fabs(sh->floor_last - sh->floor_first) < 2 * fmax(sh->step, rise);
}

/* The troughs rise, faster than the gate, and the trend test says so at alpha. */
static int troughs_rise(const struct gate_metric *m, double alpha)
{
	const struct fit_result *t = &m->shape.troughs;

	return m->shape.troughs_fitted && m->limit_per_min >= 0 && t->trend_p < alpha &&
	       t->theil_sen.lo > 0 && t->theil_sen.slope * 60 > m->limit_per_min;
}

static enum gate_reason reason_of(const struct gate_metric *m, int climb, int trend, int floor)
{
	if (!m->fitted)
		return GATE_NOT_FITTED;
	if (m->failed)
		return climb && m->over_gate ? GATE_CLIMB : trend && m->over_gate ? GATE_TREND :
		       GATE_FLOOR;
	if ((m->over_gate || floor) && m->stopped && (climb || trend || floor))
		return GATE_STOPPED;
	if ((m->over_gate && (climb || trend)) || floor)
		return GATE_ONCE;
	if (m->over_gate)
		return GATE_NOISE;
	return looks_like_sawtooth(m) ? GATE_SAWTOOTH : GATE_UNDER;
}

/*
 * Judge one fitted metric.  alpha is this look's level; counts_ok is the step rule for counts
 * (1 for memory).
 */
static void judge(struct gate_metric *m, const struct fit_blocks *b, double alpha, int counts_ok,
		  int early)
{
	const struct fit_result *f = &m->fit;
	int gated = m->limit_per_min >= 0;

	shape_analyse(b, gated ? m->limit_per_min / 60 : 0, &m->shape);
	int climb = m->fitted && m->shape.climbs;
	int trend = m->fitted && ((f->trend_p < alpha && f->theil_sen.lo > 0) ||
				  (f->blocks >= GATE_MONOTONE_MIN_BLOCKS &&
				   f->kendall_tau >= GATE_MONOTONE_TAU));
	int floor = m->fitted && troughs_rise(m, alpha);

	/* A staircase's pairs mostly lie on one plateau, which drags Theil–Sen far below the
	 * rate of its steps; a climb has no outliers to be robust against, so OLS judges it. */
	m->over_gate = m->fitted && gated && (f->theil_sen.slope * 60 > m->limit_per_min ||
					      (climb && f->ols.slope * 60 > m->limit_per_min));
	m->significant = (climb || trend || floor) && counts_ok;
	m->stopped = m->fitted && (m->shape.stopped ||
				   (early && (!m->shape.tail_grows || m->shape.slowing)));
	m->failed = gated && counts_ok && ((m->over_gate && (climb || trend)) || floor) &&
		    !m->stopped;
	m->upper_per_min = NAN;
	if (m->fitted && m->shape.span > 0)
		m->upper_per_min = 60 * fmax(fmax(f->theil_sen.hi, f->ols.hi),
					     (m->shape.ceil_last - m->shape.floor_first) /
					     m->shape.span);
	m->below = gated && m->upper_per_min < m->limit_per_min;
	m->reason = reason_of(m, climb, trend, floor);
}

static void init_report(const struct scenario_gate *g, const struct metric_set *set,
			struct gate_report *out)
{
	memset(out, 0, sizeof(*out));
	out->n_metrics = set->n;
	for (size_t i = 0; i < set->n; i++) {
		out->metric[i].def = &set->def[i];
		out->metric[i].name = set->def[i].name;
		out->metric[i].unit = set->def[i].unit;
		out->metric[i].limit_per_min = g->per_min[i];
		out->metric[i].fit.trend_p = 1;
	}
	out->rss_raw.trend_p = out->rss_per_request.trend_p = 1;
}

static void describe_metric(struct gate_report *r, int i);

/* Fit and judge metric i over the window; 0, or -1 when out of memory. */
static int evaluate_metric(const struct scenario_gate *g, const struct gate_input *in,
			   const struct window *w, int i, struct gate_report *out)
{
	const double *y = in_window(w, in->col[i]);
	struct gate_metric *m = &out->metric[i];
	struct fit_blocks b;
	double *net = NULL;

	if (!y)
		return 0;
	if (m->def->kind == METRIC_COUNT) {
		m->fitted = fit_series_blocks(w->t, y, w->n, &m->fit, &b) == 0;
		judge(m, &b, out->alpha_now, m->fitted && rises_in_both_halves(w->t, y, w->n),
		      in->early);
		return 0;
	}
	if (m->def->lazyfree && g->rss_discount_lazyfree && in->lazyfree_kib) {
		net = net_of_lazyfree(y, in_window(w, in->lazyfree_kib), w->n);
		if (!net)
			return diag_error("out of memory fitting %s net of lazyfree", m->name);
	}
	const double *basis = fit_memory(out, i, w, y, net, &b);
	judge(m, &b, out->alpha_now, 1, in->early);
	if (i == METRIC_RSS && in->requests && m->fitted)
		out->has_per_request = fit_per_request(in_window(w, in->requests), basis, w->n,
						       &out->rss_per_request) == 0;
	free(net);
	return 0;
}

int gate_evaluate(const struct scenario_gate *g, const struct gate_input *in,
		  struct gate_report *out)
{
	struct window w = window_after_warmup(in);
	int ret = -1;

	init_report(g, in->metrics, out);
	out->fitted_s = w.n ? w.t[w.n - 1] - w.t[0] : 0;
	out->alpha_now = look_alpha(g->alpha, out->fitted_s, in->max_fit_s);
	for (size_t i = 0; i < out->n_metrics; i++)
		if (evaluate_metric(g, in, &w, (int)i, out) < 0)
			return -1;
	for (size_t i = 0; i < out->n_metrics; i++) {
		out->leak |= out->metric[i].failed;
		if (out->metric[i].fitted)
			ret = 0;
	}
	for (size_t i = 0; i < out->n_metrics; i++)
		describe_metric(out, (int)i);
	return ret;
}

enum gate_settled gate_monitor_look(struct gate_monitor *m, const struct gate_report *r,
				    double max_fit_s)
{
	double leak_min_s = fmin(fmax(GATE_EARLY_LEAK_MIN_S, max_fit_s / 5), GATE_EARLY_MAX_WAIT_S);
	double pass_min_s = fmax(GATE_EARLY_PASS_MIN_S, max_fit_s / 2);

	m->leak_looks = r->leak ? m->leak_looks + 1 : 0;
	if (r->leak)
		return m->leak_looks >= 2 && r->fitted_s >= leak_min_s ? GATE_SETTLED_LEAK :
		       GATE_OPEN;
	if (r->fitted_s < pass_min_s)
		return GATE_OPEN;
	for (size_t i = 0; i < r->n_metrics; i++) {
		const struct gate_metric *g = &r->metric[i];
		if (g->limit_per_min >= 0 && !g->below)
			return GATE_OPEN;
	}
	return GATE_SETTLED_PASS;
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

/* The shape's evidence, for users who want to check the why against the numbers. */
static json_t *shape_json(const struct shape *sh)
{
	const struct fit_result *t = &sh->troughs;

	return json_pack("{s:i, s:o, s:o, s:o, s:b, s:b, s:b, s:i, s:o, s:o}",
			 "rises", (int)sh->rises, "max_fall", num(sh->max_fall),
			 "floor_first", num(sh->floor_first), "floor_last", num(sh->floor_last),
			 "climbs", sh->climbs, "staircase", sh->staircase, "stopped", sh->stopped,
			 "cycles", (int)sh->cycles, "troughs_slope_per_min",
			 sh->troughs_fitted ? num(t->theil_sen.slope * 60) : json_null(),
			 "troughs_p", sh->troughs_fitted ? num(t->trend_p) : json_null());
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
	if (m->def && m->def->column)
		err |= json_object_set_new(o, "column", json_string(m->def->column));
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
	err |= json_object_set_new(o, "stopped", json_boolean(m->stopped));
	err |= json_object_set_new(o, "why", json_string(m->why));
	err |= json_object_set_new(o, "shape", shape_json(&m->shape));
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

/* A memory metric's basis: "rss" or "rss-lazyfree" (the name, net of LazyFree or not). */
static json_t *memory_json(const struct gate_report *r, int i)
{
	const struct fit_result *k = &r->rss_per_request;
	const struct gate_metric *m = &r->metric[i];
	char basis[64];
	json_t *o;
	int err = 0;

	snprintf(basis, sizeof(basis), "%s%s", m->name, m->net_of_lazyfree ? "-lazyfree" : "");
	o = metric_json(m, basis);
	if (o && i == METRIC_RSS && r->has_per_request) {
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
		.def = r->metric[METRIC_RSS].def,
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

	for (size_t i = 0; i < r->n_metrics; i++) {
		const struct gate_metric *m = &r->metric[i];
		err |= json_object_set_new(o, m->name, m->def->kind == METRIC_SIZE &&
					   m->def->lazyfree ? memory_json(r, (int)i) :
					   metric_json(m, NULL));
		if (i == METRIC_RSS && r->has_rss_raw)
			err |= json_object_set_new(o, "rss_raw", rss_raw_json(r));
	}
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

/* A memory level in the unit a person reads: "812 KiB", "31.2 MiB", "2.05 GiB". */
static void format_kib(char *buf, size_t len, double kib)
{
	if (fabs(kib) >= 1024 * 1024)
		snprintf(buf, len, "%.3g GiB", kib / (1024 * 1024));
	else if (fabs(kib) >= 1024)
		snprintf(buf, len, "%.3g MiB", kib / 1024);
	else
		snprintf(buf, len, "%.0f KiB", kib);
}

/* A level of m: KiB, MiB or GiB for memory, a plain number otherwise. */
static void format_level(char *buf, size_t len, const struct gate_metric *m, double v)
{
	if (strcmp(m->unit, "KiB") == 0)
		format_kib(buf, len, v);
	else if (strcmp(m->unit, "bytes") == 0)
		format_kib(buf, len, v / 1024);
	else
		snprintf(buf, len, "%.4g", v);
}

/* How m's rates are written after the number: " KiB/min", " bytes/min" or "/min". */
static const char *rate_suffix(const struct gate_metric *m)
{
	return strcmp(m->unit, "KiB") == 0 ? " KiB/min" :
	       strcmp(m->unit, "bytes") == 0 ? " bytes/min" : "/min";
}

/* "+4523 KiB/min (gate 128 KiB/min" — the caller closes the parenthesis. */
static void format_rate_gate(char *buf, size_t len, const struct gate_metric *m,
			     double slope_per_s)
{
	char rate[32], gate[32];
	const char *unit = rate_suffix(m), *sign = slope_per_s >= 0 ? "+" : "";

	format_rate(rate, sizeof(rate), slope_per_s * 60);
	if (m->limit_per_min < 0) {
		snprintf(buf, len, "%s%s%s (not gated", sign, rate, unit);
		return;
	}
	format_rate(gate, sizeof(gate), m->limit_per_min);
	snprintf(buf, len, "%s%s%s (gate %s%s", sign, rate, unit, gate, unit);
}

/* ", 4.2 KiB per request" for a memory metric with a driver, else "". */
static void format_per_request(char *buf, size_t len, const struct gate_report *r, int i)
{
	char k[32];

	buf[0] = '\0';
	if (i != METRIC_RSS || !r->has_per_request)
		return;
	format_rate(k, sizeof(k), r->rss_per_request.theil_sen.slope);
	snprintf(buf, len, ", %s KiB per request", k);
}

/* metric.why: one sentence a person can check against the plot. */
static void describe_metric(struct gate_report *r, int i)
{
	struct gate_metric *m = &r->metric[i];
	const struct shape *sh = &m->shape;
	char rg[96], p[16], lvl[32], fall[32], per_req[64];
	const char *name = m->name;

	/* A climb is judged on its OLS slope when Theil–Sen is held down by plateaus (judge). */
	format_rate_gate(rg, sizeof(rg), m, m->reason == GATE_CLIMB ?
			 fmax(m->fit.ols.slope, m->fit.theil_sen.slope) : m->fit.theil_sen.slope);
	format_p(p, sizeof(p), m->fit.trend_p);
	format_level(fall, sizeof(fall), m, sh->max_fall);
	format_per_request(per_req, sizeof(per_req), r, i);
	switch (m->reason) {
	case GATE_NOT_FITTED:
		snprintf(m->why, sizeof(m->why), "%s: too few samples after warm-up", name);
		break;
	case GATE_CLIMB:
		if (sh->staircase)
			snprintf(m->why, sizeof(m->why), "%s rose in %u steps and never fell back: "
				 "%s)%s", name, sh->rises, rg, per_req);
		else
			snprintf(m->why, sizeof(m->why), "%s climbed steadily and never fell back: "
				 "%s)%s", name, rg, per_req);
		break;
	case GATE_TREND:
		snprintf(m->why, sizeof(m->why), "%s grows %s, %s)%s", name, rg, p, per_req);
		break;
	case GATE_FLOOR:
		format_rate(lvl, sizeof(lvl), sh->troughs.theil_sen.slope * 60);
		format_p(p, sizeof(p), sh->troughs.trend_p);
		snprintf(m->why, sizeof(m->why), "%s troughs rise %s%s under a sawtooth: %s, "
			 "%s)%s", name, lvl, rate_suffix(m), rg, p, per_req);
		break;
	case GATE_STOPPED:
		format_level(lvl, sizeof(lvl), m, m->fit.y_last);
		snprintf(m->why, sizeof(m->why), "%s growth stopped %.0f s before the end, flat at "
			 "%s: bounded, not a leak", name, sh->tail, lvl);
		break;
	case GATE_ONCE:
		snprintf(m->why, sizeof(m->why), "%s rose in one half of the window only: a pool "
			 "that grew once, not a leak", name);
		break;
	case GATE_NOISE:
		snprintf(m->why, sizeof(m->why), "%s %s) is not told apart from noise: %s, fell "
			 "back by %s", name, rg, p, fall);
		break;
	case GATE_SAWTOOTH:
		format_level(lvl, sizeof(lvl), m, sh->floor_last);
		snprintf(m->why, sizeof(m->why), "%s troughs flat at %s, falling back by %s: a "
			 "sawtooth, not growth", name, lvl, fall);
		break;
	case GATE_UNDER:
		if (m->limit_per_min >= 0 && m->below) {
			char hi[32];
			format_rate(hi, sizeof(hi), m->upper_per_min);
			snprintf(m->why, sizeof(m->why), "%s %s): at most %s%s", name, rg, hi,
				 rate_suffix(m));
		} else {
			snprintf(m->why, sizeof(m->why), "%s %s)%s", name, rg,
				 m->limit_per_min >= 0 ? ": under the gate" : "");
		}
		break;
	}
}

/* Append line to buf (used bytes so far), after sep when not first; 0, or -1 when full. */
static int append_line(char *buf, size_t len, size_t *used, const char *sep, const char *line)
{
	int w = snprintf(buf + *used, len - *used, "%s%s", *used ? sep : "", line);

	if (w < 0 || (size_t)w >= len - *used) {
		/* Keep whole lines; only a first line too long for buf is cut short. */
		if (*used)
			buf[*used] = '\0';
		return -1;
	}
	*used += (size_t)w;
	return 0;
}

/* The failed metrics' whys into buf, joined by sep; 0, or -1 when buf filled up. */
static int describe_failed(const struct gate_report *r, char *buf, size_t len, size_t *used,
			   const char *sep)
{
	buf[0] = '\0';
	for (size_t i = 0; i < r->n_metrics; i++)
		if (r->metric[i].failed && append_line(buf, len, used, sep, r->metric[i].why) < 0)
			return -1;
	return 0;
}

void gate_describe_failure(const struct gate_report *r, char *buf, size_t len)
{
	size_t used = 0;

	if (len)
		describe_failed(r, buf, len, &used, "\n");
}

void gate_describe(const struct gate_report *r, char *buf, size_t len)
{
	size_t used = 0;

	if (len && describe_failed(r, buf, len, &used, "; ") == 0 && !r->leak)
		append_line(buf, len, &used, "", r->metric[METRIC_RSS].why);
}
