/*
 * leaksoak plot RUN_DIR [--format png|svg]
 *
 * Draw a run folder (finished, or still running: samples.csv is enough) with gnuplot into
 * RUN_DIR/rss.png or RUN_DIR/rss.svg.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/options.h"
#include "base/diag.h"
#include "base/path.h"
#include "base/runfiles.h"
#include "out/plot.h"
#include "base/text.h"

static const struct opt_cmd plot_cmd = {
	.name = "plot", .col = 15, .synopsis = "RUN_DIR [options]",
	.about =
	"Draw RSS over time with the Theil-Sen fitted line, the gate from the fit start and the\n"
	"warm-up window (RSS - LazyFree too when sampled), and threads and FDs below, into\n"
	"RUN_DIR/rss.png or RUN_DIR/rss.svg.  Needs gnuplot (apt-get install gnuplot-nox).",
	.epilogue = "exit: 0 plotted, 2 usage or not a run folder, 3 gnuplot missing or failed\n",
};

/* --format png|svg */
static int parse_format(const char *arg, void *fmt)
{
	if (strcmp(arg, "png") == 0)
		*(enum plot_format *)fmt = PLOT_PNG;
	else if (strcmp(arg, "svg") == 0)
		*(enum plot_format *)fmt = PLOT_SVG;
	else
		return -1;
	return 0;
}

static int parse_opts(int argc, char **argv, const char **dir, enum plot_format *fmt)
{
	const struct opt opts[] = {
		OPT_CALLBACK(0, "format", "F", parse_format, fmt, "png (default) or svg",
			     "png or svg"),
		OPT_END(),
	};
	int p = opt_parse(&plot_cmd, opts, argc, argv);

	if (p)
		return p;
	*dir = opt_operand(&plot_cmd, argc, argv, "missing RUN_DIR", "only one RUN_DIR per plot");
	return *dir ? 0 : -1;
}

int cmd_plot(int argc, char **argv)
{
	enum plot_format fmt = PLOT_PNG;
	const char *dir = NULL;
	int p = parse_opts(argc, argv, &dir, &fmt);
	char *csv;
	int readable;

	if (p)
		return opt_exit(p);
	/* Tell "not a run folder" (usage) apart from "gnuplot could not draw it". */
	if (!(csv = path_join(dir, RUNFILE_SAMPLES))) {
		diag_error("out of memory");
		return LS_EXIT_TARGET;
	}
	readable = access(csv, R_OK) == 0;
	free(csv);
	if (!readable) {
		diag_error("'%s' is not a run folder: no readable " RUNFILE_SAMPLES
			   " (give a folder that 'leaksoak run' wrote)", dir);
		return LS_EXIT_USAGE;
	}
	switch (plot_run(dir, fmt)) {
	case 0:
		text_escape_file(stdout, dir, TEXT_LINE_START);
		printf("/%s\n", plot_file_name(fmt));
		return fflush(stdout) == 0 ? LS_EXIT_PASS : LS_EXIT_TARGET;
	case PLOT_NO_GNUPLOT:
		diag_error("gnuplot not found (apt-get install gnuplot-nox)");
		return LS_EXIT_TARGET;
	default:
		return LS_EXIT_TARGET;
	}
}
