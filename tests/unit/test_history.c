/*
 * Unit tests for history: soak folders written by report_write (with run summaries as
 * `leaksoak run` writes them), their index read, checked, rebuilt and kept atomically, and
 * each scenario's first rise across the window.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "base/runfiles.h"
#include "out/history.h"
#include "out/history_text.h"
#include "out/history_trend.h"
#include "out/report.h"
#include "out/report_write.h"

/* One scenario in one soak. */
struct fx_run {
	const char *name;
	const char *verdict;
	double rss_per_min;
	double rss_gate;	/* < 0: ungated */
};

static json_t *metric(double slope, double gate)
{
	return json_pack("{s:b, s:f, s:o, s:f, s:b}", "fitted", 1, "slope_per_min", slope,
			 "gate_per_min", gate < 0 ? json_null() : json_real(gate), "trend_p", 0.5,
			 "failed", 0);
}

/* soak_dir/NAME/summary.json as `leaksoak run` writes it, added to r. */
static void add_run(struct report *r, const char *soak_dir, const struct fx_run *fx)
{
	char *dir = tu_path(soak_dir, fx->name), *path = tu_path(dir, "summary.json");
	json_t *j = json_pack("{s:s, s:s, s:i, s:{s:o, s:o, s:o}, s:{s:I, s:I}}",
			      "scenario", fx->name, "verdict", fx->verdict, "exit_code",
			      !strcmp(fx->verdict, "leak"), "metrics", "rss",
			      metric(fx->rss_per_min, fx->rss_gate), "threads", metric(0, 1),
			      "fds", metric(0, 1), "driver", "requests", (json_int_t)1000,
			      "errors", (json_int_t)2);

	assert_int_equal(mkdir(dir, 0777), 0);
	assert_int_equal(json_dump_file(j, path, 0), 0);
	assert_int_equal(report_add_run(r, dir, fx->name, 0, NULL, NULL), 0);
	json_decref(j);
	free(path);
	free(dir);
}

/* A soak root/NAME started at started, labelled, with n runs, through report_write. */
static void make_soak(const char *root, const char *name, const char *started,
		      const char *label, const char *commit, const struct fx_run *fx, size_t n)
{
	char *dir = tu_path(root, name);
	struct report r;

	report_init(&r);
	assert_int_equal(mkdir(dir, 0777), 0);
	for (size_t i = 0; i < n; i++)
		add_run(&r, dir, &fx[i]);
	snprintf(r.started_utc, sizeof(r.started_utc), "%s", started);
	snprintf(r.finished_utc, sizeof(r.finished_utc), "%s", started);
	r.label = label ? strdup(label) : NULL;
	r.commit = commit ? strdup(commit) : NULL;
	assert_int_equal(report_write(&r, dir), 0);
	report_release(&r);
	free(dir);
}

/*
 * Three nights: steady does not move, creep rises by 50 then by 200 KiB/min over the first
 * night (a quarter of its 512 gate is 128: the third night), flip leaks on the third night,
 * late runs only on the third, and free's metric is ungated.
 */
static void three_nights(const char *root)
{
	const struct fx_run n1[] = {
		{ "steady", "pass", 10, 512 }, { "creep", "pass", 0, 512 },
		{ "flip", "pass", 5, 512 }, { "free", "pass", 0, -1 },
	};
	const struct fx_run n2[] = {
		{ "steady", "pass", 12, 512 }, { "creep", "pass", 50, 512 },
		{ "flip", "pass", 5, 512 }, { "free", "pass", 9000, -1 },
	};
	const struct fx_run n3[] = {
		{ "steady", "pass", 11, 512 }, { "creep", "pass", 200, 512 },
		{ "flip", "leak", 900, 512 }, { "free", "pass", 0, -1 }, { "late", "pass", 1, 512 },
	};

	make_soak(root, "n1", "2026-11-01T02:00:00Z", "night-1", "aaa1111", n1, 4);
	make_soak(root, "n2", "2026-11-02T02:00:00Z", "night-2", NULL, n2, 4);
	make_soak(root, "n3", "2026-11-03T02:00:00Z", NULL, "ccc3333", n3, 5);
}

static const struct history_scenario *scenario(const struct history *h, const char *name)
{
	for (size_t i = 0; i < h->n_sc; i++)
		if (!strcmp(h->sc[i].name, name))
			return &h->sc[i];
	fail_msg("no scenario '%s'", name);
	return NULL;
}

/* The folders the index file names, in its order: "n1,n2,n3". */
static char *index_dirs(const char *root)
{
	char *path = tu_path(root, RUNFILE_HISTORY_INDEX);
	char *text = tu_slurp(path), *out = calloc(1, strlen(text ? text : "") + 1);

	assert_non_null(text);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *dir = strrchr(line, '\t');
		if (line[0] == '#' || !dir)
			continue;
		strcat(strcat(out, out[0] ? "," : ""), dir + 1);
	}
	free(text);
	free(path);
	return out;
}

static void assert_index(const char *root, const char *want)
{
	char *got = index_dirs(root);

	assert_string_equal(got, want);
	free(got);
}

static void test_rises(void **state)
{
	struct history h;
	char text[256];

	three_nights(*state);
	assert_int_equal(history_load(&h, *state, 30, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(h.ix.n, 3);
	assert_int_equal(h.n_sc, 5);
	/* Labels and commits come back from summary.json when there was no index. */
	assert_string_equal(h.ix.v[0].label, "night-1");
	assert_string_equal(h.ix.v[0].commit, "aaa1111");
	assert_null(h.ix.v[1].commit);
	assert_null(h.ix.v[2].label);
	assert_index(*state, "n1,n2,n3");

	const struct history_scenario *s = scenario(&h, "creep");
	assert_int_equal(s->rise.soak, 2);
	assert_int_equal(s->rise.metric, METRIC_RSS);
	assert_near(s->rise.from_per_min, 0, 1e-9);
	assert_near(s->rise.to_per_min, 200, 1e-9);
	assert_near(s->rise.margin_per_min, 128, 1e-9);
	history_rise_text(&s->rise, text, sizeof(text));
	assert_string_equal(text, "rss rose +0 -> +200 KiB/min (more than 128, a quarter of its "
			    "gate)");
	s = scenario(&h, "flip");
	assert_int_equal(s->rise.soak, 2);
	assert_int_equal(s->rise.metric, -1);
	assert_string_equal(s->rise.from, "pass");
	assert_string_equal(s->rise.to, "leak");
	assert_int_equal(scenario(&h, "steady")->rise.soak, -1);
	assert_int_equal(scenario(&h, "free")->rise.soak, -1);	/* ungated: never "rose" */
	s = scenario(&h, "late");
	assert_false(s->pt[0].present);
	assert_true(s->pt[2].present);
	assert_int_equal(s->rise.soak, -1);
	history_soak_text(&h, 2, text, sizeof(text));
	assert_string_equal(text, "#3 2026-11-03T02:00:00Z ccc3333");
	history_release(&h);
}

static void test_index_rebuilt(void **state)
{
	struct history_index ix = { 0 };
	char *path = tu_path(*state, RUNFILE_HISTORY_INDEX), *dir = tu_path(*state, "n2"), cmd[512];
	int rebuilt = 0;

	three_nights(*state);
	assert_int_equal(history_index_load(&ix, *state, &rebuilt), 0);
	assert_true(rebuilt);
	history_index_release(&ix);
	/* Read back as written: nothing to rebuild. */
	assert_int_equal(history_index_load(&ix, *state, &rebuilt), 0);
	assert_false(rebuilt);
	assert_int_equal(ix.n, 3);
	history_index_release(&ix);
	/* A folder deleted by hand. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(history_index_load(&ix, *state, &rebuilt), 0);
	assert_true(rebuilt);
	assert_int_equal(ix.n, 2);
	history_index_release(&ix);
	assert_index(*state, "n1,n3");
	/* A soak the index misses (killed before its line), and a torn last line. */
	const char lost[] = "# header\n2026-11-01T02:00:00Z\tnight-1\taaa1111\tn1\n"
			    "2026-11-09T00:00:00Z\tx\ty\tn9";
	tu_spit(path, lost, strlen(lost));
	assert_int_equal(history_index_load(&ix, *state, &rebuilt), 0);
	assert_true(rebuilt);
	assert_int_equal(ix.n, 2);
	assert_string_equal(ix.v[1].dir, "n3");
	assert_string_equal(ix.v[1].commit, "ccc3333");
	history_index_release(&ix);
	assert_index(*state, "n1,n3");
	/* A line that is no index line (a control character in its label). */
	const char bad[] = "2026-11-01T02:00:00Z\tnight\x1b[31m\t\tn1\n";
	tu_spit(path, bad, strlen(bad));
	assert_int_equal(history_index_load(&ix, *state, &rebuilt), 0);
	assert_int_equal(ix.n, 2);
	assert_string_equal(ix.v[0].label, "night-1");
	history_index_release(&ix);
	free(dir);
	free(path);
}

static void test_record_and_lone_soak(void **state)
{
	const struct fx_run one[] = { { "a", "pass", 1, 512 } };
	struct history_index ix = { 0 };
	char *path = tu_path(*state, RUNFILE_HISTORY_INDEX);

	make_soak(*state, "s1", "2026-11-01T00:00:00Z", NULL, NULL, one, 1);
	assert_int_equal(history_index_record(*state, "s1", "2026-11-01T00:00:00Z", "l1", NULL),
			 0);
	assert_int_equal(access(path, F_OK), -1);	/* a lone soak: no index */
	make_soak(*state, "s2", "2026-11-02T00:00:00Z", NULL, NULL, one, 1);
	assert_int_equal(history_index_record(*state, "s2", "2026-11-02T00:00:00Z", "l2", "c2"),
			 0);
	assert_int_equal(history_index_load(&ix, *state, NULL), 0);
	assert_int_equal(ix.n, 2);
	assert_null(ix.v[0].label);	/* its summary.json has none */
	assert_string_equal(ix.v[1].label, "l2");
	assert_string_equal(ix.v[1].commit, "c2");
	history_index_release(&ix);
	/* Recording a soak again replaces its line. */
	assert_int_equal(history_index_record(*state, "s2", "2026-11-02T00:00:00Z", "l2b", NULL),
			 0);
	assert_int_equal(history_index_load(&ix, *state, NULL), 0);
	assert_int_equal(ix.n, 2);
	assert_string_equal(ix.v[1].label, "l2b");
	history_index_release(&ix);
	free(path);
}

static void test_window_and_current(void **state)
{
	const struct fx_run tonight[] = { { "creep", "pass", 400, 512 } };
	struct history h;
	struct report cur;
	char *dir;

	three_nights(*state);
	report_init(&cur);
	dir = tu_path(*state, "n4");
	assert_int_equal(mkdir(dir, 0777), 0);
	add_run(&cur, dir, &tonight[0]);
	snprintf(cur.started_utc, sizeof(cur.started_utc), "2026-11-04T02:00:00Z");
	assert_int_equal(history_load(&h, *state, 2, &cur, dir, "night-4", NULL), 0);
	assert_int_equal(h.ix.n, 2);
	assert_string_equal(h.ix.v[0].dir, "n3");
	assert_string_equal(h.ix.v[1].dir, "n4");
	assert_string_equal(h.ix.v[1].label, "night-4");
	/* Within the window n3..n4: creep 200 -> 400 is a rise (> 128). */
	const struct history_scenario *s = scenario(&h, "creep");
	assert_int_equal(s->rise.soak, 1);
	assert_near(s->pt[1].slope_per_min[METRIC_RSS], 400, 1e-9);
	assert_false(scenario(&h, "flip")->pt[1].present);
	history_release(&h);
	report_release(&cur);
	free(dir);
}

/* A summary.json may hold anything: what is no tag stays out of the index and the table. */
static void test_hostile_summaries(void **state)
{
	const struct fx_run one[] = { { "a", "pass", 1, 512 } };
	struct history h;
	char *buf = NULL, *index_path = tu_path(*state, RUNFILE_HISTORY_INDEX);
	size_t len = 0;
	FILE *f;

	make_soak(*state, "s1", "2026-11-01T00:00:00Z\x1b[2J", "two\tfields", "c1\nforged",
		  one, 1);
	make_soak(*state, "s2", "2026-11-02T00:00:00Z", "ok", NULL, one, 1);
	assert_int_equal(history_load(&h, *state, 30, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(h.ix.n, 2);
	assert_string_equal(h.ix.v[0].dir, "s1");
	assert_string_equal(h.ix.v[0].started_utc, "");
	assert_null(h.ix.v[0].label);
	assert_null(h.ix.v[0].commit);
	assert_non_null(f = open_memstream(&buf, &len));
	history_print(f, &h);
	assert_int_equal(fclose(f), 0);
	assert_null(strchr(buf, '\x1b'));
	free(buf);
	history_release(&h);
	/* The index written from them reads back whole, line for line. */
	char *text = tu_slurp(index_path);
	assert_non_null(text);
	assert_int_equal(strchr(text, '\x1b') == NULL, 1);
	size_t lines = 0;
	for (char *p = text; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, 3);	/* the header and two soaks */
	free(text);
	free(index_path);
}

static void test_tags(void **state)
{
	char long_tag[HISTORY_MAX_TAG + 2];

	(void)state;
	assert_true(history_tag_ok("nightly-2026-11-30"));
	assert_true(history_tag_ok("v1.4 (rc2) é"));
	assert_false(history_tag_ok(""));
	assert_false(history_tag_ok(NULL));
	assert_false(history_tag_ok("a\tb"));
	assert_false(history_tag_ok("a\nb"));
	assert_false(history_tag_ok("\x1b[31mred"));
	assert_false(history_tag_ok("\xc2\x85"));	/* U+0085, a C1 control */
	assert_false(history_tag_ok("\xff\xfe"));	/* not UTF-8 */
	memset(long_tag, 'x', sizeof(long_tag) - 1);
	long_tag[sizeof(long_tag) - 1] = '\0';
	assert_false(history_tag_ok(long_tag));
	long_tag[HISTORY_MAX_TAG] = '\0';
	assert_true(history_tag_ok(long_tag));
}

static void test_json_table_and_trend_data(void **state)
{
	struct history h;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	three_nights(*state);
	assert_int_equal(history_load(&h, *state, 30, NULL, NULL, NULL, NULL), 0);
	json_t *j = history_json(&h);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "soaks")), 3);
	json_t *creep = NULL, *e;
	size_t i;
	json_array_foreach(json_object_get(j, "scenarios"), i, e)
		if (!strcmp(json_string_value(json_object_get(e, "scenario")), "creep"))
			creep = e;
	assert_non_null(creep);
	json_t *rise = json_object_get(creep, "first_rise");
	assert_int_equal(json_integer_value(json_object_get(rise, "soak")), 3);
	assert_string_equal(json_string_value(json_object_get(rise, "what")), "rss");
	json_t *slopes = json_object_get(json_object_get(json_object_get(creep, "metrics"), "rss"),
					 "slope_per_min");
	assert_near(json_number_value(json_array_get(slopes, 1)), 50, 1e-9);
	json_decref(j);

	assert_non_null(f = open_memstream(&buf, &len));
	history_print(f, &h);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(buf, "  flip                     rss             512  PPL  +5 +5 +900\n"));
	assert_non_null(strstr(buf, "  late                     rss             512  ..P  . . +1\n"));
	assert_non_null(strstr(buf, "first rise: #3 2026-11-03T02:00:00Z ccc3333: verdict pass -> "
			       "leak\n"));
	assert_null(strstr(buf, "  free                     rss"));	/* ungated: no line */
	free(buf);

	/* The trend data of creep: rss, threads and fds in percent of their gates. */
	const struct history_scenario *s = scenario(&h, "creep");
	buf = NULL;
	assert_non_null(f = open_memstream(&buf, &len));
	assert_int_equal(history_trend_data(f, &h, (size_t)(s - h.sc)), 3);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, "soak\tlabel\trss\tthreads\tfds\n"
			    "1\tnight-1\t0\t0\t0\n2\tnight-2\t9.76562\t0\t0\n"
			    "3\t2026-11-03T02:00:00Z\t39.0625\t0\t0\n");
	free(buf);
	history_release(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		tu_tmpdir_test(test_rises),
		tu_tmpdir_test(test_index_rebuilt),
		tu_tmpdir_test(test_record_and_lone_soak),
		tu_tmpdir_test(test_window_and_current),
		tu_tmpdir_test(test_hostile_summaries),
		cmocka_unit_test(test_tags),
		tu_tmpdir_test(test_json_table_and_trend_data),
	};

	return cmocka_run_group_tests_name("history", tests, NULL, NULL);
}
