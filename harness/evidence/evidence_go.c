/*
 * evidence_go — fetch a Go target's heap and goroutine profiles at the window's edges and
 * say, in Go's terms, what grew between them (evidence_go.h).
 */
#include "evidence/evidence_go.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/runfiles.h"
#include "base/diag.h"
#include "run/http.h"
#include "evidence/evidence.h"
#include "evidence/goprof.h"
#include "base/path.h"
#include "base/spawn.h"
#include "base/text.h"

#define FETCH_TIMEOUT_MS 10000
#define PPROF_TIMEOUT_MS 30000

enum { HEAP_START, HEAP_END, GR_START, GR_END, N_FILES };

static const char *const file_name[N_FILES] = {
	RUNFILE_GO_HEAP_START, RUNFILE_GO_HEAP_END, RUNFILE_GO_GOROUTINE_START,
	RUNFILE_GO_GOROUTINE_END,
};
static const char *const file_key[N_FILES] = {
	"heap_start", "heap_end", "goroutine_start", "goroutine_end",
};
static const char *const file_query[N_FILES] = {
	"heap?gc=1", "heap?gc=1", "goroutine?debug=1", "goroutine?debug=1",
};

#define TOP_TXT RUNFILE_GO_HEAP_TOP

struct evidence_go {
	const char *out_dir;
	char *url;		/* ends in '/' */
	int allow_remote;
	long status[N_FILES];	/* HTTP status of each fetch; 0: none */
	int read[2];		/* start, end fetched */
	double read_ms[2];	/* what each edge's fetches took: the pause between two samples */
	double pprof_ms;	/* what go tool pprof took (after the run) */
	json_t *json;
};

struct evidence_go *evidence_go_new(const char *out_dir, const char *url, int allow_remote)
{
	struct evidence_go *g = malloc(sizeof(*g));
	size_t n = strlen(url);

	if (!g)
		return NULL;
	*g = (struct evidence_go){ .out_dir = out_dir, .allow_remote = allow_remote };
	if (asprintf(&g->url, "%s%s", url, n && url[n - 1] == '/' ? "" : "/") < 0) {
		free(g);
		return NULL;
	}
	return g;
}

static void fetch_one(struct evidence_go *g, int k)
{
	char *url = NULL, *path = path_join(g->out_dir, file_name[k]);

	if (path && asprintf(&url, "%s%s", g->url, file_query[k]) >= 0)
		g->status[k] = http_fetch(url, FETCH_TIMEOUT_MS, g->allow_remote, path);
	else
		url = NULL;
	free(url);
	free(path);
}

void evidence_go_read(struct evidence_go *g, int end)
{
	if (!g || (end && !g->read[0]))
		return;
	int64_t t0 = clock_now_ns();

	fetch_one(g, end ? HEAP_END : HEAP_START);
	fetch_one(g, end ? GR_END : GR_START);
	g->read[end] = 1;
	g->read_ms[end] = (double)(clock_now_ns() - t0) / CLOCK_NS_PER_MS;
}

/* ---- the heap ----------------------------------------------------------------------- */

static json_t *heap_command(void)
{
	char *argv[GOPROF_ARGV_MAX], cmd[256] = "";
	size_t used = 0;

	goprof_top_argv(file_name[HEAP_START], file_name[HEAP_END], argv);
	for (int i = 0; argv[i] && used < sizeof(cmd); i++)
		used += (size_t)snprintf(cmd + used, sizeof(cmd) - used, "%s%s", i ? " " : "",
					 argv[i]);
	return json_string(cmd);
}

/*
 * Rows largest first by flat bytes, or by cumulative bytes when cum; rows that tie keep
 * pprof's order.  Insertion sort: a few dozen rows.
 */
static void sort_rows(const struct goprof_fn **v, size_t n, int cum)
{
	for (size_t i = 1; i < n; i++)
		for (size_t k = i; k && (cum ? v[k]->cum_bytes > v[k - 1]->cum_bytes :
					 v[k]->flat_bytes > v[k - 1]->flat_bytes); k--) {
			const struct goprof_fn *x = v[k];
			v[k] = v[k - 1];
			v[k - 1] = x;
		}
}

/* The functions whose in-use bytes grew, largest first. */
static json_t *heap_top_json(const struct goprof_top *t)
{
	const struct goprof_fn *grew[GOPROF_MAX_FNS];
	size_t n = 0;
	json_t *a = json_array();

	for (size_t i = 0; i < t->n; i++)
		if (t->fns[i].flat_bytes > 0)
			grew[n++] = &t->fns[i];
	sort_rows(grew, n, 0);
	for (size_t i = 0; i < n && i < GOPROF_TOP; i++)
		json_array_append_new(a, json_pack("{s:o, s:I, s:I}", "function",
						   text_json_string(grew[i]->function),
						   "flat_bytes", (json_int_t)grew[i]->flat_bytes,
						   "cum_bytes", (json_int_t)grew[i]->cum_bytes));
	return a;
}

/*
 * The program's own functions (package main) on the growing paths, most cumulative bytes
 * first: an allocation flat in strings.(*Builder).Write is placed by whoever called it, and
 * that is where a Go engineer looks next (pprof's "list" of it).
 */
static json_t *heap_own_json(const struct goprof_top *t)
{
	const struct goprof_fn *own[GOPROF_MAX_FNS];
	size_t n = 0;
	json_t *a = json_array();

	for (size_t i = 0; i < t->n; i++)
		if (strncmp(t->fns[i].function, "main.", 5) == 0 &&
		    t->fns[i].cum_bytes >= GOPROF_HEAP_SILENT_BYTES)
			own[n++] = &t->fns[i];
	sort_rows(own, n, 1);
	for (size_t i = 0; i < n && i < GOPROF_OWN; i++)
		json_array_append_new(a, json_pack("{s:o, s:I}", "function",
						   text_json_string(own[i]->function),
						   "cum_bytes", (json_int_t)own[i]->cum_bytes));
	return a;
}

static int timed_top_run(struct evidence_go *g, const char *start, const char *end,
			 const char *txt, struct goprof_top *t)
{
	int64_t t0 = clock_now_ns();
	int ret = goprof_top_run(start, end, txt, PPROF_TIMEOUT_MS, t);

	g->pprof_ms = (double)(clock_now_ns() - t0) / CLOCK_NS_PER_MS;
	return ret;
}

static json_t *heap_json(struct evidence_go *g)
{
	char *start = path_join(g->out_dir, file_name[HEAP_START]);
	char *end = path_join(g->out_dir, file_name[HEAP_END]);
	char *txt = path_join(g->out_dir, TOP_TXT);
	struct goprof_top *t = calloc(1, sizeof(*t));
	json_t *o = json_pack("{s:o, s:n, s:n, s:I, s:[]}", "command", heap_command(), "text",
			      "error", "total_bytes", (json_int_t)0, "top");

	if (!start || !end || !txt || !t || !o) {
		diag_error("out of memory");
		json_decref(o);
		o = NULL;
		goto out;
	}
	if (g->status[HEAP_START] != 200 || g->status[HEAP_END] != 200)
		json_object_set_new(o, "error", json_string("a heap profile was not fetched"));
	else if (!spawn_in_path("go"))
		json_object_set_new(o, "error", json_string("go is not installed: run the "
							    "command in the run's folder"));
	else if (timed_top_run(g, start, end, txt, t) < 0)
		json_object_set_new(o, "error", json_string("go tool pprof failed (see "
							    TOP_TXT ")"));
	else {
		json_object_set_new(o, "top", heap_top_json(t));
		json_object_set_new(o, "own", heap_own_json(t));
	}
	if (access(txt, R_OK) == 0)
		json_object_set_new(o, "text", json_string(TOP_TXT));
	json_object_set_new(o, "total_bytes", json_integer(t->total_bytes));
out:
	free(start);
	free(end);
	free(txt);
	free(t);
	return o;
}

/* ---- goroutines --------------------------------------------------------------------- */

/* A dump read and parsed: 0, or -1 (unreadable or out of memory). */
static int read_dump(const struct evidence_go *g, int k, struct goprof_goroutines *d)
{
	char *path = path_join(g->out_dir, file_name[k]), *text = NULL;
	size_t len = 0;
	int ret = -1;

	memset(d, 0, sizeof(*d));
	if (!path || g->status[k] != 200 || !(text = goprof_slurp(path, &len)))
		goto out;
	ret = goprof_parse_goroutines(text, len, d);
out:
	free(path);
	free(text);
	return ret;
}

static json_t *goroutines_json(const struct evidence_go *g)
{
	struct goprof_goroutines a, b;
	struct goprof_growth grew[GOPROF_TOP];
	json_t *o = NULL, *top;
	size_t n;

	if (read_dump(g, GR_START, &a) < 0 || read_dump(g, GR_END, &b) < 0)
		goto out;
	n = goprof_goroutines_diff(&a, &b, grew, GOPROF_TOP);
	top = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(top, json_pack("{s:o, s:o, s:I, s:I, s:I}", "function",
						     text_json_string(grew[i].function),
						     "location", text_json_string(grew[i].location),
						     "start", (json_int_t)grew[i].start,
						     "end", (json_int_t)grew[i].end,
						     "delta", (json_int_t)grew[i].delta));
	o = json_pack("{s:I, s:I, s:I, s:b, s:o}", "start", (json_int_t)a.total,
		      "end", (json_int_t)b.total, "delta", (json_int_t)(b.total - a.total),
		      "truncated", a.truncated || b.truncated, "top", top);
out:
	goprof_goroutines_release(&a);
	goprof_goroutines_release(&b);
	return o ? o : json_null();
}

static json_t *files_json(void)
{
	json_t *o = json_object();

	for (int k = 0; k < N_FILES; k++)
		json_object_set_new(o, file_key[k], json_string(file_name[k]));
	return o;
}

static json_t *status_json(const struct evidence_go *g)
{
	json_t *o = json_object();

	for (int k = 0; k < N_FILES; k++)
		json_object_set_new(o, file_key[k], json_integer(g->status[k]));
	return o;
}

json_t *evidence_go_json(struct evidence_go *g)
{
	if (!g || !g->read[0] || !g->read[1])
		return NULL;
	if (!g->json) {
		g->json = json_pack("{s:o, s:o, s:o, s:o, s:o}", "url", text_json_string(g->url),
				    "files", files_json(), "status", status_json(g),
				    "heap", heap_json(g), "goroutines", goroutines_json(g));
		json_object_set_new(g->json, "read_ms", json_pack("{s:f, s:f}", "start",
					g->read_ms[0], "end", g->read_ms[1]));
		json_object_set_new(g->json, "pprof_ms", json_real(g->pprof_ms));
	}
	return g->json;
}

/* ---- where -------------------------------------------------------------------------- */

/* "12.8 MiB" / "512 KiB" for bytes. */
static const char *size_text(char *buf, size_t len, double bytes)
{
	if (bytes >= 1024.0 * 1024)
		snprintf(buf, len, "%.1f MiB", bytes / (1024.0 * 1024));
	else
		snprintf(buf, len, "%.0f KiB", bytes / 1024.0);
	return buf;
}

/* 1 when a row of the heap's top names a function of the program, not of the runtime. */
static int grew_outside_runtime(const json_t *f)
{
	const char *fn = json_string_value(json_object_get(f, "function"));

	return fn && strncmp(fn, "runtime.", 8) != 0 &&
	       json_integer_value(json_object_get(f, "flat_bytes")) >= GOPROF_HEAP_SILENT_BYTES;
}

/*
 * "Go heap (go tool pprof -base, inuse_space): +12.8 MiB in main.f, ...", or that the diff
 * is silent; NULL when pprof gave nothing to say (its error stands in the JSON).  The
 * runtime's own rows (runtime.malg: the structures of new goroutines) are left to the
 * goroutines' lines.
 */
static json_t *heap_line(const json_t *heap)
{
	const json_t *top = json_object_get(heap, "top");
	char line[400], name[96], size[32];
	size_t used, i, shown = 0;
	json_t *f;

	if (!json_is_null(json_object_get(heap, "error")) || !json_is_array(top))
		return NULL;
	used = (size_t)snprintf(line, sizeof(line), "Go heap (go tool pprof -base, inuse_space):");
	json_array_foreach(top, i, f) {
		if (shown == 3 || used >= sizeof(line))
			break;
		if (!grew_outside_runtime(f))
			continue;
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s +%s in %s",
					 shown++ ? "," : "", size_text(size, sizeof(size),
					 (double)json_integer_value(json_object_get(f, "flat_bytes"))),
					 text_escape_buf(name, sizeof(name), json_string_value(
						 json_object_get(f, "function"))));
	}
	if (!shown)
		return json_string("the Go heap diff is silent (go tool pprof -base): no function "
				   "outside the runtime grew its in-use bytes by 1 MiB or more");
	json_array_foreach(json_object_get(heap, "own"), i, f) {
		if (used >= sizeof(line))
			break;
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s %s", i ?
					 "," : "; from the program's own", text_escape_buf(name,
					 sizeof(name), json_string_value(json_object_get(f,
					 "function"))));
	}
	text_utf8_trim(line);
	return json_string(line);
}

/* "+1,812 goroutines parked in main.(*Queue).loop (stopped-ticker/main.go:59)" */
static json_t *goroutine_line(const json_t *st)
{
	char line[400], n[40], fn[160], at[160];

	goprof_count(n, sizeof(n), json_integer_value(json_object_get(st, "delta")));
	snprintf(line, sizeof(line), "%s goroutines parked in %s (%s)", n,
		 text_escape_buf(fn, sizeof(fn), json_string_value(json_object_get(st,
								      "function"))),
		 text_escape_buf(at, sizeof(at), json_string_value(json_object_get(st,
								      "location"))));
	text_utf8_trim(line);
	return json_string(line);
}

/* The stacks that piled up (the first always, the others from GOPROF_GOROUTINES_MIN). */
static void goroutine_lines(json_t *where, const char *key, const json_t *gr)
{
	size_t n = json_array_size(gr) ? 1 : 0;

	while (n < json_array_size(gr) && json_integer_value(json_object_get(
		json_array_get(gr, n), "delta")) >= GOPROF_GOROUTINES_MIN)
		n++;
	while (n-- > 0)
		evidence_where_add(where, key, 0, goroutine_line(json_array_get(gr, n)));
}

static int is_heap_metric(const char *m)
{
	return !strcmp(m, "go_memstats_heap_inuse_bytes") ||
	       !strcmp(m, "go_memstats_heap_alloc_bytes");
}

void evidence_go_where(const json_t *go, json_t *where, const struct scenario *sc)
{
	const json_t *gr = json_object_get(json_object_get(go, "goroutines"), "top");
	const json_t *heap = json_object_get(go, "heap");

	if (!go || !where)
		return;
	/* after the lines naming the process that grew and its kinds of memory: the runtime's
	 * own words come next */
	if (json_integer_value(json_object_get(json_array_get(gr, 0), "delta")) >=
	    GOPROF_GOROUTINES_MIN)
		evidence_where_add(where, "rss", 2, goroutine_line(json_array_get(gr, 0)));
	evidence_where_add(where, "rss", 2, heap_line(heap));
	for (size_t i = 0; i < sc->prometheus.n_series; i++) {
		const struct scenario_series *s = &sc->prometheus.series[i];
		if (!strcmp(s->metric, "go_goroutines"))
			goroutine_lines(where, s->name, gr);
		else if (is_heap_metric(s->metric))
			evidence_where_add(where, s->name, 0, heap_line(heap));
	}
}

void evidence_go_free(struct evidence_go **g)
{
	if (!*g)
		return;
	free((*g)->url);
	json_decref((*g)->json);
	free(*g);
	*g = NULL;
}
