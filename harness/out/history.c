/*
 * history — the index of a results folder's soaks (read, checked against the folders,
 * rebuilt, written atomically) and each scenario's course across the last soaks.
 */
#include "out/history.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/path.h"
#include "out/plot.h"
#include "record/results.h"
#include "base/text.h"
#include "base/units.h"

#define INDEX_HEADER "# leaksoak history: started_utc, label, commit, folder (tab-separated; " \
		     "rebuilt from the folders when stale)\n"

const char *history_metric_name(int metric)
{
	return metric >= 0 && metric < METRIC_N_BUILTIN ? metric_builtin[metric].name : "verdict";
}

const char *history_metric_unit(int metric)
{
	return metric >= 0 && metric < METRIC_N_BUILTIN ? metric_builtin[metric].unit : "";
}

int history_tag_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > HISTORY_MAX_TAG || !text_is_utf8(s))
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	/* text_escape keeps it as it is: no C1 control character either. */
	return text_escape_n(NULL, 0, s, 0) == n;
}

char *history_root_of(const char *out_dir)
{
	char *copy = strdup(out_dir);
	char *root = copy ? strdup(dirname(copy)) : NULL;

	free(copy);
	return root;
}

/* ----------------------------------------------------------------------------------------- */
/* The index                                                                                 */

static void entry_release(struct history_entry *e)
{
	free(e->label);
	free(e->commit);
	free(e->dir);
	memset(e, 0, sizeof(*e));
}

void history_index_release(struct history_index *ix)
{
	for (size_t i = 0; i < ix->n; i++)
		entry_release(&ix->v[i]);
	free(ix->v);
	memset(ix, 0, sizeof(*ix));
}

/*
 * Append a copy of the fields (label, commit NULL or "" for none); 0 or -1 (no memory).  A
 * time, label or commit that is no tag (history_tag_ok: a summary.json may hold anything) is
 * left out, so that every line of the index stays one line of four fields.
 */
static int index_add(struct history_index *ix, const char *started, const char *label,
		     const char *commit, const char *dir)
{
	if (!history_tag_ok(started))
		started = NULL;
	if (!history_tag_ok(label))
		label = NULL;
	if (!history_tag_ok(commit))
		commit = NULL;
	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 16;
		struct history_entry *v = realloc(ix->v, cap * sizeof(*v));
		if (!v)
			return -1;
		ix->v = v;
		ix->cap = cap;
	}
	struct history_entry *e = &ix->v[ix->n];
	memset(e, 0, sizeof(*e));
	snprintf(e->started_utc, sizeof(e->started_utc), "%s", started ? started : "");
	text_utf8_trim(e->started_utc);
	e->label = label && *label ? strdup(label) : NULL;
	e->commit = commit && *commit ? strdup(commit) : NULL;
	e->dir = strdup(dir);
	ix->n++;
	if (!e->dir || (label && *label && !e->label) || (commit && *commit && !e->commit))
		return -1;
	return 0;
}

static long index_find(const struct history_index *ix, const char *dir)
{
	for (size_t i = 0; i < ix->n; i++)
		if (!strcmp(ix->v[i].dir, dir))
			return (long)i;
	return -1;
}

static void index_remove(struct history_index *ix, size_t i)
{
	entry_release(&ix->v[i]);
	memmove(&ix->v[i], &ix->v[i + 1], (ix->n - i - 1) * sizeof(*ix->v));
	ix->n--;
}

static int by_time(const void *a, const void *b)
{
	const struct history_entry *x = a, *y = b;
	int c = strcmp(x->started_utc, y->started_utc);

	return c ? c : strcmp(x->dir, y->dir);
}

/* A folder name the index can hold on its line and the plot can show. */
static int dir_name_ok(const char *name)
{
	return name[0] && name[0] != '.' && !strchr(name, '/') && history_tag_ok(name);
}

/* Parse one line of the index into ix; 0, or -1 when it is not an index line. */
static int parse_line(struct history_index *ix, char *line)
{
	char *f[4];
	char *p = line;

	for (int i = 0; i < 4; i++)
		if (!(f[i] = strsep(&p, "\t")))
			return -1;
	if (p || strlen(f[0]) >= sizeof(ix->v->started_utc) || !dir_name_ok(f[3]) ||
	    (f[1][0] && !history_tag_ok(f[1])) || (f[2][0] && !history_tag_ok(f[2])))
		return -1;
	return index_add(ix, f[0], f[1], f[2], f[3]);
}

/* Read path into ix: 0, 1 when it is missing, -1 when it is not an index (or no memory). */
static int index_read(struct history_index *ix, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int ret = 0;

	if (!f)
		return errno == ENOENT ? 1 : -1;
	while (ret == 0 && (len = getline(&line, &cap, f)) >= 0) {
		if (len == 0 || line[len - 1] != '\n') {
			ret = -1;	/* a torn last line: the index was not written whole */
			break;
		}
		line[len - 1] = '\0';
		if (line[0] != '#')
			ret = parse_line(ix, line);
	}
	if (ferror(f))
		ret = -1;
	free(line);
	fclose(f);
	return ret;
}

static int index_text(FILE *f, const void *arg)
{
	const struct history_index *ix = arg;

	fputs(INDEX_HEADER, f);
	for (size_t i = 0; i < ix->n; i++) {
		const struct history_entry *e = &ix->v[i];
		fprintf(f, "%s\t%s\t%s\t%s\n", e->started_utc, e->label ? e->label : "",
			e->commit ? e->commit : "", e->dir);
	}
	return 0;
}

static int index_write(const struct history_index *ix, const char *root)
{
	char *path = path_join(root, HISTORY_INDEX);
	int ret = path ? results_write_built(path, index_text, ix) : diag_error("out of memory");

	free(path);
	return ret;
}

/* The summary.json of root/name, parsed, when it is a whole soak's report; else NULL. */
static json_t *soak_summary(const char *root, const char *name)
{
	char *dir = path_join(root, name);
	char *path = dir ? path_join(dir, "summary.json") : NULL;
	struct stat st;
	json_t *j = NULL;

	if (path && stat(path, &st) == 0 && S_ISREG(st.st_mode))
		j = json_load_file(path, 0, NULL);
	free(path);
	free(dir);
	if (!json_is_array(json_object_get(j, "runs")) ||
	    !json_is_string(json_object_get(j, "started_utc")) ||
	    json_is_string(json_object_get(j, "shard"))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* label and commit of a report's summary.json: valid tags, else NULL. */
static const char *json_tag(const json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	return history_tag_ok(s) ? s : NULL;
}

/* 1 when root/name/summary.json exists (the folder was not deleted). */
static int has_summary(const char *root, const char *name)
{
	char *dir = path_join(root, name);
	char *path = dir ? path_join(dir, "summary.json") : NULL;
	int ok = path && access(path, F_OK) == 0;

	free(path);
	free(dir);
	return ok;
}

/* Add the soak folders of root that ix does not name; *changed is set when one was. */
static int add_unlisted(struct history_index *ix, const char *root, int *changed)
{
	DIR *d = opendir(root);
	struct dirent *e;
	int ret = 0;

	if (!d)
		return diag_error("cannot read '%s': %s (give the folder that holds the soak "
				  "folders, e.g. results/soak)", root, strerror(errno));
	while (ret == 0 && (e = readdir(d))) {
		if (!dir_name_ok(e->d_name) || index_find(ix, e->d_name) >= 0)
			continue;
		json_t *j = soak_summary(root, e->d_name);
		if (!j)
			continue;
		ret = index_add(ix, json_string_value(json_object_get(j, "started_utc")),
				json_tag(j, "label"), json_tag(j, "commit"), e->d_name);
		*changed = 1;
		json_decref(j);
	}
	closedir(d);
	return ret < 0 ? diag_error("out of memory") : 0;
}

/*
 * Whether to write an index: always once there is one, else only from two soaks on, so that
 * a lone soak (`--out soak-report` in a CI job) leaves no index in the folder it was put in.
 */
static int keep_index(int existed, size_t n)
{
	return existed || n >= 2;
}

int history_index_load(struct history_index *ix, const char *root, int *rebuilt)
{
	char *path = path_join(root, HISTORY_INDEX);
	int changed = 0;
	int ret = -1;

	if (!path) {
		diag_error("out of memory");
		goto out;
	}
	int r = index_read(ix, path);
	if (r != 0) {
		/* Missing or unreadable: the folders alone say what it held. */
		history_index_release(ix);
		changed = 1;
	}
	for (size_t i = ix->n; i-- > 0; )
		if (!has_summary(root, ix->v[i].dir)) {
			index_remove(ix, i);
			changed = 1;
		}
	if (add_unlisted(ix, root, &changed) < 0)
		goto out;
	if (ix->n > 1)
		qsort(ix->v, ix->n, sizeof(*ix->v), by_time);
	if (changed && keep_index(r == 0, ix->n) && index_write(ix, root) < 0)
		diag_warning("the history index of '%s' could not be written (it is rebuilt from "
			     "the folders next time)", root);
	ret = 0;
out:
	if (rebuilt)
		*rebuilt = changed;
	free(path);
	return ret;
}

int history_index_record(const char *root, const char *dir, const char *started_utc,
			 const char *label, const char *commit)
{
	struct history_index ix = { 0 };
	int ret = -1;

	if (!dir_name_ok(dir)) {
		diag_warning("the soak folder '%s' has a name the history index cannot hold; it is "
			     "left out of it", dir);
		return 0;
	}
	char *path = path_join(root, HISTORY_INDEX);
	int existed = path && access(path, F_OK) == 0;
	free(path);
	if (history_index_load(&ix, root, NULL) < 0)
		goto out;
	long i = index_find(&ix, dir);
	if (i >= 0)
		index_remove(&ix, (size_t)i);
	if (index_add(&ix, started_utc, label, commit, dir) < 0) {
		diag_error("out of memory");
		goto out;
	}
	qsort(ix.v, ix.n, sizeof(*ix.v), by_time);
	ret = keep_index(existed, ix.n) ? index_write(&ix, root) : 0;
out:
	history_index_release(&ix);
	return ret;
}

/* ----------------------------------------------------------------------------------------- */
/* Scenarios across the window                                                               */

static void point_from_run(struct history_point *p, const struct report_run *run)
{
	p->present = 1;
	snprintf(p->verdict, sizeof(p->verdict), "%s", run->verdict);
	for (int m = 0; m < METRIC_N_BUILTIN; m++) {
		p->slope_per_min[m] = run->metric[m].slope_per_min;
		p->gate_per_min[m] = run->metric[m].gate_per_min;
	}
}

static struct history_scenario *find_scenario(struct history *h, const char *name)
{
	for (size_t i = 0; i < h->n_sc; i++)
		if (!strcmp(h->sc[i].name, name))
			return &h->sc[i];
	return NULL;
}

/* The scenario called name, added (with one empty point per soak) when new; NULL: memory. */
static struct history_scenario *scenario_for(struct history *h, const char *name)
{
	struct history_scenario *s = find_scenario(h, name);

	if (s)
		return s;
	s = realloc(h->sc, (h->n_sc + 1) * sizeof(*s));
	if (!s)
		return NULL;
	h->sc = s;
	s = &h->sc[h->n_sc];
	s->name = strdup(name);
	s->pt = calloc(h->ix.n ? h->ix.n : 1, sizeof(*s->pt));
	s->rise = (struct history_rise){ .soak = -1 };
	s->trend_png = NULL;
	if (!s->name || !s->pt) {
		free(s->name);
		free(s->pt);
		return NULL;
	}
	h->n_sc++;
	return s;
}

static int add_soak(struct history *h, size_t soak, const struct report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		struct history_scenario *s = scenario_for(h, rep->runs[i].name);
		if (!s)
			return diag_error("out of memory");
		point_from_run(&s->pt[soak], &rep->runs[i]);
	}
	return 0;
}

/* Read root/dir's report into rep: 0, or -1 after printing why. */
static int load_soak(struct report *rep, const char *root, const char *dir)
{
	char *path = path_join(root, dir);
	int ret = path ? report_load(rep, path) : diag_error("out of memory");

	free(path);
	return ret;
}

/* The slope of metric m rose from a to b, by the rule of the report's comparison. */
static int rose(const struct history_point *a, const struct history_point *b, int m,
		double *margin)
{
	return report_slope_rose(a->slope_per_min[m], b->slope_per_min[m], b->gate_per_min[m],
				 margin);
}

/* The first soak of s that changed: a verdict unlike the soak before, or a gated rise. */
static void find_rise(struct history_scenario *s, size_t n)
{
	const struct history_point *base = NULL, *prev = NULL;
	struct history_rise *r = &s->rise;
	double margin;

	for (size_t i = 0; i < n && r->soak < 0; i++) {
		const struct history_point *p = &s->pt[i];
		if (!p->present)
			continue;
		if (prev && strcmp(prev->verdict, p->verdict)) {
			*r = (struct history_rise){ .soak = (long)i, .metric = -1 };
			snprintf(r->from, sizeof(r->from), "%s", prev->verdict);
			snprintf(r->to, sizeof(r->to), "%s", p->verdict);
		}
		for (int m = 0; base && r->soak < 0 && m < METRIC_N_BUILTIN; m++)
			if (rose(base, p, m, &margin))
				*r = (struct history_rise){
					.soak = (long)i, .metric = m, .margin_per_min = margin,
					.from_per_min = base->slope_per_min[m],
					.to_per_min = p->slope_per_min[m],
				};
		base = base ? base : p;
		prev = p;
	}
}

static int by_scenario(const void *a, const void *b)
{
	return strcmp(((const struct history_scenario *)a)->name,
		      ((const struct history_scenario *)b)->name);
}

/*
 * Keep the last `last` entries of ix, with current in place of what the index says of its
 * folder (in time order: a report rewritten in place may be an old one).
 */
static int window(struct history *h, size_t last, const struct report *current,
		  const char *current_name, const char *label, const char *commit)
{
	long self = current ? index_find(&h->ix, current_name) : -1;

	if (self >= 0)
		index_remove(&h->ix, (size_t)self);
	if (current && index_add(&h->ix, current->started_utc, label, commit, current_name) < 0)
		return diag_error("out of memory");
	if (h->ix.n > 1)
		qsort(h->ix.v, h->ix.n, sizeof(*h->ix.v), by_time);
	while (h->ix.n > last)
		index_remove(&h->ix, 0);
	return 0;
}

int history_load(struct history *h, const char *root, size_t last, const struct report *current,
		 const char *current_dir, const char *label, const char *commit)
{
	char *copy = strdup(current_dir ? current_dir : ".");
	const char *name = copy ? basename(copy) : NULL;
	int ret = -1;

	memset(h, 0, sizeof(*h));
	if (!(h->root = strdup(root)) || !copy) {
		diag_error("out of memory");
		goto out;
	}
	if (history_index_load(&h->ix, root, NULL) < 0 ||
	    window(h, last ? last : 1, current, name, label, commit) < 0)
		goto out;
	for (size_t i = 0; i < h->ix.n; i++) {
		struct report rep;
		int added = 0;
		report_init(&rep);
		if (current && !strcmp(h->ix.v[i].dir, name))
			added = add_soak(h, i, current);
		else if (load_soak(&rep, root, h->ix.v[i].dir) == 0)
			added = add_soak(h, i, &rep);
		else
			diag_warning("history: leaving out '%s/%s' (see above)", root,
				     h->ix.v[i].dir);
		report_release(&rep);
		if (added < 0)
			goto out;
	}
	if (h->n_sc > 1)
		qsort(h->sc, h->n_sc, sizeof(*h->sc), by_scenario);
	for (size_t i = 0; i < h->n_sc; i++)
		find_rise(&h->sc[i], h->ix.n);
	ret = 0;
out:
	free(copy);
	return ret;
}

void history_release(struct history *h)
{
	for (size_t i = 0; i < h->n_sc; i++) {
		free(h->sc[i].name);
		free(h->sc[i].pt);
		free(h->sc[i].trend_png);
	}
	free(h->sc);
	history_index_release(&h->ix);
	free(h->root);
	memset(h, 0, sizeof(*h));
}

/* ----------------------------------------------------------------------------------------- */
/* For a person and for scripts                                                              */

/* As the report words a rate: whole numbers from 100 up, three digits below, signed. */
static void rate_text(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(buf, len, "-");
	else
		units_format_rate(buf, len, v, 1);
}

void history_rise_text(const struct history_rise *r, char *buf, size_t len)
{
	char a[32], b[32], m[32];

	if (r->soak < 0) {
		snprintf(buf, len, "-");
		return;
	}
	if (r->metric < 0) {
		snprintf(buf, len, "verdict %s -> %s", r->from, r->to);
		return;
	}
	rate_text(a, sizeof(a), r->from_per_min);
	rate_text(b, sizeof(b), r->to_per_min);
	snprintf(m, sizeof(m), "%g", r->margin_per_min);
	snprintf(buf, len, "%s rose %s -> %s %s/min (more than %s, a quarter of its gate)",
		 history_metric_name(r->metric), a, b, history_metric_unit(r->metric), m);
}

void history_soak_text(const struct history *h, size_t soak, char *buf, size_t len)
{
	const struct history_entry *e = &h->ix.v[soak];
	int n = snprintf(buf, len, "#%zu %s", soak + 1, e->started_utc[0] ? e->started_utc : "?");

	if (n >= 0 && (size_t)n < len && e->label)
		n += snprintf(buf + n, len - (size_t)n, " %s", e->label);
	if (n >= 0 && (size_t)n < len && e->commit)
		snprintf(buf + n, len - (size_t)n, " %s", e->commit);
	text_utf8_trim(buf);
}

/* 1 when metric m of s is gated in some soak of the window. */
static int gated(const struct history_scenario *s, size_t n, int m)
{
	for (size_t i = 0; i < n; i++)
		if (s->pt[i].present && s->pt[i].gate_per_min[m] >= 0)
			return 1;
	return 0;
}

/* The gate of metric m in the newest soak of s that gated it. */
static double last_gate(const struct history_scenario *s, size_t n, int m)
{
	for (size_t i = n; i-- > 0; )
		if (s->pt[i].present && s->pt[i].gate_per_min[m] >= 0)
			return s->pt[i].gate_per_min[m];
	return NAN;
}

static void print_soaks(FILE *f, const struct history *h)
{
	fputs("history of ", f);
	text_escape_file(f, h->root, 0);
	fprintf(f, ": %zu soak%s\n", h->ix.n, h->ix.n == 1 ? "" : "s");
	fprintf(f, "  %-4s %-21s %-20s %-12s %s\n", "#", "started", "label", "commit", "folder");
	for (size_t i = 0; i < h->ix.n; i++) {
		const struct history_entry *e = &h->ix.v[i];
		fprintf(f, "  %-4zu %-21s %-20s %-12s ", i + 1, e->started_utc,
			e->label ? e->label : "-", e->commit ? e->commit : "-");
		text_escape_file(f, e->dir, 0);
		fputc('\n', f);
	}
}

/* "+12 +15 +2100": the slopes of metric m, oldest first, "." where the scenario did not run. */
static void print_slopes(FILE *f, const struct history_scenario *s, size_t n, int m)
{
	char rate[32];

	for (size_t i = 0; i < n; i++) {
		if (!s->pt[i].present)
			snprintf(rate, sizeof(rate), ".");
		else
			rate_text(rate, sizeof(rate), s->pt[i].slope_per_min[m]);
		fprintf(f, "%s%s", i ? " " : "", rate);
	}
}

static void print_verdicts(FILE *f, const struct history_scenario *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fputc(!s->pt[i].present ? '.' : s->pt[i].verdict[0] == 'p' ? 'P' :
		      s->pt[i].verdict[0] == 'l' ? 'L' : 'E', f);
}

static void print_scenario(FILE *f, const struct history *h, const struct history_scenario *s)
{
	char name[64], soak[256], what[256];
	size_t n = h->ix.n;

	text_escape_buf(name, sizeof(name), s->name);
	for (int m = 0; m < METRIC_N_BUILTIN; m++) {
		if (!gated(s, n, m))
			continue;
		fprintf(f, "  %-24s %-8s %10g  ", name, history_metric_name(m), last_gate(s, n, m));
		print_verdicts(f, s, n);
		fputs("  ", f);
		print_slopes(f, s, n, m);
		fputc('\n', f);
	}
	if (s->rise.soak < 0)
		return;
	history_soak_text(h, (size_t)s->rise.soak, soak, sizeof(soak));
	history_rise_text(&s->rise, what, sizeof(what));
	fprintf(f, "  %-24s first rise: %s: %s\n", name, soak, what);
}

void history_print(FILE *f, const struct history *h)
{
	size_t rises = 0;

	print_soaks(f, h);
	fprintf(f, "\n  %-24s %-8s %10s  %s\n", "scenario", "metric", "gate/min",
		"verdicts (P pass, L leak, E error, . absent) and slopes/min, oldest first");
	for (size_t i = 0; i < h->n_sc; i++) {
		print_scenario(f, h, &h->sc[i]);
		rises += h->sc[i].rise.soak >= 0;
	}
	fprintf(f, "%zu scenario%s, %zu with a verdict change or a slope that rose by more than "
		"a quarter of its gate\n", h->n_sc, h->n_sc == 1 ? "" : "s", rises);
}

void history_print_brief(FILE *f, const struct history *h)
{
	char name[64];
	size_t changed = 0;

	if (!h || h->ix.n < 2)
		return;
	for (size_t i = 0; i < h->n_sc; i++)
		changed += h->sc[i].rise.soak >= 0;
	fprintf(f, "history: %zu soaks in ", h->ix.n);
	text_escape_file(f, h->root, 0);
	fprintf(f, ", %zu scenario%s changed", changed, changed == 1 ? "" : "s");
	for (size_t i = 0, shown = 0; i < h->n_sc && shown < 5; i++) {
		if (h->sc[i].rise.soak < 0)
			continue;
		text_escape_buf(name, sizeof(name), h->sc[i].name);
		fprintf(f, "%s %s (#%ld)", shown++ ? "," : ":", name, h->sc[i].rise.soak + 1);
	}
	fputs(changed > 5 ? ", ... (leaksoak history " : " (leaksoak history ", f);
	text_escape_file(f, h->root, 0);
	fputs(")\n", f);
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *soaks_json(const struct history *h)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < h->ix.n; i++) {
		const struct history_entry *e = &h->ix.v[i];
		json_array_append_new(a, json_pack("{s:I, s:s, s:o, s:o, s:o}", "soak",
			(json_int_t)i + 1, "started_utc", e->started_utc,
			"label", text_json_string(e->label), "commit", text_json_string(e->commit),
			"dir", text_json_string(e->dir)));
	}
	return a;
}

static json_t *metric_json(const struct history_scenario *s, size_t n, int m)
{
	json_t *slopes = json_array(), *gates = json_array();

	for (size_t i = 0; slopes && gates && i < n; i++) {
		const struct history_point *p = &s->pt[i];
		json_array_append_new(slopes, p->present ? num_or_null(p->slope_per_min[m]) :
				      json_null());
		json_array_append_new(gates, p->present && p->gate_per_min[m] >= 0 ?
				      num_or_null(p->gate_per_min[m]) : json_null());
	}
	return json_pack("{s:s, s:o, s:o}", "unit", history_metric_unit(m), "slope_per_min",
			 slopes, "gate_per_min", gates);
}

static json_t *rise_json(const struct history *h, const struct history_rise *r)
{
	if (r->soak < 0)
		return json_null();
	json_t *j = json_pack("{s:I, s:s, s:s}", "soak", (json_int_t)r->soak + 1, "started_utc",
			      h->ix.v[r->soak].started_utc, "what", history_metric_name(r->metric));
	if (!j)
		return NULL;
	if (r->metric < 0) {
		json_object_set_new(j, "from", json_string(r->from));
		json_object_set_new(j, "to", json_string(r->to));
	} else {
		json_object_set_new(j, "from_per_min", num_or_null(r->from_per_min));
		json_object_set_new(j, "to_per_min", num_or_null(r->to_per_min));
		json_object_set_new(j, "margin_per_min", num_or_null(r->margin_per_min));
	}
	return j;
}

static json_t *scenario_json(const struct history *h, const struct history_scenario *s)
{
	json_t *verdicts = json_array(), *metrics = json_object();

	for (size_t i = 0; verdicts && i < h->ix.n; i++)
		json_array_append_new(verdicts, s->pt[i].present ? json_string(s->pt[i].verdict) :
				      json_null());
	for (int m = 0; metrics && m < METRIC_N_BUILTIN; m++)
		json_object_set_new(metrics, history_metric_name(m), metric_json(s, h->ix.n, m));
	return json_pack("{s:o, s:o, s:o, s:o}", "scenario", text_json_string(s->name),
			 "verdicts", verdicts, "metrics", metrics, "first_rise",
			 rise_json(h, &s->rise));
}

json_t *history_json(const struct history *h)
{
	json_t *scenarios = json_array();

	for (size_t i = 0; scenarios && i < h->n_sc; i++)
		if (json_array_append_new(scenarios, scenario_json(h, &h->sc[i])) < 0) {
			json_decref(scenarios);
			return NULL;
		}
	return json_pack("{s:s, s:o, s:f, s:o, s:o}", "kind", "leaksoak-history",
			 "root", text_json_string(h->root),
			 "rose_gate_fraction", REPORT_ROSE_GATE_FRACTION, "soaks", soaks_json(h),
			 "scenarios", scenarios);
}

/* ----------------------------------------------------------------------------------------- */
/* Trend plot data                                                                           */

/* The x label of a soak: its label, else its date; only characters gnuplot shows as they are. */
static void x_label(const struct history_entry *e, char *buf, size_t len)
{
	const char *s = e->label ? e->label : e->started_utc;
	size_t i = 0;

	for (; *s && i + 1 < len; s++) {
		unsigned char c = (unsigned char)*s;
		int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || strchr("._:+-", c);
		buf[i++] = keep ? (char)c : '_';
	}
	buf[i] = '\0';
	if (!i)
		snprintf(buf, len, "?");
}

int history_trend_data(FILE *f, const struct history *h, size_t sc)
{
	const struct history_scenario *s = &h->sc[sc];
	int cols[METRIC_N_BUILTIN], n_cols = 0;
	char label[40];

	for (int m = 0; m < METRIC_N_BUILTIN; m++)
		if (gated(s, h->ix.n, m))
			cols[n_cols++] = m;
	if (!n_cols)
		return 0;
	fputs("soak\tlabel", f);
	for (int c = 0; c < n_cols; c++)
		fprintf(f, "\t%s", history_metric_name(cols[c]));
	fputc('\n', f);
	for (size_t i = 0; i < h->ix.n; i++) {
		const struct history_point *p = &s->pt[i];
		if (!p->present)
			continue;
		x_label(&h->ix.v[i], label, sizeof(label));
		fprintf(f, "%zu\t%s", i + 1, label);
		for (int c = 0; c < n_cols; c++) {
			double g = p->gate_per_min[cols[c]], v = p->slope_per_min[cols[c]];
			if (g > 0 && isfinite(v))
				fprintf(f, "\t%.6g", 100 * v / g);
			else
				fputs("\tNaN", f);
		}
		fputc('\n', f);
	}
	return ferror(f) ? -1 : n_cols;
}

/* "trends/3-map-churn": a file name for scenario i, whatever its name holds. */
static char *trend_base(const char *dir, size_t i, const char *name)
{
	char safe[64];
	size_t n = 0;
	char *p = NULL;

	for (; *name && n + 1 < sizeof(safe); name++) {
		char c = *name;
		int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
		safe[n++] = keep ? c : '-';
	}
	safe[n] = '\0';
	if (asprintf(&p, "%s/%zu-%s", dir, i + 1, safe) < 0)
		return NULL;
	return p;
}

/* What write_trend_data writes, and the column count it found. */
struct trend_arg {
	const struct history *h;
	size_t sc;
	int cols;
};

static int trend_text(FILE *f, const void *arg)
{
	struct trend_arg *t = (struct trend_arg *)arg;

	t->cols = history_trend_data(f, t->h, t->sc);
	return t->cols > 0 ? 0 : -1;
}

/* The data of scenario i into tsv; its column count (0: nothing gated to draw), or -1. */
static int write_trend_data(const struct history *h, size_t i, const char *tsv)
{
	struct trend_arg t = { .h = h, .sc = i };
	int any = 0;

	for (int m = 0; m < METRIC_N_BUILTIN; m++)
		any |= gated(&h->sc[i], h->ix.n, m);
	if (!any)
		return 0;
	return results_write_built(tsv, trend_text, &t) == 0 ? t.cols : -1;
}

/* Draw scenario i; 0 drawn or nothing to draw, PLOT_NO_GNUPLOT, or -1 (a warning printed). */
static int draw_trend(struct history *h, size_t i, const char *dir)
{
	struct history_scenario *s = &h->sc[i];
	char *base = trend_base(dir, i, s->name);
	char *tsv = NULL, *png = NULL, title[160];
	int ret = -1;

	if (!base || asprintf(&tsv, "%s.tsv", base) < 0 || asprintf(&png, "%s.png", base) < 0)
		goto out;
	int cols = write_trend_data(h, i, tsv);
	if (cols <= 0) {
		ret = cols;
		goto out;
	}
	snprintf(title, sizeof(title), "%s: slopes in %% of their gates, last %zu soaks", s->name,
		 h->ix.n);
	text_utf8_trim(title);
	ret = plot_trend(tsv, cols, s->rise.soak + 1, title, png);
	if (ret == 0) {
		s->trend_png = png;
		png = NULL;
	}
out:
	if (ret < 0)
		diag_warning("no trend plot for '%s' (see above)", s->name);
	free(base);
	free(tsv);
	free(png);
	return ret;
}

int history_draw_trends(struct history *h, const char *out_dir)
{
	char *dir = path_join(out_dir, "trends");

	if (!dir || results_mkdir_p(dir) < 0) {
		free(dir);
		return dir ? -1 : diag_error("out of memory");
	}
	for (size_t i = 0; i < h->n_sc; i++)
		if (draw_trend(h, i, dir) == PLOT_NO_GNUPLOT)
			break;
	free(dir);
	return 0;
}

int history_for_report(struct history *h, const struct report *rep, const char *out_dir)
{
	char *root = history_root_of(out_dir);
	int ret = -1;

	memset(h, 0, sizeof(*h));
	if (!root) {
		diag_error("out of memory");
		goto out;
	}
	if (history_load(h, root, HISTORY_DEFAULT_LAST, rep, out_dir, rep->label,
			 rep->commit) < 0)
		goto out;
	ret = h->ix.n >= 2 ? history_draw_trends(h, out_dir) : 0;
out:
	free(root);
	return ret;
}

void history_record_report(const struct report *rep, const char *out_dir)
{
	char *root = history_root_of(out_dir);
	char *copy = strdup(out_dir);

	if (rep->shard)
		goto out;
	if (!root || !copy || history_index_record(root, basename(copy), rep->started_utc,
						   rep->label, rep->commit) < 0)
		diag_warning("the soak is not in the history index of its folder yet (it is "
			     "added when the index is next read)");
out:
	free(root);
	free(copy);
}
