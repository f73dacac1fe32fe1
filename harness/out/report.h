/*
 * report — the report of a soak: its runs, read and judged.
 *
 * A report is a list of runs, each read from a run folder's summary.json (what `leaksoak
 * run` wrote) or from an earlier report's summary.json (so shards merge and last night's soak
 * can be compared with tonight's).  This module owns the model, reading it and judging it;
 * around it: report_baseline (the changes since an earlier report), report_write (the
 * report's summary.json and junit.xml), report_text (its lines for a person) and report_html
 * (its index.html).
 *
 * Expectations: a scenario's `expect` says what it is known to show.  A run that shows it is
 * fine — a bundled leak that leaks is the harness working — and a run that does not (a leak
 * that went undetected, or a fixed twin that leaks) is a failure.  A run without `expect`
 * fails when it leaks.  Errors are errors whatever was expected.  So the exit code is:
 * 1 when any run failed, else 3 when any run errored, else 0; JUnit says the same per case.
 */
#ifndef LEAKSOAK_REPORT_H
#define LEAKSOAK_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "base/diag.h"
#include "scenario/metric.h"

/* summary.json's "kind" for a report (a run's summary has none). */
#define REPORT_KIND "leaksoak-report"

/* The longest metric name a report keeps (a series' name is at most METRIC_NAME_MAX). */
#define REPORT_METRIC_NAME 64

/*
 * One metric of one run: a built-in (metric.h) or a series the run scraped
 * (sample.prometheus); slopes and gates per minute, NaN when absent (not fitted, ungated).
 */
struct report_metric {
	char name[REPORT_METRIC_NAME];	/* "rss", "threads", "go_goroutines" */
	char unit[16];			/* "KiB", "threads", "fds", "bytes", "" */
	double slope_per_min;
	double gate_per_min;
	double trend_p;
	int failed;
	int present;		/* the summary had it (a run from before it was sampled has not) */
};

enum report_outcome {
	REPORT_OK,	/* passed, or showed what it was expected to show */
	REPORT_FAILED,	/* leaked unexpectedly, or did not leak though expected to */
	REPORT_ERROR,	/* the run did not finish with a verdict */
};

struct report_run {
	char *name;
	char *verdict;		/* "pass", "leak" or "error" */
	char *expect;		/* "leak", "pass" or NULL */
	int exit_code;
	int mismatch;		/* expect given, verdict pass or leak, and different */
	char *message;		/* the summary's why (failed metrics, or why it passed), or the
				   error; NULL for a pass from before summaries said why */
	char *dir;		/* the run's folder, as a path usable from the current directory */
	char *scenario_file;	/* may be NULL */
	char *description;	/* may be NULL */
	char *rss_basis;	/* "rss" or "rss-lazyfree" */
	double elapsed_s;
	double decided_at_s;	/* when the verdict was settled; NaN when unknown */
	int stopped_early;	/* an early verdict ended the run at decided_at_s */
	double requests, errors;	/* the driver's totals; NaN when nothing drove the run */
	/* The built-ins first, by enum metric_id (always there, present or not), then the
	 * run's other metrics in the order of its summary: n_metrics of them. */
	struct report_metric metric[METRIC_MAX];
	size_t n_metrics;
	json_t *evidence;	/* the summary's evidence (its "where", "files", "heaptrack",
				   "http_get", "go_pprof", "jvm", "heap_vs_rss"), or NULL */
	json_t *drive_exec;	/* the load generator (drive.exec): its cmd, how it ended, what
				   it used, as in summary.json without the log's tail; or NULL */
};

/* A difference from the baseline: a verdict that changed or a gated slope that rose. */
struct report_change {
	char *name;
	char what[REPORT_METRIC_NAME];	/* the metric's name; "" when is_verdict */
	char unit[16];
	int is_verdict;
	char from[8], to[8];		/* verdicts, when is_verdict */
	double from_per_min, to_per_min, margin_per_min;
};

struct report {
	struct report_run *runs;
	size_t n, cap;
	char started_utc[32], finished_utc[32];	/* ISO 8601; "" when unknown */
	char *shard;			/* "K/N", or NULL */
	char *baseline_dir;		/* what report_compare compared against, or NULL */
	char baseline_started_utc[32];
	struct report_change *changes;	/* report_baseline.h */
	size_t n_changes, cap_changes;
	char *label, *commit;		/* soak --label and --commit (history.h), or NULL */
};

void report_init(struct report *r);

/* Free everything r owns and re-initialise it. */
void report_release(struct report *r);

/*
 * Add the run in run_dir from its summary.json.  When there is none (the run crashed, was
 * killed or never started), add an error run named name with exit_code (-1: unknown) and
 * expect (may be NULL), whose message is why_missing and, when run_dir has samples.csv, how
 * many rows over how many seconds it kept (a torn last line skipped with a warning).  0, or -1
 * when out of memory.
 */
int report_add_run(struct report *r, const char *run_dir, const char *name, int exit_code,
		   const char *expect, const char *why_missing);

/*
 * Add every run of dir: a report folder (summary.json with "runs") or a single run folder (a
 * run folder with samples.csv but no summary.json, a killed run, is an error row).  The
 * report's times widen to cover dir's.  0, or -1 after printing why (exit code 2).
 */
int report_load(struct report *r, const char *dir);

/*
 * report_load of a summary.json already parsed (j: a report or a run summary); path names it
 * in messages, dir is the folder it came from.  0, or -1 after printing why.
 */
int report_load_json(struct report *r, const json_t *j, const char *dir, const char *path);

/* 1 when dir/summary.json is a report (not a single run's summary), else 0. */
int report_is_report(const char *dir);

enum report_outcome report_run_outcome(const struct report_run *run);

/* The metric of run named name, or NULL. */
const struct report_metric *report_run_metric(const struct report_run *run, const char *name);

/* 1 any failed, else 3 any error, else 0 (see the top of this file). */
enum ls_exit report_exit_code(const struct report *r);

/* The verdict an exit code stands for: "pass" (0), "leak" (1) or "error" (anything else). */
const char *report_verdict_word(enum ls_exit code);

/* Sort r's runs by name (the order of every file of a report). */
void report_sort_runs(struct report *r);

#endif
