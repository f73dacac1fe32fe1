/*
 * report — read runs' summaries (a run's, or a report's runs) and judge them against their
 * expectations.
 */
#include "out/report.h"

#include <jansson.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/path.h"
#include "base/runfiles.h"
#include "base/text.h"
#include "base/units.h"
#include "base/vec.h"
#include "record/samples.h"

void report_init(struct report *r)
{
	memset(r, 0, sizeof(*r));
}

static void run_release(struct report_run *run)
{
	free(run->name);
	free(run->verdict);
	free(run->expect);
	free(run->message);
	free(run->dir);
	free(run->scenario_file);
	free(run->description);
	free(run->rss_basis);
	json_decref(run->evidence);
	json_decref(run->drive_exec);
}

void report_release(struct report *r)
{
	for (size_t i = 0; i < r->n; i++)
		run_release(&r->runs[i]);
	for (size_t i = 0; i < r->n_changes; i++)
		free(r->changes[i].name);
	free(r->runs);
	free(r->changes);
	free(r->shard);
	free(r->baseline_dir);
	free(r->label);
	free(r->commit);
	report_init(r);
}

/* strdup that keeps NULL as NULL; *failed is set when memory ran out. */
static char *dup_or_null(const char *s, int *failed)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*failed = 1;
	return d;
}

static void metric_init(struct report_metric *x, const char *name, const char *unit)
{
	*x = (struct report_metric){ .slope_per_min = NAN, .gate_per_min = NAN,
				     .trend_p = NAN };
	snprintf(x->name, sizeof(x->name), "%s", name);
	snprintf(x->unit, sizeof(x->unit), "%s", unit ? unit : "");
	text_utf8_trim(x->name);
	text_utf8_trim(x->unit);
}

const struct report_metric *report_run_metric(const struct report_run *run, const char *name)
{
	for (size_t m = 0; m < run->n_metrics; m++)
		if (!strcmp(run->metric[m].name, name))
			return &run->metric[m];
	return NULL;
}

static struct report_run *new_run(struct report *r)
{
	struct report_run *runs = vec_grow(r->runs, &r->cap, r->n + 1, sizeof(*runs));

	if (!runs)
		return NULL;
	r->runs = runs;
	struct report_run *run = &r->runs[r->n++];
	memset(run, 0, sizeof(*run));
	for (int m = 0; m < METRIC_N_BUILTIN; m++)
		metric_init(&run->metric[m], metric_builtin[m].name, metric_builtin[m].unit);
	run->n_metrics = METRIC_N_BUILTIN;
	run->exit_code = -1;
	run->elapsed_s = run->decided_at_s = NAN;
	run->requests = run->errors = NAN;
	return run;
}

/* Take back the run new_run added last, e.g. one that could not be filled in. */
static void drop_last(struct report *r)
{
	run_release(&r->runs[--r->n]);
}

/* Widen r's time span to cover [started, finished]. */
static void widen_times(struct report *r, const char *started, const char *finished)
{
	if (started && *started && (!r->started_utc[0] || strcmp(started, r->started_utc) < 0)) {
		snprintf(r->started_utc, sizeof(r->started_utc), "%s", started);
		text_utf8_trim(r->started_utc);
	}
	if (finished && *finished && strcmp(finished, r->finished_utc) > 0) {
		snprintf(r->finished_utc, sizeof(r->finished_utc), "%s", finished);
		text_utf8_trim(r->finished_utc);
	}
}

/* ----------------------------------------------------------------------------------------- */
/* Reading summaries                                                                         */

static double num_or_nan(const json_t *j)
{
	return json_is_number(j) ? json_number_value(j) : NAN;
}

/* "rss grows 2310 KiB/min (gate 512 KiB/min, p<0.001)", one line per failed metric. */
static char *failure_text(const struct report_run *run)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int lines = 0;

	if (!f)
		return NULL;
	for (size_t m = 0; m < run->n_metrics; m++) {
		const struct report_metric *x = &run->metric[m];
		char rate[32], gate[32], p[24];
		if (!x->failed)
			continue;
		units_format_rate(rate, sizeof(rate), x->slope_per_min, 0);
		units_format_rate(gate, sizeof(gate), x->gate_per_min, 0);
		snprintf(p, sizeof(p), x->trend_p < 0.001 ? "p<0.001" : "p=%.3f", x->trend_p);
		fprintf(f, "%s%s %s %s %s/min (gate %s %s/min, %s)", lines++ ? "\n" : "",
			x->name, !strcmp(x->unit, "KiB") ? "grows" : "grow", rate, x->unit, gate,
			x->unit, p);
	}
	if (fclose(f) != 0 || lines == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void read_metric(struct report_metric *x, const json_t *o)
{
	x->present = json_is_object(o);
	if (!x->present || json_is_false(json_object_get(o, "fitted")))
		return;
	x->slope_per_min = num_or_nan(json_object_get(o, "slope_per_min"));
	x->gate_per_min = num_or_nan(json_object_get(o, "gate_per_min"));
	x->trend_p = num_or_nan(json_object_get(o, "trend_p"));
	x->failed = json_is_true(json_object_get(o, "failed"));
}

static int is_builtin(const char *name)
{
	for (int m = 0; m < METRIC_N_BUILTIN; m++)
		if (!strcmp(name, metric_builtin[m].name))
			return 1;
	return 0;
}

/*
 * The built-ins by name, then every other metric of the summary (the series a run scraped
 * and gated: go_goroutines), up to METRIC_MAX.  rss_raw is RSS seen another way, not a
 * metric of the run.
 */
static void read_metrics(struct report_run *run, const json_t *metrics)
{
	const char *key;
	json_t *o;

	for (int m = 0; m < METRIC_N_BUILTIN; m++)
		read_metric(&run->metric[m], json_object_get(metrics, metric_builtin[m].name));
	json_object_foreach((json_t *)metrics, key, o) {
		if (run->n_metrics == METRIC_MAX)
			break;
		if (is_builtin(key) || !strcmp(key, "rss_raw") || !json_is_object(o) ||
		    strlen(key) >= REPORT_METRIC_NAME)
			continue;
		struct report_metric *x = &run->metric[run->n_metrics++];
		metric_init(x, key, json_string_value(json_object_get(o, "unit")));
		read_metric(x, o);
	}
}

static int is_verdict(const char *v)
{
	return v && (!strcmp(v, "pass") || !strcmp(v, "leak") || !strcmp(v, "error"));
}

/*
 * What a report keeps of a run's evidence: the lines, the files and the allocation sites,
 * not the per-process tables (they stay in the run's own summary.json).  NULL for none.
 */
static json_t *evidence_brief(const json_t *ev, int *failed)
{
	static const char *const keys[] = { "where", "files", "heaptrack", "http_get",
					    "go_pprof", "jvm", "heap_vs_rss" };
	json_t *o;

	if (!json_is_object(ev))
		return NULL;
	if (!(o = json_object())) {
		*failed = 1;
		return NULL;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(ev, keys[i]);
		if (v && json_object_set_new(o, keys[i], json_deep_copy(v)) < 0)
			*failed = 1;
	}
	return o;
}

/* What a report keeps of the generator: all but the log's tail (in the run's folder).  NULL
 * for none. */
static json_t *exec_brief(const json_t *ex, int *failed)
{
	json_t *o;

	if (!json_is_object(ex) || !json_is_array(json_object_get(ex, "cmd")))
		return NULL;
	if (!(o = json_deep_copy(ex))) {
		*failed = 1;
		return NULL;
	}
	json_object_del(o, "log_tail");
	return o;
}

/*
 * Fill run from one run object: a run's summary.json, or an entry of a report's "runs" (the
 * same keys, plus "results" and "message").  dir is where the run's folder is.
 */
static int run_from_json(struct report_run *run, const json_t *j, const char *dir)
{
	const char *verdict = json_string_value(json_object_get(j, "verdict"));
	const char *message = json_string_value(json_object_get(j, "message"));
	const char *error = json_string_value(json_object_get(j, "error"));
	const char *why = json_string_value(json_object_get(j, "why"));
	const json_t *basis = json_object_get(json_object_get(json_object_get(j, "metrics"),
							      "rss"), "basis");
	int failed = 0;

	run->name = dup_or_null(json_string_value(json_object_get(j, "scenario")), &failed);
	run->verdict = dup_or_null(is_verdict(verdict) ? verdict : "error", &failed);
	run->expect = dup_or_null(json_string_value(json_object_get(j, "expect")), &failed);
	run->dir = dup_or_null(dir, &failed);
	run->scenario_file = dup_or_null(json_string_value(json_object_get(j, "scenario_file")),
					 &failed);
	run->description = dup_or_null(json_string_value(json_object_get(j, "description")),
				       &failed);
	run->rss_basis = dup_or_null(json_string_value(basis), &failed);
	if (json_is_integer(json_object_get(j, "exit_code")))
		run->exit_code = (int)json_integer_value(json_object_get(j, "exit_code"));
	run->elapsed_s = num_or_nan(json_object_get(j, "elapsed_s"));
	run->decided_at_s = num_or_nan(json_object_get(j, "decided_at_s"));
	run->stopped_early = json_is_true(json_object_get(j, "stopped_early"));
	run->requests = num_or_nan(json_object_get(json_object_get(j, "driver"), "requests"));
	run->errors = num_or_nan(json_object_get(json_object_get(j, "driver"), "errors"));
	read_metrics(run, json_object_get(j, "metrics"));
	run->evidence = evidence_brief(json_object_get(j, "evidence"), &failed);
	run->drive_exec = exec_brief(json_object_get(j, "drive_exec"), &failed);
	if (message)
		run->message = dup_or_null(message, &failed);
	else if (why && why[0] && strcmp(run->verdict, "error"))
		run->message = dup_or_null(why, &failed);
	else if (!strcmp(run->verdict, "error"))
		run->message = dup_or_null(error ? error : "the run ended without a verdict",
					   &failed);
	else if (!strcmp(run->verdict, "leak") && !(run->message = failure_text(run)))
		run->message = dup_or_null("a gate failed", &failed);
	if (run->expect && strcmp(run->expect, "leak") && strcmp(run->expect, "pass")) {
		free(run->expect);
		run->expect = NULL;
	}
	run->mismatch = run->expect && strcmp(run->verdict, "error") &&
			strcmp(run->expect, run->verdict);
	return failed || !run->name || !run->verdict ? -1 : 0;
}

static int last_t(const struct samples_header *h, const struct samples_row *row, void *arg)
{
	(void)h;
	*(double *)arg = row->t_s;
	return 0;
}

/*
 * Why a run has no summary, with what its samples.csv kept: "WHY (samples.csv: N rows over
 * T s)".  A torn last line (SIGKILL while writing it) is skipped with a warning by
 * samples_read.  Malloc'd; NULL when out of memory.
 */
static char *killed_message(const char *run_dir, const char *why)
{
	char *csv = path_join(run_dir, RUNFILE_SAMPLES);
	struct samples_stats st;
	double t = 0;
	char *msg = NULL;
	FILE *f = csv ? fopen(csv, "r") : NULL;

	if (f && samples_read(f, csv, last_t, &t, &st) == 0 && st.rows) {
		if (asprintf(&msg, "%s (" RUNFILE_SAMPLES ": %zu rows over %.1f s)", why, st.rows, t) < 0)
			msg = NULL;
	} else {
		msg = strdup(why);
	}
	if (f)
		fclose(f);
	free(csv);
	return msg;
}

int report_add_run(struct report *r, const char *run_dir, const char *name, int exit_code,
		   const char *expect, const char *why_missing)
{
	char *path = path_join(run_dir, RUNFILE_SUMMARY);
	json_t *j = path ? json_load_file(path, 0, NULL) : NULL;
	struct report_run *run = path ? new_run(r) : NULL;
	int ret = -1;

	if (!run)
		goto out;
	if (j && json_is_string(json_object_get(j, "scenario"))) {
		ret = run_from_json(run, j, run_dir);
		widen_times(r, json_string_value(json_object_get(j, "started_utc")), NULL);
		goto out;
	}
	/* No summary: the run died before writing one.  Still a row, never a silent pass. */
	int failed = 0;
	run->name = dup_or_null(name, &failed);
	run->verdict = dup_or_null("error", &failed);
	run->expect = dup_or_null(expect, &failed);
	run->dir = dup_or_null(run_dir, &failed);
	run->message = killed_message(run_dir, why_missing ? why_missing : "no " RUNFILE_SUMMARY);
	failed |= !run->message;
	run->exit_code = exit_code;
	ret = failed || !run->name ? -1 : 0;
out:
	if (ret < 0 && run)
		drop_last(r);
	if (ret < 0)
		diag_error("out of memory");
	json_decref(j);
	free(path);
	return ret;
}

/* A report's runs: each entry's "results" is relative to the report folder unless absolute. */
static int load_report(struct report *r, const json_t *j, const char *dir)
{
	const json_t *runs = json_object_get(j, "runs");
	const json_t *e;
	size_t i;

	json_array_foreach(runs, i, e) {
		const char *res = json_string_value(json_object_get(e, "results"));
		char *run_dir = !res ? strdup(dir) : res[0] == '/' ? strdup(res) :
				path_join(dir, res);
		struct report_run *run = run_dir ? new_run(r) : NULL;
		int bad = !run || !json_is_string(json_object_get(e, "scenario")) ||
			  run_from_json(run, e, run_dir) < 0;
		free(run_dir);
		if (bad && run)
			drop_last(r);
		if (bad)
			return diag_error("%s/" RUNFILE_SUMMARY ": runs[%zu] is not a run (write it with "
					  "'leaksoak soak' or 'leaksoak report')", dir, i);
	}
	widen_times(r, json_string_value(json_object_get(j, "started_utc")),
		    json_string_value(json_object_get(j, "finished_utc")));
	if (!r->label && json_is_string(json_object_get(j, "label")) &&
	    !(r->label = strdup(json_string_value(json_object_get(j, "label")))))
		return diag_error("out of memory");
	if (!r->commit && json_is_string(json_object_get(j, "commit")) &&
	    !(r->commit = strdup(json_string_value(json_object_get(j, "commit")))))
		return diag_error("out of memory");
	return 0;
}

int report_load_json(struct report *r, const json_t *j, const char *dir, const char *path)
{
	int ret = -1;

	if (json_is_array(json_object_get(j, "runs"))) {
		ret = load_report(r, j, dir);
	} else if (json_is_string(json_object_get(j, "scenario"))) {
		struct report_run *run = new_run(r);
		ret = run ? run_from_json(run, j, dir) : -1;
		if (ret < 0 && run)
			drop_last(r);
		if (ret < 0)
			diag_error("out of memory");
		widen_times(r, json_string_value(json_object_get(j, "started_utc")), NULL);
	} else {
		diag_error("%s: neither a report nor a run summary (no 'runs' or 'scenario')",
			   path);
	}
	return ret;
}

/* A run folder without summary.json but with samples: a run that was killed.  An error row. */
static int load_killed_run(struct report *r, const char *dir)
{
	char *copy = strdup(dir);
	char *base = copy ? basename(copy) : NULL;
	int ret = -1;

	if (base)
		ret = report_add_run(r, dir, base, -1, NULL,
				     "no " RUNFILE_SUMMARY ": the run was killed or is still going");
	free(copy);
	return ret;
}

int report_load(struct report *r, const char *dir)
{
	char *path = path_join(dir, RUNFILE_SUMMARY);
	char *csv = path_join(dir, RUNFILE_SAMPLES);
	json_error_t err;
	json_t *j = path ? json_load_file(path, 0, &err) : NULL;
	int ret = -1;

	if (!path || !csv) {
		diag_error("out of memory");
		goto out;
	}
	if (!j && access(path, F_OK) < 0 && access(csv, R_OK) == 0) {
		ret = load_killed_run(r, dir);
		goto out;
	}
	if (!j && access(path, F_OK) < 0) {
		diag_error("'%s' has no " RUNFILE_SUMMARY " (give a folder written by 'leaksoak soak', "
			   "'report' or 'run')", dir);
		goto out;
	}
	if (!j) {
		diag_error("%s:%d:%d: %s (give a folder written by 'leaksoak soak', 'report' or "
			   "'run')", path, err.line, err.column, err.text);
		goto out;
	}
	ret = report_load_json(r, j, dir, path);
out:
	json_decref(j);
	free(path);
	free(csv);
	return ret;
}

int report_is_report(const char *dir)
{
	char *path = path_join(dir, RUNFILE_SUMMARY);
	json_t *j = path ? json_load_file(path, 0, NULL) : NULL;
	const char *kind = json_string_value(json_object_get(j, "kind"));
	int is = kind && !strcmp(kind, REPORT_KIND);

	json_decref(j);
	free(path);
	return is;
}

/* ----------------------------------------------------------------------------------------- */
/* Judging                                                                                   */

enum report_outcome report_run_outcome(const struct report_run *run)
{
	if (!strcmp(run->verdict, "error"))
		return REPORT_ERROR;
	if (run->mismatch)
		return REPORT_FAILED;
	if (!strcmp(run->verdict, "leak") && !run->expect)
		return REPORT_FAILED;
	return REPORT_OK;
}

enum ls_exit report_exit_code(const struct report *r)
{
	int errors = 0;

	for (size_t i = 0; i < r->n; i++) {
		enum report_outcome o = report_run_outcome(&r->runs[i]);
		if (o == REPORT_FAILED)
			return LS_EXIT_LEAK;
		errors |= o == REPORT_ERROR;
	}
	return errors ? LS_EXIT_TARGET : LS_EXIT_PASS;
}

const char *report_verdict_word(enum ls_exit code)
{
	return code == LS_EXIT_PASS ? "pass" : code == LS_EXIT_LEAK ? "leak" : "error";
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct report_run *)a)->name, ((const struct report_run *)b)->name);
}

void report_sort_runs(struct report *r)
{
	if (r->n > 1)
		qsort(r->runs, r->n, sizeof(*r->runs), by_name);
}
