/*
 * tracegen — synthetic runs of the shapes a soak meets, with their truth, and the reader of
 * recorded corpus traces (the samples.csv files under tests/corpus/traces, written by leaksoak run itself).
 *
 * The generators cover the families no real program gives reliably or often enough to
 * count: compound-Poisson staircases, sawtooth on a rising floor, a rise then a plateau,
 * heavy-tailed outliers, sampling gaps, and the non-leaks a detector must pass.  Each family
 * states its truth ("leak" or "pass") and which metric leaks, so that the unit tests, the
 * property tests and the confusion matrix in `make bench` judge the gate against the same
 * thing.  Seeded (tests/unit/noise.h): the same seed gives the same series everywhere.
 */
#ifndef LEAKSOAK_TRACEGEN_H
#define LEAKSOAK_TRACEGEN_H

#include <stddef.h>
#include <stdint.h>

#include "judge/gate.h"

#define TRACEGEN_HZ 10
#define TRACEGEN_WARMUP_S 5.0

/* A run's samples (NaN where a sample is missing) and the gate it is judged against. */
struct trace {
	size_t n, cap;
	double *t, *rss, *threads, *fds;
	double *lazyfree;	/* NaN where not read; all NaN for the generators */
	int has_lazyfree;	/* some lazyfree reading: RSS is gated net of it */
	double warmup_s;
	double gate_rss, gate_threads, gate_fds;	/* per minute; < 0 not gated */
	/* Generators: when this run's start-up transient truly ends (NaN: it has none), and
	 * whether a verdict on the whole run can know what it is (a fill still going at the end
	 * of a short run is a leak as far as any window shows: such runs are shown, not counted). */
	double transient_end_s;
	int decidable;
};

struct tracegen_family {
	const char *name;
	int leak;		/* the truth: 1 leak, 0 pass */
	const char *metric;	/* "rss", "threads" or "fds": what leaks (or what a pass tempts) */
	double rate_x;		/* a leak's mean growth as a multiple of its gate (0 for a pass) */
	void (*make)(struct trace *tr, double duration_s);
	int startup;		/* a start-up shape: the bench reports where the fit window began */
};

extern const struct tracegen_family tracegen_families[];
extern const size_t tracegen_n_families;

/* Room for cap samples: 0, or -1 when out of memory.  trace_release frees; safe twice. */
int trace_alloc(struct trace *tr, size_t cap);
void trace_release(struct trace *tr);

/* One run of family f, duration_s long at TRACEGEN_HZ, from seed (cap must hold it). */
void tracegen_make(const struct tracegen_family *f, uint64_t seed, double duration_s,
		   struct trace *tr);

/*
 * Read a samples.csv (header row naming t_s, rss_kib, threads, fds, and lazyfree_kib when
 * sampled) into tr, growing it as needed; gates and warm-up are left for the caller.  Torn
 * or malformed rows are skipped.  0, or -1 with a message on stderr.
 */
int trace_load_csv(const char *path, struct trace *tr);

/* The gate's view of the first n samples of tr (pointers into tr). */
void trace_gate_input(const struct trace *tr, size_t n, double max_fit_s, struct gate_input *in);

/* The scenario gate of tr at alpha. */
void trace_scenario_gate(const struct trace *tr, double alpha, struct scenario_gate *g);

/*
 * Replay tr as a run would see it: a look every second from warm-up on, stopping at the first
 * settled look (when early), else one verdict at the end.  Returns 1 leak, 0 pass, -1 when
 * nothing could be fitted; *decided_at_s gets the time of the verdict, and *rep (unless NULL)
 * the report it rests on.
 */
int trace_replay(const struct trace *tr, double alpha, int early, double *decided_at_s,
		 struct gate_report *rep);

#endif
