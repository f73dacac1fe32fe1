/*
 * evidence_run — reads the evidence of a run at the fit window's edges and puts it together
 * for summary.json (evidence_run.h lists the files it writes).
 */
#include "evidence/evidence_run.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "base/clock.h"
#include "base/runfiles.h"
#include "base/diag.h"
#include "run/http.h"
#include "evidence/evidence.h"
#include "evidence/evidence_go.h"
#include "evidence/evidence_jvm.h"
#include "evidence/heaptrack.h"
#include "base/path.h"
#include "record/results.h"
#include "base/text.h"

#define HTTP_GET_TIMEOUT_MS 10000
/* heaptrack_interpret may need a while to drain a busy target's trace */
#define HEAPTRACK_FINISH_MS 30000
#define HEAPTRACK_PRINT_MS 60000

struct evidence_run {
	const char *out_dir;
	const struct scenario *sc;
	struct sampler *sampler;
	struct evidence_snapshot *start, *end;
	json_t *http_get;	/* {"url", "start", "end", "compare"} or NULL */
	json_t *heaptrack;	/* the leaked stacks, {"error"}, or NULL */
	struct evidence_go *go;	/* evidence.go_pprof, or NULL */
	struct evidence_jvm *jvm;	/* evidence.jvm (or auto), or NULL when false */
	json_t *json;		/* built by evidence_run_json */
	double start_ms, end_ms;	/* what reading each snapshot took, wall time */
};

struct evidence_run *evidence_run_new(const char *out_dir, const struct scenario *sc,
				      struct sampler *sampler)
{
	struct evidence_run *e = malloc(sizeof(*e));

	if (e)
		*e = (struct evidence_run){ .out_dir = out_dir, .sc = sc, .sampler = sampler };
	/* the one message for the three allocations: evidence_go_new and _jvm_new say nothing */
	if (!e || (sc->go_pprof_url &&
		   !(e->go = evidence_go_new(out_dir, sc->go_pprof_url, sc->drive.allow_remote))) ||
	    (sc->jvm != 0 && !(e->jvm = evidence_jvm_new(out_dir, sc->jvm == 1)))) {
		evidence_run_free(&e);
		diag_error("out of memory");
		return NULL;
	}
	return e;
}

/*
 * A snapshot of the tree as the sampler last saw it, also written to out_dir/file; *ms gets
 * what reading it took (the pause it put between two samples).
 */
static struct evidence_snapshot *snapshot(struct evidence_run *e, const char *file, double t_s,
					  double *ms)
{
	int64_t t0 = clock_now_ns();
	pid_t pids[EVIDENCE_MAX_PROCS];
	size_t n = sampler_members(e->sampler, pids, EVIDENCE_MAX_PROCS);
	struct evidence_snapshot *s;
	char *path = path_join(e->out_dir, file);
	json_t *j;

	s = evidence_snapshot_take(NULL, pids, n < EVIDENCE_MAX_PROCS ? n : EVIDENCE_MAX_PROCS,
				   t_s);
	*ms = (double)(clock_now_ns() - t0) / CLOCK_NS_PER_MS;
	if (s && path && (j = evidence_snapshot_json(s))) {
		/* the raw file is for people; its loss costs the run nothing */
		if (results_write_json(path, j) < 0)
			diag_warning("evidence: '%s' not written", path);
		json_decref(j);
	}
	free(path);
	return s;
}

/* GET evidence.http_get into out_dir/file: {"file", "status"}. */
static json_t *fetch(struct evidence_run *e, const char *file)
{
	char *path = path_join(e->out_dir, file);
	long status = path ? http_fetch(e->sc->evidence_url, HTTP_GET_TIMEOUT_MS,
					e->sc->drive.allow_remote, path) : 0;

	free(path);
	return json_pack("{s:s, s:I}", "file", file, "status", (json_int_t)status);
}

void evidence_run_window_start(void *cls, double t_s)
{
	struct evidence_run *e = cls;

	e->start = snapshot(e, RUNFILE_EVIDENCE_START, t_s, &e->start_ms);
	if (e->sc->evidence_url) {
		int pprof = strstr(e->sc->evidence_url, "/debug/pprof/") != NULL;
		e->http_get = json_pack("{s:o, s:o, s:o}", "url",
					text_json_string(e->sc->evidence_url),
					"start", fetch(e, RUNFILE_EVIDENCE_HTTP_START),
					"compare", pprof ? json_string("go tool pprof -base "
								      RUNFILE_EVIDENCE_HTTP_START " "
								      RUNFILE_EVIDENCE_HTTP_END) :
						   json_null());
	}
	evidence_go_read(e->go, 0);
	if (e->jvm) {
		pid_t pids[EVIDENCE_MAX_PROCS];
		size_t n = sampler_members(e->sampler, pids, EVIDENCE_MAX_PROCS);
		evidence_jvm_start(e->jvm, pids, n < EVIDENCE_MAX_PROCS ? n : EVIDENCE_MAX_PROCS);
	}
}

void evidence_run_window_end(struct evidence_run *e, double t_s)
{
	if (!e || !e->start)
		return;
	e->end = snapshot(e, RUNFILE_EVIDENCE_END, t_s, &e->end_ms);
	if (e->http_get)
		json_object_set_new(e->http_get, "end", fetch(e, RUNFILE_EVIDENCE_HTTP_END));
	evidence_go_read(e->go, 1);
	evidence_jvm_end(e->jvm);
}

int evidence_run_profile_end(struct evidence_run *e, struct target *t, unsigned grace_ms,
			     int signal_fd)
{
	struct heaptrack_leaks *l;
	char *base, *data = NULL, *txt;
	int signo = 0;

	if (!e || e->sc->profile != SCENARIO_PROFILE_HEAPTRACK)
		return 0;
	base = path_join(e->out_dir, RUNFILE_HEAPTRACK_BASE);
	txt = path_join(e->out_dir, RUNFILE_HEAPTRACK_LEAKS);
	l = malloc(sizeof(*l));
	if (!base || !txt || !l) {
		diag_error("out of memory");
		goto out;
	}
	heaptrack_finish(t, grace_ms > HEAPTRACK_FINISH_MS ? grace_ms : HEAPTRACK_FINISH_MS,
			 signal_fd, &signo);
	if (signo)
		goto out;
	if (!(data = heaptrack_data_file(base))) {
		e->heaptrack = json_pack("{s:s}", "error", "heaptrack wrote no data file "
					 "(see " RUNFILE_TARGET_LOG ")");
		goto out;
	}
	if (heaptrack_print_leaks(data, txt, HEAPTRACK_PRINT_MS, l) < 0) {
		e->heaptrack = json_pack("{s:s}", "error", "heaptrack_print failed "
					 "(see " RUNFILE_HEAPTRACK_LEAKS ")");
		goto out;
	}
	e->heaptrack = heaptrack_leaks_json(l);
	json_object_set_new(e->heaptrack, "data", json_string(strrchr(data, '/') ? strrchr(data, '/') + 1 : data));
	json_object_set_new(e->heaptrack, "text", json_string(RUNFILE_HEAPTRACK_LEAKS));
out:
	free(l);
	free(base);
	free(data);
	free(txt);
	return signo;
}

/* "kv_get <- worker <- start_thread (512.00K over 3000 calls)": the top leaked stack. */
static void heaptrack_line(json_t *where, const json_t *ht)
{
	const json_t *st = json_array_get(json_object_get(ht, "stacks"), 0);
	const json_t *frames = json_object_get(st, "frames");
	char line[320], name[64];
	size_t used = 0, i;
	json_t *f;

	if (!st)
		return;
	used += (size_t)snprintf(line, sizeof(line), "top leaked stack (heaptrack): ");
	json_array_foreach(frames, i, f) {
		if (i == 4 || used >= sizeof(line))
			break;
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s", i ? " <- " : "",
					 text_escape_buf(name, sizeof(name), json_string_value(
						 json_object_get(f, "function"))));
	}
	if (used < sizeof(line))
		snprintf(line + used, sizeof(line) - used, " (%s over %" JSON_INTEGER_FORMAT
			 " calls)", json_string_value(json_object_get(st, "leaked")),
			 json_integer_value(json_object_get(st, "calls")));
	text_utf8_trim(line);
	/* second, after which process grew: the first thing to read once it is known */
	evidence_where_insert((json_t *)where, 1, json_string(line));
}

json_t *evidence_run_json(struct evidence_run *e)
{
	if (!e || !e->start || !e->end)
		return NULL;
	if (e->json)
		return e->json;
	e->json = evidence_diff_json(e->start, e->end);
	if (!e->json)
		return NULL;
	json_object_set_new(e->json, "files", json_pack("{s:s, s:s}", "start",
							RUNFILE_EVIDENCE_START, "end",
							RUNFILE_EVIDENCE_END));
	json_object_set_new(e->json, "read_ms", json_pack("{s:f, s:f}", "start", e->start_ms,
							  "end", e->end_ms));
	json_object_set(e->json, "http_get", e->http_get ? e->http_get : json_null());
	json_object_set(e->json, "heaptrack", e->heaptrack ? e->heaptrack : json_null());
	json_object_set(e->json, "go_pprof", evidence_go_json(e->go) ? evidence_go_json(e->go) :
		json_null());
	evidence_go_where(evidence_go_json(e->go), json_object_get(e->json, "where"), e->sc);
	json_object_set(e->json, "jvm", evidence_jvm_json(e->jvm) ? evidence_jvm_json(e->jvm) :
		json_null());
	evidence_jvm_where(evidence_jvm_json(e->jvm), json_object_get(e->json, "where"));
	if (e->heaptrack && json_object_get(e->heaptrack, "stacks")) {
		heaptrack_line((json_t *)evidence_where(e->json, "rss"), e->heaptrack);
		/* rss and rss_anon share one array (evidence_diff_json): one insert serves both */
	}
	return e->json;
}

void evidence_run_free(struct evidence_run **e)
{
	if (!*e)
		return;
	evidence_snapshot_free(&(*e)->start);
	evidence_snapshot_free(&(*e)->end);
	json_decref((*e)->http_get);
	json_decref((*e)->heaptrack);
	evidence_go_free(&(*e)->go);
	evidence_jvm_free(&(*e)->jvm);
	json_decref((*e)->json);
	free(*e);
	*e = NULL;
}
