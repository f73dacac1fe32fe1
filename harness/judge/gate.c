/*
 * gate — from the run's samples to fitted slopes, shapes and a verdict (see gate.h).
 *
 * Decisions a reader may want to check:
 *   - Only samples with t_s >= warmup_s are fitted, and a memory metric's window then begins
 *     where its start-up transient ends, found from the data (warmup.h: a fill that stopped,
 *     a JIT's curve, a start-up ramp that slows into a leak).  warmup_s is the least warm-up.
 *     Slopes stay per second in the fits and become per minute only in comparisons and
 *     output.
 *   - Growth must have lasted GATE_GROWTH_RATIO times the start-up before it (up to warmup_s)
 *     before it fails, at any look: a fill is linear until it stops.  A run too short for
 *     that passes and says so (GATE_YOUNG).  Memory growth that slows down significantly
 *     across the window (its halves' Theil–Sen intervals apart, the second under half the
 *     first) is start-up still settling (GATE_SETTLING).
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
 *     bound above zero), not be slowing down or bending (shape.h), and a start-up cut from
 *     it must lie GATE_GROWTH_RATIO times as far behind as the cut itself, since a leak call
 *     ends the run and must be the verdict the whole run would give.
 *   - Floors: under a sawtooth with fewer than GATE_FEW_TROUGHS cycles the troughs are
 *     tested by OLS's t at alpha / 2 (Mann–Kendall cannot reach alpha on five points), and
 *     their block medians must lean the same way.  A count's floor under churn (the least
 *     sample of each 2 s) fails when it climbs in steps at over the gate, whatever bursts of
 *     short-lived FDs or threads do above it; one step in it is a pool.
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
#include "judge/gate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "judge/warmup.h"
#include "judge/why.h"

/* Each half of a count's window must lean upwards at least this clearly (top). */
#define GATE_HALF_P 0.25
/* A climb this monotone over this many blocks is growth whatever the trend test says (top). */
#define GATE_MONOTONE_TAU 0.9
#define GATE_MONOTONE_MIN_BLOCKS 20
/* Troughs after falls fewer than GATE_FEW_TROUGHS (verdict.h) are judged by OLS's t test, not
 * Mann–Kendall, and their block medians must lean the same way this clearly (top). */
#define GATE_FEW_AGREE_P 0.1
/* A count's floor: its least sample over stretches this long, at most FIT_MAX_BLOCKS (top). */
#define GATE_FLOOR_STRETCH_S 2.0
/* A transient is cut only when at least this many samples remain after it. */
#define GATE_MIN_CUT_SAMPLES 20


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

/* The part of w from t_s on. */
static struct window window_from(const struct window *w, double t_s)
{
	size_t i = 0;

	while (i < w->n && !(w->t[i] >= t_s))
		i++;
	return (struct window){ .t = w->t + i, .off = w->off + i, .n = w->n - i };
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

/* The first of t[0..n) at or past the middle of its span: where the second half begins. */
static size_t half_index(const double *t, size_t n)
{
	size_t k = 0;

	if (n == 0)
		return 0;
	double mid = (t[0] + t[n - 1]) / 2;
	while (k < n && t[k] < mid)
		k++;
	return k;
}

/* The step rule for counts (top of the file): both halves of the window rise on their own. */
static int rises_in_both_halves(const double *t, const double *y, size_t n)
{
	size_t k = half_index(t, n);

	return n && rises_within(t, y, k) && rises_within(t + k, y + k, n - k);
}

/* The floor of a count under churn, fitted, and whether it rises in both halves. */
struct count_floor {
	struct fit_result fit;
	int fitted;
	int steady;		/* it climbs in steps (shape.h), not one step: a pool that grew
				   once under churn is one step in its floor */
};

/*
 * The least sample of each stretch of GATE_FLOOR_STRETCH_S (longer for long windows, so that
 * there are at most FIT_MAX_BLOCKS), at the stretch's middle: bursts of short-lived FDs or
 * threads ride above it, and a leak is a floor that keeps rising whatever they do, in
 * several steps (gate_per_s sets the least step that counts, as for any shape).
 */
static void count_floor(const double *t, const double *y, size_t n, double gate_per_s,
			struct count_floor *cf)
{
	struct fit_blocks f = { .m = 0 };
	double from = NAN, low = NAN;

	memset(cf, 0, sizeof(*cf));
	if (n < 2)
		return;
	double len = fmax(GATE_FLOOR_STRETCH_S, (t[n - 1] - t[0]) / (FIT_MAX_BLOCKS - 1));
	for (size_t i = 0; i <= n; i++) {
		if (i == n || (isfinite(from) && t[i] >= from + len)) {
			if (isfinite(low) && f.m < FIT_MAX_BLOCKS) {
				f.x[f.m] = from + len / 2;
				f.y[f.m++] = low;
			}
			if (i == n)
				break;
			from = low = NAN;
		}
		if (!isfinite(t[i]) || !isfinite(y[i]))
			continue;
		if (!isfinite(from))
			from = t[i];
		low = isfinite(low) ? fmin(low, y[i]) : y[i];
	}
	f.n = f.m;
	/* The least of each stretch under bursts that come and go at random: independent of the
	 * next stretch's least but for the floor itself, which is what is tested. */
	cf->fitted = fit_points(&f, 1, &cf->fit) == 0;
	struct shape sh;
	shape_analyse(&f, NULL, gate_per_s, &sh);
	cf->steady = cf->fitted && sh.climbs;
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

/*
 * A floor rises, faster than the gate, and a trend test says so at alpha: Mann–Kendall and
 * Sen's interval, or with few independent troughs OLS's t test, which Mann–Kendall cannot
 * match on five points (its smallest p there is 1/120).
 */
static int floor_rises(const struct fit_result *t, int few, double limit_per_min, double alpha)
{
	const struct fit_line *l = few ? &t->ols : &t->theil_sen;
	double p = few ? t->ols_p : t->trend_p;

	return limit_per_min >= 0 && p < alpha && l->lo > 0 && l->slope * 60 > limit_per_min;
}

/* Memory: the troughs under a sawtooth rise (floor_rises). */
static int troughs_rise(const struct gate_metric *m, double alpha)
{
	const struct shape *sh = &m->shape;

	int few = sh->cycles && sh->cycles < GATE_FEW_TROUGHS;

	/* The t test on few troughs is a second test beside the trend test's: each at half, and
	 * the troughs' block medians must lean the same way (shape.c: sampling-phase drift). */
	return sh->troughs_fitted && floor_rises(&sh->troughs, few, m->limit_per_min,
						 few ? alpha / 2 : alpha) &&
	       (!few || sh->troughs_median_p < GATE_FEW_AGREE_P);
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
	if ((m->over_gate || floor) && m->young && (climb || trend || floor))
		return GATE_YOUNG;
	if ((m->over_gate || floor) && (m->settling || m->unsettled) && (climb || trend || floor))
		return GATE_SETTLING;
	if ((m->over_gate && (climb || trend)) || floor)
		return GATE_ONCE;
	if (m->over_gate)
		return GATE_NOISE;
	return looks_like_sawtooth(m) ? GATE_SAWTOOTH : GATE_UNDER;
}

/*
 * Growth that slows down significantly: the second half of the window grows at under half
 * the rate of the first, and their Theil–Sen intervals do not overlap.  A start-up that
 * outlasts its window bends like this; a leak, however it steps, keeps its pace within the
 * intervals.
 */
static int slows_down(const double *t, const double *y, size_t n)
{
	struct fit_result a, b;
	size_t k = half_index(t, n);

	if (fit_series(t, y, k, &a) < 0 || fit_series(t + k, y + k, n - k, &b) < 0)
		return 0;
	return a.theil_sen.slope > 0 && b.theil_sen.slope < a.theil_sen.slope / 2 &&
	       b.theil_sen.hi < a.theil_sen.lo;
}

/* What judge needs beyond the fit: the window's samples, its count rules, the look. */
struct judging {
	const double *t, *y;	/* the metric's window (the basis for memory) */
	size_t n;
	double alpha;
	int counts_ok;		/* the step rule for counts; 1 for memory */
	const struct count_floor *floor;	/* a count's floor; NULL for memory */
	int early;
	/* Since when the metric has been judged (warmup_s, or where the run's samples begin)
	 * and for how long: growth that is cut as start-up (it slowed) is growth all the same,
	 * so its age counts from there. */
	double since_s, lasted_s;
	double onset_s;		/* early looks: where growth began (warmup_onset) */
};

/*
 * Growth that has not lasted GATE_GROWTH_RATIO times the start-up before it (the time up to
 * warmup_s) may be start-up still: a fill is linear until the moment it stops.
 * This holds for every verdict, early or not, so that an early one is the verdict the whole
 * run gives; a run too short for it passes with a why that says so.
 */
static int too_young(const struct judging *j)
{
	return j->lasted_s < GATE_GROWTH_RATIO * j->since_s;
}

/*
 * At an early look, whether growth may yet stop: its last stretch is not shown to grow, it
 * slows (shape.h), its start-up lasted to the cap, a start-up was cut and what grows after
 * it has not yet lasted GATE_GROWTH_RATIO times as long as the cut start (the gentle tail of
 * a JIT's log-shaped growth is straight for a while), or growth that began after a flat
 * start (warmup_onset) has not lasted that many times as long as the flat start (a JVM that
 * touches its initial heap for the first time climbs straight for seconds, then stops).  A
 * leak call ends the run, so it waits; the whole run's verdict judges what follows the cut as
 * growth that began at warmup_s.
 */
static int may_yet_stop(const struct gate_metric *m, const struct judging *j)
{
	return !m->shape.tail_grows || m->shape.slowing || m->transient_capped ||
	       (m->transient && m->span_s < GATE_GROWTH_RATIO * m->window_start_s) ||
	       j->since_s + j->lasted_s - j->onset_s < GATE_GROWTH_RATIO * j->onset_s;
}

/* Judge one fitted metric over its window. */
static void judge(struct gate_metric *m, const struct fit_blocks *b, const struct judging *j)
{
	const struct fit_result *f = &m->fit;
	int gated = m->limit_per_min >= 0;

	struct shape_samples raw = { .t = j->t, .y = j->y, .n = j->n };
	shape_analyse(b, &raw, gated ? m->limit_per_min / 60 : 0, &m->shape);
	int climb = m->fitted && m->shape.climbs;
	int trend = m->fitted && ((f->trend_p < j->alpha && f->theil_sen.lo > 0) ||
				  (f->blocks >= GATE_MONOTONE_MIN_BLOCKS &&
				   f->kendall_tau >= GATE_MONOTONE_TAU));
	int floor = m->fitted && (j->floor ? j->floor->steady &&
		     floor_rises(&j->floor->fit, 0, m->limit_per_min, j->alpha) :
		     troughs_rise(m, j->alpha));

	/* A staircase's pairs mostly lie on one plateau, which drags Theil–Sen far below the
	 * rate of its steps; a climb has no outliers to be robust against, so OLS judges it. */
	m->over_gate = m->fitted && gated && (f->theil_sen.slope * 60 > m->limit_per_min ||
					      (climb && f->ols.slope * 60 > m->limit_per_min));
	m->significant = ((climb || trend) && j->counts_ok) || floor;
	m->stopped = m->fitted && m->shape.stopped;
	int grows = gated && ((j->counts_ok && m->over_gate && (climb || trend)) || floor) &&
		    !m->stopped;
	m->young = grows && too_young(j);
	/* Only growth that would fail is asked whether it is still settling: it costs two fits.
	 * Counts move in whole steps at random: their halves differ by chance, and a pool that
	 * grows has the step rule.  Slowing down is a memory metric's start-up. */
	m->settling = grows && !m->young && !j->floor && slows_down(j->t, j->y, j->n);
	m->unsettled = grows && j->early && (m->settling || may_yet_stop(m, j));
	m->failed = grows && !m->young && !m->settling && !m->unsettled;
	/* A count that stepped once (a runtime starting one more thread) has the step rule for
	 * it; its rise is no worst case to hold against every later look. */
	int one_step = j->floor && m->shape.rises <= 1;
	m->upper_per_min = NAN;
	if (m->fitted && m->shape.span > 0)
		m->upper_per_min = 60 * fmax(fmax(f->theil_sen.hi, f->ols.hi),
					     one_step ? -INFINITY :
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

/*
 * Cut metric m's start-up transient (warmup.h) from w, whose blocks b hold m's fit over w:
 * records where m's window begins and, when it moved, refits m (and b) on what follows.
 * y is the series fitted over w; raw, when not NULL, the raw RSS fitted beside it.
 */
static struct window cut_transient(struct gate_metric *m, const struct window *w,
				   const double *y, const double *raw, struct fit_blocks *b,
				   struct gate_report *r)
{
	struct warmup wu = { 0 };
	struct window cut = *w;

	m->window_start_s = w->n ? w->t[0] : NAN;
	/* A window already under its gate at both intervals' upper bounds needs no cut: a
	 * start-up too small to matter only costs the span an early pass waits for. */
	int needed = !(m->limit_per_min >= 0 && 60 * fmax(m->fit.theil_sen.hi, m->fit.ols.hi) <
		       m->limit_per_min);
	if (m->fitted && needed) {
		warmup_detect(b, &wu);
		if (wu.start_block)
			cut = window_from(w, wu.start_x);
	}
	if (cut.n == w->n || cut.n < GATE_MIN_CUT_SAMPLES) {
		cut = *w;
	} else if (fit_series_blocks(cut.t, y + (cut.off - w->off), cut.n, &m->fit, b) == 0) {
		m->transient = 1;
		m->transient_capped = wu.capped;
		m->window_start_s = cut.t[0];
		if (raw)
			r->has_rss_raw = fit_series(cut.t, raw + (cut.off - w->off), cut.n,
						    &r->rss_raw) == 0;
	} else {
		m->fitted = fit_series_blocks(w->t, y, w->n, &m->fit, b) == 0;
		cut = *w;
	}
	m->span_s = m->fitted && cut.n ? cut.t[cut.n - 1] - cut.t[0] : 0;
	return cut;
}

/*
 * A count: its fit, the step rule and its floor under churn.  Counts are not cut for start-up:
 * a pool that grows once is one step, which the step rule already passes, and the cut would
 * take a staircase's first steps for a transient.
 */
static void evaluate_count(const struct window *w, const double *y, double alpha, int early,
			   struct gate_metric *m)
{
	struct fit_blocks b;
	struct count_floor cf;

	m->fitted = fit_series_blocks(w->t, y, w->n, &m->fit, &b) == 0;
	m->window_start_s = w->n ? w->t[0] : NAN;
	m->span_s = m->fitted ? w->t[w->n - 1] - w->t[0] : 0;
	count_floor(w->t, y, w->n, m->limit_per_min >= 0 ? m->limit_per_min / 60 : 0, &cf);
	struct judging j = {
		.t = w->t, .y = y, .n = w->n, .alpha = alpha, .floor = &cf, .early = early,
		.counts_ok = m->fitted && rises_in_both_halves(w->t, y, w->n),
		.since_s = m->window_start_s, .lasted_s = m->span_s,
		.onset_s = m->window_start_s,
	};
	judge(m, &b, &j);
	if (m->reason == GATE_FLOOR)
		m->shape.troughs = cf.fit;
}

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
		evaluate_count(w, y, out->alpha_now, in->early, m);
		return 0;
	}
	if (m->def->lazyfree && g->rss_discount_lazyfree && in->lazyfree_kib) {
		net = net_of_lazyfree(y, in_window(w, in->lazyfree_kib), w->n);
		if (!net)
			return diag_error("out of memory fitting %s net of lazyfree", m->name);
	}
	const double *basis = fit_memory(out, i, w, y, net, &b);
	double onset = in->early && m->fitted ? warmup_onset(&b) : w->n ? w->t[0] : 0;
	struct window c = cut_transient(m, w, basis, basis == net && i == METRIC_RSS ? y : NULL,
					&b, out);
	struct judging j = {
		.t = c.t, .y = basis + (c.off - w->off), .n = c.n, .alpha = out->alpha_now,
		.counts_ok = 1, .early = in->early, .since_s = w->n ? w->t[0] : 0,
		.lasted_s = w->n ? w->t[w->n - 1] - w->t[0] : 0, .onset_s = onset,
	};
	judge(m, &b, &j);
	if (i == METRIC_RSS && in->requests && m->fitted)
		out->has_per_request = fit_per_request(in_window(&c, in->requests), j.y, c.n,
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
		why_describe(out, (int)i);
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
		if (g->limit_per_min >= 0 && (!g->below || g->span_s < pass_min_s))
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

/*
 * Where the fit began and why: {"start_s", "span_s", "from": "warmup_s" | "start-up"
 * | "start-up, capped"}.  The start-up is the transient found in the data (warmup.h).
 */
static json_t *window_json(const struct gate_metric *m)
{
	const char *from = !m->transient ? "warmup_s" : m->transient_capped ?
			   "start-up, capped" : "start-up";

	return json_pack("{s:o, s:o, s:s}", "start_s", num(m->window_start_s), "span_s",
			 num(m->span_s), "from", from);
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
	err |= json_object_set_new(o, "settling", json_boolean(m->settling));
	err |= json_object_set_new(o, "window", window_json(m));
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

/* Each metric's why is why.h's; these join them into the verdict's lines. */

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
