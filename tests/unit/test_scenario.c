/*
 * test_scenario — loading scenario files: every class of error with the exact file:line:col
 * and key path it must name, a full scenario and the defaults, request mixes, the loopback
 * rule, placeholders, and binding the port.
 *
 * Scenarios are written to a temporary directory.  In the JSON texts below ' stands for ", so
 * they read like the files users write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "base/diag.h"
#include "run/port.h"
#include "scenario/scenario.h"
#include "base/template.h"

static char dir[256];
static char file[300];
static char msg[2048];

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_scenario.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(file, sizeof(file), "%s/x.json", dir);
	diag_capture(msg, sizeof(msg));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	diag_capture(NULL, 0);
	unlink(file);
	return rmdir(dir);
}

/* Write text to the scenario file with every ' turned into ". */
static void write_scenario(const char *text)
{
	FILE *f = fopen(file, "w");

	assert_non_null(f);
	for (const char *p = text; *p; p++)
		fputc(*p == '\'' ? '"' : *p, f);
	assert_int_equal(fclose(f), 0);
}

static int load(const char *text, struct scenario *s)
{
	write_scenario(text);
	msg[0] = '\0';
	return scenario_load(file, s);
}

static void load_ok(const char *text, struct scenario *s)
{
	int rc = load(text, s);

	if (rc != 0)
		fail_msg("unexpected error: %s", msg);
}

static void assert_owns_nothing(const struct scenario *s)
{
	assert_null(s->path);
	assert_null(s->name);
	assert_null(s->cmd);
	assert_null(s->env);
	assert_null(s->drive.requests);
	assert_null(s->exec.cmd);
	assert_null(s->exec.env);
	assert_null(s->prometheus.url);
	assert_null(s->prometheus.series);
}

/* The load fails with exactly "<file><want>", want starting at the ':' after the file. */
static void assert_error_at(const char *text, const char *want)
{
	struct scenario s;
	char expected[2048];

	assert_int_equal(load(text, &s), -1);
	snprintf(expected, sizeof(expected), "%s%s", file, want);
	assert_string_equal(msg, expected);
	assert_owns_nothing(&s);
}

/* The load fails naming the file, somewhere, and ending in ": <want>". */
static void assert_error(const char *text, const char *want)
{
	struct scenario s;
	size_t n, w = strlen(want);

	assert_int_equal(load(text, &s), -1);
	n = strlen(msg);
	if (strncmp(msg, file, strlen(file)) != 0 || n < w + 2 ||
	    strcmp(msg + n - w, want) != 0 || msg[n - w - 2] != ':')
		fail_msg("got      '%s'\nexpected '...: %s'", msg, want);
	assert_owns_nothing(&s);
}

/* A one-line scenario: name, then extra top-level members (valid until the next call). */
static const char *named(const char *extra)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "{'name': 'x', %s}", extra);
	return buf;
}

/* A one-line scenario: name, target.cmd, then extra top-level members. */
static const char *with(const char *extra)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "{'name': 'x', 'target': {'cmd': ['t']}, %s}", extra);
	return buf;
}

/* ---- a full scenario, defaults, mixes ---- */

static const char full[] =
	"{\n"
	"  'name': 'full-1.0_x',\n"
	"  'description': 'all keys on {port}',\n"
	"  'target': {\n"
	"    'cmd': ['targets/bin/x', '--port', '{port}', '--literal={{port}'],\n"
	"    'env': {'A': '1', 'PORT': '{port}'},\n"
	"    'ready': {'http_get': 'http://127.0.0.1:{port}/healthz', 'timeout_s': 2.5},\n"
	"    'stop_grace_s': 0\n"
	"  },\n"
	"  'drive': {\n"
	"    'http': {'method': 'POST', 'url': 'http://localhost:{port}/r?n={seq}',\n"
	"             'headers': {'X-Id': '{uuid}', 'Content-Type': 'text/plain'},\n"
	"             'body': 'p={port}&id={uuid}&lit={{port}',\n"
	"             'rate_per_s': 2000, 'concurrency': 16, 'timeout_s': 0.5, 'threads': 3},\n"
	"    'allow_remote': false\n"
	"  },\n"
	"  'duration_s': 60.5,\n"
	"  'warmup_s': 0,\n"
	"  'sample': {'interval_ms': 10, 'lazyfree_interval_ms': 0},\n"
	"  'gate': {'rss_kib_per_min': 512.5, 'threads_per_min': null, 'fds_per_min': 0,\n"
	"           'rss_discount_lazyfree': false, 'alpha': 0.05},\n"
	"  'expect': 'leak'\n"
	"}\n";

static void test_full(void **state)
{
	struct scenario s;
	struct scenario_request *r;

	(void)state;
	load_ok(full, &s);
	assert_string_equal(s.path, file);
	assert_string_equal(s.name, "full-1.0_x");
	assert_string_equal(s.description, "all keys on {port}");
	assert_string_equal(s.cmd[0], "targets/bin/x");
	assert_string_equal(s.cmd[2], "{port}");
	assert_string_equal(s.cmd[3], "--literal={{port}");
	assert_null(s.cmd[4]);
	assert_string_equal(s.env[0], "A=1");
	assert_string_equal(s.env[1], "PORT={port}");
	assert_null(s.env[2]);
	assert_string_equal(s.ready_url, "http://127.0.0.1:{port}/healthz");
	assert_true(s.ready_timeout_s == 2.5);
	assert_true(s.stop_grace_s == 0);
	assert_true(s.has_drive);
	assert_int_equal(s.drive.n_requests, 1);
	r = &s.drive.requests[0];
	assert_string_equal(r->method, "POST");
	assert_string_equal(r->url, "http://localhost:{port}/r?n={seq}");
	assert_string_equal(r->headers[0], "X-Id: {uuid}");
	assert_string_equal(r->headers[1], "Content-Type: text/plain");
	assert_null(r->headers[2]);
	assert_string_equal(r->body, "p={port}&id={uuid}&lit={{port}");
	assert_int_equal(r->weight, 1);
	assert_true(s.drive.rate_per_s == 2000);
	assert_int_equal(s.drive.concurrency, 16);
	assert_int_equal(s.drive.threads, 3);
	assert_true(s.drive.timeout_s == 0.5);
	assert_false(s.drive.allow_remote);
	assert_true(s.duration_s == 60.5);
	assert_true(s.warmup_s == 0);
	assert_int_equal(s.interval_ms, 10);
	assert_int_equal(s.lazyfree_interval_ms, 0);
	assert_true(s.gate.per_min[METRIC_RSS] == 512.5);
	assert_true(s.gate.per_min[METRIC_THREADS] == -1);	/* null: not gated */
	assert_true(s.gate.per_min[METRIC_FDS] == 0);
	assert_false(s.gate.rss_discount_lazyfree);
	assert_true(s.gate.alpha == 0.05);
	assert_int_equal(s.expect, SCENARIO_EXPECT_LEAK);
	scenario_release(&s);
	assert_null(s.name);
	scenario_release(&s);	/* safe twice */
}

static void test_defaults(void **state)
{
	struct scenario s;

	(void)state;
	load_ok("{'name': 'min', 'target': {'cmd': ['t']}}", &s);
	assert_string_equal(s.name, "min");
	assert_null(s.description);
	assert_string_equal(s.cmd[0], "t");
	assert_null(s.cmd[1]);
	assert_non_null(s.env);
	assert_null(s.env[0]);
	assert_null(s.ready_url);
	assert_true(s.ready_timeout_s == 10);
	assert_true(s.stop_grace_s == 3);
	assert_false(s.has_drive);
	assert_int_equal(s.drive.n_requests, 0);
	assert_true(s.duration_s == 30);
	assert_true(s.warmup_s == 5);
	assert_int_equal(s.interval_ms, 100);
	assert_int_equal(s.lazyfree_interval_ms, 1000);
	assert_true(s.gate.per_min[METRIC_RSS] == 1024);
	assert_true(s.gate.per_min[METRIC_THREADS] == 1);
	assert_true(s.gate.per_min[METRIC_FDS] == 1);
	assert_true(s.gate.rss_discount_lazyfree);
	assert_true(s.gate.alpha == 0.01);
	assert_int_equal(s.expect, SCENARIO_EXPECT_NONE);
	scenario_release(&s);
}

static void test_drive_defaults(void **state)
{
	struct scenario s;
	struct scenario_request *r;

	(void)state;
	load_ok(with("'drive': {'http': {'url': 'http://127.0.0.1:{port}/'}}, 'expect': 'pass'"),
		&s);
	assert_true(s.has_drive);
	assert_int_equal(s.drive.n_requests, 1);
	r = &s.drive.requests[0];
	assert_string_equal(r->method, "GET");
	assert_non_null(r->headers);
	assert_null(r->headers[0]);
	assert_null(r->body);
	assert_int_equal(r->weight, 1);
	assert_true(s.drive.rate_per_s == 0);
	assert_int_equal(s.drive.concurrency, 8);
	assert_int_equal(s.drive.threads, 0);	/* absent: the driver picks the online cores */
	assert_true(s.drive.timeout_s == 10);
	assert_false(s.drive.allow_remote);
	assert_int_equal(s.expect, SCENARIO_EXPECT_PASS);
	scenario_release(&s);
}

static void test_mix(void **state)
{
	struct scenario s;
	struct scenario_request *r;

	(void)state;
	load_ok(with("'drive': {'http': {'concurrency': 2, 'mix': ["
		     "{'url': 'http://127.0.0.1:{port}/a'},"
		     "{'method': 'PUT', 'url': 'http://127.0.0.1:{port}/b/{seq}', 'weight': 3,"
		     " 'headers': {'X-Req': '{uuid}'}, 'body': '{seq}'},"
		     "{'method': 'DELETE', 'url': 'http://[::1]:{port}/c', 'weight': 5}]}}"),
		&s);
	assert_int_equal(s.drive.n_requests, 3);
	assert_int_equal(s.drive.concurrency, 2);
	r = s.drive.requests;
	assert_string_equal(r[0].method, "GET");
	assert_string_equal(r[0].url, "http://127.0.0.1:{port}/a");
	assert_int_equal(r[0].weight, 1);
	assert_null(r[0].headers[0]);
	assert_null(r[0].body);
	assert_string_equal(r[1].method, "PUT");
	assert_int_equal(r[1].weight, 3);
	assert_string_equal(r[1].headers[0], "X-Req: {uuid}");
	assert_string_equal(r[1].body, "{seq}");
	assert_string_equal(r[2].method, "DELETE");
	assert_string_equal(r[2].url, "http://[::1]:{port}/c");
	assert_int_equal(r[2].weight, 5);
	scenario_release(&s);
}

static void test_gate_nulls(void **state)
{
	struct scenario s;

	(void)state;
	load_ok(with("'gate': {'rss_kib_per_min': null, 'threads_per_min': null,"
		     " 'fds_per_min': null}"), &s);
	assert_true(s.gate.per_min[METRIC_RSS] == -1);
	assert_true(s.gate.per_min[METRIC_THREADS] == -1);
	assert_true(s.gate.per_min[METRIC_FDS] == -1);
	scenario_release(&s);
}

static void test_lazyfree_off_turns_discount_off(void **state)
{
	struct scenario s;

	(void)state;
	load_ok(with("'sample': {'lazyfree_interval_ms': 0}"), &s);
	assert_false(s.gate.rss_discount_lazyfree);
	scenario_release(&s);
	assert_error(with("'sample': {'lazyfree_interval_ms': 0},"
			  " 'gate': {'rss_discount_lazyfree': true}"),
		     "'gate.rss_discount_lazyfree' needs LazyFree samples (set "
		     "sample.lazyfree_interval_ms above 0, or this to false)");
}

/* ---- syntax and file errors ---- */

static void test_syntax_error(void **state)
{
	(void)state;
	assert_error_at("{\n"
			"  'name': 'x',\n"
			"  'duration_s': 30\n"
			"  'warmup_s': 5\n"
			"}\n",
			":4:12: syntax error: '}' expected near '\"warmup_s\"'");
	assert_error_at("{'name': 'x',\n 'target': tru}",
			":2:14: syntax error: invalid token near 'tru'");
	assert_error_at("", ":1:0: syntax error: '[' or '{' expected near end of file");
}

static void test_duplicate_key(void **state)
{
	(void)state;
	assert_error_at("{'name': 'x',\n 'name': 'y'}", ":2:7: duplicate object key near '\"name\"'");
}

static void test_not_an_object(void **state)
{
	(void)state;
	assert_error_at("[1]", ": a scenario must be a JSON object (got an array)");
}

static void test_missing_file(void **state)
{
	struct scenario s;
	char nope[300], want[400];

	(void)state;
	snprintf(nope, sizeof(nope), "%s/nope.json", dir);
	snprintf(want, sizeof(want), "%s: cannot read file: No such file or directory", nope);
	assert_int_equal(scenario_load(nope, &s), -1);
	assert_string_equal(msg, want);
	assert_owns_nothing(&s);
	snprintf(want, sizeof(want), "%s: cannot read file: Is a directory", dir);
	assert_int_equal(scenario_load(dir, &s), -1);
	assert_string_equal(msg, want);
	assert_owns_nothing(&s);
}

/* ---- unknown keys ---- */

static void test_unknown_key_top(void **state)
{
	(void)state;
	assert_error_at("{\n"
			"  'name': 'x',\n"
			"  'target': {'cmd': ['t']},\n"
			"  'duraton_s': 30\n"
			"}\n",
			":4:3: unknown key 'duraton_s' (did you mean 'duration_s'?)");
	assert_error_at("{'name': 'x', 'zzz': 1}",
			":1:15: unknown key 'zzz' (allowed here: name, description, target, "
			"drive, duration_s, warmup_s, sample, gate, expect, early_stop, evidence)");
}

static void test_unknown_key_nested(void **state)
{
	(void)state;
	assert_error_at("{\n"
			"  'name': 'x',\n"
			"  'target': {\n"
			"    'cmd': ['t'],\n"
			"    'redy': {'http_get': 'http://127.0.0.1/'}\n"
			"  }\n"
			"}\n",
			":5:5: unknown key 'target.redy' (did you mean 'target.ready'?)");
	assert_error_at("{\n"
			"  'name': 'x',\n"
			"  'target': {'cmd': ['t']},\n"
			"  'drive': {'http': {'mix': [\n"
			"    {'url': 'http://127.0.0.1/a'},\n"
			"    {'url': 'http://127.0.0.1/b', 'wieght': 2}\n"
			"  ]}}\n"
			"}\n",
			":6:35: unknown key 'drive.http.mix[1].wieght' "
			"(did you mean 'drive.http.mix[1].weight'?)");
	/* weight belongs to mix entries only. */
	assert_error(with("'drive': {'http': {'url': 'http://127.0.0.1/', 'weight': 2}}"),
		     "unknown key 'drive.http.weight' (allowed here: method, url, headers, body, "
		     "rate_per_s, concurrency, timeout_s, mix, threads)");
}

static void test_locating_skips_look_alikes(void **state)
{
	(void)state;
	/* The same key name in a string, a nested object and an escaped key come first. */
	assert_error_at("{'description': '\\'gate\\': {', 'target': {'cmd': ['gate'],\n"
			" 'env': {'gate': '{'}}, 'name': 'x', 'g\\u0061te': {\n"
			"   'alpha': 0.01, 'alhpa': 1}}",
			":3:19: unknown key 'gate.alhpa' (did you mean 'gate.alpha'?)");
}

/* ---- types and ranges ---- */

static void test_wrong_type(void **state)
{
	(void)state;
	assert_error_at("{\n"
			"  'name': 'x',\n"
			"  'target': {\n"
			"    'cmd': ['t'],\n"
			"    'ready': {\n"
			"      'http_get': 'http://127.0.0.1:{port}/',\n"
			"      'timeout_s': '10'\n"
			"    }\n"
			"  }\n"
			"}\n",
			":7:7: 'target.ready.timeout_s' must be a number > 0 and at most 3600 (got \"10\")");
	assert_error_at("{'name': 'x', 'target': {'cmd': ['t', 2]}}",
			":1:39: 'target.cmd[1]' must be a string (got 2)");
	assert_error(named("'target': 1"), "'target' must be an object (got 1)");
	assert_error(with("'drive': {'allow_remote': 'yes'}"),
		     "'drive.allow_remote' must be true or false (got \"yes\")");
	assert_error(with("'sample': []"), "'sample' must be an object (got [])");
	assert_error(with("'expect': 'maybe'"), "'expect' must be \"leak\" or \"pass\" (got \"maybe\")");
	assert_error(with("'gate': {'fds_per_min': '1'}"),
		     "'gate.fds_per_min' must be a number from 0 to 1e12, or null for not gated "
		     "(got \"1\")");
	assert_error(with("'description': {'a': 1}"), "'description' must be a string (got an object)");
}

static void test_integers_only(void **state)
{
	(void)state;
	assert_error(with("'sample': {'interval_ms': 1.5}"),
		     "'sample.interval_ms' must be an integer from 10 to 60000 (got 1.5)");
	assert_error(with("'drive': {'http': {'url': 'http://127.0.0.1/', 'concurrency': 8.0}}"),
		     "'drive.http.concurrency' must be an integer from 1 to 1024 (got 8.0)");
	assert_error(with("'drive': {'http': {'url': 'http://127.0.0.1/', 'threads': 2.0}}"),
		     "'drive.http.threads' must be an integer from 1 to 1024 (got 2.0)");
	assert_error(with("'drive': {'http': {'url': 'http://127.0.0.1/', 'threads': '2'}}"),
		     "'drive.http.threads' must be an integer from 1 to 1024 (got \"2\")");
}

/* Every metric of the table has its gate key; gate.metrics names any metric, once. */
static void test_metric_gates(void **state)
{
	struct scenario s;

	(void)state;
	load_ok("{'name': 'm', 'target': {'cmd': ['t']}, 'gate': {'rss_kib_per_min': null, "
		"'rss_anon_kib_per_min': 256, 'metrics': {'fds': 3}}}", &s);
	assert_true(s.gate.per_min[METRIC_RSS] == -1);
	assert_true(s.gate.per_min[METRIC_RSS_ANON] == 256);
	assert_true(s.gate.per_min[METRIC_THREADS] == 1);
	assert_true(s.gate.per_min[METRIC_FDS] == 3);
	assert_int_equal(s.metrics.n, METRIC_N_BUILTIN);
	assert_string_equal(s.metrics.def[METRIC_RSS_ANON].column, "rss_anon_kib");
	scenario_release(&s);
	load_ok("{'name': 'm', 'target': {'cmd': ['t']}}", &s);
	assert_true(s.gate.per_min[METRIC_RSS_ANON] < 0);	/* not gated unless asked */
	scenario_release(&s);
	assert_error(with("'gate': {'metrics': {'fdz': 3}}"),
		     "unknown key 'gate.metrics.fdz' (did you mean 'gate.metrics.fds'?)");
	assert_error(with("'gate': {'fds_per_min': 2, 'metrics': {'fds': 3}}"),
		     "'gate.metrics.fds' gates metric 'fds' already gated by 'gate.fds_per_min' "
		     "(keep one)");
	assert_error(with("'gate': {'metrics': {'rss_anon': -3}}"),
		     "'gate.metrics.rss_anon' must be a number from 0 to 1e12, or null for not "
		     "gated (got -3)");
	assert_error(with("'gate': {'metrics': []}"),
		     "'gate.metrics' must be an object (got [])");
}

/* ---- sample.prometheus ---- */

static void test_prometheus(void **state)
{
	struct scenario s;
	const struct scenario_series *se;

	(void)state;
	load_ok(with("'sample': {'prometheus': {'url': 'http://127.0.0.1:{port}/metrics', "
		     "'interval_ms': 500, 'timeout_ms': 200, 'series': ['go_goroutines', "
		     "{'name': 'heap', 'metric': 'go_memstats_heap_inuse_bytes'}, "
		     "{'name': 'ok', 'metric': 'http_requests_total', "
		     "'labels': {'code': '200', 'handler': '/push'}}]}}, "
		     "'gate': {'metrics': {'go_goroutines': 60, 'heap': 1048576, 'threads': 2}}"), &s);
	assert_int_equal(s.prometheus.interval_ms, 500);
	assert_int_equal(s.prometheus.timeout_ms, 200);
	assert_int_equal(s.prometheus.n_series, 3);
	assert_int_equal(s.metrics.n, METRIC_N_BUILTIN + 3);
	se = s.prometheus.series;
	assert_string_equal(se[0].name, "go_goroutines");
	assert_string_equal(se[0].metric, "go_goroutines");
	assert_int_equal(se[0].n_labels, 0);
	assert_string_equal(se[1].name, "heap");
	assert_string_equal(se[1].metric, "go_memstats_heap_inuse_bytes");
	assert_int_equal(se[2].n_labels, 2);
	assert_string_equal(se[2].labels[0].name, "code");
	assert_string_equal(se[2].labels[0].value, "200");
	assert_string_equal(se[2].labels[1].name, "handler");
	assert_string_equal(se[2].labels[1].value, "/push");
	/* Each series is a metric of the run, after the built-ins and in order. */
	assert_string_equal(s.metrics.def[METRIC_N_BUILTIN].column, "go_goroutines");
	assert_string_equal(s.metrics.def[METRIC_N_BUILTIN + 1].name, "heap");
	assert_int_equal(s.metrics.def[METRIC_N_BUILTIN + 1].kind, METRIC_COUNT);
	assert_true(s.gate.per_min[METRIC_N_BUILTIN] == 60);
	assert_true(s.gate.per_min[METRIC_N_BUILTIN + 1] == 1048576);
	assert_true(s.gate.per_min[METRIC_N_BUILTIN + 2] < 0);	/* not gated unless asked */
	assert_true(s.gate.per_min[METRIC_THREADS] == 2);
	assert_int_equal(port_bind(&s, 4242), 0);
	assert_string_equal(s.prometheus.url, "http://127.0.0.1:4242/metrics");
	scenario_release(&s);
	/* A _bytes series is a size; the timeout defaults to the interval. */
	load_ok(with("'sample': {'prometheus': {'url': 'http://localhost/m', "
		     "'series': ['go_memstats_heap_inuse_bytes']}}"), &s);
	assert_int_equal(s.prometheus.interval_ms, 1000);
	assert_int_equal(s.prometheus.timeout_ms, 1000);
	assert_int_equal(s.metrics.def[METRIC_N_BUILTIN].kind, METRIC_SIZE);
	assert_string_equal(s.metrics.def[METRIC_N_BUILTIN].unit, "bytes");
	scenario_release(&s);
}

/* sample.prometheus with one member changed: "url" and "series" are valid unless given. */
static const char *prom(const char *members)
{
	static char buf[4096];
	int has_url = strstr(members, "'url'") != NULL, has_series = strstr(members, "'series'") != NULL;

	snprintf(buf, sizeof(buf), "{'name': 'x', 'target': {'cmd': ['t']}, 'sample': "
		 "{'prometheus': {%s%s%s%s%s}}}", has_url ? "" : "'url': 'http://127.0.0.1/m'",
		 has_url ? "" : ", ", has_series ? "" : "'series': ['up']",
		 has_series ? "" : ", ", members);
	return buf;
}

static void test_prometheus_errors(void **state)
{
	(void)state;
	/* Located to its line and column, with a suggestion, like every key. */
	assert_error_at("{'name': 'x', 'target': {'cmd': ['t']},\n"
			" 'sample': {'prometheus': {'url': 'http://127.0.0.1/m', 'seris': ['up']}}}",
			":2:57: unknown key 'sample.prometheus.seris' (did you mean "
			"'sample.prometheus.series'?)");
	assert_error(prom("'intervall_ms': 5"), "unknown key 'sample.prometheus.intervall_ms' "
		     "(did you mean 'sample.prometheus.interval_ms'?)");
	assert_error(prom("'series': [{'metric': 'up', 'lables': {}}]"),
		     "unknown key 'sample.prometheus.series[0].lables' (did you mean "
		     "'sample.prometheus.series[0].labels'?)");
	assert_error(with("'sample': {'prometheus': {'series': ['up']}}"),
		     "missing key 'sample.prometheus.url' (the target's metrics page, e.g. "
		     "\"http://127.0.0.1:{port}/metrics\")");
	assert_error(with("'sample': {'prometheus': {'url': 'http://127.0.0.1/m'}}"),
		     "missing key 'sample.prometheus.series' (a list of metric names, e.g. "
		     "[\"go_goroutines\"])");
	assert_error(prom("'url': 'http://10.1.2.3/metrics'"),
		     "sample.prometheus.url: host '10.1.2.3' is not loopback (set "
		     "drive.allow_remote to true to allow it)");
	assert_error(prom("'url': 'ftp://127.0.0.1/m'"),
		     "'sample.prometheus.url' must be an http:// or https:// URL (got "
		     "\"ftp://127.0.0.1/m\")");
	assert_error(prom("'url': 'http://127.0.0.1:{port}/{seq}'"),
		     "placeholder '{seq}' in 'sample.prometheus.url' is only expanded in drive "
		     "requests (url, headers and body; use {port} here)");
	assert_error(prom("'interval_ms': 50"),
		     "'sample.prometheus.interval_ms' must be an integer from 100 to 600000 "
		     "(got 50)");
	assert_error(prom("'timeout_ms': 1500"),
		     "'sample.prometheus.timeout_ms' must be at most 'sample.prometheus.interval_ms'"
		     ": a scrape ends before the next is due (got 1500, interval_ms is 1000)");
	assert_error(prom("'series': []"),
		     "'sample.prometheus.series' must be a list of 1 to 16 series (got [])");
	assert_error(prom("'series': 'up'"),
		     "'sample.prometheus.series' must be a list of 1 to 16 series (got \"up\")");
	assert_error(prom("'series': [3]"),
		     "'sample.prometheus.series[0]' must be a metric name or an object with "
		     "'metric' (and 'name', 'labels') (got 3)");
	assert_error(prom("'series': ['9up']"),
		     "'sample.prometheus.series[0]' is not a Prometheus metric name "
		     "([a-zA-Z_:][a-zA-Z0-9_:]*) (got \"9up\")");
	assert_error(prom("'series': ['job:up:sum']"),
		     "'sample.prometheus.series[0]' must be a name of letters, digits and '_' "
		     "(at most 64, not starting with a digit) for its samples.csv column (got "
		     "\"job:up:sum\"; {\"name\": ..., \"metric\": ...} names a series)");
	assert_error(prom("'series': [{'name': 'a,b', 'metric': 'up'}]"),
		     "'sample.prometheus.series[0].name' must be a name of letters, digits and "
		     "'_' (at most 64, not starting with a digit) for its samples.csv column (got "
		     "\"a,b\"; {\"name\": ..., \"metric\": ...} names a series)");
	assert_error(prom("'series': [{'name': 'x'}]"),
		     "missing key 'sample.prometheus.series[0].metric' (the sample name on the "
		     "page, e.g. \"go_goroutines\")");
	assert_error(prom("'series': [{'metric': 'up', 'labels': {'a-b': '1'}}]"),
		     "'sample.prometheus.series[0].labels': 'a-b' is not a Prometheus label name "
		     "([a-zA-Z_][a-zA-Z0-9_]*)");
	assert_error(prom("'series': [{'metric': 'up', 'labels': {'code': 200}}]"),
		     "'sample.prometheus.series[0].labels.code' must be a string (the label's "
		     "exact value) (got 200)");
	assert_error(prom("'series': [{'metric': 'up', 'labels': ['code']}]"),
		     "'sample.prometheus.series[0].labels' must be an object (got an array)");
	/* A series takes no name a metric or a samples.csv column has. */
	assert_error(prom("'series': ['fds']"), "'sample.prometheus.series[0]': 'fds' names a "
		     "metric already (give each series its own name)");
	assert_error(prom("'series': ['rss_kib']"), "'sample.prometheus.series[0]': 'rss_kib' "
		     "names a metric already (give each series its own name)");
	assert_error(prom("'series': ['cpu_s']"), "'sample.prometheus.series[0]': 'cpu_s' is a "
		     "samples.csv column already (name the series otherwise)");
	assert_error(prom("'series': ['up', {'name': 'up', 'metric': 'x'}]"),
		     "'sample.prometheus.series[1].name': 'up' names a metric already (give each "
		     "series its own name)");
	assert_error(prom("'series': ['a','b','c','d','e','f','g','h','i','j','k','l','m','n',"
			  "'o','p','q']"),
		     "'sample.prometheus.series' must be a list of 1 to 16 series (got an array)");
	/* gate.metrics names series, with suggestions among them. */
	assert_error(with("'sample': {'prometheus': {'url': 'http://127.0.0.1/m', 'series': "
			  "['go_goroutines']}}, 'gate': {'metrics': {'go_gorutines': 60}}"),
		     "unknown key 'gate.metrics.go_gorutines' (did you mean "
		     "'gate.metrics.go_goroutines'?)");
}

static void test_out_of_range(void **state)
{
	(void)state;
	assert_error(with("'sample': {'interval_ms': 5}"),
		     "'sample.interval_ms' must be an integer from 10 to 60000 (got 5)");
	assert_error(with("'sample': {'interval_ms': 60001}"),
		     "'sample.interval_ms' must be an integer from 10 to 60000 (got 60001)");
	assert_error(with("'drive': {'http': {'url': 'http://127.0.0.1/', 'concurrency': 0}}"),
		     "'drive.http.concurrency' must be an integer from 1 to 1024 (got 0)");
	assert_error(with("'drive': {'http': {'url': 'http://127.0.0.1/', 'concurrency': 1025}}"),
		     "'drive.http.concurrency' must be an integer from 1 to 1024 (got 1025)");
	assert_error(with("'drive': {'http': {'url': 'http://127.0.0.1/', 'threads': 0}}"),
		     "'drive.http.threads' must be an integer from 1 to 1024 (got 0)");
	assert_error(with("'drive': {'http': {'url': 'http://127.0.0.1/', 'threads': 1025}}"),
		     "'drive.http.threads' must be an integer from 1 to 1024 (got 1025)");
	assert_error(with("'drive': {'http': {'url': 'http://127.0.0.1/', 'rate_per_s': -1}}"),
		     "'drive.http.rate_per_s' must be a number >= 0 and at most 1000000 (got -1)");
	assert_error(with("'drive': {'http': {'url': 'http://127.0.0.1/', 'timeout_s': 0}}"),
		     "'drive.http.timeout_s' must be a number > 0 and at most 3600 (got 0)");
	assert_error(with("'drive': {'http': {'mix': [{'url': 'http://127.0.0.1/', 'weight': 0}]}}"),
		     "'drive.http.mix[0].weight' must be an integer from 1 to 1000000 (got 0)");
	assert_error(with("'gate': {'alpha': 0.5}"),
		     "'gate.alpha' must be a number > 0 and < 0.5 (got 0.5)");
	assert_error(with("'gate': {'alpha': 0}"),
		     "'gate.alpha' must be a number > 0 and < 0.5 (got 0)");
	assert_error(with("'gate': {'rss_kib_per_min': -1}"),
		     "'gate.rss_kib_per_min' must be a number from 0 to 1e12, or null for not gated "
		     "(got -1)");
	assert_error(with("'duration_s': 0"),
		     "'duration_s' must be a number > 0 and at most 2678400 (31 days) (got 0)");
	assert_error(named("'target': {'cmd': ['t'], 'stop_grace_s': -0.5}"),
		     "'target.stop_grace_s' must be a number >= 0 and at most 3600 (got -0.5)");
	assert_error(with("'sample': {'interval_ms': 100, 'lazyfree_interval_ms': 50}"),
		     "'sample.lazyfree_interval_ms' must be 0 (never) or at least "
		     "'sample.interval_ms' (got 50, interval_ms is 100)");
}

static void test_warmup_vs_duration(void **state)
{
	(void)state;
	assert_error_at("{\n"
			"  'name': 'x', 'target': {'cmd': ['t']},\n"
			"  'duration_s': 10,\n"
			"  'warmup_s': 10\n"
			"}\n",
			":4:3: 'warmup_s' must be less than 'duration_s' (got 10, duration_s is 10)");
	assert_error(with("'duration_s': 4"),
		     "'duration_s' must be more than 'warmup_s' (5 by default; set warmup_s lower) "
		     "(got 4)");
}

static void test_bad_names(void **state)
{
	static const char want[] =
		"must be 1 to 128 characters from [A-Za-z0-9._-], not \".\" or \"..\" "
		"(it names the results directory)";
	char expected[256];

	(void)state;
	snprintf(expected, sizeof(expected), "'name' %s (got \"../x\")", want);
	assert_error("{'name': '../x', 'target': {'cmd': ['t']}}", expected);
	snprintf(expected, sizeof(expected), "'name' %s (got \"..\")", want);
	assert_error("{'name': '..', 'target': {'cmd': ['t']}}", expected);
	snprintf(expected, sizeof(expected), "'name' %s (got \"\")", want);
	assert_error("{'name': '', 'target': {'cmd': ['t']}}", expected);
	snprintf(expected, sizeof(expected), "'name' %s (got \"a b\")", want);
	assert_error("{'name': 'a b', 'target': {'cmd': ['t']}}", expected);
}

static void test_headers_checked(void **state)
{
	(void)state;
	assert_error(with("'drive': {'http': {'url': 'http://127.0.0.1/', 'headers': {'X Id': 'a'}}}"),
		     "'drive.http.headers.X Id': a header name must be a token such as "
		     "\"X-Request-Id\"");
	assert_error(with("'drive': {'http': {'url': 'http://127.0.0.1/',"
			  " 'headers': {'X-Id': 'a\\r\\nEvil: 1'}}}"),
		     "'drive.http.headers.X-Id' must not contain a line break");
	assert_error(with("'drive': {'http': {'url': 'http://127.0.0.1/', 'method': 'G T'}}"),
		     "'drive.http.method' must be an HTTP method such as \"GET\" or \"POST\" "
		     "(got \"G T\")");
	assert_error(named("'target': {'cmd': ['t'], 'env': {'A=B': '1'}}"),
		     "'target.env.A=B': an environment variable name must be non-empty and have "
		     "no '='");
}

/* ---- missing keys, url and mix ---- */

static void test_missing_keys(void **state)
{
	(void)state;
	assert_error_at("{'name': 'x', 'target': {'env': {}}}",
			": missing key 'target.cmd' (an argv array, e.g. "
			"[\"targets/bin/x\", \"--port\", \"{port}\"])");
	assert_error_at("{'target': {'cmd': ['t']}}",
			": missing key 'name' (it names the results directory, e.g. \"map-churn\")");
	assert_error_at("{'name': 'x'}",
			": missing key 'target' (an object with at least \"cmd\", the argv to start)");
	assert_error(named("'target': {'cmd': []}"),
		     "'target.cmd' must be a non-empty array of strings (argv) (got [])");
	assert_error(named("'target': {'cmd': ['']}"), "'target.cmd[0]' must name a program (got \"\")");
	assert_error(named("'target': {'cmd': ['t'], 'ready': {'timeout_s': 1}}"),
		     "missing key 'target.ready.http_get' (the URL that answers once the target is "
		     "up, e.g. \"http://127.0.0.1:{port}/healthz\")");
	assert_error(with("'drive': {'allow_remote': true}"),
		     "missing key 'drive.http' (an object with the url to request, or 'drive.exec', "
		     "the argv of a load generator)");
}

/* drive.exec: an argv, or an object with cmd, env and restart; alone or beside drive.http. */
static void test_drive_exec(void **state)
{
	struct scenario s;

	(void)state;
	load_ok(with("'drive': {'exec': ['wrk', '-d', '1h', 'http://127.0.0.1:{port}/']}"), &s);
	assert_false(s.has_drive);
	assert_string_equal(s.exec.cmd[0], "wrk");
	assert_null(s.exec.cmd[4]);
	assert_non_null(s.exec.env);
	assert_null(s.exec.env[0]);
	assert_false(s.exec.restart);
	assert_int_equal(port_bind(&s, 4242), 0);
	assert_string_equal(s.exec.cmd[3], "http://127.0.0.1:4242/");
	scenario_release(&s);
	load_ok(with("'drive': {'http': {'url': 'http://127.0.0.1:{port}/'},\n"
		     "'exec': {'cmd': ['c', '{port}'], 'env': {'P': '{port}'}, 'restart': true}}"),
		&s);
	assert_true(s.has_drive);
	assert_true(s.exec.restart);
	assert_int_equal(port_bind(&s, 7), 0);
	assert_string_equal(s.exec.cmd[1], "7");
	assert_string_equal(s.exec.env[0], "P=7");
	scenario_release(&s);
}

static void test_drive_exec_errors(void **state)
{
	(void)state;
	assert_error(with("'drive': {'exec': []}"),
		     "'drive.exec' must be a non-empty array of strings (argv) (got [])");
	assert_error(with("'drive': {'exec': 'wrk -d 1h'}"),
		     "'drive.exec' must be a non-empty array of strings (argv) (got \"wrk -d 1h\")");
	assert_error(with("'drive': {'exec': ['']}"),
		     "'drive.exec[0]' must name a program (got \"\")");
	assert_error(with("'drive': {'exec': {'restart': true}}"),
		     "missing key 'drive.exec.cmd' (an argv array, e.g. [\"wrk\", \"-d\", \"1h\", "
		     "\"http://127.0.0.1:{port}/\"])");
	assert_error(with("'drive': {'exec': {'cmd': ['c'], 'restart': 1}}"),
		     "'drive.exec.restart' must be true or false (got 1)");
	assert_error(with("'drive': {'exec': {'cmd': ['c'], 'shell': true}}"),
		     "unknown key 'drive.exec.shell' (allowed here: cmd, env, restart)");
	assert_error(with("'drive': {'exec': ['c', '{uuid}']}"),
		     "placeholder '{uuid}' in 'drive.exec[1]' is only expanded in drive requests "
		     "(url, headers and body; use {port} here)");
}

static void test_url_or_mix(void **state)
{
	(void)state;
	assert_error(with("'drive': {'http': {'rate_per_s': 10}}"),
		     "missing key 'drive.http.url' (or 'drive.http.mix', a list of weighted "
		     "requests)");
	assert_error_at("{'name': 'x', 'target': {'cmd': ['t']}, 'drive': {'http': {\n"
			"  'mix': [{'url': 'http://127.0.0.1/'}],\n"
			"  'url': 'http://127.0.0.1/'}}}",
			":3:3: 'drive.http.url' cannot be used with 'drive.http.mix' "
			"(use url for one request or mix for several)");
	assert_error(with("'drive': {'http': {'mix': [{'url': 'http://127.0.0.1/'}],"
			  " 'method': 'POST'}}"),
		     "'drive.http.method' cannot be used with 'drive.http.mix' "
		     "(set it in each mix entry)");
	assert_error(with("'drive': {'http': {'mix': [{'url': 'http://127.0.0.1/'}],"
			  " 'headers': {}}}"),
		     "'drive.http.headers' cannot be used with 'drive.http.mix' "
		     "(set it in each mix entry)");
	assert_error(with("'drive': {'http': {'mix': []}}"),
		     "'drive.http.mix' must be a non-empty array of request objects (got [])");
	assert_error(with("'drive': {'http': {'mix': ['http://127.0.0.1/']}}"),
		     "'drive.http.mix[0]' must be an object (got \"http://127.0.0.1/\")");
	assert_error(with("'drive': {'http': {'mix': [{'url': 'http://127.0.0.1/'}, {}]}}"),
		     "missing key 'drive.http.mix[1].url' (e.g. \"http://127.0.0.1:{port}/\")");
}

/* ---- loopback ---- */

static void assert_url_ok(const char *url, int allow_remote)
{
	struct scenario s;
	char extra[512];

	snprintf(extra, sizeof(extra), "'drive': {'http': {'url': '%s'}, 'allow_remote': %s}", url,
		 allow_remote ? "true" : "false");
	load_ok(with(extra), &s);
	assert_string_equal(s.drive.requests[0].url, url);
	scenario_release(&s);
}

static void assert_url_refused(const char *url, const char *host)
{
	char extra[512], want[512];

	snprintf(extra, sizeof(extra), "'drive': {'http': {'url': '%s'}}", url);
	snprintf(want, sizeof(want), "drive.http.url: host '%s' is not loopback "
		 "(set drive.allow_remote to true to allow it)", host);
	assert_error(with(extra), want);
}

static void test_loopback(void **state)
{
	(void)state;
	assert_url_ok("http://127.0.0.1:{port}/r?id={uuid}&n={seq}", 0);
	assert_url_ok("http://localhost:{port}/", 0);
	assert_url_ok("https://127.1.2.3/", 0);
	assert_url_ok("http://[::1]:{port}/", 0);
	assert_url_refused("http://example.com/", "example.com");
	assert_url_refused("http://10.0.0.1:{port}/", "10.0.0.1");
	assert_url_refused("http://128.0.0.1/", "128.0.0.1");
	assert_url_refused("http://[::2]/", "[::2]");
	assert_url_refused("http://127.0.0.1.example.com/", "127.0.0.1.example.com");
	assert_url_refused("http://127.0.0.1@example.com/", "example.com");
	assert_url_ok("http://example.com/", 1);
	assert_url_ok("https://10.0.0.1:{port}/x", 1);
}

static void test_loopback_located(void **state)
{
	(void)state;
	assert_error_at("{'name': 'x', 'target': {'cmd': ['t']},\n"
			" 'drive': {'http': {'url': 'http://example.com/'}}}",
			":2:21: drive.http.url: host 'example.com' is not loopback "
			"(set drive.allow_remote to true to allow it)");
	assert_error(with("'drive': {'http': {'mix': [{'url': 'http://127.0.0.1/'},"
			  " {'url': 'http://example.com/'}]}}"),
		     "drive.http.mix[1].url: host 'example.com' is not loopback "
		     "(set drive.allow_remote to true to allow it)");
	assert_error(named("'target': {'cmd': ['t'], 'ready': {'http_get': 'http://example.com/'}}"),
		     "target.ready.http_get: host 'example.com' is not loopback "
		     "(set drive.allow_remote to true to allow it)");
}

static void test_url_scheme(void **state)
{
	struct scenario s;

	(void)state;
	assert_error(with("'drive': {'http': {'url': 'ftp://127.0.0.1/'}}"),
		     "'drive.http.url' must be an http:// or https:// URL (got \"ftp://127.0.0.1/\")");
	assert_int_equal(load(with("'drive': {'http': {'url': 'not a url'}}"), &s), -1);
	assert_non_null(strstr(msg, "'drive.http.url' is not a valid URL: "));
	assert_non_null(strstr(msg, "(got \"not a url\")"));
}

/* ---- placeholders ---- */

static void test_placeholders(void **state)
{
	(void)state;
	assert_error_at("{'name': 'x', 'target': {'cmd': ['t', '--port', '{prot}']}}",
			":1:49: unknown placeholder '{prot}' in 'target.cmd[2]' "
			"(known: {port}, {seq}, {uuid})");
	assert_error(named("'target': {'cmd': ['t', '--id={seq}']}"),
		     "placeholder '{seq}' in 'target.cmd[1]' is only expanded in drive requests "
		     "(url, headers and body; use {port} here)");
	assert_error(named("'target': {'cmd': ['t'], 'env': {'ID': '{uuid}'}}"),
		     "placeholder '{uuid}' in 'target.env.ID' is only expanded in drive requests "
		     "(url, headers and body; use {port} here)");
	assert_error(with("'drive': {'http': {'url': 'http://127.0.0.1/', "
			  "'headers': {'X-Id': '{uid}'}}}"),
		     "unknown placeholder '{uid}' in 'drive.http.headers.X-Id' "
		     "(known: {port}, {seq}, {uuid})");
}

/* ---- binding the port ---- */

static void test_bind_port(void **state)
{
	static const struct template_vars per_request = { .seq = "7", .uuid = "U" };
	struct scenario s;
	struct scenario_request *r;
	struct template *t;
	char *body;

	(void)state;
	load_ok(full, &s);
	assert_int_equal(port_bind(&s, 4242), 0);
	r = &s.drive.requests[0];
	/* Free text is left as written: it may talk about placeholders. */
	assert_string_equal(s.description, "all keys on {port}");
	assert_string_equal(s.cmd[2], "4242");
	/* Final strings are unescaped: the target sees a literal {port}. */
	assert_string_equal(s.cmd[3], "--literal={port}");
	assert_string_equal(s.env[1], "PORT=4242");
	assert_string_equal(s.ready_url, "http://127.0.0.1:4242/healthz");
	/* Request templates keep {seq}, {uuid} and "{{" for the driver. */
	assert_string_equal(r->url, "http://localhost:4242/r?n={seq}");
	assert_string_equal(r->headers[0], "X-Id: {uuid}");
	assert_string_equal(r->body, "p=4242&id={uuid}&lit={{port}");
	t = template_compile(r->body, NULL);
	assert_non_null(t);
	body = template_expand_dup(t, &per_request);
	assert_string_equal(body, "p=4242&id=U&lit={port}");
	free(body);
	template_free(&t);
	scenario_release(&s);
}

static void test_bind_port_mix(void **state)
{
	struct scenario s;

	(void)state;
	load_ok(with("'drive': {'http': {'mix': [{'url': 'http://127.0.0.1:{port}/{port}'},"
		     " {'url': 'http://127.0.0.1:{port}/', 'body': '{port}{{port}{port}'}]}}"), &s);
	assert_int_equal(port_bind(&s, 65535), 0);
	assert_string_equal(s.drive.requests[0].url, "http://127.0.0.1:65535/65535");
	assert_string_equal(s.drive.requests[1].body, "65535{{port}65535");
	scenario_release(&s);
}

/* The port is bindable and below the ephemeral range, where no client takes source ports. */
static void test_free_port(void **state)
{
	unsigned a = port_free(), lo = 32768, hi;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	struct sockaddr_in addr = {
		.sin_family = AF_INET, .sin_port = htons((uint16_t)a),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	(void)state;
	if (f) {
		assert_int_equal(fscanf(f, "%u %u", &lo, &hi), 2);
		fclose(f);
	}
	assert_true(a >= 10000 && a < lo);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(fd);
}

/* Every number has an upper bound: "duration_s": 1e10 overflowed the nanosecond deadline. */
static void test_upper_bounds(void **state)
{
	(void)state;
	assert_error(with("'duration_s': 1e10"),
		     "'duration_s' must be a number > 0 and at most 2678400 (31 days) (got 10000000000.0)");
	assert_error(with("'duration_s': 2678401"),
		     "'duration_s' must be a number > 0 and at most 2678400 (31 days) (got 2678401)");
	assert_error(with("'duration_s': 3000000, 'warmup_s': 2678401"),
		     "'duration_s' must be a number > 0 and at most 2678400 (31 days) (got 3000000)");
	assert_error(named("'target': {'cmd': ['t'], 'stop_grace_s': 1e300}"),
		     "'target.stop_grace_s' must be a number >= 0 and at most 3600 (got 1e300)");
	assert_error(named("'target': {'cmd': ['t'], 'ready': {'http_get': 'http://127.0.0.1/', "
			   "'timeout_s': 3601}}"),
		     "'target.ready.timeout_s' must be a number > 0 and at most 3600 (got 3601)");
	assert_error(with("'drive': {'http': {'url': 'http://127.0.0.1/', 'rate_per_s': 1e7}}"),
		     "'drive.http.rate_per_s' must be a number >= 0 and at most 1000000 (got 10000000.0)");
	assert_error(with("'drive': {'http': {'url': 'http://127.0.0.1/', 'timeout_s': 1e20}}"),
		     "'drive.http.timeout_s' must be a number > 0 and at most 3600 (got 1e20)");
	assert_error(with("'gate': {'fds_per_min': 1e13}"),
		     "'gate.fds_per_min' must be a number from 0 to 1e12, or null for not gated "
		     "(got 10000000000000.0)");
	/* The bounds themselves are accepted. */
	struct scenario s;
	load_ok(named("'duration_s': 2678400, 'target': {'cmd': ['t'], 'stop_grace_s': 3600}"), &s);
	scenario_release(&s);
}

/* A placeholder in a URL's host would make host names to look up: refused, remote or not. */
static void test_placeholder_hosts(void **state)
{
	static const char *const urls[] = {
		"http://127.0.0.{seq}/", "http://127.0.0.{port}/", "http://{uuid}.localhost/",
		"http://127.{seq}.0.1:{port}/", "http://[::{seq}]/", "http://{seq}/",
	};
	char extra[512], want[512];

	(void)state;
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		snprintf(extra, sizeof(extra), "'drive': {'http': {'url': '%s'}}", urls[i]);
		snprintf(want, sizeof(want), "'drive.http.url': a placeholder in the host of \"%s\" "
			 "would make host names to look up (write the address itself, e.g. "
			 "127.0.0.1)", urls[i]);
		assert_error(with(extra), want);
		snprintf(extra, sizeof(extra), "'drive': {'http': {'url': '%s'}, "
			 "'allow_remote': true}", urls[i]);
		assert_error(with(extra), want);
	}
	/* Placeholders in the port, path and query stay fine. */
	assert_url_ok("http://127.0.0.1:{port}/{seq}?u={uuid}#{seq}", 0);
}

/* Names a soak writes beside the run folders (and their temporary files) are refused. */
/* target.profile and evidence.http_get: strict like every key, the URL held to the driver's rules. */
static void test_evidence_keys(void **state)
{
	struct scenario s;

	(void)state;
	load_ok("{'name': 'x', 'target': {'cmd': ['t'], 'profile': 'heaptrack'},\n"
		" 'evidence': {'http_get': 'http://127.0.0.1:{port}/debug/pprof/heap'}}", &s);
	assert_int_equal(s.profile, SCENARIO_PROFILE_HEAPTRACK);
	assert_int_equal(port_bind(&s, 4242), 0);
	assert_string_equal(s.evidence_url, "http://127.0.0.1:4242/debug/pprof/heap");
	scenario_release(&s);
	load_ok("{'name': 'x', 'target': {'cmd': ['t']}}", &s);
	assert_int_equal(s.profile, SCENARIO_PROFILE_NONE);
	assert_null(s.evidence_url);
	scenario_release(&s);
	assert_error_at("{'name': 'x', 'target': {'cmd': ['t'], 'profile': 'valgrind'}}",
			":1:40: 'target.profile' must be \"heaptrack\" (got \"valgrind\")");
	assert_error_at("{'name': 'x', 'target': {'cmd': ['t']},\n 'evidence': {'http_gett': 1}}",
			":2:15: unknown key 'evidence.http_gett' (did you mean "
			"'evidence.http_get'?)");
	assert_error_at("{'name': 'x', 'target': {'cmd': ['t']},\n"
			" 'evidence': {'http_get': 'http://10.0.0.1/'}}",
			":2:15: evidence.http_get: host '10.0.0.1' is not loopback "
			"(set drive.allow_remote to true to allow it)");
	assert_error_at("{'name': 'x', 'target': {'cmd': ['t']},\n"
			" 'evidence': {'http_get': 'ftp://127.0.0.1/'}}",
			":2:15: 'evidence.http_get' must be an http:// or https:// URL "
			"(got \"ftp://127.0.0.1/\")");
	load_ok("{'name': 'x', 'target': {'cmd': ['t']}, 'drive': {'allow_remote': true,\n"
		" 'http': {'url': 'http://127.0.0.1/'}}, 'evidence': {'http_get': 'http://10.0.0.1/'}}",
		&s);
	scenario_release(&s);
}

/* evidence.go_pprof and evidence.jvm: strict keys, the URL required and held to the rules. */
static void test_runtime_evidence_keys(void **state)
{
	struct scenario s;

	(void)state;
	load_ok("{'name': 'x', 'target': {'cmd': ['t']}, 'evidence': {'jvm': true,\n"
		" 'go_pprof': {'url': 'http://127.0.0.1:{port}/debug/pprof/'}}}", &s);
	assert_int_equal(s.jvm, 1);
	assert_int_equal(port_bind(&s, 4242), 0);
	assert_string_equal(s.go_pprof_url, "http://127.0.0.1:4242/debug/pprof/");
	scenario_release(&s);
	load_ok("{'name': 'x', 'target': {'cmd': ['t']}}", &s);
	assert_int_equal(s.jvm, -1);
	assert_null(s.go_pprof_url);
	scenario_release(&s);
	load_ok("{'name': 'x', 'target': {'cmd': ['t']}, 'evidence': {'jvm': false}}", &s);
	assert_int_equal(s.jvm, 0);
	scenario_release(&s);
	assert_error("{'name': 'x', 'target': {'cmd': ['t']}, 'evidence': {'go_pprof': {}}}",
		     "missing key 'evidence.go_pprof.url' (net/http/pprof's index, "
		     "\"http://127.0.0.1:{port}/debug/pprof/\")");
	assert_error("{'name': 'x', 'target': {'cmd': ['t']}, 'evidence': {'go_pprof': "
		     "{'url': 'http://127.0.0.1/', 'heap': 1}}}",
		     "unknown key 'evidence.go_pprof.heap' (allowed here: url)");
	assert_error("{'name': 'x', 'target': {'cmd': ['t']}, 'evidence': {'go_pprof': "
		     "{'url': 'http://10.0.0.1/debug/pprof/'}}}",
		     "evidence.go_pprof.url: host '10.0.0.1' is not loopback "
		     "(set drive.allow_remote to true to allow it)");
	assert_error("{'name': 'x', 'target': {'cmd': ['t']}, 'evidence': {'go_pprof': "
		     "'http://127.0.0.1/'}}",
		     "'evidence.go_pprof' must be an object (got \"http://127.0.0.1/\")");
	assert_error("{'name': 'x', 'target': {'cmd': ['t']}, 'evidence': {'jvm': 'yes'}}",
		     "'evidence.jvm' must be true or false (got \"yes\")");
}

static void test_reserved_names(void **state)
{
	static const char *const names[] = { "junit.xml", "index.html", "summary.json",
					     "JUnit.XML", "summary.json.tmp.12.0", ".hidden",
					     "trends", "Trends" };
	char text[256], want[512];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(text, sizeof(text), "{'name': '%s', 'target': {'cmd': ['t']}}", names[i]);
		snprintf(want, sizeof(want), "'name' must not be \"%s\"%s: a soak writes "
			 "summary.json, junit.xml, index.html and trends/ beside the run folders "
			 "(rename the scenario)", names[i], names[i][0] == '.' ? " (a hidden name)" :
			 "");
		assert_error(text, want);
	}
	struct scenario s;
	load_ok("{'name': 'junit.xml-fixed', 'target': {'cmd': ['t']}}", &s);
	scenario_release(&s);
	load_ok("{'name': 'index', 'target': {'cmd': ['t']}}", &s);
	scenario_release(&s);
	load_ok("{'name': 'trends-api', 'target': {'cmd': ['t']}}", &s);
	scenario_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_drive_defaults),
		cmocka_unit_test(test_mix),
		cmocka_unit_test(test_gate_nulls),
		cmocka_unit_test(test_lazyfree_off_turns_discount_off),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_unknown_key_top),
		cmocka_unit_test(test_evidence_keys),
		cmocka_unit_test(test_runtime_evidence_keys),
		cmocka_unit_test(test_unknown_key_nested),
		cmocka_unit_test(test_locating_skips_look_alikes),
		cmocka_unit_test(test_wrong_type),
		cmocka_unit_test(test_integers_only),
		cmocka_unit_test(test_metric_gates),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_warmup_vs_duration),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_headers_checked),
		cmocka_unit_test(test_missing_keys),
		cmocka_unit_test(test_url_or_mix),
		cmocka_unit_test(test_drive_exec),
		cmocka_unit_test(test_drive_exec_errors),
		cmocka_unit_test(test_upper_bounds),
		cmocka_unit_test(test_placeholder_hosts),
		cmocka_unit_test(test_reserved_names),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_loopback_located),
		cmocka_unit_test(test_url_scheme),
		cmocka_unit_test(test_placeholders),
		cmocka_unit_test(test_prometheus),
		cmocka_unit_test(test_prometheus_errors),
		cmocka_unit_test(test_bind_port),
		cmocka_unit_test(test_bind_port_mix),
		cmocka_unit_test(test_free_port),
	};

	return cmocka_run_group_tests_name("scenario", tests, setup, teardown);
}
