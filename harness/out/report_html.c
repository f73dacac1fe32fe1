/*
 * report_html — a report as one self-contained index.html: inline CSS, each run's plot
 * embedded as a base64 data URI, no scripts, no external assets.
 */
#include "out/report_html.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/path.h"
#include "base/units.h"
#include "base/runfiles.h"
#include "evidence/evidence.h"
#include "evidence/goprof.h"
#include "out/history_text.h"
#include "out/report_text.h"
#include "out/report_write.h"
#include "record/results.h"

static const char html_style[] =
	"body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1320px;"
	"color:#222;padding:0 16px}\n"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 6px}\n"
	".meta{color:#666;margin:0 0 12px}\n"
	".overall{font-size:16px;padding:8px 12px;border-radius:4px;display:inline-block}\n"
	"table{border-collapse:collapse;width:100%;margin:12px 0}\n"
	"th,td{border-bottom:1px solid #ddd;padding:5px 8px;text-align:left;vertical-align:top}\n"
	"th{background:#f4f4f4;font-weight:600}\n"
	"td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"td:first-child,td:last-child{white-space:nowrap}\n"
	"td.num.over{color:#b00020;font-weight:700}\n"
	".gate{color:#888;font-weight:400}\n"
	".v{font-weight:700;padding:1px 6px;border-radius:3px;white-space:nowrap}\n"
	".v-pass{background:#e3f4e3;color:#14641a}.v-leak{background:#fde2e2;color:#a40012}\n"
	".v-error{background:#fff0d0;color:#8a5300}\n"
	"tr.mismatch td{background:#fff6b8}\n"
	".mm{color:#a40012;font-weight:700}\n"
	".why{white-space:pre-line;font-size:13px}\n"
	".settled{font-size:12px;color:#6a3d9a}\n"
	".changes li{margin:2px 0}.rose{color:#a40012}\n"
	"section.run{border-top:1px solid #ddd;margin-top:24px}\n"
	"section.run img{max-width:100%;height:auto;border:1px solid #eee}\n"
	"pre{background:#f7f7f7;padding:8px;white-space:pre-wrap}\n"
	".noplot{color:#888;font-style:italic}\n"
	"td.where{font-size:13px;max-width:420px}\n"
	"dl.where dt{font-weight:600;margin-top:6px}dl.where dd{margin:0 0 0 16px}\n"
	".trend{display:inline-block;vertical-align:top;margin:0 16px 12px 0;max-width:580px}\n"
	".trend h3{font-size:14px;margin:8px 0 2px}.trend p{margin:0 0 4px;font-size:13px}\n";

/* An id for anchors: the name with anything but [A-Za-z0-9_-] as '-'. */
static void html_id(FILE *f, const char *prefix, const char *name)
{
	fputs(prefix, f);
	for (; *name; name++) {
		char c = *name;
		int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '_' || c == '-';
		fputc(keep ? c : '-', f);
	}
}

static void base64(FILE *f, const unsigned char *p, size_t n)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		fputc(abc[v >> 18 & 63], f);
		fputc(abc[v >> 12 & 63], f);
		fputc(i + 1 < n ? abc[v >> 6 & 63] : '=', f);
		fputc(i + 2 < n ? abc[v & 63] : '=', f);
	}
}

/* The whole file at path, malloc'd, or NULL (missing, unreadable, or over max bytes). */
static unsigned char *slurp(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && (size_t)size <= max &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size)) &&
	    fread(buf, 1, (size_t)size, f) == (size_t)size) {
		*len = (size_t)size;
	} else {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The image at path as an <img> with a data URI, alt "ALT NAME"; 0, or -1 when unreadable. */
static int html_image(FILE *f, const char *path, const char *mime, const char *alt,
		      const char *name)
{
	size_t len = 0;
	unsigned char *data = path ? slurp(path, 32u << 20, &len) : NULL;

	if (!data)
		return -1;
	fprintf(f, "<img alt=\"%s ", alt);
	results_xml_escape(f, name);
	fprintf(f, "\" src=\"data:%s;base64,", mime);
	base64(f, data, len);
	fputs("\">\n", f);
	free(data);
	return 0;
}

/* The run's plot as an <img> with a data URI; PNG preferred, SVG else. */
static void html_plot(FILE *f, const struct report_run *run)
{
	static const struct { const char *file, *mime; } kinds[] = {
		{ RUNFILE_PLOT_PNG, "image/png" }, { RUNFILE_PLOT_SVG, "image/svg+xml" },
	};

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		char *path = path_join(run->dir, kinds[k].file);
		int shown = html_image(f, path, kinds[k].mime, "RSS, threads and FDs of",
				       run->name) == 0;
		free(path);
		if (shown)
			return;
	}
	fputs("<p class=\"noplot\">No plot: gnuplot was not installed when the run finished "
	      "(draw it with <code>leaksoak plot ", f);
	results_xml_escape(f, run->dir);
	fputs("</code>).</p>\n", f);
}

static void html_verdict(FILE *f, const char *verdict)
{
	fprintf(f, "<span class=\"v v-%s\">%s</span>", verdict, verdict);
}

/* The run's name, escaped, then between, then its verdict: as the table and its section show. */
static void html_name_verdict(FILE *f, const struct report_run *run, const char *between)
{
	results_xml_escape(f, run->name);
	fputs(between, f);
	html_verdict(f, run->verdict);
}

static void html_metric_cell(FILE *f, const struct report_metric *x)
{
	char rate[32];

	fprintf(f, "<td class=\"num%s\">", x->failed ? " over" : "");
	if (isfinite(x->slope_per_min)) {
		units_format_rate(rate, sizeof(rate), x->slope_per_min, 0);
		fprintf(f, "%s%s", x->slope_per_min >= 0 ? "+" : "", rate);
	} else {
		fputs("&ndash;", f);
	}
	if (x->gate_per_min >= 0)
		fprintf(f, " <span class=\"gate\">/ %g</span>", x->gate_per_min);
	fputs("</td>", f);
}

static void html_expect_cell(FILE *f, const struct report_run *run)
{
	fputs("<td>", f);
	if (run->mismatch)
		fprintf(f, "<span class=\"mm\">MISMATCH: expected %s</span>", run->expect);
	else if (run->expect)
		fprintf(f, "%s &#10003;", run->expect);
	else
		fputs("&ndash;", f);
	fputs("</td>", f);
}

/* The table's metric columns: names of metrics (and their rate units) shown. */
struct columns {
	const struct report_metric *col[METRIC_MAX];	/* the first run's of each name */
	size_t n;
};

static int has_column(const struct columns *c, const char *name)
{
	for (size_t k = 0; k < c->n; k++)
		if (!strcmp(c->col[k]->name, name))
			return 1;
	return 0;
}

/*
 * Which metrics get a column: those that any run gates or failed, the built-ins first, then
 * the series of the runs (go_goroutines) in the order they are first met.
 */
static void shown_metrics(const struct report *r, struct columns *c)
{
	c->n = 0;
	for (int m = 0; m < METRIC_N_BUILTIN; m++)
		for (size_t i = 0; i < r->n; i++)
			if (r->runs[i].metric[m].gate_per_min >= 0) {
				c->col[c->n++] = &r->runs[i].metric[m];
				break;
			}
	for (size_t i = 0; i < r->n; i++)
		for (size_t m = METRIC_N_BUILTIN; m < r->runs[i].n_metrics && c->n < METRIC_MAX;
		     m++) {
			const struct report_metric *x = &r->runs[i].metric[m];
			if ((x->gate_per_min >= 0 || x->failed) && !has_column(c, x->name))
				c->col[c->n++] = x;
		}
}

/* ---- evidence ---------------------------------------------------------------------- */

/* The lines of where.metric, each escaped, sep between them; at most max of them. */
static void html_where_lines(FILE *f, const json_t *ev, const char *metric, size_t max,
			     const char *sep)
{
	const json_t *lines = evidence_where(ev, metric);
	size_t i;
	json_t *l;

	json_array_foreach(lines, i, l) {
		if (i == max)
			break;
		if (i)
			fputs(sep, f);
		results_xml_escape(f, json_string_value(l));
	}
}

/* The metrics whose evidence to show: the failed ones, or rss for a leak called on a cap. */
static int where_metrics(const struct report_run *run, const char *names[METRIC_MAX])
{
	int n = 0;

	for (size_t m = 0; m < run->n_metrics; m++)
		if (run->metric[m].failed)
			names[n++] = run->metric[m].name;
	if (!n && !strcmp(run->verdict, "leak"))
		names[n++] = metric_builtin[METRIC_RSS].name;
	return n;
}

/* The table's "where" cell: the first line of each failed metric's evidence. */
static void html_where_cell(FILE *f, const struct report_run *run)
{
	const char *names[METRIC_MAX];
	int n = where_metrics(run, names);

	fputs("<td class=\"where\">", f);
	for (int i = 0; run->evidence && i < n; i++) {
		if (i)
			fputs("<br>", f);
		html_where_lines(f, run->evidence, names[i], 1, "");
	}
	fputs("</td>", f);
}

static void html_heaptrack(FILE *f, const json_t *ht)
{
	const json_t *stacks = json_object_get(ht, "stacks");
	size_t i, k;
	json_t *st, *fr;

	if (!ht || json_is_null(ht))
		return;
	fputs("<h3>allocation sites (heaptrack)</h3>\n<pre>", f);
	if (json_is_string(json_object_get(ht, "error")))
		results_xml_escape(f, json_string_value(json_object_get(ht, "error")));
	json_array_foreach(stacks, i, st) {
		fprintf(f, "%s", i ? "\n" : "");
		results_xml_escape(f, json_string_value(json_object_get(st, "leaked")));
		fprintf(f, " leaked over %" JSON_INTEGER_FORMAT " calls from\n",
			json_integer_value(json_object_get(st, "calls")));
		json_array_foreach(json_object_get(st, "frames"), k, fr) {
			const char *at = json_string_value(json_object_get(fr, "location"));
			fputs("  ", f);
			results_xml_escape(f, json_string_value(json_object_get(fr, "function")));
			if (at && *at) {
				fputs("  at ", f);
				results_xml_escape(f, at);
			}
			fputc('\n', f);
		}
	}
	fputs("</pre>\n", f);
}

/* A heading and an open <pre> for the evidence in o; 0 (nothing written) when o is no object. */
static int html_pre_open(FILE *f, const json_t *o, const char *heading)
{
	if (!json_is_object(o))
		return 0;
	fprintf(f, "<h3>%s</h3>\n<pre>", heading);
	return 1;
}

/* o's "error", escaped, as a line of a <pre>; nothing when it has none. */
static void html_error_line(FILE *f, const json_t *o)
{
	const json_t *err = json_object_get(o, "error");

	if (!json_is_string(err))
		return;
	results_xml_escape(f, json_string_value(err));
	fputc('\n', f);
}

/* "+12 goroutines in main.serve": x's count_key counted, words, then x's name_key escaped. */
static void html_counted(FILE *f, const json_t *x, const char *count_key, const char *words,
			 const char *name_key)
{
	char n[40];

	goprof_count(n, sizeof(n), json_integer_value(json_object_get(x, count_key)));
	fprintf(f, "%s %s ", n, words);
	results_xml_escape(f, json_string_value(json_object_get(x, name_key)));
}

/* evidence.go_pprof: the goroutines that piled up, the heap's growing functions, the command. */
static void html_go_pprof(FILE *f, const json_t *go)
{
	const json_t *gr = json_object_get(json_object_get(go, "goroutines"), "top");
	const json_t *heap = json_object_get(go, "heap");
	size_t i;
	json_t *x;

	if (!html_pre_open(f, go, "Go profiles (net/http/pprof)"))
		return;
	json_array_foreach(gr, i, x) {
		html_counted(f, x, "delta", "goroutines in", "function");
		fputs(" (", f);
		results_xml_escape(f, json_string_value(json_object_get(x, "location")));
		fputs(")\n", f);
	}
	json_array_foreach(json_object_get(heap, "top"), i, x) {
		fprintf(f, "heap +%.1f MiB in ", (double)json_integer_value(json_object_get(
			x, "flat_bytes")) / (1024.0 * 1024));
		results_xml_escape(f, json_string_value(json_object_get(x, "function")));
		fputc('\n', f);
	}
	html_error_line(f, heap);
	fputs("</pre>\n<p>compare the heap profiles: <code>", f);
	results_xml_escape(f, json_string_value(json_object_get(heap, "command")));
	fputs("</code> (in the run's folder)</p>\n", f);
}

/* evidence.jvm: the classes that grew. */
static void html_jvm(FILE *f, const json_t *jvm)
{
	size_t i;
	json_t *x;

	if (!html_pre_open(f, jvm, "classes that grew (jcmd GC.class_histogram)"))
		return;
	html_error_line(f, jvm);
	json_array_foreach(json_object_get(jvm, "top"), i, x) {
		html_counted(f, x, "instances", "instances of", "class");
		fprintf(f, " (%+.1f KiB)\n", (double)json_integer_value(json_object_get(
			x, "bytes")) / 1024);
	}
	fputs("</pre>\n", f);
}

/* A link to a file of the run's folder, when the folder travels with the report. */
static void html_file_link(FILE *f, const char *rel, const char *file)
{
	if (!file)
		return;
	if (rel && rel[0] != '/') {
		fputs(" <a href=\"", f);
		results_xml_escape(f, rel);
		fputc('/', f);
		results_xml_escape(f, file);
		fputs("\">", f);
		results_xml_escape(f, file);
		fputs("</a>", f);
	} else {
		fputc(' ', f);
		results_xml_escape(f, file);
	}
}

/* The evidence section of a run: where each failed metric grew, allocation sites, files. */
static void html_evidence(FILE *f, const struct report_run *run, const char *out_real)
{
	const json_t *ev = run->evidence;
	const json_t *files = json_object_get(ev, "files");
	const json_t *http = json_object_get(ev, "http_get");
	const char *names[METRIC_MAX];
	int n = where_metrics(run, names);
	char *rel;

	if (!ev)
		return;
	rel = report_path_from(out_real, run->dir);
	fputs("<h3>where</h3>\n", f);
	if (n) {
		fputs("<dl class=\"where\">", f);
		for (int i = 0; i < n; i++) {
			fputs("<dt>", f);
			results_xml_escape(f, names[i]);
			fputs("</dt><dd>", f);
			html_where_lines(f, ev, names[i], EVIDENCE_MAX_WHERE, "<br>");
			fputs("</dd>", f);
		}
		fputs("</dl>\n", f);
	}
	html_heaptrack(f, json_object_get(ev, "heaptrack"));
	html_go_pprof(f, json_object_get(ev, "go_pprof"));
	html_jvm(f, json_object_get(ev, "jvm"));
	if (json_is_string(json_object_get(json_object_get(ev, "heap_vs_rss"), "line"))) {
		fputs("<p>", f);
		results_xml_escape(f, json_string_value(json_object_get(json_object_get(
			ev, "heap_vs_rss"), "line")));
		fputs("</p>\n", f);
	}
	if (json_is_string(json_object_get(http, "compare"))) {
		fputs("<p>compare the two bodies of evidence.http_get: <code>", f);
		results_xml_escape(f, json_string_value(json_object_get(http, "compare")));
		fputs("</code> (in the run's folder)</p>\n", f);
	}
	fputs("<p>raw evidence:", f);
	html_file_link(f, rel ? rel : run->dir, json_string_value(json_object_get(files, "start")));
	html_file_link(f, rel ? rel : run->dir, json_string_value(json_object_get(files, "end")));
	fputs("</p>\n", f);
	free(rel);
}

static void html_row(FILE *f, const struct report_run *run, const char *out_real,
		     const struct columns *shown)
{
	char *rel = report_path_from(out_real, run->dir);

	fprintf(f, "<tr class=\"run%s\" id=\"", run->mismatch ? " mismatch" : "");
	html_id(f, "row-", run->name);
	fputs("\"><td><a href=\"#", f);
	html_id(f, "run-", run->name);
	fputs("\">", f);
	html_name_verdict(f, run, "</a></td><td>");
	fputs("</td>", f);
	html_expect_cell(f, run);
	for (size_t k = 0; k < shown->n; k++) {
		const struct report_metric *x = report_run_metric(run, shown->col[k]->name);
		if (x)
			html_metric_cell(f, x);
		else
			fputs("<td class=\"num\">&ndash;</td>", f);
	}
	char *why = run->mismatch ? report_case_message(run) : NULL;
	fputs("<td class=\"why\">", f);
	results_xml_escape(f, why ? why : run->message);
	free(why);
	fputs("</td>", f);
	html_where_cell(f, run);
	fputs("<td class=\"num\">", f);
	if (isfinite(run->elapsed_s))
		fprintf(f, "%.1f s", run->elapsed_s);
	if (run->stopped_early && isfinite(run->decided_at_s))
		fprintf(f, "<br><span class=\"settled\">settled at %.1f s</span>",
			run->decided_at_s);
	fputs("</td><td>", f);
	/* Link the folder only when it travels with the report (a relative path inside it). */
	if (rel && rel[0] != '/') {
		fputs("<a href=\"", f);
		results_xml_escape(f, rel);
		fputs("/\">", f);
		results_xml_escape(f, rel);
		fputs("/</a>", f);
	} else {
		results_xml_escape(f, rel ? rel : run->dir);
	}
	fputs("</td></tr>\n", f);
	free(rel);
}

static void html_change(FILE *f, const struct report_change *c)
{
	char a[32], b[32], m[32];

	fputs("<li>", f);
	results_xml_escape(f, c->name);
	if (c->is_verdict) {
		fputs(": verdict ", f);
		html_verdict(f, c->from);
		fputs(" &rarr; ", f);
		html_verdict(f, c->to);
	} else {
		units_format_rate(a, sizeof(a), c->from_per_min, 0);
		units_format_rate(b, sizeof(b), c->to_per_min, 0);
		units_format_rate(m, sizeof(m), c->margin_per_min, 0);
		fputs(": <span class=\"rose\">", f);
		results_xml_escape(f, c->what);
		fprintf(f, " slope rose %s &rarr; %s ", a, b);
		results_xml_escape(f, c->unit);
		fprintf(f, "/min</span> (more than %s, a quarter of its gate)", m);
	}
	fputs("</li>\n", f);
}

static void html_changes(FILE *f, const struct report *r)
{
	if (!r->baseline_dir) {
		fputs("<p class=\"meta\">No earlier report beside this one to compare with.</p>\n", f);
		return;
	}
	fputs("<section class=\"changes\"><h2>Since ", f);
	results_xml_escape(f, r->baseline_dir);
	fputs(" (", f);
	results_xml_escape(f, r->baseline_started_utc);
	fputs(")</h2>\n", f);
	if (!r->n_changes)
		fputs("<p>No verdict changed and no gated slope rose by more than a quarter of its "
		      "gate.</p>\n", f);
	else
		fputs("<ul>\n", f);
	for (size_t i = 0; i < r->n_changes; i++)
		html_change(f, &r->changes[i]);
	if (r->n_changes)
		fputs("</ul>\n", f);
	fputs("</section>\n", f);
}

/* One scenario across the soaks: its first rise in words and its trend plot. */
static void html_trend(FILE *f, const struct history *h, const struct history_scenario *s)
{
	char soak[256], what[256];

	fputs("<div class=\"trend\"><h3>", f);
	results_xml_escape(f, s->name);
	fputs("</h3>\n<p>", f);
	if (s->rise.soak >= 0) {
		history_soak_text(h, (size_t)s->rise.soak, soak, sizeof(soak));
		history_rise_text(&s->rise, what, sizeof(what));
		fputs("<span class=\"rose\">first rise: ", f);
		results_xml_escape(f, soak);
		fputs("</span>: ", f);
		results_xml_escape(f, what);
	} else {
		fputs("no slope rose by more than a quarter of its gate and no verdict changed", f);
	}
	fputs("</p>\n", f);
	if (!s->trend_png || html_image(f, s->trend_png, "image/png", "trend of", s->name) < 0)
		fputs("<p class=\"noplot\">No trend plot (gnuplot is not installed, or no "
		      "metric was gated).</p>\n", f);
	fputs("</div>\n", f);
}

/* The scenarios over the last soaks of the results folder, when there was more than one. */
static void html_history(FILE *f, const struct history *h)
{
	char soak[256];

	if (!h || h->ix.n < 2)
		return;
	fprintf(f, "<section class=\"history\"><h2>History: the last %zu soaks in ", h->ix.n);
	results_xml_escape(f, h->root);
	fputs("</h2>\n<p class=\"meta\">", f);
	for (size_t i = 0; i < h->ix.n; i++) {
		history_soak_text(h, i, soak, sizeof(soak));
		fputs(i ? " &middot; " : "", f);
		results_xml_escape(f, soak);
	}
	fputs("</p>\n", f);
	for (size_t i = 0; i < h->n_sc; i++)
		html_trend(f, h, &h->sc[i]);
	fputs("</section>\n", f);
}

static void html_head(FILE *f, const struct report *r)
{
	const char *v = report_verdict_word(report_exit_code(r));
	size_t o[3] = { 0 }, mismatch = 0;

	for (size_t i = 0; i < r->n; i++) {
		o[report_run_outcome(&r->runs[i])]++;
		mismatch += r->runs[i].mismatch;
	}
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<title>leaksoak report: %s</title>\n<style>\n%s</style>\n</head>\n<body>\n"
		"<h1>leaksoak report</h1>\n<p class=\"meta\">", v, html_style);
	results_xml_escape(f, r->started_utc[0] ? r->started_utc : "?");
	fputs(" &ndash; ", f);
	results_xml_escape(f, r->finished_utc[0] ? r->finished_utc : "?");
	if (r->shard) {
		fputs(" &middot; shard ", f);
		results_xml_escape(f, r->shard);
	}
	fprintf(f, " &middot; leaksoak %s</p>\n<p class=\"overall v-%s\"><b>%s</b>: %zu runs, "
		"%zu failed, %zu errors, %zu ok; %zu expect mismatch%s</p>\n", LEAKSOAK_VERSION, v,
		v, r->n, o[REPORT_FAILED], o[REPORT_ERROR], o[REPORT_OK], mismatch,
		mismatch == 1 ? "" : "es");
}

/* "rss KiB/min / gate", "threads/min / gate", "go_goroutines /min / gate". */
static void html_column_head(FILE *f, const struct report_metric *x)
{
	int m;

	fputs("<th>", f);
	for (m = 0; m < METRIC_N_BUILTIN && strcmp(metric_builtin[m].name, x->name); m++)
		;
	if (m < METRIC_N_BUILTIN) {
		if (metric_builtin[m].kind == METRIC_SIZE)
			fprintf(f, "%s ", metric_builtin[m].name);
		fputs(metric_builtin[m].rate_unit, f);
	} else {
		results_xml_escape(f, x->name);
		fputc(' ', f);
		results_xml_escape(f, x->unit);
		fputs("/min", f);
	}
	fputs(" <span class=\"gate\">/ gate</span></th>", f);
}

static void html_table(FILE *f, const struct report *r, const char *out_real)
{
	struct columns shown;

	shown_metrics(r, &shown);
	fputs("<table>\n<thead><tr><th>scenario</th><th>verdict</th><th>expect</th>", f);
	for (size_t k = 0; k < shown.n; k++)
		html_column_head(f, shown.col[k]);
	fputs("<th>why</th><th>where</th><th>time</th><th>results</th></tr></thead>\n<tbody>\n",
	      f);
	for (size_t i = 0; i < r->n; i++)
		html_row(f, &r->runs[i], out_real, &shown);
	fputs("</tbody>\n</table>\n", f);
}

/* The load generator (drive.exec): its command, how it ended, what it used. */
static void html_exec(FILE *f, const struct report_run *run)
{
	char text[1024];

	report_exec_text(run, text, sizeof(text));
	if (!text[0])
		return;
	fputs("<p class=\"exec\">load generator: <code>", f);
	results_xml_escape(f, text);
	fputs("</code></p>\n", f);
}

static void html_run(FILE *f, const struct report_run *run, const char *out_real)
{
	fputs("<section class=\"run\" id=\"", f);
	html_id(f, "run-", run->name);
	fputs("\">\n<h2>", f);
	html_name_verdict(f, run, " ");
	if (run->mismatch)
		fprintf(f, " <span class=\"mm\">MISMATCH: expected %s</span>", run->expect);
	fputs("</h2>\n", f);
	if (run->description) {
		fputs("<p>", f);
		results_xml_escape(f, run->description);
		fputs("</p>\n", f);
	}
	if (run->message) {
		fputs("<pre>", f);
		results_xml_escape(f, run->message);
		fputs("</pre>\n", f);
	}
	html_exec(f, run);
	html_plot(f, run);
	html_evidence(f, run, out_real);
	fputs("</section>\n", f);
}

int report_html_write(const struct report *r, const struct history *h, const char *out_dir)
{
	char *buf = NULL;
	size_t len = 0;
	char *path = path_join(out_dir, RUNFILE_INDEX);
	char out_real[PATH_MAX];
	FILE *f = NULL;
	int ret = -1;

	if (!realpath(out_dir, out_real)) {
		diag_error("cannot resolve '%s': %s", out_dir, strerror(errno));
		goto out;
	}
	if (!path || !(f = open_memstream(&buf, &len))) {
		diag_error("out of memory");
		goto out;
	}
	html_head(f, r);
	html_changes(f, r);
	html_history(f, h);
	html_table(f, r, out_real);
	for (size_t i = 0; i < r->n; i++)
		html_run(f, &r->runs[i], out_real);
	fputs("</body>\n</html>\n", f);
	if (fclose(f) != 0) {
		f = NULL;
		diag_error("cannot build '%s' (out of memory)", path);
		goto out;
	}
	f = NULL;
	ret = results_write_atomic(path, buf, len);
out:
	if (f)
		fclose(f);
	free(buf);
	free(path);
	return ret;
}
