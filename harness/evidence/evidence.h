/*
 * evidence — where a run grew: the target's process tree read from /proc at the fit window's
 * start and at its end, and the difference, as JSON (summary.json's "evidence") and as a few
 * lines per metric for a person.
 *
 * A snapshot holds, per process: pid, comm, argv[0], RSS, threads, FDs; memory by class
 * (RssAnon, RssFile, RssShmem from status; from smaps the Rss of [heap], thread stacks,
 * anonymous and file-backed mappings); and its mappings, to find the ones that grew.  Over the
 * whole tree: a histogram of thread names (task/TID/comm) and the FDs by kind — sockets
 * resolved through PID/net/{tcp,tcp6,udp,udp6,unix} to their endpoints, pipes, anon_inode
 * kinds (eventfd, timerfd, eventpoll, ...), files grouped by directory.
 *
 * Thread stacks: glibc's thread stacks are anonymous mappings, which smaps does not name.  A
 * thread's stack is the mapping holding its user stack pointer, which task/TID/syscall shows
 * for a thread blocked in a system call (as leaked threads are).  The stat field kstkesp is
 * not used: kernels show it as 0 unless the thread is dumping core.  A thread running at
 * the instant of the read shows no registers; its stack then counts as anonymous.
 *
 * Bounds: a snapshot keeps at most EVIDENCE_MAX_PROCS processes, EVIDENCE_MAX_MAPS mappings,
 * EVIDENCE_MAX_FDS FDs and EVIDENCE_MAX_THREADS threads read in detail, and
 * EVIDENCE_MAX_GROUPS thread names and FD kinds (the rest is counted under "other"); the JSON
 * keeps the top EVIDENCE_TOP of each list.  Past a bound the totals stay right and
 * "truncated" says what was cut.
 *
 * The evidence object (summary.json, leaksoak(1) EVIDENCE):
 *   { "start_s", "end_s": when the snapshots were read (seconds since the run started),
 *     "processes": [ { "pid", "comm", "argv0", "status": "both" | "new" | "gone",
 *                      "rss_kib", "threads", "fds": { "start", "end", "delta" },
 *                      "memory_kib": { "rss_anon", "rss_file", "rss_shmem", "heap",
 *                                      "stack", "anon", "file", "other":
 *                                      { "start", "end", "delta" } } } ],
 *     "threads_by_name": [ { "name", "start", "end", "delta" } ],
 *     "fds_by_kind": [ { "kind", "detail", "start", "end", "delta" } ],
 *     "top_mappings": [ { "pid", "address", "name", "class", "start_kib", "end_kib",
 *                         "delta_kib" } ],
 *     "new_mappings": { "heap", "stack", "anon", "file", "other": { "count", "kib" } },
 *     "where": { "rss": [lines], "rss_anon": [lines], "threads": [lines], "fds": [lines] },
 *     "truncated": bool }
 * (evidence_run adds "read_ms", "files", "http_get" and "heaptrack".)
 * Lists are sorted by growth, largest first.  FD kinds: "tcp", "tcp6", "udp", "udp6", "unix",
 * "socket" (another family), "pipe", "anon_inode", "file", "other"; a TCP detail is
 * "to ADDR:PORT", "accepted on ADDR:PORT" (the local end of a listening port) or
 * "listening on ADDR:PORT".
 */
#ifndef LEAKSOAK_EVIDENCE_H
#define LEAKSOAK_EVIDENCE_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

#include "evidence/groups.h"

#define EVIDENCE_MAX_PROCS 256
#define EVIDENCE_MAX_MAPS 16384
#define EVIDENCE_MAX_FDS 65536
#define EVIDENCE_MAX_THREADS 16384
#define EVIDENCE_MAX_GROUPS GROUPS_MAX	/* 256 (groups.h) */
#define EVIDENCE_TOP 8
#define EVIDENCE_MAX_LINES 4	/* the lines of one metric read from /proc */
#define EVIDENCE_MAX_WHERE 8	/* with those the runtime's profiles add (heaptrack, pprof) */

struct evidence_snapshot;

/*
 * Read pids[0, n) (the target's tree, root first) under proc_dir ("/proc" when NULL).  t_s
 * is recorded as when it was read.  A process that vanishes while being read is skipped.
 * Returns a snapshot to free with evidence_snapshot_free, or NULL when out of memory
 * (message printed).
 */
struct evidence_snapshot *evidence_snapshot_take(const char *proc_dir, const pid_t *pids,
						 size_t n, double t_s);

/* The processes read (those still alive when read). */
size_t evidence_snapshot_procs(const struct evidence_snapshot *s);

/* The snapshot as JSON (the raw evidence-start.json / evidence-end.json).  New reference. */
json_t *evidence_snapshot_json(const struct evidence_snapshot *s);

/*
 * The evidence object of start and end (shape at the top).  New reference, or NULL when out
 * of memory.  The caller may add "files", "heaptrack" and "http_get" to it.
 */
json_t *evidence_diff_json(const struct evidence_snapshot *start,
			   const struct evidence_snapshot *end);

/* The "where" lines of metric in an evidence object: a borrowed array, or NULL. */
const json_t *evidence_where(const json_t *evidence, const char *metric);

/*
 * Put line (a new reference, stolen; NULL is ignored) at pos of the where array lines (at its
 * end when pos is past it), then keep only its first EVIDENCE_MAX_WHERE lines: how the
 * runtime's own evidence (heaptrack, pprof, class histograms, heap against RSS) places its
 * lines among those read from /proc.
 */
void evidence_where_insert(json_t *lines, size_t pos, json_t *line);

/* evidence_where_insert into where[metric], an array made when where has none. */
void evidence_where_add(json_t *where, const char *metric, size_t pos, json_t *line);

void evidence_snapshot_free(struct evidence_snapshot **s);

#endif
