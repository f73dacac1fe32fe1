/*
 * history — each scenario's course across the last soaks of a results folder.
 */
#include "out/history.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/path.h"
#include "base/vec.h"
#include "out/report_baseline.h"

const char *history_metric_name(int metric)
{
	return metric >= 0 && metric < METRIC_N_BUILTIN ? metric_builtin[metric].name : "verdict";
}

const char *history_metric_unit(int metric)
{
	return metric >= 0 && metric < METRIC_N_BUILTIN ? metric_builtin[metric].unit : "";
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
	s = vec_grow(h->sc, &h->cap_sc, h->n_sc + 1, sizeof(*s));
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
	long self = current ? history_index_find(&h->ix, current_name) : -1;

	if (self >= 0)
		history_index_remove(&h->ix, (size_t)self);
	if (current && history_index_add(&h->ix, current->started_utc, label, commit,
					 current_name) < 0)
		return diag_error("out of memory");
	history_index_sort(&h->ix);
	while (h->ix.n > last)
		history_index_remove(&h->ix, 0);
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

int history_gated(const struct history_scenario *s, size_t n, int m)
{
	for (size_t i = 0; i < n; i++)
		if (s->pt[i].present && s->pt[i].gate_per_min[m] >= 0)
			return 1;
	return 0;
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
