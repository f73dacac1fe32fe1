/*
 * summary — the verdict of a run as summary.json and as a few lines for a person.
 */
#ifndef LEAKSOAK_SUMMARY_H
#define LEAKSOAK_SUMMARY_H

#include <jansson.h>
#include <stdio.h>

#include "diag.h"
#include "gate.h"
#include "scenario.h"
#include "session.h"

/* What a run was and how it ended; every pointer borrowed. */
struct summary_run {
	const char *name;		/* scenario name, or "watch-PID" */
	const char *scenario_file;	/* NULL for watch */
	const char *description;	/* may be NULL */
	const char *out_dir;
	enum scenario_expect expect;
	double duration_s, warmup_s;
	unsigned interval_ms;
	const struct scenario_gate *gate;
	const struct session_result *session;
	const struct gate_report *report;	/* NULL when the run ended in error */
	int has_driver;
	const char *error;		/* reason when the verdict is "error", else NULL */
	enum ls_exit exit_code;
	char started_utc[32];		/* ISO 8601, e.g. 2026-11-21T23:45:01Z */
};

/* The verdict word of an exit code: "pass", "leak" or "error". */
const char *summary_verdict(enum ls_exit code);

/* Fill r->started_utc with the current UTC time. */
void summary_stamp(struct summary_run *r);

/*
 * The summary.json document (contract.md, "Results"): verdict, metrics (gate_metrics_json),
 * gate, driver totals, samples and timing.  New reference; NULL when out of memory.
 */
json_t *summary_json(const struct summary_run *r);

/*
 * Write out_dir/summary.json, and a one-case JUnit report to junit_path when it is not NULL.
 * 0 or -1 (message printed).
 */
int summary_write(const struct summary_run *r, const char *junit_path);

/* A short human summary: the verdict, a line per metric, the driver, the results folder. */
void summary_print(FILE *f, const struct summary_run *r);

#endif
