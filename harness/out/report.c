/*
 * report — read runs' summaries, judge them against their expectations, compare with an
 * earlier report, and write summary.json, junit.xml and a self-contained index.html.
 */
#include "out/report.h"

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

#include "base/path.h"
#include "out/report_html.h"
#include "record/results.h"
#include "record/samples.h"
#include "base/text.h"
#include "base/units.h"

#define REPORT_KIND "leaksoak-report"


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

/* As gate_describe_failure words a rate: whole numbers from 100 up, three digits below. */
void report_format_rate(char *buf, size_t len, double v)
{
	units_format_rate(buf, len, v, 0);
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
		report_format_rate(rate, sizeof(rate), x->slope_per_min);
		report_format_rate(gate, sizeof(gate), x->gate_per_min);
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
	char *csv = path_join(run_dir, "samples.csv");
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
	char *path = path_join(run_dir, "summary.json");
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
				path_join(dir, res);
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
				     "no summary.json: the run was killed or is still going");
	free(copy);
	return ret;
}

int report_load(struct report *r, const char *dir)
{
	char *path = path_join(dir, "summary.json");
	char *csv = path_join(dir, "samples.csv");
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
	char *path = path_join(dir, "summary.json");
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
int report_slope_rose(double from, double to, double gate, double *margin)
{
	*margin = REPORT_ROSE_GATE_FRACTION * gate;
	/* Ungated metrics are not compared: the scenario said their growth does not matter. */
	return gate >= 0 && isfinite(from) && isfinite(to) && to > 0 && to - from > *margin;
}

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
	for (size_t m = 0; m < now->n_metrics; m++) {
		const struct report_metric *b = &now->metric[m];
		const struct report_metric *a = report_run_metric(then, b->name);
		double margin;
		if (!a || !report_slope_rose(a->slope_per_min, b->slope_per_min, b->gate_per_min,
					     &margin))
			continue;
		if (!(c = new_change(r, now->name)))
			return -1;
		memcpy(c->what, b->name, sizeof(c->what));
		memcpy(c->unit, b->unit, sizeof(c->unit));
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
	char *path = path_join(dir, "summary.json");
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
		char *p = e->d_name[0] == '.' ? NULL : path_join(parent, e->d_name);
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

static json_t *failed_list(const struct report_run *run)
{
	json_t *a = json_array();

	for (size_t m = 0; a && m < run->n_metrics; m++)
		if (run->metric[m].failed)
			json_array_append_new(a, json_string(run->metric[m].name));
	return a;
}

static const char *outcome_word(enum report_outcome o)
{
	return o == REPORT_OK ? "ok" : o == REPORT_FAILED ? "failed" : "error";
}

static json_t *run_json(const struct report_run *run, const char *out_real)
{
	char *results = report_path_from(out_real, run->dir);
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
	char *path = path_join(out_dir, "summary.json");
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
		report_format_rate(rate, sizeof(rate), x->slope_per_min);
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

/* What a failed or expected-leak run's JUnit case says. */
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

static int write_junit(const struct report *r, const char *out_dir)
{
	struct results_case *cases = calloc(r->n ? r->n : 1, sizeof(*cases));
	char **texts = calloc(r->n ? r->n : 1, sizeof(*texts));
	char *path = path_join(out_dir, "junit.xml");
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

	sort_runs(r);
	if (results_mkdir_p(out_dir) < 0)
		return -1;
	if (!realpath(out_dir, out_real))
		return diag_error("cannot resolve '%s': %s", out_dir, strerror(errno));
	if (write_summary(r, out_dir, out_real) < 0 || write_junit(r, out_dir) < 0 ||
	    report_html_write(r, out_dir, out_real) < 0)
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
	report_format_rate(a, sizeof(a), c->from_per_min);
	report_format_rate(b, sizeof(b), c->to_per_min);
	report_format_rate(m, sizeof(m), c->margin_per_min);
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
		code == LS_EXIT_PASS ? "pass" : code == LS_EXIT_LEAK ? "leak" : "error", r->n,
		r->n == 1 ? "" : "s", o[REPORT_OK], o[REPORT_FAILED], o[REPORT_ERROR], mismatch,
		mismatch == 1 ? "" : "es");
	text_escape_file(f, out_dir, 0);
	fputs("/index.html\n", f);
}
