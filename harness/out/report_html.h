/*
 * report_html — the index.html of a report (report.h): the overall verdict, the changes since
 * the baseline, a table of the runs and a section per run with its why and its plot.
 */
#ifndef LEAKSOAK_REPORT_HTML_H
#define LEAKSOAK_REPORT_HTML_H

#include "out/report.h"

/*
 * Write out_dir/index.html for r atomically; out_real is out_dir resolved, so that run
 * folders inside it are linked relatively.  0, or -1 after printing why.
 */
int report_html_write(const struct report *r, const char *out_dir, const char *out_real);

#endif
