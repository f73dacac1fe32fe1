/*
 * report_text — a report in words for a person: a run's line ("leak  map-churn  rss +2310
 * KiB/min (gate 512)  (expected leak)"), its load generator, the message of a run that failed
 * or leaked as expected (JUnit's and index.html's why), and the lines `soak` and `report`
 * print at the end.  Everything read from summaries is escaped like every output (text.h):
 * no control character and only valid UTF-8 reaches a terminal.
 */
#ifndef LEAKSOAK_REPORT_TEXT_H
#define LEAKSOAK_REPORT_TEXT_H

#include <stddef.h>
#include <stdio.h>

#include "out/report.h"

/* One line for a run's end: "leak  map-churn  rss +2310 KiB/min (gate 512)  (expected leak)". */
void report_run_line(const struct report_run *run, char *buf, size_t len);

/*
 * The load generator of a run in words: "wrk -c 1 http://... (was stopped at the end of the
 * run; 0.08 s CPU, peak RSS 4804 KiB)", escaped; "" when it had none.
 */
void report_exec_text(const struct report_run *run, char *buf, size_t len);

/*
 * What a failed or expected-leak run's JUnit case (and the report's why) says; malloc'd, or
 * NULL when the run needs no message (or out of memory).
 */
char *report_case_message(const struct report_run *run);

/*
 * For a person: the runs (all, or only those that failed or errored), the changes since the
 * baseline, and a last line with the verdict, the counts and where the report is.
 */
void report_print(FILE *f, const struct report *r, const char *out_dir, int all_runs);

#endif
