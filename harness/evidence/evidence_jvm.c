/*
 * evidence_jvm — run jcmd GC.class_histogram at the window's edges and say which classes
 * grew (evidence_jvm.h).
 */
#include "evidence/evidence_jvm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/runfiles.h"
#include "evidence/evidence.h"
#include "evidence/goprof.h"
#include "evidence/jvmhist.h"
#include "base/path.h"
#include "base/spawn.h"
#include "base/text.h"
#include "proc/procfs.h"

static const char *const file_name[2] = { RUNFILE_JVM_HISTOGRAM_START,
							RUNFILE_JVM_HISTOGRAM_END };

struct evidence_jvm {
	const char *out_dir;
	int required;
	pid_t pid;		/* the JVM, 0: none found */
	struct spawn *start;	/* the start's jcmd, until reaped */
	int ok[2];		/* each jcmd exited 0 */
	int ended;
	double start_ms, end_ms;	/* starting the start's jcmd (between two samples); the
					   end's jcmd whole (after the sampling) */
	char error[160];
	json_t *json;
};

struct evidence_jvm *evidence_jvm_new(const char *out_dir, int required)
{
	struct evidence_jvm *j = malloc(sizeof(*j));

	if (j)
		*j = (struct evidence_jvm){ .out_dir = out_dir, .required = required };
	return j;
}

static pid_t find_java(const pid_t *pids, size_t n)
{
	int proc_fd = procfs_open_root(NULL);
	pid_t found = 0;

	if (proc_fd < 0)
		return 0;
	for (size_t i = 0; i < n && !found; i++)
		if (jvmhist_is_java(proc_fd, pids[i]))
			found = pids[i];
	close(proc_fd);
	return found;
}

static struct spawn *start_jcmd(struct evidence_jvm *j, int end)
{
	char *path = path_join(j->out_dir, file_name[end]);
	struct spawn *s = path ? jvmhist_start(j->pid, path) : NULL;

	free(path);
	return s;
}

void evidence_jvm_start(struct evidence_jvm *j, const pid_t *pids, size_t n)
{
	int have = spawn_in_path("jcmd");

	if (!j)
		return;
	j->pid = have ? find_java(pids, n) : 0;
	if (!j->pid) {
		if (j->required)
			snprintf(j->error, sizeof(j->error), "%s", have ?
				 "no java process in the target's tree" :
				 "jcmd is not installed (Debian: openjdk-17-jdk-headless)");
		return;
	}
	int64_t t0 = clock_now_ns();
	if (!(j->start = start_jcmd(j, 0)))
		snprintf(j->error, sizeof(j->error), "jcmd could not be started");
	j->start_ms = (double)(clock_now_ns() - t0) / CLOCK_NS_PER_MS;
}

/* Wait for s; 1 when it exited 0, else 0 with the error set. */
static int reap(struct evidence_jvm *j, struct spawn *s, const char *which)
{
	int status;
	char how[96];

	if (!spawn_wait(s, EVIDENCE_JVM_TIMEOUT_MS)) {
		snprintf(j->error, sizeof(j->error), "jcmd at the window's %s did not finish "
			 "within %d s (killed)", which, EVIDENCE_JVM_TIMEOUT_MS / 1000);
		return 0;
	}
	if (spawn_exited(s, &status) && status == 0)
		return 1;
	spawn_describe(s, how, sizeof(how));
	snprintf(j->error, sizeof(j->error), "jcmd at the window's %s %s (see %s)", which, how,
		 file_name[which[0] == 'e']);
	return 0;
}

void evidence_jvm_end(struct evidence_jvm *j)
{
	struct spawn *s = NULL;

	if (!j || !j->start || j->ended)
		return;
	j->ended = 1;
	j->ok[0] = reap(j, j->start, "start");
	spawn_free(&j->start);
	if (!j->ok[0])
		return;
	int64_t t0 = clock_now_ns();
	if (!(s = start_jcmd(j, 1)))
		snprintf(j->error, sizeof(j->error), "jcmd could not be started");
	else
		j->ok[1] = reap(j, s, "end");
	spawn_free(&s);
	j->end_ms = (double)(clock_now_ns() - t0) / CLOCK_NS_PER_MS;
}

/* ---- JSON --------------------------------------------------------------------------- */

static int read_hist(const struct evidence_jvm *j, int end, struct jvmhist *h)
{
	char *path = path_join(j->out_dir, file_name[end]), *text = NULL;
	size_t len;
	int ret = -1;

	memset(h, 0, sizeof(*h));
	if (path && (text = goprof_slurp(path, &len)))
		ret = jvmhist_parse(text, len, h);
	free(path);
	free(text);
	return ret;
}

static json_t *delta_json(long long a, long long b)
{
	return json_pack("{s:I, s:I, s:I}", "start", (json_int_t)a, "end", (json_int_t)b,
			 "delta", (json_int_t)(b - a));
}

static json_t *top_json(const struct jvmhist_growth *g, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:o, s:b, s:I, s:I, s:I, s:I}", "class",
			text_json_string(g[i].name), "jdk", g[i].jdk,
			"instances", (json_int_t)g[i].instances, "bytes", (json_int_t)g[i].bytes,
			"end_instances", (json_int_t)g[i].end_instances,
			"end_bytes", (json_int_t)g[i].end_bytes));
	return a;
}

/* The diff of the two histograms into o: "total" and "top". */
static void diff_into(const struct evidence_jvm *j, json_t *o)
{
	struct jvmhist a, b;
	struct jvmhist_growth top[JVMHIST_TOP];
	size_t n;

	if (read_hist(j, 0, &a) == 0 && read_hist(j, 1, &b) == 0) {
		n = jvmhist_diff(&a, &b, top, JVMHIST_TOP);
		json_object_set_new(o, "total", json_pack("{s:o, s:o}", "instances",
			delta_json(a.total_instances, b.total_instances), "bytes",
			delta_json(a.total_bytes, b.total_bytes)));
		json_object_set_new(o, "top", top_json(top, n));
		jvmhist_release(&b);
	}
	jvmhist_release(&a);
}

json_t *evidence_jvm_json(struct evidence_jvm *j)
{
	char cmd[64];

	if (!j || (!j->pid && !j->error[0]))
		return NULL;
	if (j->json)
		return j->json;
	snprintf(cmd, sizeof(cmd), "jcmd %d GC.class_histogram", (int)j->pid);
	j->json = json_pack("{s:i, s:s, s:o, s:{s:s, s:s}, s:n, s:[]}", "pid", (int)j->pid,
			    "command", cmd, "error", j->error[0] ? json_string(j->error) :
			    json_null(), "files", "start", file_name[0], "end", file_name[1],
			    "total", "top");
	if (j->json)
		json_object_set_new(j->json, "read_ms", json_pack("{s:f, s:f}", "start",
					j->start_ms, "end", j->end_ms));
	if (j->json && j->ok[0] && j->ok[1])
		diff_into(j, j->json);
	return j->json;
}

/* ---- where -------------------------------------------------------------------------- */

/* "+48,210 instances of `Session` (+3.0 MiB)" */
static json_t *class_line(const json_t *c)
{
	char line[400], n[40], name[200], size[32];
	double b = (double)json_integer_value(json_object_get(c, "bytes"));

	goprof_count(n, sizeof(n), json_integer_value(json_object_get(c, "instances")));
	if (b >= 1024.0 * 1024)
		snprintf(size, sizeof(size), "%+.1f MiB", b / (1024.0 * 1024));
	else
		snprintf(size, sizeof(size), "%+.0f KiB", b / 1024);
	snprintf(line, sizeof(line), "%s instances of `%s` (%s) (jcmd GC.class_histogram)", n,
		 text_escape_buf(name, sizeof(name), json_string_value(json_object_get(c,
										  "class"))),
		 size);
	text_utf8_trim(line);
	return json_string(line);
}

void evidence_jvm_where(const json_t *jvm, json_t *where)
{
	const json_t *top = json_object_get(jvm, "top");
	json_t *rss = json_object_get(where, "rss");
	size_t n = json_array_size(top) < 2 ? json_array_size(top) : 2;

	if (!rss)
		return;
	/* after the lines naming the process that grew and its kinds of memory */
	while (n-- > 0)
		evidence_where_insert(rss, 2, class_line(json_array_get(top, n)));
}

void evidence_jvm_free(struct evidence_jvm **j)
{
	if (!*j)
		return;
	spawn_free(&(*j)->start);
	json_decref((*j)->json);
	free(*j);
	*j = NULL;
}
