/*
 * session — the sampling loop of one run: one poll over the sample timer, the signals, the
 * target's exit, the Prometheus scraper's sockets (scrape.h) and (through driver_poll) the
 * HTTP driver's news.  The loop is one thread; the driver's requests go out from threads of
 * its own (driver.h).
 *
 * Every sample is appended to samples.csv as it is taken and kept in memory for the fit, in
 * bounded memory: past SESSION_MAX_KEPT samples the kept series is thinned to every other
 * sample (and so on, doubling the stride), so a week-long soak holds as much as a day-long
 * one while samples.csv keeps every row.  The fit reduces to at most FIT_MAX_BLOCKS block
 * medians anyway.
 *
 * When asked (session_config.judge), the loop judges the samples once a second after the
 * warm-up and ends the run as soon as the verdict is settled (gate_monitor_look).
 */
#ifndef LEAKSOAK_SESSION_H
#define LEAKSOAK_SESSION_H

#include <stddef.h>
#include <sys/types.h>

#include "proc/cap.h"
#include "run/driver.h"
#include "run/generator.h"
#include "judge/gate.h"
#include "record/results.h"
#include "proc/sampler.h"
#include "run/scrape.h"
#include "run/status.h"
#include "run/target.h"

#define SESSION_MAX_KEPT 8192
/* Columns of a session_series: t_s, lazyfree_kib, requests and every metric. */
#define SESSION_COLUMNS (3 + METRIC_MAX)

/* What to judge early verdicts against; every pointer borrowed. */
struct session_judge {
	const struct scenario_gate *gate;
	double warmup_s;
	int with_lazyfree, with_requests;	/* as for session_gate_input */
};

struct session_config {
	const char *csv_path;		/* samples.csv to create */
	const struct metric_set *metrics;	/* what is sampled (borrowed; outlives the result) */
	double duration_s;
	unsigned interval_ms;
	unsigned lazyfree_interval_ms;	/* 0: never read LazyFree */
	struct sampler *sampler;	/* borrowed */
	struct driver *driver;		/* borrowed; NULL: nothing to drive */
	/* borrowed; NULL: nothing scraped.  Its series are metrics METRIC_N_BUILTIN.. of
	 * metrics, in order; its fds join the loop's one wait. */
	struct scrape *scrape;
	struct target *target;		/* borrowed; NULL when watching a process we did not start */
	/* borrowed; NULL: none.  Sampled each tick apart from the target; its failure ends
	 * the run (GENERATOR_FAILED), a restart is done here. */
	struct generator *generator;
	int signal_fd;			/* from session_signals_open */
	const struct cap_limits *caps;	/* NULL: none; a crossed cap ends the run (CAPPED) */
	/* Early verdicts: NULL runs the whole duration. */
	const struct session_judge *judge;
	/* Called after each sample (e.g. a progress line); may be NULL. */
	void (*on_sample)(void *cls, const struct results_row *row);
	void *cls;
	/*
	 * Called once, right after the first sample at or past window_start_s (the fit window's
	 * start, i.e. the warm-up's end), with that sample's time: where evidence is read, between
	 * two samples and never inside one.  May be NULL.
	 */
	void (*on_window_start)(void *window_cls, double t_s);
	void *window_cls;
	double window_start_s;
	/*
	 * The live line (status.h; borrowed, NULL: none), redrawn after each sample and erased
	 * when the loop ends.  Its slope and verdict come from the early looks, or, when the run
	 * does not judge early, from a fit against show_judge at most once a second.
	 */
	struct status *status;
	const struct session_judge *show_judge;
};

enum session_end {
	SESSION_COMPLETED,	/* ran the whole duration */
	SESSION_SETTLED,	/* the verdict was settled early (session_result.decision) */
	SESSION_INTERRUPTED,	/* SIGINT, SIGTERM or SIGHUP arrived (signo says which) */
	SESSION_TARGET_EXITED,	/* the target or watched process went away */
	SESSION_FAILED,		/* I/O or driver failure, message printed */
	SESSION_CAPPED,		/* the tree crossed a cap (result.cap says which, when) */
	SESSION_GENERATOR_FAILED,	/* drive.exec ended badly (generator_totals says how) */
};

/*
 * The samples as parallel arrays, n long: col[i] is metric i of the run's set (NaN where a
 * series had no reading yet); lazyfree_kib is NaN before its first reading.
 */
struct session_series {
	double *t_s, *lazyfree_kib, *requests;
	double *col[METRIC_MAX];
	size_t n_metrics;
	size_t n, cap;
	unsigned long long seen;	/* samples offered to the series */
	unsigned stride;		/* one kept for every stride offered (thinning) */
};

struct session_result {
	const struct metric_set *metrics;	/* session_config.metrics */
	enum session_end end;
	int signo;
	double elapsed_s;
	struct session_series series;
	struct driver_totals totals;	/* zero without a driver */
	struct sample last;
	struct cap_hit cap;		/* kind CAP_NONE unless end is CAPPED */
	enum gate_settled settled;	/* with SESSION_SETTLED: leak or pass */
	double decided_at_s;		/* when it was settled */
	struct gate_report decision;	/* the look that settled it */
};

/*
 * Block SIGINT, SIGTERM and SIGHUP (and ignore SIGPIPE) and return a signalfd that reads them,
 * so that Ctrl-C becomes an event of the loop and every cleanup path runs.  -1 on failure.
 * Children started afterwards get the signal mask reset by target_start.
 */
int session_signals_open(void);

/*
 * Wait, up to timeout_ms, for the target to answer url with a 2xx, probing every 100 ms or so
 * (loopback only unless allow_remote);
 * returns early when the target exits or a signal arrives.  Returns 0 when ready, -1 when not
 * (a message saying why has been printed; *signo is set when a signal ended the wait).
 */
int session_wait_ready(struct target *t, const char *url, long timeout_ms, int allow_remote,
		       int signal_fd, int *signo);

/* Run the loop; *out is filled on every return (release it).  0, or -1 when end is FAILED. */
int session_run(const struct session_config *c, struct session_result *out);

/*
 * The gate's view of a session's samples: pointers into r, valid while r is.  LazyFree and the
 * request counts are passed on only when asked for (sampled, driven).
 */
void session_gate_input(const struct session_result *r, double warmup_s, int with_lazyfree,
			int with_requests, struct gate_input *in);

/*
 * The verdict of a finished session into *out: the look that settled it, or a judgement of all
 * the samples (at the last look's boundary when the run looked early, j being its judge; at
 * the plain alpha when looked is 0).  0, or -1 when too few samples were fitted.
 */
int session_verdict(const struct session_result *r, const struct session_judge *j, int looked,
		    double duration_s, struct gate_report *out);

/*
 * A pass needs every gate judged: 1 (with why in buf) when a gated series of scrape had no
 * reading to fit after the warm-up (every scrape failed, or the page never had it), which
 * makes the run an error rather than a pass; else 0.  scrape may be NULL.
 */
int session_series_unjudged(const struct gate_report *r, const struct scrape *scrape, char *buf,
			    size_t len);

void session_result_release(struct session_result *r);

#endif
