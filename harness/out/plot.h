/*
 * plot — draw a run folder with gnuplot: RSS over time, the fitted growth line, the gate and
 * the warm-up window, then threads and FDs (plot/run.gp does the drawing).
 *
 * gnuplot runs from an argv array (no shell): numbers we format are passed as
 * `-e "name=value"`, strings (paths, title) as arguments of `-c script`, which gnuplot hands to
 * the script as ARG1..ARG5 without parsing them, and relative paths start with "./", so no
 * file name is ever read as a command or opens a pipe ('<cmd', '|cmd').  Its
 * output goes to a temporary file renamed into place, its messages to RUN_DIR/plot.log (kept
 * only when not empty), and it is killed if it runs longer than PLOT_TIMEOUT_MS.
 */
#ifndef LEAKSOAK_PLOT_H
#define LEAKSOAK_PLOT_H

#include <jansson.h>
#include <stddef.h>

#define PLOT_TIMEOUT_MS 120000

/* Rows beyond this are thinned with gnuplot's `every`: a 24 h soak has ~864k. */
#define PLOT_MAX_POINTS 20000

enum plot_format { PLOT_PNG, PLOT_SVG };

/* plot_run's return when gnuplot is not installed (nothing printed: callers word it). */
#define PLOT_NO_GNUPLOT 1

/* "rss.png" or "rss.svg": the file plot_run writes in the run folder. */
const char *plot_file_name(enum plot_format fmt);

/* gnuplot's path from PATH, malloc'd, or NULL when it is not installed. */
char *plot_find_gnuplot(void);

/*
 * The gnuplot command line for run_dir: gnuplot, `-e var=value` pairs for numbers, then
 * `-c script CSV OUT TERM TITLE RSS_UNIT`; NULL-terminated, malloc'd (free with plot_argv_free).  out_path is the image gnuplot writes.
 * Reads run_dir/samples.csv (required: at least two rows) and run_dir/summary.json (optional:
 * without it the plot has no fitted line, gate or verdict, e.g. for a run still going).
 * Returns NULL after printing why.
 */
char **plot_gnuplot_argv(const char *gnuplot, const char *script, const char *run_dir,
			 const char *out_path, enum plot_format fmt);

void plot_argv_free(char **argv);

/*
 * The plot title plot_gnuplot_argv makes from a parsed summary.json (NULL: none) for run_dir,
 * into buf, cut on a character boundary: what plot reads of a summary, in one call.
 */
void plot_title_json(const json_t *summary, const char *run_dir, char *buf, size_t len);

/*
 * Draw run_dir into run_dir/rss.png or rss.svg.  Returns 0, PLOT_NO_GNUPLOT, or -1 after
 * printing why (no samples, no script, gnuplot failed or timed out).
 */
int plot_run(const char *run_dir, enum plot_format fmt);

/*
 * The end of `leaksoak run`: plot run_dir as PNG and print "  plot     PATH" on stdout.  Never
 * fails the run: without gnuplot, one warning line saying how to install it; without samples,
 * nothing.
 */
void plot_after_run(const char *run_dir);

/*
 * Draw a trend across soaks (plot/trend.gp) into out_path (PNG, atomically): data_path as
 * history_trend_data wrote it, with n_cols metric columns, each a slope in percent of its
 * gate; rise_soak is the soak to mark as the first rise (its number in the data, 0: none);
 * title is escaped and shown as it is.  gnuplot's messages go to out_path.log (kept only when
 * not empty).  0, PLOT_NO_GNUPLOT, or -1 after printing why.
 */
int plot_trend(const char *data_path, int n_cols, long rise_soak, const char *title,
	       const char *out_path);

#endif
