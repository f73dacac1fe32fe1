/*
 * heapcmp — which grew over the fit window: a runtime's heap, or RSS outside it (heapcmp.h).
 */
#include "evidence/heapcmp.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "evidence/evidence.h"
#include "evidence/goprof.h"

static const struct {
	const char *metric, *runtime;
} heap_metrics[] = {
	{ "go_memstats_heap_inuse_bytes", "Go" },
	{ "go_memstats_heap_alloc_bytes", "Go" },
	{ "jvm_memory_bytes_used", "JVM" },
	{ "jvm_memory_used_bytes", "JVM" },
	{ "nodejs_heap_size_used_bytes", "Node" },
};

const char *heapcmp_runtime(const char *metric)
{
	for (size_t i = 0; i < sizeof(heap_metrics) / sizeof(heap_metrics[0]); i++)
		if (!strcmp(metric, heap_metrics[i].metric))
			return heap_metrics[i].runtime;
	return NULL;
}

/* "14.0 MiB" or "512 KiB". */
static const char *kib_text(char *buf, size_t len, double kib)
{
	if (fabs(kib) >= 1024)
		snprintf(buf, len, "%+.1f MiB", kib / 1024);
	else
		snprintf(buf, len, "%+.0f KiB", kib);
	return buf;
}

/*
 * What memory outside a runtime's heap may be: for Go with goroutines piling up, their
 * stacks first (the heap profile does not hold them).
 */
static void outside_what(char *buf, size_t len, const char *rt, long long goroutines)
{
	char n[40];

	if (!strcmp(rt, "Go") && goroutines >= GOPROF_GOROUTINES_MIN)
		snprintf(buf, len, "the stacks of %s goroutines, C allocations, or pages freed "
			 "with MADV_FREE", goprof_count(n, sizeof(n), goroutines) + 1);
	else
		snprintf(buf, len, "C allocations, or pages freed with MADV_FREE");
}

/* The verdict and its sentence for RSS and heap growth (KiB) of runtime rt. */
static const char *compare(double rss, double heap, const char *rt, long long goroutines,
			   char *line, size_t len)
{
	char r[32], h[32], what[160];

	kib_text(r, sizeof(r), rss);
	kib_text(h, sizeof(h), heap);
	outside_what(what, sizeof(what), rt, goroutines);
	if (rss < HEAPCMP_MIN_KIB && heap < HEAPCMP_MIN_KIB) {
		snprintf(line, len, "neither RSS (%s) nor the %s heap (%s) grew", r, rt, h);
		return "neither";
	}
	if (heap >= 0.5 * rss) {
		if (rss < HEAPCMP_MIN_KIB)
			snprintf(line, len, "the %s heap grew %s while RSS did not (%s): the heap "
				 "reuses memory it already held", rt, h, r);
		else
			snprintf(line, len, "the %s heap grew %s of RSS's %s", rt, h, r);
		return "heap";
	}
	if (heap < 0.1 * rss || heap < HEAPCMP_MIN_KIB) {
		snprintf(line, len, "RSS %s while the %s heap stayed flat (%s): memory outside the "
			 "%s heap (%s)", r, rt, h, rt, what);
		return "outside";
	}
	snprintf(line, len, "RSS %s, of which the %s heap %s: the rest is outside the %s heap "
		 "(%s)", r, rt, h, rt, what);
	return "both";
}

json_t *heapcmp_json(const struct gate_report *rep, const struct scenario *sc,
		     long long goroutines)
{
	const struct gate_metric *rss = &rep->metric[METRIC_RSS], *heap = NULL;
	const char *rt = NULL, *name = NULL;
	double rss_kib, heap_kib;
	char line[300];

	for (size_t i = 0; i < sc->prometheus.n_series && !rt; i++)
		if ((rt = heapcmp_runtime(sc->prometheus.series[i].metric))) {
			name = sc->prometheus.series[i].name;
			heap = &rep->metric[METRIC_N_BUILTIN + i];
		}
	if (!rt || METRIC_N_BUILTIN + sc->prometheus.n_series > rep->n_metrics || !rss->fitted ||
	    !heap->fitted || !(rep->fitted_s > 0))
		return NULL;
	rss_kib = (rep->has_rss_raw ? rep->rss_raw.theil_sen.slope : rss->fit.theil_sen.slope) *
		  rep->fitted_s;
	heap_kib = heap->fit.theil_sen.slope * rep->fitted_s / 1024;
	const char *which = compare(rss_kib, heap_kib, rt, goroutines, line, sizeof(line));
	return json_pack("{s:s, s:s, s:f, s:f, s:f, s:s, s:s}", "series", name, "runtime", rt,
			 "window_s", rep->fitted_s, "rss_kib", rss_kib, "heap_kib", heap_kib,
			 "which", which, "line", line);
}

void heapcmp_add(json_t *evidence, const struct gate_report *rep, const struct scenario *sc)
{
	json_t *c, *where = json_object_get(evidence, "where");
	const char *line, *which;

	long long goroutines = json_integer_value(json_object_get(json_object_get(
		json_object_get(evidence, "go_pprof"), "goroutines"), "delta"));

	if (!evidence || !(c = heapcmp_json(rep, sc, goroutines)))
		return;
	line = json_string_value(json_object_get(c, "line"));
	which = json_string_value(json_object_get(c, "which"));
	if (where && strcmp(which, "neither")) {
		/* right after the process that grew: it says what kind of memory that was */
		evidence_where_add(where, "rss", 1, json_string(line));
		evidence_where_add(where, json_string_value(json_object_get(c, "series")), 0,
				   json_string(line));
	}
	json_object_set_new(evidence, "heap_vs_rss", c);
}
