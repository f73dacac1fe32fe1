/*
 * gate — from fitted slopes, the shape of the series and the scenario's thresholds to a verdict.
 *
 * A metric fails only when all three hold:
 *   - over the gate: its robust (Theil–Sen) growth is above the gate;
 *   - real: either the series climbs and never falls back (shape.h: the troughs rise, the last
 *     part of the window lies wholly above the first, the level rose several times), or the
 *     one-sided trend test rejects "no increase" and the Theil–Sen interval lies above zero;
 *   - sustained: the growth has not stopped before the end of the window (a cache that filled).
 * Threads and FDs are counts that move in steps: for them "real" also needs the count to rise
 * within each half of the window, so a pool that grows once is not a leak.  Anything else
 * passes, with a line that says why.  A detector that cries wolf on sawtooth or warm-up gets
 * switched off; one that passes a real leak is worse.
 *
 * Early verdicts: a run looks at its samples as they come (gate_input.max_fit_s > 0).  The
 * trend test is then judged against an O'Brien–Fleming boundary in information time, which
 * keeps the chance of a false "leak" over any number of looks at alpha; a climb must hold at
 * two consecutive looks; a pass needs the slope's upper bound under the gate after a minimum
 * span.  gate_monitor turns the looks into a decision.
 *
 * The report gate_evaluate fills is laid out in verdict.h; its sentences are why.h's.
 */
#ifndef LEAKSOAK_GATE_H
#define LEAKSOAK_GATE_H

#include <jansson.h>
#include <stddef.h>

#include "judge/fit.h"
#include "judge/verdict.h"
#include "scenario/metric.h"
#include "scenario/scenario.h"

/* The run's samples as parallel arrays, all n long (the caller owns them). */
struct gate_input {
	const struct metric_set *metrics;	/* what col[] holds, and the order of the report */
	const double *t_s;
	const double *col[METRIC_MAX];	/* metric i of the set; NULL: not sampled, not judged */
	const double *lazyfree_kib;	/* NULL when not sampled */
	const double *requests;		/* cumulative completed requests; NULL without a driver */
	size_t n;
	double warmup_s;		/* samples with t_s < warmup_s are not fitted */
	/* The most the run may fit (duration - warm-up) when this is one look of a run that may
	 * stop early; 0 for a verdict on a finished run at the plain alpha. */
	double max_fit_s;
	/* 1: a look before the end, whose "leak" would end the run: the growth must also be
	 * shown to go on in the last stretch of the window, not merely not to have stopped. */
	int early;
};

/* The state of a run's looks, for gate_monitor_look; zero it before the first look. */
struct gate_monitor {
	unsigned leak_looks;		/* consecutive looks that said leak */
};

enum gate_settled { GATE_OPEN, GATE_SETTLED_LEAK, GATE_SETTLED_PASS };

/*
 * The least fitted span before a look may settle a leak (and a fifth of the most the run may
 * fit, up to GATE_EARLY_MAX_WAIT_S), and a pass (and half of it).  A leak needs time to tell a
 * climb from one rise of a slow collector cycle or a cache still filling; a pass needs time to
 * tell a plateau from a staircase between steps, and a flat start from a leak that begins
 * mid-run.
 */
#define GATE_EARLY_LEAK_MIN_S 4.0
#define GATE_EARLY_PASS_MIN_S 10.0
#define GATE_EARLY_MAX_WAIT_S 300.0
/*
 * Growth must have lasted this many times as long as the start-up before it (the time up to
 * where its window begins) before it can fail, at an early look or at the end: a fill is
 * linear until the moment it stops, and start-ups scale with the program, so the wait does
 * too.  Chosen against the fill families and the corpus of bench/verdicts.
 */
#define GATE_GROWTH_RATIO 2.2

/*
 * Whether the look r (gate_evaluate with max_fit_s > 0) settles the verdict: a leak that held
 * at two consecutive looks, or every gated metric's upper bound under its gate over a window
 * (after its start-up) of at least the minimum span.  Updates m.
 */
enum gate_settled gate_monitor_look(struct gate_monitor *m, const struct gate_report *r,
				    double max_fit_s);

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
 *     "rss_anon": { as rss, without rss_raw and per request },
 *     "threads": { ... "slope_per_min" ... }, "fds": { ... },
 *     and one object per Prometheus series of the set, by its name }
 * Every object also has "column", the metric's samples.csv column.
 * Intercepts are in the metric's unit at t_s = 0, so a plot can draw the fitted line.
 */
json_t *gate_metrics_json(const struct gate_report *r);

/*
 * One line per failed metric into buf, newline-separated (the metric's why):
 *   "rss grows 2310 KiB/min (gate 512 KiB/min, p<0.001), 4.2 KiB per request"
 * A line that does not fit is left out whole rather than cut.
 */
void gate_describe_failure(const struct gate_report *r, char *buf, size_t len);

/*
 * The verdict in one line: the failed metrics' whys joined by "; ", or for a pass the memory
 * metric's why (the one users ask about).  Cut to fit at a character boundary.
 */
void gate_describe(const struct gate_report *r, char *buf, size_t len);

#endif
