/*
 * report_baseline — find the earlier report beside a report, and keep what changed since it.
 */
#include "out/report_baseline.h"

#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/diag.h"
#include "base/path.h"
#include "base/runfiles.h"
#include "base/vec.h"

static const struct report_run *find_run(const struct report *r, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->runs[i].name, name))
			return &r->runs[i];
	return NULL;
}

static struct report_change *new_change(struct report *r, const char *name)
{
	struct report_change *c = vec_grow(r->changes, &r->cap_changes, r->n_changes + 1,
					   sizeof(*c));

	if (!c)
		return NULL;
	r->changes = c;
	c = &r->changes[r->n_changes];
	memset(c, 0, sizeof(*c));
	if (!(c->name = strdup(name)))
		return NULL;
	r->n_changes++;
	return c;
}

int report_slope_rose(double from, double to, double gate, double *margin)
{
	*margin = REPORT_ROSE_GATE_FRACTION * gate;
	/* Ungated metrics are not compared: the scenario said their growth does not matter. */
	return gate >= 0 && isfinite(from) && isfinite(to) && to > 0 && to - from > *margin;
}

/* The changes of one run; 0 or -1 (out of memory). */
static int compare_run(struct report *r, const struct report_run *now,
		       const struct report_run *then)
{
	struct report_change *c;

	if (strcmp(now->verdict, then->verdict)) {
		if (!(c = new_change(r, now->name)))
			return -1;
		c->is_verdict = 1;
		snprintf(c->from, sizeof(c->from), "%s", then->verdict);
		snprintf(c->to, sizeof(c->to), "%s", now->verdict);
	}
	for (size_t m = 0; m < now->n_metrics; m++) {
		const struct report_metric *b = &now->metric[m];
		const struct report_metric *a = report_run_metric(then, b->name);
		double margin;
		if (!a || !report_slope_rose(a->slope_per_min, b->slope_per_min, b->gate_per_min,
					     &margin))
			continue;
		if (!(c = new_change(r, now->name)))
			return -1;
		memcpy(c->what, b->name, sizeof(c->what));
		memcpy(c->unit, b->unit, sizeof(c->unit));
		c->from_per_min = a->slope_per_min;
		c->to_per_min = b->slope_per_min;
		c->margin_per_min = margin;
	}
	return 0;
}

int report_compare(struct report *r, const struct report *before, const char *before_dir)
{
	report_sort_runs(r);
	free(r->baseline_dir);
	if (!(r->baseline_dir = strdup(before_dir)))
		return diag_error("out of memory");
	snprintf(r->baseline_started_utc, sizeof(r->baseline_started_utc), "%s",
		 before->started_utc);
	for (size_t i = 0; i < r->n; i++) {
		const struct report_run *then = find_run(before, r->runs[i].name);
		if (then && compare_run(r, &r->runs[i], then) < 0)
			return diag_error("out of memory");
	}
	return 0;
}

/* 1 when dir's summary.json is a report of shard that started between best and limit. */
static int newer_earlier_report(const char *dir, const char *limit, const char *shard,
				char *best, size_t len)
{
	char *path = path_join(dir, RUNFILE_SUMMARY);
	struct stat st;
	json_t *j = NULL;
	int found = 0;

	if (path && stat(path, &st) == 0 && S_ISREG(st.st_mode))
		j = json_load_file(path, 0, NULL);
	const char *kind = json_string_value(json_object_get(j, "kind"));
	const char *started = json_string_value(json_object_get(j, "started_utc"));
	const char *its_shard = json_string_value(json_object_get(j, "shard"));
	int same_shard = shard && its_shard ? !strcmp(shard, its_shard) : !shard && !its_shard;
	if (kind && !strcmp(kind, REPORT_KIND) && same_shard && started &&
	    strcmp(started, limit) < 0 && strcmp(started, best) > 0) {
		snprintf(best, len, "%s", started);
		found = 1;
	}
	json_decref(j);
	free(path);
	return found;
}

static int same_dir(const char *a_real, const char *b)
{
	char b_real[PATH_MAX];

	return realpath(b, b_real) && !strcmp(a_real, b_real);
}

void report_compare_baseline(struct report *r, const char *out_dir, const char *baseline,
			     const char *shard, char *const skip[], size_t n_skip)
{
	char *found = baseline ? NULL :
		      report_find_baseline(out_dir, r->started_utc, shard, skip, n_skip);
	const char *dir = baseline ? baseline : found;
	struct report before;

	report_init(&before);
	if (dir && report_load(&before, dir) == 0)
		report_compare(r, &before, dir);
	else if (dir)
		diag_warning("not comparing with '%s' (see above)", dir);
	report_release(&before);
	free(found);
}

char *report_find_baseline(const char *out_dir, const char *started_utc, const char *shard,
			   char *const skip[], size_t n_skip)
{
	char *copy = strdup(out_dir);
	char *parent = copy ? dirname(copy) : NULL;
	DIR *d = parent ? opendir(parent) : NULL;
	char best_started[32] = "";
	char *best = NULL;
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char real[PATH_MAX];
		char *p = e->d_name[0] == '.' ? NULL : path_join(parent, e->d_name);
		int skipped = !p || !realpath(p, real) || same_dir(real, out_dir);
		for (size_t i = 0; !skipped && i < n_skip; i++)
			skipped = same_dir(real, skip[i]);
		if (!skipped && newer_earlier_report(p, started_utc, shard, best_started,
						     sizeof(best_started))) {
			free(best);
			best = p;
			p = NULL;
		}
		free(p);
	}
	if (d)
		closedir(d);
	free(copy);
	return best;
}
