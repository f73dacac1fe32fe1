/*
 * cap — the caps on a target's tree, checked on every sample.
 *
 * Checked by sampling rather than with a cgroup's memory.max or pids.max: those need a
 * writable cgroup v2 hierarchy with the controllers enabled, which neither this project's
 * machines (hybrid layout, the controllers on v1) nor an unprivileged user under systemd
 * has (see target.c).  A sample every interval_ms catches a leak long before it matters; a
 * fork bomb may overshoot the process cap by what it forks in one interval, and the keeper's
 * kill rounds end it however many there are.
 */
#include "proc/cap.h"

#include "base/diag.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t cap_default_rss_kib(const char *meminfo_path, unsigned share)
{
	FILE *f = fopen(meminfo_path, "re");
	unsigned long long kib = 0;
	char line[256];
	int found = 0;

	if (!f) {
		diag_warning("cannot read '%s': %s (no default memory cap)", meminfo_path,
			     strerror(errno));
		return 0;
	}
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "MemAvailable: %llu kB", &kib) == 1;
	fclose(f);
	if (!found) {
		diag_warning("no MemAvailable in '%s' (no default memory cap)", meminfo_path);
		return 0;
	}
	kib = kib / 2 / (share ? share : 1);
	return kib < CAP_MIN_RSS_KIB ? CAP_MIN_RSS_KIB : kib;
}

int cap_check(const struct cap_limits *c, const struct sample *s, struct cap_hit *hit)
{
	if (c->max_rss_kib && s->rss_kib > c->max_rss_kib)
		*hit = (struct cap_hit){ CAP_RSS, s->t_s, s->rss_kib, c->max_rss_kib };
	else if (c->max_procs && s->procs > c->max_procs)
		*hit = (struct cap_hit){ CAP_PROCS, s->t_s, s->procs, c->max_procs };
	else
		return 0;
	return 1;
}

void cap_describe(const struct cap_hit *hit, char *buf, size_t len)
{
	if (hit->kind == CAP_RSS)
		snprintf(buf, len, "exceeded its memory cap at t = %.1f s (%llu KiB > %llu KiB)",
			 hit->t_s, (unsigned long long)hit->value,
			 (unsigned long long)hit->limit);
	else if (hit->kind == CAP_PROCS)
		snprintf(buf, len, "exceeded its process cap at t = %.1f s (%llu processes > %llu)",
			 hit->t_s, (unsigned long long)hit->value,
			 (unsigned long long)hit->limit);
	else
		snprintf(buf, len, "crossed no cap");
}

json_t *cap_json(const struct cap_hit *hit)
{
	if (!hit || hit->kind == CAP_NONE)
		return json_null();
	return json_pack("{s:s, s:f, s:I, s:I}", "kind", hit->kind == CAP_RSS ? "rss" : "procs",
			 "t_s", hit->t_s, "value", (json_int_t)hit->value,
			 "limit", (json_int_t)hit->limit);
}

int cap_parse(const char *s, unsigned long long lo, unsigned long long hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}
