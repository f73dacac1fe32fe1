/*
 * history — each scenario's slopes, gates and verdicts across the last N soaks of a results
 * folder (the soaks its index names: history_index.h).
 *
 * The analysis reads each soak of the window with the report readers (report.h) and, per
 * scenario, finds the first soak where a gated slope rose by more than
 * REPORT_ROSE_GATE_FRACTION of its gate above the window's first soak (a creep over many
 * nights shows as well as a jump), or where the verdict differed from the soak before.
 * Around it: history_text (the table, the line at a soak's end, the JSON document) and
 * history_trend (each scenario's trend plot, and the history a report's index.html shows).
 */
#ifndef LEAKSOAK_HISTORY_H
#define LEAKSOAK_HISTORY_H

#include <stddef.h>

#include "out/history_index.h"
#include "out/report.h"

#define HISTORY_DEFAULT_LAST 30
#define HISTORY_MAX_LAST 10000

/* One scenario in one soak: NaN where the soak did not fit or gate that metric. */
struct history_point {
	int present;		/* the scenario ran in this soak */
	char verdict[8];
	double slope_per_min[METRIC_N_BUILTIN];
	double gate_per_min[METRIC_N_BUILTIN];
};

/* The first soak where a scenario changed (see the top of this file). */
struct history_rise {
	long soak;		/* index into the window, -1: none */
	int metric;		/* enum metric_id, or -1 when the verdict changed */
	char from[8], to[8];	/* verdicts, when metric is -1 */
	double from_per_min, to_per_min, margin_per_min;
};

struct history_scenario {
	char *name;
	struct history_point *pt;	/* one per soak of the window */
	struct history_rise rise;
	char *trend_png;		/* its trend plot (history_trend.h), or NULL */
};

struct history {
	char *root;
	struct history_index ix;	/* the window: the last soaks, oldest first */
	struct history_scenario *sc;	/* sorted by name */
	size_t n_sc, cap_sc;
};

/*
 * Load the last `last` soaks of root (history_index_load, then each report).  When current
 * is not NULL it is a soak not yet in the index (the one being written into current_dir,
 * started current->started_utc, labelled label/commit): it joins the window in time order
 * (normally as its newest soak), replacing an entry for the same folder.  A soak whose
 * report cannot be read is left out with a warning.  0, or -1 after printing why.
 */
int history_load(struct history *h, const char *root, size_t last, const struct report *current,
		 const char *current_dir, const char *label, const char *commit);

void history_release(struct history *h);

/* Metric names and units, as summary.json says them. */
const char *history_metric_name(int metric);
const char *history_metric_unit(int metric);

/* 1 when metric m of s is gated in some soak of the window (its first n soaks). */
int history_gated(const struct history_scenario *s, size_t n, int m);

/*
 * Add the whole (unsharded) report rep, just written into out_dir, to the index of the soaks
 * beside it, with its label and commit.  Never fatal: a failure is a warning (the index is
 * rebuilt from the folders when it misses a soak).  A shard is part of a soak: not added.
 */
void history_record_report(const struct report *rep, const char *out_dir);

#endif
