/*
 * leaksoak watch --pid PID --duration S [options]
 *
 * Sample a running process and its descendants that leaksoak did not start, then fit and gate
 * them like `run`.  The watched process is only ever read through /proc: never signalled,
 * never waited for, never traced.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/options.h"
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

static const struct opt_cmd watch_cmd = {
	.name = "watch", .col = 31, .synopsis = "--pid PID --duration S [options]",
	.epilogue = "The process is never signalled. exit: 0 pass, 1 leak, 2 usage, 3 the process "
		    "went away\n",
};

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
	return opt_invalid(&watch_cmd, opt, val, what);
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
		       opt_error(&watch_cmd, NULL, "--series needs --prometheus") : 0;
	if (!o->n_series)
		return opt_error(&watch_cmd, NULL, "--prometheus needs at least one --series");
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
	const struct opt opts[] = {
		OPT_ULONG(0, "pid", "PID", &o->pid, 1, INT_MAX,
			  "the process to watch (with all its descendants)", "a process id"),
		OPT_DURATION(0, "duration", "S", &o->duration_s, "how long to watch (30s, 10m, 2h)",
			     "a duration like 30s, 10m or 2h, at most 31 days"),
		OPT_ULONG(0, "interval-ms", "MS", &o->interval_ms, 10, 600000,
			  "sampling interval (default 1000)", "milliseconds from %lu to %lu"),
		OPT_DURATION(0, "warmup", "S", &o->warmup_s,
			     "ignore the first S when fitting (default 0)",
			     "a duration like 30s, at most 31 days"),
		OPT_GATES(o->gate.per_min, OPT_GATES_BY_NOUN,
			  "KiB per minute, e.g. 512, at most 1e12", 0),
		OPT_STRING(0, "out", "DIR", &o->out,
			   "results folder (default results/watch-PID/<UTC timestamp>)"),
		OPT_STRING(0, "junit", "FILE", &o->junit, "also write a JUnit XML report"),
		OPT_STRING(0, "metrics-out", "FILE", &o->metrics_out,
			   "also write the verdict, slopes and gates to FILE in the\n"
			   "Prometheus text format"),
		OPT_FLAG(0, "no-early-stop", &o->no_early_stop,
			 "watch the whole duration even once the verdict is settled"),
		OPT_STRING(0, "prometheus", "URL", &o->prom_url,
			   "also read the process's Prometheus page (loopback only)"),
		OPT_STRINGS(0, "series", "METRIC", o->series, &o->n_series, METRIC_MAX_SERIES,
			    "a series on that page to sample (repeatable, up to 16)",
			    "at most %lu series"),
		OPT_ULONG(0, "scrape-interval-ms", "MS", &o->scrape_interval_ms, 100, 600000,
			  "how often the page is read (default 1000)",
			  "milliseconds from %lu to %lu"),
		OPT_STRINGS(0, "max-series-per-min", "NAME=N", o->series_gates, &o->n_series_gates,
			    METRIC_MAX_SERIES, "gate a series (repeatable; default: not gated)",
			    "at most %lu gates"),
		OPT_FLAG(0, "quiet", &o->quiet, "no live status line on a terminal"),
		OPT_END(),
	};
	int p = opt_parse(&watch_cmd, opts, argc, argv);

	if (p)
		return p;
	if (optind != argc)
		return opt_error(&watch_cmd, NULL, "unexpected argument '%s'", argv[optind]);
	if (!o->pid || o->duration_s <= 0)
		return opt_error(&watch_cmd, NULL, "watch needs --pid and --duration");
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
		return opt_exit(p);
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
