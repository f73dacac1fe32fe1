/*
 * summary — summary.json and the human summary of one run (run and watch share them).
 */
#include "out/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "base/path.h"
#include "base/runfiles.h"
#include "base/text.h"
#include "evidence/evidence.h"
#include "out/report.h"
#include "record/results.h"

static json_t *gate_or_null(double limit)
{
	return limit < 0 ? json_null() : json_real(limit);
}

/* The gate in force: each built-in by its gate key, the series under "metrics". */
static json_t *gate_json(const struct scenario_gate *g, const struct metric_set *set)
{
	json_t *o = json_pack("{s:b, s:f}", "rss_discount_lazyfree", g->rss_discount_lazyfree,
			      "alpha", g->alpha);
	json_t *series = json_object();
	int err = !o || !series;

	for (size_t i = 0; !err && i < set->n; i++)
		err |= json_object_set_new(i < METRIC_N_BUILTIN ? o : series,
					   i < METRIC_N_BUILTIN ? set->def[i].gate_key :
					   set->def[i].name, gate_or_null(g->per_min[i]));
	if (!err && json_object_size(series))
		err |= json_object_set(o, "metrics", series);
	json_decref(series);
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *driver_json(const struct summary_run *r)
{
	const struct driver_totals *t = &r->session->totals;
	double elapsed = r->session->elapsed_s;

	if (!r->has_driver)
		return json_null();
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:f}",
			 "started", (json_int_t)t->started, "requests", (json_int_t)t->completed,
			 "errors", (json_int_t)t->errors, "connects", (json_int_t)t->connects,
			 "behind", (json_int_t)t->behind,
			 "rate_per_s", elapsed > 0 ? (double)t->completed / elapsed : 0.0);
}

/* An argv as a JSON array of (escaped) strings. */
static json_t *argv_json(const char *const *argv)
{
	json_t *a = json_array();

	for (size_t i = 0; a && argv && argv[i]; i++)
		json_array_append_new(a, text_json_string(argv[i]));
	return a;
}

/* drive.exec (leaksoak(1), RESULTS): the command, how it ended, what it used; null: none. */
static json_t *exec_json(const struct summary_run *r)
{
	const struct generator_totals *t = r->exec;
	int st = t ? t->wstatus : 0;

	if (!r->exec_cmd)
		return json_null();
	return json_pack("{s:o, s:b, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o}",
			 "cmd", argv_json(r->exec_cmd), "restart", r->exec_restart,
			 "starts", t ? (int)t->starts : 0,
			 "exit", text_json_string(r->exec_end),
			 "exit_status", t && t->ended && WIFEXITED(st) ?
					json_integer(WEXITSTATUS(st)) : json_null(),
			 "ended_at_s", t && t->ended ? json_real(t->ended_at_s) : json_null(),
			 "cpu_s", t ? json_real(t->cpu_s) : json_null(),
			 "peak_rss_kib", t ? json_integer((json_int_t)t->peak_rss_kib) : json_null(),
			 "log_tail", text_json_string(r->exec_log_tail), "log", RUNFILE_DRIVE_LOG,
			 "signal", t && t->ended && WIFSIGNALED(st) ?
				   json_integer(WTERMSIG(st)) : json_null());
}

json_t *summary_failed_json(const json_t *metrics)
{
	json_t *a = json_array();
	const char *key;
	json_t *o;

	json_object_foreach((json_t *)metrics, key, o)
		if (a && json_is_true(json_object_get(o, "failed")))
			json_array_append_new(a, json_string(key));
	return a;
}

static json_t *expect_json(enum scenario_expect e)
{
	if (e == SCENARIO_EXPECT_LEAK)
		return json_string("leak");
	if (e == SCENARIO_EXPECT_PASS)
		return json_string("pass");
	return json_null();
}

/* Names, paths and errors quote what users and targets wrote: never let one cost the summary. */
static json_t *nullable_string(const char *s)
{
	return text_json_string(s);
}

static json_t *caps_json(const struct cap_limits *c)
{
	if (!c)
		return json_null();
	return json_pack("{s:I, s:I}", "max_rss_kib", (json_int_t)c->max_rss_kib,
			 "max_procs", (json_int_t)c->max_procs);
}

/* The containment members: the caps in force, the one crossed, the reason; 0 or -1. */
static int add_caps(json_t *j, const struct summary_run *r)
{
	const struct cap_hit *hit = r->session->end == SESSION_CAPPED ? &r->session->cap : NULL;

	return json_object_set_new(j, "caps", caps_json(r->caps)) |
	       json_object_set_new(j, "cap", cap_json(hit)) |
	       json_object_set_new(j, "reason", nullable_string(r->reason));
}

/* One series of sample.prometheus: what it selects, and how often it was absent. */
static json_t *series_json(const char *name, const struct prom_selector *sel,
			   const struct scrape_totals *t, size_t i)
{
	json_t *labels = json_object();

	for (size_t k = 0; labels && k < sel->n_labels; k++)
		json_object_set_new(labels, sel->labels[k].name,
				    text_json_string(sel->labels[k].value));
	return json_pack("{s:o, s:o, s:o, s:I, s:I}", "name", text_json_string(name),
			 "metric", text_json_string(sel->metric), "labels", labels,
			 "matched", (json_int_t)t->matched[i], "missing", (json_int_t)t->missing[i]);
}

/* The scraper's totals (leaksoak(1), RESULTS); null when nothing was scraped. */
static json_t *scrape_json(const struct summary_run *r)
{
	const struct scrape_config *c;
	struct scrape_totals t;
	const char *last;
	json_t *series;

	if (!r->scrape || !r->metrics)
		return json_null();
	c = scrape_get_config(r->scrape);
	scrape_totals(r->scrape, &t);
	last = scrape_last_error(r->scrape);
	series = json_array();
	for (size_t i = 0; series && i < c->n_series; i++)
		json_array_append_new(series, series_json(r->metrics->def[METRIC_N_BUILTIN + i].name,
							  &c->series[i], &t, i));
	return json_pack("{s:o, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}",
			 "url", text_json_string(c->url), "interval_ms", (int)c->interval_ms,
			 "timeout_ms", (int)c->timeout_ms,
			 "scrapes", (json_int_t)t.scrapes, "ok", (json_int_t)t.ok,
			 "errors", (json_int_t)(t.failed + t.malformed),
			 "failed", (json_int_t)t.failed, "malformed", (json_int_t)t.malformed,
			 "skipped", (json_int_t)t.skipped,
			 "last_error", last[0] ? text_json_string(last) : json_null(),
			 "series", series);
}

/* Why the run ended when it did: a word for scripts (leaksoak(1), RESULTS). */
static const char *stop_reason(const struct summary_run *r)
{
	switch (r->session->end) {
	case SESSION_SETTLED:
		return r->session->settled == GATE_SETTLED_LEAK ? "leak-settled" : "pass-settled";
	case SESSION_COMPLETED:
		return "duration";
	case SESSION_INTERRUPTED:
		return "interrupted";
	case SESSION_TARGET_EXITED:
		return "target-exited";
	case SESSION_CAPPED:
		return "cap";
	case SESSION_GENERATOR_FAILED:
		return "generator-failed";
	case SESSION_FAILED:
		break;
	}
	return "failed";
}

/* The verdict in words: the error, the cap crossed, or the gate's one line. */
static json_t *why_json(const struct summary_run *r)
{
	char why[512];

	if (r->error || !r->report)
		return text_json_string(r->error ? r->error : r->reason ? r->reason : "");
	gate_describe(r->report, why, sizeof(why));
	return text_json_string(why);
}

/* When the verdict was reached: at the settling look, or at the end; null for an error. */
static json_t *decided_at_json(const struct summary_run *r)
{
	if (r->session->end == SESSION_CAPPED)
		return json_real(r->session->cap.t_s);
	if (!r->report)
		return json_null();
	return json_real(r->session->end == SESSION_SETTLED ? r->session->decided_at_s :
			 r->session->elapsed_s);
}

json_t *summary_json(const struct summary_run *r)
{
	json_t *metrics = r->report ? gate_metrics_json(r->report) : NULL;
	json_t *o;

	if (!metrics)
		metrics = json_object();

	o = json_pack("{s:s, s:o, s:o, s:o, s:s, s:i, s:o, s:o, s:s, s:o, s:f, s:f, s:f,"
			 " s:i, s:I, s:o, s:o, s:o, s:o}",
			 "leaksoak_version", LEAKSOAK_VERSION,
			 "scenario", nullable_string(r->name),
			 "scenario_file", nullable_string(r->scenario_file),
			 "description", nullable_string(r->description),
			 "verdict", report_verdict_word(r->exit_code),
			 "exit_code", (int)r->exit_code,
			 "error", nullable_string(r->error),
			 "expect", expect_json(r->expect),
			 "started_utc", r->started_utc,
			 "out_dir", nullable_string(r->out_dir),
			 "duration_s", r->duration_s,
			 "elapsed_s", r->session->elapsed_s,
			 "warmup_s", r->warmup_s,
			 "interval_ms", (int)r->interval_ms,
			 "samples", (json_int_t)r->session->series.n,
			 "failed", summary_failed_json(metrics),
			 "metrics", metrics,
			 "gate", gate_json(r->gate, r->metrics ? r->metrics :
						 metric_builtin_set()),
			 "driver", driver_json(r));
	if (o && (json_object_set_new(o, "why", why_json(r)) < 0 ||
		  json_object_set_new(o, "stopped_early",
				      json_boolean(r->session->end == SESSION_SETTLED)) < 0 ||
		  json_object_set_new(o, "stop_reason", json_string(stop_reason(r))) < 0 ||
		  json_object_set_new(o, "decided_at_s", decided_at_json(r)) < 0 ||
		  json_object_set_new(o, "evidence", r->evidence ? json_deep_copy(r->evidence) :
						     json_null()) < 0 ||
		  json_object_set_new(o, "scrape", scrape_json(r)) < 0 ||
		  json_object_set_new(o, "drive_exec", exec_json(r)) < 0 ||
		  add_caps(o, r) < 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int write_junit(const struct summary_run *r, const char *path)
{
	char failure[512] = "";

	if (r->report)
		gate_describe_failure(r->report, failure, sizeof(failure));
	struct results_case tc = {
		.name = r->name, .classname = r->scenario_file ? "leaksoak.run" : "leaksoak.watch",
		.time_s = r->session->elapsed_s, .verdict = report_verdict_word(r->exit_code),
		.message = r->error ? r->error : r->reason ? r->reason : failure,
		.system_out = r->out_dir,
	};
	return results_write_junit(path, "leaksoak", &tc, 1);
}

int summary_write(const struct summary_run *r, const char *junit_path)
{
	char *path = path_join(r->out_dir, RUNFILE_SUMMARY);
	json_t *j = summary_json(r);
	int ret = -1;

	if (!j || !path) {
		diag_error("out of memory");
		goto out;
	}
	if (results_write_json(path, j) < 0)
		goto out;
	if (junit_path && write_junit(r, junit_path) < 0)
		goto out;
	ret = 0;
out:
	json_decref(j);
	free(path);
	return ret;
}

static void print_metric(FILE *f, const struct gate_metric *m, const char *label)
{
	const char *unit = strcmp(m->unit, "KiB") == 0 ? " KiB/min" : "/min";
	char gate[48] = "not gated";

	if (m->limit_per_min >= 0)
		snprintf(gate, sizeof(gate), "gate %g%s", m->limit_per_min, unit);
	if (!m->fitted) {
		fprintf(f, "  %-8s not enough samples after warm-up\n", label);
		return;
	}
	fprintf(f, "  %-8s %+12.1f%-8s [%+.1f .. %+.1f]  %s  p=%.3g  %s\n", label,
		m->fit.theil_sen.slope * 60, unit, m->fit.theil_sen.lo * 60,
		m->fit.theil_sen.hi * 60, gate, m->fit.trend_p,
		m->failed ? "LEAK" : "ok");
	/* An ungated metric's why would only repeat its slope. */
	if (m->limit_per_min >= 0 || m->failed)
		fprintf(f, "  %-8s %s\n", "", m->why);
}

/* The evidence's lines for metric ("where" in leaksoak(1)), under its line. */
static void print_where(FILE *f, const json_t *evidence, const char *metric)
{
	const json_t *lines = evidence_where(evidence, metric);
	size_t i;
	json_t *l;

	json_array_foreach(lines, i, l) {
		fprintf(f, "  %-8s ", i ? "" : "where");
		text_escape_file(f, json_string_value(l), 0);
		fputc('\n', f);
	}
}

/* "  LABEL    CMD OUT/BEFORE OUT/AFTER": a command that compares two files of the run folder. */
static void print_compare_files(FILE *f, const char *label, const char *cmd, const char *out_dir,
				const char *before, const char *after)
{
	fprintf(f, "  %-8s %s ", label, cmd);
	text_escape_file(f, out_dir, 0);
	fprintf(f, "/%s ", before);
	text_escape_file(f, out_dir, 0);
	fprintf(f, "/%s\n", after);
}

/* When the URL is Go's pprof, the command that compares the two bodies of evidence.http_get. */
static void print_compare(FILE *f, const struct summary_run *r)
{
	const json_t *cmp = json_object_get(json_object_get(r->evidence, "http_get"), "compare");

	if (json_is_string(cmp))
		print_compare_files(f, "compare", "go tool pprof -base", r->out_dir,
				    RUNFILE_EVIDENCE_HTTP_START, RUNFILE_EVIDENCE_HTTP_END);
}

/* The generator's line: its program, how it ended, what it used. */
static void print_exec(FILE *f, const struct summary_run *r)
{
	fputs("  exec     ", f);
	text_escape_file(f, r->exec_cmd[0], 0);
	if (r->exec_end) {
		fputc(' ', f);
		text_escape_file(f, r->exec_end, 0);
	}
	if (r->exec)
		fprintf(f, ", %u start%s, %.2f s CPU, peak RSS %llu KiB (not in the verdict)",
			r->exec->starts, r->exec->starts == 1 ? "" : "s", r->exec->cpu_s,
			(unsigned long long)r->exec->peak_rss_kib);
	fputc('\n', f);
}

/*
 * With evidence.go_pprof, the command that compares the two heap profiles (the same as the
 * evidence ran, with the folder), and why it was not run when it was not.
 */
static void print_pprof(FILE *f, const struct summary_run *r)
{
	const json_t *heap = json_object_get(json_object_get(r->evidence, "go_pprof"), "heap");
	const json_t *err = json_object_get(heap, "error");

	if (!heap)
		return;
	if (json_is_string(err)) {
		fprintf(f, "  %-8s ", "pprof");
		text_escape_file(f, json_string_value(err), 0);
		fputc('\n', f);
	}
	print_compare_files(f, "pprof", "go tool pprof -top -sample_index=inuse_space -base",
			    r->out_dir, RUNFILE_GO_HEAP_START, RUNFILE_GO_HEAP_END);
}

void summary_print(FILE *f, const struct summary_run *r)
{
	const struct gate_report *rep = r->report;
	const struct driver_totals *t = &r->session->totals;

	text_escape_file(f, r->name, TEXT_LINE_START);
	fprintf(f, ": %s\n", report_verdict_word(r->exit_code));
	if (r->error) {
		fputs("  error    ", f);
		text_escape_file(f, r->error, 0);
		fputc('\n', f);
	}
	if (r->reason) {
		fputs("  reason   ", f);
		text_escape_file(f, r->reason, 0);
		fputc('\n', f);
	}
	if (rep && r->session->end == SESSION_SETTLED)
		fprintf(f, "  settled  after %.1f s of %.0f s: %s\n", r->session->decided_at_s,
			r->duration_s, rep->leak ? "the leak is confirmed" :
			"every gated metric is under its gate");
	if (rep) {
		for (size_t i = 0; i < rep->n_metrics; i++) {
			print_metric(f, &rep->metric[i], rep->metric[i].name);
			if (rep->metric[i].failed)
				print_where(f, r->evidence, rep->metric[i].name);
			/* Only worth a line when LazyFree made a difference: then raw RSS misleads. */
			if (i == METRIC_RSS && rep->has_rss_raw &&
			    fabs(rep->rss_raw.theil_sen.slope -
				 rep->metric[METRIC_RSS].fit.theil_sen.slope) * 60 >= 1)
				fprintf(f, "  %-8s %+12.1f KiB/min  raw RSS, not gated: the "
					"difference is LazyFree, which the kernel reclaims on "
					"demand\n", "rss-raw", rep->rss_raw.theil_sen.slope * 60);
		}
	}
	/* a cap is a verdict without a fit: what grew is all the more worth saying */
	if (!rep && r->session->end == SESSION_CAPPED)
		print_where(f, r->evidence, "rss");
	if (r->evidence) {
		print_compare(f, r);
		print_pprof(f, r);
	}
	if (r->has_driver) {
		double rate = r->session->elapsed_s > 0 ? t->completed / r->session->elapsed_s : 0;
		fprintf(f, "  driver   %llu requests, %llu errors, %.0f req/s, %llu connections",
			(unsigned long long)t->completed, (unsigned long long)t->errors, rate,
			(unsigned long long)t->connects);
		if (rep && rep->has_per_request)
			fprintf(f, ", %.3f KiB/request", rep->rss_per_request.theil_sen.slope);
		fputc('\n', f);
	}
	if (r->exec_cmd)
		print_exec(f, r);
	fputs("  results  ", f);
	text_escape_file(f, r->out_dir, 0);
	fputs("/\n", f);
}
