/*
 * prom — a strict one-pass reader of the Prometheus text exposition (prom.h).
 *
 * Each line is checked and, when it is a sample, matched against the selectors right away:
 * nothing is stored but the running sums, so a page of any size costs no memory.  Label
 * values are compared in their escaped form, unescaping on the fly, for the same reason.
 * Everything is bounded by the line's end pointer: the text need not be NUL-terminated and
 * may hold NUL bytes.
 */
#include "scenario/prom.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Where the reader is: the line being read and the error to fill. */
struct line {
	const char *start, *end;
	unsigned long no;
	struct prom_error *err;
};

/* A label of the sample being read: its name and its value as written (escaped). */
struct label {
	const char *name, *name_end;
	const char *value, *value_end;
};

static int fail(const struct line *l, const char *at, const char *what)
{
	l->err->line = l->no;
	l->err->column = (unsigned long)(at - l->start) + 1;
	snprintf(l->err->what, sizeof(l->err->what), "%s", what);
	return -1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_blanks(const char *p, const char *e)
{
	while (p < e && is_blank(*p))
		p++;
	return p;
}

static const char *token_end(const char *p, const char *e)
{
	while (p < e && !is_blank(*p))
		p++;
	return p;
}

static int is_alpha_(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The end of the metric name starting at p (p itself when there is none). */
static const char *metric_name_end(const char *p, const char *e)
{
	const char *q = p;

	if (q < e && (is_alpha_(*q) || *q == ':'))
		for (q++; q < e && (is_alpha_(*q) || is_digit(*q) || *q == ':'); q++)
			;
	return q;
}

static const char *label_name_end(const char *p, const char *e)
{
	const char *q = p;

	if (q < e && is_alpha_(*q))
		for (q++; q < e && (is_alpha_(*q) || is_digit(*q)); q++)
			;
	return q;
}

int prom_metric_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n && metric_name_end(s, s + n) == s + n;
}

int prom_label_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n && label_name_end(s, s + n) == s + n;
}

/* ---- values ------------------------------------------------------------------------------ */

/* 1 when [p, e) is word exactly. */
static int span_is(const char *p, const char *e, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(e - p) == n && memcmp(p, word, n) == 0;
}

/* 1 when [p, e) spells word, ignoring case. */
static int word_is(const char *p, const char *e, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(e - p) == n && strncasecmp(p, word, n) == 0;
}

/* 1 when [p, e) is a decimal number: [+-] digits [. digits] [e [+-] digits], a digit somewhere
 * in the mantissa.  strtod alone would also take hex, "infinity" and leading blanks. */
static int decimal_ok(const char *p, const char *e, int fraction_ok)
{
	int digits = 0;

	if (p < e && (*p == '+' || *p == '-'))
		p++;
	for (; p < e && is_digit(*p); p++)
		digits++;
	if (fraction_ok && p < e && *p == '.')
		for (p++; p < e && is_digit(*p); p++)
			digits++;
	if (!digits)
		return 0;
	if (fraction_ok && p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		if (p == e || !is_digit(*p))
			return 0;
		while (p < e && is_digit(*p))
			p++;
	}
	return p == e;
}

static int parse_value(const struct line *l, const char *p, const char *e, double *out)
{
	char buf[128];
	size_t n = (size_t)(e - p);

	if (word_is(p, e, "nan")) {
		*out = NAN;
		return 0;
	}
	if (word_is(p, e, "inf") || word_is(p, e, "+inf") || word_is(p, e, "infinity") ||
	    word_is(p, e, "+infinity")) {
		*out = INFINITY;
		return 0;
	}
	if (word_is(p, e, "-inf") || word_is(p, e, "-infinity")) {
		*out = -INFINITY;
		return 0;
	}
	if (!n || n >= sizeof(buf) || !decimal_ok(p, e, 1))
		return fail(l, p, "value is not a number");
	memcpy(buf, p, n);
	buf[n] = '\0';
	*out = strtod(buf, NULL);
	if (isinf(*out))
		return fail(l, p, "value out of range");
	return 0;
}

/* An optional timestamp: integer milliseconds that fit an int64, as Prometheus reads them. */
static int check_timestamp(const struct line *l, const char *p, const char *e)
{
	char buf[24];
	size_t n = (size_t)(e - p);

	if (!n || n >= sizeof(buf) || !decimal_ok(p, e, 0))
		return fail(l, p, "timestamp is not an integer");
	memcpy(buf, p, n);
	buf[n] = '\0';
	errno = 0;
	(void)strtoll(buf, NULL, 10);
	if (errno == ERANGE)
		return fail(l, p, "timestamp out of range");
	return 0;
}

/* ---- labels ------------------------------------------------------------------------------ */

/* The end of a quoted label value whose opening quote is at p[-1]: at its closing quote. */
static const char *value_end(const struct line *l, const char *p, const char *e)
{
	while (p < e && *p != '"') {
		if (*p == '\\') {
			if (p + 1 == e)
				break;
			if (p[1] != '\\' && p[1] != '"' && p[1] != 'n') {
				fail(l, p, "invalid escape in label value (only \\\\ \\\" \\n)");
				return NULL;
			}
			p++;
		}
		p++;
	}
	if (p == e) {
		fail(l, p, "label value not closed");
		return NULL;
	}
	return p;
}

static int same_span(const char *a, const char *ae, const char *b, const char *be)
{
	return ae - a == be - b && memcmp(a, b, (size_t)(ae - a)) == 0;
}

/* Read one name="value" at p into *lab; returns where it ends, or NULL. */
static const char *read_label(const struct line *l, const char *p, const char *e,
			      struct label *lab)
{
	lab->name = p;
	lab->name_end = label_name_end(p, e);
	if (lab->name_end == p) {
		fail(l, p, "label name expected");
		return NULL;
	}
	p = skip_blanks(lab->name_end, e);
	if (p == e || *p != '=') {
		fail(l, p, "'=' expected after label name");
		return NULL;
	}
	p = skip_blanks(p + 1, e);
	if (p == e || *p != '"') {
		fail(l, p, "'\"' expected to open label value");
		return NULL;
	}
	lab->value = p + 1;
	if (!(lab->value_end = value_end(l, p + 1, e)))
		return NULL;
	return lab->value_end + 1;
}

/* Read {labels} starting at p (on '{') into labs; returns where they end, or NULL. */
static const char *read_labels(const struct line *l, const char *p, const char *e,
			       struct label *labs, size_t *n)
{
	*n = 0;
	p = skip_blanks(p + 1, e);
	while (p < e && *p != '}') {
		if (*n == PROM_MAX_LABELS) {
			fail(l, p, "too many labels on one sample");
			return NULL;
		}
		if (!(p = read_label(l, p, e, &labs[*n])))
			return NULL;
		for (size_t i = 0; i < *n; i++)
			if (same_span(labs[i].name, labs[i].name_end, labs[*n].name,
				      labs[*n].name_end)) {
				fail(l, labs[*n].name, "label repeated in one sample");
				return NULL;
			}
		(*n)++;
		p = skip_blanks(p, e);
		if (p < e && *p == ',')
			p = skip_blanks(p + 1, e);
		else if (p < e && *p != '}') {
			fail(l, p, "',' or '}' expected after label value");
			return NULL;
		}
	}
	if (p == e) {
		fail(l, p, "'}' expected to close labels");
		return NULL;
	}
	return p + 1;
}

/* 1 when the escaped label value [v, ve) reads as want. */
static int value_is(const char *v, const char *ve, const char *want)
{
	while (v < ve) {
		char c = *v++;
		if (c == '\\' && v < ve) {
			c = *v++;
			if (c == 'n')
				c = '\n';
		}
		if (!*want || *want != c)
			return 0;
		want++;
	}
	return *want == '\0';
}

static int has_label(const struct label *labs, size_t n, const struct prom_label *m)
{
	size_t len = strlen(m->name);

	for (size_t i = 0; i < n; i++)
		if ((size_t)(labs[i].name_end - labs[i].name) == len &&
		    memcmp(labs[i].name, m->name, len) == 0)
			return value_is(labs[i].value, labs[i].value_end, m->value);
	return 0;
}

/* ---- lines ------------------------------------------------------------------------------- */

static int selector_matches(const struct prom_selector *s, const char *name,
			    const char *name_end, const struct label *labs, size_t n)
{
	size_t len = strlen(s->metric);

	if ((size_t)(name_end - name) != len || memcmp(name, s->metric, len) != 0)
		return 0;
	for (size_t i = 0; i < s->n_labels; i++)
		if (!has_label(labs, n, &s->labels[i]))
			return 0;
	return 1;
}

static int read_sample(const struct line *l, const char *p, const struct prom_selector *sel,
		       size_t n_sel, struct prom_value *out)
{
	struct label labs[PROM_MAX_LABELS];
	size_t n_labs = 0;
	const char *e = l->end, *name = p, *name_end = metric_name_end(p, e), *v;
	double value;

	if (name_end == p)
		return fail(l, p, "metric name expected");
	p = skip_blanks(name_end, e);
	if (p < e && *p == '{') {
		if (!(p = read_labels(l, p, e, labs, &n_labs)))
			return -1;
		p = skip_blanks(p, e);
	} else if (p == name_end && p < e) {
		return fail(l, p, "blank expected before the value");
	}
	if (parse_value(l, p, v = token_end(p, e), &value) < 0)
		return -1;
	p = skip_blanks(v, e);
	if (p < e && check_timestamp(l, p, token_end(p, e)) < 0)
		return -1;
	p = skip_blanks(token_end(p, e), e);
	if (p < e)
		return fail(l, p, "end of line expected after the timestamp");
	for (size_t i = 0; i < n_sel; i++)
		if (selector_matches(&sel[i], name, name_end, labs, n_labs)) {
			out[i].value = out[i].matched ? out[i].value + value : value;
			out[i].matched++;
		}
	return 0;
}

/* The docstring of # HELP: anything, but a backslash escapes only '\\' and 'n'. */
static int check_help(const struct line *l, const char *p)
{
	for (; p < l->end; p++)
		if (*p == '\\') {
			if (p + 1 == l->end || (p[1] != '\\' && p[1] != 'n'))
				return fail(l, p, "invalid escape in HELP text (only \\\\ \\n)");
			p++;
		}
	return 0;
}

static int check_type(const struct line *l, const char *p)
{
	static const char *const types[] = {
		"counter", "gauge", "histogram", "summary", "untyped", NULL,
	};
	const char *t = token_end(p, l->end);

	for (size_t i = 0; types[i]; i++)
		if (span_is(p, t, types[i])) {
			if (skip_blanks(t, l->end) < l->end)
				return fail(l, t, "end of line expected after the TYPE");
			return 0;
		}
	return fail(l, p, "unknown TYPE (counter, gauge, histogram, summary or untyped)");
}

/* A line starting with '#' at p: HELP and TYPE are checked, anything else is a comment. */
static int read_comment(const struct line *l, const char *p)
{
	const char *e = l->end, *kw, *kw_end, *name_end;
	int help;

	kw = skip_blanks(p + 1, e);
	kw_end = token_end(kw, e);
	help = span_is(kw, kw_end, "HELP");
	if (!help && !span_is(kw, kw_end, "TYPE"))
		return 0;
	p = skip_blanks(kw_end, e);
	if (p == e)
		return 0;
	name_end = metric_name_end(p, e);
	if (name_end == p || (name_end < e && !is_blank(*name_end)))
		return fail(l, name_end, "metric name expected after HELP or TYPE");
	p = skip_blanks(name_end, e);
	if (help)
		return check_help(l, p);
	return check_type(l, p);
}

static int read_line(const struct line *l, const struct prom_selector *sel, size_t n_sel,
		     struct prom_value *out)
{
	const char *p = skip_blanks(l->start, l->end);

	if (l->end - l->start > PROM_MAX_LINE)
		return fail(l, l->start + PROM_MAX_LINE, "line too long");
	if (p == l->end)
		return 0;
	if (*p == '#')
		return read_comment(l, p);
	return read_sample(l, p, sel, n_sel, out);
}

static void clear(struct prom_value *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (struct prom_value){ .value = NAN, .matched = 0 };
}

int prom_select(const char *text, size_t len, const struct prom_selector *sel, size_t n,
		struct prom_value *out, struct prom_error *err)
{
	const char *p = text, *end = text + len;
	struct line l = { .err = err };

	memset(err, 0, sizeof(*err));
	clear(out, n);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		l.start = p;
		l.end = nl ? nl : end;
		if (++l.no > PROM_MAX_LINES) {
			fail(&l, p, "too many lines");
			goto bad;
		}
		if (read_line(&l, sel, n, out) < 0)
			goto bad;
		p = nl ? nl + 1 : end;
	}
	return 0;
bad:
	clear(out, n);
	return -1;
}
