/*
 * promtext — a report's verdicts, slopes, gates and driver totals in the Prometheus text
 * exposition format (version 0.0.4), for node_exporter's textfile collector or a Pushgateway.
 *
 *   leaksoak_growth_per_minute{scenario,metric}  fitted slope (summary.json's unit: KiB for
 *                                                memory, a count for threads and FDs)
 *   leaksoak_gate_per_minute{scenario,metric}    the gate (ungated metrics have no sample)
 *   leaksoak_verdict{scenario,verdict}           1 for the run's verdict, 0 for the others
 *   leaksoak_driver_requests_total{scenario}     requests the driver completed
 *   leaksoak_driver_errors_total{scenario}       requests that failed
 *   leaksoak_run_timestamp_seconds               when the run (or soak) started, Unix time
 *
 * Metrics come from the report's metric table, so a new metric shows without a change here.
 * Label values are escaped as the format says (\\, \" and \n), after the escaping every
 * output of leaksoak gets (text.h): no control character and only valid UTF-8 reach the file.
 */
#ifndef LEAKSOAK_PROMTEXT_H
#define LEAKSOAK_PROMTEXT_H

#include <stdio.h>

#include "out/report.h"

/* Write r's exposition to f.  0, or -1 when f reports a write error. */
int promtext_write(FILE *f, const struct report *r);

/* promtext_write into path, atomically (results_write_atomic).  0, or -1 after printing why. */
int promtext_write_file(const char *path, const struct report *r);

/*
 * The report of dir (a run's folder, or a soak's: report_load) written with
 * promtext_write_file: --metrics-out of `run` and `watch`, from the summary.json they wrote.
 * 0, or -1 after printing why.
 */
int promtext_write_dir(const char *path, const char *dir);

/* The Unix time of an ISO 8601 UTC time ("2026-11-30T06:00:00Z"), or -1 when it is not one. */
double promtext_utc_seconds(const char *iso);

#endif
