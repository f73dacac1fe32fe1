/*
 * results — what a run leaves on disk (leaksoak(1), RESULTS); the files' names are in
 * base/runfiles.h, the one place that spells them.
 *
 * samples.csv is appended and flushed row by row, so a crash or Ctrl-C loses at most the row
 * being written; summary.json and junit.xml are written to a temporary file, synced and
 * renamed, so a reader never sees half a file.
 *
 * samples.csv columns, in this order:
 *   t_s          seconds since the run started (monotonic clock)
 *   rss_kib      resident set of the target and its descendants, summed
 *   threads      threads, summed
 *   fds          open file descriptors, summed
 *   procs        processes in the tree
 *   cpu_s        cumulative user+system CPU seconds of the live tree
 *   lazyfree_kib latest LazyFree reading (smaps_rollup, slower cadence); empty until the first
 *   requests     driver requests completed since the previous row
 *   errors       driver requests failed since the previous row
 * then a column for each other metric of the run's set (metric.h), in its order:
 *   rss_anon_kib anonymous resident memory of the tree (neither file-backed nor shmem)
 * and one per Prometheus series, named by the series, empty until its first good scrape.
 */
#ifndef LEAKSOAK_RESULTS_H
#define LEAKSOAK_RESULTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scenario/metric.h"
#include "proc/sampler.h"

struct results_csv;

struct results_row {
	struct sample s;
	double lazyfree_kib;	/* NaN: not read yet */
	uint64_t requests;
	uint64_t errors;
	/* Every metric of the run's set by index: the built-ins as in s (results_row_set_sample),
	 * then the series, NaN until their first reading. */
	double metric[METRIC_MAX];
};

/* Set row->s to s and the built-in metrics of row->metric from it. */
void results_row_set_sample(struct results_row *row, const struct sample *s);

/*
 * "results/<name>/<UTC timestamp>" below base ("results" when NULL), e.g.
 * results/map-delete-churn/20261121T234501Z.  Malloc'd; the caller frees.
 */
char *results_default_dir(const char *base, const char *name);

/* The current UTC time as ISO 8601 ("2026-11-21T23:45:01Z") into buf. */
void results_utc_now(char *buf, size_t len);

/* A folder with less free space than this is refused by results_mkdir_p. */
#define RESULTS_MIN_FREE_KIB 1024

/*
 * mkdir -p, then check the folder takes files: a probe is created, written and removed, and
 * at least RESULTS_MIN_FREE_KIB must be free.  0 or -1 (one line printed: read-only, full).
 */
int results_mkdir_p(const char *dir);

/*
 * Create path (truncating) and write the header row: the columns above, then set's series
 * (set borrowed for this call only).  NULL after printing why.
 */
struct results_csv *results_csv_open(const char *path, const struct metric_set *set);

/* Append one row and flush it to the kernel.  0 or -1 (message printed, e.g. disk full). */
int results_csv_append(struct results_csv *c, const struct results_row *row);

/* Close, checking for write errors; NULLs *c.  0 or -1 (message printed).  Safe on NULL. */
int results_csv_close(struct results_csv **c);

/*
 * Create a new temporary file for path beside it ("PATH.tmp.PID.N") with O_EXCL|O_NOFOLLOW:
 * its fd, the name in *tmp (malloc'd), or -1 after printing why.
 */
int results_create_temp(const char *path, char **tmp);

/* Write bytes to path atomically (temporary file in the same directory, fsync, rename). */
int results_write_atomic(const char *path, const char *data, size_t len);

/*
 * The text fill(f, arg) writes into a memory stream (it returns 0, or -1 when what it wrote
 * must not be kept), then written to path atomically.  0, or -1 after printing why.
 */
int results_write_built(const char *path, int (*fill)(FILE *f, const void *arg),
			const void *arg);

/* json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) written atomically. */
int results_write_json(const char *path, const json_t *j);

/*
 * Write s with &, <, >, " and ' escaped as entities, and control characters other than newline
 * and tab and invalid UTF-8 escaped by text_escape (\x1b): safe in XML and HTML text and
 * attribute values.  NULL writes nothing.
 */
void results_xml_escape(FILE *f, const char *s);

/* One JUnit testcase: a scenario run. */
struct results_case {
	const char *name;	/* scenario name */
	const char *classname;	/* e.g. "leaksoak.run" */
	double time_s;
	const char *verdict;	/* "pass", "leak" or "error" */
	const char *message;	/* failure/error message, or NULL */
	const char *system_out;	/* e.g. the results directory, or NULL */
};

/*
 * A JUnit XML document (<testsuites><testsuite>...): leak -> <failure>, error -> <error>,
 * written atomically.
 */
int results_write_junit(const char *path, const char *suite, const struct results_case *cases,
			size_t n);

#endif
