/*
 * gate — from fitted slopes and the scenario's thresholds to a verdict.
 *
 * A metric fails only when its robust (Theil–Sen) growth is above its gate AND the growth is
 * statistically real: the one-sided trend test rejects "no increase" at gate.alpha and the
 * lower bound of the Theil–Sen interval is above zero.  Threads and FDs are counts that move in
 * steps: for them "real" also needs the count to rise within each half of the fit window, so a
 * pool that grows once is not a leak.  Anything else passes: a detector that cries wolf on
 * sawtooth or warm-up gets switched off.
 */
#ifndef LEAKSOAK_GATE_H
#define LEAKSOAK_GATE_H

#include <jansson.h>
#include <stddef.h>

#include "fit.h"
#include "scenario.h"

enum gate_metric_id { GATE_RSS, GATE_THREADS, GATE_FDS, GATE_N_METRICS };

/* The run's samples as parallel arrays, all n long (the caller owns them). */
struct gate_input {
	const double *t_s;
	const double *rss_kib;		/* raw RSS */
	const double *lazyfree_kib;	/* NULL when not sampled */
	const double *threads;
	const double *fds;
	const double *requests;		/* cumulative completed requests; NULL without a driver */
	size_t n;
	double warmup_s;		/* samples with t_s < warmup_s are not fitted */
};

struct gate_metric {
	const char *name;	/* "rss", "threads", "fds" */
	const char *unit;	/* "KiB", "threads", "fds" */
	double limit_per_min;	/* < 0: not gated */
	int fitted;		/* 0: too few samples after warm-up */
	struct fit_result fit;	/* slopes per second */
	int over_gate;		/* Theil–Sen slope above the limit */
	int significant;	/* trend test and interval say it grows (counts: in both halves) */
	int failed;		/* over_gate && significant && gated */
};

struct gate_report {
	struct gate_metric metric[GATE_N_METRICS];
	int rss_net_of_lazyfree;	/* metric[GATE_RSS] is RSS − LazyFree */
	int has_rss_raw;
	struct fit_result rss_raw;	/* raw RSS fit, when rss_net_of_lazyfree */
	int has_per_request;
	struct fit_result rss_per_request;	/* KiB per completed request */
	int leak;			/* any metric failed */
};

/* Fit every metric of in and judge it against g.  Returns 0, or -1 if nothing could be fitted. */
int gate_evaluate(const struct scenario_gate *g, const struct gate_input *in,
		  struct gate_report *out);

/*
 * The "metrics" object of summary.json (new reference; caller decrefs):
 *   { "rss": { "unit": "KiB", "slope_kib_per_min": S, "slope_per_min": S,
 *              "ci_per_min": [lo, hi], "trend_p": p, "gate_per_min": G|null,
 *              "over_gate": b, "significant": b, "failed": b, "samples": n, "blocks": m,
 *              "first": y0, "last": y1, "basis": "rss-lazyfree"|"rss",
 *              "ols": {"slope_per_min", "ci_per_min", "intercept"},
 *              "theil_sen": {"slope_per_min", "ci_per_min", "intercept"},
 *              "per_request_kib": k (with a driver) },
 *     "rss_raw": { same fields, when RSS is gated net of LazyFree },
 *     "threads": { ... "slope_per_min" ... }, "fds": { ... } }
 * Intercepts are in the metric's unit at t_s = 0, so a plot can draw the fitted line.
 */
json_t *gate_metrics_json(const struct gate_report *r);

/*
 * One line per failed metric into buf, newline-separated:
 *   "rss grows 2310 KiB/min (gate 512 KiB/min, p<0.001), 4.2 KiB per request"
 * A line that does not fit is left out whole rather than cut.
 */
void gate_describe_failure(const struct gate_report *r, char *buf, size_t len);

#endif
