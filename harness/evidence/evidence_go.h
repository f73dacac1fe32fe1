/*
 * evidence_go — a Go target's own profiles at the fit window's edges (evidence.go_pprof):
 * where its heap grew, by `go tool pprof -top -base`, and which goroutines piled up, by stack.
 *
 * Files in the run folder:
 *   go-heap-start.pb.gz, go-heap-end.pb.gz        heap?gc=1 (pprof's protobuf, gzip)
 *   go-goroutine-start.txt, go-goroutine-end.txt  goroutine?debug=1
 *   go-heap-top.txt                               what go tool pprof printed
 * The profiles come through http_fetch (loopback only unless drive.allow_remote, as
 * evidence.http_get).  go tool pprof runs once the run is over, never between samples;
 * without "go" in PATH the profiles stay and the command is printed.
 *
 * summary.json's evidence.go_pprof:
 *   { "url", "files": { "heap_start", "heap_end", "goroutine_start", "goroutine_end" },
 *     "status": { "heap_start", "heap_end", "goroutine_start", "goroutine_end" }  (HTTP),
 *     "heap": { "command", "text" | null, "error" | null, "total_bytes",
 *               "top": [ { "function", "flat_bytes", "cum_bytes" } ] }   (growing, largest
 *               first, at most GOPROF_TOP),
 *     "goroutines": { "start", "end", "delta", "truncated",
 *                     "top": [ { "function", "location", "start", "end", "delta" } ] } | null,
 *     "read_ms": { "start", "end" }  (the fetches, between two samples: wall time),
 *     "pprof_ms"  (go tool pprof, after the run) }
 */
#ifndef LEAKSOAK_EVIDENCE_GO_H
#define LEAKSOAK_EVIDENCE_GO_H

#include <jansson.h>

#include "scenario/scenario.h"

struct evidence_go;

/* The profiles of url (evidence.go_pprof.url, ending in '/') kept in out_dir.  NULL: OOM. */
struct evidence_go *evidence_go_new(const char *out_dir, const char *url, int allow_remote);

/* Fetch the heap and goroutine profiles: at the window's start (end 0) or end (end 1). */
void evidence_go_read(struct evidence_go *g, int end);

/*
 * evidence.go_pprof (shape above), running go tool pprof the first time; NULL until both
 * edges were read.  Borrowed, valid until evidence_go_free.
 */
json_t *evidence_go_json(struct evidence_go *g);

/*
 * Add the lines a person reads to where (evidence's "where"): the heap's growing functions
 * and the goroutines that piled up under "rss" (shared with "rss_anon"), and under each
 * series of sc whose metric is go_goroutines (goroutines) or a Go heap metric (the heap).
 */
void evidence_go_where(const json_t *go, json_t *where, const struct scenario *sc);

void evidence_go_free(struct evidence_go **g);

#endif
