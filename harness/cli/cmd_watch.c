/*
 * leaksoak watch --pid PID --duration S [options]
 *
 * Sample a running process and its descendants that leaksoak did not start, then fit and gate
 * them like `run`.  The watched process is only ever read through /proc: never signalled,
 * never waited for, never traced.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/finish.h"
#include "base/diag.h"
#include "base/path.h"
#include "base/runfiles.h"
#include "judge/gate.h"
#include "record/results.h"
#include "scenario/prom.h"
#include "proc/sampler.h"
#include "scenario/scenario.h"
#include "run/scrape.h"
#include "run/session.h"
#include "run/status.h"
#include "out/summary.h"
#include "base/units.h"

static const char watch_usage[] =
	"usage: leaksoak watch --pid PID --duration S [options]\n"
	"\n"
	"  --pid PID                    the process to watch (with all its descendants)\n"
	"  --duration S                 how long to watch (30s, 10m, 2h)\n"
	"  --interval-ms MS             sampling interval (default 1000)\n"
	"  --warmup S                   ignore the first S when fitting (default 0)\n"
	"  --max-rss-kib-per-min N      RSS gate, KiB/min (default 1024; sizes like 2MiB work)\n"
	"  --max-rss-anon-kib-per-min N anonymous RSS gate, KiB/min (default: not gated)\n"
	"  --max-threads-per-min N      thread gate (default 1)\n"
	"  --max-fds-per-min N          FD gate (default 1)\n"
	"  --out DIR                    results folder (default results/watch-PID/<UTC timestamp>)\n"
	"  --junit FILE                 also write a JUnit XML report\n"
	"  --metrics-out FILE           also write the verdict, slopes and gates to FILE in the\n"
	"                               Prometheus text format\n"
	"  --no-early-stop              watch the whole duration even once the verdict is settled\n"
	"  --prometheus URL             also read the process's Prometheus page (loopback only)\n"
	"  --series METRIC              a series on that page to sample (repeatable, up to 16)\n"
	"  --scrape-interval-ms MS      how often the page is read (default 1000)\n"
	"  --max-series-per-min NAME=N  gate a series (repeatable; default: not gated)\n"
	"  --quiet                      no live status line on a terminal\n"
	"  -h, --help                   this text\n"
	"\n"
	"The process is never signalled. exit: 0 pass, 1 leak, 2 usage, 3 the process went away\n";

struct watch_opts {
	unsigned long pid;
	double duration_s;
	double warmup_s;
	unsigned long interval_ms;
	struct metric_set metrics;	/* the built-ins */
	struct scenario_gate gate;
	const char *out;
	const char *junit;
	const char *metrics_out;
	int no_early_stop;
	const char *prom_url;		/* --prometheus, or NULL */
	unsigned long scrape_interval_ms;
	const char *series[METRIC_MAX_SERIES];
	size_t n_series;
	const char *series_gates[METRIC_MAX_SERIES];	/* "NAME=N", resolved after parsing */
	size_t n_series_gates;
	int quiet;
};

static int bad_value(const char *opt, const char *val, const char *what)
{
	return diag_error("invalid %s '%s' (%s; try 'leaksoak watch --help')", opt, val, what);
}

/* A gate option's value is the metric's index past this (one option per built-in). */
#define GATE_OPT 0x100
#define GATE_OPT_LEN METRIC_GATE_OPTION_LEN

static int gate_opt(int i, const char *arg, struct watch_opts *o)
{
	const struct metric_def *d = &metric_builtin[i];
	char opt[GATE_OPT_LEN];
	int bad = strcmp(d->unit, "KiB") == 0 ? units_parse_kib(arg, &o->gate.per_min[i]) :
		  units_parse_double(arg, &o->gate.per_min[i]);

	if (!bad)
		return 0;
	metric_gate_option(d->gate_key, opt, sizeof(opt));
	return bad_value(opt, arg, strcmp(d->unit, "KiB") == 0 ?
			 "KiB per minute, e.g. 512, at most 1e12" : "a number from 0 to 1e12");
}

/* One option into o: 0, or -1 after a message. */
static int watch_opt(int c, const char *arg, struct watch_opts *o)
{
	if (c >= GATE_OPT && c < GATE_OPT + METRIC_N_BUILTIN)
		return gate_opt(c - GATE_OPT, arg, o);
	switch (c) {
	case 'p':
		return units_parse_uint(arg, 1, INT_MAX, &o->pid) ? bad_value("--pid", arg,
			"a process id") : 0;
	case 'd':
		return units_parse_duration_s(arg, &o->duration_s) ? bad_value("--duration", arg,
			"a duration like 30s, 10m or 2h, at most 31 days") : 0;
	case 'w':
		return units_parse_duration_s(arg, &o->warmup_s) ? bad_value("--warmup", arg,
			"a duration like 30s, at most 31 days") : 0;
	case 'i':
		return units_parse_uint(arg, 10, 600000, &o->interval_ms) ?
			bad_value("--interval-ms", arg, "milliseconds from 10 to 600000") : 0;
	case 'o':
		o->out = arg;
		return 0;
	case 'j':
		o->junit = arg;
		return 0;
	case 'M':
		o->metrics_out = arg;
		return 0;
	case 'E':
		o->no_early_stop = 1;
		return 0;
	case 'P':
		o->prom_url = arg;
		return 0;
	case 'I':
		return units_parse_uint(arg, 100, 600000, &o->scrape_interval_ms) ?
			bad_value("--scrape-interval-ms", arg, "milliseconds from 100 to 600000") : 0;
	case 'S':
		if (o->n_series == METRIC_MAX_SERIES)
			return bad_value("--series", arg, "at most 16 series");
		o->series[o->n_series++] = arg;
		return 0;
	case 'G':
		if (o->n_series_gates == METRIC_MAX_SERIES)
			return bad_value("--max-series-per-min", arg, "at most 16 gates");
		o->series_gates[o->n_series_gates++] = arg;
		return 0;
	case 'q':
		o->quiet = 1;
		return 0;
	default:
		return diag_error("try 'leaksoak watch --help'");
	}
}

/* --max-series-per-min NAME=N: the gate of a --series. */
static int series_gate(const char *arg, struct watch_opts *o)
{
	const char *eq = strchr(arg, '=');
	char name[METRIC_SERIES_NAME_MAX + 1];
	int i;

	if (!eq || (size_t)(eq - arg) > METRIC_SERIES_NAME_MAX)
		return bad_value("--max-series-per-min", arg, "NAME=N, e.g. go_goroutines=60");
	snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
	i = metric_find(&o->metrics, name);
	if (i < METRIC_N_BUILTIN)
		return bad_value("--max-series-per-min", arg, "NAME must be one of the --series");
	if (units_parse_double(eq + 1, &o->gate.per_min[i]))
		return bad_value("--max-series-per-min", arg, "N a number from 0 to 1e12");
	return 0;
}

/* --prometheus and its --series: each series a metric of the watch, then their gates. */
static int resolve_series(struct watch_opts *o)
{
	if (!o->prom_url)
		return o->n_series || o->n_series_gates ?
		       diag_error("--series needs --prometheus (try 'leaksoak watch --help')") : 0;
	if (!o->n_series)
		return diag_error("--prometheus needs at least one --series (try 'leaksoak watch "
				  "--help')");
	if (scenario_check_url("watch", "--prometheus", o->prom_url,
			       "watch reads pages on loopback only") < 0)
		return -1;
	for (size_t i = 0; i < o->n_series; i++) {
		if (strlen(o->series[i]) > METRIC_SERIES_NAME_MAX ||
		    !prom_label_name_ok(o->series[i]))
			return bad_value("--series", o->series[i], "a metric name of letters, "
					 "digits and '_', at most 64");
		if (metric_set_add_series(&o->metrics, o->series[i]) < 0)
			return bad_value("--series", o->series[i], "it names a metric already");
	}
	for (size_t i = 0; i < o->n_series_gates; i++)
		if (series_gate(o->series_gates[i], o) < 0)
			return -1;
	return 0;
}

/* 0 to go on, 1 after --help, -1 on a usage error. */
static int parse_opts(int argc, char **argv, struct watch_opts *o)
{
	static const struct option fixed[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ "junit", required_argument, NULL, 'j' },
		{ "metrics-out", required_argument, NULL, 'M' },
		{ "no-early-stop", no_argument, NULL, 'E' },
		{ "prometheus", required_argument, NULL, 'P' },
		{ "series", required_argument, NULL, 'S' },
		{ "scrape-interval-ms", required_argument, NULL, 'I' },
		{ "max-series-per-min", required_argument, NULL, 'G' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
	};
	enum { N_FIXED = sizeof(fixed) / sizeof(fixed[0]) };
	struct option longopts[N_FIXED + METRIC_N_BUILTIN + 1] = { 0 };
	char names[METRIC_N_BUILTIN][GATE_OPT_LEN];
	int c;

	memcpy(longopts, fixed, sizeof(fixed));
	for (int i = 0; i < METRIC_N_BUILTIN; i++) {
		metric_gate_option(metric_builtin[i].gate_key, names[i], sizeof(names[i]));
		longopts[N_FIXED + i] = (struct option){ names[i] + 2, required_argument, NULL,
							 GATE_OPT + i };
	}

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(watch_usage, stdout);
			return 1;
		}
		if (watch_opt(c, optarg, o) < 0)
			return -1;
	}
	if (optind != argc)
		return diag_error("unexpected argument '%s' (try 'leaksoak watch --help')",
				  argv[optind]);
	if (!o->pid || o->duration_s <= 0)
		return diag_error("watch needs --pid and --duration (try 'leaksoak watch --help')");
	if (o->warmup_s >= o->duration_s)
		return diag_error("--warmup %.1fs leaves nothing of --duration %.1fs to fit",
				  o->warmup_s, o->duration_s);
	return resolve_series(o);
}

/* Everything one watch holds; released in one place. */
struct watch {
	struct watch_opts opt;
	char name[32];
	char *out_dir;
	char started_utc[32];
	int signal_fd;
	struct sampler *sampler;
	struct prom_selector series[METRIC_MAX_SERIES];
	struct scrape *scrape;
	struct session_result session;
	struct gate_report report;
	int has_report;
	char error[256];
	enum ls_exit code;
};

/* What early and final verdicts are judged against. */
static struct session_judge judge_of(const struct watch *w)
{
	return (struct session_judge){
		.gate = &w->opt.gate, .warmup_s = w->opt.warmup_s, .with_lazyfree = 1,
	};
}

/* Sample until the duration ends or something stops it; sets w->error when it did not end. */
static void watch_sample(struct watch *w)
{
	char *csv = NULL;
	struct session_judge judge = judge_of(w);
	struct session_config c = {
		.duration_s = w->opt.duration_s, .interval_ms = (unsigned)w->opt.interval_ms,
		/* smaps_rollup holds the process's mmap lock: read it ten times less often. */
		.lazyfree_interval_ms = (unsigned)w->opt.interval_ms * 10,
		.metrics = &w->opt.metrics, .sampler = w->sampler, .signal_fd = w->signal_fd,
		.scrape = w->scrape,
		.judge = w->opt.no_early_stop ? NULL : &judge, .show_judge = &judge,
		.status = status_new(STDOUT_FILENO, w->opt.quiet),
	};
	const struct session_result *s = &w->session;

	if (!(csv = path_join(w->out_dir, RUNFILE_SAMPLES))) {
		snprintf(w->error, sizeof(w->error), "out of memory");
		status_free(&c.status);
		return;
	}
	c.csv_path = csv;
	session_run(&c, &w->session);
	status_free(&c.status);
	free(csv);
	if (s->end == SESSION_INTERRUPTED) {
		snprintf(w->error, sizeof(w->error), "interrupted by SIG%s after %.1f s",
			 sigabbrev_np(s->signo), s->elapsed_s);
		w->code = LS_EXIT_SIGNAL_BASE + s->signo;
	} else if (s->end == SESSION_TARGET_EXITED) {
		snprintf(w->error, sizeof(w->error), "process %lu went away after %.1f s",
			 w->opt.pid, s->elapsed_s);
	} else if (s->end == SESSION_FAILED) {
		snprintf(w->error, sizeof(w->error), "the watch failed after %.1f s", s->elapsed_s);
	}
}

static void watch_judge(struct watch *w)
{
	struct session_judge j = judge_of(w);
	int code = finish_verdict(&w->session, &j, !w->opt.no_early_stop, w->opt.duration_s,
				  w->scrape, &w->report, w->error, sizeof(w->error));

	if (code < 0) {
		snprintf(w->error, sizeof(w->error), "too few samples to fit (%zu; watch longer "
			 "or lower --interval-ms)", w->session.series.n);
		return;
	}
	w->has_report = 1;
	w->code = code;
}

/* --prometheus: the scraper of the watched process's page. */
static int start_scraper(struct watch *w)
{
	const struct watch_opts *o = &w->opt;
	struct scrape_config c = {
		.url = o->prom_url, .interval_ms = (unsigned)o->scrape_interval_ms,
		.timeout_ms = (unsigned)o->scrape_interval_ms, .series = w->series,
		.n_series = o->n_series,
	};

	for (size_t i = 0; i < o->n_series; i++)
		w->series[i] = (struct prom_selector){ o->series[i], NULL, 0 };
	w->scrape = scrape_new(&c);
	return w->scrape ? 0 : -1;
}

static void watch_finish(struct watch *w)
{
	struct summary_run sr = {
		.name = w->name, .out_dir = w->out_dir, .duration_s = w->opt.duration_s,
		.warmup_s = w->opt.warmup_s, .interval_ms = (unsigned)w->opt.interval_ms,
		.metrics = &w->opt.metrics, .gate = &w->opt.gate, .session = &w->session,
		.report = w->has_report ? &w->report : NULL,
		.error = w->error[0] ? w->error : NULL, .exit_code = w->code,
		.started_utc = w->started_utc, .scrape = w->scrape,
	};

	w->code = finish_conclude(&sr, w->opt.junit, w->opt.metrics_out);
}

int cmd_watch(int argc, char **argv)
{
	struct watch w = {
		.opt = { .interval_ms = 1000, .scrape_interval_ms = 1000 },
		.signal_fd = -1, .code = LS_EXIT_USAGE,
	};
	int p;

	metric_set_init(&w.opt.metrics);
	scenario_gate_defaults(&w.opt.gate);
	p = parse_opts(argc, argv, &w.opt);

	if (p)
		return p > 0 && fflush(stdout) == 0 ? LS_EXIT_PASS : LS_EXIT_USAGE;
	/* First, so that a wrong pid leaves no empty results folder behind. */
	w.sampler = sampler_new((pid_t)w.opt.pid, NULL);
	if (!w.sampler) {
		w.code = LS_EXIT_TARGET;
		goto out;
	}
	snprintf(w.name, sizeof(w.name), "watch-%lu", w.opt.pid);
	w.out_dir = w.opt.out ? strdup(w.opt.out) : results_default_dir(NULL, w.name);
	if (!w.out_dir || results_mkdir_p(w.out_dir) < 0)
		goto out;
	w.code = LS_EXIT_TARGET;
	w.signal_fd = session_signals_open();
	if (w.signal_fd < 0 || (w.opt.prom_url && start_scraper(&w) < 0))
		goto out;
	results_utc_now(w.started_utc, sizeof(w.started_utc));
	watch_sample(&w);
	if (!w.error[0])
		watch_judge(&w);
	watch_finish(&w);
out:
	scrape_free(&w.scrape);
	sampler_free(&w.sampler);
	session_result_release(&w.session);
	if (w.signal_fd >= 0)
		close(w.signal_fd);
	free(w.out_dir);
	return w.code;
}
