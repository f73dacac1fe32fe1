/*
 * finish — the closing step `run` and `watch` share, in this order:
 *
 *   verdict   finish_verdict: the gate's report of a session that ran, and the exit code it
 *             gives: leak, pass, or an error when a gated series was never judged;
 *   summary   finish_conclude: the error line on stderr, summary.json and the --junit file,
 *             the lines for a person on stdout (summary.h);
 *   plot      rss.png drawn and its line printed (plot_after_run), then stdout flushed;
 *   metrics   the --metrics-out file: the Prometheus text of the summary just written
 *             (promtext.h).
 *
 * A pass whose files, stdout or metrics could not be written becomes LS_EXIT_TARGET — a full
 * disk must not look like a pass; the lines printed already say "error" when summary.json was
 * the file that could not be written.
 */
#ifndef LEAKSOAK_FINISH_H
#define LEAKSOAK_FINISH_H

#include <stddef.h>

#include "base/diag.h"
#include "judge/gate.h"
#include "out/summary.h"
#include "run/scrape.h"
#include "run/session.h"

/*
 * The verdict of session s, judged by j (looked: early verdicts were looked at; duration_s:
 * the planned duration) into *rep: LS_EXIT_LEAK or LS_EXIT_PASS, or LS_EXIT_TARGET with why in
 * err when a gated series of scrape (may be NULL) had no reading to judge.  -1 when too few
 * samples were fitted: *rep is not filled, and the command says why in its own words (they
 * name its options).
 */
int finish_verdict(const struct session_result *s, const struct session_judge *j, int looked,
		   double duration_s, const struct scrape *scrape, struct gate_report *rep,
		   char *err, size_t len);

/*
 * End a run or a watch described by r (r->exit_code is the verdict's code): the error line,
 * summary.json and the JUnit file (junit_path, may be NULL), the summary on stdout, the plot,
 * and the metrics file (metrics_path, may be NULL).  Returns the exit code (see above); a pass
 * whose summary.json could not be written is printed as an error (r->exit_code is changed).
 */
enum ls_exit finish_conclude(struct summary_run *r, const char *junit_path,
			     const char *metrics_path);

#endif
