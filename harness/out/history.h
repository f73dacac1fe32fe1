/*
 * history — the soaks of one results folder over time: an index of them, and each
 * scenario's slopes, gates and verdicts across the last N of them.
 *
 * A soak writes its report into a folder (default results/soak/<UTC timestamp>/), and the
 * soaks of one series are siblings: the folder that holds them is the history's root, the
 * same place report_find_baseline looks for last night's report.  The root keeps an index,
 * root/HISTORY_INDEX, one line per soak (its start time, --label, --commit and folder), in
 * time order.  The index is a convenience, never the truth: summary.json of each soak holds
 * the same facts, so an index that is missing, unreadable, names a folder that was deleted
 * by hand, or misses a report folder beside it (a soak killed before it could add its line,
 * two soaks that wrote the index at once) is rebuilt from the folders and written again,
 * atomically.  Only whole (unsharded or merged) reports are soaks of the series: a shard is
 * a part of one.  A folder holding a single soak gets no index until a second soak joins it.
 *
 * The analysis reads each soak of the window with the report readers (report.h) and, per
 * scenario, finds the first soak where a gated slope rose by more than
 * REPORT_ROSE_GATE_FRACTION of its gate above the window's first soak (a creep over many
 * nights shows as well as a jump), or where the verdict differed from the soak before.
 */
#ifndef LEAKSOAK_HISTORY_H
#define LEAKSOAK_HISTORY_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "out/report.h"

#define HISTORY_INDEX "history.tsv"
#define HISTORY_DEFAULT_LAST 30
#define HISTORY_MAX_LAST 10000
/* Longest --label and --commit: they go on one line of the index and in plot labels. */
#define HISTORY_MAX_TAG 128

/* One soak of the index.  Strings are owned; label and commit may be NULL. */
struct history_entry {
	char started_utc[32];
	char *label;
	char *commit;
	char *dir;		/* the soak's folder, relative to the root (one name) */
};

struct history_index {
	struct history_entry *v;
	size_t n, cap;
};

/*
 * A --label or --commit value: printable, valid UTF-8, no tab or line break, at most
 * HISTORY_MAX_TAG bytes, not empty.  1 when acceptable.
 */
int history_tag_ok(const char *s);

/* The root of the soak written into out_dir: its parent folder.  Malloc'd, NULL (no memory). */
char *history_root_of(const char *out_dir);

void history_index_release(struct history_index *ix);

/*
 * Read root's index into ix, checked against the folders: entries whose folder has no
 * summary.json any more are dropped, report folders beside them that it does not name are
 * added (their label and commit read from their summary.json), and the whole is rebuilt from
 * the folders when the index is missing or unreadable.  When anything changed the index is
 * written again (atomically; a root that cannot be written is a warning), unless there was
 * none and it would name fewer than two soaks.  *rebuilt (may be
 * NULL) is set to 1 when that happened.  0, or -1 after printing why (root unreadable).
 */
int history_index_load(struct history_index *ix, const char *root, int *rebuilt);

/*
 * Add the soak in root/dir (replacing a line for the same folder) and write the index
 * atomically.  label and commit may be NULL.  0, or -1 after printing why.
 */
int history_index_record(const char *root, const char *dir, const char *started_utc,
			 const char *label, const char *commit);

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
	char *trend_png;		/* its trend plot (history_draw_trends), or NULL */
};

struct history {
	char *root;
	struct history_index ix;	/* the window: the last soaks, oldest first */
	struct history_scenario *sc;	/* sorted by name */
	size_t n_sc;
};

/*
 * Load the last `last` soaks of root (history_index_load, then each report).  When current
 * is not NULL it is a soak not yet in the index (the one being written into current_dir,
 * started current->started_utc, labelled label/commit): it joins the window in time order
 * (normally as its newest soak), replacing an entry for the same folder.  A soak whose report cannot be read is left
 * out with a warning.  0, or -1 after printing why.
 */
int history_load(struct history *h, const char *root, size_t last, const struct report *current,
		 const char *current_dir, const char *label, const char *commit);

void history_release(struct history *h);

/* Metric names and units, as summary.json says them. */
const char *history_metric_name(int metric);
const char *history_metric_unit(int metric);

/* The rise in words: "rss rose +12 -> +2100 KiB/min (more than 1024, a quarter of its gate)". */
void history_rise_text(const struct history_rise *r, char *buf, size_t len);

/* "#3 2026-11-30T06:00:00Z nightly abc1234": a soak of the window for a person. */
void history_soak_text(const struct history *h, size_t soak, char *buf, size_t len);

/* The table of `leaksoak history` (soaks, then one line per scenario and gated metric). */
void history_print(FILE *f, const struct history *h);

/*
 * One line for the end of a soak or a report, when the window has two soaks or more:
 * "history: 3 soaks in results/soak, 1 scenario changed: api (#3) (leaksoak history ...)".
 */
void history_print_brief(FILE *f, const struct history *h);

/* The same as a JSON document (leaksoak(1), history --json).  New reference, NULL (memory). */
json_t *history_json(const struct history *h);

/*
 * The data of a scenario's trend plot, for gnuplot: one line per soak of the window where
 * the scenario ran, "INDEX<TAB>XLABEL<TAB>PCT..." with each gated metric's slope as a
 * percentage of its gate ("NaN" where there is none), after a header line naming the
 * metrics.  Returns the number of metric columns (0: nothing to draw), or -1 (write error).
 */
int history_trend_data(FILE *f, const struct history *h, size_t sc);

/*
 * For the report of a soak being written into out_dir (rep: its runs, started_utc, label and
 * commit): load the history of the soaks beside it (history_load with rep as the newest) and,
 * when there are at least two soaks, draw each scenario's trend (history_draw_trends).  0, or
 * -1 after printing why (the report stands without a history).
 */
int history_for_report(struct history *h, const struct report *rep, const char *out_dir);

/*
 * Add the whole (unsharded) report rep, just written into out_dir, to the index of the soaks
 * beside it, with its label and commit.  Never fatal: a failure is a warning (the index is
 * rebuilt from the folders when it misses a soak).  A shard is part of a soak: not added.
 */
void history_record_report(const struct report *rep, const char *out_dir);

/*
 * Draw each scenario's trend into out_dir/trends/N-NAME.png with gnuplot (plot_trend; the
 * data beside it as .tsv) and set its trend_png.  Without gnuplot nothing is drawn and 0 is
 * returned; a plot that fails is a warning.  0, or -1 after printing why (cannot create the
 * folder, out of memory).
 */
int history_draw_trends(struct history *h, const char *out_dir);

#endif
