/*
 * Unit tests for promtext: a report read from run summaries (as `leaksoak run` writes them)
 * in the Prometheus text format, sample by sample, with label values escaped.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "base/diag.h"
#include "out/promtext.h"
#include "out/report.h"

/* dir/sub/summary.json from j (a run summary), added to r. */
static void add_summary(struct report *r, const char *dir, const char *sub, json_t *j)
{
	char *run_dir = tu_path(dir, sub), *path = tu_path(run_dir, "summary.json");

	assert_non_null(j);
	assert_int_equal(mkdir(run_dir, 0777), 0);
	assert_int_equal(json_dump_file(j, path, 0), 0);
	assert_int_equal(report_add_run(r, run_dir, sub, 0, NULL, NULL), 0);
	json_decref(j);
	free(path);
	free(run_dir);
}

static json_t *metric(double slope, double gate)
{
	return json_pack("{s:b, s:f, s:o, s:f, s:b}", "fitted", 1, "slope_per_min", slope,
			 "gate_per_min", gate < 0 ? json_null() : json_real(gate), "trend_p", 0.5,
			 "failed", 0);
}

/* A driven pass, and a run that errored with a name that needs every escape. */
static void two_runs(struct report *r, const char *dir)
{
	add_summary(r, dir, "a", json_pack(
		"{s:s, s:s, s:s, s:{s:o, s:o, s:o, s:o}, s:{s:I, s:I}}", "scenario", "api",
		"verdict", "pass", "started_utc", "2026-11-30T06:00:00Z", "metrics",
		"rss", metric(12.5, 512), "rss_anon", metric(3, -1), "threads", metric(0, 1),
		"fds", metric(-0.25, 1), "driver", "requests", (json_int_t)12345,
		"errors", (json_int_t)7));
	add_summary(r, dir, "b", json_pack(
		"{s:s, s:s, s:s, s:n}", "scenario", "we\"ird\\name\nx\x1b", "verdict", "error",
		"error", "target exited", "driver"));
}

static char *exposition(const struct report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(promtext_write(f, r), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void assert_line(const char *text, const char *line)
{
	char *want = NULL;

	assert_true(asprintf(&want, "\n%s\n", line) > 0);
	if (!strstr(text, want))
		fail_msg("no line '%s' in:\n%s", line, text);
	free(want);
}

static void assert_no(const char *text, const char *part)
{
	if (strstr(text, part))
		fail_msg("'%s' should not be in:\n%s", part, text);
}

static void test_samples(void **state)
{
	struct report r;

	report_init(&r);
	two_runs(&r, *state);
	char *t = exposition(&r);
	assert_line(t, "# TYPE leaksoak_growth_per_minute gauge");
	assert_line(t, "leaksoak_growth_per_minute{scenario=\"api\",metric=\"rss\"} 12.5");
	assert_line(t, "leaksoak_growth_per_minute{scenario=\"api\",metric=\"rss_anon\"} 3");
	assert_line(t, "leaksoak_growth_per_minute{scenario=\"api\",metric=\"fds\"} -0.25");
	assert_line(t, "leaksoak_gate_per_minute{scenario=\"api\",metric=\"rss\"} 512");
	assert_line(t, "leaksoak_gate_per_minute{scenario=\"api\",metric=\"threads\"} 1");
	/* rss_anon is ungated: no gate sample. */
	assert_no(t, "leaksoak_gate_per_minute{scenario=\"api\",metric=\"rss_anon\"}");
	assert_line(t, "leaksoak_verdict{scenario=\"api\",verdict=\"pass\"} 1");
	assert_line(t, "leaksoak_verdict{scenario=\"api\",verdict=\"leak\"} 0");
	assert_line(t, "leaksoak_verdict{scenario=\"api\",verdict=\"error\"} 0");
	assert_line(t, "# TYPE leaksoak_driver_requests_total counter");
	assert_line(t, "leaksoak_driver_requests_total{scenario=\"api\"} 12345");
	assert_line(t, "leaksoak_driver_errors_total{scenario=\"api\"} 7");
	assert_line(t, "leaksoak_run_timestamp_seconds 1796018400");
	free(t);
	report_release(&r);
}

static void test_escaping_and_absences(void **state)
{
	struct report r;

	report_init(&r);
	two_runs(&r, *state);
	char *t = exposition(&r);
	/* A quote and a backslash escaped as the format says, a line break and ESC as every
	 * output of leaksoak shows them (\n, \x1b), whose backslash is escaped in turn. */
	const char *name = "scenario=\"we\\\"ird\\\\name\\\\nx\\\\x1b\"";
	char *line = NULL;
	assert_true(asprintf(&line, "leaksoak_verdict{%s,verdict=\"error\"} 1", name) > 0);
	assert_line(t, line);
	free(line);
	assert_null(strchr(t, '\x1b'));
	/* The errored run has no slope, no gate and no driver: no samples of those. */
	assert_no(t, "leaksoak_growth_per_minute{scenario=\"we");
	assert_no(t, "leaksoak_gate_per_minute{scenario=\"we");
	assert_no(t, "leaksoak_driver_requests_total{scenario=\"we");
	/* Each family's HELP and TYPE once. */
	const char *p = t;
	size_t helps = 0;
	while ((p = strstr(p, "# HELP leaksoak_verdict "))) {
		helps++;
		p++;
	}
	assert_int_equal(helps, 1);
	free(t);
	report_release(&r);
}

static void test_no_driver_no_family(void **state)
{
	struct report r;

	report_init(&r);
	add_summary(&r, *state, "w", json_pack("{s:s, s:s, s:{s:o}, s:n}", "scenario", "watch-42",
					       "verdict", "leak", "metrics", "rss",
					       metric(2048, 1024), "driver"));
	char *t = exposition(&r);
	assert_line(t, "leaksoak_verdict{scenario=\"watch-42\",verdict=\"leak\"} 1");
	assert_no(t, "leaksoak_driver");
	/* No start time known: no timestamp rather than a wrong one. */
	assert_no(t, "leaksoak_run_timestamp_seconds");
	free(t);
	report_release(&r);
}

static void test_utc_seconds(void **state)
{
	(void)state;
	assert_near(promtext_utc_seconds("1970-01-01T00:00:00Z"), 0, 0);
	assert_near(promtext_utc_seconds("2026-11-30T06:00:00Z"), 1796018400, 0);
	assert_near(promtext_utc_seconds("2026-11-30T06:00:00"), -1, 0);
	assert_near(promtext_utc_seconds("2026-11-30T06:00:00Zjunk"), -1, 0);
	assert_near(promtext_utc_seconds(""), -1, 0);
	assert_near(promtext_utc_seconds(NULL), -1, 0);
}

static void test_write_file(void **state)
{
	struct report r;
	char *path = tu_path(*state, "m.prom"), *bad = tu_path(*state, "no/such/m.prom");
	char *run_dir = tu_path(*state, "a"), msg[512];

	report_init(&r);
	two_runs(&r, *state);
	assert_int_equal(promtext_write_file(path, &r), 0);
	char *text = tu_slurp(path), *again = exposition(&r);
	assert_non_null(text);
	assert_string_equal(text, again);
	diag_capture(msg, sizeof(msg));
	assert_int_equal(promtext_write_file(bad, &r), -1);
	assert_non_null(strstr(msg, "no/such/m.prom"));
	/* The end of a run (--metrics-out): its folder's summary, written or refused. */
	assert_int_equal(promtext_write_dir(bad, run_dir), -1);
	diag_capture(NULL, 0);
	assert_int_equal(promtext_write_dir(path, run_dir), 0);
	free(text);
	text = tu_slurp(path);
	assert_non_null(strstr(text, "\nleaksoak_verdict{scenario=\"api\",verdict=\"pass\"} 1\n"));
	assert_null(strstr(text, "scenario=\"we"));
	free(text);
	free(run_dir);
	text = NULL;
	free(again);
	free(path);
	free(bad);
	report_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		tu_tmpdir_test(test_samples),
		tu_tmpdir_test(test_escaping_and_absences),
		tu_tmpdir_test(test_no_driver_no_family),
		cmocka_unit_test(test_utc_seconds),
		tu_tmpdir_test(test_write_file),
	};

	return cmocka_run_group_tests_name("promtext", tests, NULL, NULL);
}
