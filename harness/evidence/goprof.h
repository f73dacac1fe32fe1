/*
 * goprof — Go's own profiles as evidence (evidence.go_pprof): the heap profile compared by
 * the real `go tool pprof -top -base`, and goroutine dumps (debug=1) diffed per stack.
 *
 * The parsers take any bytes without harm (they are fuzzed: tests/fuzz/fuzz_goprof.c) and
 * are bounded: GOPROF_MAX_STACKS goroutine records, GOPROF_MAX_FNS rows of pprof's table,
 * names cut to their buffers on a character boundary.
 *
 * Goroutine dump (net/http/pprof's goroutine?debug=1):
 *   goroutine profile: total 553
 *   550 @ 0x43b256 0x44b01c 0x673fb4 0x46b181
 *   #	0x673fb3	main.parkedLoop+0x73	/src/goleak/main.go:30
 *   <blank line between records>
 * A record is a count of goroutines sharing one stack (the addresses after '@'); its frames,
 * innermost first, follow on '#' lines.  A stack is named by its innermost frame outside the
 * runtime (not "runtime."), as a Go engineer reads a dump: where the goroutine waits.
 *
 * pprof's table (go tool pprof -top):
 *   Showing nodes accounting for 12559.82kB, 92.46% of 13584.17kB total
 *         flat  flat%   sum%        cum   cum%
 *      13072kB 96.23% 96.23%    13072kB 96.23%  main.retainBlock
 *    -512.17kB  3.77% 92.46%  -512.17kB  3.77%  net/textproto.readMIMEHeader
 * Sizes are pprof's: B, kB, MB, GB, TB, PB, powers of 1024.
 */
#ifndef LEAKSOAK_GOPROF_H
#define LEAKSOAK_GOPROF_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define GOPROF_MAX_STACKS 4096
#define GOPROF_MAX_FNS 64
#define GOPROF_MAX_COUNT 1000000000000LL	/* a larger count of goroutines is not a record */
#define GOPROF_TOP 5		/* growing stacks and functions kept in the JSON */
#define GOPROF_TEXT_MAX (8 << 20)	/* the most of a dump or of pprof's output read */
/* pprof samples the heap every 512 KiB allocated on average: growth of a function under two
 * samples' worth is within its noise */
#define GOPROF_HEAP_SILENT_BYTES (1024 * 1024)
/* The program's own functions named on the heap line, at most. */
#define GOPROF_OWN 4
/* Fewer new goroutines on a stack than this is a connection coming or going, not a pile-up */
#define GOPROF_GOROUTINES_MIN 10

struct goprof_stack {
	uint64_t key;		/* a hash of the stack's addresses */
	long long count;
	char function[160];	/* innermost frame not in runtime.*, "+0x.." cut; "" if none */
	char location[160];	/* its "dir/file.go:59" (the last two parts of the path) */
};

struct goprof_goroutines {
	struct goprof_stack *stacks;	/* malloc'd, n of them */
	size_t n;
	long long total;	/* the dump's "total", or the sum of the counts without one */
	int truncated;		/* more than GOPROF_MAX_STACKS records */
};

/* A stack's growth between two dumps. */
struct goprof_growth {
	long long start, end, delta;
	char function[160];
	char location[160];
};

struct goprof_fn {
	char function[160];	/* " (inline)" cut */
	int64_t flat_bytes, cum_bytes;
};

struct goprof_top {
	struct goprof_fn fns[GOPROF_MAX_FNS];	/* in pprof's order */
	size_t n;
	int64_t total_bytes;	/* "of X total", or 0 */
	int found;		/* the header or the table's head was seen (an empty diff has
				   them and no rows) */
};

/*
 * Parse a debug=1 goroutine dump (text[0, len), any bytes) into *out, which the caller
 * releases with goprof_goroutines_release.  0, or -1 when out of memory (message printed).
 */
int goprof_parse_goroutines(const char *text, size_t len, struct goprof_goroutines *out);

void goprof_goroutines_release(struct goprof_goroutines *g);

/*
 * The stacks of end that grew since start, summed by the frame they are named by, largest
 * first: up to max entries of out.  Returns how many.
 */
size_t goprof_goroutines_diff(const struct goprof_goroutines *start,
			      const struct goprof_goroutines *end, struct goprof_growth *out,
			      size_t max);

/* Parse `go tool pprof -top` output (text[0, len), any bytes).  Returns the rows found. */
size_t goprof_parse_top(const char *text, size_t len, struct goprof_top *out);

/* A pprof size ("13072kB", "-512.17kB", "0", "1.5GB") in bytes into *bytes: 0, or -1. */
int goprof_parse_size(const char *s, int64_t *bytes);

/*
 * The argv of `go tool pprof -top -sample_index=inuse_space -base start end` (strings
 * borrowed; a static-length array the caller provides, GOPROF_ARGV_MAX entries).
 */
#define GOPROF_ARGV_MAX 10
void goprof_top_argv(const char *start, const char *end, char *argv[GOPROF_ARGV_MAX]);

/*
 * Run goprof_top_argv on the profiles start and end (paths), its output saved to txt_path,
 * with a timeout (then it is killed), and parse it.  0, or -1 after printing why (timed out,
 * failed, no table).
 */
int goprof_top_run(const char *start, const char *end, const char *txt_path,
		   unsigned timeout_ms, struct goprof_top *out);

/* The whole of a file, at most GOPROF_TEXT_MAX bytes, malloc'd; NULL when unreadable. */
char *goprof_slurp(const char *path, size_t *len);

/* "+1,812": n with its sign and thousands separators, into buf. */
const char *goprof_count(char *buf, size_t len, long long n);

#endif
