/*
 * history_trend — each scenario's trend across the soaks, as data for gnuplot and as a plot
 * beside the report; and the history a report shows, with those plots drawn.
 */
#include "out/history_trend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "base/path.h"
#include "base/runfiles.h"
#include "base/text.h"
#include "out/plot.h"
#include "record/results.h"

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
		if (history_gated(s, h->ix.n, m))
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
		any |= history_gated(&h->sc[i], h->ix.n, m);
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
	char *dir = path_join(out_dir, RUNFILE_TRENDS);

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
