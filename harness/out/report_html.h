/*
 * report_html — the index.html of a report (report.h) in its folder: the overall verdict, the
 * changes since the baseline, the history of the soaks before it with each scenario's trend,
 * a table of the runs and a section per run with its why, its evidence and its plot.
 *
 * It stands alone: inline CSS, each plot embedded as a base64 data URI, no scripts, no
 * external assets.  Run folders inside the report's folder are linked relatively.
 */
#ifndef LEAKSOAK_REPORT_HTML_H
#define LEAKSOAK_REPORT_HTML_H

#include "out/history.h"
#include "out/report.h"

/*
 * Write out_dir/index.html for r (its runs in the order report_write sorted them) and h (the
 * soaks beside it, for the history section; NULL or fewer than two soaks: none), atomically.
 * 0, or -1 after printing why.
 */
int report_html_write(const struct report *r, const struct history *h, const char *out_dir);

#endif
