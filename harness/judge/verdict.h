/*
 * verdict — what gate_evaluate (gate.h) concludes about a run, metric by metric: the fits,
 * the shape, the rules that held and the reason, and the sentence that says it (why.h).
 *
 * Plain data, no functions: the gate fills it, the whys word it, and the early looks
 * (gate_monitor_look), summary.json and the report read it.  It holds one look
 * (gate_input.max_fit_s > 0) or the finished run.
 */
#ifndef LEAKSOAK_VERDICT_H
#define LEAKSOAK_VERDICT_H

#include <stddef.h>

#include "judge/fit.h"
#include "judge/shape.h"
#include "scenario/metric.h"

/* Troughs after fewer falls than this are judged by OLS's t test, not Mann–Kendall (gate.c);
 * the why names the line they were judged on. */
#define GATE_FEW_TROUGHS 10

/* Why a metric passed or failed, for the sentence in gate_metric.why. */
enum gate_reason {
	GATE_NOT_FITTED,	/* too few samples after warm-up */
	GATE_UNDER,		/* grows less than the gate */
	GATE_SAWTOOTH,		/* under the gate, and falls back to flat troughs */
	GATE_NOISE,		/* over the gate, but not told apart from noise */
	GATE_STOPPED,		/* grew, then stopped before the end: bounded */
	GATE_ONCE,		/* real growth in one half of the window only: a pool that grew */
	GATE_CLIMB,		/* failed: climbs and never falls back */
	GATE_TREND,		/* failed: the trend test and the interval say it grows */
	GATE_FLOOR,		/* failed: the troughs under a sawtooth (a count's floor under
				   churn) rise faster than the gate */
	GATE_YOUNG,		/* over the gate, but for less than GATE_GROWTH_RATIO times the
				   start-up before it: may be start-up still */
	GATE_SETTLING,		/* over the gate, but slowing down: start-up still settling (at
				   an early look also: growth too young to tell from a fill) */
};

struct gate_metric {
	const struct metric_def *def;	/* borrowed from the input's metric set */
	const char *name;	/* def->name: "rss", "threads", "fds", "go_goroutines" */
	const char *unit;	/* def->unit: "KiB", "threads", "fds", "bytes", "" */
	int net_of_lazyfree;	/* fitted on the metric minus LazyFree */
	double limit_per_min;	/* < 0: not gated */
	int fitted;		/* 0: too few samples after warm-up */
	/* Where this metric's fit begins: warmup_s, or later where its start-up transient ends
	 * (warmup.h); span_s is the span fitted from there. */
	double window_start_s, span_s;
	int transient;		/* the window begins past warmup_s */
	int transient_capped;	/* the transient reached the cap: still settling at half the
				   window, and what follows the cap is judged */
	int young;		/* growth lasted under GATE_GROWTH_RATIO x the start-up before it */
	int settling;		/* growth slows down significantly across the window */
	int unsettled;		/* at an early look: growth that may yet stop (too young,
				   slowing, or settling), so no leak is settled on it */
	struct fit_result fit;	/* slopes per second */
	int over_gate;		/* Theil–Sen slope above the limit */
	int significant;	/* real growth: a climb, or trend test and interval (counts: in
				   both halves) */
	int stopped;		/* growth stopped before the end of the window */
	int failed;		/* gated && over_gate && significant && !stopped && !young
				   && !settling (&& !unsettled at an early look) */
	/* The most it can be growing: the larger upper bound of the two intervals, or the rise
	 * from the first segment's floor to the last segment's peak over the span if larger (a
	 * staircase between steps has intervals of zero width on its tied plateaus, not a zero
	 * worst-case rise once it has stepped).  NaN when not fitted. */
	double upper_per_min;
	int below;		/* gated and upper_per_min under the gate (early passes) */
	struct shape shape;
	enum gate_reason reason;
	char why[256];		/* one line: "rss rose in 7 steps and never fell back (...)" */
};

struct gate_report {
	struct gate_metric metric[METRIC_MAX];	/* indexed like the input's metric set */
	size_t n_metrics;
	int rss_net_of_lazyfree;	/* metric[METRIC_RSS] is RSS − LazyFree */
	int has_rss_raw;
	struct fit_result rss_raw;	/* raw RSS fit, when rss_net_of_lazyfree */
	int has_per_request;
	struct fit_result rss_per_request;	/* KiB per completed request */
	int leak;			/* any metric failed */
	double fitted_s;		/* span of the window judged */
	double alpha_now;		/* the trend test's level at this look */
};

#endif
