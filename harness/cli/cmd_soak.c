/*
 * leaksoak soak [SCENARIO.json|DIR ...] [--duration S] [-j N] [--out DIR] [--shard K/N]
 *               [--baseline DIR]
 *
 * Validate every scenario first (a broken file is exit 2 before anything runs), pick this
 * shard's share, run them as child `leaksoak run`s (soak.c), then compare the report with the
 * newest earlier report beside it and write it: summary.json and junit.xml (report_write.h),
 * then index.html with the soaks before it (report_html.h).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proc/cap.h"
#include "cli/cmd.h"
#include "cli/options.h"
#include "base/diag.h"
#include "base/runfiles.h"
#include "base/vec.h"
#include "out/history.h"
#include "out/history_text.h"
#include "out/history_trend.h"
#include "out/plot.h"
#include "out/promtext.h"
#include "out/report.h"
#include "out/report_baseline.h"
#include "out/report_html.h"
#include "out/report_text.h"
#include "out/report_write.h"
#include "record/results.h"
#include "scenario/scenario.h"
#include "run/session.h"
#include "cli/soak.h"
#include "base/text.h"
#include "base/units.h"

/* Allowance beyond duration, readiness and stopping before a run counts as stuck. */
#define SOAK_SLACK_S 30
#define SOAK_MAX_JOBS 64

static const struct opt_cmd soak_cmd = {
	.name = "soak", .col = 19, .synopsis = "[SCENARIO.json|DIR ...] [options]",
	.about =
	"Run every scenario (default: scenarios/, every *.json in a DIR) as its own 'leaksoak\n"
	"run', then write one report in the output folder: summary.json, junit.xml and a\n"
	"self-contained index.html; each run's files are in <out>/<name>/, its output in run.log.\n"
	"When an earlier report lies beside <out> (same parent folder), say which verdicts changed\n"
	"and which gated slopes rose by more than a quarter of their gate.",
	.epilogue =
	"A scenario's \"expect\" is what it is known to show, and showing it is success: a bundled\n"
	"leak that leaks passes the soak.  A run that does not (a known leak not caught, a fixed\n"
	"twin that leaks) fails the soak like an unexpected leak.\n"
	"\n"
	"exit: 0 every run passed or showed what it was expected to\n"
	"      1 a run leaked unexpectedly, or did not show what it was expected to\n"
	"      2 usage error or invalid scenario (nothing was run)\n"
	"      3 a run errored (could not start, crashed, killed) and none failed\n"
	"      128+N interrupted by signal N (the runs are stopped; the report is written)\n",
};

struct soak_opts {
	const char *out;
	const char *duration;
	const char *baseline;
	const char *max_rss_kib, *max_procs;	/* passed on to each run as given */
	int no_early_stop;			/* passed on to each run */
	const char *label, *commit;		/* for the history (history.h); may be NULL */
	const char *metrics_out;		/* --metrics-out FILE, or NULL */
	unsigned long jobs;
	unsigned long shard_k, shard_n;		/* 0/0: no sharding */
	char **paths;
	int n_paths;
};

/* A scenario file, validated, with what the soak needs from it. */
struct entry {
	char *file;
	char *name;
	const char *expect;	/* static string or NULL */
	double duration_s, warmup_s, limit_s;
};

struct entries {
	struct entry *v;
	size_t n, cap;
};

/* --shard K/N */
static int parse_shard(const char *s, void *opts)
{
	struct soak_opts *o = opts;
	char k[32];
	const char *slash = strchr(s, '/');

	if (!slash || (size_t)(slash - s) >= sizeof(k))
		return -1;
	snprintf(k, sizeof(k), "%.*s", (int)(slash - s), s);
	if (units_parse_uint(k, 1, 1000, &o->shard_k) < 0 ||
	    units_parse_uint(slash + 1, 1, 1000, &o->shard_n) < 0 || o->shard_k > o->shard_n)
		return -1;
	return 0;
}

/* --label TEXT and --commit REV: a tag of the history. */
static int parse_tag(const char *s, void *tag)
{
	if (!history_tag_ok(s))
		return -1;
	*(const char **)tag = s;
	return 0;
}

#define SOAK_STR(x) SOAK_STR_(x)
#define SOAK_STR_(x) #x
#define SOAK_TAG_WHAT \
	"1 to " SOAK_STR(HISTORY_MAX_TAG) " printable characters, no tab or line break"

static int parse_opts(int argc, char **argv, struct soak_opts *o)
{
	const struct opt opts[] = {
		{ .kind = OPT_KIND_DURATION, .name = "duration", .argh = "S", .text = &o->duration,
		  .help = "run each scenario for S instead of its duration_s (30s, 5m, 1h)",
		  .what = "a duration like 30s, 5m or 1h, at most 31 days" },
		OPT_ULONG('j', "jobs", "N", &o->jobs, 1, SOAK_MAX_JOBS,
			  "run N scenarios at once (default 1; each gets its own free port)",
			  "a number of runs at once, %lu to %lu"),
		OPT_STRING(0, "out", "DIR", &o->out,
			   "report folder (default results/soak/<UTC timestamp>)"),
		OPT_CALLBACK(0, "shard", "K/N", parse_shard, o,
			     "run only shard K of N: scenario i of the list sorted by name\n"
			     "(counting from 0) is in shard i % N + 1, so a CI matrix of N\n"
			     "machines runs each scenario once; merge with 'leaksoak report'",
			     "K/N with 1 <= K <= N, e.g. 2/3"),
		OPT_STRING(0, "baseline", "DIR", &o->baseline,
			   "compare with this earlier report instead of the newest beside <out>"),
		{ .kind = OPT_KIND_ULONG, .name = "max-rss-kib", .argh = "N",
		  .text = &o->max_rss_kib, .min = CAP_MIN_RSS_KIB, .max = CAP_MAX_RSS_KIB,
		  .help = "memory cap of each run's target tree (default: its scenario's, else\n"
			  "half of MemAvailable divided by the number of jobs)",
		  .what = "an integer from %lu to %lu" },
		{ .kind = OPT_KIND_ULONG, .name = "max-procs", .argh = "N", .text = &o->max_procs,
		  .min = 1, .max = CAP_MAX_PROCS,
		  .help = "process cap of each run's target tree (default: its scenario's, else\n"
			  "1024)",
		  .what = "an integer from %lu to %lu" },
		OPT_FLAG(0, "no-early-stop", &o->no_early_stop,
			 "run every scenario its whole duration, for the full curves"),
		OPT_CALLBACK(0, "label", "TEXT", parse_tag, &o->label,
			     "name this soak in the history (e.g. the night or the build)",
			     SOAK_TAG_WHAT),
		OPT_CALLBACK(0, "commit", "REV", parse_tag, &o->commit,
			     "the commit this soak tested, for the history", SOAK_TAG_WHAT),
		OPT_STRING(0, "metrics-out", "FILE", &o->metrics_out,
			   "also write every run's verdict, slopes, gates and driver totals to\n"
			   "FILE in the Prometheus text format (node_exporter's textfile "
			   "collector)"),
		OPT_END(),
	};
	int p = opt_parse(&soak_cmd, opts, argc, argv);

	if (p)
		return p;
	o->paths = argv + optind;
	o->n_paths = argc - optind;
	return 0;
}

/* ----------------------------------------------------------------------------------------- */
/* Finding and validating the scenarios                                                      */

static void entries_release(struct entries *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].file);
		free(e->v[i].name);
	}
	free(e->v);
	memset(e, 0, sizeof(*e));
}

/* Load file and add it; -1 when it is invalid (message printed) or memory ran out. */
static int add_scenario(struct entries *e, const struct soak_opts *o, const char *file)
{
	struct scenario sc;
	double d;

	if (scenario_load(file, &sc) < 0)
		return -1;
	if (o->duration && units_parse_duration_s(o->duration, &d) == 0)
		sc.duration_s = d;
	int ret = -1;
	if (sc.warmup_s >= sc.duration_s) {
		diag_error("%s: --duration %s leaves nothing after warmup_s %.1fs (use a longer "
			   "--duration)", file, o->duration, sc.warmup_s);
		goto out;
	}
	/* A soak sends traffic to loopback only; refuse now rather than fail every run later. */
	if (sc.has_drive && sc.drive.allow_remote) {
		diag_error("%s: 'drive.allow_remote' is not allowed in a soak (run it alone with "
			   "'leaksoak run --allow-remote')", file);
		goto out;
	}
	struct entry *v = vec_grow(e->v, &e->cap, e->n + 1, sizeof(*v));
	if (!v)
		goto oom;
	e->v = v;
	struct entry *x = &e->v[e->n];
	*x = (struct entry){
		.file = strdup(file), .name = strdup(sc.name),
		.expect = sc.expect == SCENARIO_EXPECT_LEAK ? "leak" :
			  sc.expect == SCENARIO_EXPECT_PASS ? "pass" : NULL,
		.duration_s = sc.duration_s, .warmup_s = sc.warmup_s,
		.limit_s = sc.duration_s + sc.ready_timeout_s + 2 * sc.stop_grace_s +
			   PLOT_TIMEOUT_MS / 1000.0 + SOAK_SLACK_S,
	};
	e->n++;
	if (!x->file || !x->name)
		goto oom;
	ret = 0;
	goto out;
oom:
	diag_error("out of memory");
out:
	scenario_release(&sc);
	return ret;
}

static int is_json(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

/* Every *.json in dir, in name order; the number of files that failed to load. */
static int add_dir(struct entries *e, const struct soak_opts *o, const char *dir)
{
	struct dirent **list = NULL;
	int n = scandir(dir, &list, is_json, alphasort);
	size_t len = strlen(dir);
	int bad = 0;

	if (n < 0) {
		diag_error("cannot read directory '%s': %s", dir, strerror(errno));
		return 1;
	}
	if (n == 0) {
		diag_error("no scenario files in '%s' (expected *.json)", dir);
		bad = 1;
	}
	while (len > 1 && dir[len - 1] == '/')
		len--;
	for (int i = 0; i < n; i++) {
		char *path = NULL;
		if (asprintf(&path, "%.*s/%s", (int)len, dir, list[i]->d_name) < 0)
			path = NULL;
		bad += !path || add_scenario(e, o, path) < 0;
		free(path);
		free(list[i]);
	}
	free(list);
	return bad;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

/* Names become folders: two scenarios with one name would overwrite each other's run. */
static int check_unique(const struct entries *e)
{
	int bad = 0;

	for (size_t i = 1; i < e->n; i++)
		if (!strcmp(e->v[i - 1].name, e->v[i].name))
			bad = diag_error("'%s' and '%s' are both named '%s' (scenario names must be "
					 "unique in a soak)", e->v[i - 1].file, e->v[i].file,
					 e->v[i].name);
	return bad;
}

/* All scenarios of the command line, validated and sorted by name; 0 or -1 (exit 2). */
static int collect(struct entries *e, const struct soak_opts *o)
{
	static char default_dir[] = "scenarios/";
	char *const fallback[] = { default_dir };
	char *const *paths = o->n_paths ? o->paths : fallback;
	int n = o->n_paths ? o->n_paths : 1;
	int bad = 0;
	struct stat st;

	for (int i = 0; i < n; i++) {
		if (stat(paths[i], &st) < 0) {
			diag_error("cannot read '%s': %s (give scenario files or folders)", paths[i],
				   strerror(errno));
			bad++;
		} else if (S_ISDIR(st.st_mode)) {
			bad += add_dir(e, o, paths[i]);
		} else {
			bad += add_scenario(e, o, paths[i]) < 0;
		}
	}
	if (e->n > 1)
		qsort(e->v, e->n, sizeof(*e->v), by_name);
	bad += check_unique(e) < 0;
	return bad ? -1 : 0;
}

/* ----------------------------------------------------------------------------------------- */
/* The soak                                                                                  */

/* This shard's share of the sorted scenarios, as jobs. */
static struct soak_job *make_jobs(const struct entries *e, const struct soak_opts *o, size_t *n)
{
	struct soak_job *jobs = calloc(e->n ? e->n : 1, sizeof(*jobs));

	*n = 0;
	for (size_t i = 0; jobs && i < e->n; i++) {
		if (o->shard_n && i % o->shard_n != o->shard_k - 1)
			continue;
		jobs[(*n)++] = (struct soak_job){
			.file = e->v[i].file, .name = e->v[i].name, .expect = e->v[i].expect,
			.duration_s = e->v[i].duration_s, .warmup_s = e->v[i].warmup_s,
			.limit_s = e->v[i].limit_s,
		};
	}
	if (!jobs)
		diag_error("out of memory");
	return jobs;
}

/* Compare rep with --baseline or the newest earlier report beside out; never fatal. */
static void print_header(const struct soak_opts *o, size_t n, size_t total, const char *out)
{
	printf("soak: %zu scenario%s", n, n == 1 ? "" : "s");
	if (o->shard_n)
		printf(" (shard %lu/%lu of %zu)", o->shard_k, o->shard_n, total);
	printf(", %lu at a time, results in ", o->jobs);
	text_escape_file(stdout, out, 0);
	fputs("/\n", stdout);
	fflush(stdout);
}

/*
 * The soak's label and commit, and for a whole soak (not a shard) the soaks before it beside
 * out with each scenario's trend (history_trend.h), for index.html: *shown is h then, NULL
 * when there is none.  A history that cannot be read is a warning.  0, or -1 when out of
 * memory.
 */
static int set_history(struct report *rep, const struct soak_opts *o, const char *out,
		       struct history *h, const struct history **shown)
{
	*shown = NULL;
	if ((o->label && !(rep->label = strdup(o->label))) ||
	    (o->commit && !(rep->commit = strdup(o->commit))))
		return diag_error("out of memory");
	if (o->shard_n)
		return 0;
	if (history_for_report(h, rep, out) == 0)
		*shown = h;
	else
		diag_warning(RUNFILE_INDEX " has no history (see above)");
	return 0;
}

/* Write and print the report; the soak's exit code. */
static int conclude(struct report *rep, const struct soak_opts *o, const char *out, int ran)
{
	struct history h = { 0 };
	const struct history *shown = NULL;
	char shard[32];
	enum ls_exit code;

	results_utc_now(rep->finished_utc, sizeof(rep->finished_utc));
	if (o->shard_n) {
		snprintf(shard, sizeof(shard), "%lu/%lu", o->shard_k, o->shard_n);
		rep->shard = strdup(shard);
	}
	report_compare_baseline(rep, out, o->baseline, rep->shard, NULL, 0);
	int wrote = set_history(rep, o, out, &h, &shown) == 0 && report_write(rep, out) == 0 &&
		    report_html_write(rep, shown, out) == 0;
	if (wrote)
		history_record_report(rep, out);
	if (wrote && o->metrics_out && promtext_write_file(o->metrics_out, rep) < 0)
		wrote = 0;
	code = report_exit_code(rep);
	history_print_brief(stdout, shown);
	history_release(&h);
	report_print(stdout, rep, out, 0);
	if (fflush(stdout) == EOF || !wrote || ran < 0)
		code = code == LS_EXIT_PASS ? LS_EXIT_TARGET : code;
	return ran > 0 ? LS_EXIT_SIGNAL_BASE + ran : (int)code;
}

int cmd_soak(int argc, char **argv)
{
	struct soak_opts o = { .jobs = 1 };
	struct entries e = { 0 };
	struct report rep;
	struct soak_job *jobs = NULL;
	char *out = NULL;
	size_t n = 0;
	int signal_fd = -1;
	int code = LS_EXIT_USAGE;
	int p = parse_opts(argc, argv, &o);

	report_init(&rep);
	if (p)
		return opt_exit(p);
	if (collect(&e, &o) < 0)
		goto out;
	code = LS_EXIT_TARGET;
	out = o.out ? strdup(o.out) : results_default_dir(NULL, "soak");
	if (!out || !(jobs = make_jobs(&e, &o, &n)) || results_mkdir_p(out) < 0)
		goto out;
	results_utc_now(rep.started_utc, sizeof(rep.started_utc));
	print_header(&o, n, e.n, out);
	if ((signal_fd = session_signals_open()) < 0)
		goto out;
	struct soak_options so = {
		.out_dir = out, .duration = o.duration, .jobs = (unsigned)o.jobs,
		.max_rss_kib = o.max_rss_kib, .max_procs = o.max_procs,
		.no_early_stop = o.no_early_stop,
		.tty = isatty(STDOUT_FILENO) && getenv("TERM") && strcmp(getenv("TERM"), "dumb"),
		.signal_fd = signal_fd, .out = stdout,
	};
	int ran = soak_run(&so, jobs, n, &rep);
	code = conclude(&rep, &o, out, ran);
out:
	if (signal_fd >= 0)
		close(signal_fd);
	report_release(&rep);
	entries_release(&e);
	free(jobs);
	free(out);
	return code;
}
