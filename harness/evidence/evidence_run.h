/*
 * evidence_run — the evidence of one run: what is read at the fit window's start and end,
 * and the files it leaves in the run folder.
 *
 *   evidence-start.json, evidence-end.json   the /proc snapshots of the tree (evidence.h)
 *   evidence-http-start, evidence-http-end   evidence.http_get's bodies, when asked
 *   heaptrack.zst (or .gz), heaptrack-leaks.txt   target.profile "heaptrack"
 *
 * The window's start is read from the session's on_window_start (between two samples), its
 * end once the session is over (completed, settled early or capped) and before the target
 * is stopped.  Nothing here is read per sample.
 */
#ifndef LEAKSOAK_EVIDENCE_RUN_H
#define LEAKSOAK_EVIDENCE_RUN_H

#include <jansson.h>

#include "proc/sampler.h"
#include "scenario/scenario.h"
#include "run/target.h"

struct evidence_run;

/*
 * Evidence for a run writing into out_dir, of the tree sampler watches; sc (which must
 * outlive it) says whether to fetch evidence.http_get and whether the target runs under
 * heaptrack.  NULL when out of memory (message printed).
 */
struct evidence_run *evidence_run_new(const char *out_dir, const struct scenario *sc,
				      struct sampler *sampler);

/* session_config.on_window_start: read the start (t_s: seconds since the run started). */
void evidence_run_window_start(void *evidence_run, double t_s);

/* Read the end, if the start was read. */
void evidence_run_window_end(struct evidence_run *e, double t_s);

/*
 * Under heaptrack: let the program end so heaptrack completes its data (t is the target,
 * still running), then read its leaked stacks.  Nothing without a profile.  A signal on
 * signal_fd (the run's signalfd) cuts the wait short: it is read and returned (0: none).
 */
int evidence_run_profile_end(struct evidence_run *e, struct target *t, unsigned grace_ms,
			     int signal_fd);

/*
 * The evidence object for summary.json (evidence.h, plus "files", "http_get" and
 * "heaptrack"), or NULL when nothing was read.  A borrowed reference, valid until
 * evidence_run_free.
 */
json_t *evidence_run_json(struct evidence_run *e);

void evidence_run_free(struct evidence_run **e);

#endif
