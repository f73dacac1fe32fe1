/*
 * report_baseline — what changed since an earlier report: the baseline found beside the
 * report (or given), and the differences kept in the report (struct report_change).
 *
 * Like is compared with like: shard 1/2 of tonight with shard 1/2 of last night, a merged
 * report with a merged one.  A difference is a verdict that changed, or a gated slope that
 * rose: above zero and above the baseline's by more than REPORT_ROSE_GATE_FRACTION of the
 * gate — the one rule of every comparison of slopes (the history's too).  Ungated metrics are
 * never compared: the scenario said their growth does not matter.
 */
#ifndef LEAKSOAK_REPORT_BASELINE_H
#define LEAKSOAK_REPORT_BASELINE_H

#include <stddef.h>

#include "out/report.h"

/* A slope counts as risen when it grew by more than this fraction of its gate (and is > 0). */
#define REPORT_ROSE_GATE_FRACTION 0.25

/*
 * Compare r with the report in baseline, or when that is NULL with report_find_baseline(out_dir,
 * r's start, shard, skip, n_skip).  A baseline that cannot be read is a warning: the report
 * stands without the comparison.
 */
void report_compare_baseline(struct report *r, const char *out_dir, const char *baseline,
			     const char *shard, char *const skip[], size_t n_skip);

/*
 * Sort r's runs by name, compare them with before (an earlier report, loaded) and keep the
 * differences in r, in run order: verdicts that changed, and gated slopes that rose by more
 * than REPORT_ROSE_GATE_FRACTION of the gate to a positive value.  Runs only in one of them
 * are not compared.  0, or -1 (out of memory).
 */
int report_compare(struct report *r, const struct report *before, const char *before_dir);

/*
 * The newest earlier report beside out_dir: a sibling folder (same parent) whose summary.json
 * is a report of the same shard (shard NULL: unsharded) that started before started_utc,
 * skipping out_dir itself and the folders in skip (n_skip of them).  Malloc'd path, or NULL
 * when there is none.
 */
char *report_find_baseline(const char *out_dir, const char *started_utc, const char *shard,
			   char *const skip[], size_t n_skip);

/*
 * The rule of every comparison of slopes: a slope rose from `from` to `to` when `to` is above
 * zero and above `from` by more than REPORT_ROSE_GATE_FRACTION of gate (the later soak's gate,
 * >= 0; NaN or a negative gate: ungated, never risen).  *margin gets that fraction of the gate.
 */
int report_slope_rose(double from, double to, double gate, double *margin);

#endif
