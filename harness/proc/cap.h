/*
 * cap — the limits a run puts on its target's tree: resident memory and process count.
 *
 * A runaway leak must not take the machine down, and a fork bomb must not exhaust its PIDs:
 * the harness checks each sample against the caps and stops the tree that crosses one, and
 * the run's verdict is then "leak" with the reason (leaksoak(1), CAPS).  The default memory
 * cap is half of MemAvailable at the start, shared between the runs of `soak -j N`.
 */
#ifndef LEAKSOAK_CAP_H
#define LEAKSOAK_CAP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "proc/sampler.h"

/* Bounds of target.max_rss_kib / --max-rss-kib (1 MiB to 4 TiB) and of the process cap. */
#define CAP_MIN_RSS_KIB 1024u
#define CAP_MAX_RSS_KIB 4294967295u
#define CAP_MAX_PROCS 4194304u
/* The default process cap: far above any bundled target, far below a fork bomb's reach. */
#define CAP_DEFAULT_PROCS 1024u

struct cap_limits {
	uint64_t max_rss_kib;	/* 0: none */
	uint32_t max_procs;	/* 0: none */
};

enum cap_kind { CAP_NONE, CAP_RSS, CAP_PROCS };

/* The cap a sample crossed. */
struct cap_hit {
	enum cap_kind kind;
	double t_s;
	uint64_t value, limit;
};

/*
 * The default memory cap: half of MemAvailable (read from meminfo_path, normally
 * "/proc/meminfo") divided by share (>= 1), at least CAP_MIN_RSS_KIB.  0 if it cannot be
 * read (no cap then; a warning is printed).
 */
uint64_t cap_default_rss_kib(const char *meminfo_path, unsigned share);

/* 1 when s crosses a cap (filling *hit, t_s from s), else 0.  Memory is checked first. */
int cap_check(const struct cap_limits *c, const struct sample *s, struct cap_hit *hit);

/* "exceeded its memory cap at t = 3.2 s (524288 KiB > 512000 KiB)" and the like. */
void cap_describe(const struct cap_hit *hit, char *buf, size_t len);

/* summary.json's "cap": {"kind", "t_s", "value", "limit"}; null when none was crossed. */
json_t *cap_json(const struct cap_hit *hit);

/* A count for --max-rss-kib, --max-procs or --mem-share: 0 and *out, or -1 (no message). */
int cap_parse(const char *s, unsigned long long lo, unsigned long long hi, uint64_t *out);

#endif
