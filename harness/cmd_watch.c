/*
 * leaksoak watch --pid PID --duration S [options]
 *
 * Sample a running process and its descendants that leaksoak did not start, then fit and gate
 * them like `run`.  The watched process is only ever read through /proc: never signalled,
 * never waited for, never traced.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "diag.h"
#include "gate.h"
#include "results.h"
#include "sampler.h"
#include "session.h"
#include "summary.h"
#include "units.h"

static const char watch_usage[] =
	"usage: leaksoak watch --pid PID --duration S [options]\n"
	"\n"
	"  --pid PID                    the process to watch (with all its descendants)\n"
	"  --duration S                 how long to watch (30s, 10m, 2h)\n"
	"  --interval-ms MS             sampling interval (default 1000)\n"
	"  --warmup S                   ignore the first S when fitting (default 0)\n"
	"  --max-rss-kib-per-min N      RSS gate, KiB/min (default 1024; sizes like 2MiB work)\n"
	"  --max-threads-per-min N      thread gate (default 1)\n"
	"  --max-fds-per-min N          FD gate (default 1)\n"
	"  --out DIR                    results folder (default results/watch-PID/<UTC timestamp>)\n"
	"  --junit FILE                 also write a JUnit XML report\n"
	"  -h, --help                   this text\n"
	"\n"
	"The process is never signalled. exit: 0 pass, 1 leak, 2 usage, 3 the process went away\n";

struct watch_opts {
	unsigned long pid;
	double duration_s;
	double warmup_s;
	unsigned long interval_ms;
	struct scenario_gate gate;
	const char *out;
	const char *junit;
};

static int bad_value(const char *opt, const char *val, const char *what)
{
	return diag_error("invalid %s '%s' (%s; try 'leaksoak watch --help')", opt, val, what);
}

/* One option into o: 0, or -1 after a message. */
static int watch_opt(int c, const char *arg, struct watch_opts *o)
{
	switch (c) {
	case 'p':
		return units_parse_uint(arg, 1, 4194304, &o->pid) ? bad_value("--pid", arg,
			"a process id") : 0;
	case 'd':
		return units_parse_duration_s(arg, &o->duration_s) ? bad_value("--duration", arg,
			"a duration like 30s, 10m or 2h") : 0;
	case 'w':
		return units_parse_duration_s(arg, &o->warmup_s) ? bad_value("--warmup", arg,
			"a duration like 30s") : 0;
	case 'i':
		return units_parse_uint(arg, 10, 600000, &o->interval_ms) ?
			bad_value("--interval-ms", arg, "milliseconds from 10 to 600000") : 0;
	case 'r':
		return units_parse_kib(arg, &o->gate.rss_kib_per_min) ?
			bad_value("--max-rss-kib-per-min", arg, "KiB per minute, e.g. 512") : 0;
	case 't':
		return units_parse_double(arg, &o->gate.threads_per_min) ?
			bad_value("--max-threads-per-min", arg, "a number >= 0") : 0;
	case 'f':
		return units_parse_double(arg, &o->gate.fds_per_min) ?
			bad_value("--max-fds-per-min", arg, "a number >= 0") : 0;
	case 'o':
		o->out = arg;
		return 0;
	case 'j':
		o->junit = arg;
		return 0;
	default:
		return diag_error("try 'leaksoak watch --help'");
	}
}

/* 0 to go on, 1 after --help, -1 on a usage error. */
static int parse_opts(int argc, char **argv, struct watch_opts *o)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "interval-ms", required_argument, NULL, 'i' },
		{ "max-rss-kib-per-min", required_argument, NULL, 'r' },
		{ "max-threads-per-min", required_argument, NULL, 't' },
		{ "max-fds-per-min", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "junit", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

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
	return 0;
}

int cmd_watch(int argc, char **argv)
{
	struct watch_opts o = {
		.interval_ms = 1000,
		.gate = { .rss_kib_per_min = 1024, .threads_per_min = 1, .fds_per_min = 1,
			  .rss_discount_lazyfree = 1, .alpha = 0.01 },
	};
	struct session_result sess = { 0 };
	struct gate_report report;
	struct sampler *sampler = NULL;
	char name[32], *out_dir = NULL, *csv = NULL;
	char error[256] = "";
	int signal_fd = -1, has_report = 0;
	enum ls_exit code = LS_EXIT_USAGE;
	int p = parse_opts(argc, argv, &o);

	if (p)
		return p > 0 ? LS_EXIT_PASS : LS_EXIT_USAGE;
	snprintf(name, sizeof(name), "watch-%lu", o.pid);
	out_dir = o.out ? strdup(o.out) : results_default_dir(NULL, name);
	if (!out_dir || results_mkdir_p(out_dir) < 0 || asprintf(&csv, "%s/samples.csv", out_dir) < 0)
		goto out;
	signal_fd = session_signals_open();
	if (signal_fd < 0)
		goto out;
	code = LS_EXIT_TARGET;
	sampler = sampler_new((pid_t)o.pid, NULL);
	if (!sampler)
		goto out;
	struct session_config c = {
		.csv_path = csv, .duration_s = o.duration_s, .interval_ms = (unsigned)o.interval_ms,
		/* smaps_rollup holds the process's mmap lock: read it ten times less often. */
		.lazyfree_interval_ms = (unsigned)o.interval_ms * 10,
		.sampler = sampler, .signal_fd = signal_fd,
	};
	session_run(&c, &sess);
	if (sess.end == SESSION_INTERRUPTED) {
		snprintf(error, sizeof(error), "interrupted by SIG%s after %.1f s",
			 sigabbrev_np(sess.signo), sess.elapsed_s);
		code = 128 + sess.signo;
	} else if (sess.end == SESSION_TARGET_EXITED) {
		snprintf(error, sizeof(error), "process %lu went away after %.1f s", o.pid,
			 sess.elapsed_s);
	} else if (sess.end == SESSION_FAILED) {
		snprintf(error, sizeof(error), "the watch failed after %.1f s", sess.elapsed_s);
	} else {
		struct gate_input in;
		session_gate_input(&sess, o.warmup_s, 1, 0, &in);
		if (gate_evaluate(&o.gate, &in, &report) == 0) {
			has_report = 1;
			code = report.leak ? LS_EXIT_LEAK : LS_EXIT_PASS;
		} else {
			snprintf(error, sizeof(error), "too few samples to fit (%zu; watch longer "
				 "or lower --interval-ms)", in.n);
		}
	}
	struct summary_run sr = {
		.name = name, .out_dir = out_dir, .duration_s = o.duration_s,
		.warmup_s = o.warmup_s, .interval_ms = (unsigned)o.interval_ms, .gate = &o.gate,
		.session = &sess, .report = has_report ? &report : NULL,
		.error = error[0] ? error : NULL, .exit_code = code,
	};
	summary_stamp(&sr);
	if (error[0])
		diag_error("%s: %s", name, error);
	if (summary_write(&sr, o.junit) < 0 && code == LS_EXIT_PASS)
		code = sr.exit_code = LS_EXIT_TARGET;
	summary_print(stdout, &sr);
	if (fflush(stdout) == EOF && code == LS_EXIT_PASS)
		code = LS_EXIT_TARGET;
out:
	sampler_free(&sampler);
	session_result_release(&sess);
	if (signal_fd >= 0)
		close(signal_fd);
	free(csv);
	free(out_dir);
	return code;
}
