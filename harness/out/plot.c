/*
 * plot — gather what plot/run.gp needs from a run folder (samples.csv for the ranges,
 * summary.json for the fitted line, gate and verdict) and run gnuplot on it, bounded in time.
 */
#include "out/plot.h"
#include "base/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/path.h"
#include "base/runfiles.h"
#include "base/text.h"
#include "base/vec.h"
#include "record/results.h"
#include "record/samples.h"

/* Above this much RSS the axis is in MiB: five-digit KiB labels are hard to read. */
#define PLOT_MIB_ABOVE_KIB 20480.0
#define PLOT_TITLE_MAX 160

/* What samples.csv says about the axes. */
struct csv_scan {
	size_t rows;
	size_t last_line;	/* data lines to plot: all but a torn last one */
	double t_last;
	double rss_min, rss_max;	/* over RSS and RSS − LazyFree */
	double th_min, th_max, fd_min, fd_max;
	int has_lazy;
	int has_anon;		/* the file has rss_anon_kib (column 10) */
	int anon_in_range;	/* widen the RSS axis for it: it is the series fitted */
	struct samples_header header;	/* its Prometheus series, drawn in their own panel */
	int series_seen[METRIC_MAX_SERIES];	/* 1: the series has a reading to draw */
};

/* What summary.json says about the run; NaN where it says nothing. */
struct run_facts {
	char name[96];
	char verdict[16];
	char basis[32];		/* "rss", "rss-lazyfree", "rss_anon", "rss_anon-lazyfree" */
	char error[96];
	double warmup_s;
	double fit_from_s;	/* where the gated memory series' fit began (its start-up) */
	double decided_at_s;	/* when an early verdict settled the run; NaN: it ran out */
	double slope_per_min;	/* Theil–Sen of the gated RSS series */
	double intercept_kib;
	double gate_per_min;
	char counts[96];	/* failed thread/FD gates: ", threads +300/min (gate 20)" */
};

const char *plot_file_name(enum plot_format fmt)
{
	return fmt == PLOT_SVG ? RUNFILE_PLOT_SVG : RUNFILE_PLOT_PNG;
}

char *plot_find_gnuplot(void)
{
	const char *path = getenv("PATH");
	char *copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	char *found = NULL;
	char *save = NULL;

	for (char *dir = copy ? strtok_r(copy, ":", &save) : NULL; dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char *p = NULL;
		if (asprintf(&p, "%s/gnuplot", *dir ? dir : ".") < 0)
			break;
		if (access(p, X_OK) == 0)
			found = p;
		else
			free(p);
	}
	free(copy);
	return found;
}

/*
 * plot/NAME beside the executable (dirname(/proc/self/exe)/plot/NAME), else where
 * `make install` puts it (../share/leaksoak/plot/NAME).  Malloc'd, or NULL after printing
 * where it looked.
 */
static char *plot_find_script(const char *name)
{
	char run_gp[64], installed[96];
	const char *const rel[] = { run_gp, installed };
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0) {
		diag_error("cannot read /proc/self/exe: %s (is /proc mounted?)", strerror(errno));
		return NULL;
	}
	exe[n] = '\0';
	snprintf(run_gp, sizeof(run_gp), "plot/%s", name);
	snprintf(installed, sizeof(installed), "../share/leaksoak/plot/%s", name);
	const char *dir = dirname(exe);
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char *p = path_join(dir, rel[i]);
		if (!p)
			return NULL;
		if (access(p, R_OK) == 0)
			return p;
		free(p);
	}
	diag_error("no gnuplot script: neither %s/%s nor %s/%s exists (reinstall leaksoak)",
		   dir, rel[0], dir, rel[1]);
	return NULL;
}

/* ----------------------------------------------------------------------------------------- */
/* Reading the run folder                                                                    */

/* Widen [*lo, *hi] to take v; NaN (an empty cell) changes nothing. */
static void widen(double *lo, double *hi, double v)
{
	if (v < *lo)
		*lo = v;
	if (v > *hi)
		*hi = v;
}

static int scan_row(const struct samples_header *h, const struct samples_row *r, void *arg)
{
	struct csv_scan *s = arg;

	s->has_anon = h->has_builtin[METRIC_RSS_ANON];
	s->rows++;
	s->t_last = r->t_s;
	s->has_lazy |= !isnan(r->lazyfree_kib);
	widen(&s->rss_min, &s->rss_max, r->rss_kib);
	widen(&s->rss_min, &s->rss_max, r->rss_kib - r->lazyfree_kib);
	/* Drawn always, but far under RSS it would flatten the line that matters. */
	if (s->anon_in_range)
		widen(&s->rss_min, &s->rss_max, r->metric[METRIC_RSS_ANON]);
	widen(&s->th_min, &s->th_max, r->threads);
	widen(&s->fd_min, &s->fd_max, r->fds);
	for (size_t i = 0; i < h->n_series; i++)
		s->series_seen[i] |= !isnan(r->metric[METRIC_N_BUILTIN + i]);
	return 0;
}

/* The axes from samples.csv (a torn last line skipped with a warning by samples_read). */
static int scan_csv(const char *path, int anon_in_range, struct csv_scan *s)
{
	memset(s, 0, sizeof(*s));
	s->anon_in_range = anon_in_range;
	s->rss_min = s->th_min = s->fd_min = INFINITY;
	s->rss_max = s->th_max = s->fd_max = -INFINITY;
	struct samples_stats st;

	if (samples_read_path(path, scan_row, s, &st) < 0)
		return -1;
	s->header = st.header;
	/* gnuplot reads the file itself: stop it before a torn last line. */
	s->last_line = st.rows + st.skipped - (size_t)st.torn_last;
	if (s->rows < 2)
		return diag_error("'%s' has %zu sample rows (nothing to plot before two)", path,
				  s->rows);
	return 0;
}

static double json_num(const json_t *j, const char *path)
{
	char key[64];
	const char *p = path;

	while (j && *p) {
		size_t len = strcspn(p, ".");
		snprintf(key, sizeof(key), "%.*s", (int)len, p);
		j = json_object_get(j, key);
		p += len + (p[len] == '.');
	}
	return json_is_number(j) ? json_number_value(j) : NAN;
}

static void json_str(const json_t *obj, const char *key, char *buf, size_t len)
{
	const char *s = json_string_value(json_object_get(obj, key));

	if (s) {
		snprintf(buf, len, "%s", s);
		text_utf8_trim(buf);
	}
}

/* The metrics other than the memory one drawn fitted that failed their gate, for the title. */
static void failed_counts(const json_t *metrics, const char *drawn, char *buf, size_t len)
{
	const char *name;
	const json_t *m;
	size_t used = 0;

	json_object_foreach((json_t *)metrics, name, m) {
		if (used >= len)
			break;
		if (!strcmp(name, drawn) || !json_is_true(json_object_get(m, "failed")))
			continue;
		const char *unit = json_string_value(json_object_get(m, "unit"));
		int kib = unit && !strcmp(unit, "KiB");
		int w = snprintf(buf + used, len - used, ", %s %+.4g%s/min (gate %g)", name,
				 json_num(m, "slope_per_min"), kib ? " KiB" : "",
				 json_num(m, "gate_per_min"));
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* Fill *rf from a parsed summary.json (NULL: none, the run nameless but plottable). */
static void facts_from_json(const json_t *j, struct run_facts *rf)
{
	*rf = (struct run_facts){ .warmup_s = 0, .decided_at_s = NAN, .slope_per_min = NAN,
				  .intercept_kib = NAN, .gate_per_min = NAN };
	if (!json_is_object(j))
		return;
	json_str(j, "scenario", rf->name, sizeof(rf->name));
	json_str(j, "verdict", rf->verdict, sizeof(rf->verdict));
	json_str(j, "error", rf->error, sizeof(rf->error));
	json_t *metrics = json_object_get(j, "metrics");
	json_t *rss = json_object_get(metrics, "rss"), *anon = json_object_get(metrics, "rss_anon");
	/* The memory line drawn fitted is the gated one: anonymous RSS when only it is gated. */
	if (!json_is_number(json_object_get(rss, "gate_per_min")) &&
	    json_is_number(json_object_get(anon, "gate_per_min")))
		rss = anon;
	json_str(rss, "basis", rf->basis, sizeof(rf->basis));
	double w = json_num(j, "warmup_s");
	rf->warmup_s = isfinite(w) && w > 0 ? w : 0;
	double from = json_num(rss, "window.start_s");
	rf->fit_from_s = isfinite(from) && from > rf->warmup_s ? from : rf->warmup_s;
	if (json_is_true(json_object_get(j, "stopped_early")))
		rf->decided_at_s = json_num(j, "decided_at_s");
	rf->slope_per_min = json_num(rss, "theil_sen.slope_per_min");
	rf->intercept_kib = json_num(rss, "theil_sen.intercept");
	rf->gate_per_min = json_num(rss, "gate_per_min");
	if (!isfinite(rf->gate_per_min))
		rf->gate_per_min = json_num(j, "gate.rss_kib_per_min");
	failed_counts(metrics, rss == anon ? "rss_anon" : "rss", rf->counts, sizeof(rf->counts));
}

/* Fill *rf from run_dir/summary.json; a missing summary leaves the run nameless but plottable. */
static void read_facts(const char *run_dir, struct run_facts *rf)
{
	char *path = path_join(run_dir, RUNFILE_SUMMARY);
	json_error_t err;
	json_t *j = path ? json_load_file(path, 0, &err) : NULL;

	facts_from_json(j, rf);
	json_decref(j);
	free(path);
}

/* "map-churn: leak, rss +2310.4 KiB/min (gate 512 KiB/min)" */
static void make_title(const struct run_facts *rf, const char *run_dir, char *buf, size_t len)
{
	char *copy = strdup(run_dir);
	const char *name = rf->name[0] ? rf->name : copy ? basename(copy) : run_dir;
	const char *series = !strcmp(rf->basis, "rss-lazyfree") ? "rss − lazyfree" :
			     !strcmp(rf->basis, "rss_anon-lazyfree") ? "rss_anon − lazyfree" :
			     !strcmp(rf->basis, "rss_anon") ? "rss_anon" : "rss";
	int n;

	if (!rf->verdict[0])
		n = snprintf(buf, len, "%s: no " RUNFILE_SUMMARY " yet", name);
	else if (isfinite(rf->slope_per_min))
		n = snprintf(buf, len, "%s: %s, %s %+.1f KiB/min", name, rf->verdict, series,
			     rf->slope_per_min);
	else
		n = snprintf(buf, len, "%s: %s%s%s", name, rf->verdict, rf->error[0] ? " — " : "",
			     rf->error);
	if (n >= 0 && (size_t)n < len && isfinite(rf->slope_per_min) &&
	    isfinite(rf->gate_per_min) && rf->gate_per_min >= 0)
		n += snprintf(buf + n, len - (size_t)n, " (gate %g KiB/min)", rf->gate_per_min);
	if (n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%s", rf->counts);
	free(copy);
}

void plot_title_json(const json_t *summary, const char *run_dir, char *buf, size_t len)
{
	struct run_facts rf;

	facts_from_json(summary, &rf);
	make_title(&rf, run_dir, buf, len);
	text_utf8_trim(buf);
}

/* ----------------------------------------------------------------------------------------- */
/* The command line                                                                          */

struct argv_buf {
	char **v;
	size_t n, cap;
	int failed;	/* out of memory */
};

static void argv_push(struct argv_buf *a, char *s)
{
	if (!s || a->failed) {
		a->failed = 1;
		free(s);
		return;
	}
	/* room for s and the NULL after it */
	char **v = vec_grow(a->v, &a->cap, a->n + 2, sizeof(*v));
	if (!v) {
		a->failed = 1;
		free(s);
		return;
	}
	a->v = v;
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

/* -e "name=value" with value a number (NaN and infinities become 0: gnuplot has no literal). */
static void push_num(struct argv_buf *a, const char *name, double v)
{
	char *s = NULL;

	argv_push(a, strdup("-e"));
	if (asprintf(&s, "%s=%.17g", name, isfinite(v) ? v : 0.0) < 0)
		s = NULL;
	argv_push(a, s);
}

/*
 * A path as gnuplot must see it to read or write that file and nothing else: gnuplot opens a
 * pipe for a name starting with '<' or '|' and has special names ('-', '+', '++', ''), so a
 * relative path is given as "./path".  Malloc'd, or NULL.
 */
static char *gnuplot_path(const char *path)
{
	char *p = NULL;

	if (asprintf(&p, "%s%s", path[0] == '/' ? "" : "./", path) < 0)
		return NULL;
	return p;
}

/*
 * The series to draw, those with a reading (gnuplot refuses to draw a series it has no point
 * of): their names for ARG6 and their samples.csv columns for ARG7, space-separated
 * (samples.h allows no blank in a name).  0, or -1 when out of memory.
 */
static int series_args(const struct csv_scan *cs, char **names, char **cols, int *n)
{
	const struct samples_header *h = &cs->header;
	size_t len = 1;

	*n = 0;
	for (size_t i = 0; i < h->n_series; i++)
		len += strlen(h->series[i]) + 1;
	*names = calloc(1, len);
	*cols = calloc(1, (h->n_more + 1) * 4);
	if (!*names || !*cols)
		return -1;
	/* Column k of the metrics after the first ones is the file's column 10 + k. */
	for (size_t k = 0; k < h->n_more; k++) {
		int i = h->more[k] - METRIC_N_BUILTIN;
		if (i < 0 || !cs->series_seen[i])
			continue;
		snprintf(*names + strlen(*names), len - strlen(*names), "%s%s", *n ? " " : "",
			 h->series[i]);
		snprintf(*cols + strlen(*cols), 4, "%s%d", *n ? " " : "", 10 + (int)k);
		(*n)++;
	}
	return 0;
}

/* The title, escaped (no control character reaches the image) and cut on a character. */
static char *title_arg(const char *title)
{
	return text_escape(title, 0);
}
void plot_argv_free(char **argv)
{
	for (char **p = argv; p && *p; p++)
		free(*p);
	free(argv);
}

char **plot_gnuplot_argv(const char *gnuplot, const char *script, const char *run_dir,
			 const char *out_path, enum plot_format fmt)
{
	struct argv_buf a = { 0 };
	struct csv_scan cs;
	struct run_facts rf;
	char title[PLOT_TITLE_MAX];
	char *csv = path_join(run_dir, RUNFILE_SAMPLES);

	read_facts(run_dir, &rf);
	if (!csv || scan_csv(csv, strncmp(rf.basis, "rss_anon", 8) == 0, &cs) < 0)
		goto fail;
	make_title(&rf, run_dir, title, sizeof(title));
	text_utf8_trim(title);	/* snprintf cuts bytes, not characters */
	int mib = cs.rss_max > PLOT_MIB_ABOVE_KIB;
	int has_fit = isfinite(rf.slope_per_min) && isfinite(rf.intercept_kib);
	int has_gate = isfinite(rf.gate_per_min) && rf.gate_per_min >= 0;

	argv_push(&a, strdup(gnuplot));
	push_num(&a, "warmup", rf.warmup_s < cs.t_last ? rf.warmup_s : 0);
	push_num(&a, "fit_from", rf.fit_from_s < cs.t_last ? rf.fit_from_s :
		 rf.warmup_s < cs.t_last ? rf.warmup_s : 0);
	push_num(&a, "tend", cs.t_last > 0 ? cs.t_last : 1);
	push_num(&a, "decided", isfinite(rf.decided_at_s) && rf.decided_at_s > 0 ?
		 rf.decided_at_s : 0);
	push_num(&a, "stride", (double)(cs.rows / PLOT_MAX_POINTS + 1));
	push_num(&a, "last_point", (double)cs.last_line - 1);
	push_num(&a, "rss_div", mib ? 1024 : 1);
	push_num(&a, "rss_lo", (cs.rss_min - fmax(cs.rss_min * 0.01, 1)) / (mib ? 1024 : 1));
	push_num(&a, "th_lo", cs.th_min - 0.5);
	push_num(&a, "th_hi", cs.th_max + 0.5);
	push_num(&a, "fd_lo", cs.fd_min - 0.5);
	push_num(&a, "fd_hi", cs.fd_max + 0.5);
	push_num(&a, "has_lazy", cs.has_lazy);
	push_num(&a, "has_fit", has_fit);
	push_num(&a, "fit_slope", rf.slope_per_min);
	push_num(&a, "fit_icpt", rf.intercept_kib);
	push_num(&a, "has_anon", cs.has_anon);
	push_num(&a, "fit_net", strstr(rf.basis, "-lazyfree") != NULL);
	push_num(&a, "fit_anon", strncmp(rf.basis, "rss_anon", 8) == 0);
	push_num(&a, "has_gate", has_gate);
	push_num(&a, "gate", rf.gate_per_min);
	char *names = NULL, *cols = NULL;
	int n_ser = 0;
	if (series_args(&cs, &names, &cols, &n_ser) < 0)
		a.failed = 1;
	push_num(&a, "n_ser", n_ser);
	/* Strings never go through gnuplot's parser: `-c script` hands them over as ARG1..ARG5,
	 * whatever quotes, semicolons or line breaks they hold. */
	argv_push(&a, strdup("-c"));
	argv_push(&a, strdup(script));
	argv_push(&a, gnuplot_path(csv));
	argv_push(&a, gnuplot_path(out_path));
	argv_push(&a, strdup(fmt == PLOT_SVG ? "svg" : "pngcairo"));
	argv_push(&a, title_arg(title));
	argv_push(&a, strdup(mib ? "MiB" : "KiB"));
	argv_push(&a, names);
	argv_push(&a, cols);
	if (a.failed) {
		diag_error("out of memory");
		goto fail;
	}
	free(csv);
	return a.v;
fail:
	free(csv);
	plot_argv_free(a.v);
	return NULL;
}

/* ----------------------------------------------------------------------------------------- */
/* Running gnuplot                                                                           */

/* gnuplot under spawn.h: output to log, dies with us, killed after PLOT_TIMEOUT_MS. */
static int run_gnuplot(char *const argv[], const char *log_path)
{
	struct spawn_opts o = { .argv = argv, .log_path = log_path, .death_signal = SIGKILL };
	struct spawn *s = spawn_start(&o);
	int status = 0, ret;

	if (!s)
		return -1;	/* spawn_start said why */
	if (!spawn_wait(s, PLOT_TIMEOUT_MS))
		spawn_stop(s, SIGKILL, 0);
	if (!spawn_exited(s, &status))
		ret = diag_error("gnuplot would not die (see %s)", log_path);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		ret = 0;
	else if (WIFSIGNALED(status))
		ret = diag_error("gnuplot was killed by signal %d (timeout %d s; see %s)",
				 WTERMSIG(status), PLOT_TIMEOUT_MS / 1000, log_path);
	else
		ret = diag_error("gnuplot failed with status %d (see %s)", WEXITSTATUS(status),
				 log_path);
	spawn_free(&s);
	return ret;
}

/* Remove the log when gnuplot had nothing to say. */
static void drop_empty(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && st.st_size == 0)
		unlink(path);
}

/* 1 when the image at path ends as its format ends: a PNG with its IEND chunk, an SVG with
 * its closing tag.  A disk that filled up while gnuplot wrote leaves neither. */
static int image_complete(const char *path, enum plot_format fmt)
{
	static const char png_end[] = "IEND\xae\x42\x60\x82";
	char tail[64] = "";
	FILE *f = fopen(path, "rb");
	size_t n = 0;

	if (!f)
		return 0;
	if (fseek(f, -(long)(sizeof(tail) - 1), SEEK_END) < 0)
		rewind(f);
	n = fread(tail, 1, sizeof(tail) - 1, f);
	fclose(f);
	if (fmt == PLOT_PNG)
		return n >= 8 && memcmp(tail + n - 8, png_end, 8) == 0;
	tail[n] = '\0';
	return strstr(tail, "</svg>") != NULL;
}

/*
 * Run gnuplot's argv, which draws into tmp, and rename tmp to out once it holds a whole
 * image; gnuplot's messages go to log, removed when empty.  0, or -1 after printing why.
 */
static int render(char *const argv[], const char *tmp, const char *out, const char *log,
		  enum plot_format fmt)
{
	struct stat st;

	if (run_gnuplot(argv, log) < 0)
		return -1;
	/* gnuplot says nothing when its output could not be written (a full disk): an empty
	 * image is a failure, not a plot. */
	if (stat(tmp, &st) < 0 || st.st_size == 0 || !image_complete(tmp, fmt))
		return diag_error("gnuplot wrote no complete image to '%s' (is the disk full? see "
				  "%s)", tmp, log);
	if (rename(tmp, out) < 0)
		return diag_error("cannot rename '%s' to '%s': %s", tmp, out, strerror(errno));
	drop_empty(log);
	return 0;
}

int plot_run(const char *run_dir, enum plot_format fmt)
{
	char *gnuplot = plot_find_gnuplot();
	char *script = NULL, *out = NULL, *tmp = NULL, *log = NULL;
	char **argv = NULL;
	int ret = -1;
	int fd;

	if (!gnuplot)
		return PLOT_NO_GNUPLOT;
	out = path_join(run_dir, plot_file_name(fmt));
	log = path_join(run_dir, RUNFILE_PLOT_LOG);
	if (!out || !log) {
		diag_error("out of memory");
		goto out;
	}
	/* Created here, O_EXCL|O_NOFOLLOW: gnuplot then writes into a file that is ours. */
	if ((fd = results_create_temp(out, &tmp)) < 0)
		goto out;
	close(fd);
	script = plot_find_script("run.gp");
	if (!script || !(argv = plot_gnuplot_argv(gnuplot, script, run_dir, tmp, fmt)))
		goto out;
	ret = render(argv, tmp, out, log, fmt);
out:
	if (ret < 0 && tmp)
		unlink(tmp);
	plot_argv_free(argv);
	free(gnuplot);
	free(script);
	free(out);
	free(tmp);
	free(log);
	return ret;
}

/* 1 when the CSV at path has a header and at least two rows: something to draw. */
static int has_two_rows(const char *path)
{
	FILE *f = fopen(path, "r");
	int lines = 0, c;

	if (!f)
		return 0;
	while (lines < 3 && (c = getc(f)) != EOF)
		lines += c == '\n';
	fclose(f);
	return lines >= 3;
}

void plot_after_run(const char *run_dir)
{
	char *csv = path_join(run_dir, RUNFILE_SAMPLES);
	int drawable = csv && has_two_rows(csv);

	free(csv);
	if (!drawable)
		return;
	switch (plot_run(run_dir, PLOT_PNG)) {
	case 0:
		fputs("  plot     ", stdout);
		text_escape_file(stdout, run_dir, 0);
		printf("/%s\n", plot_file_name(PLOT_PNG));
		break;
	case PLOT_NO_GNUPLOT:
		diag_warning("gnuplot not found; no plot (apt-get install gnuplot-nox)");
		break;
	default:
		break;	/* plot_run said why; the verdict stands without a picture */
	}
}

/* ----------------------------------------------------------------------------------------- */
/* Trends across soaks                                                                       */

int plot_trend(const char *data_path, int n_cols, long rise_soak, const char *title,
	       const char *out_path)
{
	char *gnuplot = plot_find_gnuplot();
	char *script = NULL, *tmp = NULL, *log = NULL;
	struct argv_buf a = { 0 };
	int ret = -1, fd;

	if (!gnuplot)
		return PLOT_NO_GNUPLOT;
	if (asprintf(&log, "%s.log", out_path) < 0) {
		log = NULL;
		diag_error("out of memory");
		goto out;
	}
	if ((fd = results_create_temp(out_path, &tmp)) < 0)
		goto out;
	close(fd);
	if (!(script = plot_find_script("trend.gp")))
		goto out;
	argv_push(&a, strdup(gnuplot));
	push_num(&a, "n_cols", n_cols);
	push_num(&a, "rise", (double)rise_soak);
	argv_push(&a, strdup("-c"));
	argv_push(&a, strdup(script));
	argv_push(&a, gnuplot_path(data_path));
	argv_push(&a, gnuplot_path(tmp));
	argv_push(&a, title_arg(title));
	if (a.failed)
		diag_error("out of memory");
	else
		ret = render(a.v, tmp, out_path, log, PLOT_PNG);
out:
	if (ret < 0 && tmp)
		unlink(tmp);
	plot_argv_free(a.v);
	free(gnuplot);
	free(script);
	free(tmp);
	free(log);
	return ret;
}
