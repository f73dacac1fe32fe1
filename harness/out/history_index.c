/*
 * history_index — the index of a results folder's soaks: read, checked against the folders,
 * rebuilt, written atomically.
 */
#include "out/history_index.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/path.h"
#include "base/runfiles.h"
#include "base/text.h"
#include "base/vec.h"
#include "record/results.h"

#define INDEX_HEADER "# leaksoak history: started_utc, label, commit, folder (tab-separated; " \
		     "rebuilt from the folders when stale)\n"

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

int history_index_add(struct history_index *ix, const char *started, const char *label,
		      const char *commit, const char *dir)
{
	if (!history_tag_ok(started))
		started = NULL;
	if (!history_tag_ok(label))
		label = NULL;
	if (!history_tag_ok(commit))
		commit = NULL;
	struct history_entry *v = vec_grow(ix->v, &ix->cap, ix->n + 1, sizeof(*v));

	if (!v)
		return -1;
	ix->v = v;
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

long history_index_find(const struct history_index *ix, const char *dir)
{
	for (size_t i = 0; i < ix->n; i++)
		if (!strcmp(ix->v[i].dir, dir))
			return (long)i;
	return -1;
}

void history_index_remove(struct history_index *ix, size_t i)
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

void history_index_sort(struct history_index *ix)
{
	if (ix->n > 1)
		qsort(ix->v, ix->n, sizeof(*ix->v), by_time);
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
	return history_index_add(ix, f[0], f[1], f[2], f[3]);
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
	char *path = path_join(root, RUNFILE_HISTORY_INDEX);
	int ret = path ? results_write_built(path, index_text, ix) : diag_error("out of memory");

	free(path);
	return ret;
}

/* The summary.json of root/name, parsed, when it is a whole soak's report; else NULL. */
static json_t *soak_summary(const char *root, const char *name)
{
	char *dir = path_join(root, name);
	char *path = dir ? path_join(dir, RUNFILE_SUMMARY) : NULL;
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
	char *path = dir ? path_join(dir, RUNFILE_SUMMARY) : NULL;
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
		if (!dir_name_ok(e->d_name) || history_index_find(ix, e->d_name) >= 0)
			continue;
		json_t *j = soak_summary(root, e->d_name);
		if (!j)
			continue;
		ret = history_index_add(ix, json_string_value(json_object_get(j, "started_utc")),
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
	char *path = path_join(root, RUNFILE_HISTORY_INDEX);
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
			history_index_remove(ix, i);
			changed = 1;
		}
	if (add_unlisted(ix, root, &changed) < 0)
		goto out;
	history_index_sort(ix);
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
	char *path = path_join(root, RUNFILE_HISTORY_INDEX);
	int existed = path && access(path, F_OK) == 0;
	free(path);
	if (history_index_load(&ix, root, NULL) < 0)
		goto out;
	long i = history_index_find(&ix, dir);
	if (i >= 0)
		history_index_remove(&ix, (size_t)i);
	if (history_index_add(&ix, started_utc, label, commit, dir) < 0) {
		diag_error("out of memory");
		goto out;
	}
	history_index_sort(&ix);
	ret = keep_index(existed, ix.n) ? index_write(&ix, root) : 0;
out:
	history_index_release(&ix);
	return ret;
}
