/*
 * leaksoak history DIR [--last N] [--json]
 *
 * The soaks in DIR (the folder that holds the soak folders, e.g. results/soak) over time:
 * per scenario, its slopes against its gates and its verdicts over the last N soaks, and the
 * first soak where a slope rose by more than a quarter of its gate or the verdict changed
 * (history.h).  The index DIR/history.tsv is rebuilt from the folders when it is stale.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/options.h"
#include "base/diag.h"
#include "out/history.h"
#include "out/history_text.h"
#include "out/report.h"

static const struct opt_cmd history_cmd = {
	.name = "history", .col = 19, .synopsis = "DIR [options]",
	.about =
	"The soaks in DIR (the folder holding the soak folders, e.g. results/soak) over time:\n"
	"per scenario and gated metric, the slopes against the gate and the verdicts of the last\n"
	"N soaks, and the first soak where a slope rose by more than a quarter of its gate above\n"
	"the first soak shown, or where the verdict changed.  DIR/history.tsv indexes the soaks\n"
	"and is rebuilt from the folders when it is missing or stale.",
	.epilogue =
	"exit: 0 no scenario changed, 1 a scenario's slope rose or its verdict changed,\n"
	"      2 usage error or no soak in DIR, 3 the history could not be written\n",
};

struct history_opts {
	const char *dir;
	unsigned long last;
	int json;
};

static int parse_opts(int argc, char **argv, struct history_opts *o)
{
	const struct opt opts[] = {
		OPT_ULONG(0, "last", "N", &o->last, 1, HISTORY_MAX_LAST,
			  "the last N soaks (default 30)", "a number of soaks from %lu to %lu"),
		OPT_FLAG(0, "json", &o->json, "one JSON document on stdout instead of the table"),
		OPT_END(),
	};
	int p = opt_parse(&history_cmd, opts, argc, argv);

	if (p)
		return p;
	o->dir = opt_operand(&history_cmd, argc, argv, "missing DIR", "only one DIR");
	return o->dir ? 0 : -1;
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
		return opt_exit(p);
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
