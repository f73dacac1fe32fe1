/*
 * history_index — the index of the soaks of one results folder.
 *
 * A soak writes its report into a folder (default results/soak/<UTC timestamp>/), and the
 * soaks of one series are siblings: the folder that holds them is the history's root, the
 * same place report_find_baseline looks for last night's report.  The root keeps an index,
 * root/history.tsv (RUNFILE_HISTORY_INDEX), one line per soak (its start time, --label,
 * --commit and folder), in time order.  The index is a convenience, never the truth:
 * summary.json of each soak holds the same facts, so an index that is missing, unreadable,
 * names a folder that was deleted by hand, or misses a report folder beside it (a soak killed
 * before it could add its line, two soaks that wrote the index at once) is rebuilt from the
 * folders and written again, atomically.  Only whole (unsharded or merged) reports are soaks
 * of the series: a shard is a part of one.  A folder holding a single soak gets no index until
 * a second soak joins it.
 */
#ifndef LEAKSOAK_HISTORY_INDEX_H
#define LEAKSOAK_HISTORY_INDEX_H

#include <stddef.h>

/* Longest --label and --commit: they go on one line of the index and in plot labels. */
#define HISTORY_MAX_TAG 128

/* One soak of the index.  Strings are owned; label and commit may be NULL. */
struct history_entry {
	char started_utc[32];
	char *label;
	char *commit;
	char *dir;		/* the soak's folder, relative to the root (one name) */
};

struct history_index {
	struct history_entry *v;
	size_t n, cap;
};

/*
 * A --label or --commit value: printable, valid UTF-8, no tab or line break, at most
 * HISTORY_MAX_TAG bytes, not empty.  1 when acceptable.
 */
int history_tag_ok(const char *s);

/* The root of the soak written into out_dir: its parent folder.  Malloc'd, NULL (no memory). */
char *history_root_of(const char *out_dir);

void history_index_release(struct history_index *ix);

/*
 * Read root's index into ix, checked against the folders: entries whose folder has no
 * summary.json any more are dropped, report folders beside them that it does not name are
 * added (their label and commit read from their summary.json), and the whole is rebuilt from
 * the folders when the index is missing or unreadable.  When anything changed the index is
 * written again (atomically; a root that cannot be written is a warning), unless there was
 * none and it would name fewer than two soaks.  *rebuilt (may be NULL) is set to 1 when that
 * happened.  0, or -1 after printing why (root unreadable).
 */
int history_index_load(struct history_index *ix, const char *root, int *rebuilt);

/*
 * Add the soak in root/dir (replacing a line for the same folder) and write the index
 * atomically.  label and commit may be NULL.  0, or -1 after printing why.
 */
int history_index_record(const char *root, const char *dir, const char *started_utc,
			 const char *label, const char *commit);

/*
 * Append a copy of the fields (label, commit NULL or "" for none); 0 or -1 (no memory).  A
 * time, label or commit that is no tag (history_tag_ok: a summary.json may hold anything) is
 * left out, so that every line of the index stays one line of four fields.
 */
int history_index_add(struct history_index *ix, const char *started, const char *label,
		      const char *commit, const char *dir);

/* The entry for folder dir, or -1. */
long history_index_find(const struct history_index *ix, const char *dir);

/* Remove entry i (released). */
void history_index_remove(struct history_index *ix, size_t i);

/* Sort the entries in time order (by start, then folder). */
void history_index_sort(struct history_index *ix);

#endif
