/*
 * Unit tests for samples: rows as results_csv_append writes them are read back; a torn last
 * line (a run killed while writing it) is skipped with a warning; malformed rows are skipped
 * and counted; no value out of bounds gets through.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "base/diag.h"
#include "record/results.h"
#include "record/samples.h"

struct seen {
	size_t n;
	double last_t, last_rss;
};

static int collect(const struct samples_header *h, const struct samples_row *r, void *arg)
{
	struct seen *s = arg;

	(void)h;
	s->n++;
	s->last_t = r->t_s;
	s->last_rss = r->rss_kib;
	return 0;
}

/* path written by the real writer: n rows, t = i/10, rss = 1000 + i. */
static void write_rows(const char *path, int n)
{
	struct results_csv *c = results_csv_open(path, metric_builtin_set());

	assert_non_null(c);
	for (int i = 0; i < n; i++) {
		struct results_row r = { .s = { .t_s = i / 10.0, .rss_kib = 1000 + (unsigned)i,
						.threads = 2, .fds = 5, .procs = 1 },
					 .lazyfree_kib = i < 3 ? NAN : 7, .requests = 9 };
		results_row_set_sample(&r, &r.s);
		assert_int_equal(results_csv_append(c, &r), 0);
	}
	assert_int_equal(results_csv_close(&c), 0);
}

static void append(const char *path, const char *text)
{
	FILE *f = fopen(path, "a");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_reads_what_results_writes(void **state)
{
	char *path = tu_path(*state, "samples.csv");
	struct samples_stats st;
	struct seen s = { 0 };
	char msg[256] = "";

	write_rows(path, 25);
	diag_capture(msg, sizeof(msg));
	assert_int_equal(samples_read_path(path, collect, &s, &st), 0);
	diag_capture(NULL, 0);
	assert_int_equal(s.n, 25);
	assert_int_equal(st.rows, 25);
	assert_int_equal(st.skipped, 0);
	assert_int_equal(st.torn_last, 0);
	assert_near(s.last_t, 2.4, 1e-9);
	assert_near(s.last_rss, 1024, 1e-9);
	assert_string_equal(msg, "");
	free(path);
}

/* kill -9 mid-row: the partial last line is skipped with a warning, the rest is read. */
static void test_torn_last_line(void **state)
{
	static const char *const torn[] = { "2.500,10", "2.500,1025,2,5,1,0.00,7,9,0", "2", "," };
	char *path = tu_path(*state, "samples.csv");
	char msg[256];

	for (size_t i = 0; i < sizeof(torn) / sizeof(torn[0]); i++) {
		struct samples_stats st;
		struct seen s = { 0 };
		write_rows(path, 25);
		append(path, torn[i]);	/* no line break: cut short */
		diag_capture(msg, sizeof(msg));
		assert_int_equal(samples_read_path(path, collect, &s, &st), 0);
		diag_capture(NULL, 0);
		assert_int_equal(s.n, 25);
		assert_int_equal(st.torn_last, 1);
		assert_int_equal(st.skipped, 1);
		assert_near(s.last_rss, 1024, 1e-9);
		assert_non_null(strstr(msg, "samples.csv:27: the last line is torn"));
	}
	free(path);
}

/* Lines that are not rows in the middle are skipped and counted in one warning. */
static void test_malformed_rows(void **state)
{
	static const char *const bad[] = {
		"1,2,3\n", "x,1,1,1,1,1,,1,1,0\n", "1,-5,1,1,1,1,,1,1,0\n",
		"1,nan,1,1,1,1,,1,1,0\n", "1,1e300,1,1,1,1,,1,1,0\n", "1,0x10,1,1,1,1,,1,1,0\n",
		"1,1,1,1,1,1,,1,1,0,extra\n", "1, 2,1,1,1,1,,1,1,0\n", "1,1,1,1,1,1,,1,1,\n",
	};
	char *path = tu_path(*state, "samples.csv");
	struct samples_stats st;
	struct seen s = { 0 };
	char msg[256];

	write_rows(path, 2);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		append(path, bad[i]);
	append(path, "9.000,2000,2,5,1,0.00,,0,0,1500\n");
	diag_capture(msg, sizeof(msg));
	assert_int_equal(samples_read_path(path, collect, &s, &st), 0);
	diag_capture(NULL, 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(st.skipped, 9);
	assert_int_equal(st.torn_last, 0);
	assert_near(s.last_rss, 2000, 1e-9);
	assert_non_null(strstr(msg, "samples.csv:4: 9 lines that are not sample rows skipped"));
	free(path);
}

struct series_seen {
	size_t n;
	char names[2][SAMPLES_NAME_MAX];
	double anon[3], goroutines[3], delta[3];
};

static int collect_series(const struct samples_header *h, const struct samples_row *r,
			  void *arg)
{
	struct series_seen *s = arg;

	assert_int_equal(h->n_series, 2);
	memcpy(s->names, h->series, sizeof(s->names));
	s->anon[s->n] = r->metric[METRIC_RSS_ANON];
	s->goroutines[s->n] = r->metric[METRIC_N_BUILTIN];
	s->delta[s->n] = r->metric[METRIC_N_BUILTIN + 1];
	s->n++;
	return 0;
}

/* Series columns, as the writer names them, come back by index; an empty cell is NaN. */
static void test_series_columns(void **state)
{
	char *path = tu_path(*state, "samples.csv");
	struct metric_set set;
	struct series_seen s = { 0 };
	struct results_csv *c;

	metric_set_init(&set);
	assert_int_equal(metric_set_add_series(&set, "go_goroutines"), METRIC_N_BUILTIN);
	assert_int_equal(metric_set_add_series(&set, "queue_delta"), METRIC_N_BUILTIN + 1);
	c = results_csv_open(path, &set);
	assert_non_null(c);
	for (int i = 0; i < 3; i++) {
		struct results_row r = { .s = { .t_s = i, .rss_kib = 900, .rss_anon_kib = 700 + i },
					 .lazyfree_kib = NAN };
		results_row_set_sample(&r, &r.s);
		r.metric[METRIC_N_BUILTIN] = i == 0 ? NAN : 10 * i;
		r.metric[METRIC_N_BUILTIN + 1] = -2.5 * i;
		assert_int_equal(results_csv_append(c, &r), 0);
	}
	assert_int_equal(results_csv_close(&c), 0);
	assert_int_equal(samples_read_path(path, collect_series, &s, NULL), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.names[0], "go_goroutines");
	assert_string_equal(s.names[1], "queue_delta");
	assert_near(s.anon[2], 702, 1e-9);
	assert_true(isnan(s.goroutines[0]));
	assert_near(s.goroutines[2], 20, 1e-9);
	assert_near(s.delta[2], -5, 1e-9);
	free(path);
}

/* A samples.csv from before rss_anon_kib is read as before, rss_anon NaN. */
static void test_older_header(void **state)
{
	char *path = tu_path(*state, "samples.csv");
	static const char old[] = "t_s,rss_kib,threads,fds,procs,cpu_s,lazyfree_kib,requests,"
				  "errors\n0.000,1000,2,5,1,0.00,,0,0\n0.100,1001,2,5,1,0.00,,0,0\n";
	struct seen s = { 0 };
	char msg[256];

	tu_spit(path, old, sizeof(old) - 1);
	assert_int_equal(samples_read_path(path, collect, &s, NULL), 0);
	assert_int_equal(s.n, 2);
	assert_near(s.last_rss, 1001, 1e-9);
	/* Columns leaksoak never writes, or fixed columns out of order, are not a samples.csv. */
	tu_spit(path, "t_s,threads,rss_kib\n0,1,2\n", 26);
	diag_capture(msg, sizeof(msg));
	assert_int_equal(samples_read_path(path, collect, NULL, NULL), -1);
	diag_capture(NULL, 0);
	assert_non_null(strstr(msg, "the header names columns leaksoak does not write"));
	struct samples_header h;
	assert_int_equal(samples_parse_header("t_s,rss_kib,threads,fds,procs,cpu_s,lazyfree_kib,"
					      "requests,errors,rss_anon_kib,rss_anon_kib", &h), -1);
	assert_int_equal(samples_parse_header("t_s,rss_kib,threads,fds,procs,cpu_s,lazyfree_kib,"
					      "requests,errors,go_goroutines,rss_anon_kib", &h), 0);
	assert_int_equal(h.more[0], METRIC_N_BUILTIN);
	assert_int_equal(h.more[1], METRIC_RSS_ANON);
	assert_true(h.has_builtin[METRIC_RSS_ANON] && h.has_builtin[METRIC_FDS]);
	free(path);
}

static void test_not_a_samples_file(void **state)
{
	char *path = tu_path(*state, "samples.csv");
	char msg[256];

	tu_spit(path, "{\"x\": 1}\n", 9);
	diag_capture(msg, sizeof(msg));
	assert_int_equal(samples_read_path(path, collect, NULL, NULL), -1);
	assert_non_null(strstr(msg, "has no samples.csv header"));
	assert_int_equal(samples_read_path("/nonexistent/samples.csv", collect, NULL, NULL), -1);
	assert_non_null(strstr(msg, "cannot read '/nonexistent/samples.csv'"));
	diag_capture(NULL, 0);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		tu_tmpdir_test(test_reads_what_results_writes),
		tu_tmpdir_test(test_torn_last_line),
		tu_tmpdir_test(test_malformed_rows),
		tu_tmpdir_test(test_series_columns),
		tu_tmpdir_test(test_older_header),
		tu_tmpdir_test(test_not_a_samples_file),
	};

	return cmocka_run_group_tests_name("samples", tests, NULL, NULL);
}
