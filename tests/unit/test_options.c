/*
 * test_options — one option table per command (cli/options.h): the table as getopt_long takes
 * it (the gates unfolded, last), the --help text it renders, the hidden --list-options, the
 * values each kind takes, and the one-line messages of a bad value, an unknown option and the
 * commands' own errors, each ending in the one "try 'leaksoak CMD --help'".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/diag.h"
#include "cli/options.h"

static char msg[1024];

static int setup(void **state)
{
	(void)state;
	opterr = 0;	/* getopt's own line on stderr is not under test */
	diag_capture(msg, sizeof(msg));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	diag_capture(NULL, 0);
	opterr = 1;
	return 0;
}

/* The variables of the test command "t". */
struct vars {
	int flag;
	const char *str, *text;
	double dur, dur0, num, gate[METRIC_N_BUILTIN];
	unsigned long jobs;
	long count;
	const char *list[2];
	size_t n_list;
	int parsed;
	const char *seen;
};

static const struct opt_cmd t_cmd = {
	.name = "t", .synopsis = "FILE [options]\n[options] -- CMD", .col = 16,
	.about = "What t does,\nin two lines.", .epilogue = "exit: 0 fine\n",
};
static int parse_even(const char *arg, void *value)
{
	if (strcmp(arg, "even") != 0)
		return -1;
	*(int *)value = 2;
	return 0;
}

/* The table of "t" on v's variables, into out: every kind, a short letter, a group with its
 * column, the gates. */
#define T_MAX_ROWS 16
static void t_opts(struct vars *v, struct opt out[T_MAX_ROWS])
{
	const struct opt opts[] = {
		OPT_FLAG(0, "flag", &v->flag, "a flag"),
		OPT_STRING(0, "str", "S", &v->str, "a string,\nin two lines"),
		OPT_ULONG('j', "jobs", "N", &v->jobs, 1, 8, "jobs", "a number of jobs, %lu to %lu"),
		{ .kind = OPT_KIND_GROUP, .col = 20, .seen = &v->seen,
		  .help = "The group's paragraph:" },
		{ .kind = OPT_KIND_DURATION, .name = "duration", .argh = "S", .value = &v->dur,
		  .text = &v->text, .help = "how long", .what = "a duration" },
		OPT_DURATION0(0, "warmup", "S", &v->dur0, "warm-up", "a duration, or 0"),
		OPT_NUMBER(0, "rate-per-second", "N", &v->num, "reaches the column", "a rate"),
		OPT_LONG(0, "count", "N", &v->count, 10, 20, "a count", "from %lu to %lu"),
		OPT_GATES(v->gate, OPT_GATES_BY_NOUN, "KiB a minute", 34),
		OPT_STRINGS(0, "item", "X", v->list, &v->n_list, 2, "an item", "at most %lu items"),
		OPT_CALLBACK(0, "parity", "P", parse_even, &v->parsed, "even", "even only"),
		OPT_END(),
	};

	assert_true(sizeof(opts) <= T_MAX_ROWS * sizeof(*opts));
	memcpy(out, opts, sizeof(opts));
}

/* Parse "t" and the NULL-ended args into *v (argv as getopt leaves it): opt_parse's answer. */
static int parse_argv(struct vars *v, const char *const *args, char *argv[32])
{
	struct opt opts[T_MAX_ROWS];
	int argc = 1;

	t_opts(v, opts);
	argv[0] = (char *)"t";
	for (; args[argc - 1]; argc++)
		argv[argc] = (char *)args[argc - 1];
	argv[argc] = NULL;
	msg[0] = '\0';
	return opt_parse(&t_cmd, opts, argc, argv);
}

static int parse(struct vars *v, const char *const *args)
{
	char *argv[32];

	return parse_argv(v, args, argv);
}

static void test_getopt_table(void **state)
{
	struct vars v = { 0 };
	struct opt opts[T_MAX_ROWS];
	struct opt_getopt g;
	static const char *const names[] = {
		"flag", "str", "jobs", "help", "duration", "warmup", "rate-per-second", "count",
		"item", "parity", "max-rss-kib-per-min", "max-rss-anon-kib-per-min",
		"max-threads-per-min", "max-fds-per-min",
	};

	(void)state;
	t_opts(&v, opts);
	assert_int_equal(opt_getopt_init(&g, opts), 0);
	assert_int_equal(g.n, 14);
	assert_string_equal(g.shortopts, "j:h");
	for (size_t i = 0; i < g.n; i++) {
		assert_string_equal(g.longopts[i].name, names[i]);
		assert_string_equal(g.rows[i].name, names[i]);
		assert_null(g.longopts[i].flag);
	}
	assert_null(g.longopts[g.n].name);
	/* A flag takes no argument, the others one; a short letter is the val, else an index. */
	assert_int_equal(g.longopts[0].has_arg, no_argument);
	assert_int_equal(g.longopts[3].has_arg, no_argument);
	assert_int_equal(g.longopts[1].has_arg, required_argument);
	assert_int_equal(g.longopts[10].has_arg, required_argument);
	assert_int_equal(g.longopts[0].val, OPT_VAL_BASE);
	assert_int_equal(g.longopts[2].val, 'j');
	assert_int_equal(g.longopts[3].val, 'h');
	assert_int_equal(g.longopts[13].val, OPT_VAL_BASE + 13);
	/* The gates: a KiB gate takes sizes, a count a number, each into its metric's slot. */
	assert_int_equal(g.rows[10].kind, OPT_KIND_KIB);
	assert_int_equal(g.rows[12].kind, OPT_KIND_NUMBER);
	assert_ptr_equal(g.rows[12].value, &v.gate[METRIC_THREADS]);
	assert_string_equal(g.rows[11].help, "anonymous RSS gate, KiB/min (default: not gated)");
	/* The rows after the group note the first of them given; those before it do not. */
	assert_null(g.rows[1].seen);
	assert_ptr_equal(g.rows[4].seen, &v.seen);
	assert_ptr_equal(g.rows[13].seen, &v.seen);
	opt_getopt_release(&g);

	/* Every table has -h, --help: last when it has no group. */
	const struct opt plain[] = { OPT_FLAG('q', "quiet", NULL, "quiet"), OPT_END() };
	assert_int_equal(opt_getopt_init(&g, plain), 0);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.shortopts, "qh");
	assert_string_equal(g.longopts[1].name, "help");
	opt_getopt_release(&g);

	/* By key, each gate's help names the scenario key it twins, with the table's default. */
	double gate[METRIC_N_BUILTIN];
	const struct opt by_key[] = { OPT_GATES(gate, OPT_GATES_BY_KEY, "KiB", 0), OPT_END() };
	assert_int_equal(opt_getopt_init(&g, by_key), 0);
	assert_int_equal(g.n, METRIC_N_BUILTIN + 1);
	size_t checked = 0;
	for (size_t i = 0; i < g.n; i++) {
		const char *want = NULL;

		if (strcmp(g.rows[i].name, "max-rss-kib-per-min") == 0)
			want = "gate.rss_kib_per_min (default 1024; 2MiB works)";
		else if (strcmp(g.rows[i].name, "max-rss-anon-kib-per-min") == 0)
			want = "gate.rss_anon_kib_per_min (default: not gated)";
		else if (strcmp(g.rows[i].name, "max-fds-per-min") == 0)
			want = "gate.fds_per_min (default 1)";
		if (want) {
			assert_string_equal(g.rows[i].help, want);
			checked++;
		}
	}
	assert_int_equal(checked, 3);
	opt_getopt_release(&g);
}

static void test_usage(void **state)
{
	struct vars v = { 0 };
	struct opt opts[T_MAX_ROWS];
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	t_opts(&v, opts);
	assert_non_null(f);
	opt_usage(f, &t_cmd, opts);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(text,
		"usage: leaksoak t FILE [options]\n"
		"       leaksoak t [options] -- CMD\n"
		"\n"
		"What t does,\n"
		"in two lines.\n"
		"\n"
		"  --flag        a flag\n"
		"  --str S       a string,\n"
		"                in two lines\n"
		"  -j, --jobs N  jobs\n"
		"  -h, --help    this text\n"
		"\n"
		"The group's paragraph:\n"
		"  --duration S      how long\n"
		"  --warmup S        warm-up\n"
		"  --rate-per-second N  reaches the column\n"
		"  --count N         a count\n"
		"  --max-rss-kib-per-min N         RSS gate, KiB/min (default 1024; sizes like "
		"2MiB work)\n"
		"  --max-rss-anon-kib-per-min N    anonymous RSS gate, KiB/min (default: not "
		"gated)\n"
		"  --max-threads-per-min N         thread gate (default 1)\n"
		"  --max-fds-per-min N             FD gate (default 1)\n"
		"  --item X          an item\n"
		"  --parity P        even\n"
		"\n"
		"exit: 0 fine\n");
	free(text);
}

static void test_values(void **state)
{
	struct vars v = { .count = -1 };
	char *argv[32];
	static const char *const args[] = {
		"a.json", "--flag", "--str", "s", "-j", "3", "--max-rss-kib-per-min", "2MiB",
		"--duration", "1m", "--warmup", "0", "--rate-per-second", "2.5", "--count", "15",
		"--max-fds-per-min", "3", "--item", "x", "--item=y", "--parity", "even", "b", NULL,
	};

	(void)state;
	v.dur0 = 9;
	assert_int_equal(parse_argv(&v, args, argv), 0);
	assert_string_equal(msg, "");
	assert_int_equal(v.flag, 1);
	assert_string_equal(v.str, "s");
	assert_int_equal(v.jobs, 3);
	assert_true(v.dur == 60);
	assert_string_equal(v.text, "1m");	/* kept as given */
	assert_true(v.dur0 == 0);
	assert_true(v.num == 2.5);
	assert_int_equal(v.count, 15);
	assert_true(v.gate[METRIC_RSS] == 2048);
	assert_true(v.gate[METRIC_FDS] == 3);
	assert_int_equal(v.n_list, 2);
	assert_string_equal(v.list[1], "y");
	assert_int_equal(v.parsed, 2);
	/* The group's first given, a gate's name living on after the parse. */
	assert_string_equal(v.seen, "max-rss-kib-per-min");
	/* The operands follow the options, in their order, from optind. */
	assert_int_equal(optind, 23);
	assert_string_equal(argv[23], "a.json");
	assert_string_equal(argv[24], "b");
}

/* Each bad value: -1 and one line naming the option (its short form when it has one). */
static void test_errors(void **state)
{
	static const struct {
		const char *args[4];
		const char *msg;
	} cases[] = {
		{ { "-j", "9" }, "invalid -j '9' (a number of jobs, 1 to 8; try" },
		{ { "--jobs", "x" }, "invalid -j 'x' (a number of jobs, 1 to 8; try" },
		{ { "--duration", "30x" }, "invalid --duration '30x' (a duration; try" },
		{ { "--duration", "0" }, "invalid --duration '0' (a duration; try" },
		{ { "--warmup", "-1" }, "invalid --warmup '-1' (a duration, or 0; try" },
		{ { "--rate-per-second", "1e13" },
		  "invalid --rate-per-second '1e13' (a rate; try" },
		{ { "--count", "9" }, "invalid --count '9' (from 10 to 20; try" },
		{ { "--max-rss-kib-per-min", "2XiB" },
		  "invalid --max-rss-kib-per-min '2XiB' (KiB a minute; try" },
		{ { "--max-fds-per-min", "1MiB" },
		  "invalid --max-fds-per-min '1MiB' (a number from 0 to 1e12; try" },
		{ { "--item", "a", "--item=b", "--item=c" },
		  "invalid --item 'c' (at most 2 items; try" },
		{ { "--parity", "odd" }, "invalid --parity 'odd' (even only; try" },
		{ { "--no-such" }, "try" },
		{ { "-x" }, "try" },
		{ { "--str" }, "try" },	/* no argument */
		/* --r is --rate-per-second, --max is ambiguous */
		{ { "--r", "1", "--max", "1" }, "try" },
	};
	char want[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vars v = { 0 };
		const char *args[5] = { 0 };

		memcpy(args, cases[i].args, sizeof(cases[i].args));
		assert_int_equal(parse(&v, args), -1);
		snprintf(want, sizeof(want), "%s 'leaksoak t --help'%s", cases[i].msg,
			 strcmp(cases[i].msg, "try") ? ")" : "");
		assert_string_equal(msg, want);
	}
	/* An unambiguous abbreviation is the option. */
	struct vars v = { 0 };
	assert_int_equal(parse(&v, (const char *const[]){ "--rate", "1", "--dur", "2s", NULL }),
			 0);
	assert_true(v.num == 1 && v.dur == 2);
}

/* The lines a command's own checks print, all ending in the one try. */
static void test_opt_error(void **state)
{
	(void)state;
	assert_int_equal(opt_error(&t_cmd, NULL, "missing %s", "FILE"), -1);
	assert_string_equal(msg, "missing FILE (try 'leaksoak t --help')");
	opt_error(&t_cmd, "one for all", "several %ss need --out", "DIR");
	assert_string_equal(msg, "several DIRs need --out (one for all; try 'leaksoak t --help')");
	opt_error(&t_cmd, NULL, NULL);
	assert_string_equal(msg, "try 'leaksoak t --help'");
	opt_error(NULL, NULL, "unknown command '%s'", "x");
	assert_string_equal(msg, "unknown command 'x' (try 'leaksoak --help')");
	opt_invalid(&t_cmd, "--series", "a-b", "a metric name");
	assert_string_equal(msg, "invalid --series 'a-b' (a metric name; try 'leaksoak t --help')");
	assert_int_equal(opt_exit(-1), LS_EXIT_USAGE);
}

/* The one operand of a command: there, missing or one too many. */
static void test_operand(void **state)
{
	struct vars v = { 0 };
	char *argv[32];

	(void)state;
	assert_int_equal(parse_argv(&v, (const char *const[]){ "--flag", "x", NULL }, argv), 0);
	assert_string_equal(opt_operand(&t_cmd, 3, argv, "missing FILE", "only one FILE"), "x");
	assert_int_equal(parse_argv(&v, (const char *const[]){ "--flag", NULL }, argv), 0);
	assert_null(opt_operand(&t_cmd, 2, argv, "missing FILE", "only one FILE"));
	assert_string_equal(msg, "missing FILE (try 'leaksoak t --help')");
	assert_int_equal(parse_argv(&v, (const char *const[]){ "x", "--flag", "y", NULL }, argv),
			 0);
	assert_null(opt_operand(&t_cmd, 4, argv, "missing FILE", "only one FILE"));
	assert_string_equal(msg, "only one FILE (try 'leaksoak t --help')");
}

/* What parse prints on stdout for args: its answer, and the text in *out (freed by caller). */
static int parse_stdout(struct vars *v, const char *const *args, char **out)
{
	char path[] = "/tmp/test_options.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDOUT_FILENO), ret;
	char buf[8192];
	ssize_t n;

	assert_true(fd >= 0 && saved >= 0);
	unlink(path);
	fflush(stdout);
	assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	ret = parse(v, args);
	fflush(stdout);
	assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
	*out = strdup(buf);
	return ret;
}

static void test_help_and_list(void **state)
{
	struct vars v = { 0 };
	char *out = NULL;

	(void)state;
	/* --help stops at once: 1, the usage on stdout, later errors unseen. */
	assert_int_equal(parse_stdout(&v, (const char *const[]){ "--help", "--no-such", NULL },
				      &out), 1);
	assert_non_null(strstr(out, "usage: leaksoak t FILE [options]\n"));
	assert_non_null(strstr(out, "  -h, --help    this text\n"));
	assert_string_equal(msg, "");
	free(out);
	/* An error before it wins. */
	assert_int_equal(parse_stdout(&v, (const char *const[]){ "-j", "0", "-h", NULL }, &out),
			 -1);
	assert_string_equal(out, "");
	free(out);
	/* --list-options, alone: every option getopt is given, in its order, short form after. */
	assert_int_equal(parse_stdout(&v, (const char *const[]){ "--list-options", NULL }, &out),
			 1);
	assert_string_equal(out,
		"--flag\n--str\n--jobs -j\n--help -h\n--duration\n--warmup\n--rate-per-second\n"
		"--count\n--item\n--parity\n--max-rss-kib-per-min\n--max-rss-anon-kib-per-min\n"
		"--max-threads-per-min\n--max-fds-per-min\n");
	free(out);
	assert_int_equal(opt_exit(1), LS_EXIT_PASS);
	/* Not an option otherwise: --help does not list it. */
	assert_int_equal(parse_stdout(&v, (const char *const[]){ "--list-options", "x", NULL },
				      &out), -1);
	free(out);
	assert_string_equal(msg, "try 'leaksoak t --help'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getopt_table),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_opt_error),
		cmocka_unit_test(test_operand),
		cmocka_unit_test(test_help_and_list),
	};

	return cmocka_run_group_tests_name("options", tests, setup, teardown);
}
