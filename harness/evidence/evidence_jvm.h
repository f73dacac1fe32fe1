/*
 * evidence_jvm — a JVM target's class histogram at the fit window's edges (evidence.jvm):
 * `jcmd PID GC.class_histogram` on the tree's java process, diffed by class (jvmhist.h).
 *
 * jcmd attaches through the target's /tmp/.java_pid<PID> socket, as the same user; it takes
 * a few hundred milliseconds (a JVM of its own), so the start's histogram is started at the
 * window's start and not waited for: it is reaped at the window's end, after the sampling,
 * when the end's is taken.  Each waits at most EVIDENCE_JVM_TIMEOUT_MS, then jcmd is killed
 * and the error says so.
 *
 * Files: jvm-histogram-start.txt, jvm-histogram-end.txt.
 * summary.json's evidence.jvm:
 *   { "pid", "command": "jcmd PID GC.class_histogram", "error": null | "...",
 *     "files": { "start", "end" },
 *     "total": { "instances": { "start", "end", "delta" }, "bytes": { ... } },
 *     "top": [ { "class", "jdk", "instances", "bytes", "end_instances", "end_bytes" } ],
 *     "read_ms": { "start": starting jcmd (between two samples), "end": the end's jcmd } }
 * (top: classes that grew, the application's (no module) first, by bytes; "instances" and
 * "bytes" are the growth.)
 */
#ifndef LEAKSOAK_EVIDENCE_JVM_H
#define LEAKSOAK_EVIDENCE_JVM_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#define EVIDENCE_JVM_TIMEOUT_MS 20000

struct evidence_jvm;

/*
 * Histograms kept in out_dir; required: 1 for evidence.jvm true (a missing JVM or jcmd is
 * an error in the JSON), 0 for auto (nothing without them).  NULL when out of memory.
 */
struct evidence_jvm *evidence_jvm_new(const char *out_dir, int required);

/* At the window's start: find the java process among pids[0, n) and start jcmd on it. */
void evidence_jvm_start(struct evidence_jvm *j, const pid_t *pids, size_t n);

/* At the window's end (sampling over): reap the start's jcmd, run the end's. */
void evidence_jvm_end(struct evidence_jvm *j);

/* evidence.jvm (shape above), or NULL when there is nothing to say.  Borrowed. */
json_t *evidence_jvm_json(struct evidence_jvm *j);

/* Add the classes that grew to where's "rss" (shared with "rss_anon"). */
void evidence_jvm_where(const json_t *jvm, json_t *where);

void evidence_jvm_free(struct evidence_jvm **j);

#endif
