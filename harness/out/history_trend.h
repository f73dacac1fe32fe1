/*
 * history_trend — each scenario's trend across the soaks of a history (history.h): its gated
 * slopes as percentages of their gates, soak by soak, written as data for gnuplot and drawn
 * beside a report into trends/N-NAME.png (RUNFILE_TRENDS; the data as .tsv beside it) with
 * plot_trend; and the history a report's index.html shows (history_for_report).
 */
#ifndef LEAKSOAK_HISTORY_TREND_H
#define LEAKSOAK_HISTORY_TREND_H

#include <stddef.h>
#include <stdio.h>

#include "out/history.h"

/*
 * The data of a scenario's trend plot, for gnuplot: one line per soak of the window where
 * the scenario ran, "INDEX<TAB>XLABEL<TAB>PCT..." with each gated metric's slope as a
 * percentage of its gate ("NaN" where there is none), after a header line naming the
 * metrics.  Returns the number of metric columns (0: nothing to draw), or -1 (write error).
 */
int history_trend_data(FILE *f, const struct history *h, size_t sc);

/*
 * Draw each scenario's trend into out_dir/trends/N-NAME.png with gnuplot (plot_trend; the
 * data beside it as .tsv) and set its trend_png.  Without gnuplot nothing is drawn and 0 is
 * returned; a plot that fails is a warning.  0, or -1 after printing why (cannot create the
 * folder, out of memory).
 */
int history_draw_trends(struct history *h, const char *out_dir);

/*
 * For the report of a soak being written into out_dir (rep: its runs, started_utc, label and
 * commit): load the history of the soaks beside it (history_load with rep as the newest) and,
 * when there are at least two soaks, draw each scenario's trend (history_draw_trends).  0, or
 * -1 after printing why (the report stands without a history).
 */
int history_for_report(struct history *h, const struct report *rep, const char *out_dir);

#endif
