/*
 * Unit tests for report: runs read from hand-made run folders (summary.json as `leaksoak run`
 * writes it, a tiny rss.png or rss.svg), judged against their expectations, written as
 * summary.json, junit.xml and index.html, merged back, and compared with an earlier report.
 * Also the soak's live slope from the tail of a samples.csv (soak.h), the report's input.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "out/report.h"
#include "out/report_baseline.h"
#include "out/report_html.h"
#include "out/report_text.h"
#include "out/report_write.h"
#include "cli/soak.h"

/* A valid 1x1 PNG (70 bytes: base64 ends in "==") and its base64, computed independently. */
static const unsigned char tiny_png[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
	0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
	0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
	0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99,
	0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};
static const char tiny_png_b64[] =
	"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5"
	"ErkJggg==";
/* 62 bytes: base64 ends in a single "=". */
static const char tiny_svg[] =
	"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"4\" height=\"4\"/>";
static const char tiny_svg_b64[] =
	"PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRoPSI0IiBoZWlnaHQ9IjQiLz4=";

/* What a hand-made run folder holds. */
struct fixture_run {
	const char *name;
	const char *verdict;
	const char *expect;	/* NULL: none */
	double rss_per_min;	/* NaN: not fitted (an error run) */
	double rss_gate;	/* < 0: ungated */
	double fds_per_min;
	int rss_failed;
	const char *plot;	/* "png", "svg" or NULL */
};

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static json_t *metric(double slope, double gate, int failed, const char *unit)
{
	json_t *o = json_pack("{s:s, s:b, s:o, s:o, s:f, s:b}", "unit", unit,
			      "fitted", isfinite(slope), "slope_per_min",
			      isfinite(slope) ? json_real(slope) : json_null(), "gate_per_min",
			      gate < 0 ? json_null() : json_real(gate), "trend_p", 0.0001,
			      "failed", failed);
	if (!strcmp(unit, "KiB")) {
		json_object_set_new(o, "slope_kib_per_min",
				    isfinite(slope) ? json_real(slope) : json_null());
		json_object_set_new(o, "basis", json_string("rss-lazyfree"));
	}
	return o;
}

/* Write dir/name/summary.json (and a plot) as `leaksoak run` would; returns the run folder. */
static char *make_run(const char *dir, const struct fixture_run *fx)
{
	char *run_dir = tu_path(dir, fx->name), *path;
	int error = !strcmp(fx->verdict, "error");

	assert_int_equal(mkdir(run_dir, 0777), 0);
	json_t *metrics = error ? json_object() : json_pack(
		"{s:o, s:o, s:o}", "rss", metric(fx->rss_per_min, fx->rss_gate, fx->rss_failed,
						 "KiB"),
		"threads", metric(0, 1, 0, "threads"), "fds", metric(fx->fds_per_min, 1, 0, "fds"));
	json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:o, s:o, s:s, s:f, s:o}",
			      "scenario", fx->name, "scenario_file", "scenarios/x.json",
			      "verdict", fx->verdict, "exit_code",
			      error ? 3 : !strcmp(fx->verdict, "leak"),
			      "error", error ? json_string("target exited with status 1 after 2.0 s")
			      : json_null(),
			      "expect", fx->expect ? json_string(fx->expect) : json_null(),
			      "started_utc", "2026-11-21T23:00:00Z", "elapsed_s", 30.5,
			      "metrics", metrics);
	assert_non_null(j);
	path = tu_path(run_dir, "summary.json");
	assert_int_equal(json_dump_file(j, path, JSON_INDENT(2)), 0);
	json_decref(j);
	free(path);
	if (fx->plot && !strcmp(fx->plot, "png")) {
		path = tu_path(run_dir, "rss.png");
		tu_spit(path, tiny_png, sizeof(tiny_png));
		free(path);
	} else if (fx->plot) {
		path = tu_path(run_dir, "rss.svg");
		tu_spit(path, tiny_svg, strlen(tiny_svg));
		free(path);
	}
	return run_dir;
}

/* Four runs covering every outcome. */
static const struct fixture_run four[] = {
	{ "map-churn", "leak", "leak", 2310.4, 512, 0, 1, "png" },	/* ok: expected leak */
	{ "map-churn-fixed", "pass", "pass", 3.2, 512, 0, 0, "png" },	/* ok */
	{ "quiet-leak", "pass", "leak", 40.0, 512, 0, 0, "svg" },	/* failed: mismatch */
	{ "broken", "error", NULL, NAN, 512, 0, 0, NULL },		/* error */
};

static void add_fixtures(const char *dir, struct report *r, const struct fixture_run *fx,
			 size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *run_dir = make_run(dir, &fx[i]);
		assert_int_equal(report_add_run(r, run_dir, fx[i].name, 0, fx[i].expect, NULL), 0);
		free(run_dir);
	}
}

static const struct report_run *by_name(const struct report *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->runs[i].name, name))
			return &r->runs[i];
	fail_msg("no run '%s'", name);
	return NULL;
}

static void test_reads_run_summaries(void **state)
{
	struct report r;

	report_init(&r);
	add_fixtures(*state, &r, four, 4);
	assert_int_equal(r.n, 4);
	const struct report_run *leak = by_name(&r, "map-churn");
	assert_string_equal(leak->verdict, "leak");
	assert_string_equal(leak->expect, "leak");
	assert_false(leak->mismatch);
	assert_true(leak->metric[METRIC_RSS].failed);
	assert_true(fabs(leak->metric[METRIC_RSS].slope_per_min - 2310.4) < 1e-9);
	assert_true(fabs(leak->metric[METRIC_RSS].gate_per_min - 512) < 1e-9);
	/* The failure text names metric, slope and gate like gate_describe_failure. */
	assert_string_equal(leak->message, "rss grows 2310 KiB/min (gate 512 KiB/min, p<0.001)");
	assert_true(by_name(&r, "quiet-leak")->mismatch);
	assert_false(by_name(&r, "map-churn-fixed")->mismatch);
	const struct report_run *broken = by_name(&r, "broken");
	assert_string_equal(broken->message, "target exited with status 1 after 2.0 s");
	assert_true(isnan(broken->metric[METRIC_RSS].slope_per_min));
	assert_string_equal(r.started_utc, "2026-11-21T23:00:00Z");
	report_release(&r);
}

static void test_missing_summary_is_an_error_run(void **state)
{
	struct report r;
	char *dir = tu_path(*state, "killed");

	report_init(&r);
	assert_int_equal(mkdir(dir, 0777), 0);
	assert_int_equal(report_add_run(&r, dir, "killed", 128 + 9, "pass",
					"no summary.json: the run was killed by signal 9 (see "
					"killed/run.log)"), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.runs[0].verdict, "error");
	assert_string_equal(r.runs[0].expect, "pass");
	assert_false(r.runs[0].mismatch);
	assert_int_equal(r.runs[0].exit_code, 137);
	assert_non_null(strstr(r.runs[0].message, "killed by signal 9"));
	assert_int_equal(report_run_outcome(&r.runs[0]), REPORT_ERROR);
	report_release(&r);
	free(dir);
}

static void test_outcomes_and_exit_code(void **state)
{
	static const struct fixture_run ok[] = {
		{ "a", "leak", "leak", 900, 512, 0, 1, NULL },
		{ "b", "pass", NULL, 1, 512, 0, 0, NULL },
	};
	static const struct fixture_run plain_leak[] = { { "c", "leak", NULL, 900, 512, 0, 1, NULL } };
	static const struct fixture_run fixed_leaks[] = { { "d", "leak", "pass", 900, 512, 0, 1, NULL } };
	static const struct fixture_run err[] = { { "e", "error", "leak", NAN, 512, 0, 0, NULL } };
	struct report r;

	report_init(&r);
	add_fixtures(*state, &r, ok, 2);
	assert_int_equal(report_run_outcome(&r.runs[0]), REPORT_OK);
	assert_int_equal(report_exit_code(&r), LS_EXIT_PASS);
	add_fixtures(*state, &r, err, 1);
	assert_int_equal(report_exit_code(&r), LS_EXIT_TARGET);
	/* A failure outranks an error. */
	add_fixtures(*state, &r, plain_leak, 1);
	assert_int_equal(report_run_outcome(&r.runs[3]), REPORT_FAILED);
	assert_int_equal(report_exit_code(&r), LS_EXIT_LEAK);
	report_release(&r);

	report_init(&r);
	add_fixtures(*state, &r, fixed_leaks, 1);
	assert_true(r.runs[0].mismatch);
	assert_int_equal(report_exit_code(&r), LS_EXIT_LEAK);
	report_release(&r);
}

static void test_summary_json(void **state)
{
	struct report r;
	char *out = tu_path(*state, "soak");
	char *path = tu_path(out, "summary.json");

	report_init(&r);
	assert_int_equal(mkdir(out, 0777), 0);
	add_fixtures(out, &r, four, 4);
	snprintf(r.finished_utc, sizeof(r.finished_utc), "2026-11-21T23:05:00Z");
	assert_int_equal(report_write(&r, out), 0);
	json_t *j = json_load_file(path, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "leaksoak-report");
	assert_string_equal(json_string_value(json_object_get(j, "verdict")), "leak");
	assert_int_equal(json_integer_value(json_object_get(j, "exit_code")), 1);
	json_t *runs = json_object_get(j, "runs");
	assert_int_equal(json_array_size(runs), 4);
	/* Sorted by name; results relative to the report folder. */
	json_t *first = json_array_get(runs, 0);
	assert_string_equal(json_string_value(json_object_get(first, "scenario")), "broken");
	assert_string_equal(json_string_value(json_object_get(first, "results")), "broken");
	json_t *q = json_array_get(runs, 3);
	assert_string_equal(json_string_value(json_object_get(q, "scenario")), "quiet-leak");
	assert_true(json_is_true(json_object_get(q, "mismatch")));
	assert_string_equal(json_string_value(json_object_get(q, "outcome")), "failed");
	json_t *m = json_array_get(runs, 1);
	double rss = json_number_value(json_object_get(
		json_object_get(json_object_get(m, "metrics"), "rss"), "slope_kib_per_min"));
	assert_true(fabs(rss - 2310.4) < 1e-6);
	assert_string_equal(json_string_value(json_array_get(json_object_get(m, "failed"), 0)),
			    "rss");
	json_t *counts = json_object_get(j, "counts");
	assert_int_equal(json_integer_value(json_object_get(counts, "mismatch")), 1);
	assert_int_equal(json_integer_value(json_object_get(counts, "error")), 1);
	assert_true(json_is_null(json_object_get(j, "baseline")));
	json_decref(j);
	report_release(&r);
	free(path);
	free(out);
}

/* Every file of r's report into dir, as the commands write them: json and junit, then html. */
static void write_all(struct report *r, const char *dir)
{
	assert_int_equal(report_write(r, dir), 0);
	assert_int_equal(report_html_write(r, NULL, dir), 0);
}

/* The four runs reported into dir; the report's file, read back. */
static char *report_four(const char *dir, const char *file)
{
	struct report r;
	char *path = tu_path(dir, file), *text;

	report_init(&r);
	add_fixtures(dir, &r, four, 4);
	write_all(&r, dir);
	report_release(&r);
	text = tu_slurp(path);
	assert_non_null(text);
	free(path);
	return text;
}

static void test_junit(void **state)
{
	char *x = report_four(*state, "junit.xml");

	assert_non_null(strstr(x, "tests=\"4\" failures=\"1\" errors=\"1\""));
	assert_int_equal(count(x, "<testcase "), 4);
	assert_int_equal(count(x, "<failure "), 1);
	assert_int_equal(count(x, "<error "), 1);
	/* The mismatch fails with the slopes and gates; the expected leak passes but says so. */
	assert_non_null(strstr(x, "message=\"expected leak, but no gate failed: rss +40 KiB/min "
				  "(gate 512), threads +0/min (gate 1), fds +0/min (gate 1)\""));
	assert_non_null(strstr(x, "leaked as expected: rss grows 2310 KiB/min (gate 512 KiB/min, "
				  "p&lt;0.001)"));
	assert_non_null(strstr(x, "message=\"target exited with status 1 after 2.0 s\""));
	free(x);
}

static void test_html(void **state)
{
	char *h = report_four(*state, "index.html");

	assert_int_equal(count(h, "<tr class=\"run"), 4);
	assert_int_equal(count(h, "<tr class=\"run mismatch\""), 1);
	assert_non_null(strstr(h, "<tr class=\"run mismatch\" id=\"row-quiet-leak\""));
	assert_non_null(strstr(h, "MISMATCH: expected leak"));
	assert_non_null(strstr(h, "<td class=\"why\">expected leak, but no gate failed: rss +40 "
				  "KiB/min (gate 512)"));
	/* Both plots embedded, byte for byte; the run without one says how to draw it. */
	assert_int_equal(count(h, "<img "), 3);
	assert_non_null(strstr(h, "src=\"data:image/png;base64,"));
	assert_non_null(strstr(h, tiny_png_b64));
	assert_non_null(strstr(h, "src=\"data:image/svg+xml;base64,"));
	assert_non_null(strstr(h, tiny_svg_b64));
	assert_int_equal(count(h, "class=\"noplot\""), 1);
	/* Self-contained: no scripts, no external anything. */
	assert_null(strstr(h, "<script"));
	assert_null(strstr(h, "http://"));
	assert_null(strstr(h, "https://"));
	assert_null(strstr(h, "<link"));
	/* The failed metric's cell is marked, with its gate. */
	assert_non_null(strstr(h, "<td class=\"num over\">+2310 <span class=\"gate\">/ 512</span>"));
	free(h);
}

static void test_merge_reports(void **state)
{
	struct report a, b, merged;
	char *da = tu_path(*state, "shard1"), *db = tu_path(*state, "shard2");
	char *dm = tu_path(*state, "merged");
	char *mpath = tu_path(dm, "index.html");

	report_init(&a);
	report_init(&b);
	report_init(&merged);
	assert_int_equal(mkdir(da, 0777), 0);
	assert_int_equal(mkdir(db, 0777), 0);
	add_fixtures(da, &a, four, 2);
	add_fixtures(db, &b, four + 2, 2);
	assert_int_equal(report_write(&a, da), 0);
	assert_int_equal(report_write(&b, db), 0);
	assert_int_equal(report_load(&merged, da), 0);
	assert_int_equal(report_load(&merged, db), 0);
	assert_int_equal(merged.n, 4);
	assert_string_equal(by_name(&merged, "map-churn")->message,
			    "rss grows 2310 KiB/min (gate 512 KiB/min, p<0.001)");
	assert_true(by_name(&merged, "quiet-leak")->mismatch);
	assert_int_equal(report_exit_code(&merged), LS_EXIT_LEAK);
	/* report_write writes the files for machines; index.html is the command's next step. */
	assert_int_equal(report_write(&merged, dm), 0);
	assert_int_equal(access(mpath, F_OK), -1);
	assert_int_equal(report_html_write(&merged, NULL, dm), 0);
	char *h = tu_slurp(mpath);
	assert_non_null(h);
	assert_int_equal(count(h, "<tr class=\"run"), 4);
	/* The plots are found through the shards' folders. */
	assert_non_null(strstr(h, tiny_png_b64));
	assert_non_null(strstr(h, tiny_svg_b64));
	free(h);
	/* A folder that is no report is a clear error, not an empty report. */
	char msg[256];
	diag_capture(msg, sizeof(msg));
	assert_int_equal(report_load(&merged, *state), -1);
	diag_capture(NULL, 0);
	assert_non_null(strstr(msg, "has no summary.json"));
	report_release(&a);
	report_release(&b);
	report_release(&merged);
	free(mpath);
	free(da);
	free(db);
	free(dm);
}

static void test_compare(void **state)
{
	static const struct fixture_run then[] = {
		{ "steady", "pass", NULL, 10, 512, 0, 0, NULL },
		{ "small-rise", "pass", NULL, 10, 512, 0, 0, NULL },
		{ "turns", "pass", NULL, 10, 512, 0, 0, NULL },
		{ "ungated", "pass", NULL, 10, -1, 0, 0, NULL },
	};
	static const struct fixture_run now[] = {
		{ "steady", "pass", NULL, 300, 512, 0, 0, NULL },	/* +290 > 128: rose */
		{ "small-rise", "pass", NULL, 100, 512, 0, 0, NULL },	/* +90: within margin */
		{ "turns", "leak", NULL, 900, 512, 0.2, 1, NULL },	/* verdict and slope */
		{ "ungated", "pass", NULL, 5000, -1, 0, 0, NULL },	/* not compared */
	};
	struct report before, r;
	char *d1 = tu_path(*state, "then"), *d2 = tu_path(*state, "now");

	report_init(&before);
	report_init(&r);
	assert_int_equal(mkdir(d1, 0777), 0);
	assert_int_equal(mkdir(d2, 0777), 0);
	add_fixtures(d1, &before, then, 4);
	add_fixtures(d2, &r, now, 4);
	assert_int_equal(report_compare(&r, &before, d1), 0);
	assert_int_equal(r.n_changes, 3);
	assert_string_equal(r.changes[0].name, "steady");
	assert_false(r.changes[0].is_verdict);
	assert_string_equal(r.changes[0].what, "rss");
	assert_true(fabs(r.changes[0].margin_per_min - 128) < 1e-9);
	assert_string_equal(r.changes[1].name, "turns");
	assert_true(r.changes[1].is_verdict);
	assert_string_equal(r.changes[1].from, "pass");
	assert_string_equal(r.changes[1].to, "leak");
	assert_string_equal(r.changes[2].name, "turns");
	assert_string_equal(r.changes[2].what, "rss");
	/* Written into both the page and summary.json. */
	write_all(&r, d2);
	char *hp = tu_path(d2, "index.html");
	char *h = tu_slurp(hp);
	assert_non_null(h);
	assert_non_null(strstr(h, "steady: <span class=\"rose\">rss slope rose 10 &rarr; 300 "
				  "KiB/min</span>"));
	assert_non_null(strstr(h, "turns: verdict <span class=\"v v-pass\">pass</span> &rarr; "
				  "<span class=\"v v-leak\">leak</span>"));
	free(h);
	free(hp);
	char *sp = tu_path(d2, "summary.json");
	json_t *j = json_load_file(sp, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "baseline"),
							 "changes")), 3);
	json_decref(j);
	free(sp);
	report_release(&before);
	report_release(&r);
	free(d1);
	free(d2);
}

/* Write a minimal report folder named name under dir that started at started. */
static void make_report(const char *dir, const char *name, const char *started,
			const char *shard)
{
	struct report r;
	char *d = tu_path(dir, name);

	report_init(&r);
	snprintf(r.started_utc, sizeof(r.started_utc), "%s", started);
	r.shard = shard ? strdup(shard) : NULL;
	assert_int_equal(report_write(&r, d), 0);
	report_release(&r);
	free(d);
}

static void test_find_baseline(void **state)
{
	char *now = tu_path(*state, "20260103T000000Z");
	char *older = tu_path(*state, "20260102T000000Z");
	static const struct fixture_run run[] = { { "a-run", "pass", NULL, 1, 512, 0, 0, NULL } };
	struct report ignored;

	make_report(*state, "20260101T000000Z", "2026-01-01T00:00:00Z", NULL);
	make_report(*state, "20260102T000000Z", "2026-01-02T00:00:00Z", NULL);
	make_report(*state, "shard-1", "2026-01-02T12:00:00Z", "1/2");	/* another shard */
	make_report(*state, "20260104T000000Z", "2026-01-04T00:00:00Z", NULL);	/* later */
	make_report(*state, "20260103T000000Z", "2026-01-03T00:00:00Z", NULL);	/* itself */
	/* A run folder (no "kind") is not a report. */
	report_init(&ignored);
	add_fixtures(*state, &ignored, run, 1);
	report_release(&ignored);

	char *found = report_find_baseline(now, "2026-01-03T00:00:00Z", NULL, NULL, 0);
	assert_non_null(found);
	assert_string_equal(found, older);
	free(found);
	char *skip[] = { older };
	found = report_find_baseline(now, "2026-01-03T00:00:00Z", NULL, skip, 1);
	assert_non_null(found);
	assert_non_null(strstr(found, "20260101T000000Z"));
	free(found);
	assert_null(report_find_baseline(now, "2026-01-01T00:00:00Z", NULL, NULL, 0));
	/* A shard compares with the same shard only. */
	found = report_find_baseline(now, "2026-01-03T00:00:00Z", "1/2", NULL, 0);
	assert_non_null(found);
	assert_non_null(strstr(found, "shard-1"));
	free(found);
	assert_null(report_find_baseline(now, "2026-01-03T00:00:00Z", "2/2", NULL, 0));
	free(now);
	free(older);
}

/* samples.csv with rows from t = 0 at 10 Hz, RSS 1000 + 20 KiB/s; unterminated: a half row. */
static char *write_csv(const char *dir, size_t rows, int unterminated)
{
	char *path = tu_path(dir, "samples.csv");
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("t_s,rss_kib,threads,fds,procs,cpu_s,lazyfree_kib,requests,errors\n", f);
	for (size_t i = 0; i < rows; i++)
		fprintf(f, "%.3f,%zu,4,12,1,0.00,,0,0\n", i / 10.0, 1000 + 2 * i);
	if (unterminated)
		fputs("99.000,999999", f);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void test_soak_tail_slope(void **state)
{
	double rss, slope;
	char *path = write_csv(*state, 100, 1);

	/* 20 KiB/s is 1200 KiB/min; the half-written last row is not read. */
	assert_int_equal(soak_tail_rss(path, 5, &rss, &slope), 0);
	assert_true(fabs(rss - 1198) < 1e-9);
	assert_true(fabs(slope - 1200) < 1e-6);
	/* Still warming up: the latest RSS, but no slope yet. */
	assert_int_equal(soak_tail_rss(path, 9.85, &rss, &slope), 0);
	assert_true(isnan(slope));
	free(path);
	/* A long run: only the tail is read, and it has the same slope. */
	path = write_csv(*state, 20000, 0);
	assert_int_equal(soak_tail_rss(path, 5, &rss, &slope), 0);
	assert_true(fabs(rss - (1000 + 2 * 19999)) < 1e-9);
	assert_true(fabs(slope - 1200) < 1e-6);
	free(path);
	/* Only the header: nothing to say. */
	path = write_csv(*state, 0, 0);
	assert_int_equal(soak_tail_rss(path, 0, &rss, &slope), -1);
	free(path);
	assert_int_equal(soak_tail_rss("/nonexistent/samples.csv", 0, &rss, &slope), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		tu_tmpdir_test(test_reads_run_summaries),
		tu_tmpdir_test(test_missing_summary_is_an_error_run),
		tu_tmpdir_test(test_outcomes_and_exit_code),
		tu_tmpdir_test(test_summary_json),
		tu_tmpdir_test(test_junit),
		tu_tmpdir_test(test_html),
		tu_tmpdir_test(test_merge_reports),
		tu_tmpdir_test(test_compare),
		tu_tmpdir_test(test_find_baseline),
		tu_tmpdir_test(test_soak_tail_slope),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
