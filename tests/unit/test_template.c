/*
 * test_template — placeholder templates: compiling, expanding ({{, cut output, unset vars, a
 * growing buffer), rejecting unknown names, and the shape of generated UUIDs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/template.h"

static const struct template_vars all_vars = { .port = "8080", .seq = "17", .uuid = "U" };

/* Compile text, expand it with v, and return the result (caller frees). */
static char *expand(const char *text, const struct template_vars *v)
{
	struct template *t = template_compile(text, NULL);
	char *out;

	assert_non_null(t);
	out = template_expand_dup(t, v);
	assert_non_null(out);
	template_free(&t);
	assert_null(t);
	return out;
}

static void assert_expands(const char *text, const struct template_vars *v, const char *want)
{
	char *got = expand(text, v);

	assert_string_equal(got, want);
	free(got);
}

static void test_expand_all_placeholders(void **state)
{
	(void)state;
	assert_expands("http://127.0.0.1:{port}/r?n={seq}&id={uuid}", &all_vars,
		       "http://127.0.0.1:8080/r?n=17&id=U");
	assert_expands("{port}{port}", &all_vars, "80808080");
	assert_expands("", &all_vars, "");
	assert_expands("plain", &all_vars, "plain");
}

static void test_double_brace_is_literal(void **state)
{
	(void)state;
	assert_expands("{{port}", &all_vars, "{port}");
	assert_expands("a{{b", &all_vars, "a{b");
	assert_expands("{{{port}", &all_vars, "{8080");
	assert_expands("{{", &all_vars, "{");
}

static void test_other_braces_are_literal(void **state)
{
	(void)state;
	/* JSON bodies must not need escaping: only "{word}" is a placeholder. */
	assert_expands("{\"id\": \"{uuid}\", \"n\": {seq}}", &all_vars,
		       "{\"id\": \"U\", \"n\": 17}");
	assert_expands("{}", &all_vars, "{}");
	assert_expands("{port", &all_vars, "{port");
	assert_expands("{1}", &all_vars, "{1}");
	assert_expands("}", &all_vars, "}");
}

static void test_unset_vars_stay(void **state)
{
	struct template_vars only_port = { .port = "9" };

	(void)state;
	assert_expands("{port}/{seq}/{uuid}", &only_port, "9/{seq}/{uuid}");
}

static void test_unknown_placeholder(void **state)
{
	char *bad = NULL;
	struct template *t = template_compile("--port={prot}", &bad);

	(void)state;
	assert_null(t);
	assert_non_null(bad);
	assert_string_equal(bad, "prot");
	free(bad);
	/* Case matters: {Port} is a typo, not {port}. */
	assert_null(template_compile("{Port}", &bad));
	assert_string_equal(bad, "Port");
	free(bad);
	assert_null(template_compile("{x}", NULL));
}

static void test_uses(void **state)
{
	struct template *t = template_compile("/r/{seq}?{{uuid}", NULL);

	(void)state;
	assert_non_null(t);
	assert_true(template_uses(t, "seq"));
	assert_false(template_uses(t, "uuid"));	/* escaped */
	assert_false(template_uses(t, "port"));
	assert_false(template_uses(t, "nope"));
	template_free(&t);
}

static void test_truncation(void **state)
{
	struct template *t = template_compile("ab{port}cd", NULL);
	char buf[8];

	(void)state;
	assert_non_null(t);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(template_expand(t, &all_vars, buf, 5), 8);
	assert_string_equal(buf, "ab80");
	assert_int_equal(buf[5], 'x');	/* nothing written past len */
	assert_int_equal(template_expand(t, &all_vars, buf, 1), 8);
	assert_string_equal(buf, "");
	assert_int_equal(template_expand(t, &all_vars, NULL, 0), 8);
	/* Exactly full: 8 characters need 9 bytes. */
	assert_int_equal(template_expand(t, &all_vars, buf, 8), 8);
	assert_string_equal(buf, "ab8080c");
	template_free(&t);
}

static int is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f');
}

static void assert_uuid_v4(const char *u)
{
	assert_int_equal(strlen(u), 36);
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(u[i], '-');
		else
			assert_true(is_hex(u[i]));
	}
	assert_int_equal(u[14], '4');			/* version 4 */
	assert_non_null(strchr("89ab", u[19]));		/* RFC 4122 variant */
}

/* template_expand_buf: the buffer grows to fit, and is reused when it already does. */
static void test_expand_buf_grows(void **state)
{
	struct template *t = template_compile("/item/{seq}?id={uuid}", NULL);
	struct template_vars v = { .seq = "18446744073709551615", .uuid = "U" };
	char *buf = NULL, *kept;
	size_t cap = 0;

	(void)state;
	assert_non_null(t);
	assert_int_equal(template_expand_buf(t, &v, &buf, &cap), 31);
	assert_string_equal(buf, "/item/18446744073709551615?id=U");
	assert_true(cap > 31);
	kept = buf;
	v.seq = "7";
	assert_int_equal(template_expand_buf(t, &v, &buf, &cap), 12);
	assert_string_equal(buf, "/item/7?id=U");
	assert_ptr_equal(buf, kept);
	free(buf);
	template_free(&t);
}

static void test_uuid_format(void **state)
{
	unsigned long long rng = template_uuid_seed();
	char a[37], b[37];

	(void)state;
	for (int i = 0; i < 1000; i++) {
		template_uuid(&rng, a);
		assert_uuid_v4(a);
	}
	template_uuid(&rng, b);
	assert_string_not_equal(a, b);
}

static void test_uuid_zero_state(void **state)
{
	unsigned long long rng = 0;
	char a[37], b[37];

	(void)state;
	template_uuid(&rng, a);
	template_uuid(&rng, b);
	assert_uuid_v4(a);
	assert_string_not_equal(a, b);
	assert_true(rng != 0);
}

static void test_uuid_seeds_differ(void **state)
{
	(void)state;
	assert_true(template_uuid_seed() != template_uuid_seed());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand_all_placeholders),
		cmocka_unit_test(test_double_brace_is_literal),
		cmocka_unit_test(test_other_braces_are_literal),
		cmocka_unit_test(test_unset_vars_stay),
		cmocka_unit_test(test_unknown_placeholder),
		cmocka_unit_test(test_uses),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_expand_buf_grows),
		cmocka_unit_test(test_uuid_format),
		cmocka_unit_test(test_uuid_zero_state),
		cmocka_unit_test(test_uuid_seeds_differ),
	};

	return cmocka_run_group_tests_name("template", tests, NULL, NULL);
}
