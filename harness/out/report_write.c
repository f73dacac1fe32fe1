/*
 * report_write — a report's summary.json and junit.xml.
 */
#include "out/report_write.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/path.h"
#include "base/runfiles.h"
#include "base/text.h"
#include "out/report_baseline.h"
#include "out/report_text.h"
#include "out/summary.h"
#include "record/results.h"

/* ----------------------------------------------------------------------------------------- */
/* summary.json                                                                              */

char *report_path_from(const char *out_real, const char *path)
{
	char real[PATH_MAX];
	size_t n = strlen(out_real);

	if (!realpath(path, real))
		return strdup(path);
	if (!strncmp(real, out_real, n) && real[n] == '/')
		return strdup(real + n + 1);
	if (!strcmp(real, out_real))
		return strdup(".");
	return strdup(real);
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

/* Names, folders and messages may come from anywhere: never let one cost the report. */
static json_t *str_or_null(const char *s)
{
	return text_json_string(s);
}

static json_t *metrics_json(const struct report_run *run)
{
	json_t *o = json_object();

	for (size_t m = 0; o && m < run->n_metrics; m++) {
		const struct report_metric *x = &run->metric[m];
		json_t *e;
		/* One an older run did not have stays out, but a metric gated by default is always
		 * there (null when not fitted). */
		if (!x->present && !(m < METRIC_N_BUILTIN && metric_builtin[m].gate_default >= 0))
			continue;
		e = json_pack("{s:s, s:o, s:o, s:o, s:b}", "unit", x->unit,
				      "slope_per_min", num_or_null(x->slope_per_min),
				      "gate_per_min", num_or_null(x->gate_per_min),
				      "trend_p", num_or_null(x->trend_p), "failed", x->failed);
		if (e && m == METRIC_RSS) {
			json_object_set_new(e, "slope_kib_per_min", num_or_null(x->slope_per_min));
			json_object_set_new(e, "basis", str_or_null(run->rss_basis));
		}
		if (!e || json_object_set_new(o, x->name, e) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static const char *outcome_word(enum report_outcome o)
{
	return o == REPORT_OK ? "ok" : o == REPORT_FAILED ? "failed" : "error";
}

static json_t *run_json(const struct report_run *run, const char *out_real)
{
	char *results = report_path_from(out_real, run->dir);
	json_t *metrics = results ? metrics_json(run) : NULL;
	json_t *j = metrics ? json_pack(
		"{s:o, s:s, s:i, s:o, s:b, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}",
		"scenario", str_or_null(run->name), "verdict", run->verdict,
		"exit_code", run->exit_code,
		"expect", str_or_null(run->expect), "mismatch", run->mismatch,
		"outcome", outcome_word(report_run_outcome(run)),
		"message", str_or_null(run->message), "results", str_or_null(results),
		"scenario_file", str_or_null(run->scenario_file),
		"description", str_or_null(run->description),
		"elapsed_s", num_or_null(run->elapsed_s), "failed", summary_failed_json(metrics),
		"metrics", metrics, "decided_at_s", num_or_null(run->decided_at_s),
		"stopped_early", run->stopped_early) : NULL;

	if (j && isfinite(run->requests))
		json_object_set_new(j, "driver", json_pack("{s:I, s:I}", "requests",
			(json_int_t)run->requests, "errors",
			(json_int_t)(isfinite(run->errors) ? run->errors : 0)));
	if (j && run->drive_exec && json_object_set(j, "drive_exec", run->drive_exec) < 0) {
		json_decref(j);
		j = NULL;
	}
	if (j && json_object_set(j, "evidence", run->evidence ? run->evidence : json_null()) < 0) {
		json_decref(j);
		j = NULL;
	}
	free(results);
	return j;
}

static json_t *change_json(const struct report_change *c)
{
	if (c->is_verdict)
		return json_pack("{s:o, s:s, s:s, s:s}", "scenario", str_or_null(c->name),
				 "what", "verdict", "from", c->from, "to", c->to);
	return json_pack("{s:o, s:s, s:f, s:f, s:f}", "scenario", str_or_null(c->name),
			 "what", c->what, "from_per_min", c->from_per_min,
			 "to_per_min", c->to_per_min, "margin_per_min", c->margin_per_min);
}

static json_t *baseline_json(const struct report *r)
{
	json_t *changes;

	if (!r->baseline_dir)
		return json_null();
	changes = json_array();
	for (size_t i = 0; changes && i < r->n_changes; i++)
		json_array_append_new(changes, change_json(&r->changes[i]));
	return json_pack("{s:o, s:s, s:f, s:o}", "dir", str_or_null(r->baseline_dir),
			 "started_utc", r->baseline_started_utc,
			 "rose_gate_fraction", REPORT_ROSE_GATE_FRACTION, "changes", changes);
}

static json_t *counts_json(const struct report *r)
{
	json_int_t v[3] = { 0 }, o[3] = { 0 }, mismatch = 0;

	for (size_t i = 0; i < r->n; i++) {
		const char *verdict = r->runs[i].verdict;
		v[!strcmp(verdict, "pass") ? 0 : !strcmp(verdict, "leak") ? 1 : 2]++;
		o[report_run_outcome(&r->runs[i])]++;
		mismatch += r->runs[i].mismatch;
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "runs", (json_int_t)r->n,
			 "pass", v[0], "leak", v[1], "error", v[2], "mismatch", mismatch,
			 "failed", o[REPORT_FAILED], "ok", o[REPORT_OK]);
}

static int write_summary(const struct report *r, const char *out_dir, const char *out_real)
{
	json_t *runs = json_array();
	enum ls_exit code = report_exit_code(r);
	char *path = path_join(out_dir, RUNFILE_SUMMARY);
	json_t *j = NULL;
	int ret = -1;

	for (size_t i = 0; runs && i < r->n; i++)
		if (json_array_append_new(runs, run_json(&r->runs[i], out_real)) < 0)
			goto out;
	j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:i, s:o, s:O, s:o}",
		      "kind", REPORT_KIND, "leaksoak_version", LEAKSOAK_VERSION,
		      "started_utc", r->started_utc, "finished_utc", r->finished_utc,
		      "shard", str_or_null(r->shard),
		      "verdict", report_verdict_word(code), "exit_code", (int)code,
		      "counts", counts_json(r), "runs", runs,
		      "baseline", baseline_json(r));
	if (j && (json_object_set_new(j, "label", str_or_null(r->label)) < 0 ||
		  json_object_set_new(j, "commit", str_or_null(r->commit)) < 0)) {
		json_decref(j);
		j = NULL;
	}
	if (!path || !j) {
		diag_error("cannot encode the report (out of memory)");
		goto out;
	}
	ret = results_write_json(path, j);
out:
	json_decref(runs);
	json_decref(j);
	free(path);
	return ret;
}

/* ----------------------------------------------------------------------------------------- */
/* junit.xml                                                                                 */

static int write_junit(const struct report *r, const char *out_dir)
{
	struct results_case *cases = calloc(r->n ? r->n : 1, sizeof(*cases));
	char **texts = calloc(r->n ? r->n : 1, sizeof(*texts));
	char *path = path_join(out_dir, RUNFILE_JUNIT);
	int ret = -1;

	if (!cases || !texts || !path) {
		diag_error("out of memory");
		goto out;
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct report_run *run = &r->runs[i];
		enum report_outcome o = report_run_outcome(run);
		texts[i] = report_case_message(run);
		cases[i] = (struct results_case){
			.name = run->name, .classname = "leaksoak.soak",
			.time_s = isfinite(run->elapsed_s) ? run->elapsed_s : 0,
			.verdict = o == REPORT_OK ? "pass" : o == REPORT_FAILED ? "leak" : "error",
			.message = o == REPORT_OK ? NULL : texts[i] ? texts[i] : run->message,
			.system_out = o == REPORT_OK && texts[i] ? texts[i] : run->dir,
		};
	}
	ret = results_write_junit(path, "leaksoak soak", cases, r->n);
out:
	for (size_t i = 0; texts && i < r->n; i++)
		free(texts[i]);
	free(texts);
	free(cases);
	free(path);
	return ret;
}

int report_write(struct report *r, const char *out_dir)
{
	char out_real[PATH_MAX];

	report_sort_runs(r);
	if (results_mkdir_p(out_dir) < 0)
		return -1;
	if (!realpath(out_dir, out_real))
		return diag_error("cannot resolve '%s': %s", out_dir, strerror(errno));
	if (write_summary(r, out_dir, out_real) < 0 || write_junit(r, out_dir) < 0)
		return -1;
	return 0;
}
