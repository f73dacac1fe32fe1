/*
 * heapcmp — a runtime's heap against RSS over the fit window: which of them grew.
 *
 * When sample.prometheus scrapes a runtime's heap in use next to RSS (Go's
 * go_memstats_heap_inuse_bytes or go_memstats_heap_alloc_bytes; the JVM's
 * jvm_memory_bytes_used / jvm_memory_used_bytes, which the scenario narrows to area="heap";
 * Node's nodejs_heap_size_used_bytes), the growth of each over the window (its Theil–Sen
 * slope times the window judged) says where RSS went:
 *   "RSS +14 MiB while the Go heap stayed flat: memory outside the Go heap (C allocations,
 *    or pages freed with MADV_FREE)"
 *   "the Go heap grew +12 MiB of RSS's +14 MiB"
 * and, when evidence.go_pprof saw goroutines pile up, "... outside the Go heap (the stacks of
 * 1,812 goroutines, C allocations, or pages freed with MADV_FREE)".
 * RSS is the raw RSS (LazyFree included): MADV_FREE pages are what it explains.
 *
 * evidence.heap_vs_rss (summary.json): { "series", "runtime": "Go" | "JVM" | "Node",
 *   "window_s", "rss_kib", "heap_kib", "which": "heap" | "outside" | "both" | "neither",
 *   "line" }
 */
#ifndef LEAKSOAK_HEAPCMP_H
#define LEAKSOAK_HEAPCMP_H

#include <jansson.h>

#include "judge/gate.h"
#include "scenario/scenario.h"

/* RSS growth under this (over the window) is "neither": nothing to explain. */
#define HEAPCMP_MIN_KIB 1024.0

/* The runtime whose heap metric is a sample name ("Go", "JVM", "Node"), or NULL. */
const char *heapcmp_runtime(const char *metric);

/*
 * The comparison for the run judged in rep, of sc's first heap series; NULL when sc scrapes
 * none, or either is not fitted.  goroutines: how many more a Go target had at the window's
 * end (evidence.go_pprof; 0 when unknown), whose stacks are outside the heap.  New reference.
 */
json_t *heapcmp_json(const struct gate_report *rep, const struct scenario *sc,
		     long long goroutines);

/*
 * Add heapcmp_json to evidence (summary.json's): "heap_vs_rss", and its line under "rss"
 * and under the heap series' name.  Nothing when there is nothing to compare.
 */
void heapcmp_add(json_t *evidence, const struct gate_report *rep, const struct scenario *sc);

#endif
