/*
 * sampler — memory, threads, FDs and CPU of a process and all its descendants, summed.
 *
 * The live path reads /proc; tests point it at a fixture tree with the same layout
 * (PROC/PID/{stat,statm,status,fd/,task/,smaps_rollup}) by passing its directory.
 */
#ifndef LEAKSOAK_SAMPLER_H
#define LEAKSOAK_SAMPLER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sampler;

struct sample {
	double t_s;		/* set by the caller: seconds since the run started (monotonic) */
	uint64_t rss_kib;	/* resident set, summed over the tree */
	uint64_t rss_anon_kib;	/* of which anonymous (not file-backed, not shmem) */
	uint32_t threads;
	uint32_t fds;
	uint32_t procs;		/* processes in the tree, root included */
	double cpu_s;		/* user + system CPU seconds, cumulative, of the live tree */
};

/*
 * Watch root and its descendants.  proc_dir is "/proc" for the live system (NULL means the
 * same) or a fixture directory.  Returns NULL after printing why (e.g. no such process).
 * The caller frees with sampler_free.
 */
struct sampler *sampler_new(pid_t root, const char *proc_dir);

/*
 * Watch root and every descendant of tree_root (root is one of them): the tree of a target
 * started under its keeper (target_tree_root), which no process of the tree can leave.  The
 * keeper itself is not sampled.  New processes are found at the first sample after they
 * appear.  Otherwise as sampler_new.
 */
struct sampler *sampler_new_tree(pid_t root, pid_t tree_root, const char *proc_dir);

/*
 * Take one sample into *out (all fields but t_s).  Processes that appeared since the last
 * call are found and ones that vanished are dropped.  Returns 0, or -1 when the root itself is
 * gone (or a zombie): *out is then not a data point.
 */
int sampler_read(struct sampler *s, struct sample *out);

/*
 * LazyFree of the tree in KiB (smaps_rollup).  Expensive — it walks every mapping and holds the
 * target's mmap lock — so call it on a slower cadence than sampler_read.  0 or -1.
 */
int sampler_read_lazyfree(struct sampler *s, uint64_t *kib);

/*
 * The processes of the tree as of the last sampler_read, root first: up to n PIDs into out.
 * Returns how many there are (more than n when out was too short).  For evidence, which
 * reads the same tree in detail at the fit window's edges.
 */
size_t sampler_members(const struct sampler *s, pid_t *out, size_t n);

void sampler_free(struct sampler **s);

#endif
