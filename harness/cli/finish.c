/*
 * finish — the closing step of `run` and `watch`: verdict, exit code, summary, plot, metrics.
 */
#include "cli/finish.h"

#include <stdio.h>

#include "out/plot.h"
#include "out/promtext.h"

int finish_verdict(const struct session_result *s, const struct session_judge *j, int looked,
		   double duration_s, const struct scrape *scrape, struct gate_report *rep,
		   char *err, size_t len)
{
	if (session_verdict(s, j, looked, duration_s, rep) < 0)
		return -1;
	if (!rep->leak && session_series_unjudged(rep, scrape, err, len))
		return LS_EXIT_TARGET;
	return rep->leak ? LS_EXIT_LEAK : LS_EXIT_PASS;
}

/* code, or LS_EXIT_TARGET for a pass when what it wrote was not written (ok is 0). */
static enum ls_exit unless_lost(enum ls_exit code, int ok)
{
	return !ok && code == LS_EXIT_PASS ? LS_EXIT_TARGET : code;
}

enum ls_exit finish_conclude(struct summary_run *r, const char *junit_path,
			     const char *metrics_path)
{
	if (r->error)
		diag_error("%s: %s", r->name, r->error);
	r->exit_code = unless_lost(r->exit_code, summary_write(r, junit_path) == 0);
	summary_print(stdout, r);
	plot_after_run(r->out_dir);
	r->exit_code = unless_lost(r->exit_code, fflush(stdout) != EOF);
	if (metrics_path)
		r->exit_code = unless_lost(r->exit_code,
					   promtext_write_dir(metrics_path, r->out_dir) == 0);
	return r->exit_code;
}
