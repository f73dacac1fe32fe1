/*
 * Unit tests for results: samples.csv and junit.xml against golden files, atomic writes,
 * summary.json's contract keys.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "record/results.h"
#include "out/summary.h"
#include "base/diag.h"

/*
 * The file at path is byte for byte the golden file name.  LEAKSOAK_UPDATE_GOLDEN=1 writes
 * what the writer produced as the new golden file instead (review it with git diff).
 */
static void assert_golden(const char *path, const char *name)
{
	char *golden = tu_path("tests/unit/golden", name);
	char *got = tu_slurp(path);
	char *want;

	assert_non_null(got);
	if (getenv("LEAKSOAK_UPDATE_GOLDEN"))
		tu_spit(golden, got, strlen(got));
	want = tu_slurp(golden);
	assert_non_null(want);
	assert_string_equal(got, want);
	free(got);
	free(want);
	free(golden);
}

static void csv_matches_golden(void **state)
{
	char *path = tu_path(*state, "samples.csv");
	struct results_csv *c = results_csv_open(path, metric_builtin_set());
	struct results_row r1 = {
		.s = { .t_s = 0, .rss_kib = 10240, .rss_anon_kib = 8192, .threads = 3, .fds = 7,
		       .procs = 1, .cpu_s = 0.01 },
		.lazyfree_kib = NAN,
	};
	struct results_row r2 = {
		.s = { .t_s = 0.1, .rss_kib = 10496, .rss_anon_kib = 8448, .threads = 4, .fds = 8,
		       .procs = 2, .cpu_s = 0.02 },
		.lazyfree_kib = 512, .requests = 37, .errors = 1,
	};

	assert_non_null(c);
	results_row_set_sample(&r1, &r1.s);
	results_row_set_sample(&r2, &r2.s);
	assert_int_equal(results_csv_append(c, &r1), 0);
	/* Flushed per row: the file holds the row before the writer is closed. */
	char *partial = tu_slurp(path);
	assert_non_null(partial);
	assert_non_null(strstr(partial, "0.000,10240,3,7,1,0.01,,0,0,8192\n"));
	assert_int_equal(results_csv_append(c, &r2), 0);
	assert_int_equal(results_csv_close(&c), 0);
	assert_null(c);
	assert_golden(path, "samples.csv");
	free(partial);
	free(path);
}

static void junit_matches_golden(void **state)
{
	char *path = tu_path(*state, "junit.xml");
	const struct results_case cases[] = {
		{ "map-delete-churn", "leaksoak.run", 30.25, "leak",
		  "rss grows 2310 KiB/min (gate 512 KiB/min, p<0.001)",
		  "results/map-delete-churn/x" },
		{ "fixed & \"quoted\"", "leaksoak.run", 30.25, "pass", NULL, NULL },
		{ "crash", NULL, 1.0, "error", "target killed by signal 11 (SIGSEGV)", NULL },
	};

	assert_int_equal(results_write_junit(path, "leaksoak", cases, 3), 0);
	assert_golden(path, "junit.xml");
	free(path);
}

static void atomic_write_replaces_whole_file(void **state)
{
	char *path = tu_path(*state, "s.json");
	char *text;

	assert_int_equal(results_write_atomic(path, "old contents, longer\n", 21), 0);
	assert_int_equal(results_write_atomic(path, "new\n", 4), 0);
	text = tu_slurp(path);
	assert_string_equal(text, "new\n");
	free(text);
	/* No temporary file is left beside it. */
	char *tmp = NULL;
	assert_true(asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) > 0);
	assert_int_equal(access(tmp, F_OK), -1);
	free(tmp);
	free(path);
}

static void atomic_write_reports_failure(void **state)
{
	char msg[256];

	(void)state;
	diag_capture(msg, sizeof(msg));
	assert_int_equal(results_write_atomic("/nonexistent-dir/x.json", "x", 1), -1);
	diag_capture(NULL, 0);
	assert_non_null(strstr(msg, "/nonexistent-dir/x.json"));
}

static void mkdir_p_makes_nested_folders(void **state)
{
	char *dir = tu_path(*state, "a/b/c");
	struct stat st;

	assert_int_equal(results_mkdir_p(dir), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(results_mkdir_p(dir), 0);
	free(dir);
}

static void default_dir_is_name_and_utc_stamp(void **state)
{
	char *dir = results_default_dir("res", "map-delete-churn");

	(void)state;
	assert_non_null(dir);
	assert_int_equal(strncmp(dir, "res/map-delete-churn/", 21), 0);
	/* YYYYmmddTHHMMSSZ */
	assert_int_equal(strlen(dir + 21), 16);
	assert_int_equal(dir[21 + 8], 'T');
	assert_int_equal(dir[21 + 15], 'Z');
	free(dir);
}

/* The gate these summaries were written with: RSS 512 KiB/min, threads 1, FDs not gated. */
static struct scenario_gate gate_512_no_fds(void)
{
	struct scenario_gate g;

	scenario_gate_defaults(&g);
	g.per_min[METRIC_RSS] = 512;
	g.per_min[METRIC_FDS] = -1;
	return g;
}

static void summary_error_has_contract_keys(void **state)
{
	struct scenario_gate g = gate_512_no_fds();
	struct session_result sess = { .elapsed_s = 1.5 };
	struct summary_run r = {
		.name = "crash", .scenario_file = "x.json", .out_dir = "results/crash/x",
		.duration_s = 30, .warmup_s = 5, .interval_ms = 100, .gate = &g,
		.session = &sess, .error = "target exited with status 7",
		.exit_code = LS_EXIT_TARGET, .started_utc = "2026-11-21T23:45:01Z",
	};
	json_t *j;

	(void)state;
	j = summary_json(&r);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "verdict")), "error");
	assert_string_equal(json_string_value(json_object_get(j, "started_utc")),
			    "2026-11-21T23:45:01Z");
	assert_string_equal(json_string_value(json_object_get(j, "error")),
			    "target exited with status 7");
	json_t *gate = json_object_get(j, "gate");
	assert_true(json_is_null(json_object_get(gate, "fds_per_min")));
	assert_true(json_real_value(json_object_get(gate, "rss_kib_per_min")) == 512);
	assert_true(json_is_null(json_object_get(j, "driver")));
	json_decref(j);
}

/* drive.exec in summary.json: the command, how it ended, what its tree used. */
static void summary_drive_exec(void **state)
{
	static const char *const cmd[] = { "wrk", "-c", "1", "http://127.0.0.1:4242/", NULL };
	struct scenario_gate g = gate_512_no_fds();
	struct session_result sess = { .elapsed_s = 3.2, .end = SESSION_GENERATOR_FAILED };
	struct generator_totals t = {
		.cpu_s = 0.25, .peak_rss_kib = 4800, .starts = 2, .ended = 1,
		.wstatus = 1 << 8, .ended_at_s = 3.1,
	};
	struct summary_run r = {
		.name = "w", .scenario_file = "x.json", .out_dir = "results/w/x",
		.duration_s = 30, .warmup_s = 5, .interval_ms = 100, .gate = &g,
		.session = &sess, .error = "load generator 'wrk' exited with status 1",
		.exit_code = LS_EXIT_TARGET, .started_utc = "2026-11-21T23:45:01Z",
		.exec_cmd = cmd, .exec_restart = 1, .exec = &t, .exec_end = "exited with status 1",
		.exec_log_tail = "unable to connect",
	};
	json_t *j, *ex;

	(void)state;
	j = summary_json(&r);
	assert_non_null(j);
	ex = json_object_get(j, "drive_exec");
	assert_string_equal(json_string_value(json_array_get(json_object_get(ex, "cmd"), 3)),
			    "http://127.0.0.1:4242/");
	assert_true(json_is_true(json_object_get(ex, "restart")));
	assert_int_equal(json_integer_value(json_object_get(ex, "starts")), 2);
	assert_int_equal(json_integer_value(json_object_get(ex, "exit_status")), 1);
	assert_true(json_is_null(json_object_get(ex, "signal")));
	assert_string_equal(json_string_value(json_object_get(ex, "exit")), "exited with status 1");
	assert_true(json_real_value(json_object_get(ex, "cpu_s")) == 0.25);
	assert_int_equal(json_integer_value(json_object_get(ex, "peak_rss_kib")), 4800);
	assert_true(json_real_value(json_object_get(ex, "ended_at_s")) == 3.1);
	assert_string_equal(json_string_value(json_object_get(ex, "log_tail")), "unable to connect");
	assert_string_equal(json_string_value(json_object_get(j, "stop_reason")), "generator-failed");
	json_decref(j);
}

/* summary.json of a run whose target died, byte for byte (the version aside: it moves). */
static void summary_error_matches_golden(void **state)
{
	struct scenario_gate g = gate_512_no_fds();
	struct session_result sess = { .elapsed_s = 1.5 };
	struct summary_run r = {
		.name = "crash", .scenario_file = "x.json", .out_dir = "results/crash/x",
		.expect = SCENARIO_EXPECT_PASS, .duration_s = 30, .warmup_s = 5,
		.interval_ms = 100, .gate = &g, .session = &sess,
		.error = "target killed by signal 11 (SIGSEGV) after 1.5 s", .has_driver = 1,
		.exit_code = LS_EXIT_TARGET, .started_utc = "2026-11-21T23:45:01Z",
	};
	char *path = tu_path(*state, "summary.json");
	json_t *j = summary_json(&r);

	assert_non_null(j);
	assert_int_equal(json_object_del(j, "leaksoak_version"), 0);
	assert_int_equal(results_write_json(path, j), 0);
	assert_golden(path, "summary-error.json");
	json_decref(j);
	free(path);
}

/* Temporary files are new files: a file or a symlink planted under the name is never used. */
static void temp_files_are_exclusive(void **state)
{
	char *path = tu_path(*state, "summary.json");
	char *victim = tu_path(*state, "victim");
	char *planted = NULL, *tmp = NULL, *got;
	char msg[256];

	tu_spit(victim, "keep", 4);
	assert_true(asprintf(&planted, "%s.tmp.%ld.0", path, (long)getpid()) > 0);
	assert_int_equal(symlink(victim, planted), 0);
	int fd = results_create_temp(path, &tmp);
	assert_true(fd >= 0);
	assert_string_not_equal(tmp, planted);
	close(fd);
	unlink(tmp);
	free(tmp);
	/* The atomic write goes around the planted link and leaves its target alone. */
	assert_int_equal(results_write_atomic(path, "{}\n", 3), 0);
	got = tu_slurp(victim);
	assert_string_equal(got, "keep");
	free(got);
	got = tu_slurp(path);
	assert_string_equal(got, "{}\n");
	free(got);
	/* samples.csv is never written through a link either. */
	char *csv = tu_path(*state, "samples.csv");
	assert_int_equal(symlink(victim, csv), 0);
	diag_capture(msg, sizeof(msg));
	struct results_csv *c = results_csv_open(csv, metric_builtin_set());
	diag_capture(NULL, 0);
	assert_null(c);
	assert_non_null(strstr(msg, "cannot create"));
	got = tu_slurp(victim);
	assert_string_equal(got, "keep");
	free(got);
	free(csv);
	free(planted);
	free(victim);
	free(path);
}

/* Invalid UTF-8 and a long multibyte name cut anywhere never cost the summary or the JUnit. */
static void summary_survives_invalid_utf8(void **state)
{
	struct scenario_gate g = gate_512_no_fds();
	struct session_result sess = { .elapsed_s = 1.5 };
	char error[512], cmd[700] = "cannot start '/xx/";
	struct summary_run r = {
		.name = "crash", .scenario_file = "x\xff.json", .out_dir = "results/\xc3",
		.duration_s = 30, .warmup_s = 5, .interval_ms = 100, .gate = &g,
		.session = &sess, .error = error, .exit_code = LS_EXIT_TARGET,
		.started_utc = "2026-11-21T23:45:01Z",
	};
	char *junit = tu_path(*state, "junit.xml");

	for (int i = 0; i < 300; i++)
		strcat(cmd, "\xc3\xa9");	/* é, 2 bytes: a 512-byte cut can split one */
	snprintf(error, sizeof(error), "%s", cmd);
	json_t *j = summary_json(&r);
	assert_non_null(j);
	const char *e = json_string_value(json_object_get(j, "error"));
	assert_non_null(e);
	assert_non_null(strstr(e, "\xef\xbf\xbd"));	/* the cut character, replaced */
	assert_string_equal(json_string_value(json_object_get(j, "out_dir")),
			    "results/\xef\xbf\xbd");
	json_decref(j);
	struct results_case tc = { .name = "crash\x1b[31m\n::error::x", .time_s = 1,
				   .verdict = "error", .message = error };
	assert_int_equal(results_write_junit(junit, "leaksoak", &tc, 1), 0);
	char *xml = tu_slurp(junit);
	assert_non_null(strstr(xml, "name=\"crash\\x1b[31m\n\\x3a:error::x\""));
	assert_null(strchr(xml, '\x1b'));
	assert_null(strstr(xml, "\xc3<"));
	free(xml);
	free(junit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		tu_tmpdir_test(csv_matches_golden),
		tu_tmpdir_test(junit_matches_golden),
		tu_tmpdir_test(atomic_write_replaces_whole_file),
		cmocka_unit_test(atomic_write_reports_failure),
		tu_tmpdir_test(mkdir_p_makes_nested_folders),
		cmocka_unit_test(default_dir_is_name_and_utc_stamp),
		cmocka_unit_test(summary_error_has_contract_keys),
		cmocka_unit_test(summary_drive_exec),
		tu_tmpdir_test(summary_error_matches_golden),
		tu_tmpdir_test(temp_files_are_exclusive),
		tu_tmpdir_test(summary_survives_invalid_utf8),
	};

	return cmocka_run_group_tests_name("results", tests, NULL, NULL);
}
