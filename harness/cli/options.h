/*
 * options — one table of options per command, in the spirit of git's parse-options.
 *
 * A command declares its options once, as an array of struct opt ended by OPT_END(): the long
 * name, the short letter if any, the argument's name (none for a flag), the help text and how
 * the value is taken; -h, --help is every command's, with no row.  From that one table come
 * the getopt_long short string and longopts (opt_getopt_init), the --help text (opt_usage),
 * the parsing itself with its messages (opt_parse) and the hidden `leaksoak CMD
 * --list-options` that the man-page check reads.
 *
 * Every usage error is one line naming what is wrong and ending in "try 'leaksoak CMD
 * --help'" (opt_error, the one place that line is written), and exit code 2.  A bad value
 * reads "invalid --NAME 'VALUE' (WHAT; try 'leaksoak CMD --help')", WHAT being the row's
 * description of what it takes; a row with a short letter is named by it ("invalid -j '0'").
 *
 * Tables hold pointers to the command's own variables, so they are built where those live
 * (as git's are), and parsing writes through them.  The names of the gate options are made
 * once and live as long as the program (a `seen` may hold one); for the main thread only.
 */
#ifndef LEAKSOAK_OPTIONS_H
#define LEAKSOAK_OPTIONS_H

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>

#include "scenario/metric.h"

/* How a row's argument is taken; each parser is the checked one of base/units.h. */
enum opt_kind {
	OPT_KIND_END,		/* ends the table */
	OPT_KIND_GROUP,		/* no option: help's paragraph `help` before the rows after it */
	OPT_KIND_HELP,		/* -h, --help, every table's without a row of its own (see
				   opt_usage): print the usage on stdout, the command exits 0 */
	OPT_KIND_FLAG,		/* no argument: *(int *)value = 1 (value may be NULL) */
	OPT_KIND_STRING,	/* *(const char **)value = the argument */
	OPT_KIND_DURATION,	/* *(double *)value: seconds, "30s", "5m", "1h" */
	OPT_KIND_DURATION0,	/* the same, or "0" */
	OPT_KIND_KIB,		/* *(double *)value: KiB, "512", "2MiB" */
	OPT_KIND_NUMBER,	/* *(double *)value: a number >= 0 with no unit */
	OPT_KIND_ULONG,		/* *(unsigned long *)value, an integer in [min, max] */
	OPT_KIND_LONG,		/* *(long *)value, an integer in [min, max] */
	OPT_KIND_STRINGS,	/* repeatable: the argument appended to ((const char **)value)[],
				   *count of them so far, at most max */
	OPT_KIND_CALLBACK,	/* parse(argument, value): 0, or -1 for the "invalid" message */
	OPT_KIND_GATES,		/* one option per built-in metric: --max-<gate key> N, into
				   ((double *)value)[metric]; KiB for a KiB metric, else a number */
};

/*
 * How OPT_KIND_GATES words the help of each metric's option, from the metric table: by the
 * scenario key it twins, "gate.rss_kib_per_min (default 1024; 2MiB works)" (run), or by the
 * metric's noun, "RSS gate, KiB/min (default 1024; sizes like 2MiB work)" (watch).
 */
enum opt_gate_words { OPT_GATES_BY_KEY, OPT_GATES_BY_NOUN };

struct opt {
	enum opt_kind kind;
	int short_name;		/* 'j' for -j, or 0 */
	const char *name;	/* the long name without "--" */
	const char *argh;	/* the argument's name in the help ("DIR"); NULL for a flag */
	const char *help;	/* its help text: lines after the first start at the column */
	void *value;		/* where the value goes (see the kinds); NULL: checked only */
	unsigned long min, max;	/* OPT_KIND_ULONG and _LONG; max for OPT_KIND_STRINGS */
	size_t *count;		/* OPT_KIND_STRINGS */
	const char *what;	/* what the option takes, in the "invalid" message; for
				   OPT_KIND_ULONG and _LONG it may name min and max as %lu, in
				   that order, for OPT_KIND_STRINGS max; for OPT_KIND_GATES, what a
				   KiB gate takes */
	int (*parse)(const char *arg, void *value);	/* OPT_KIND_CALLBACK */
	const char **text;	/* also keep the argument as given here (after its check) */
	const char **seen;	/* a group's: the long name of the first option given from the
				   group's rows, for "this option only goes with ..." */
	enum opt_gate_words gate_words;	/* OPT_KIND_GATES: how each option's help names its
					   gate (the metric table's words) */
	int col;		/* the column its help starts at (0: as the rows before it); a
				   group's holds for the rows after it */
};

#define OPT_END() { .kind = OPT_KIND_END }
#define OPT_GROUP(h, c) { .kind = OPT_KIND_GROUP, .help = (h), .col = (c) }
#define OPT_FLAG(s, l, v, h) { .kind = OPT_KIND_FLAG, .short_name = (s), .name = (l), \
	.value = (v), .help = (h) }
#define OPT_STRING(s, l, a, v, h) { .kind = OPT_KIND_STRING, .short_name = (s), .name = (l), \
	.argh = (a), .value = (v), .help = (h) }
#define OPT_DURATION(s, l, a, v, h, w) { .kind = OPT_KIND_DURATION, .short_name = (s), \
	.name = (l), .argh = (a), .value = (v), .help = (h), .what = (w) }
#define OPT_DURATION0(s, l, a, v, h, w) { .kind = OPT_KIND_DURATION0, .short_name = (s), \
	.name = (l), .argh = (a), .value = (v), .help = (h), .what = (w) }
#define OPT_NUMBER(s, l, a, v, h, w) { .kind = OPT_KIND_NUMBER, .short_name = (s), \
	.name = (l), .argh = (a), .value = (v), .help = (h), .what = (w) }
#define OPT_ULONG(s, l, a, v, lo, hi, h, w) { .kind = OPT_KIND_ULONG, .short_name = (s), \
	.name = (l), .argh = (a), .value = (v), .min = (lo), .max = (hi), .help = (h), \
	.what = (w) }
#define OPT_LONG(s, l, a, v, lo, hi, h, w) { .kind = OPT_KIND_LONG, .short_name = (s), \
	.name = (l), .argh = (a), .value = (v), .min = (lo), .max = (hi), .help = (h), \
	.what = (w) }
#define OPT_STRINGS(s, l, a, v, n, cap, h, w) { .kind = OPT_KIND_STRINGS, .short_name = (s), \
	.name = (l), .argh = (a), .value = (v), .count = (n), .max = (cap), .help = (h), \
	.what = (w) }
#define OPT_CALLBACK(s, l, a, fn, v, h, w) { .kind = OPT_KIND_CALLBACK, .short_name = (s), \
	.name = (l), .argh = (a), .parse = (fn), .value = (v), .help = (h), .what = (w) }
#define OPT_GATES(per_min, words, kib_what, c) { .kind = OPT_KIND_GATES, .argh = "N", \
	.value = (per_min), .gate_words = (words), .what = (kib_what), .col = (c) }

/* What a command's --help says around its table. */
struct opt_cmd {
	const char *name;		/* "run" */
	const char *synopsis;		/* after "usage: leaksoak NAME ", its lines apart by '\n' */
	const char *about;		/* a paragraph after the synopsis, or NULL */
	const char *epilogue;		/* after the options and a blank line (exit codes) */
	int col;			/* the column help texts start at */
};

/*
 * The table as getopt_long takes it: the rows with an option (OPT_KIND_GATES unfolded into
 * one row per built-in metric), their longopts and the short string.  Each long option's
 * val is its short letter, or OPT_VAL_BASE + its index in rows.
 */
#define OPT_VAL_BASE 0x100
struct opt_getopt {
	struct opt *rows;
	struct option *longopts;	/* n + 1, the last all zero */
	size_t n;
	char shortopts[64];
};

/* 0, or -1 when out of memory (message printed). */
int opt_getopt_init(struct opt_getopt *g, const struct opt *opts);
void opt_getopt_release(struct opt_getopt *g);

/*
 * The --help text of the command: the synopsis, the about paragraph, a row per option with
 * its help from the column, the epilogue.  "-h, --help  this text" ends the command's own
 * rows: it comes before the first group, else last.
 */
void opt_usage(FILE *f, const struct opt_cmd *c, const struct opt *opts);

/*
 * The long name of each option, "--NAME" a line, followed by " -X" when it has a short
 * letter: what `leaksoak CMD --list-options` prints (hidden: not in --help), for the
 * man-page check.  0, or -1 when out of memory.
 */
int opt_list(FILE *f, const struct opt *opts);

/*
 * Read the options of argv[1..argc-1] into the table's variables, as getopt_long does:
 * operands are moved after the options and start at optind.  0 to go on; 1 after --help
 * (or the hidden --list-options, alone) printed what was asked on stdout; -1 after a usage
 * error printed its one line.  opt_exit gives the command's exit code when not 0.
 */
int opt_parse(const struct opt_cmd *c, const struct opt *opts, int argc, char **argv);

/*
 * The one operand after the options, argv[optind]; NULL after "MISSING (try ...)" when there
 * is none, "TOO_MANY (try ...)" when there are more.
 */
const char *opt_operand(const struct opt_cmd *c, int argc, char **argv, const char *missing,
			const char *too_many);

/* The exit code after opt_parse returned p != 0: 0 when help was printed and flushed, else 2. */
int opt_exit(int p);

/*
 * Print a usage error of command c (NULL: of leaksoak itself): the message, then
 * " (WHY; try 'leaksoak CMD --help')", or " (try ...)" when why is NULL; only the try when
 * fmt is NULL.  Returns -1.
 */
int opt_error(const struct opt_cmd *c, const char *why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "invalid OPTION 'ARG' (WHAT; try 'leaksoak CMD --help')", OPTION as "--out" or "-j": -1. */
int opt_invalid(const struct opt_cmd *c, const char *option, const char *arg, const char *what);

#endif
