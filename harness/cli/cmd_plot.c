/*
 * leaksoak plot RUN_DIR [--format png|svg]
 *
 * Draw a run folder (finished, or still running: samples.csv is enough) with gnuplot into
 * RUN_DIR/rss.png or RUN_DIR/rss.svg.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "base/diag.h"
#include "base/runfiles.h"
#include "out/plot.h"
#include "base/text.h"

static const char plot_usage[] =
	"usage: leaksoak plot RUN_DIR [options]\n"
	"\n"
	"Draw RSS over time with the Theil-Sen fitted line, the gate from the fit start and the\n"
	"warm-up window (RSS - LazyFree too when sampled), and threads and FDs below, into\n"
	"RUN_DIR/rss.png or RUN_DIR/rss.svg.  Needs gnuplot (apt-get install gnuplot-nox).\n"
	"\n"
	"  --format F   png (default) or svg\n"
	"  -h, --help   this text\n"
	"\n"
	"exit: 0 plotted, 2 usage or not a run folder, 3 gnuplot missing or failed\n";

static int parse_opts(int argc, char **argv, const char **dir, enum plot_format *fmt)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "png") == 0)
				*fmt = PLOT_PNG;
			else if (strcmp(optarg, "svg") == 0)
				*fmt = PLOT_SVG;
			else
				return diag_error("invalid --format '%s' (png or svg; try 'leaksoak "
						  "plot --help')", optarg);
			break;
		case 'h':
			fputs(plot_usage, stdout);
			return 1;
		default:
			return diag_error("try 'leaksoak plot --help'");
		}
	}
	if (optind != argc - 1)
		return diag_error("%s (try 'leaksoak plot --help')", optind == argc ?
				  "missing RUN_DIR" : "only one RUN_DIR per plot");
	*dir = argv[optind];
	return 0;
}

int cmd_plot(int argc, char **argv)
{
	enum plot_format fmt = PLOT_PNG;
	const char *dir = NULL;
	int p = parse_opts(argc, argv, &dir, &fmt);
	char csv[PATH_MAX];

	if (p)
		return p > 0 && fflush(stdout) == 0 ? LS_EXIT_PASS : LS_EXIT_USAGE;
	/* Tell "not a run folder" (usage) apart from "gnuplot could not draw it". */
	snprintf(csv, sizeof(csv), "%s/" RUNFILE_SAMPLES, dir);
	if (access(csv, R_OK) < 0) {
		diag_error("'%s' is not a run folder: no readable " RUNFILE_SAMPLES
			   " (give a folder "
			   "that 'leaksoak run' wrote)", dir);
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
