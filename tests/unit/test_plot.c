/*
 * Unit tests for plot: the gnuplot command line built from hand-made run folders (values
 * from summary.json and samples.csv, gnuplot quoting, thinning of long runs, refusals), and
 * finding gnuplot on PATH.  Drawing itself is tested end to end (tests/e2e/t3000-plot.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "base/diag.h"
#include "out/plot.h"

static const char summary_json[] =
	"{\"scenario\": \"map-churn\", \"verdict\": \"leak\", \"warmup_s\": 5,\n"
	" \"metrics\": {\"rss\": {\"basis\": \"rss-lazyfree\", \"gate_per_min\": 512,\n"
	"   \"theil_sen\": {\"slope_per_min\": 2400, \"intercept\": 19870}},\n"
	"   \"threads\": {\"failed\": true, \"slope_per_min\": 300, \"gate_per_min\": 20},\n"
	"   \"fds\": {\"failed\": false, \"slope_per_min\": 0, \"gate_per_min\": 1}}}\n";

/* samples.csv with rows rows of 24 MiB-ish RSS; LazyFree from row 10 when lazy. */
static void write_samples(const char *dir, size_t rows, int lazy)
{
	char *path = tu_path(dir, "samples.csv");
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs("t_s,rss_kib,threads,fds,procs,cpu_s,lazyfree_kib,requests,errors\n", f);
	for (size_t i = 0; i < rows; i++) {
		char lz[16] = "";
		if (lazy && i >= 10)
			snprintf(lz, sizeof(lz), "%zu", 100 + i % 7);
		fprintf(f, "%.3f,%zu,%u,%u,1,0.00,%s,0,0\n", (double)i / 10, 24000 + i,
			4 + (i > 5), 10 + (unsigned)(i % 3), lz);
	}
	assert_int_equal(fclose(f), 0);
	free(path);
}

/* The value of -e "name=..." in argv, or NULL. */
static const char *var(char **argv, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 1; argv[i] && argv[i + 1]; i++)
		if (!strcmp(argv[i], "-e") && !strncmp(argv[i + 1], name, len) &&
		    argv[i + 1][len] == '=')
			return argv[i + 1] + len + 1;
	return NULL;
}

/* ARGn of `-c script ARG1 ...`: the strings gnuplot gets without parsing them; NULL if absent. */
static const char *arg(char **argv, int n)
{
	for (size_t i = 1; argv[i]; i++)
		if (!strcmp(argv[i], "-c")) {
			for (int k = 0; k <= n; k++)
				if (!argv[i + 1 + k])
					return NULL;
			return argv[i + 1 + n];
		}
	return NULL;
}

static size_t argc_of(char **argv)
{
	size_t n = 0;

	while (argv[n])
		n++;
	return n;
}

static void test_values_from_the_run(void **state)
{
	char *summary = tu_path(*state, "summary.json");
	char *out = tu_path(*state, "rss.png");
	char *csv_var = NULL;

	write_samples(*state, 301, 1);
	tu_spit(summary, summary_json, strlen(summary_json));
	char **argv = plot_gnuplot_argv("/usr/bin/gnuplot", "plot/run.gp", *state, out, PLOT_PNG);
	assert_non_null(argv);
	assert_string_equal(argv[0], "/usr/bin/gnuplot");
	assert_string_equal(argv[argc_of(argv) - 9], "-c");
	assert_string_equal(arg(argv, 0), "plot/run.gp");
	assert_true(asprintf(&csv_var, "%s/samples.csv", (char *)*state) > 0);
	assert_string_equal(arg(argv, 1), csv_var);
	assert_string_equal(arg(argv, 2), out);
	assert_string_equal(arg(argv, 3), "pngcairo");
	assert_string_equal(arg(argv, 4),
			    "map-churn: leak, rss − lazyfree +2400.0 KiB/min (gate 512 KiB/min), "
			    "threads +300/min (gate 20)");
	assert_string_equal(var(argv, "warmup"), "5");
	assert_string_equal(var(argv, "tend"), "30");
	assert_string_equal(var(argv, "stride"), "1");
	assert_string_equal(arg(argv, 5), "MiB");
	assert_string_equal(var(argv, "rss_div"), "1024");
	assert_string_equal(var(argv, "has_lazy"), "1");
	assert_string_equal(var(argv, "has_fit"), "1");
	assert_string_equal(var(argv, "fit_slope"), "2400");
	assert_string_equal(var(argv, "fit_icpt"), "19870");
	assert_string_equal(var(argv, "fit_net"), "1");
	assert_string_equal(var(argv, "has_gate"), "1");
	assert_string_equal(var(argv, "gate"), "512");
	/* Flat-ish counts get explicit ranges: gnuplot cannot autoscale a constant. */
	assert_string_equal(var(argv, "th_lo"), "3.5");
	assert_string_equal(var(argv, "th_hi"), "5.5");
	assert_string_equal(var(argv, "fd_lo"), "9.5");
	assert_string_equal(var(argv, "fd_hi"), "12.5");
	/* No Prometheus series: no panel for them. */
	assert_string_equal(var(argv, "n_ser"), "0");
	assert_string_equal(arg(argv, 6), "");
	assert_string_equal(arg(argv, 7), "");
	plot_argv_free(argv);
	free(csv_var);
	free(summary);
	free(out);
}

/* Prometheus series get their own panel: those with readings, by name and column. */
static void test_series_panel(void **state)
{
	static const char csv[] =
		"t_s,rss_kib,threads,fds,procs,cpu_s,lazyfree_kib,requests,errors,rss_anon_kib,"
		"go_goroutines,never_read,heap_bytes\n"
		"0.000,100,1,3,1,0.00,,0,0,50,,,\n"
		"0.100,110,1,3,1,0.00,,0,0,55,7,,1024\n"
		"0.200,120,1,3,1,0.00,,0,0,60,9,,2048\n";
	char *path = tu_path(*state, "samples.csv");
	char *out = tu_path(*state, "rss.png");
	char **argv;

	tu_spit(path, csv, strlen(csv));
	argv = plot_gnuplot_argv("gnuplot", "run.gp", *state, out, PLOT_PNG);
	assert_non_null(argv);
	/* A series without a single reading is left out: gnuplot cannot draw it. */
	assert_string_equal(var(argv, "n_ser"), "2");
	assert_string_equal(arg(argv, 6), "go_goroutines heap_bytes");
	assert_string_equal(arg(argv, 7), "11 13");
	plot_argv_free(argv);
	free(path);
	free(out);
}

static void test_without_summary(void **state)
{
	char *out = tu_path(*state, "rss.svg");

	write_samples(*state, 50, 0);
	char **argv = plot_gnuplot_argv("gnuplot", "run.gp", *state, out, PLOT_SVG);
	assert_non_null(argv);
	assert_string_equal(arg(argv, 3), "svg");
	assert_string_equal(var(argv, "has_fit"), "0");
	assert_string_equal(var(argv, "has_gate"), "0");
	assert_string_equal(var(argv, "has_lazy"), "0");
	assert_string_equal(var(argv, "warmup"), "0");
	assert_non_null(strstr(arg(argv, 4), ": no summary.json yet"));
	plot_argv_free(argv);
	free(out);
}

static void test_long_runs_are_thinned(void **state)
{
	write_samples(*state, 45000, 0);
	char **argv = plot_gnuplot_argv("gnuplot", "run.gp", *state, "x.png", PLOT_PNG);
	assert_non_null(argv);
	assert_string_equal(var(argv, "stride"), "3");
	plot_argv_free(argv);
}

/*
 * Folder names that gnuplot would run as commands ('<cmd', '|cmd' open pipes) or that would
 * break its string syntax reach it as plain arguments, relative ones behind "./".
 */
static void test_hostile_paths_stay_data(void **state)
{
	static const char *const names[] = { "<touch X #", "|touch X #", "it's", "a\"b;c",
					     "line\nbreak", "-" };
	char *cwd = getcwd(NULL, 0);

	assert_non_null(cwd);
	assert_int_equal(chdir(*state), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *want = NULL, *out = NULL;
		assert_int_equal(mkdir(names[i], 0777), 0);
		write_samples(names[i], 20, 0);
		assert_true(asprintf(&out, "%s/rss.png", names[i]) > 0);
		char **argv = plot_gnuplot_argv("gnuplot", "run.gp", names[i], out, PLOT_PNG);
		assert_non_null(argv);
		assert_true(asprintf(&want, "./%s/samples.csv", names[i]) > 0);
		assert_string_equal(arg(argv, 1), want);
		free(want);
		assert_true(asprintf(&want, "./%s/rss.png", names[i]) > 0);
		assert_string_equal(arg(argv, 2), want);
		/* No string of ours goes through -e: only numbers do. */
		for (size_t k = 1; argv[k] && strcmp(argv[k], "-c"); k += 2) {
			assert_string_equal(argv[k], "-e");
			assert_null(strpbrk(argv[k + 1], "'\"\n;<|"));
		}
		/* The title (the folder name, no summary) has no control character left. */
		assert_null(strchr(arg(argv, 4), '\n'));
		plot_argv_free(argv);
		free(want);
		free(out);
	}
	assert_int_equal(chdir(cwd), 0);
	free(cwd);
}

static void test_refusals(void **state)
{
	char msg[256];

	diag_capture(msg, sizeof(msg));
	write_samples(*state, 1, 0);
	assert_null(plot_gnuplot_argv("gnuplot", "run.gp", *state, "x.png", PLOT_PNG));
	assert_non_null(strstr(msg, "has 1 sample rows"));
	assert_null(plot_gnuplot_argv("gnuplot", "run.gp", "/nonexistent", "x.png", PLOT_PNG));
	assert_non_null(strstr(msg, "is this a leaksoak run folder?"));
	diag_capture(NULL, 0);
}

static void test_find_gnuplot(void **state)
{
	static const char script[] = "#!/bin/sh\n";
	char *fake = tu_path(*state, "gnuplot");
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	char *path = NULL;

	tu_spit(fake, script, strlen(script));
	assert_int_equal(chmod(fake, 0755), 0);
	assert_true(asprintf(&path, "/nonexistent:%s", (char *)*state) > 0);
	setenv("PATH", path, 1);
	char *found = plot_find_gnuplot();
	assert_non_null(found);
	assert_string_equal(found, fake);
	free(found);
	setenv("PATH", "/nonexistent", 1);
	assert_null(plot_find_gnuplot());
	if (old)
		setenv("PATH", old, 1);
	free(old);
	free(path);
	free(fake);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		tu_tmpdir_test(test_values_from_the_run),
		tu_tmpdir_test(test_series_panel),
		tu_tmpdir_test(test_without_summary),
		tu_tmpdir_test(test_long_runs_are_thinned),
		tu_tmpdir_test(test_hostile_paths_stay_data),
		tu_tmpdir_test(test_refusals),
		tu_tmpdir_test(test_find_gnuplot),
	};

	return cmocka_run_group_tests_name("plot", tests, NULL, NULL);
}
