/*
 * Unit tests for text: the one escaping function (control characters, CI annotations,
 * invalid UTF-8, cuts between whole escapes), UTF-8 checks and character-safe cuts, and JSON
 * strings that jansson always accepts.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "base/diag.h"
#include "base/text.h"

static void assert_escaped(const char *in, unsigned flags, const char *want)
{
	char *got = text_escape(in, flags);

	assert_non_null(got);
	assert_string_equal(got, want);
	assert_true(text_is_utf8(got));
	free(got);
}

static void test_controls_become_visible(void **state)
{
	(void)state;
	assert_escaped("plain text, é ü 漢字 🙂", 0, "plain text, é ü 漢字 🙂");
	assert_escaped("a\nb\rc\td", 0, "a\\nb\\rc\\td");
	assert_escaped("\x1b[31mred\x1b[0m", 0, "\\x1b[31mred\\x1b[0m");
	assert_escaped("del\x7f c1\xc2\x9b", 0, "del\\x7f c1\\xc2\\x9b");
	assert_escaped("x\n::error::forged", 0, "x\\n::error::forged");
	/* At the start of a line a ':' is escaped too: no line can read as an annotation. */
	assert_escaped("::error::forged", TEXT_LINE_START, "\\x3a:error::forged");
	assert_escaped("a:b", TEXT_LINE_START, "a:b");
	assert_escaped("two\nlines\tand\x1b", TEXT_KEEP_LINES, "two\nlines\tand\\x1b");
	assert_escaped("x\n::error::y: z", TEXT_KEEP_LINES, "x\n\\x3a:error::y: z");
	assert_escaped(NULL, 0, "");
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	assert_escaped("\xff\xfe", 0, "\\xff\\xfe");
	assert_escaped("cut \xc3", 0, "cut \\xc3");
	assert_escaped("overlong \xc0\xaf", 0, "overlong \\xc0\\xaf");
	assert_escaped("surrogate \xed\xa0\x80", 0, "surrogate \\xed\\xa0\\x80");
	assert_escaped("too big \xf4\x90\x80\x80", 0, "too big \\xf4\\x90\\x80\\x80");
	assert_true(text_is_utf8("é🙂"));
	assert_false(text_is_utf8("\xe2\x82"));
	assert_false(text_is_utf8("\xc0\x80"));
}

/* A buffer that is too small ends between whole escapes and characters, never inside one. */
static void test_cuts_are_whole(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(text_escape_n(buf, sizeof(buf), "ab\x1b", 0), 6);
	assert_string_equal(buf, "ab\\x1b");
	assert_int_equal(text_escape_n(buf, sizeof(buf), "abcd\x1b", 0), 8);
	assert_string_equal(buf, "abcd");
	assert_int_equal(text_escape_n(buf, sizeof(buf), "abcdeé", 0), 7);
	assert_string_equal(buf, "abcdeé");
	assert_int_equal(text_escape_n(buf, sizeof(buf), "abcdef🙂", 0), 10);
	assert_string_equal(buf, "abcdef");
	assert_int_equal(text_escape_n(NULL, 0, "\n", 0), 2);
}

static void test_utf8_cut(void **state)
{
	char s[] = "ab\xc3\xa9\xe6\xbc\xa2";	/* "abé漢" */

	(void)state;
	assert_int_equal(text_utf8_cut(s, 7), 7);
	assert_int_equal(text_utf8_cut(s, 6), 4);
	assert_int_equal(text_utf8_cut(s, 5), 4);
	assert_int_equal(text_utf8_cut(s, 3), 2);
	assert_int_equal(text_utf8_cut(s, 0), 0);
	s[6] = '\0';
	text_utf8_trim(s);
	assert_string_equal(s, "ab\xc3\xa9");
	/* Stray continuation bytes are not ours to fix: left for the escape to show. */
	assert_int_equal(text_utf8_cut("\x80\x80\x80\x80\x80", 5), 5);
}

static void test_json_string(void **state)
{
	json_t *j;

	(void)state;
	j = text_json_string("ok é");
	assert_string_equal(json_string_value(j), "ok é");
	json_decref(j);
	j = text_json_string("bad \xff cut \xc3");
	assert_non_null(j);
	assert_string_equal(json_string_value(j), "bad \xef\xbf\xbd cut \xef\xbf\xbd");
	json_decref(j);
	j = text_json_string(NULL);
	assert_true(json_is_null(j));
	json_decref(j);
}

/* diag escapes every message: one line on stderr whatever it quotes. */
/* Lines of a tool's output: the last without a newline, an empty one, one cut to the buffer,
 * a NUL ending a line early, and nothing past the end. */
static void test_next_line(void **state)
{
	const char text[] = "one\n\nabcdefghij\nnu\0l\nlast";
	size_t len = sizeof(text) - 1, pos = 0;
	char buf[6];

	(void)state;
	assert_int_equal(text_next_line(text, len, &pos, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "one");
	assert_int_equal(text_next_line(text, len, &pos, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(text_next_line(text, len, &pos, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "abcde");
	assert_int_equal(text_next_line(text, len, &pos, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "nu");
	assert_int_equal(text_next_line(text, len, &pos, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "last");
	assert_int_equal(text_next_line(text, len, &pos, buf, sizeof(buf)), -1);
	assert_int_equal(text_next_line(text, len, &pos, buf, sizeof(buf)), -1);
}

static void test_diag_escapes(void **state)
{
	char msg[128];

	(void)state;
	diag_capture(msg, sizeof(msg));
	diag_error("cannot start '%s'", "x\n::error::y\x1b]0;t\x07");
	diag_capture(NULL, 0);
	assert_string_equal(msg, "cannot start 'x\\n::error::y\\x1b]0;t\\x07'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controls_become_visible),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_cuts_are_whole),
		cmocka_unit_test(test_utf8_cut),
		cmocka_unit_test(test_json_string),
		cmocka_unit_test(test_diag_escapes),
		cmocka_unit_test(test_next_line),
	};

	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
