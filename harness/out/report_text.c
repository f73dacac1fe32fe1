/*
 * report_text — a report in words: a run's slopes and its line, the JUnit case's message,
 * the load generator, and what `soak` and `report` print at the end.
 */
#include "out/report_text.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/runfiles.h"
#include "base/units.h"
#include "base/text.h"

/* Short slopes of a run for messages: "rss +12.3 KiB/min (gate 512), threads +0 ..." */
static void slopes_text(const struct report_run *run, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t m = 0; m < run->n_metrics && used < len; m++) {
		const struct report_metric *x = &run->metric[m];
		char rate[32], gate[40] = "";
		int w;
		/* An ungated metric that passed is beside the point of a one-line summary. */
		if (!isfinite(x->slope_per_min) || (!(x->gate_per_min >= 0) && !x->failed))
			continue;
		units_format_rate(rate, sizeof(rate), x->slope_per_min, 0);
		if (x->gate_per_min >= 0)
			snprintf(gate, sizeof(gate), " (gate %g)", x->gate_per_min);
		w = snprintf(buf + used, len - used, "%s%s %s%s%s/min%s", used ? ", " : "",
			     x->name, x->slope_per_min >= 0 ? "+" : "", rate,
			     !strcmp(x->unit, "KiB") ? " KiB" : "", gate);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

char *report_case_message(const struct report_run *run)
{
	char slopes[256];
	char *s = NULL;
	int n = -1;

	slopes_text(run, slopes, sizeof(slopes));
	if (run->mismatch && !strcmp(run->verdict, "pass"))
		n = asprintf(&s, "expected leak, but no gate failed: %s",
			     slopes[0] ? slopes : "nothing fitted");
	else if (run->mismatch)
		n = asprintf(&s, "expected pass: %s", run->message ? run->message : "leak");
	else if (run->expect && !strcmp(run->verdict, "leak"))
		n = asprintf(&s, "%s\nleaked as expected: %s", run->dir,
			     run->message ? run->message : "");
	else
		return NULL;
	return n < 0 ? NULL : s;
}


void report_run_line(const struct report_run *run, char *buf, size_t len)
{
	char slopes[256];
	const char *note = "";

	slopes_text(run, slopes, sizeof(slopes));
	if (run->mismatch)
		note = !strcmp(run->expect, "leak") ? "  MISMATCH: expected leak" :
			"  MISMATCH: expected pass";
	else if (run->expect && !strcmp(run->verdict, "leak"))
		note = "  (expected leak)";
	char raw[1024];
	if (!strcmp(run->verdict, "error"))
		snprintf(raw, sizeof(raw), "%-5s  %-24s  %s", run->verdict, run->name,
			 run->message ? run->message : "");
	else
		snprintf(raw, sizeof(raw), "%-5s  %-24s  %s%s", run->verdict, run->name, slopes,
			 note);
	text_utf8_trim(raw);
	/* Multi-line messages (several failed metrics) stay on one line; names and messages
	 * read from summaries are escaped like every output. */
	for (char *p = raw; (p = strchr(p, '\n')); )
		*p = ';';
	text_escape_n(buf, len, raw, 0);
}

void report_exec_text(const struct report_run *run, char *buf, size_t len)
{
	const json_t *ex = run->drive_exec, *arg;
	const char *end = json_string_value(json_object_get(ex, "exit"));
	const json_t *cpu = json_object_get(ex, "cpu_s"), *rss = json_object_get(ex, "peak_rss_kib");
	char raw[1024];
	size_t n = 0, i;

	buf[0] = '\0';
	if (!ex)
		return;
	raw[0] = '\0';
	json_array_foreach(json_object_get(ex, "cmd"), i, arg)
		if (n < sizeof(raw))
			n += (size_t)snprintf(raw + n, sizeof(raw) - n, "%s%s", i ? " " : "",
					      json_is_string(arg) ? json_string_value(arg) : "?");
	if (n < sizeof(raw))
		n += (size_t)snprintf(raw + n, sizeof(raw) - n, " (%s", end ? end : "ended unknown");
	if (n < sizeof(raw) && json_is_number(cpu) && json_is_integer(rss))
		n += (size_t)snprintf(raw + n, sizeof(raw) - n, "; %.2f s CPU, peak RSS %lld KiB",
				      json_number_value(cpu), (long long)json_integer_value(rss));
	if (n < sizeof(raw))
		snprintf(raw + n, sizeof(raw) - n, ")");
	text_utf8_trim(raw);
	text_escape_n(buf, len, raw, 0);
}

static void print_change(FILE *f, const struct report_change *c)
{
	char a[32], b[32], m[32];
	char name[160], what[4 * REPORT_METRIC_NAME], unit[64];

	text_escape_buf(name, sizeof(name), c->name);
	text_escape_buf(what, sizeof(what), c->what);
	text_escape_buf(unit, sizeof(unit), c->unit);
	if (c->is_verdict) {
		fprintf(f, "  %s: verdict %s -> %s\n", name, c->from, c->to);
		return;
	}
	units_format_rate(a, sizeof(a), c->from_per_min, 0);
	units_format_rate(b, sizeof(b), c->to_per_min, 0);
	units_format_rate(m, sizeof(m), c->margin_per_min, 0);
	fprintf(f, "  %s: %s slope rose %s -> %s %s/min (margin %s)\n", name,
		what, a, b, unit, m);
}

void report_print(FILE *f, const struct report *r, const char *out_dir, int all_runs)
{
	char line[512];
	enum ls_exit code = report_exit_code(r);
	size_t o[3] = { 0 }, mismatch = 0;

	for (size_t i = 0; i < r->n; i++) {
		o[report_run_outcome(&r->runs[i])]++;
		mismatch += r->runs[i].mismatch;
	}
	for (size_t i = 0; i < r->n; i++) {
		if (!all_runs && report_run_outcome(&r->runs[i]) == REPORT_OK)
			continue;
		report_run_line(&r->runs[i], line, sizeof(line));
		fprintf(f, "  %s\n", line);
		report_exec_text(&r->runs[i], line, sizeof(line));
		if (line[0])
			fprintf(f, "         load: %s\n", line);
	}
	if (r->baseline_dir) {
		fputs("compared with ", f);
		text_escape_file(f, r->baseline_dir, 0);
		fprintf(f, ": %zu change%s\n", r->n_changes,
			r->n_changes == 1 ? "" : "s");
		for (size_t i = 0; i < r->n_changes; i++)
			print_change(f, &r->changes[i]);
	}
	fprintf(f, "%s: %zu run%s, %zu ok, %zu failed, %zu errors (%zu expect mismatch%s); "
		"report ",
		report_verdict_word(code), r->n,
		r->n == 1 ? "" : "s", o[REPORT_OK], o[REPORT_FAILED], o[REPORT_ERROR], mismatch,
		mismatch == 1 ? "" : "es");
	text_escape_file(f, out_dir, 0);
	fputs("/" RUNFILE_INDEX "\n", f);
}
