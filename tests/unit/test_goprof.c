/*
 * goprof: Go's goroutine dumps and pprof's -top table, read from fixtures the real tools
 * wrote (tests/unit/fixtures/goprof/regen.sh: tests/helpers/goleak, curl, go tool pprof),
 * hand-made edge cases, sizes, and heapcmp's sentences.
 */
#include "testutil.h"

#include <sys/stat.h>

#include "base/clock.h"
#include "judge/gate.h"
#include "evidence/goprof.h"
#include "evidence/heapcmp.h"
#include "base/spawn.h"

static void load_dump(const char *path, struct goprof_goroutines *g)
{
	char *text = tu_slurp(path);

	assert_non_null(text);
	assert_int_equal(goprof_parse_goroutines(text, strlen(text), g), 0);
	free(text);
}

/* goleak strands one goroutine per request in main.parkedLoop: 300 requests between dumps. */
static void test_goroutine_fixture(void **state)
{
	struct goprof_goroutines a, b;
	struct goprof_growth grew[GOPROF_TOP];
	size_t n;

	(void)state;
	load_dump("tests/unit/fixtures/goprof/goroutine-start.txt", &a);
	load_dump("tests/unit/fixtures/goprof/goroutine-end.txt", &b);
	assert_true(a.n >= 3);
	assert_int_equal(b.total - a.total, 300);
	n = goprof_goroutines_diff(&a, &b, grew, GOPROF_TOP);
	assert_true(n >= 1);
	assert_string_equal(grew[0].function, "main.parkedLoop");
	assert_string_equal(grew[0].location, "goleak/main.go:35");
	assert_int_equal(grew[0].delta, 300);
	assert_int_equal(grew[0].end, 350);
	goprof_goroutines_release(&a);
	goprof_goroutines_release(&b);
}

/* Runtime frames are skipped for the first frame outside the runtime; labels name nothing. */
static void test_goroutine_naming(void **state)
{
	static const char dump[] =
		"goroutine profile: total 9\n"
		"7 @ 0x1 0x2 0x3\n"
		"# labels: {\"k\":\"v\"}\n"
		"#\t0x1\truntime.gopark+0x10\t/go/src/runtime/proc.go:363\n"
		"#\t0x2\tmain.(*Queue).loop+0x73\t/home/u/src/stopped-ticker/main.go:59\n"
		"#\t0x3\tmain.main+0x1\t/home/u/src/stopped-ticker/main.go:80\n"
		"\n"
		"2 @ 0x9\n"
		"#\t0x9\truntime.only+0x1\t/go/src/runtime/x.go:1\n";
	struct goprof_goroutines none = { 0 }, g;
	struct goprof_growth grew[2];
	char buf[40];

	(void)state;
	assert_int_equal(goprof_parse_goroutines(dump, sizeof(dump) - 1, &g), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.total, 9);
	assert_string_equal(g.stacks[0].function, "main.(*Queue).loop");
	assert_string_equal(g.stacks[0].location, "stopped-ticker/main.go:59");
	assert_string_equal(g.stacks[1].function, "runtime.only");
	assert_int_equal(goprof_goroutines_diff(&none, &g, grew, 2), 2);
	assert_int_equal(grew[0].delta, 7);
	assert_string_equal(goprof_count(buf, sizeof(buf), 1812), "+1,812");
	assert_string_equal(goprof_count(buf, sizeof(buf), -1234567), "-1,234,567");
	assert_string_equal(goprof_count(buf, sizeof(buf), 0), "+0");
	goprof_goroutines_release(&g);
}

/* Junk, a truncated record, and more records than the bound. */
static void test_goroutine_bounds(void **state)
{
	size_t len = (GOPROF_MAX_STACKS + 10) * 16;
	char *text = malloc(len), *p = text;
	struct goprof_goroutines g;

	(void)state;
	assert_int_equal(goprof_parse_goroutines("#\t\n@@\n-1 @ 0x1\n5 @", 18, &g), 0);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.stacks[0].function, "");
	goprof_goroutines_release(&g);
	for (int i = 0; i < GOPROF_MAX_STACKS + 10; i++)
		p += sprintf(p, "1 @ 0x%x\n", i);
	assert_int_equal(goprof_parse_goroutines(text, (size_t)(p - text), &g), 0);
	assert_int_equal(g.n, GOPROF_MAX_STACKS);
	assert_true(g.truncated);
	assert_int_equal(g.total, GOPROF_MAX_STACKS + 10);
	goprof_goroutines_release(&g);
	free(text);
}

static void test_top_fixture(void **state)
{
	char *text = tu_slurp("tests/unit/fixtures/goprof/top.txt");
	struct goprof_top t;

	(void)state;
	assert_non_null(text);
	assert_true(goprof_parse_top(text, strlen(text), &t) >= 3);
	assert_string_equal(t.fns[0].function, "main.retainBlock");
	/* 300 requests of 64 KiB each, as pprof samples them */
	assert_true(t.fns[0].flat_bytes > 15 * 1024 * 1024);
	assert_true(t.total_bytes >= t.fns[0].flat_bytes);
	free(text);
}

static void test_top_rows(void **state)
{
	static const char text[] =
		"Showing nodes accounting for -1MB, 5% of 2GB total\n"
		"      flat  flat%   sum%        cum   cum%\n"
		" -512.17kB  3.77% 92.46%  -512.17kB  3.77%  net/textproto.readMIMEHeader (inline)\n"
		"    1.50MB 1% 1% 1.50MB 1%  main.f\n"
		"         0     0% 92.46%    13072kB 96.23%\n"
		"  12zB 1% 1% 1B 1%  bad.unit\n";
	struct goprof_top t;
	int64_t b;

	(void)state;
	assert_int_equal(goprof_parse_top(text, sizeof(text) - 1, &t), 2);
	assert_int_equal(t.total_bytes, 2LL << 30);
	assert_string_equal(t.fns[0].function, "net/textproto.readMIMEHeader");
	assert_int_equal(t.fns[0].flat_bytes, (int64_t)(-512.17 * 1024));
	assert_int_equal(t.fns[1].flat_bytes, 1536 * 1024);
	assert_int_equal(goprof_parse_size("0", &b), 0);
	assert_int_equal(b, 0);
	assert_int_equal(goprof_parse_size("1e30PB", &b), -1);
	assert_int_equal(goprof_parse_size("kB", &b), -1);
	assert_int_equal(goprof_parse_top("", 0, &t), 0);
}

/* A fake "go" in dir (body: the shell script after the #! line), first in PATH. */
static char *fake_go(const char *dir, const char *body)
{
	char *go = tu_path(dir, "go"), *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	char script[512], path[4096];

	snprintf(script, sizeof(script), "#!/bin/sh\n%s\n", body);
	tu_spit(go, script, strlen(script));
	assert_int_equal(chmod(go, 0755), 0);
	snprintf(path, sizeof(path), "%s:%s", dir, old ? old : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	free(go);
	return old;
}

static void restore_path(char *old)
{
	if (old)
		setenv("PATH", old, 1);
	else
		unsetenv("PATH");
	free(old);
}

/* go tool pprof run through spawn: its table parsed, a failure and a hang (killed) said. */
static void test_top_run(void **state)
{
	const char *dir = *state;
	char *txt = tu_path(dir, "top.txt"), *old;
	struct goprof_top t;
	int64_t t0;

	/* the tests run from the top of the tree, as the fixtures' paths say */
	old = fake_go(dir, "exec cat tests/unit/fixtures/goprof/top.txt");
	assert_true(spawn_in_path("go"));
	assert_int_equal(goprof_top_run("a.pb.gz", "b.pb.gz", txt, 5000, &t), 0);
	assert_string_equal(t.fns[0].function, "main.retainBlock");
	restore_path(old);
	old = fake_go(dir, "echo 'no such profile' >&2; exit 1");
	assert_int_equal(goprof_top_run("a", "b", txt, 5000, &t), -1);
	restore_path(old);
	old = fake_go(dir, "exec sleep 30");
	t0 = clock_now_ns();
	assert_int_equal(goprof_top_run("a", "b", txt, 200, &t), -1);
	assert_true(clock_now_ns() - t0 < 5 * CLOCK_NS_PER_S);
	restore_path(old);
	free(txt);
}

/* A report with RSS and one heap series fitted at the given growth over 60 s. */
static void fake_report(struct gate_report *r, double rss_kib, double heap_kib)
{
	memset(r, 0, sizeof(*r));
	r->n_metrics = METRIC_N_BUILTIN + 1;
	r->fitted_s = 60;
	r->metric[METRIC_RSS].fitted = 1;
	r->metric[METRIC_RSS].fit.theil_sen.slope = rss_kib / 60;
	r->metric[METRIC_N_BUILTIN].fitted = 1;
	r->metric[METRIC_N_BUILTIN].fit.theil_sen.slope = heap_kib * 1024 / 60;
}

static void expect_which(const struct scenario *sc, double rss, double heap, const char *which,
			 const char *start)
{
	struct gate_report r;
	json_t *j;

	fake_report(&r, rss, heap);
	j = heapcmp_json(&r, sc, 0);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "which")), which);
	assert_true(strncmp(json_string_value(json_object_get(j, "line")), start,
			    strlen(start)) == 0);
	json_decref(j);
}

static void test_heapcmp(void **state)
{
	struct scenario_series s = { .name = (char *)"heap", .metric =
				     (char *)"go_memstats_heap_inuse_bytes" };
	struct scenario sc = { .prometheus = { .series = &s, .n_series = 1 } };
	struct gate_report r;
	json_t *j;

	(void)state;
	expect_which(&sc, 14 * 1024, 50, "outside", "RSS +14.0 MiB while the Go heap stayed flat");
	expect_which(&sc, 14 * 1024, 12 * 1024, "heap", "the Go heap grew +12.0 MiB of RSS's "
		     "+14.0 MiB");
	expect_which(&sc, 14 * 1024, 4 * 1024, "both", "RSS +14.0 MiB, of which the Go heap");
	expect_which(&sc, 100, 100, "neither", "neither RSS");
	fake_report(&r, 14 * 1024, 0);
	j = heapcmp_json(&r, &sc, 1812);
	assert_string_equal(json_string_value(json_object_get(j, "line")), "RSS +14.0 MiB while "
			    "the Go heap stayed flat (+0 KiB): memory outside the Go heap (the "
			    "stacks of 1,812 goroutines, C allocations, or pages freed with "
			    "MADV_FREE)");
	json_decref(j);
	s.metric = (char *)"go_goroutines";
	fake_report(&r, 1, 1);
	assert_null(heapcmp_json(&r, &sc, 0));
	assert_string_equal(heapcmp_runtime("jvm_memory_used_bytes"), "JVM");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_goroutine_fixture),
		cmocka_unit_test(test_goroutine_naming),
		cmocka_unit_test(test_goroutine_bounds),
		cmocka_unit_test(test_top_fixture),
		cmocka_unit_test(test_top_rows),
		tu_tmpdir_test(test_top_run),
		cmocka_unit_test(test_heapcmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
