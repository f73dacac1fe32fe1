/*
 * test_units — the checked number parsers: each unit, and every way a string is refused
 * (trailing junk, empty, sign, hex, overflow, inf, NaN, blanks, out of range); and the one
 * way a rate is written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/units.h"

static const char *const junk[] = {
	"", "30x", "-1", "+1", " 1", "1 ", "1e999", "nan", "NaN", "inf", "infinity", "0x10",
	"1.5.3", "e3", "1e", "s", NULL,
};

/* A string and the number a parser must read from it, exactly; lists end with a NULL text. */
struct reading {
	const char *text;
	double want;
};

typedef int (*parse_fn)(const char *s, double *out);

static void assert_reads(parse_fn parse, const struct reading *r)
{
	for (; r->text; r++) {
		double v = -1;
		int ret = parse(r->text, &v);

		if (ret != 0 || v != r->want)
			fail_msg("'%s': returned %d and read %.17g, want 0 and %.17g", r->text, ret,
				 v, r->want);
	}
}

/* Every string of list is refused, and the output left untouched. */
static void assert_refuses_list(parse_fn parse, const char *const *list)
{
	for (const char *const *s = list; *s; s++) {
		double v = 42;
		int ret = parse(*s, &v);

		if (ret != -1 || v != 42)
			fail_msg("'%s': returned %d and read %.17g, want -1 and 42 untouched", *s,
				 ret, v);
	}
}

/* The junk every parser refuses, and more that this one refuses too. */
static void assert_refuses(parse_fn parse, const char *const *more)
{
	assert_refuses_list(parse, junk);
	assert_refuses_list(parse, more);
}

static void test_duration(void **state)
{
	static const struct reading ok[] = {
		{ "90", 90 }, { "90s", 90 }, { "1.5m", 90 }, { "2h", 7200 }, { "250ms", 0.25 },
		{ ".5", 0.5 }, { "1e2", 100 }, { "744h", 2678400 }, { NULL, 0 },
	};

	(void)state;
	assert_reads(units_parse_duration_s, ok);
}

static void test_duration_rejects(void **state)
{
	static const char *const bad[] = {
		"0", "0s",		/* must be > 0 */
		"5 m", "5M", "5sec",
		"1e306h",		/* overflows to inf */
		"1e-999",		/* underflows */
		"1e10", "745h", "2678401",	/* beyond 31 days: deadlines in ns would overflow */
		NULL,
	};

	(void)state;
	assert_refuses(units_parse_duration_s, bad);
}

static void test_kib(void **state)
{
	static const struct reading ok[] = {
		{ "512", 512 }, { "512KiB", 512 }, { "2MiB", 2048 }, { "1GiB", 1048576 },
		{ "0", 0 }, { "0.5MiB", 512 }, { NULL, 0 },
	};

	(void)state;
	assert_reads(units_parse_kib, ok);
}

static void test_kib_rejects(void **state)
{
	static const char *const bad[] = { "2MB", "2kib", "-0", "1e13", "1e300GiB", NULL };

	(void)state;
	assert_refuses(units_parse_kib, bad);
}

static void test_double(void **state)
{
	static const struct reading ok[] = { { "0.5", 0.5 }, { "1", 1 }, { "0", 0 }, { NULL, 0 } };
	static const char *const bad[] = { "1s", "1e13", NULL };	/* no units; bounded */

	(void)state;
	assert_reads(units_parse_double, ok);
	assert_refuses(units_parse_double, bad);
}

static void test_uint(void **state)
{
	unsigned long v = 99;

	(void)state;
	assert_int_equal(units_parse_uint("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(units_parse_uint("10", 0, 10, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(units_parse_uint("4294967295", 0, 4294967295ul, &v), 0);
	assert_int_equal(v, 4294967295ul);
	v = 99;
	assert_int_equal(units_parse_uint("11", 0, 10, &v), -1);	/* above max */
	assert_int_equal(units_parse_uint("1", 2, 10, &v), -1);	/* below min */
	assert_int_equal(units_parse_uint("1.5", 0, 10, &v), -1);
	assert_int_equal(units_parse_uint("99999999999999999999999", 0, ~0ul, &v), -1);
	for (const char *const *s = junk; *s; s++)
		assert_int_equal(units_parse_uint(*s, 0, ~0ul, &v), -1);
	assert_int_equal(v, 99);
}

/* Whole numbers from 100 up, three significant digits below, a sign only when asked. */
static void test_format_rate(void **state)
{
	static const struct {
		double v;
		const char *plain, *sign;
	} rows[] = {
		{ 2310.4, "2310", "+2310" }, { 100, "100", "+100" }, { 99.96, "100", "+100" },
		{ 99.94, "99.9", "+99.9" }, { 2.456, "2.46", "+2.46" }, { 0, "0", "+0" },
		{ -0.5, "-0.5", "-0.5" }, { -512, "-512", "-512" }, { 1e6, "1000000", "+1000000" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_string_equal(units_format_rate(buf, sizeof(buf), rows[i].v, 0), rows[i].plain);
		assert_string_equal(units_format_rate(buf, sizeof(buf), rows[i].v, 1), rows[i].sign);
	}
	assert_string_equal(units_format_rate(buf, 3, 2310, 0), "23");	/* cut, terminated */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_duration_rejects),
		cmocka_unit_test(test_kib),
		cmocka_unit_test(test_kib_rejects),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_format_rate),
	};

	return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
