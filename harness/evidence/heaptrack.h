/*
 * heaptrack — allocation sites, opt-in (target.profile "heaptrack"): the target runs under
 * Debian's heaptrack, and at the end the top leaked call stacks of
 * `heaptrack_print --print-leaks` go into the evidence.
 *
 * heaptrack (1.4) is a shell script: it starts the program with its allocator hooks
 * preloaded, and beside it heaptrack_interpret and a compressor that write the data file.
 * All of them are the target's tree, under its keeper: sampled and ended like any tree.  The
 * data is complete only once the program has exited and the interpreter has drained its
 * pipe, so heaptrack_finish ends the program alone and waits for the script before the
 * tree is stopped.  The profiler's own processes count in the tree's RSS: a run under
 * heaptrack says where, not how fast.
 */
#ifndef LEAKSOAK_HEAPTRACK_H
#define LEAKSOAK_HEAPTRACK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "run/target.h"

#define HEAPTRACK_MAX_STACKS 5
#define HEAPTRACK_MAX_FRAMES 12
#define HEAPTRACK_TEXT_MAX (1 << 20)	/* the most of heaptrack_print's output read */

struct heaptrack_frame {
	char function[160];
	char location[160];	/* "file.c:42", or "" */
	char module[128];	/* the binary or library, or "" */
};

struct heaptrack_stack {
	char leaked[24];	/* as heaptrack prints it: "2.20M" */
	uint64_t leaked_bytes;	/* the same in bytes (heaptrack's units are powers of 1000) */
	uint64_t calls;		/* allocations made from this stack (heaptrack's "calls") */
	struct heaptrack_frame frames[HEAPTRACK_MAX_FRAMES];	/* allocating function first */
	size_t n_frames;
};

struct heaptrack_leaks {
	struct heaptrack_stack stacks[HEAPTRACK_MAX_STACKS];	/* largest first */
	size_t n;
	char total[24];		/* "total memory leaked", or "" */
};

/*
 * The argv that runs cmd under heaptrack, its data written to out_base plus the compressor's
 * suffix (".zst" or ".gz").  malloc'd array (free it alone); its strings are borrowed from
 * cmd and out_base.  NULL when out of memory.
 */
char **heaptrack_argv(char *const *cmd, const char *out_base);

/* The data file heaptrack wrote for out_base (malloc'd path), or NULL when there is none. */
char *heaptrack_data_file(const char *out_base);

/*
 * Let the profiled program end so that heaptrack completes its data: SIGTERM the program
 * alone (the script's child that heaptrack preloaded) and wait up to timeout_ms for the
 * script to exit, or until a signal arrives on signal_fd (a signalfd; -1: none), which is
 * read.  0 when the script exited, -1 when it did not (the caller stops the tree anyway);
 * *signo is the signal that ended the wait, or 0.
 */
int heaptrack_finish(struct target *t, unsigned timeout_ms, int signal_fd, int *signo);

/*
 * Run heaptrack_print --print-leaks on data, its output saved to txt_path, then parse it.
 * 0, or -1 after printing why (not installed, timed out, nothing readable).
 */
int heaptrack_print_leaks(const char *data, const char *txt_path, unsigned timeout_ms,
			  struct heaptrack_leaks *out);

/*
 * Parse the output of `heaptrack_print --print-leaks` (text[0, len), any bytes) into *out:
 * the MEMORY LEAKS section's first HEAPTRACK_MAX_STACKS stacks.  Returns the stacks found
 * (0 when the section is missing or empty).
 */
size_t heaptrack_parse_leaks(const char *text, size_t len, struct heaptrack_leaks *out);

/* {"total", "stacks": [{"leaked", "leaked_bytes", "calls", "frames": [{"function",
 * "location", "module"}]}]}.  New reference. */
json_t *heaptrack_leaks_json(const struct heaptrack_leaks *l);

#endif
