/*
 * samples — the samples.csv reader shared by plot and report, strict about what a row is.
 */
#include "record/samples.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/runfiles.h"

/* The columns every samples.csv has had, in order (results.h). */
static const char *const fixed_columns[] = { "t_s", "rss_kib", "threads", "fds", "procs",
					     "cpu_s", "lazyfree_kib", "requests", "errors" };
#define SAMPLES_FIXED (sizeof(fixed_columns) / sizeof(fixed_columns[0]))
#define LAZYFREE_COLUMN 6

/* Cells that may be empty (no reading yet) and negative (a Prometheus gauge). */
enum cell_rule { CELL_COUNT, CELL_MAY_BE_EMPTY, CELL_SERIES };

/* One number cell ending at ',' or the end of the line; *p moves past it.  0 or -1. */
static int cell(const char **p, double *v, enum cell_rule rule)
{
	const char *s = *p;
	char *end;

	if (*s == ',' || *s == '\0') {
		if (rule == CELL_COUNT)
			return -1;
		*v = NAN;
		*p = s;
		return 0;
	}
	/* strtod would take hex, "inf", "nan" and leading blanks: a row has none of them. */
	if (!(*s >= '0' && *s <= '9') && !(*s == '-' && s[1] >= '0' && s[1] <= '9'))
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || (*end != ',' && *end != '\0') ||
	    !(*v >= (rule == CELL_SERIES ? -SAMPLES_VALUE_MAX : 0)) || *v > SAMPLES_VALUE_MAX)
		return -1;
	for (const char *c = s; c < end; c++)
		if (!strchr("0123456789.eE+-", *c))
			return -1;
	*p = end;
	return 0;
}

/* A series column's name: a Prometheus metric name, [a-zA-Z_:][a-zA-Z0-9_:]*, bounded. */
static int good_series_name(const char *s, size_t n)
{
	if (n == 0 || n >= SAMPLES_NAME_MAX || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '_' || s[i] == ':' || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* The built-in metric after the first columns whose column name is p[0, n), or -1. */
static int builtin_column(const char *p, size_t n)
{
	for (int i = 0; i < METRIC_N_BUILTIN; i++)
		if (!metric_builtin[i].first_columns && strlen(metric_builtin[i].column) == n &&
		    !strncmp(p, metric_builtin[i].column, n))
			return i;
	return -1;
}

int samples_parse_header(const char *line, struct samples_header *h)
{
	const char *p = line;
	size_t col = 0;

	memset(h, 0, sizeof(*h));
	for (;; col++) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		int b = col < SAMPLES_FIXED ? -1 : builtin_column(p, n);
		if (col < SAMPLES_FIXED) {
			if (n != strlen(fixed_columns[col]) || strncmp(p, fixed_columns[col], n))
				return -1;
		} else if (h->n_more >= METRIC_MAX) {
			return -1;
		} else if (b >= 0) {
			if (h->has_builtin[b])
				return -1;
			h->has_builtin[b] = 1;
			h->more[h->n_more++] = b;
		} else {
			if (h->n_series >= METRIC_MAX_SERIES || !good_series_name(p, n))
				return -1;
			memcpy(h->series[h->n_series], p, n);
			h->series[h->n_series][n] = '\0';
			h->more[h->n_more++] = METRIC_N_BUILTIN + (int)h->n_series++;
		}
		if (!end)
			break;
		p = end + 1;
	}
	if (col + 1 < SAMPLES_FIXED)
		return -1;
	for (int i = 0; i < METRIC_N_BUILTIN; i++)
		h->has_builtin[i] |= metric_builtin[i].first_columns;
	return 0;
}

int samples_parse_row(const struct samples_header *h, const char *line,
		      struct samples_row *row)
{
	double *col[SAMPLES_FIXED] = { &row->t_s, &row->rss_kib, &row->threads, &row->fds,
				       &row->procs, &row->cpu_s, &row->lazyfree_kib,
				       &row->requests, &row->errors };
	const char *p = line;

	for (size_t i = 0; i < METRIC_MAX; i++)
		row->metric[i] = NAN;
	for (size_t i = 0; i < SAMPLES_FIXED; i++) {
		if (i > 0 && *p++ != ',')
			return -1;
		if (cell(&p, col[i], i == LAZYFREE_COLUMN ? CELL_MAY_BE_EMPTY : CELL_COUNT) < 0)
			return -1;
	}
	for (size_t i = 0; i < h->n_more; i++) {
		int m = h->more[i];
		if (*p++ != ',' || cell(&p, &row->metric[m], m < METRIC_N_BUILTIN ?
					CELL_COUNT : CELL_SERIES) < 0)
			return -1;
	}
	row->metric[METRIC_RSS] = row->rss_kib;
	row->metric[METRIC_THREADS] = row->threads;
	row->metric[METRIC_FDS] = row->fds;
	return *p == '\0' ? 0 : -1;
}

/* The line without its line break; *had_newline says whether there was one. */
static void chomp(char *line, ssize_t *n, int *had_newline)
{
	*had_newline = *n > 0 && line[*n - 1] == '\n';
	if (*had_newline)
		line[--*n] = '\0';
	if (*n > 0 && line[*n - 1] == '\r')
		line[--*n] = '\0';
}

int samples_read(FILE *f, const char *name, samples_row_fn fn, void *arg,
		 struct samples_stats *stats)
{
	struct samples_stats st = { 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int nl, ret = -1;
	size_t lineno = 1, bad_middle = 0, first_bad = 0;

	n = getline(&line, &cap, f);
	if (n < 0 || strncmp(line, SAMPLES_HEADER_START, strlen(SAMPLES_HEADER_START)) != 0) {
		diag_error("'%s' has no " RUNFILE_SAMPLES " header (is this a leaksoak run "
			   "folder?)", name);
		goto out;
	}
	chomp(line, &n, &nl);
	if ((size_t)n != strlen(line) || samples_parse_header(line, &st.header) < 0) {
		diag_error("%s:1: the header names columns leaksoak does not write (is this a "
			   "leaksoak " RUNFILE_SAMPLES "?)", name);
		goto out;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		struct samples_row row;
		lineno++;
		chomp(line, &n, &nl);
		if ((size_t)n != strlen(line) || samples_parse_row(&st.header, line, &row) < 0 ||
		    !nl) {
			/* A line cut short is only expected at the end: peek for more. */
			int c = getc(f);
			if (c == EOF && !ferror(f)) {
				st.torn_last = 1;
				diag_warning("%s:%zu: the last line is torn (the run was killed "
					     "while writing it?); skipped", name, lineno);
			} else {
				ungetc(c, f);
				bad_middle++;
				first_bad = first_bad ? first_bad : lineno;
			}
			st.skipped++;
			continue;
		}
		if ((ret = fn ? fn(&st.header, &row, arg) : 0) < 0)
			goto out;
		st.rows++;
	}
	if (ferror(f)) {
		diag_error("cannot read '%s': %s", name, strerror(errno));
		goto out;
	}
	if (bad_middle)
		diag_warning("%s:%zu: %zu line%s that %s not sample rows skipped", name, first_bad,
			     bad_middle, bad_middle == 1 ? "" : "s", bad_middle == 1 ? "is" : "are");
	ret = 0;
out:
	if (stats)
		*stats = st;
	free(line);
	return ret;
}

int samples_read_path(const char *path, samples_row_fn fn, void *arg,
		      struct samples_stats *stats)
{
	FILE *f = fopen(path, "r");
	int ret;

	if (stats)
		*stats = (struct samples_stats){ 0 };
	if (!f)
		return diag_error("cannot read '%s': %s (is this a leaksoak run folder?)", path,
				  strerror(errno));
	ret = samples_read(f, path, fn, arg, stats);
	fclose(f);
	return ret;
}
