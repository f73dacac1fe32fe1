/*
 * results — the run directory: samples.csv as sampled, summary.json and junit.xml atomically.
 */
#include "record/results.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "base/diag.h"
#include "base/text.h"

struct results_csv {
	FILE *f;
	char *path;
	/* The metrics after the first columns (metric_def.first_columns == 0), by index. */
	size_t more[METRIC_MAX], n_more;
};

/* The columns every samples.csv has had, in order; the metric set's other metrics follow. */
static const char csv_header[] =
	"t_s,rss_kib,threads,fds,procs,cpu_s,lazyfree_kib,requests,errors";

void results_row_set_sample(struct results_row *row, const struct sample *s)
{
	row->s = *s;
	metric_builtin_sampled(s, row->metric);
}

char *results_default_dir(const char *base, const char *name)
{
	char stamp[32];
	struct timespec now;
	struct tm tm;
	char *dir = NULL;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if (asprintf(&dir, "%s/%s/%s", base ? base : "results", name, stamp) < 0)
		return NULL;
	return dir;
}

void results_utc_now(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* results_create_temp without a message: the fd, or -1 with errno set and *tmp_out the last
 * name tried (or NULL when out of memory). */
static int create_temp(const char *path, char **tmp_out)
{
	char *tmp = NULL;
	int fd = -1;

	/* O_EXCL: never write through a file, or a symlink planted under the name, that was there;
	 * a name left by a crashed run of the same PID just moves on to the next number. */
	for (unsigned i = 0; fd < 0 && i < 100; i++) {
		free(tmp);
		if (asprintf(&tmp, "%s.tmp.%ld.%u", path, (long)getpid(), i) < 0) {
			tmp = NULL;
			errno = ENOMEM;
			break;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	*tmp_out = tmp;
	return fd;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Refuse a folder that cannot take a run's files before anything starts: a read-only or full
 * one otherwise showed up as a target that "cannot start", or as a run that failed at its
 * first row.  A probe file is created (O_EXCL|O_NOFOLLOW), written and removed.
 */
static int check_room(const char *dir)
{
	static const char probe[4096];
	struct statvfs vfs;
	char *base = NULL, *tmp = NULL;
	int fd = -1, ret = -1;

	if (asprintf(&base, "%s/.leaksoak-probe", dir) < 0) {
		base = NULL;
		diag_error("out of memory");
		goto out;
	}
	if ((fd = create_temp(base, &tmp)) < 0 || write_all(fd, probe, sizeof(probe)) < 0 ||
	    fsync(fd) < 0) {
		diag_error("cannot write in '%s': %s (%schoose another folder with --out)", dir,
			   strerror(errno), errno == ENOSPC ? "free some space or " : "");
		goto out;
	}
	if (fstatvfs(fd, &vfs) == 0 && (unsigned long long)vfs.f_bavail * vfs.f_frsize / 1024 <
	    RESULTS_MIN_FREE_KIB) {
		diag_error("'%s' has only %llu KiB free (a run needs at least %d KiB; free some "
			   "space or choose another folder with --out)", dir,
			   (unsigned long long)vfs.f_bavail * vfs.f_frsize / 1024,
			   RESULTS_MIN_FREE_KIB);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	free(tmp);
	free(base);
	return ret;
}

int results_mkdir_p(const char *dir)
{
	char *copy;
	int ret = -1;

	/* "" would make "/samples.csv" of every file of the run. */
	if (!*dir)
		return diag_error("empty folder name (give --out a folder)");
	copy = strdup(dir);
	if (!copy)
		return diag_error("out of memory");
	for (char *p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, 0777) < 0 && errno != EEXIST) {
			diag_error("cannot create directory '%s': %s (choose another folder with --out)",
				   copy, strerror(errno));
			goto out;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	ret = check_room(dir);
out:
	free(copy);
	return ret;
}

struct results_csv *results_csv_open(const char *path, const struct metric_set *set)
{
	struct results_csv *c = calloc(1, sizeof(*c));

	if (!c || !(c->path = strdup(path))) {
		diag_error("out of memory");
		goto fail;
	}
	/* No temporary file (rows are appended where readers look), but never through a link. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
	c->f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!c->f && fd >= 0)
		close(fd);
	if (!c->f) {
		diag_error("cannot create '%s': %s", path, strerror(errno));
		goto fail;
	}
	fputs(csv_header, c->f);
	for (size_t i = 0; i < set->n; i++) {
		if (set->def[i].first_columns)
			continue;
		fprintf(c->f, ",%s", set->def[i].column);
		c->more[c->n_more++] = i;
	}
	if (fputc('\n', c->f) == EOF || fflush(c->f) == EOF) {
		diag_error("cannot write '%s': %s", path, strerror(errno));
		goto fail;
	}
	return c;
fail:
	if (c && c->f)
		fclose(c->f);
	if (c)
		free(c->path);
	free(c);
	return NULL;
}

int results_csv_append(struct results_csv *c, const struct results_row *r)
{
	char lazy[32] = "";

	if (!isnan(r->lazyfree_kib))
		snprintf(lazy, sizeof(lazy), "%.0f", r->lazyfree_kib);
	fprintf(c->f, "%.3f,%llu,%u,%u,%u,%.2f,%s,%llu,%llu", r->s.t_s,
		(unsigned long long)r->s.rss_kib, r->s.threads, r->s.fds, r->s.procs, r->s.cpu_s,
		lazy, (unsigned long long)r->requests, (unsigned long long)r->errors);
	/* A metric with no reading yet (a series before its first scrape) is an empty cell,
	 * like LazyFree before its first. */
	for (size_t i = 0; i < c->n_more; i++) {
		double v = r->metric[c->more[i]];
		if (isfinite(v))
			fprintf(c->f, ",%.17g", v);
		else
			fputc(',', c->f);
	}
	fputc('\n', c->f);
	/* Flushed per row: the samples of a run that dies are exactly what someone will want. */
	if (fflush(c->f) == EOF || ferror(c->f))
		return diag_error("cannot write '%s': %s", c->path, strerror(errno));
	return 0;
}

int results_csv_close(struct results_csv **cp)
{
	struct results_csv *c = *cp;
	int ret = 0;

	if (!c)
		return 0;
	if (ferror(c->f) | fclose(c->f))
		ret = diag_error("cannot write '%s': %s", c->path, strerror(errno));
	free(c->path);
	free(c);
	*cp = NULL;
	return ret;
}

/* The rename is durable only once the directory holding it is on disk too. */
static int sync_parent(const char *path)
{
	char *dir = strdup(path);
	int fd, ret = -1;

	if (!dir)
		return diag_error("out of memory");
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	fd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		diag_error("cannot sync folder of '%s': %s", path, strerror(errno));
	else
		ret = 0;
	if (fd >= 0)
		close(fd);
	free(dir);
	return ret;
}

int results_create_temp(const char *path, char **tmp_out)
{
	int fd = create_temp(path, tmp_out);

	if (fd < 0) {
		diag_error("cannot create '%s': %s", *tmp_out ? *tmp_out : path, strerror(errno));
		free(*tmp_out);
		*tmp_out = NULL;
	}
	return fd;
}

int results_write_atomic(const char *path, const char *data, size_t len)
{
	char *tmp = NULL;
	int fd = -1;
	int ret = -1;

	fd = results_create_temp(path, &tmp);
	if (fd < 0)
		goto out;
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		diag_error("cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		diag_error("cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		diag_error("cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		goto out;
	}
	ret = sync_parent(path);
out:
	if (fd >= 0)
		close(fd);
	if (ret < 0 && tmp)
		unlink(tmp);
	free(tmp);
	return ret;
}

int results_write_built(const char *path, int (*fill)(FILE *f, const void *arg),
			const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int ret = -1;

	if (!f) {
		diag_error("out of memory");
		return -1;
	}
	int filled = fill(f, arg);
	if (fclose(f) != 0 || filled < 0)
		diag_error("cannot build '%s' (out of memory)", path);
	else
		ret = results_write_atomic(path, buf, len);
	free(buf);
	return ret;
}

int results_write_json(const char *path, const json_t *j)
{
	char *text = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(10) | JSON_SORT_KEYS);
	int ret;

	if (!text)
		return diag_error("cannot encode '%s' (out of memory)", path);
	ret = results_write_atomic(path, text, strlen(text));
	free(text);
	return ret;
}

void results_xml_escape(FILE *f, const char *s)
{
	/* Control characters (but line breaks and tabs) and invalid UTF-8 first become visible
	 * text (\x1b): XML 1.0 cannot carry most control characters at all. */
	char *e = text_escape(s, TEXT_KEEP_LINES);

	for (const char *p = e; p && *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*p, f);
		}
	}
	free(e);
}

static void junit_case(FILE *f, const struct results_case *c)
{
	const char *tag = NULL;

	fputs("    <testcase name=\"", f);
	results_xml_escape(f, c->name);
	fputs("\" classname=\"", f);
	results_xml_escape(f, c->classname ? c->classname : "leaksoak");
	fprintf(f, "\" time=\"%.3f\">\n", c->time_s);
	if (strcmp(c->verdict, "leak") == 0)
		tag = "failure";
	else if (strcmp(c->verdict, "pass") != 0)
		tag = "error";
	if (tag) {
		fprintf(f, "      <%s type=\"%s\" message=\"", tag, c->verdict);
		results_xml_escape(f, c->message ? c->message : c->verdict);
		fputs("\">", f);
		results_xml_escape(f, c->message ? c->message : c->verdict);
		fprintf(f, "</%s>\n", tag);
	}
	if (c->system_out) {
		fputs("      <system-out>", f);
		results_xml_escape(f, c->system_out);
		fputs("</system-out>\n", f);
	}
	fputs("    </testcase>\n", f);
}

int results_write_junit(const char *path, const char *suite, const struct results_case *cases,
			size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	size_t failures = 0, errors = 0;
	double time_s = 0;
	int ret = -1;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return diag_error("out of memory");
	for (size_t i = 0; i < n; i++) {
		failures += strcmp(cases[i].verdict, "leak") == 0;
		errors += strcmp(cases[i].verdict, "leak") && strcmp(cases[i].verdict, "pass");
		time_s += cases[i].time_s;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"", f);
	results_xml_escape(f, suite);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n", n,
		failures, errors, time_s);
	for (size_t i = 0; i < n; i++)
		junit_case(f, &cases[i]);
	fputs("  </testsuite>\n</testsuites>\n", f);
	if (fclose(f) != 0) {
		diag_error("out of memory");
		goto out;
	}
	ret = results_write_atomic(path, buf, len);
out:
	free(buf);
	return ret;
}
