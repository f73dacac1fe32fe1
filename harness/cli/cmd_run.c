/*
 * leaksoak run SCENARIO.json [--duration S] [--out DIR] [--junit FILE] [--allow-remote]
 *                           [--no-early-stop] [--quiet] [--metrics-out FILE] [--bisect]
 * leaksoak run [options] -- CMD [ARG...]
 *
 * From a command, the options build a scenario document (cmdline.h) that the one loader
 * loads: after that, the run is the same whichever way it was described.
 * Start the target, wait until it is ready, drive it while sampling, stop it, fit and gate.
 * Unless told not to, the run ends as soon as its verdict is settled (gate.h, early verdicts);
 * the duration is then the most it may take.
 * Every path after the results folder exists writes summary.json, so a CI job always has a
 * verdict to read, and every path stops the target.
 */
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc/cap.h"
#include "cli/cmd.h"
#include "cli/cmdline.h"
#include "cli/options.h"
#include "cli/finish.h"
#include "base/diag.h"
#include "base/path.h"
#include "base/runfiles.h"
#include "run/driver.h"
#include "evidence/evidence_run.h"
#include "evidence/heapcmp.h"
#include "judge/gate.h"
#include "run/generator.h"
#include "run/port.h"
#include "evidence/heaptrack.h"
#include "record/results.h"
#include "proc/sampler.h"
#include "scenario/scenario.h"
#include "run/session.h"
#include "run/status.h"
#include "out/summary.h"
#include "base/text.h"
#include "run/target.h"

static const struct opt_cmd run_cmd = {
	.name = "run", .col = 19, .synopsis = "SCENARIO.json [options]\n[options] -- CMD [ARG...]",
	.epilogue = "exit: 0 pass, 1 leak, 2 usage or invalid scenario, 3 target error\n",
};

struct run_opts {
	const char *scenario;
	const char *out;
	const char *junit;
	const char *metrics_out;
	double duration_s;	/* 0: the scenario's */
	int allow_remote;
	unsigned long max_rss_kib, max_procs, mem_share;	/* 0: not given */
	int no_early_stop;
	int quiet;
	struct cmdline_opts cl;	/* the scenario of "-- CMD" (cl.cmd set) */
	const char *cl_only;	/* the first option that only a command line takes, or NULL */
};

/* Everything one run holds; released in one place whatever path the run took. */
struct run {
	struct run_opts opt;
	struct scenario sc;
	char *out_dir;
	int signal_fd;
	struct target *target;
	struct sampler *sampler;
	struct driver *driver;
	struct generator *generator;	/* drive.exec */
	char *drive_log;
	char exec_end[160];		/* how the generator ended, in words */
	char exec_tail[320];		/* the end of drive.log when it failed */
	struct prom_selector series[METRIC_MAX_SERIES];	/* the scraper's, from sc.prometheus */
	struct scrape *scrape;
	struct session_result session;
	struct evidence_run *evidence;
	struct cap_limits caps;
	char reason[256];	/* why a run with no error got its verdict without a fit */
	struct gate_report report;
	int has_report;
	char error[512];
	char started_utc[32];
	enum ls_exit code;
};

/* The first "--" among the arguments (where the command starts), or argc. */
static int command_start(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return argc;
}

/* 1 when s ends in ".json". */
static int is_json_name(const char *s)
{
	size_t n = strlen(s);

	return n > 5 && strcmp(s + n - 5, ".json") == 0;
}

/* The scenario file or the command, once the options are read: 0 or -1. */
static int check_operands(int argc, char **argv, int dashes, struct run_opts *o)
{
	/* "run [options] -- x.json": a scenario file after "--", as getopt has always allowed
	 * (and soak passes it so), never a command */
	if (dashes == argc - 2 && optind == dashes && is_json_name(argv[argc - 1])) {
		optind = argc - 1;
		dashes = argc;
	}
	if (dashes < argc) {
		o->cl.cmd = (const char *const *)(argv + dashes + 1);
		if (optind < dashes)
			return opt_error(&run_cmd, NULL, "run: a scenario file ('%s') and a "
					 "command after '--': give one or the other", argv[optind]);
		o->cl.duration_s = o->duration_s > 0 ? o->duration_s : -1;
		o->cl.allow_remote = o->allow_remote;
		return cmdline_check_program(o->cl.cmd);
	}
	o->scenario = opt_operand(&run_cmd, argc, argv, "missing SCENARIO.json, or '-- CMD "
				  "[ARG...]'", "only one scenario per run");
	if (!o->scenario)
		return -1;
	if (o->cl_only)
		return diag_error("run: '--%s' conflicts with the scenario file '%s' (%s)",
				  o->cl_only, o->scenario, strcmp(o->cl_only, "save-scenario") == 0 ?
				  "it saves the scenario of a command line; the file is one" :
				  "set its scenario key in the file, or start from a command: "
				  "leaksoak run [options] -- CMD");
	return 0;
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	struct cmdline_opts *cl = &o->cl;
	const struct opt opts[] = {
		OPT_DURATION(0, "duration", "S", &o->duration_s,
			     "run for S (30s, 5m, 1h); a scenario's duration_s, else 30s",
			     "a duration like 30s, 5m or 1h, at most 31 days"),
		OPT_STRING(0, "out", "DIR", &o->out,
			   "results folder (default results/<name>/<UTC timestamp>)"),
		OPT_STRING(0, "junit", "FILE", &o->junit, "also write a JUnit XML report to FILE"),
		OPT_FLAG(0, "allow-remote", &o->allow_remote,
			 "let drive.allow_remote send traffic beyond loopback"),
		OPT_ULONG(0, "max-rss-kib", "N", &o->max_rss_kib, CAP_MIN_RSS_KIB, CAP_MAX_RSS_KIB,
			  "stop the target's tree past N KiB resident (default: target.max_rss_kib,"
			  "\nelse half of MemAvailable at the start, divided by --mem-share)",
			  "an integer from %lu to %lu"),
		OPT_ULONG(0, "max-procs", "N", &o->max_procs, 1, CAP_MAX_PROCS,
			  "stop the target's tree past N processes (default: target.max_procs,\n"
			  "else 1024)", "an integer from %lu to %lu"),
		OPT_ULONG(0, "mem-share", "N", &o->mem_share, 1, 4096,
			  "the default memory cap is shared by N runs (soak -j N passes it)",
			  "an integer from %lu to %lu"),
		OPT_FLAG(0, "no-early-stop", &o->no_early_stop,
			 "run the whole duration even once the verdict is settled"),
		OPT_STRING(0, "metrics-out", "FILE", &o->metrics_out,
			   "also write the verdict, slopes, gates and driver totals to FILE in\n"
			   "the Prometheus text format (node_exporter's textfile collector)"),
		/* seen by wants_bisect, before any usage error */
		OPT_FLAG(0, "bisect", NULL,
			 "exit as 'git bisect run' expects: 0 pass, 1 leak, 125 (skip) when the\n"
			 "target could not run, 255 (abort) on a usage error or invalid scenario"),
		OPT_FLAG(0, "quiet", &o->quiet, "no live status line on a terminal"),
		/* from here on, only a command line's: each twins a scenario key (cmdline.h) */
		{ .kind = OPT_KIND_GROUP, .col = 23, .seen = &o->cl_only,
		  .help = "From a command (no scenario file): CMD is started without a shell, "
			  "{port} in its\narguments is a free loopback port; each option twins a "
			  "scenario key:" },
		OPT_STRING(0, "name", "NAME", &cl->name, "name (default: CMD's base name)"),
		OPT_STRING(0, "ready-url", "URL", &cl->ready_url,
			   "target.ready.http_get (default: none, ready once started)"),
		OPT_DURATION(0, "ready-timeout", "S", &cl->ready_timeout_s,
			     "target.ready.timeout_s (default 10s)",
			     "a duration like 10s, at most 1h"),
		OPT_STRING(0, "url", "URL", &cl->url,
			   "drive.http.url: drive it with GETs ({port}, {seq}, {uuid};\n"
			   "default: no driver, the target drives itself)"),
		OPT_NUMBER(0, "rate", "N", &cl->rate_per_s,
			   "drive.http.rate_per_s (default 0: flat out)",
			   "requests per second, 0 for flat out"),
		OPT_LONG(0, "concurrency", "N", &cl->concurrency, 1, 1024,
			 "drive.http.concurrency (default 8)", "an integer from %lu to %lu"),
		OPT_DURATION0(0, "warmup", "S", &cl->warmup_s, "warmup_s (default 5s)",
			      "a duration like 5s, or 0"),
		OPT_LONG(0, "interval-ms", "MS", &cl->interval_ms, 10, 60000,
			 "sample.interval_ms (default 100)", "an integer from %lu to %lu"),
		OPT_GATES(cl->gate, OPT_GATES_BY_KEY, "KiB per minute, e.g. 512 or 2MiB, at most 1e12",
			  32),
		OPT_STRING(0, "save-scenario", "FILE", &cl->save,
			   "write the equivalent scenario to FILE: 'leaksoak run FILE' runs\n"
			   "it again"),
		OPT_END(),
	};
	int dashes = command_start(argc, argv);
	int p;

	cmdline_opts_init(cl);
	/* Options end at "--": what follows is the command, its own options included. */
	if ((p = opt_parse(&run_cmd, opts, dashes, argv)) != 0)
		return p;
	if (check_operands(argc, argv, dashes, o) < 0)
		return -1;
	if ((cl->rate_per_s >= 0 || cl->concurrency >= 0) && !cl->url)
		return opt_error(&run_cmd, NULL, "run: '--%s' needs '--url', the URL to drive",
				 cl->rate_per_s >= 0 ? "rate" : "concurrency");
	if (cl->ready_timeout_s >= 0 && !cl->ready_url)
		return opt_error(&run_cmd, NULL, "run: '--ready-timeout' needs '--ready-url'");
	return 0;
}

/* The caps in force: the flag, else the scenario's key, else the default. */
static void set_caps(struct run *r)
{
	const struct scenario *sc = &r->sc;
	const struct run_opts *o = &r->opt;

	r->caps.max_rss_kib = o->max_rss_kib ? o->max_rss_kib : sc->max_rss_kib;
	if (!r->caps.max_rss_kib)
		r->caps.max_rss_kib = cap_default_rss_kib("/proc/meminfo",
							  o->mem_share ? (unsigned)o->mem_share : 1);
	r->caps.max_procs = (uint32_t)(o->max_procs ? o->max_procs : sc->max_procs);
	if (!r->caps.max_procs)
		r->caps.max_procs = CAP_DEFAULT_PROCS;
}

/* Load the scenario and apply the command line to it: 0 or -1 (a usage error). */
static int prepare_scenario(struct run *r)
{
	struct scenario *sc = &r->sc;

	if ((r->opt.cl.cmd ? cmdline_scenario(&r->opt.cl, sc) :
			     scenario_load(r->opt.scenario, sc)) < 0)
		return -1;
	if (r->opt.duration_s > 0)
		sc->duration_s = r->opt.duration_s;
	if (r->opt.no_early_stop)
		sc->early_stop = 0;
	if (sc->warmup_s >= sc->duration_s)
		return diag_error("%s: --duration %.1fs leaves nothing after warmup_s %.1fs "
				  "(use a longer --duration)", sc->path, sc->duration_s,
				  sc->warmup_s);
	if (sc->has_drive && sc->drive.allow_remote && !r->opt.allow_remote)
		return diag_error("%s: 'drive.allow_remote' sends traffic beyond loopback "
				  "(pass --allow-remote to allow it)", sc->path);
	set_caps(r);
	unsigned port = port_free();
	if (!port || port_bind(sc, port) < 0)
		return -1;
	r->out_dir = r->opt.out ? strdup(r->opt.out) : results_default_dir(NULL, sc->name);
	if (!r->out_dir)
		return diag_error("out of memory");
	return results_mkdir_p(r->out_dir);
}

/* Record why the target failed (the details were printed already); exit code 3. */
static __attribute__((format(printf, 2, 3))) void target_error(struct run *r, const char *fmt,
								 ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	text_utf8_trim(r->error);	/* a long command cut mid-character is not UTF-8 */
	r->code = LS_EXIT_TARGET;
}

/* Ctrl-C as an event of the loop, and orphans of the target as our children: 0 or -1. */
static int setup_harness(struct run *r)
{
	r->signal_fd = session_signals_open();
	if (r->signal_fd >= 0 && target_init() == 0)
		return 0;
	snprintf(r->error, sizeof(r->error), "cannot set up signal handling (see above)");
	r->code = LS_EXIT_TARGET;
	return -1;
}

/* sample.prometheus: the scraper, its series in the order of the run's metric set. */
static int start_scraper(struct run *r)
{
	const struct scenario_prometheus *p = &r->sc.prometheus;
	struct scrape_config c = {
		.url = p->url, .interval_ms = p->interval_ms, .timeout_ms = p->timeout_ms,
		.allow_remote = r->sc.drive.allow_remote, .series = r->series,
		.n_series = p->n_series,
	};

	for (size_t i = 0; i < p->n_series; i++)
		r->series[i] = (struct prom_selector){ p->series[i].metric, p->series[i].labels,
						       p->series[i].n_labels };
	r->scrape = scrape_new(&c);
	return r->scrape ? 0 : -1;
}

/* drive.exec, once the target is ready: 0, or -1 with r->error set (exit 3). */
static int start_generator(struct run *r)
{
	struct generator_config c = {
		.argv = r->sc.exec.cmd, .env = r->sc.exec.env, .restart = r->sc.exec.restart,
	};

	if (!(r->drive_log = path_join(r->out_dir, RUNFILE_DRIVE_LOG))) {
		target_error(r, "out of memory");
		return -1;
	}
	c.log_path = r->drive_log;
	if (!(r->generator = generator_start(&c))) {
		target_error(r, "cannot start the load generator '%s' (drive.exec)",
			     r->sc.exec.cmd[0]);
		return -1;
	}
	return 0;
}

/* Start the target and wait until it answers: 0, or -1 with r->error set. */
static int start_target(struct run *r)
{
	char *log = path_join(r->out_dir, RUNFILE_TARGET_LOG);
	char *base = NULL, **argv = NULL;	/* the heaptrack command line */
	int signo = 0;
	int ret = -1;

	if (r->sc.profile == SCENARIO_PROFILE_HEAPTRACK) {
		if (!(base = path_join(r->out_dir, RUNFILE_HEAPTRACK_BASE)) ||
		    !(argv = heaptrack_argv(r->sc.cmd, base))) {
			target_error(r, "out of memory");
			goto out;
		}
	}
	r->target = target_start(argv ? argv : r->sc.cmd, r->sc.env, log);
	if (!r->target) {
		target_error(r, argv ? "cannot start '%s' under heaptrack (is heaptrack installed? "
			     "./scripts/install-deps.sh)" : "cannot start '%s'", r->sc.cmd[0]);
		goto out;
	}
	if (r->sc.ready_url &&
	    session_wait_ready(r->target, r->sc.ready_url, (long)(r->sc.ready_timeout_s * 1000),
			       r->sc.drive.allow_remote, r->signal_fd, &signo) < 0) {
		if (signo) {
			snprintf(r->error, sizeof(r->error), "interrupted by SIG%s", sigabbrev_np(signo));
			r->code = LS_EXIT_SIGNAL_BASE + signo;
		} else {
			target_error(r, "%s never became ready", r->sc.name);
		}
		goto out;
	}
	r->sampler = sampler_new_tree(target_pid(r->target), target_tree_root(r->target), NULL);
	if (!r->sampler) {
		target_error(r, "cannot sample %s", r->sc.name);
		goto out;
	}
	if (!(r->evidence = evidence_run_new(r->out_dir, &r->sc, r->sampler))) {
		target_error(r, "out of memory");
		goto out;
	}
	if (r->sc.has_drive && !(r->driver = driver_new(&r->sc.drive))) {
		snprintf(r->error, sizeof(r->error), "cannot start the HTTP driver (see above)");
		r->code = LS_EXIT_TARGET;
		goto out;
	}
	if (r->sc.exec.cmd && start_generator(r) < 0)
		goto out;
	if (r->sc.prometheus.url && start_scraper(r) < 0) {
		snprintf(r->error, sizeof(r->error), "cannot start the Prometheus scraper (see above)");
		r->code = LS_EXIT_TARGET;
		goto out;
	}
	ret = 0;
out:
	free(log);
	free(base);
	free(argv);
	return ret;
}

/* What early verdicts are judged against (the same as the final verdict). */
static struct session_judge judge_of(const struct run *r)
{
	return (struct session_judge){
		.gate = &r->sc.gate, .warmup_s = r->sc.warmup_s,
		.with_lazyfree = r->sc.lazyfree_interval_ms > 0, .with_requests = r->driver != NULL,
	};
}

/* How the generator ended, for the summary; a warning when it left the run undriven. */
static void describe_generator(struct run *r)
{
	struct generator_totals t;

	if (!r->generator)
		return;
	generator_totals(r->generator, &t);
	if (!t.ended) {
		snprintf(r->exec_end, sizeof(r->exec_end), "was stopped at the end of the run");
		return;
	}
	generator_describe(r->generator, r->exec_end, sizeof(r->exec_end));
	if (r->session.end != SESSION_GENERATOR_FAILED)
		diag_warning("%s: load generator '%s' %s after %.1f s; the run went on without it "
			     "(set drive.exec.restart to start it again)", r->sc.name,
			     r->sc.exec.cmd[0], r->exec_end, t.ended_at_s);
}

static int drive_and_sample(struct run *r)
{
	char *csv = path_join(r->out_dir, RUNFILE_SAMPLES);
	struct session_judge judge = judge_of(r);
	struct session_config c = {
		.csv_path = csv, .metrics = &r->sc.metrics,
		.duration_s = r->sc.duration_s,
		.interval_ms = r->sc.interval_ms,
		.lazyfree_interval_ms = r->sc.lazyfree_interval_ms,
		.sampler = r->sampler,
		.driver = r->driver,
		.scrape = r->scrape,
		.target = r->target,
		.generator = r->generator,
		.signal_fd = r->signal_fd,
		.caps = &r->caps,
		.judge = r->sc.early_stop ? &judge : NULL,
		.on_window_start = evidence_run_window_start,
		.window_cls = r->evidence,
		.window_start_s = r->sc.warmup_s,
		.show_judge = &judge,
		/* Before the driver's threads start, gone once they are joined: a thread's
		 * warning erases the line through diag. */
		.status = status_new(STDOUT_FILENO, r->opt.quiet),
	};
	char how[160];

	session_run(&c, &r->session);
	free(csv);
	/* The window's end as the last sample saw it: before the driver lets go of anything. */
	if (r->session.end == SESSION_COMPLETED || r->session.end == SESSION_SETTLED ||
	    r->session.end == SESSION_CAPPED)
		evidence_run_window_end(r->evidence, r->session.elapsed_s);
	/* A session that failed (a full disk) did not read the totals: what was driven stands. */
	if (r->driver && r->session.end == SESSION_FAILED)
		driver_totals(r->driver, &r->session.totals);
	/* The load stops first so the target is not torn down under live requests. */
	generator_stop(r->generator);
	if (r->driver)
		driver_stop(r->driver);
	describe_generator(r);
	status_free(&c.status);
	switch (r->session.end) {
	case SESSION_COMPLETED:
	case SESSION_SETTLED:
		return 0;
	case SESSION_INTERRUPTED:
		snprintf(r->error, sizeof(r->error), "interrupted by SIG%s after %.1f s",
			 sigabbrev_np(r->session.signo), r->session.elapsed_s);
		r->code = LS_EXIT_SIGNAL_BASE + r->session.signo;
		return -1;
	case SESSION_TARGET_EXITED:
		r->code = LS_EXIT_TARGET;
		/* The sampler also stops when /proc stops making sense, with the target alive. */
		if (!target_poll(r->target)) {
			snprintf(r->error, sizeof(r->error), "cannot read the target's /proc entries "
				 "any more after %.1f s", r->session.elapsed_s);
			return -1;
		}
		target_describe(r->target, how, sizeof(how));
		snprintf(r->error, sizeof(r->error), "target %s after %.1f s (see "
			 RUNFILE_TARGET_LOG ")", how, r->session.elapsed_s);
		return -1;
	case SESSION_CAPPED:
		/* a verdict without a fit: the tree grew past what the machine can give it */
		cap_describe(&r->session.cap, r->reason, sizeof(r->reason));
		r->code = LS_EXIT_LEAK;
		return -1;
	case SESSION_GENERATOR_FAILED:
		generator_log_tail(r->drive_log, 5, r->exec_tail, sizeof(r->exec_tail));
		target_error(r, "load generator '%s' %s after %.1f s (drive.exec; "
			     RUNFILE_DRIVE_LOG " ends: %s)", r->sc.exec.cmd[0], r->exec_end,
			     r->session.elapsed_s, r->exec_tail[0] ? r->exec_tail : "(empty)");
		return -1;
	case SESSION_FAILED:
		break;
	}
	snprintf(r->error, sizeof(r->error), "the run stopped after %.1f s (see the message above)",
		 r->session.elapsed_s);
	r->code = LS_EXIT_TARGET;
	return -1;
}

static void judge(struct run *r)
{
	const struct driver_totals *t = &r->session.totals;

	/* Flat memory under no load proves nothing: a run that drove nothing is no pass. */
	if (r->driver && t->completed == 0) {
		snprintf(r->error, sizeof(r->error), "none of %llu requests succeeded, so the "
			 "target was never driven (check drive.http and " RUNFILE_TARGET_LOG ")",
			 (unsigned long long)t->errors);
		r->code = LS_EXIT_TARGET;
		return;
	}
	if (t->errors * 100 > t->started)
		diag_warning("%s: %llu of %llu requests failed (see " RUNFILE_TARGET_LOG ")",
			     r->sc.name, (unsigned long long)t->errors,
			     (unsigned long long)t->started);

	struct session_judge j = judge_of(r);
	int code = finish_verdict(&r->session, &j, r->sc.early_stop, r->sc.duration_s, r->scrape,
				  &r->report, r->error, sizeof(r->error));
	if (code < 0) {
		snprintf(r->error, sizeof(r->error), "too few samples after warm-up to fit "
			 "(%zu samples; lengthen duration_s or shorten sample.interval_ms)",
			 r->session.series.n);
		r->code = LS_EXIT_TARGET;
		return;
	}
	r->has_report = 1;
	r->code = code;
}

static void finish(struct run *r)
{
	struct generator_totals totals = { 0 };
	json_t *evidence = evidence_run_json(r->evidence);

	if (r->generator)
		generator_totals(r->generator, &totals);
	if (evidence && r->has_report)
		heapcmp_add(evidence, &r->report, &r->sc);
	struct summary_run sr = {
		.name = r->sc.name, .scenario_file = r->sc.path, .description = r->sc.description,
		.out_dir = r->out_dir, .expect = r->sc.expect, .duration_s = r->sc.duration_s,
		.warmup_s = r->sc.warmup_s, .interval_ms = r->sc.interval_ms,
		.metrics = &r->sc.metrics, .gate = &r->sc.gate,
		.session = &r->session, .report = r->has_report ? &r->report : NULL,
		.has_driver = r->sc.has_drive, .error = r->error[0] ? r->error : NULL,
		.exit_code = r->code, .started_utc = r->started_utc,
		.reason = r->reason[0] ? r->reason : NULL, .caps = &r->caps,
		.evidence = evidence,
		.scrape = r->scrape,
		.exec_cmd = (const char *const *)r->sc.exec.cmd, .exec_restart = r->sc.exec.restart,
		.exec = r->generator ? &totals : NULL,
		.exec_end = r->exec_end[0] ? r->exec_end : NULL,
		.exec_log_tail = r->exec_tail[0] ? r->exec_tail : NULL,
	};

	r->code = finish_conclude(&sr, r->opt.junit, r->opt.metrics_out);
}

/* Under a profiler, let it finish its data: 1 when a signal arrived meanwhile (recorded). */
static int interrupted_at_end(struct run *r)
{
	int signo = evidence_run_profile_end(r->evidence, r->target,
					     (unsigned)(r->sc.stop_grace_s * 1000), r->signal_fd);

	if (!signo)
		return 0;
	snprintf(r->error, sizeof(r->error), "interrupted by SIG%s while heaptrack wrote its data",
		 sigabbrev_np(signo));
	r->code = LS_EXIT_SIGNAL_BASE + signo;
	return 1;
}

static void run_release(struct run *r)
{
	evidence_run_free(&r->evidence);
	driver_free(&r->driver);
	generator_free(&r->generator);
	free(r->drive_log);
	scrape_free(&r->scrape);
	sampler_free(&r->sampler);
	target_free(&r->target);
	session_result_release(&r->session);
	if (r->signal_fd >= 0)
		close(r->signal_fd);
	free(r->out_dir);
	scenario_release(&r->sc);
}

/* --bisect anywhere among the options (before "--"), even after one that is wrong. */
static int wants_bisect(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--bisect"))
			return 1;
	return 0;
}

/*
 * An exit code as `git bisect run` reads it: 0 good, 1-127 but 125 bad, 125 skip (this
 * commit cannot be judged: its target does not start, crashes or never gets ready), and
 * anything from 128 up aborts the bisection — right for a scenario or a command line that no
 * commit can fix, and for an interrupted run (128 + N already).
 */
static int bisect_code(int code)
{
	switch (code) {
	case LS_EXIT_PASS: return 0;
	case LS_EXIT_LEAK: return 1;
	case LS_EXIT_TARGET: return 125;
	case LS_EXIT_USAGE: return 255;
	default: return code;
	}
}

static int run_main(int argc, char **argv)
{
	struct run r = { .signal_fd = -1, .code = LS_EXIT_USAGE };
	int p = parse_opts(argc, argv, &r.opt);

	if (p)
		return opt_exit(p);
	if (prepare_scenario(&r) < 0)
		goto out;
	results_utc_now(r.started_utc, sizeof(r.started_utc));
	int ran = setup_harness(&r) == 0 && start_target(&r) == 0 && drive_and_sample(&r) == 0;
	/* Stopped before the summary and the plot: nothing of the target outlives the run. */
	if (r.target && r.session.end != SESSION_INTERRUPTED && interrupted_at_end(&r))
		ran = 0;
	if (r.target)
		target_stop(r.target, (unsigned)(r.sc.stop_grace_s * 1000));
	if (ran)
		judge(&r);
	finish(&r);
out:
	run_release(&r);
	return r.code;
}

int cmd_run(int argc, char **argv)
{
	int code = run_main(argc, argv);

	return wants_bisect(argc, argv) ? bisect_code(code) : code;
}
