/*
 * groups — bounded counts of what a process tree holds, by kind: its threads by name, its
 * FDs by kind and by what groups them ("tcp", "to 127.0.0.1:50051"); their JSON, and what
 * changed between two readings.
 *
 * A table keeps GROUPS_MAX entries.  Once all but the last are taken, anything new
 * is counted in that last one ("other", "more kinds than evidence keeps") and the caller's
 * truncated flag is set: the total stays right.  Kinds and details are cut to their fields
 * on a character boundary.  Lists come largest first, ties by detail.
 */
#ifndef LEAKSOAK_GROUPS_H
#define LEAKSOAK_GROUPS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define GROUPS_MAX 256

/* A thread name (kind "", detail the name), or an FD kind and what groups it. */
struct group {
	char kind[12];
	char detail[96];
	uint32_t count;
};

struct groups {
	struct group g[GROUPS_MAX];
	size_t n;
};

/* An entry of either of two tables, with its count in each (0 where it is absent). */
struct group_diff {
	const struct group *g;	/* names it: the later table's entry, else the earlier's */
	long long start, end;
};

/* Count count more of (kind, detail); past the bound into the last entry, *truncated set. */
void groups_add(struct groups *t, const char *kind, const char *detail, uint32_t count,
		int *truncated);

/* [{"kind", "detail", "count"}] when with_kind, else [{"name", "count"}]; new reference. */
json_t *groups_json(const struct groups *t, int with_kind);

/*
 * Every entry of a or of b into out (room for 2 * GROUPS_MAX), largest growth
 * first.  Returns how many.  out points into a and b.
 */
size_t groups_diff(const struct groups *a, const struct groups *b, struct group_diff *out);

/*
 * d[0, n): [{"start", "end", "delta", "kind", "detail"}] when with_kind, else
 * [{"start", "end", "delta", "name"}]; new reference.
 */
json_t *groups_diff_json(const struct group_diff *d, size_t n, int with_kind);

#endif
