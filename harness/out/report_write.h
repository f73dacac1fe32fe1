/*
 * report_write — a report's files for machines, in its folder: summary.json (kind
 * REPORT_KIND: the runs with their outcomes, the counts, the changes since the baseline,
 * label and commit) and junit.xml (a case per run, failed or errored as report.h judges it).
 * The index.html beside them is report_html's, written by the command after these.
 *
 * A run's folder is kept as a path relative to the report's folder when it lies inside it
 * (so the report travels with its runs), else as an absolute path.
 */
#ifndef LEAKSOAK_REPORT_WRITE_H
#define LEAKSOAK_REPORT_WRITE_H

#include "out/report.h"

/*
 * Sort the runs by name and write out_dir/summary.json and out_dir/junit.xml (each
 * atomically; out_dir is created).  0 or -1 (message printed).
 */
int report_write(struct report *r, const char *out_dir);

/* path relative to out_real when it lies inside it, else absolute (or as given); malloc'd. */
char *report_path_from(const char *out_real, const char *path);

#endif
