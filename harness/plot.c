/*
 * plot — gather what plot/run.gp needs from a run folder (samples.csv for the ranges,
 * summary.json for the fitted line, gate and verdict) and run gnuplot on it, bounded in time.
 */
#include "plot.h"
#include "spawn.h"

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

#include "diag.h"

/* Above this much RSS the axis is in MiB: five-digit KiB labels are hard to read. */
#define PLOT_MIB_ABOVE_KIB 20480.0
#define PLOT_TITLE_MAX 160

/* What samples.csv says about the axes. */
struct csv_scan {
	size_t rows;
	double t_last;
	double rss_min, rss_max;	/* over RSS and RSS − LazyFree */
	double th_min, th_max, fd_min, fd_max;
	int has_lazy;
};

/* What summary.json says about the run; NaN where it says nothing. */
struct run_facts {
	char name[96];
	char verdict[16];
	char basis[16];
	char error[96];
	double warmup_s;
	double slope_per_min;	/* Theil–Sen of the gated RSS series */
	double intercept_kib;
	double gate_per_min;
	char counts[96];	/* failed thread/FD gates: ", threads +300/min (gate 20)" */
};

/* a + b + c, malloc'd; NULL when out of memory. */
static char *path_join(const char *a, const char *b, const char *c)
{
	char *p = NULL;

	if (asprintf(&p, "%s%s%s", a, b, c) < 0)
		return NULL;
	return p;
}

const char *plot_file_name(enum plot_format fmt)
{
	return fmt == PLOT_SVG ? "rss.svg" : "rss.png";
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
 * plot/run.gp beside the executable (dirname(/proc/self/exe)/plot/run.gp), else where
 * `make install` puts it (../share/leaksoak/plot/run.gp).  Malloc'd, or NULL after printing
 * where it looked.
 */
static char *plot_find_script(void)
{
	static const char *const rel[] = { "plot/run.gp", "../share/leaksoak/plot/run.gp" };
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0) {
		diag_error("cannot read /proc/self/exe: %s (is /proc mounted?)", strerror(errno));
		return NULL;
	}
	exe[n] = '\0';
	const char *dir = dirname(exe);
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char *p = NULL;
		if (asprintf(&p, "%s/%s", dir, rel[i]) < 0)
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

/* Field col (0-based) of a CSV line; *empty when the field has no characters. */
static double csv_field(const char *line, int col, int *empty)
{
	for (int i = 0; i < col && line; i++) {
		line = strchr(line, ',');
		if (line)
			line++;
	}
	*empty = !line || *line == ',' || *line == '\n' || *line == '\0';
	if (*empty)
		return NAN;
	char *end;
	double v = strtod(line, &end);
	if (end == line) {
		*empty = 1;
		return NAN;
	}
	return v;
}

/* Widen [*lo, *hi] to take v; NaN (an empty cell) changes nothing. */
static void widen(double *lo, double *hi, double v)
{
	if (v < *lo)
		*lo = v;
	if (v > *hi)
		*hi = v;
}

static int scan_csv(const char *path, struct csv_scan *s)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	int empty;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	if (!f)
		return diag_error("cannot read '%s': %s (is this a leaksoak run folder?)", path,
				  strerror(errno));
	if (getline(&line, &cap, f) < 0 || strncmp(line, "t_s,", 4) != 0) {
		diag_error("'%s' has no samples.csv header (is this a leaksoak run folder?)", path);
		goto out;
	}
	s->rss_min = s->th_min = s->fd_min = INFINITY;
	s->rss_max = s->th_max = s->fd_max = -INFINITY;
	while (getline(&line, &cap, f) > 0) {
		double t = csv_field(line, 0, &empty);
		if (empty)
			continue;
		s->rows++;
		s->t_last = t;
		double rss = csv_field(line, 1, &empty);
		double lazy = csv_field(line, 6, &empty);
		s->has_lazy |= !empty;
		widen(&s->rss_min, &s->rss_max, rss);
		widen(&s->rss_min, &s->rss_max, rss - lazy);
		widen(&s->th_min, &s->th_max, csv_field(line, 2, &empty));
		widen(&s->fd_min, &s->fd_max, csv_field(line, 3, &empty));
	}
	if (s->rows < 2) {
		diag_error("'%s' has %zu sample rows (nothing to plot before two)", path, s->rows);
		goto out;
	}
	ret = 0;
out:
	free(line);
	fclose(f);
	return ret;
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

	if (s)
		snprintf(buf, len, "%s", s);
}

/* The thread and FD metrics that failed their gate, for the title: they are not drawn fitted. */
static void failed_counts(const json_t *metrics, char *buf, size_t len)
{
	static const char *const names[] = { "threads", "fds" };
	size_t used = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && used < len; i++) {
		const json_t *m = json_object_get(metrics, names[i]);
		if (!json_is_true(json_object_get(m, "failed")))
			continue;
		int w = snprintf(buf + used, len - used, ", %s %+.0f/min (gate %g)", names[i],
				 json_num(m, "slope_per_min"), json_num(m, "gate_per_min"));
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* Fill *rf from run_dir/summary.json; a missing summary leaves the run nameless but plottable. */
static void read_facts(const char *run_dir, struct run_facts *rf)
{
	char *path = path_join(run_dir, "/", "summary.json");
	json_error_t err;
	json_t *j;

	*rf = (struct run_facts){ .warmup_s = 0, .slope_per_min = NAN, .intercept_kib = NAN,
				  .gate_per_min = NAN };
	if (!path)
		return;
	j = json_load_file(path, 0, &err);
	free(path);
	if (!j)
		return;
	json_str(j, "scenario", rf->name, sizeof(rf->name));
	json_str(j, "verdict", rf->verdict, sizeof(rf->verdict));
	json_str(j, "error", rf->error, sizeof(rf->error));
	json_t *rss = json_object_get(json_object_get(j, "metrics"), "rss");
	json_str(rss, "basis", rf->basis, sizeof(rf->basis));
	double w = json_num(j, "warmup_s");
	rf->warmup_s = isfinite(w) && w > 0 ? w : 0;
	rf->slope_per_min = json_num(rss, "theil_sen.slope_per_min");
	rf->intercept_kib = json_num(rss, "theil_sen.intercept");
	rf->gate_per_min = json_num(rss, "gate_per_min");
	if (!isfinite(rf->gate_per_min))
		rf->gate_per_min = json_num(j, "gate.rss_kib_per_min");
	failed_counts(json_object_get(j, "metrics"), rf->counts, sizeof(rf->counts));
	json_decref(j);
}

/* "map-churn: leak, rss +2310.4 KiB/min (gate 512 KiB/min)" */
static void make_title(const struct run_facts *rf, const char *run_dir, char *buf, size_t len)
{
	char *copy = strdup(run_dir);
	const char *name = rf->name[0] ? rf->name : copy ? basename(copy) : run_dir;
	const char *series = strcmp(rf->basis, "rss-lazyfree") == 0 ? "rss − lazyfree" : "rss";
	int n;

	if (!rf->verdict[0])
		n = snprintf(buf, len, "%s: no summary.json yet", name);
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

/* ----------------------------------------------------------------------------------------- */
/* The command line                                                                          */

struct argv_buf {
	char **v;
	size_t n, cap;
	int failed;	/* 1: out of memory; 2: refused, message printed */
};

static void argv_push(struct argv_buf *a, char *s)
{
	if (!s || a->failed) {
		a->failed = a->failed ? a->failed : 1;
		free(s);
		return;
	}
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, cap * sizeof(*v));
		if (!v) {
			a->failed = 1;
			free(s);
			return;
		}
		a->v = v;
		a->cap = cap;
	}
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
 * -e "name='value'": inside gnuplot's single quotes nothing is special but the quote itself,
 * written twice.  A newline would end the -e command, so it is refused.
 */
static void push_str(struct argv_buf *a, const char *name, const char *v)
{
	size_t len = strlen(name) + 4;
	char *s, *p;

	for (const char *c = v; *c; c++)
		len += *c == '\'' ? 2 : 1;
	if (strpbrk(v, "\n\r")) {
		if (!a->failed)
			diag_error("cannot plot '%s': a line break in a file name (rename it)", v);
		a->failed = 2;
		return;
	}
	s = malloc(len);
	if (s) {
		p = s + sprintf(s, "%s='", name);
		for (const char *c = v; *c; c++) {
			*p++ = *c;
			if (*c == '\'')
				*p++ = '\'';
		}
		strcpy(p, "'");
	}
	argv_push(a, strdup("-e"));
	argv_push(a, s);
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
	char *csv = path_join(run_dir, "/", "samples.csv");

	if (!csv || scan_csv(csv, &cs) < 0)
		goto fail;
	read_facts(run_dir, &rf);
	make_title(&rf, run_dir, title, sizeof(title));
	int mib = cs.rss_max > PLOT_MIB_ABOVE_KIB;
	int has_fit = isfinite(rf.slope_per_min) && isfinite(rf.intercept_kib);
	int has_gate = isfinite(rf.gate_per_min) && rf.gate_per_min >= 0;

	argv_push(&a, strdup(gnuplot));
	push_str(&a, "csv", csv);
	push_str(&a, "out", out_path);
	push_str(&a, "term", fmt == PLOT_SVG ? "svg" : "pngcairo");
	push_str(&a, "title_text", title);
	push_num(&a, "warmup", rf.warmup_s < cs.t_last ? rf.warmup_s : 0);
	push_num(&a, "tend", cs.t_last > 0 ? cs.t_last : 1);
	push_num(&a, "stride", (double)(cs.rows / PLOT_MAX_POINTS + 1));
	push_num(&a, "rss_div", mib ? 1024 : 1);
	push_num(&a, "rss_lo", (cs.rss_min - fmax(cs.rss_min * 0.01, 1)) / (mib ? 1024 : 1));
	push_num(&a, "th_lo", cs.th_min - 0.5);
	push_num(&a, "th_hi", cs.th_max + 0.5);
	push_num(&a, "fd_lo", cs.fd_min - 0.5);
	push_num(&a, "fd_hi", cs.fd_max + 0.5);
	push_str(&a, "rss_unit", mib ? "MiB" : "KiB");
	push_num(&a, "has_lazy", cs.has_lazy);
	push_num(&a, "has_fit", has_fit);
	push_num(&a, "fit_slope", rf.slope_per_min);
	push_num(&a, "fit_icpt", rf.intercept_kib);
	push_num(&a, "fit_net", strcmp(rf.basis, "rss-lazyfree") == 0);
	push_num(&a, "has_gate", has_gate);
	push_num(&a, "gate", rf.gate_per_min);
	argv_push(&a, strdup(script));
	if (a.failed) {
		if (a.failed == 1)
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

int plot_run(const char *run_dir, enum plot_format fmt)
{
	char *gnuplot = plot_find_gnuplot();
	char *script = NULL, *out = NULL, *tmp = NULL, *log = NULL;
	char **argv = NULL;
	int ret = -1;

	char pid[24];

	if (!gnuplot)
		return PLOT_NO_GNUPLOT;
	snprintf(pid, sizeof(pid), ".tmp.%ld", (long)getpid());
	out = path_join(run_dir, "/", plot_file_name(fmt));
	tmp = path_join(out ? out : "", pid, "");
	log = path_join(run_dir, "/", "plot.log");
	if (!out || !tmp || !log) {
		diag_error("out of memory");
		goto out;
	}
	script = plot_find_script();
	if (!script || !(argv = plot_gnuplot_argv(gnuplot, script, run_dir, tmp, fmt)))
		goto out;
	if (run_gnuplot(argv, log) < 0)
		goto out;
	if (rename(tmp, out) < 0) {
		diag_error("cannot rename '%s' to '%s': %s", tmp, out, strerror(errno));
		goto out;
	}
	drop_empty(log);
	ret = 0;
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
	char *csv = path_join(run_dir, "/", "samples.csv");
	int drawable = csv && has_two_rows(csv);

	free(csv);
	if (!drawable)
		return;
	switch (plot_run(run_dir, PLOT_PNG)) {
	case 0:
		printf("  plot     %s/%s\n", run_dir, plot_file_name(PLOT_PNG));
		break;
	case PLOT_NO_GNUPLOT:
		diag_warning("gnuplot not found; no plot (apt-get install gnuplot-nox)");
		break;
	default:
		break;	/* plot_run said why; the verdict stands without a picture */
	}
}
