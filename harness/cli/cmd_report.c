/*
 * leaksoak report DIR... [--out DIR] [--baseline DIR]
 *
 * Build one report from soak folders (e.g. the shards of a CI matrix), earlier reports or
 * single run folders: summary.json, junit.xml and index.html, compared with the newest
 * earlier report beside the output folder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/options.h"
#include "base/diag.h"
#include "out/history.h"
#include "out/history_text.h"
#include "out/history_trend.h"
#include "out/report.h"
#include "out/report_baseline.h"
#include "out/report_html.h"
#include "out/report_text.h"
#include "out/report_write.h"
#include "record/results.h"

static const struct opt_cmd report_cmd = {
	.name = "report", .col = 19, .synopsis = "DIR... [options]",
	.about =
	"Merge soak folders (e.g. the shards of a CI matrix), earlier reports or run folders into\n"
	"one report: summary.json, junit.xml and a self-contained index.html.  With one DIR and\n"
	"no --out, DIR's report is rewritten in place.",
	.epilogue =
	"exit: as 'leaksoak soak': 0 every run passed or showed what it was expected to,\n"
	"      1 a run leaked unexpectedly or did not match its expect, 2 usage or unreadable\n"
	"      DIR, 3 a run errored and none failed\n",
};

struct report_opts {
	const char *out;
	const char *baseline;
	char **dirs;
	int n_dirs;
};

static int parse_opts(int argc, char **argv, struct report_opts *o)
{
	const struct opt opts[] = {
		OPT_STRING(0, "out", "DIR", &o->out,
			   "where to write the report (required with several DIRs)"),
		OPT_STRING(0, "baseline", "DIR", &o->baseline,
			   "compare with this earlier report instead of the newest beside --out"),
		OPT_END(),
	};
	int p = opt_parse(&report_cmd, opts, argc, argv);

	if (p)
		return p;
	o->dirs = argv + optind;
	o->n_dirs = argc - optind;
	if (o->n_dirs == 0)
		return opt_error(&report_cmd, NULL, "missing DIR");
	if (o->n_dirs > 1 && !o->out)
		return opt_error(&report_cmd, "one report folder for them all",
				 "several DIRs need --out");
	if (!o->out && !report_is_report(o->dirs[0]))
		return diag_error("'%s' is not a report folder: rewriting it in place would replace "
				  "its summary.json (give --out DIR)", o->dirs[0]);
	if (!o->out)
		o->out = o->dirs[0];
	return 0;
}

/* Merging a scenario twice is allowed (two nights side by side) but rarely meant. */
static void warn_duplicates(const struct report *r)
{
	for (size_t i = 0; i < r->n; i++)
		for (size_t j = i + 1; j < r->n; j++)
			if (!strcmp(r->runs[i].name, r->runs[j].name))
				diag_warning("scenario '%s' appears twice (%s and %s); both are "
					     "reported", r->runs[i].name, r->runs[i].dir,
					     r->runs[j].dir);
}

int cmd_report(int argc, char **argv)
{
	struct report_opts o = { 0 };
	struct report rep;
	struct history h = { 0 };
	const struct history *shown = NULL;
	int code = LS_EXIT_USAGE;
	int p = parse_opts(argc, argv, &o);

	if (p)
		return opt_exit(p);
	report_init(&rep);
	for (int i = 0; i < o.n_dirs; i++)
		if (report_load(&rep, o.dirs[i]) < 0)
			goto out;
	warn_duplicates(&rep);
	if (!rep.finished_utc[0])
		results_utc_now(rep.finished_utc, sizeof(rep.finished_utc));
	/* An input folder is never its own baseline. */
	report_compare_baseline(&rep, o.out, o.baseline, NULL, o.dirs, (size_t)o.n_dirs);
	/* A merged soak joins the history of the folder it is written into, as a soak does. */
	if (history_for_report(&h, &rep, o.out) == 0)
		shown = &h;
	code = LS_EXIT_TARGET;
	if (report_write(&rep, o.out) < 0 || report_html_write(&rep, shown, o.out) < 0)
		goto out;
	history_record_report(&rep, o.out);
	code = report_exit_code(&rep);
	history_print_brief(stdout, shown);
	report_print(stdout, &rep, o.out, 1);
	if (fflush(stdout) == EOF && code == LS_EXIT_PASS)
		code = LS_EXIT_TARGET;
out:
	history_release(&h);
	report_release(&rep);
	return code;
}
