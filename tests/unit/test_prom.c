/*
 * test_prom — the Prometheus exposition reader on pages written by the real clients
 * (tests/unit/fixtures/prom, made by generate.sh there with the Prometheus Go client, the
 * Python client and Node.js's prom-client), the summing rule for selectors, and every kind of
 * malformed page: refused with its line and column, never a value taken from it.
 */
#include "testutil.h"

#include <float.h>

#include "scenario/prom.h"

#define FIXTURES "tests/unit/fixtures/prom/"

/* The value of one selector over text; fails the test when the text is refused. */
static struct prom_value pick(const char *text, const char *metric, const char *l1,
			      const char *v1, const char *l2, const char *v2)
{
	struct prom_label labels[2] = { { l1, v1 }, { l2, v2 } };
	struct prom_selector sel = { metric, labels, l2 ? 2 : l1 ? 1 : 0 };
	struct prom_value v;
	struct prom_error err;

	if (prom_select(text, strlen(text), &sel, 1, &v, &err) != 0)
		fail_msg("refused at %lu:%lu: %s", err.line, err.column, err.what);
	return v;
}

static double value_of(const char *text, const char *metric, const char *l1, const char *v1)
{
	struct prom_value v = pick(text, metric, l1, v1, NULL, NULL);

	if (v.matched != 1)
		fail_msg("%s{%s=%s}: %lu samples matched, want 1", metric, l1 ? l1 : "",
			 v1 ? v1 : "", v.matched);
	return v.value;
}

static char *fixture(const char *name)
{
	char *path = tu_path(FIXTURES, name);
	char *text = tu_slurp(path);

	if (!text)
		fail_msg("cannot read %s (run tests from the repository root)", path);
	free(path);
	return text;
}

/* ---- pages of the real writers ------------------------------------------------------------ */

static void test_go_client_values(void **state)
{
	char *t = fixture("go-client.prom");

	(void)state;
	assert_true(value_of(t, "fixture_goroutines", NULL, NULL) == 42);
	assert_true(value_of(t, "fixture_untyped", NULL, NULL) == 17);
	assert_true(value_of(t, "fixture_stamped", "zone", "eu") == 3.25);
	assert_true(value_of(t, "http_requests_total", "code", "500") == 3);
	assert_true(pick(t, "http_requests_total", "handler", "/push", "code", "200").value ==
		    1500);
	free(t);
}

static void test_go_client_special_values(void **state)
{
	char *t = fixture("go-client.prom");
	const char *m = "fixture_special_values";

	(void)state;
	assert_true(isnan(value_of(t, m, "kind", "nan")));
	assert_true(value_of(t, m, "kind", "pos_inf") == INFINITY);
	assert_true(value_of(t, m, "kind", "neg_inf") == -INFINITY);
	assert_true(value_of(t, m, "kind", "max") == DBL_MAX);
	assert_true(value_of(t, m, "kind", "tiny") == 5e-324);
	assert_true(value_of(t, m, "kind", "negative") == -2.5);
	assert_true(value_of(t, m, "kind", "big") == 7716352);
	assert_true(value_of(t, m, "kind", "zero") == 0);
	free(t);
}

/* Label values are compared unescaped: what the service set, not what the page shows. */
static void test_go_client_escaped_labels(void **state)
{
	char *t = fixture("go-client.prom");
	const char *m = "fixture_escaped_labels";

	(void)state;
	assert_true(value_of(t, m, "path", "C:\\temp\\x") == 1);
	assert_true(value_of(t, m, "quote", "say \"hi\"") == 1);
	assert_true(value_of(t, m, "path", "two\nlines") == 2);
	assert_true(value_of(t, m, "quote", "") == 2);
	assert_true(value_of(t, m, "path", "{braces},=") == 4);
	assert_true(value_of(t, m, "quote", "tab\there") == 4);
	/* The escaped spelling, a prefix and a longer value match nothing. */
	assert_int_equal(pick(t, m, "path", "C:\\\\temp\\\\x", NULL, NULL).matched, 0);
	assert_int_equal(pick(t, m, "path", "C:", NULL, NULL).matched, 0);
	assert_int_equal(pick(t, m, "path", "two\nlines!", NULL, NULL).matched, 0);
	free(t);
}

static void test_go_client_histogram_summary(void **state)
{
	char *t = fixture("go-client.prom");
	const char *h = "fixture_request_duration_seconds";

	(void)state;
	assert_true(value_of(t, "fixture_request_duration_seconds_bucket", "le", "+Inf") == 6);
	assert_true(value_of(t, "fixture_request_duration_seconds_bucket", "le", "0.1") == 4);
	assert_true(value_of(t, "fixture_request_duration_seconds_count", NULL, NULL) == 6);
	assert_near(value_of(t, "fixture_request_duration_seconds_sum", NULL, NULL), 2.56, 1e-12);
	/* The family's own name has no sample: a histogram is read through its parts. */
	assert_int_equal(pick(t, h, NULL, NULL, NULL, NULL).matched, 0);
	assert_true(value_of(t, "fixture_payload_bytes", "quantile", "0.99") == 99);
	assert_true(value_of(t, "fixture_payload_bytes_count", NULL, NULL) == 100);
	free(t);
}

/* Without labels (or with fewer than a series has) the matching series are summed. */
static void test_selector_sums(void **state)
{
	char *t = fixture("go-client.prom");
	struct prom_value v;

	(void)state;
	v = pick(t, "http_requests_total", NULL, NULL, NULL, NULL);
	assert_int_equal(v.matched, 3);
	assert_true(v.value == 1530);
	v = pick(t, "http_requests_total", "code", "200", NULL, NULL);
	assert_int_equal(v.matched, 2);
	assert_true(v.value == 1527);
	v = pick(t, "fixture_special_values", NULL, NULL, NULL, NULL);
	assert_int_equal(v.matched, 8);
	assert_true(isnan(v.value));
	v = pick(t, "http_requests_total", "code", "404", NULL, NULL);
	assert_int_equal(v.matched, 0);
	assert_true(isnan(v.value));
	v = pick(t, "http_requests", NULL, NULL, NULL, NULL);	/* a prefix of a name */
	assert_int_equal(v.matched, 0);
	v = pick(t, "fixture_goroutines", "job", "x", NULL, NULL);	/* a label it lacks */
	assert_int_equal(v.matched, 0);
	free(t);
}

/* Several selectors in one pass, each with its own sum. */
static void test_many_selectors(void **state)
{
	char *t = fixture("go-client.prom");
	struct prom_label c500 = { "code", "500" };
	struct prom_selector sel[3] = {
		{ "fixture_goroutines", NULL, 0 },
		{ "http_requests_total", &c500, 1 },
		{ "absent_metric", NULL, 0 },
	};
	struct prom_value v[3];
	struct prom_error err;

	(void)state;
	assert_int_equal(prom_select(t, strlen(t), sel, 3, v, &err), 0);
	assert_true(v[0].value == 42 && v[0].matched == 1);
	assert_true(v[1].value == 3 && v[1].matched == 1);
	assert_true(isnan(v[2].value) && v[2].matched == 0);
	free(t);
}

/* The Go and process collectors of a real service: every Go target serves these. */
static void test_go_runtime(void **state)
{
	char *t = fixture("go-runtime.prom");

	(void)state;
	assert_true(value_of(t, "go_goroutines", NULL, NULL) >= 1);
	assert_true(value_of(t, "go_threads", NULL, NULL) >= 1);
	assert_true(value_of(t, "go_memstats_heap_inuse_bytes", NULL, NULL) > 0);
	assert_true(value_of(t, "go_info", NULL, NULL) == 1);
	assert_true(value_of(t, "process_open_fds", NULL, NULL) >= 3);
	assert_true(value_of(t, "process_resident_memory_bytes", NULL, NULL) > 0);
	assert_int_equal(pick(t, "go_gc_duration_seconds", "quantile", "0.5", NULL, NULL).matched,
			 1);
	free(t);
}

static void test_python_client(void **state)
{
	char *t = fixture("python-client.prom");
	struct prom_value v;

	(void)state;
	v = pick(t, "http_requests_total", NULL, NULL, NULL, NULL);
	assert_true(v.value == 1530 && v.matched == 3);
	assert_true(value_of(t, "fixture_escaped_labels", "path", "two\nlines") == 2);
	assert_true(value_of(t, "fixture_escaped_labels", "quote", "say \"hi\"") == 1);
	assert_true(isnan(value_of(t, "fixture_special_values", "kind", "nan")));
	assert_true(value_of(t, "fixture_special_values", "kind", "neg_inf") == -INFINITY);
	assert_true(value_of(t, "fixture_request_duration_seconds_bucket", "le", "1.0") == 5);
	assert_true(value_of(t, "fixture_build_info", "version", "1.2.3") == 1);
	assert_true(value_of(t, "fixture_state", "fixture_state", "running") == 1);
	assert_true(value_of(t, "process_open_fds", NULL, NULL) == 9);
	free(t);
}

/* prom-client (Node.js) writes NaN as "Nan", blank lines between families, and labels in
 * the order they were declared. */
static void test_node_client(void **state)
{
	char *t = fixture("node-client.prom");
	struct prom_value v;

	(void)state;
	v = pick(t, "http_requests_total", "code", "200", NULL, NULL);
	assert_true(v.value == 1527 && v.matched == 2);
	assert_true(isnan(value_of(t, "fixture_special_values", "kind", "nan")));
	assert_true(value_of(t, "fixture_special_values", "kind", "pos_inf") == INFINITY);
	assert_true(value_of(t, "fixture_escaped_labels", "path", "C:\\temp\\x") == 1);
	assert_true(value_of(t, "fixture_payload_bytes", "quantile", "0.99") == 99.5);
	assert_true(value_of(t, "fixture_request_duration_seconds_bucket", "le", "+Inf") == 6);
	assert_true(value_of(t, "nodejs_heap_size_used_bytes", NULL, NULL) > 0);
	assert_true(value_of(t, "process_open_fds", NULL, NULL) >= 3);
	assert_true(value_of(t, "nodejs_version_info", "major", "20") == 1);
	free(t);
}

/* ---- what the grammar allows ------------------------------------------------------------- */

static void test_accepted_forms(void **state)
{
	static const struct {
		const char *text;
		double want;
	} ok[] = {
		{ "x 1", 1 },			/* no final newline */
		{ "x{} 2\n", 2 },
		{ "x{a=\"1\",} 3\n", 3 },	/* trailing comma */
		{ "  x { a = \"1\" , b=\"2\" }\t4  -5  \n", 4 },
		{ "x{a=\"1\"}5\n", 5 },	/* no blank after '}' */
		{ "x .5\n", 0.5 },
		{ "x 5.\n", 5 },
		{ "x -1e3\n", -1000 },
		{ "x +Inf\n", INFINITY },
		{ "x inf\n", INFINITY },
		{ "x -INF\n", -INFINITY },
		{ "x 1 -1\n", 1 },		/* a negative timestamp */
		{ "# HELP x\n# TYPE x gauge\nx 6\n", 6 },
		{ "#HELP x a \\\\ b \\n c\n# TYPE\tx\tcounter\t\nx 7\n", 7 },
		{ "# any comment { \" \\q\n#\n# HELP\n\n\t\nx 8\n", 8 },
		{ "x{a=\"raw \r and \t bytes\"} 9\n", 9 },
		{ "ns:x 1\nx 10\n", 10 },	/* a recording-rule name nearby */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct prom_value v = pick(ok[i].text, "x", NULL, NULL, NULL, NULL);
		if (v.matched != 1 || v.value != ok[i].want)
			fail_msg("'%s': matched %lu, value %g, want 1 and %g", ok[i].text,
				 v.matched, v.value, ok[i].want);
	}
	assert_true(isnan(pick("x NaN\n", "x", NULL, NULL, NULL, NULL).value));
	assert_true(isnan(pick("x nan\n", "x", NULL, NULL, NULL, NULL).value));
	assert_true(value_of("ns:x 1\n", "ns:x", NULL, NULL) == 1);
}

/* A raw NUL inside a label value is data: it matches nothing shorter. */
static void test_nul_in_label_value(void **state)
{
	static const char text[] = "x{a=\"b\0c\"} 1\n";
	struct prom_label l = { "a", "b" };
	struct prom_selector sel = { "x", &l, 1 };
	struct prom_value v;
	struct prom_error err;

	(void)state;
	assert_int_equal(prom_select(text, sizeof(text) - 1, &sel, 1, &v, &err), 0);
	assert_int_equal(v.matched, 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_true(prom_metric_name_ok("go_goroutines"));
	assert_true(prom_metric_name_ok("job:rate5m:sum"));
	assert_true(prom_metric_name_ok("_x9"));
	assert_false(prom_metric_name_ok(""));
	assert_false(prom_metric_name_ok("9x"));
	assert_false(prom_metric_name_ok("go-routines"));
	assert_false(prom_metric_name_ok("x{a=\"b\"}"));
	assert_true(prom_label_name_ok("le"));
	assert_false(prom_label_name_ok("a:b"));
	assert_false(prom_label_name_ok(""));
	assert_false(prom_label_name_ok("1a"));
}

/* ---- malformed pages ------------------------------------------------------------------- */

static void test_malformed(void **state)
{
	static const struct {
		const char *text;
		unsigned long line, column;
	} bad[] = {
		{ "x\n", 1, 2 },
		{ "x 1 2 3\n", 1, 7 },
		{ "x abc\n", 1, 3 },
		{ "x 0x10\n", 1, 3 },
		{ "x 1e999\n", 1, 3 },
		{ "x 1.2.3\n", 1, 3 },
		{ "x 1e\n", 1, 3 },
		{ "x infinite\n", 1, 3 },
		{ "x 1\r\n", 1, 3 },
		{ "x{a=\"b} 1\n", 1, 10 },
		{ "x{a=\"\\t\"} 1\n", 1, 6 },
		{ "x{a=\"1\",a=\"2\"} 1\n", 1, 9 },
		{ "x{a=1} 1\n", 1, 5 },
		{ "x{9a=\"1\"} 1\n", 1, 3 },
		{ "x{a=\"1\" b=\"2\"} 1\n", 1, 9 },
		{ "x{a=\"1\"\n", 1, 8 },
		{ "x{a \"1\"} 1\n", 1, 5 },
		{ "x{,} 1\n", 1, 3 },
		{ "9x 1\n", 1, 1 },
		{ "x-1\n", 1, 2 },
		{ "{a=\"1\"} 1\n", 1, 1 },
		{ "x 1 12.5\n", 1, 5 },
		{ "x 1 99999999999999999999\n", 1, 5 },
		{ "x 1 1e3\n", 1, 5 },
		{ "# TYPE x bogus\n", 1, 10 },
		{ "# TYPE x gauge extra\n", 1, 15 },
		{ "# TYPE x\n", 1, 9 },
		{ "# TYPE 9x gauge\n", 1, 8 },
		{ "# HELP x- oops\n", 1, 9 },
		{ "# HELP x bad \\t escape\n", 1, 14 },
		{ "# HELP x ends in \\\n", 1, 18 },
		{ "x 1\ny 2\n\nz\n", 4, 2 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct prom_selector sel = { "x", NULL, 0 };
		struct prom_value v = { 7, 7 };
		struct prom_error err;
		int r = prom_select(bad[i].text, strlen(bad[i].text), &sel, 1, &v, &err);

		if (r != -1 || err.line != bad[i].line || err.column != bad[i].column ||
		    !err.what[0] || !isnan(v.value) || v.matched)
			fail_msg("'%s': returned %d at %lu:%lu (%s), value %g matched %lu; want -1 "
				 "at %lu:%lu, NaN and 0", bad[i].text, r, err.line, err.column,
				 err.what, v.value, v.matched, bad[i].line, bad[i].column);
	}
}

/* A good line before a bad one gives nothing: no value is taken from a refused page. */
static void test_refused_page_gives_nothing(void **state)
{
	const char *text = "x 1\nx{a=\"unclosed} 2\n";
	struct prom_selector sel = { "x", NULL, 0 };
	struct prom_value v;
	struct prom_error err;

	(void)state;
	assert_int_equal(prom_select(text, strlen(text), &sel, 1, &v, &err), -1);
	assert_int_equal(err.line, 2);
	assert_true(isnan(v.value));
	assert_int_equal(v.matched, 0);
}

/* Binary junk (an HTML error page, a gzip body) is refused, not read as numbers. */
static void test_garbage(void **state)
{
	static const char gz[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x48\xcd\xc9";
	const char *html = "<html><body>404 page not found</body></html>\n";
	struct prom_selector sel = { "go_goroutines", NULL, 0 };
	struct prom_value v;
	struct prom_error err;

	(void)state;
	assert_int_equal(prom_select(gz, sizeof(gz) - 1, &sel, 1, &v, &err), -1);
	assert_int_equal(prom_select(html, strlen(html), &sel, 1, &v, &err), -1);
	/* "404 page not found" as Go's http.NotFound writes it: a name can't start with a digit */
	assert_int_equal(prom_select("404 page not found\n", 19, &sel, 1, &v, &err), -1);
}

static void test_bounds(void **state)
{
	size_t long_len = PROM_MAX_LINE + 10, n_lines = PROM_MAX_LINES + 1;
	char *text = malloc(long_len > n_lines ? long_len + 8 : n_lines + 8);
	struct prom_selector sel = { "x", NULL, 0 };
	struct prom_value v;
	struct prom_error err;
	char *p;
	int n;

	(void)state;
	assert_non_null(text);
	/* One line just over the limit; the limit itself is fine. */
	memset(text, 'x', long_len);
	memcpy(text + long_len - 2, " 1", 2);
	assert_int_equal(prom_select(text, long_len, &sel, 1, &v, &err), -1);
	assert_string_equal(err.what, "line too long");
	assert_int_equal(prom_select(text + 10, PROM_MAX_LINE, &sel, 1, &v, &err), 0);
	/* Too many lines, even empty ones. */
	memset(text, '\n', n_lines);
	assert_int_equal(prom_select(text, n_lines, &sel, 1, &v, &err), -1);
	assert_int_equal(err.line, PROM_MAX_LINES + 1);
	assert_int_equal(prom_select(text, n_lines - 1, &sel, 1, &v, &err), 0);
	/* One label too many. */
	p = text + sprintf(text, "x{");
	for (n = 0; n <= PROM_MAX_LABELS; n++)
		p += sprintf(p, "l%d=\"v\",", n);
	sprintf(p, "} 1\n");
	assert_int_equal(prom_select(text, strlen(text), &sel, 1, &v, &err), -1);
	assert_string_equal(err.what, "too many labels on one sample");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go_client_values),
		cmocka_unit_test(test_go_client_special_values),
		cmocka_unit_test(test_go_client_escaped_labels),
		cmocka_unit_test(test_go_client_histogram_summary),
		cmocka_unit_test(test_selector_sums),
		cmocka_unit_test(test_many_selectors),
		cmocka_unit_test(test_go_runtime),
		cmocka_unit_test(test_python_client),
		cmocka_unit_test(test_node_client),
		cmocka_unit_test(test_accepted_forms),
		cmocka_unit_test(test_nul_in_label_value),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_refused_page_gives_nothing),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
