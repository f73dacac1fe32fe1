/*
 * Unit tests for finish, the closing step of `run` and `watch`: the verdict's exit code, and
 * summary.json, stdout and the --metrics-out file in that order, a pass that could not be
 * written turned into exit 3.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "base/diag.h"
#include "cli/finish.h"

/* What fn(arg) printed on stdout, read back from a file in dir. */
static char *stdout_of(const char *dir, void (*fn)(void *), void *arg)
{
	char *path = tu_path(dir, "stdout");
	int saved = dup(STDOUT_FILENO);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(saved >= 0 && fd >= 0);
	fflush(stdout);
	assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	close(fd);
	fn(arg);
	fflush(stdout);
	assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	char *text = tu_slurp(path);
	assert_non_null(text);
	free(path);
	return text;
}

struct conclude_call {
	struct summary_run *r;
	const char *junit, *metrics;
	enum ls_exit code;
};

static void call_conclude(void *arg)
{
	struct conclude_call *c = arg;

	c->code = finish_conclude(c->r, c->junit, c->metrics);
}

/* finish_conclude(r, junit, metrics) with its code in *code; what it printed on stdout. */
static char *conclude(const char *dir, struct summary_run *r, const char *junit,
		      const char *metrics, enum ls_exit *code)
{
	struct conclude_call c = { .r = r, .junit = junit, .metrics = metrics };
	char *out = stdout_of(dir, call_conclude, &c);

	*code = c.code;
	return out;
}

/* A run named "api" that ended with code into out_dir, without a fit (nothing to draw). */
static struct summary_run run_of(const char *out_dir, enum ls_exit code,
				 const struct scenario_gate *g, const struct session_result *s)
{
	return (struct summary_run){
		.name = "api", .scenario_file = "api.json", .out_dir = out_dir,
		.duration_s = 30, .warmup_s = 5, .interval_ms = 100, .gate = g, .session = s,
		.exit_code = code, .started_utc = "2026-11-21T23:45:01Z",
	};
}

static void test_conclude_writes_in_order(void **state)
{
	struct scenario_gate g;
	struct session_result s = { .elapsed_s = 30 };
	char *summary = tu_path(*state, "summary.json"), *junit = tu_path(*state, "junit.xml");
	char *prom = tu_path(*state, "m.prom");

	scenario_gate_defaults(&g);
	struct summary_run r = run_of(*state, LS_EXIT_PASS, &g, &s);
	enum ls_exit code;
	char *out = conclude(*state, &r, junit, prom, &code);

	assert_int_equal(code, LS_EXIT_PASS);
	assert_int_equal(strncmp(out, "api: pass\n", 10), 0);
	assert_non_null(strstr(out, "  results  "));
	/* No samples: no plot line. */
	assert_null(strstr(out, "  plot"));
	assert_int_equal(access(summary, F_OK), 0);
	assert_int_equal(access(junit, F_OK), 0);
	/* The metrics file is the exposition of the summary.json just written. */
	char *text = tu_slurp(prom);
	assert_non_null(text);
	assert_non_null(strstr(text, "leaksoak_verdict{scenario=\"api\",verdict=\"pass\"} 1\n"));
	free(text);
	free(out);
	free(summary);
	free(junit);
	free(prom);
}

static void test_conclude_lost_pass_is_error(void **state)
{
	struct scenario_gate g;
	struct session_result s = { .elapsed_s = 30 };
	char *missing = tu_path(*state, "no/such"), *bad = tu_path(*state, "no/such/m.prom");
	char msg[512];

	scenario_gate_defaults(&g);
	diag_capture(msg, sizeof(msg));
	/* summary.json cannot be written: exit 3, and the lines already say so. */
	struct summary_run r = run_of(missing, LS_EXIT_PASS, &g, &s);
	enum ls_exit code;
	char *out = conclude(*state, &r, NULL, NULL, &code);
	assert_int_equal(code, LS_EXIT_TARGET);
	assert_int_equal(strncmp(out, "api: error\n", 11), 0);
	free(out);

	/* The metrics file cannot be written: a pass becomes exit 3, a leak stays a leak. */
	r = run_of(*state, LS_EXIT_PASS, &g, &s);
	out = conclude(*state, &r, NULL, bad, &code);
	assert_int_equal(code, LS_EXIT_TARGET);
	assert_int_equal(strncmp(out, "api: pass\n", 10), 0);
	free(out);
	r = run_of(*state, LS_EXIT_LEAK, &g, &s);
	free(conclude(*state, &r, NULL, bad, &code));
	assert_int_equal(code, LS_EXIT_LEAK);

	/* An error run: its line on stderr, named. */
	r = run_of(*state, LS_EXIT_TARGET, &g, &s);
	r.error = "target exited with status 7";
	out = conclude(*state, &r, NULL, NULL, &code);
	assert_int_equal(code, LS_EXIT_TARGET);
	assert_non_null(strstr(msg, "api: target exited with status 7"));
	assert_non_null(strstr(out, "  error    target exited with status 7\n"));
	diag_capture(NULL, 0);
	free(out);
	free(missing);
	free(bad);
}

static void test_verdict(void **state)
{
	struct scenario_gate g;
	struct session_result s = { .metrics = metric_builtin_set(), .end = SESSION_COMPLETED };
	struct session_judge j = { .gate = &g, .warmup_s = 1 };
	struct gate_report *rep = calloc(1, sizeof(*rep));
	char err[256] = "";

	(void)state;
	assert_non_null(rep);
	scenario_gate_defaults(&g);
	/* Nothing sampled: too few samples, worded by the command. */
	assert_int_equal(finish_verdict(&s, &j, 1, 30, NULL, rep, err, sizeof(err)), -1);
	/* Settled by an early look: its verdict stands. */
	s.end = SESSION_SETTLED;
	s.decision.leak = 1;
	assert_int_equal(finish_verdict(&s, &j, 1, 30, NULL, rep, err, sizeof(err)),
			 LS_EXIT_LEAK);
	assert_true(rep->leak);
	s.decision.leak = 0;
	assert_int_equal(finish_verdict(&s, &j, 1, 30, NULL, rep, err, sizeof(err)),
			 LS_EXIT_PASS);
	assert_string_equal(err, "");
	free(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		tu_tmpdir_test(test_conclude_writes_in_order),
		tu_tmpdir_test(test_conclude_lost_pass_is_error),
		cmocka_unit_test(test_verdict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
