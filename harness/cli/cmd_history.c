/*
 * leaksoak history DIR [--last N] [--json]
 *
 * The soaks in DIR (the folder that holds the soak folders, e.g. results/soak) over time:
 * per scenario, its slopes against its gates and its verdicts over the last N soaks, and the
 * first soak where a slope rose by more than a quarter of its gate or the verdict changed
 * (history.h).  The index DIR/history.tsv is rebuilt from the folders when it is stale.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "base/diag.h"
#include "out/history.h"
#include "out/history_text.h"
#include "out/report.h"
#include "base/units.h"

static const char history_usage[] =
	"usage: leaksoak history DIR [options]\n"
	"\n"
	"The soaks in DIR (the folder holding the soak folders, e.g. results/soak) over time:\n"
	"per scenario and gated metric, the slopes against the gate and the verdicts of the last\n"
	"N soaks, and the first soak where a slope rose by more than a quarter of its gate above\n"
	"the first soak shown, or where the verdict changed.  DIR/history.tsv indexes the soaks\n"
	"and is rebuilt from the folders when it is missing or stale.\n"
	"\n"
	"  --last N         the last N soaks (default 30)\n"
	"  --json           one JSON document on stdout instead of the table\n"
	"  -h, --help       this text\n"
	"\n"
	"exit: 0 no scenario changed, 1 a scenario's slope rose or its verdict changed,\n"
	"      2 usage error or no soak in DIR, 3 the history could not be written\n";

struct history_opts {
	const char *dir;
	unsigned long last;
	int json;
};

static int parse_opts(int argc, char **argv, struct history_opts *o)
{
	static const struct option longopts[] = {
		{ "last", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (units_parse_uint(optarg, 1, HISTORY_MAX_LAST, &o->last) < 0)
				return diag_error("invalid --last '%s' (a number of soaks from 1 to "
						  "%d; try 'leaksoak history --help')", optarg,
						  HISTORY_MAX_LAST);
			break;
		case 'J': o->json = 1; break;
		case 'h':
			fputs(history_usage, stdout);
			return 1;
		default:
			return diag_error("try 'leaksoak history --help'");
		}
	}
	if (optind != argc - 1)
		return diag_error("%s (try 'leaksoak history --help')", optind == argc ?
				  "missing DIR" : "only one DIR");
	o->dir = argv[optind];
	return 0;
}

/* The table or the JSON document on stdout: 0, or -1 when it could not be written. */
static int print(const struct history *h, int as_json)
{
	if (!as_json) {
		history_print(stdout, h);
		return 0;
	}
	json_t *j = history_json(h);
	int ret = j && json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10)) == 0 ?
		  0 : -1;
	json_decref(j);
	fputc('\n', stdout);
	return ret;
}

int cmd_history(int argc, char **argv)
{
	struct history_opts o = { .last = HISTORY_DEFAULT_LAST };
	struct history h;
	int code = LS_EXIT_USAGE;
	int p = parse_opts(argc, argv, &o);

	if (p)
		return p > 0 && fflush(stdout) == 0 ? LS_EXIT_PASS : LS_EXIT_USAGE;
	if (history_load(&h, o.dir, o.last, NULL, NULL, NULL, NULL) < 0)
		goto out;
	if (h.ix.n == 0) {
		diag_error("no soak reports in '%s' (give the folder that holds the soak folders, "
			   "e.g. results/soak)", o.dir);
		goto out;
	}
	code = LS_EXIT_PASS;
	for (size_t i = 0; i < h.n_sc; i++)
		if (h.sc[i].rise.soak >= 0)
			code = LS_EXIT_LEAK;
	/* A full disk or a closed pipe must not look like "nothing changed". */
	if (print(&h, o.json) < 0 || fflush(stdout) == EOF || ferror(stdout)) {
		diag_error("cannot write the history to stdout");
		code = LS_EXIT_TARGET;
	}
out:
	history_release(&h);
	return code;
}
