/*
 * test_cap — the caps on a target's tree: the default memory cap from a meminfo file (half of
 * MemAvailable, shared by the runs of a soak), which sample crosses which cap, the reason
 * line, summary.json's "cap", and the parsing of the flags' numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "proc/cap.h"
#include "base/diag.h"

static char *meminfo(const char *dir, const char *text)
{
	char *path = tu_path(dir, "meminfo");

	tu_spit(path, text, strlen(text));
	return path;
}

static void test_default_is_half_available_shared(void **state)
{
	char *p = meminfo(*state, "MemTotal:       24000000 kB\nMemFree:  100 kB\n"
			  "MemAvailable:   20000000 kB\nBuffers: 1 kB\n");

	assert_int_equal(cap_default_rss_kib(p, 1), 10000000);
	assert_int_equal(cap_default_rss_kib(p, 4), 2500000);
	free(p);
}

static void test_default_has_a_floor(void **state)
{
	char *p = meminfo(*state, "MemAvailable:   100 kB\n");

	assert_int_equal(cap_default_rss_kib(p, 8), CAP_MIN_RSS_KIB);
	free(p);
}

static void test_default_unreadable_is_none(void **state)
{
	char msg[256];
	char *p = meminfo(*state, "MemTotal: 5 kB\n");

	diag_capture(msg, sizeof(msg));
	assert_int_equal(cap_default_rss_kib(p, 1), 0);
	assert_non_null(strstr(msg, "no MemAvailable"));
	assert_int_equal(cap_default_rss_kib("/nonexistent/meminfo", 1), 0);
	diag_capture(NULL, 0);
	free(p);
}

static void test_check_and_describe(void **state)
{
	struct cap_limits c = { .max_rss_kib = 1000, .max_procs = 4 };
	struct sample s = { .t_s = 3.25, .rss_kib = 1000, .procs = 4 };
	struct cap_hit hit = { 0 };
	char buf[128];

	(void)state;
	assert_int_equal(cap_check(&c, &s, &hit), 0);	/* at the cap is not past it */
	s.procs = 5;
	assert_int_equal(cap_check(&c, &s, &hit), 1);
	assert_int_equal(hit.kind, CAP_PROCS);
	cap_describe(&hit, buf, sizeof(buf));
	assert_string_equal(buf, "exceeded its process cap at t = 3.2 s (5 processes > 4)");
	s.rss_kib = 1001;
	assert_int_equal(cap_check(&c, &s, &hit), 1);
	assert_int_equal(hit.kind, CAP_RSS);
	cap_describe(&hit, buf, sizeof(buf));
	assert_string_equal(buf, "exceeded its memory cap at t = 3.2 s (1001 KiB > 1000 KiB)");
	json_t *j = cap_json(&hit);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "rss");
	assert_int_equal(json_integer_value(json_object_get(j, "limit")), 1000);
	json_decref(j);
	c = (struct cap_limits){ 0 };
	assert_int_equal(cap_check(&c, &s, &hit), 0);	/* 0: no cap */
}

static void test_parse(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(cap_parse("2048", 1024, 4096, &v), 0);
	assert_int_equal(v, 2048);
	assert_int_equal(cap_parse("1023", 1024, 4096, &v), -1);
	assert_int_equal(cap_parse("4097", 1024, 4096, &v), -1);
	assert_int_equal(cap_parse("-1", 0, 4096, &v), -1);
	assert_int_equal(cap_parse("12k", 0, 4096, &v), -1);
	assert_int_equal(cap_parse("", 0, 4096, &v), -1);
	assert_int_equal(cap_parse("99999999999999999999999", 0, CAP_MAX_RSS_KIB, &v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		tu_tmpdir_test(test_default_is_half_available_shared),
		tu_tmpdir_test(test_default_has_a_floor),
		tu_tmpdir_test(test_default_unreadable_is_none),
		cmocka_unit_test(test_check_and_describe),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests_name("cap", tests, NULL, NULL);
}
