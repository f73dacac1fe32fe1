/*
 * prom — values out of a Prometheus text exposition (format 0.0.4), for sample.prometheus.
 *
 * The reader is strict, like Prometheus's own scraper: one malformed line rejects the whole
 * scrape (no value is taken from it), so a half-written or garbled page is a counted error
 * and never a wrong number.  It checks each line on its own: sample lines (name, optional
 * {labels}, value, optional timestamp), "# HELP name text" and "# TYPE name type"; other
 * comments and blank lines are skipped.  It does not check how lines relate (a TYPE after its
 * samples, a series repeated): the values it reads do not depend on that.
 *
 * Accepted, as the Prometheus Go client writes and the Go parser reads them:
 *   - metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*;
 *   - label values in double quotes with the escapes \\ \" \n (any other escape is an error);
 *     blanks around the braces, '=' and ','; a trailing ',' before '}';
 *   - values in decimal (1, -2.5, 7.716352e+06), NaN, +Inf, -Inf (Inf and NaN in any case);
 *   - an optional integer timestamp in milliseconds (read, checked, not used);
 *   - blanks (space, tab) at the start and end of a line;
 *   - any byte but '\n' inside a label value or a HELP text (the Go client writes them raw).
 * Refused: hexadecimal values, a value or timestamp out of range, a carriage return ending a
 * line (it is not a blank), a repeated label name in one sample, lines over PROM_MAX_LINE
 * bytes, more than PROM_MAX_LINES lines or PROM_MAX_LABELS labels on one sample.
 *
 * Histograms and summaries need nothing special: their _bucket, _sum and _count lines are
 * plain samples, selected by that full name (and le="..." or quantile="..." as a label).
 *
 * Selecting a value: a selector names a sample name and label matchers (exact values).  A
 * sample matches when its name is the selector's and it carries every matcher's label with
 * that value (other labels are free).  The selected value is the sum of every matching
 * sample's value, like PromQL's sum(metric{label="value"}): a selector without labels over a
 * metric that has several series (one per handler, per code) is what users mean by "the
 * metric".  No match leaves the value NaN with matched = 0, for the caller to count.
 */
#ifndef LEAKSOAK_PROM_H
#define LEAKSOAK_PROM_H

#include <stddef.h>

#define PROM_MAX_LINE 65536		/* bytes in one line, without its '\n' */
#define PROM_MAX_LINES (1u << 20)	/* lines in one exposition */
#define PROM_MAX_LABELS 64		/* labels on one sample */

/* One label matcher: the sample must carry label name with exactly this value. */
struct prom_label {
	const char *name;
	const char *value;
};

struct prom_selector {
	const char *metric;		/* a sample name, e.g. "go_goroutines" */
	const struct prom_label *labels;
	size_t n_labels;
};

struct prom_value {
	double value;			/* sum of the matching samples; NaN when none matched */
	unsigned long matched;		/* how many samples matched */
};

/* Why an exposition was refused: its 1-based line and column, and what was wrong. */
struct prom_error {
	unsigned long line, column;
	char what[96];
};

/*
 * Read text[0, len) (need not be NUL-terminated) and fill out[i] for each of the n selectors
 * sel[i].  Returns 0, or -1 with *err saying where the text is malformed; out is then all
 * NaN with matched 0.  Allocates nothing; never reads past len.
 */
int prom_select(const char *text, size_t len, const struct prom_selector *sel, size_t n,
		struct prom_value *out, struct prom_error *err);

/* 1 when s is a valid metric name, a valid label name; else 0. */
int prom_metric_name_ok(const char *s);
int prom_label_name_ok(const char *s);

#endif
