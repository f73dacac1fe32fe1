/*
 * groups — bounded counts by kind and their difference (groups.h).
 */
#include "evidence/groups.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"

/* The last entry, where a full table counts what it has no room for. */
static const char overflow_kind[] = "other", overflow_detail[] = "more kinds than evidence keeps";

static const struct group *find(const struct groups *t, const char *kind, const char *detail)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->g[i].kind, kind) == 0 && strcmp(t->g[i].detail, detail) == 0)
			return &t->g[i];
	return NULL;
}

void groups_add(struct groups *t, const char *kind, const char *detail, uint32_t count,
		int *truncated)
{
	struct group *g = (struct group *)find(t, kind, detail);

	if (!g && t->n >= GROUPS_MAX - 1) {
		*truncated = 1;
		kind = overflow_kind;
		detail = overflow_detail;
		for (size_t i = 0; i < t->n && !g; i++)
			if (strcmp(t->g[i].detail, detail) == 0)
				g = &t->g[i];
	}
	if (!g) {
		if (t->n >= GROUPS_MAX)
			return;		/* cannot happen: the last slot is the overflow's */
		g = &t->g[t->n++];
		snprintf(g->kind, sizeof(g->kind), "%s", kind);
		snprintf(g->detail, sizeof(g->detail), "%s", detail);
		text_utf8_trim(g->kind);
		text_utf8_trim(g->detail);
		g->count = 0;
	}
	g->count += count;
}

static int by_count(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->detail, y->detail);
}

json_t *groups_json(const struct groups *t, int with_kind)
{
	struct group sorted[GROUPS_MAX];
	json_t *a = json_array();

	memcpy(sorted, t->g, t->n * sizeof(*t->g));
	qsort(sorted, t->n, sizeof(*sorted), by_count);
	for (size_t i = 0; i < t->n; i++) {
		json_t *o = with_kind ?
			json_pack("{s:s, s:o, s:I}", "kind", sorted[i].kind, "detail",
				  text_json_string(sorted[i].detail), "count",
				  (json_int_t)sorted[i].count) :
			json_pack("{s:o, s:I}", "name", text_json_string(sorted[i].detail),
				  "count", (json_int_t)sorted[i].count);
		json_array_append_new(a, o);
	}
	return a;
}

static int by_growth(const void *x, const void *y)
{
	const struct group_diff *a = x, *b = y;
	long long da = a->end - a->start, db = b->end - b->start;

	return da < db ? 1 : da > db ? -1 : strcmp(a->g->detail, b->g->detail);
}

size_t groups_diff(const struct groups *a, const struct groups *b, struct group_diff *out)
{
	size_t n = 0;

	for (size_t i = 0; i < b->n; i++) {
		const struct group *s = find(a, b->g[i].kind, b->g[i].detail);
		out[n++] = (struct group_diff){ &b->g[i], s ? s->count : 0, b->g[i].count };
	}
	for (size_t i = 0; i < a->n; i++)
		if (!find(b, a->g[i].kind, a->g[i].detail))
			out[n++] = (struct group_diff){ &a->g[i], a->g[i].count, 0 };
	qsort(out, n, sizeof(*out), by_growth);
	return n;
}

json_t *groups_diff_json(const struct group_diff *d, size_t n, int with_kind)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_int_t s = d[i].start, e = d[i].end;
		json_t *o = json_pack("{s:I, s:I, s:I}", "start", s, "end", e, "delta", e - s);
		if (with_kind) {
			json_object_set_new(o, "kind", json_string(d[i].g->kind));
			json_object_set_new(o, "detail", text_json_string(d[i].g->detail));
		} else {
			json_object_set_new(o, "name", text_json_string(d[i].g->detail));
		}
		json_array_append_new(a, o);
	}
	return a;
}
