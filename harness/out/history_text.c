/*
 * history_text — the history for a person (the table of `leaksoak history`, the line at the
 * end of a soak) and for scripts (history --json).
 */
#include "out/history_text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "base/units.h"
#include "out/report_baseline.h"

/* As the report words a rate: whole numbers from 100 up, three digits below, signed. */
static void rate_text(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else
		units_format_rate(buf, len, v, 1);
}

void history_rise_text(const struct history_rise *r, char *buf, size_t len)
{
	char a[32], b[32], m[32];

	if (r->soak < 0) {
		snprintf(buf, len, "-");
		return;
	}
	if (r->metric < 0) {
		snprintf(buf, len, "verdict %s -> %s", r->from, r->to);
		return;
	}
	rate_text(a, sizeof(a), r->from_per_min);
	rate_text(b, sizeof(b), r->to_per_min);
	snprintf(m, sizeof(m), "%g", r->margin_per_min);
	snprintf(buf, len, "%s rose %s -> %s %s/min (more than %s, a quarter of its gate)",
		 history_metric_name(r->metric), a, b, history_metric_unit(r->metric), m);
}

void history_soak_text(const struct history *h, size_t soak, char *buf, size_t len)
{
	const struct history_entry *e = &h->ix.v[soak];
	int n = snprintf(buf, len, "#%zu %s", soak + 1, e->started_utc[0] ? e->started_utc : "?");

	if (n >= 0 && (size_t)n < len && e->label)
		n += snprintf(buf + n, len - (size_t)n, " %s", e->label);
	if (n >= 0 && (size_t)n < len && e->commit)
		snprintf(buf + n, len - (size_t)n, " %s", e->commit);
	text_utf8_trim(buf);
}

/* The gate of metric m in the newest soak of s that gated it. */
static double last_gate(const struct history_scenario *s, size_t n, int m)
{
	for (size_t i = n; i-- > 0; )
		if (s->pt[i].present && s->pt[i].gate_per_min[m] >= 0)
			return s->pt[i].gate_per_min[m];
	return NAN;
}

static void print_soaks(FILE *f, const struct history *h)
{
	fputs("history of ", f);
	text_escape_file(f, h->root, 0);
	fprintf(f, ": %zu soak%s\n", h->ix.n, h->ix.n == 1 ? "" : "s");
	fprintf(f, "  %-4s %-21s %-20s %-12s %s\n", "#", "started", "label", "commit", "folder");
	for (size_t i = 0; i < h->ix.n; i++) {
		const struct history_entry *e = &h->ix.v[i];
		fprintf(f, "  %-4zu %-21s %-20s %-12s ", i + 1, e->started_utc,
			e->label ? e->label : "-", e->commit ? e->commit : "-");
		text_escape_file(f, e->dir, 0);
		fputc('\n', f);
	}
}

/* "+12 +15 +2100": the slopes of metric m, oldest first, "." where the scenario did not run. */
static void print_slopes(FILE *f, const struct history_scenario *s, size_t n, int m)
{
	char rate[32];

	for (size_t i = 0; i < n; i++) {
		if (!s->pt[i].present)
			snprintf(rate, sizeof(rate), ".");
		else
			rate_text(rate, sizeof(rate), s->pt[i].slope_per_min[m]);
		fprintf(f, "%s%s", i ? " " : "", rate);
	}
}

static void print_verdicts(FILE *f, const struct history_scenario *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fputc(!s->pt[i].present ? '.' : s->pt[i].verdict[0] == 'p' ? 'P' :
		      s->pt[i].verdict[0] == 'l' ? 'L' : 'E', f);
}

static void print_scenario(FILE *f, const struct history *h, const struct history_scenario *s)
{
	char name[64], soak[256], what[256];
	size_t n = h->ix.n;

	text_escape_buf(name, sizeof(name), s->name);
	for (int m = 0; m < METRIC_N_BUILTIN; m++) {
		if (!history_gated(s, n, m))
			continue;
		fprintf(f, "  %-24s %-8s %10g  ", name, history_metric_name(m), last_gate(s, n, m));
		print_verdicts(f, s, n);
		fputs("  ", f);
		print_slopes(f, s, n, m);
		fputc('\n', f);
	}
	if (s->rise.soak < 0)
		return;
	history_soak_text(h, (size_t)s->rise.soak, soak, sizeof(soak));
	history_rise_text(&s->rise, what, sizeof(what));
	fprintf(f, "  %-24s first rise: %s: %s\n", name, soak, what);
}

void history_print(FILE *f, const struct history *h)
{
	size_t rises = 0;

	print_soaks(f, h);
	fprintf(f, "\n  %-24s %-8s %10s  %s\n", "scenario", "metric", "gate/min",
		"verdicts (P pass, L leak, E error, . absent) and slopes/min, oldest first");
	for (size_t i = 0; i < h->n_sc; i++) {
		print_scenario(f, h, &h->sc[i]);
		rises += h->sc[i].rise.soak >= 0;
	}
	fprintf(f, "%zu scenario%s, %zu with a verdict change or a slope that rose by more than "
		"a quarter of its gate\n", h->n_sc, h->n_sc == 1 ? "" : "s", rises);
}

void history_print_brief(FILE *f, const struct history *h)
{
	char name[64];
	size_t changed = 0;

	if (!h || h->ix.n < 2)
		return;
	for (size_t i = 0; i < h->n_sc; i++)
		changed += h->sc[i].rise.soak >= 0;
	fprintf(f, "history: %zu soaks in ", h->ix.n);
	text_escape_file(f, h->root, 0);
	fprintf(f, ", %zu scenario%s changed", changed, changed == 1 ? "" : "s");
	for (size_t i = 0, shown = 0; i < h->n_sc && shown < 5; i++) {
		if (h->sc[i].rise.soak < 0)
			continue;
		text_escape_buf(name, sizeof(name), h->sc[i].name);
		fprintf(f, "%s %s (#%ld)", shown++ ? "," : ":", name, h->sc[i].rise.soak + 1);
	}
	fputs(changed > 5 ? ", ... (leaksoak history " : " (leaksoak history ", f);
	text_escape_file(f, h->root, 0);
	fputs(")\n", f);
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *soaks_json(const struct history *h)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < h->ix.n; i++) {
		const struct history_entry *e = &h->ix.v[i];
		json_array_append_new(a, json_pack("{s:I, s:s, s:o, s:o, s:o}", "soak",
			(json_int_t)i + 1, "started_utc", e->started_utc,
			"label", text_json_string(e->label), "commit", text_json_string(e->commit),
			"dir", text_json_string(e->dir)));
	}
	return a;
}

static json_t *metric_json(const struct history_scenario *s, size_t n, int m)
{
	json_t *slopes = json_array(), *gates = json_array();

	for (size_t i = 0; slopes && gates && i < n; i++) {
		const struct history_point *p = &s->pt[i];
		json_array_append_new(slopes, p->present ? num_or_null(p->slope_per_min[m]) :
				      json_null());
		json_array_append_new(gates, p->present && p->gate_per_min[m] >= 0 ?
				      num_or_null(p->gate_per_min[m]) : json_null());
	}
	return json_pack("{s:s, s:o, s:o}", "unit", history_metric_unit(m), "slope_per_min",
			 slopes, "gate_per_min", gates);
}

static json_t *rise_json(const struct history *h, const struct history_rise *r)
{
	if (r->soak < 0)
		return json_null();
	json_t *j = json_pack("{s:I, s:s, s:s}", "soak", (json_int_t)r->soak + 1, "started_utc",
			      h->ix.v[r->soak].started_utc, "what", history_metric_name(r->metric));
	if (!j)
		return NULL;
	if (r->metric < 0) {
		json_object_set_new(j, "from", json_string(r->from));
		json_object_set_new(j, "to", json_string(r->to));
	} else {
		json_object_set_new(j, "from_per_min", num_or_null(r->from_per_min));
		json_object_set_new(j, "to_per_min", num_or_null(r->to_per_min));
		json_object_set_new(j, "margin_per_min", num_or_null(r->margin_per_min));
	}
	return j;
}

static json_t *scenario_json(const struct history *h, const struct history_scenario *s)
{
	json_t *verdicts = json_array(), *metrics = json_object();

	for (size_t i = 0; verdicts && i < h->ix.n; i++)
		json_array_append_new(verdicts, s->pt[i].present ? json_string(s->pt[i].verdict) :
				      json_null());
	for (int m = 0; metrics && m < METRIC_N_BUILTIN; m++)
		json_object_set_new(metrics, history_metric_name(m), metric_json(s, h->ix.n, m));
	return json_pack("{s:o, s:o, s:o, s:o}", "scenario", text_json_string(s->name),
			 "verdicts", verdicts, "metrics", metrics, "first_rise",
			 rise_json(h, &s->rise));
}

json_t *history_json(const struct history *h)
{
	json_t *scenarios = json_array();

	for (size_t i = 0; scenarios && i < h->n_sc; i++)
		if (json_array_append_new(scenarios, scenario_json(h, &h->sc[i])) < 0) {
			json_decref(scenarios);
			return NULL;
		}
	return json_pack("{s:s, s:o, s:f, s:o, s:o}", "kind", "leaksoak-history",
			 "root", text_json_string(h->root),
			 "rose_gate_fraction", REPORT_ROSE_GATE_FRACTION, "soaks", soaks_json(h),
			 "scenarios", scenarios);
}
