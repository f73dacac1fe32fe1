/*
 * jvmhist: `jcmd PID GC.class_histogram` read from fixtures the real jcmd wrote
 * (tests/unit/fixtures/jvmhist/regen.sh on tests/helpers/java/JvmLeak), and edge cases.
 */
#include "testutil.h"

#include "jvmhist.h"

static void load(const char *path, struct jvmhist *h)
{
	char *text = tu_slurp(path);

	assert_non_null(text);
	assert_int_equal(jvmhist_parse(text, strlen(text), h), 0);
	free(text);
}

/* JvmLeak keeps every Session: it is the application class that grew, named first. */
static void test_fixture(void **state)
{
	struct jvmhist a, b;
	struct jvmhist_growth g[JVMHIST_TOP];
	size_t n;

	(void)state;
	load("tests/unit/fixtures/jvmhist/start.txt", &a);
	load("tests/unit/fixtures/jvmhist/end.txt", &b);
	assert_true(b.n > 100);
	assert_true(b.total_bytes > a.total_bytes);
	n = jvmhist_diff(&a, &b, g, JVMHIST_TOP);
	assert_true(n >= 2);
	assert_string_equal(g[0].name, "Session");
	assert_false(g[0].jdk);
	assert_true(g[0].instances > 1000);
	assert_int_equal(g[0].bytes, g[0].instances * 24);
	/* the token arrays grow with them, but come after the application's class */
	assert_string_equal(g[1].name, "[B");
	assert_true(g[1].jdk);
	jvmhist_release(&a);
	jvmhist_release(&b);
}

static void test_rows(void **state)
{
	static const char text[] =
		"123:\n"
		" num     #instances         #bytes  class name (module)\n"
		"   1:        10        1000  [B (java.base@17.0.15)\n"
		"   2:         5         100  com.x.Cache$Entry\n"
		"   3:        -5         100  negative\n"
		"   4:         5  99999999999999999999  huge\n"
		"   5:         5         100  \n"
		"Total        15        1100\n";
	struct jvmhist none = { 0 }, h;
	struct jvmhist_growth g[1];

	(void)state;
	assert_int_equal(jvmhist_parse(text, sizeof(text) - 1, &h), 0);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.total_instances, 15);
	assert_int_equal(h.total_bytes, 1100);
	/* bounded to one: the application's class wins over a larger JDK one */
	assert_int_equal(jvmhist_diff(&none, &h, g, 1), 1);
	assert_string_equal(g[0].name, "com.x.Cache$Entry");
	assert_int_equal(jvmhist_diff(&h, &h, g, 1), 0);
	jvmhist_release(&h);
	assert_int_equal(jvmhist_parse("", 0, &h), 0);
	assert_int_equal(h.n, 0);
	jvmhist_release(&h);
}

static void test_bounds(void **state)
{
	size_t cap = (JVMHIST_MAX_CLASSES + 5) * 40;
	char *text = malloc(cap), *p = text;
	struct jvmhist h;

	(void)state;
	for (int i = 0; i < JVMHIST_MAX_CLASSES + 5; i++)
		p += sprintf(p, "%d: 1 16 C%d\n", i + 1, i);
	assert_int_equal(jvmhist_parse(text, (size_t)(p - text), &h), 0);
	assert_int_equal(h.n, JVMHIST_MAX_CLASSES);
	assert_true(h.truncated);
	jvmhist_release(&h);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
