/*
 * soak — run scenarios as child `leaksoak run` processes, a bounded number at once, and
 * collect their results into a report.
 *
 * Each run is the binary itself re-executed (no shell, through spawn.h), in its own process
 * group so that a
 * Ctrl-C at the terminal reaches the soak once and the soak forwards it; each child gets a
 * parent-death signal (SIGTERM, so it still stops its target) in case the soak is killed.
 * One poll waits on a signalfd and a pidfd per child.  Every run is bounded in time (its
 * duration plus readiness, stop and plot allowances); one that overruns gets SIGTERM, then
 * SIGKILL.  The soak never returns with a child alive.  Each run gets --mem-share JOBS, so
 * that its default memory cap is its share of the machine's (leaksoak(1), CAPS).
 */
#ifndef LEAKSOAK_SOAK_H
#define LEAKSOAK_SOAK_H

#include <stdio.h>

#include "out/report.h"

/* After SIGTERM (overrun or forwarded Ctrl-C), how long a run has to stop before SIGKILL. */
#define SOAK_STOP_GRACE_S 60

/* One scenario to run; the caller fills the first block. */
struct soak_job {
	const char *file;	/* scenario file */
	const char *name;	/* scenario name: the run writes out_dir/<name> */
	const char *expect;	/* "leak", "pass" or NULL */
	double duration_s;	/* as the run will use it (after --duration) */
	double warmup_s;
	double limit_s;		/* stop the run if it takes longer than this */
	/* Filled by soak_run. */
	int exit_code;		/* the run's exit code, 128 + signal if killed; -1 not run */
};

struct soak_options {
	const char *out_dir;
	const char *duration;	/* --duration as given, passed on to each run; NULL: none */
	const char *max_rss_kib;	/* --max-rss-kib as given, passed on; NULL: none */
	const char *max_procs;		/* --max-procs as given, passed on; NULL: none */
	int no_early_stop;		/* pass --no-early-stop on to each run */
	unsigned jobs;		/* at most this many runs at once, >= 1 */
	int tty;		/* redraw one live line per running scenario */
	int signal_fd;		/* from session_signals_open */
	FILE *out;		/* progress lines */
};

/*
 * Run the jobs in order, adding each finished run to rep (report_add_run).  Returns 0 when
 * every job ran, the number of the signal that interrupted the soak (the runs in flight were
 * stopped and reaped, the rest are added as errors, not run), or -1 on a setup failure
 * (message printed; nothing left running).
 */
int soak_run(const struct soak_options *o, struct soak_job *jobs, size_t n, struct report *rep);

/*
 * From the tail of a samples.csv (its last few hundred rows after warm-up): the latest RSS in
 * KiB and an OLS slope in KiB/min.  Cheap enough to call every second.  0, or -1 when there is
 * nothing to say yet (*slope is NaN with fewer than 3 rows after warm-up).
 */
int soak_tail_rss(const char *csv_path, double warmup_s, double *rss_kib, double *slope_per_min);

#endif
