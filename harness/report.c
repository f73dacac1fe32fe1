/*
 * report — read runs' summaries, judge them against their expectations, compare with an
 * earlier report, and write summary.json, junit.xml and a self-contained index.html.
 */
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results.h"
#include "samples.h"
#include "text.h"

#define REPORT_KIND "leaksoak-report"

static const struct {
	const char *name, *unit, *verb, *column;
} metric_info[REPORT_N_METRICS] = {
	[REPORT_RSS] = { "rss", "KiB", "grows", "RSS KiB/min" },
	[REPORT_THREADS] = { "threads", "threads", "grow", "threads/min" },
	[REPORT_FDS] = { "fds", "fds", "grow", "FDs/min" },
};

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

static char *join_path(const char *dir, const char *file)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, file) < 0)
		return NULL;
	return p;
}

static struct report_run *new_run(struct report *r)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct report_run *runs = realloc(r->runs, cap * sizeof(*runs));
		if (!runs)
			return NULL;
		r->runs = runs;
		r->cap = cap;
	}
	struct report_run *run = &r->runs[r->n++];
	memset(run, 0, sizeof(*run));
	for (int m = 0; m < REPORT_N_METRICS; m++)
		run->metric[m] = (struct report_metric){ NAN, NAN, NAN, 0 };
	run->exit_code = -1;
	run->elapsed_s = run->decided_at_s = NAN;
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

/* As gate_describe_failure words a rate: whole numbers from 100 up, three digits below. */
static void format_rate(char *buf, size_t len, double v)
{
	snprintf(buf, len, fabs(v) >= 100 ? "%.0f" : "%.3g", v);
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
	for (int m = 0; m < REPORT_N_METRICS; m++) {
		const struct report_metric *x = &run->metric[m];
		char rate[32], gate[32], p[24];
		if (!x->failed)
			continue;
		format_rate(rate, sizeof(rate), x->slope_per_min);
		format_rate(gate, sizeof(gate), x->gate_per_min);
		snprintf(p, sizeof(p), x->trend_p < 0.001 ? "p<0.001" : "p=%.3f", x->trend_p);
		fprintf(f, "%s%s %s %s %s/min (gate %s %s/min, %s)", lines++ ? "\n" : "",
			metric_info[m].name, metric_info[m].verb, rate, metric_info[m].unit, gate,
			metric_info[m].unit, p);
	}
	if (fclose(f) != 0 || lines == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void read_metrics(struct report_run *run, const json_t *metrics)
{
	for (int m = 0; m < REPORT_N_METRICS; m++) {
		const json_t *o = json_object_get(metrics, metric_info[m].name);
		struct report_metric *x = &run->metric[m];
		if (!json_is_object(o) || json_is_false(json_object_get(o, "fitted")))
			continue;
		x->slope_per_min = num_or_nan(json_object_get(o, "slope_per_min"));
		x->gate_per_min = num_or_nan(json_object_get(o, "gate_per_min"));
		x->trend_p = num_or_nan(json_object_get(o, "trend_p"));
		x->failed = json_is_true(json_object_get(o, "failed"));
	}
}

static int is_verdict(const char *v)
{
	return v && (!strcmp(v, "pass") || !strcmp(v, "leak") || !strcmp(v, "error"));
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
	read_metrics(run, json_object_get(j, "metrics"));
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

static int last_t(const struct samples_row *row, void *arg)
{
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
	char *csv = join_path(run_dir, "samples.csv");
	struct samples_stats st;
	double t = 0;
	char *msg = NULL;
	FILE *f = csv ? fopen(csv, "r") : NULL;

	if (f && samples_read(f, csv, last_t, &t, &st) == 0 && st.rows) {
		if (asprintf(&msg, "%s (samples.csv: %zu rows over %.1f s)", why, st.rows, t) < 0)
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
	char *path = join_path(run_dir, "summary.json");
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
	run->message = killed_message(run_dir, why_missing ? why_missing : "no summary.json");
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
				join_path(dir, res);
		struct report_run *run = run_dir ? new_run(r) : NULL;
		int bad = !run || !json_is_string(json_object_get(e, "scenario")) ||
			  run_from_json(run, e, run_dir) < 0;
		free(run_dir);
		if (bad && run)
			drop_last(r);
		if (bad)
			return diag_error("%s/summary.json: runs[%zu] is not a run (write it with "
					  "'leaksoak soak' or 'leaksoak report')", dir, i);
	}
	widen_times(r, json_string_value(json_object_get(j, "started_utc")),
		    json_string_value(json_object_get(j, "finished_utc")));
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
				     "no summary.json: the run was killed or is still going");
	free(copy);
	return ret;
}

int report_load(struct report *r, const char *dir)
{
	char *path = join_path(dir, "summary.json");
	char *csv = join_path(dir, "samples.csv");
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
		diag_error("'%s' has no summary.json (give a folder written by 'leaksoak soak', "
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
	char *path = join_path(dir, "summary.json");
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

/* ----------------------------------------------------------------------------------------- */
/* Comparing with an earlier report                                                          */

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct report_run *)a)->name, ((const struct report_run *)b)->name);
}

static void sort_runs(struct report *r)
{
	if (r->n > 1)
		qsort(r->runs, r->n, sizeof(*r->runs), by_name);
}

static const struct report_run *find_run(const struct report *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->runs[i].name, name))
			return &r->runs[i];
	return NULL;
}

static struct report_change *new_change(struct report *r, const char *name)
{
	struct report_change *c = realloc(r->changes, (r->n_changes + 1) * sizeof(*c));

	if (!c)
		return NULL;
	r->changes = c;
	c = &r->changes[r->n_changes];
	memset(c, 0, sizeof(*c));
	if (!(c->name = strdup(name)))
		return NULL;
	r->n_changes++;
	return c;
}

/* The changes of one run; 0 or -1 (out of memory). */
static int compare_run(struct report *r, const struct report_run *now,
		       const struct report_run *then)
{
	struct report_change *c;

	if (strcmp(now->verdict, then->verdict)) {
		if (!(c = new_change(r, now->name)))
			return -1;
		c->is_verdict = 1;
		snprintf(c->from, sizeof(c->from), "%s", then->verdict);
		snprintf(c->to, sizeof(c->to), "%s", now->verdict);
	}
	for (int m = 0; m < REPORT_N_METRICS; m++) {
		const struct report_metric *a = &then->metric[m], *b = &now->metric[m];
		/* Ungated metrics are not compared: the scenario said their growth does not matter. */
		if (!(b->gate_per_min >= 0) || !isfinite(a->slope_per_min) ||
		    !isfinite(b->slope_per_min))
			continue;
		double margin = REPORT_ROSE_GATE_FRACTION * b->gate_per_min;
		if (!(b->slope_per_min > 0 && b->slope_per_min - a->slope_per_min > margin))
			continue;
		if (!(c = new_change(r, now->name)))
			return -1;
		c->metric = (enum report_metric_id)m;
		c->from_per_min = a->slope_per_min;
		c->to_per_min = b->slope_per_min;
		c->margin_per_min = margin;
	}
	return 0;
}

int report_compare(struct report *r, const struct report *before, const char *before_dir)
{
	sort_runs(r);
	free(r->baseline_dir);
	if (!(r->baseline_dir = strdup(before_dir)))
		return diag_error("out of memory");
	snprintf(r->baseline_started_utc, sizeof(r->baseline_started_utc), "%s",
		 before->started_utc);
	for (size_t i = 0; i < r->n; i++) {
		const struct report_run *then = find_run(before, r->runs[i].name);
		if (then && compare_run(r, &r->runs[i], then) < 0)
			return diag_error("out of memory");
	}
	return 0;
}

/* 1 when dir's summary.json is a report of shard that started between best and limit. */
static int newer_earlier_report(const char *dir, const char *limit, const char *shard,
				char *best, size_t len)
{
	char *path = join_path(dir, "summary.json");
	struct stat st;
	json_t *j = NULL;
	int found = 0;

	if (path && stat(path, &st) == 0 && S_ISREG(st.st_mode))
		j = json_load_file(path, 0, NULL);
	const char *kind = json_string_value(json_object_get(j, "kind"));
	const char *started = json_string_value(json_object_get(j, "started_utc"));
	const char *its_shard = json_string_value(json_object_get(j, "shard"));
	int same_shard = shard && its_shard ? !strcmp(shard, its_shard) : !shard && !its_shard;
	if (kind && !strcmp(kind, REPORT_KIND) && same_shard && started &&
	    strcmp(started, limit) < 0 && strcmp(started, best) > 0) {
		snprintf(best, len, "%s", started);
		found = 1;
	}
	json_decref(j);
	free(path);
	return found;
}

static int same_dir(const char *a_real, const char *b)
{
	char b_real[PATH_MAX];

	return realpath(b, b_real) && !strcmp(a_real, b_real);
}

void report_compare_baseline(struct report *r, const char *out_dir, const char *baseline,
			     const char *shard, char *const skip[], size_t n_skip)
{
	char *found = baseline ? NULL :
		      report_find_baseline(out_dir, r->started_utc, shard, skip, n_skip);
	const char *dir = baseline ? baseline : found;
	struct report before;

	report_init(&before);
	if (dir && report_load(&before, dir) == 0)
		report_compare(r, &before, dir);
	else if (dir)
		diag_warning("not comparing with '%s' (see above)", dir);
	report_release(&before);
	free(found);
}

char *report_find_baseline(const char *out_dir, const char *started_utc, const char *shard,
			   char *const skip[], size_t n_skip)
{
	char *copy = strdup(out_dir);
	char *parent = copy ? dirname(copy) : NULL;
	DIR *d = parent ? opendir(parent) : NULL;
	char best_started[32] = "";
	char *best = NULL;
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char real[PATH_MAX];
		char *p = e->d_name[0] == '.' ? NULL : join_path(parent, e->d_name);
		int skipped = !p || !realpath(p, real) || same_dir(real, out_dir);
		for (size_t i = 0; !skipped && i < n_skip; i++)
			skipped = same_dir(real, skip[i]);
		if (!skipped && newer_earlier_report(p, started_utc, shard, best_started,
						     sizeof(best_started))) {
			free(best);
			best = p;
			p = NULL;
		}
		free(p);
	}
	if (d)
		closedir(d);
	free(copy);
	return best;
}

/* ----------------------------------------------------------------------------------------- */
/* summary.json                                                                              */

/* path relative to out_real when it lies inside it, else absolute (or as given). */
static char *path_from(const char *out_real, const char *path)
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

	for (int m = 0; o && m < REPORT_N_METRICS; m++) {
		const struct report_metric *x = &run->metric[m];
		json_t *e = json_pack("{s:s, s:o, s:o, s:o, s:b}", "unit", metric_info[m].unit,
				      "slope_per_min", num_or_null(x->slope_per_min),
				      "gate_per_min", num_or_null(x->gate_per_min),
				      "trend_p", num_or_null(x->trend_p), "failed", x->failed);
		if (e && m == REPORT_RSS) {
			json_object_set_new(e, "slope_kib_per_min", num_or_null(x->slope_per_min));
			json_object_set_new(e, "basis", str_or_null(run->rss_basis));
		}
		if (!e || json_object_set_new(o, metric_info[m].name, e) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *failed_list(const struct report_run *run)
{
	json_t *a = json_array();

	for (int m = 0; a && m < REPORT_N_METRICS; m++)
		if (run->metric[m].failed)
			json_array_append_new(a, json_string(metric_info[m].name));
	return a;
}

static const char *outcome_word(enum report_outcome o)
{
	return o == REPORT_OK ? "ok" : o == REPORT_FAILED ? "failed" : "error";
}

static json_t *run_json(const struct report_run *run, const char *out_real)
{
	char *results = path_from(out_real, run->dir);
	json_t *j = results ? json_pack(
		"{s:o, s:s, s:i, s:o, s:b, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b}",
		"scenario", str_or_null(run->name), "verdict", run->verdict,
		"exit_code", run->exit_code,
		"expect", str_or_null(run->expect), "mismatch", run->mismatch,
		"outcome", outcome_word(report_run_outcome(run)),
		"message", str_or_null(run->message), "results", str_or_null(results),
		"scenario_file", str_or_null(run->scenario_file),
		"description", str_or_null(run->description),
		"elapsed_s", num_or_null(run->elapsed_s), "failed", failed_list(run),
		"metrics", metrics_json(run), "decided_at_s", num_or_null(run->decided_at_s),
		"stopped_early", run->stopped_early) : NULL;

	free(results);
	return j;
}

static json_t *change_json(const struct report_change *c)
{
	if (c->is_verdict)
		return json_pack("{s:o, s:s, s:s, s:s}", "scenario", str_or_null(c->name),
				 "what", "verdict", "from", c->from, "to", c->to);
	return json_pack("{s:o, s:s, s:f, s:f, s:f}", "scenario", str_or_null(c->name),
			 "what", metric_info[c->metric].name, "from_per_min", c->from_per_min,
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
	char *path = join_path(out_dir, "summary.json");
	json_t *j = NULL;
	int ret = -1;

	for (size_t i = 0; runs && i < r->n; i++)
		if (json_array_append_new(runs, run_json(&r->runs[i], out_real)) < 0)
			goto out;
	j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:i, s:o, s:O, s:o}",
		      "kind", REPORT_KIND, "leaksoak_version", LEAKSOAK_VERSION,
		      "started_utc", r->started_utc, "finished_utc", r->finished_utc,
		      "shard", str_or_null(r->shard),
		      "verdict", code == LS_EXIT_PASS ? "pass" : code == LS_EXIT_LEAK ? "leak" :
		      "error", "exit_code", (int)code, "counts", counts_json(r), "runs", runs,
		      "baseline", baseline_json(r));
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

/* Short slopes of a run for messages: "rss +12.3 KiB/min (gate 512), threads +0 ..." */
static void slopes_text(const struct report_run *run, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int m = 0; m < REPORT_N_METRICS && used < len; m++) {
		const struct report_metric *x = &run->metric[m];
		char rate[32], gate[40] = "";
		int w;
		if (!isfinite(x->slope_per_min))
			continue;
		format_rate(rate, sizeof(rate), x->slope_per_min);
		if (x->gate_per_min >= 0)
			snprintf(gate, sizeof(gate), " (gate %g)", x->gate_per_min);
		w = snprintf(buf + used, len - used, "%s%s %s%s%s/min%s", used ? ", " : "",
			     metric_info[m].name, x->slope_per_min >= 0 ? "+" : "", rate,
			     m == REPORT_RSS ? " KiB" : "", gate);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* What a failed or expected-leak run's JUnit case says. */
static char *case_message(const struct report_run *run)
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

static int write_junit(const struct report *r, const char *out_dir)
{
	struct results_case *cases = calloc(r->n ? r->n : 1, sizeof(*cases));
	char **texts = calloc(r->n ? r->n : 1, sizeof(*texts));
	char *path = join_path(out_dir, "junit.xml");
	int ret = -1;

	if (!cases || !texts || !path) {
		diag_error("out of memory");
		goto out;
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct report_run *run = &r->runs[i];
		enum report_outcome o = report_run_outcome(run);
		texts[i] = case_message(run);
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

/* ----------------------------------------------------------------------------------------- */
/* index.html                                                                                */

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
	".noplot{color:#888;font-style:italic}\n";

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

/* The run's plot as an <img> with a data URI; PNG preferred, SVG else. */
static void html_plot(FILE *f, const struct report_run *run)
{
	static const struct { const char *file, *mime; } kinds[] = {
		{ "rss.png", "image/png" }, { "rss.svg", "image/svg+xml" },
	};
	const size_t max = 32u << 20;

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		char *path = join_path(run->dir, kinds[k].file);
		size_t len = 0;
		unsigned char *data = path ? slurp(path, max, &len) : NULL;
		free(path);
		if (!data)
			continue;
		fputs("<img alt=\"RSS, threads and FDs of ", f);
		results_xml_escape(f, run->name);
		fprintf(f, "\" src=\"data:%s;base64,", kinds[k].mime);
		base64(f, data, len);
		fputs("\">\n", f);
		free(data);
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

static void html_metric_cell(FILE *f, const struct report_metric *x)
{
	char rate[32];

	fprintf(f, "<td class=\"num%s\">", x->failed ? " over" : "");
	if (isfinite(x->slope_per_min)) {
		format_rate(rate, sizeof(rate), x->slope_per_min);
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

static void html_row(FILE *f, const struct report_run *run, const char *out_real)
{
	char *rel = path_from(out_real, run->dir);

	fprintf(f, "<tr class=\"run%s\" id=\"", run->mismatch ? " mismatch" : "");
	html_id(f, "row-", run->name);
	fputs("\"><td><a href=\"#", f);
	html_id(f, "run-", run->name);
	fputs("\">", f);
	results_xml_escape(f, run->name);
	fputs("</a></td><td>", f);
	html_verdict(f, run->verdict);
	fputs("</td>", f);
	html_expect_cell(f, run);
	for (int m = 0; m < REPORT_N_METRICS; m++)
		html_metric_cell(f, &run->metric[m]);
	char *why = run->mismatch ? case_message(run) : NULL;
	fputs("<td class=\"why\">", f);
	results_xml_escape(f, why ? why : run->message);
	free(why);
	fputs("</td><td class=\"num\">", f);
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
		format_rate(a, sizeof(a), c->from_per_min);
		format_rate(b, sizeof(b), c->to_per_min);
		format_rate(m, sizeof(m), c->margin_per_min);
		fprintf(f, ": <span class=\"rose\">%s slope rose %s &rarr; %s %s/min</span> "
			"(more than %s, a quarter of its gate)", metric_info[c->metric].name, a, b,
			metric_info[c->metric].unit, m);
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

static void html_head(FILE *f, const struct report *r)
{
	enum ls_exit code = report_exit_code(r);
	const char *v = code == LS_EXIT_PASS ? "pass" : code == LS_EXIT_LEAK ? "leak" : "error";
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

static void html_table(FILE *f, const struct report *r, const char *out_real)
{
	fputs("<table>\n<thead><tr><th>scenario</th><th>verdict</th><th>expect</th>", f);
	for (int m = 0; m < REPORT_N_METRICS; m++)
		fprintf(f, "<th>%s <span class=\"gate\">/ gate</span></th>", metric_info[m].column);
	fputs("<th>why</th><th>time</th><th>results</th></tr></thead>\n<tbody>\n", f);
	for (size_t i = 0; i < r->n; i++)
		html_row(f, &r->runs[i], out_real);
	fputs("</tbody>\n</table>\n", f);
}

static void html_run(FILE *f, const struct report_run *run)
{
	fputs("<section class=\"run\" id=\"", f);
	html_id(f, "run-", run->name);
	fputs("\">\n<h2>", f);
	results_xml_escape(f, run->name);
	fputs(" ", f);
	html_verdict(f, run->verdict);
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
	html_plot(f, run);
	fputs("</section>\n", f);
}

static int write_html(const struct report *r, const char *out_dir, const char *out_real)
{
	char *buf = NULL;
	size_t len = 0;
	char *path = join_path(out_dir, "index.html");
	FILE *f = open_memstream(&buf, &len);
	int ret = -1;

	if (!f || !path) {
		diag_error("out of memory");
		goto out;
	}
	html_head(f, r);
	html_changes(f, r);
	html_table(f, r, out_real);
	for (size_t i = 0; i < r->n; i++)
		html_run(f, &r->runs[i]);
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

int report_write(struct report *r, const char *out_dir)
{
	char out_real[PATH_MAX];

	sort_runs(r);
	if (results_mkdir_p(out_dir) < 0)
		return -1;
	if (!realpath(out_dir, out_real))
		return diag_error("cannot resolve '%s': %s", out_dir, strerror(errno));
	if (write_summary(r, out_dir, out_real) < 0 || write_junit(r, out_dir) < 0 ||
	    write_html(r, out_dir, out_real) < 0)
		return -1;
	return 0;
}

/* ----------------------------------------------------------------------------------------- */
/* For a person                                                                              */

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

static void print_change(FILE *f, const struct report_change *c)
{
	char a[32], b[32], m[32];

	char name[160];

	text_escape_buf(name, sizeof(name), c->name);
	if (c->is_verdict) {
		fprintf(f, "  %s: verdict %s -> %s\n", name, c->from, c->to);
		return;
	}
	format_rate(a, sizeof(a), c->from_per_min);
	format_rate(b, sizeof(b), c->to_per_min);
	format_rate(m, sizeof(m), c->margin_per_min);
	fprintf(f, "  %s: %s slope rose %s -> %s %s/min (margin %s)\n", name,
		metric_info[c->metric].name, a, b, metric_info[c->metric].unit, m);
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
		code == LS_EXIT_PASS ? "pass" : code == LS_EXIT_LEAK ? "leak" : "error", r->n,
		r->n == 1 ? "" : "s", o[REPORT_OK], o[REPORT_FAILED], o[REPORT_ERROR], mismatch,
		mismatch == 1 ? "" : "es");
	text_escape_file(f, out_dir, 0);
	fputs("/index.html\n", f);
}
