/*
 * metric — the one table of what a run samples and gates.
 *
 * The built-in metrics are read from /proc by the sampler; a scenario may add Prometheus
 * series (sample.prometheus), which join a run's metric set after the built-ins.  Everything
 * that names, stores, gates, prints or plots a metric (samples.csv, the scenario's gate keys,
 * gate, summary.json, the report, the plot, watch) loops over a metric set and reads the
 * definitions here, so a new built-in metric is its metric_id, its row of metric_builtin and
 * its line in metric_builtin_sampled, plus the place that samples it (sampler.h, sampler.c);
 * its gate options of run and watch, and their help, come from its row (cli/options.h).
 */
#ifndef LEAKSOAK_METRIC_H
#define LEAKSOAK_METRIC_H

#include <stddef.h>

struct sample;

enum metric_kind {
	METRIC_SIZE,	/* an amount (memory): judged on its climb, never "grew once" */
	METRIC_COUNT,	/* a count that moves in steps: must rise within both halves */
};

struct metric_def {
	const char *name;	/* "rss": key of summary.json's metrics, of gate.metrics; whys */
	const char *column;	/* "rss_kib": its samples.csv column */
	const char *unit;	/* "KiB", "threads", "fds", "bytes", "" */
	const char *rate_unit;	/* "KiB/min": how its slopes are shown */
	const char *gate_key;	/* "rss_kib_per_min": its own key in "gate"; NULL: only under
				   gate.metrics (Prometheus series) */
	double gate_default;	/* growth allowed per minute; < 0: not gated unless asked */
	enum metric_kind kind;
	int lazyfree;		/* 1: judged net of LazyFree when gate.rss_discount_lazyfree */
	int first_columns;	/* 1: among the columns every samples.csv has had (rss, threads,
				   fds); the others follow them, in table order */
	const char *noun;	/* "RSS", "thread": what its gate is called in words ("thread
				   gate"); NULL for a series */
};

/* The built-ins, in table order (which is also the order they are shown in). */
enum metric_id { METRIC_RSS, METRIC_RSS_ANON, METRIC_THREADS, METRIC_FDS, METRIC_N_BUILTIN };

/* Prometheus series a scenario may add, and so the most metrics a run has. */
#define METRIC_MAX_SERIES 16
#define METRIC_MAX (METRIC_N_BUILTIN + METRIC_MAX_SERIES)
/* The longest name of a series (a samples.csv column and a gate key). */
#define METRIC_SERIES_NAME_MAX 64

extern const struct metric_def metric_builtin[METRIC_N_BUILTIN];

/* The metrics of one run: the built-ins, then its series.  Strings are borrowed. */
struct metric_set {
	struct metric_def def[METRIC_MAX];
	size_t n;
};

/* The built-ins alone. */
void metric_set_init(struct metric_set *set);

/* Each built-in's reading in a sample of the tree (sampler.h) into v, by metric_id. */
void metric_builtin_sampled(const struct sample *s, double v[METRIC_N_BUILTIN]);

/* A set of the built-ins alone that lives as long as the program (initialised once). */
const struct metric_set *metric_builtin_set(void);

/*
 * Append a series named name (also its samples.csv column; the caller keeps the string
 * alive as long as the set), not gated by default.  Its kind and unit follow the Prometheus
 * naming conventions: a name ending in "_bytes" is a size in bytes, anything else a count.
 * Returns its index, or -1 when the set is full or the name is taken.
 */
int metric_set_add_series(struct metric_set *set, const char *name);

/* The longest gate option name, NUL included ("--max-rss-anon-kib-per-min"). */
#define METRIC_GATE_OPTION_LEN 48

/*
 * The command-line option of a gate key, as watch and run name it: "--max-" and the key
 * with '-' for '_' ("rss_kib_per_min" -> "--max-rss-kib-per-min"), into buf.
 */
void metric_gate_option(const char *gate_key, char *buf, size_t len);

/* The index of the metric called name in set, or -1. */
int metric_find(const struct metric_set *set, const char *name);

#endif
