/*
 * test_units — the checked number parsers: each unit, and every way a string is refused
 * (trailing junk, empty, sign, hex, overflow, inf, NaN, blanks, out of range).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "units.h"

static const char *const junk[] = {
	"", "30x", "-1", "+1", " 1", "1 ", "1e999", "nan", "NaN", "inf", "infinity", "0x10",
	"1.5.3", "e3", "1e", "s", NULL,
};

static double duration(const char *s)
{
	double v = -1;

	assert_int_equal(units_parse_duration_s(s, &v), 0);
	return v;
}

static double kib(const char *s)
{
	double v = -1;

	assert_int_equal(units_parse_kib(s, &v), 0);
	return v;
}

static void test_duration(void **state)
{
	(void)state;
	assert_true(duration("90") == 90);
	assert_true(duration("90s") == 90);
	assert_true(duration("1.5m") == 90);
	assert_true(duration("2h") == 7200);
	assert_true(duration("250ms") == 0.25);
	assert_true(duration(".5") == 0.5);
	assert_true(duration("1e2") == 100);
}

static void test_duration_rejects(void **state)
{
	double v = 42;

	(void)state;
	for (const char *const *s = junk; *s; s++)
		assert_int_equal(units_parse_duration_s(*s, &v), -1);
	assert_int_equal(units_parse_duration_s("0", &v), -1);		/* must be > 0 */
	assert_int_equal(units_parse_duration_s("0s", &v), -1);
	assert_int_equal(units_parse_duration_s("5 m", &v), -1);
	assert_int_equal(units_parse_duration_s("5M", &v), -1);
	assert_int_equal(units_parse_duration_s("5sec", &v), -1);
	assert_int_equal(units_parse_duration_s("1e306h", &v), -1);	/* overflows to inf */
	assert_int_equal(units_parse_duration_s("1e-999", &v), -1);	/* underflows */
	assert_true(v == 42);	/* untouched on error */
}

static void test_kib(void **state)
{
	(void)state;
	assert_true(kib("512") == 512);
	assert_true(kib("512KiB") == 512);
	assert_true(kib("2MiB") == 2048);
	assert_true(kib("1GiB") == 1048576);
	assert_true(kib("0") == 0);
	assert_true(kib("0.5MiB") == 512);
}

static void test_kib_rejects(void **state)
{
	double v = 42;

	(void)state;
	for (const char *const *s = junk; *s; s++)
		assert_int_equal(units_parse_kib(*s, &v), -1);
	assert_int_equal(units_parse_kib("2MB", &v), -1);
	assert_int_equal(units_parse_kib("2kib", &v), -1);
	assert_int_equal(units_parse_kib("-0", &v), -1);
	assert_true(v == 42);
}

static void test_double(void **state)
{
	double v = -1;

	(void)state;
	assert_int_equal(units_parse_double("0.5", &v), 0);
	assert_true(v == 0.5);
	assert_int_equal(units_parse_double("1", &v), 0);
	assert_true(v == 1);
	assert_int_equal(units_parse_double("0", &v), 0);
	assert_true(v == 0);
	for (const char *const *s = junk; *s; s++)
		assert_int_equal(units_parse_double(*s, &v), -1);
	assert_int_equal(units_parse_double("1s", &v), -1);	/* no units here */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_duration_rejects),
		cmocka_unit_test(test_kib),
		cmocka_unit_test(test_kib_rejects),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_uint),
	};

	return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
