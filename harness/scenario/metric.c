#include "scenario/metric.h"

#include <stdio.h>
#include <string.h>

#include "proc/sampler.h"

const struct metric_def metric_builtin[METRIC_N_BUILTIN] = {
	[METRIC_RSS] = { "rss", "rss_kib", "KiB", "KiB/min", "rss_kib_per_min", 1024,
			 METRIC_SIZE, 1, 1, "RSS" },
	/* Resident anonymous memory (statm's resident minus shared): what a leak grows, without
	 * the page cache of files the target maps or reads.  Gated only when asked. */
	[METRIC_RSS_ANON] = { "rss_anon", "rss_anon_kib", "KiB", "KiB/min",
			      "rss_anon_kib_per_min", -1, METRIC_SIZE, 1, 0, "anonymous RSS" },
	[METRIC_THREADS] = { "threads", "threads", "threads", "threads/min", "threads_per_min", 1,
			     METRIC_COUNT, 0, 1, "thread" },
	[METRIC_FDS] = { "fds", "fds", "fds", "FDs/min", "fds_per_min", 1, METRIC_COUNT, 0, 1,
		       "FD" },
};

void metric_builtin_sampled(const struct sample *s, double v[METRIC_N_BUILTIN])
{
	v[METRIC_RSS] = (double)s->rss_kib;
	v[METRIC_RSS_ANON] = (double)s->rss_anon_kib;
	v[METRIC_THREADS] = s->threads;
	v[METRIC_FDS] = s->fds;
}

void metric_set_init(struct metric_set *set)
{
	memset(set, 0, sizeof(*set));
	memcpy(set->def, metric_builtin, sizeof(metric_builtin));
	set->n = METRIC_N_BUILTIN;
}

const struct metric_set *metric_builtin_set(void)
{
	static struct metric_set set;

	if (!set.n)
		metric_set_init(&set);
	return &set;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

int metric_set_add_series(struct metric_set *set, const char *name)
{
	int bytes = ends_with(name, "_bytes");

	if (set->n >= METRIC_MAX || metric_find(set, name) >= 0)
		return -1;
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->def[i].column, name) == 0)
			return -1;
	set->def[set->n] = (struct metric_def){
		.name = name, .column = name, .unit = bytes ? "bytes" : "",
		.rate_unit = bytes ? "bytes/min" : "/min", .gate_key = NULL, .gate_default = -1,
		.kind = bytes ? METRIC_SIZE : METRIC_COUNT, .lazyfree = 0, .first_columns = 0,
	};
	return (int)set->n++;
}

int metric_find(const struct metric_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->def[i].name, name) == 0)
			return (int)i;
	return -1;
}

void metric_gate_option(const char *gate_key, char *buf, size_t len)
{
	snprintf(buf, len, "--max-%s", gate_key);
	for (char *p = buf; *p; p++)
		*p = *p == '_' ? '-' : *p;
}
