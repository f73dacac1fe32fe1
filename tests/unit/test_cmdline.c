/*
 * test_cmdline — the scenario of `leaksoak run [options] -- CMD`: the options land in the keys
 * they twin, what was not given keeps the loader's defaults, --save-scenario writes a file
 * that loads into the same struct, and the loader's messages name the options.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/cmdline.h"
#include "base/diag.h"
#include "scenario/scenario.h"

static char dir[256];
static char saved[300];
static char msg[2048];

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_cmdline.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(saved, sizeof(saved), "%s/saved.json", dir);
	diag_capture(msg, sizeof(msg));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	diag_capture(NULL, 0);
	unlink(saved);
	return rmdir(dir);
}

static const char *argv_map_churn[] = { "targets/bin/map-churn", "--port", "{port}", NULL };

static void assert_strv_equal(char **a, char **b)
{
	size_t i = 0;

	for (; a[i] && b[i]; i++)
		assert_string_equal(a[i], b[i]);
	assert_null(a[i]);
	assert_null(b[i]);
}

/* Everything a command line can set is the same in both structs. */
static void assert_same_run(const struct scenario *a, const struct scenario *b)
{
	assert_string_equal(a->name, b->name);
	assert_strv_equal(a->cmd, b->cmd);
	assert_strv_equal(a->env, b->env);
	if (a->ready_url || b->ready_url)
		assert_string_equal(a->ready_url, b->ready_url);
	assert_true(a->ready_timeout_s == b->ready_timeout_s);
	assert_int_equal(a->has_drive, b->has_drive);
	assert_int_equal(a->drive.n_requests, b->drive.n_requests);
	for (size_t i = 0; i < a->drive.n_requests; i++) {
		assert_string_equal(a->drive.requests[i].url, b->drive.requests[i].url);
		assert_string_equal(a->drive.requests[i].method, b->drive.requests[i].method);
	}
	assert_true(a->drive.rate_per_s == b->drive.rate_per_s);
	assert_int_equal(a->drive.concurrency, b->drive.concurrency);
	assert_int_equal(a->drive.allow_remote, b->drive.allow_remote);
	assert_true(a->duration_s == b->duration_s);
	assert_true(a->warmup_s == b->warmup_s);
	assert_int_equal(a->interval_ms, b->interval_ms);
	assert_int_equal(a->lazyfree_interval_ms, b->lazyfree_interval_ms);
	assert_int_equal(a->metrics.n, b->metrics.n);
	for (size_t i = 0; i < METRIC_MAX; i++)
		assert_true(a->gate.per_min[i] == b->gate.per_min[i]);
	assert_int_equal(a->gate.rss_discount_lazyfree, b->gate.rss_discount_lazyfree);
	assert_true(a->gate.alpha == b->gate.alpha);
	assert_int_equal(a->early_stop, b->early_stop);
	assert_int_equal(a->expect, b->expect);
}

static void test_every_option(void **state)
{
	struct cmdline_opts o;
	struct scenario from_cmd, from_file;

	(void)state;
	cmdline_opts_init(&o);
	o.cmd = argv_map_churn;
	o.name = "churn-1";
	o.ready_url = "http://127.0.0.1:{port}/healthz";
	o.ready_timeout_s = 2.5;
	o.url = "http://127.0.0.1:{port}/r?trace={uuid}";
	o.rate_per_s = 500;
	o.concurrency = 3;
	o.duration_s = 20;
	o.warmup_s = 0;
	o.interval_ms = 50;
	o.gate[METRIC_RSS] = 2048;
	o.gate[METRIC_RSS_ANON] = 0.1234567891;
	o.gate[METRIC_FDS] = 0;
	o.save = saved;
	assert_int_equal(cmdline_scenario(&o, &from_cmd), 0);
	assert_string_equal(from_cmd.name, "churn-1");
	assert_string_equal(from_cmd.path, "command line");
	assert_string_equal(from_cmd.ready_url, "http://127.0.0.1:{port}/healthz");
	assert_true(from_cmd.ready_timeout_s == 2.5);
	assert_true(from_cmd.has_drive);
	assert_string_equal(from_cmd.drive.requests[0].url, o.url);
	assert_true(from_cmd.drive.rate_per_s == 500);
	assert_int_equal(from_cmd.drive.concurrency, 3);
	assert_true(from_cmd.duration_s == 20);
	assert_true(from_cmd.warmup_s == 0);
	assert_int_equal(from_cmd.interval_ms, 50);
	assert_true(from_cmd.gate.per_min[METRIC_RSS] == 2048);
	assert_true(from_cmd.gate.per_min[METRIC_FDS] == 0);
	assert_true(from_cmd.gate.per_min[METRIC_THREADS] == 1);	/* the default */
	/* the saved file is the same run */
	assert_int_equal(scenario_load(saved, &from_file), 0);
	assert_same_run(&from_cmd, &from_file);
	scenario_release(&from_cmd);
	scenario_release(&from_file);
}

/* Nothing but the command: the loader's defaults, the program's name, no driver. */
static void test_defaults(void **state)
{
	struct cmdline_opts o;
	struct scenario from_cmd, from_file;
	const char *cmd[] = { "/usr/bin/py thon3.11", "app.py", NULL };

	(void)state;
	cmdline_opts_init(&o);
	o.cmd = cmd;
	o.save = saved;
	assert_int_equal(cmdline_scenario(&o, &from_cmd), 0);
	assert_string_equal(from_cmd.name, "py_thon3.11");
	assert_false(from_cmd.has_drive);
	assert_null(from_cmd.ready_url);
	assert_true(from_cmd.duration_s == 30);
	assert_true(from_cmd.warmup_s == 5);
	assert_int_equal(scenario_load(saved, &from_file), 0);
	assert_same_run(&from_cmd, &from_file);
	scenario_release(&from_cmd);
	scenario_release(&from_file);
}

static void assert_fails_with(struct cmdline_opts *o, const char *want)
{
	struct scenario s;

	msg[0] = '\0';
	assert_int_equal(cmdline_scenario(o, &s), -1);
	assert_string_equal(msg, want);
	assert_null(s.name);
	assert_int_equal(access(saved, F_OK), -1);	/* nothing saved for a bad command line */
}

static void test_errors_name_options(void **state)
{
	struct cmdline_opts o;
	const char *cmd[] = { "t", "{nope}", NULL };

	(void)state;
	unlink(saved);
	cmdline_opts_init(&o);
	o.cmd = argv_map_churn;
	o.save = saved;
	o.url = "http://10.0.0.1:{port}/";
	assert_fails_with(&o, "run: --url: host '10.0.0.1' is not loopback (pass --allow-remote "
			  "to allow it)");
	o.url = "http://127.0.0.1:{port}/";
	o.warmup_s = 60;
	assert_fails_with(&o, "run: '--warmup' must be less than '--duration' (got 60, --duration "
			  "is 30)");
	o.warmup_s = -1;
	o.ready_url = "http://127.0.0.1:{port}/{seq}";
	assert_fails_with(&o, "run: placeholder '{seq}' in '--ready-url' is only expanded in drive "
			  "requests (url, headers and body; use {port} here)");
	o.ready_url = NULL;
	o.cmd = cmd;
	assert_fails_with(&o, "run: unknown placeholder '{nope}' in '-- CMD[1]' (known: {port}, "
			  "{seq}, {uuid})");
}

static void test_option_of(void **state)
{
	(void)state;
	assert_string_equal(cmdline_option_of("drive.http.url"), "--url");
	assert_string_equal(cmdline_option_of("gate.rss_kib_per_min"), "--max-rss-kib-per-min");
	assert_string_equal(cmdline_option_of("gate.fds_per_min"), "--max-fds-per-min");
	assert_null(cmdline_option_of("drive.http"));
	assert_null(cmdline_option_of("gate.alpha"));
}

static void test_check_program(void **state)
{
	const char *missing[] = { "./no/such/program", NULL };
	const char *bare[] = { "no-such-program-on-path", NULL };
	const char *empty[] = { "", NULL };
	const char *none[] = { NULL };
	const char *sh[] = { "sh", NULL };
	const char *abs[] = { "/bin/sh", NULL };

	(void)state;
	assert_int_equal(cmdline_check_program(sh), 0);
	assert_int_equal(cmdline_check_program(abs), 0);
	assert_int_equal(cmdline_check_program(missing), -1);
	assert_non_null(strstr(msg, "run: program './no/such/program' not found"));
	assert_int_equal(cmdline_check_program(bare), -1);
	assert_non_null(strstr(msg, "looked up in PATH"));
	assert_int_equal(cmdline_check_program(empty), -1);
	assert_non_null(strstr(msg, "must name a program"));
	assert_int_equal(cmdline_check_program(none), -1);
	assert_non_null(strstr(msg, "missing command after '--'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_option),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_errors_name_options),
		cmocka_unit_test(test_option_of),
		cmocka_unit_test(test_check_program),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
