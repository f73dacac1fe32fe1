/*
 * samples — read a run's samples.csv (the columns of results.h), as plot and report do.
 *
 * The file is appended row by row while a run goes, so a run killed with SIGKILL (or a full
 * disk) can leave a last line cut short.  Such a torn last line is recognised (no final line
 * break, or not a whole row), skipped with one warning, and the rows before it are read as
 * usual.  Other lines that are not rows are skipped with one warning that counts them.
 */
#ifndef LEAKSOAK_SAMPLES_H
#define LEAKSOAK_SAMPLES_H

#include <stddef.h>
#include <stdio.h>

#include "scenario/metric.h"

/* The header's first column: a file that does not start with it is not a samples.csv. */
#define SAMPLES_HEADER_START "t_s,"
/* Values above this (and negative ones) make a row malformed: no count of ours gets near it,
 * and casts of what is read stay defined. */
#define SAMPLES_VALUE_MAX 1e15

/* The longest series name a header may carry, with its terminating NUL. */
#define SAMPLES_NAME_MAX 128

/*
 * The columns of a file: the first ones results.h lists, then the other metrics (built-in
 * ones a file from an older leaksoak lacks, and Prometheus series).
 */
struct samples_header {
	int has_builtin[METRIC_N_BUILTIN];	/* the file has this built-in metric's column */
	int more[METRIC_MAX];		/* metric index of each column after the first ones */
	size_t n_more;
	size_t n_series;		/* of which series, named here, index METRIC_N_BUILTIN + k */
	char series[METRIC_MAX_SERIES][SAMPLES_NAME_MAX];
};

/*
 * One row; lazyfree_kib is NaN when its cell is empty (before the first LazyFree reading).
 * metric[] holds the metrics by metric.h index: the built-ins (NaN when the file lacks one),
 * then the header's series in order, NaN where a cell is empty.
 */
struct samples_row {
	double t_s, rss_kib, threads, fds, procs, cpu_s, lazyfree_kib, requests, errors;
	double metric[METRIC_MAX];
};

/* What samples_read saw. */
struct samples_stats {
	struct samples_header header;
	size_t rows;		/* rows handed to the callback */
	size_t skipped;		/* malformed lines skipped (the torn last line included) */
	int torn_last;		/* 1 when the last line was cut short */
};

/* Called for each row in file order, with the file's header; a return < 0 stops the read
 * (and is returned). */
typedef int (*samples_row_fn)(const struct samples_header *h, const struct samples_row *row,
			      void *arg);

/*
 * Read samples.csv from f; name is the file in messages.  Returns 0 (warnings printed for
 * skipped lines), -1 after printing why (no header: not a samples.csv; a read error), or the
 * callback's negative return.  stats may be NULL.
 */
int samples_read(FILE *f, const char *name, samples_row_fn fn, void *arg,
		 struct samples_stats *stats);

/* samples_read of the file at path. */
int samples_read_path(const char *path, samples_row_fn fn, void *arg,
		      struct samples_stats *stats);

/* Parse the header line (without its line break) into h: 0, or -1 when it is not one. */
int samples_parse_header(const char *line, struct samples_header *h);

/* Parse one line (without its line break) into row: 0, or -1 when it is not a whole row. */
int samples_parse_row(const struct samples_header *h, const char *line,
		      struct samples_row *row);

#endif
