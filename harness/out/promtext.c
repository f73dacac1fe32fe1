/*
 * promtext — the Prometheus text exposition of a report: HELP and TYPE once per family,
 * then one sample per scenario (and metric, or verdict).
 */
#include "out/promtext.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/diag.h"
#include "record/results.h"
#include "base/text.h"

static const char *const verdicts[] = { "pass", "leak", "error" };

/* A label value: escaped like every output, then as the exposition format wants. */
static void label_value(FILE *f, const char *s)
{
	char *esc = text_escape(s, 0);

	for (const char *p = esc ? esc : "?"; *p; p++) {
		if (*p == '\\' || *p == '"')
			fputc('\\', f);
		fputc(*p, f);
	}
	free(esc);
}

/* A sample value: Go's float syntax, which %.17g writes for every finite double. */
static void value(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else
		fprintf(f, "%.17g", v);
	fputc('\n', f);
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{scenario="...",key="val"} v */
static void sample(FILE *f, const char *name, const char *scenario, const char *key,
		   const char *val, double v)
{
	fprintf(f, "%s{scenario=\"", name);
	label_value(f, scenario);
	if (key) {
		fprintf(f, "\",%s=\"", key);
		label_value(f, val);
	}
	fputs("\"} ", f);
	value(f, v);
}

/* A gauge per scenario and metric of the table: its slope, or (gate set) its gate. */
static void per_metric(FILE *f, const struct report *r, const char *name, const char *help,
		       int gate)
{
	family(f, name, "gauge", help);
	for (size_t i = 0; i < r->n; i++)
		for (size_t m = 0; m < r->runs[i].n_metrics; m++) {
			const struct report_metric *x = &r->runs[i].metric[m];
			double v = gate ? x->gate_per_min : x->slope_per_min;
			/* An unfitted slope and an ungated metric have no sample. */
			if (gate ? v >= 0 : isfinite(v))
				sample(f, name, r->runs[i].name, "metric", x->name, v);
		}
}

static void growth(FILE *f, const struct report *r)
{
	per_metric(f, r, "leaksoak_growth_per_minute", "Fitted growth of a metric per minute "
		   "after warm-up, in the metric's unit (KiB for memory, a count for threads and "
		   "fds).", 0);
}

static void gates(FILE *f, const struct report *r)
{
	per_metric(f, r, "leaksoak_gate_per_minute", "Growth per minute a metric may show "
		   "before the run is a leak (ungated metrics have no sample).", 1);
}

static void verdict(FILE *f, const struct report *r)
{
	family(f, "leaksoak_verdict", "gauge", "1 for the verdict of the scenario's run, 0 for "
	       "the other verdicts.");
	for (size_t i = 0; i < r->n; i++)
		for (size_t v = 0; v < sizeof(verdicts) / sizeof(verdicts[0]); v++)
			sample(f, "leaksoak_verdict", r->runs[i].name, "verdict", verdicts[v],
			       !strcmp(r->runs[i].verdict, verdicts[v]));
}

/* One counter family of the driver's totals, a sample per scenario that a driver drove. */
static void driver_total(FILE *f, const struct report *r, const char *name, const char *help,
			 int errors)
{
	family(f, name, "counter", help);
	for (size_t i = 0; i < r->n; i++) {
		const struct report_run *run = &r->runs[i];
		double v = errors ? run->errors : run->requests;
		if (isfinite(run->requests))
			sample(f, name, run->name, NULL, NULL, isfinite(v) ? v : 0);
	}
}

static void driver(FILE *f, const struct report *r)
{
	size_t driven = 0;

	for (size_t i = 0; i < r->n; i++)
		driven += isfinite(r->runs[i].requests);
	if (!driven)
		return;
	driver_total(f, r, "leaksoak_driver_requests_total", "Requests the HTTP driver "
		     "completed in the run.", 0);
	driver_total(f, r, "leaksoak_driver_errors_total", "Requests of the HTTP driver that "
		     "failed in the run.", 1);
}

double promtext_utc_seconds(const char *iso)
{
	struct tm tm = { 0 };
	const char *end = iso ? strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;

	if (!end || *end)
		return -1;
	return (double)timegm(&tm);
}

static void timestamp(FILE *f, const struct report *r)
{
	double t = promtext_utc_seconds(r->started_utc);

	if (t < 0)
		return;
	family(f, "leaksoak_run_timestamp_seconds", "gauge", "When the run (or the soak) "
	       "started, in seconds since the Unix epoch.");
	fputs("leaksoak_run_timestamp_seconds ", f);
	value(f, t);
}

int promtext_write(FILE *f, const struct report *r)
{
	growth(f, r);
	gates(f, r);
	verdict(f, r);
	driver(f, r);
	timestamp(f, r);
	return ferror(f) ? -1 : 0;
}

int promtext_write_dir(const char *path, const char *dir)
{
	struct report r;
	int ret;

	report_init(&r);
	ret = report_load(&r, dir) == 0 ? promtext_write_file(path, &r) : -1;
	report_release(&r);
	return ret;
}

static int exposition(FILE *f, const void *arg)
{
	return promtext_write(f, arg);
}

int promtext_write_file(const char *path, const struct report *r)
{
	return results_write_built(path, exposition, r);
}
