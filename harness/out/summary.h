/*
 * summary — the verdict of a run (`run` or `watch`) as summary.json, as a one-case JUnit file
 * and as a few lines for a person.  It writes and prints; it never draws (the plot is the
 * command's closing step's, cli/finish.h) and never decides the exit code.
 */
#ifndef LEAKSOAK_SUMMARY_H
#define LEAKSOAK_SUMMARY_H

#include <jansson.h>
#include <stdio.h>

#include "proc/cap.h"
#include "base/diag.h"
#include "judge/gate.h"
#include "scenario/scenario.h"
#include "run/session.h"

/* What a run was and how it ended; every pointer borrowed. */
struct summary_run {
	const char *name;		/* scenario name, or "watch-PID" */
	const char *scenario_file;	/* NULL for watch */
	const char *description;	/* may be NULL */
	const char *out_dir;
	enum scenario_expect expect;
	double duration_s, warmup_s;
	unsigned interval_ms;
	const struct metric_set *metrics;	/* what was sampled, as the gate indexes it;
						   NULL: the built-ins */
	const struct scenario_gate *gate;
	const struct session_result *session;
	const struct gate_report *report;	/* NULL when the run ended in error */
	int has_driver;
	const char *error;		/* reason when the verdict is "error", else NULL */
	const char *reason;		/* why a leak was called without a fit (a cap); NULL */
	const struct cap_limits *caps;	/* the caps in force; NULL (watch): none */
	enum ls_exit exit_code;
	const char *started_utc;	/* ISO 8601 (results_utc_now) */
	const json_t *evidence;		/* where it grew (evidence.h), or NULL: none read */
	/* The Prometheus scraper (its series are metrics METRIC_N_BUILTIN.. of metrics); NULL
	 * when nothing was scraped. */
	const struct scrape *scrape;
	/* drive.exec: its argv (NULL: no generator), restart, and how it went (NULL when it
	 * never started); exec_end says how it ended in words, exec_log_tail what it wrote last. */
	const char *const *exec_cmd;
	int exec_restart;
	const struct generator_totals *exec;
	const char *exec_end;
	const char *exec_log_tail;
};

/*
 * The summary.json document (leaksoak(1), RESULTS): verdict, metrics (gate_metrics_json),
 * gate, driver totals, samples and timing.  New reference; NULL when out of memory.
 */
json_t *summary_json(const struct summary_run *r);

/*
 * summary.json's "failed": the names of the metrics of a metrics object (gate_metrics_json, or
 * a report's) whose "failed" is true, in its order.  New reference; NULL when out of memory.
 */
json_t *summary_failed_json(const json_t *metrics);

/*
 * out_dir/summary.json, and a one-case JUnit report to junit_path when not NULL, each written
 * atomically.  0, or -1 after printing why.
 */
int summary_write(const struct summary_run *r, const char *junit_path);

/*
 * The lines for a person: the verdict (of r->exit_code), the error or reason, a line per
 * metric with where it grew, the commands that compare the evidence, the driver, the load
 * generator and the results folder.  Names and messages are escaped (text.h).
 */
void summary_print(FILE *f, const struct summary_run *r);

#endif
