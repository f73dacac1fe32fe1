/*
 * why — a metric's verdict in one sentence (why.h).
 */
#include "judge/why.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/units.h"

static void format_p(char *buf, size_t len, double p)
{
	if (p < 0.001)
		snprintf(buf, len, "p<0.001");
	else
		snprintf(buf, len, "p=%.3f", p);
}

/* A memory level in the unit a person reads: "812 KiB", "31.2 MiB", "2.05 GiB". */
static void format_kib(char *buf, size_t len, double kib)
{
	if (fabs(kib) >= 1024 * 1024)
		snprintf(buf, len, "%.3g GiB", kib / (1024 * 1024));
	else if (fabs(kib) >= 1024)
		snprintf(buf, len, "%.3g MiB", kib / 1024);
	else
		snprintf(buf, len, "%.0f KiB", kib);
}

/* A level of m: KiB, MiB or GiB for memory, a plain number otherwise. */
static void format_level(char *buf, size_t len, const struct gate_metric *m, double v)
{
	if (strcmp(m->unit, "KiB") == 0)
		format_kib(buf, len, v);
	else if (strcmp(m->unit, "bytes") == 0)
		format_kib(buf, len, v / 1024);
	else
		snprintf(buf, len, "%.4g", v);
}

/* How m's rates are written after the number: " KiB/min", " bytes/min" or "/min". */
static const char *rate_suffix(const struct gate_metric *m)
{
	return strcmp(m->unit, "KiB") == 0 ? " KiB/min" :
	       strcmp(m->unit, "bytes") == 0 ? " bytes/min" : "/min";
}

/* "+4523 KiB/min (gate 128 KiB/min" — the caller closes the parenthesis. */
static void format_rate_gate(char *buf, size_t len, const struct gate_metric *m,
			     double slope_per_s)
{
	char rate[32], gate[32];
	const char *unit = rate_suffix(m), *sign = slope_per_s >= 0 ? "+" : "";

	units_format_rate(rate, sizeof(rate), slope_per_s * 60, 0);
	if (m->limit_per_min < 0) {
		snprintf(buf, len, "%s%s%s (not gated", sign, rate, unit);
		return;
	}
	units_format_rate(gate, sizeof(gate), m->limit_per_min, 0);
	snprintf(buf, len, "%s%s%s (gate %s%s", sign, rate, unit, gate, unit);
}

/* ", 4.2 KiB per request" for a memory metric with a driver, else "". */
static void format_per_request(char *buf, size_t len, const struct gate_report *r, int i)
{
	char k[32];

	buf[0] = '\0';
	if (i != METRIC_RSS || !r->has_per_request)
		return;
	units_format_rate(k, sizeof(k), r->rss_per_request.theil_sen.slope, 0);
	snprintf(buf, len, ", %s KiB per request", k);
}

/* The line the floor was judged on: OLS for few troughs after falls, else Theil–Sen. */
static const struct fit_line *floor_line(const struct gate_metric *m)
{
	const struct shape *sh = &m->shape;
	int few = m->def && m->def->kind == METRIC_SIZE && sh->cycles &&
		  sh->cycles < GATE_FEW_TROUGHS;

	return few ? &sh->troughs.ols : &sh->troughs.theil_sen;
}

static double floor_p(const struct gate_metric *m)
{
	return floor_line(m) == &m->shape.troughs.ols ? m->shape.troughs.ols_p :
	       m->shape.troughs.trend_p;
}

/* "rss still settling until 17 s: start-up, not growth; " before a pass whose window moved. */
static void prefix_transient(struct gate_metric *m)
{
	char head[128];

	if (!m->transient || m->failed || m->reason == GATE_NOT_FITTED)
		return;
	snprintf(head, sizeof(head), "%s still settling until %.0f s: start-up, not growth; then ",
		 m->name, m->window_start_s);
	/* The line is ASCII (names and numbers): cutting its tail at a byte is safe. */
	size_t hl = strlen(head), rl = strlen(m->why);
	if (hl + rl >= sizeof(m->why))
		rl = sizeof(m->why) - 1 - hl;
	memmove(m->why + hl, m->why, rl);
	memcpy(m->why, head, hl);
	m->why[hl + rl] = '\0';
}

/* metric.why: one sentence a person can check against the plot. */
void why_describe(struct gate_report *r, int i)
{
	struct gate_metric *m = &r->metric[i];
	const struct shape *sh = &m->shape;
	char rg[96], p[16], lvl[32], fall[32], per_req[64];
	const char *name = m->name;

	/* A climb is judged on its OLS slope when Theil–Sen is held down by plateaus (judge). */
	format_rate_gate(rg, sizeof(rg), m, m->reason == GATE_CLIMB ?
			 fmax(m->fit.ols.slope, m->fit.theil_sen.slope) : m->fit.theil_sen.slope);
	format_p(p, sizeof(p), m->fit.trend_p);
	format_level(fall, sizeof(fall), m, sh->max_fall);
	format_per_request(per_req, sizeof(per_req), r, i);
	switch (m->reason) {
	case GATE_NOT_FITTED:
		snprintf(m->why, sizeof(m->why), "%s: too few samples after warm-up", name);
		break;
	case GATE_CLIMB:
		if (sh->staircase)
			snprintf(m->why, sizeof(m->why), "%s rose in %u steps and never fell back: "
				 "%s)%s", name, sh->rises, rg, per_req);
		else
			snprintf(m->why, sizeof(m->why), "%s climbed steadily and never fell back: "
				 "%s)%s", name, rg, per_req);
		break;
	case GATE_TREND:
		snprintf(m->why, sizeof(m->why), "%s grows %s, %s)%s", name, rg, p, per_req);
		break;
	case GATE_FLOOR:
		units_format_rate(lvl, sizeof(lvl), floor_line(m)->slope * 60, 0);
		format_p(p, sizeof(p), floor_p(m));
		if (m->def && m->def->kind == METRIC_COUNT)
			snprintf(m->why, sizeof(m->why), "%s floor rises %s%s under churn (short-"
				 "lived ones come and go above it): %s, %s)", name, lvl,
				 rate_suffix(m), rg, p);
		else
			snprintf(m->why, sizeof(m->why), "%s troughs rise %s%s under a sawtooth: "
				 "%s, %s)%s", name, lvl, rate_suffix(m), rg, p, per_req);
		break;
	case GATE_YOUNG:
		snprintf(m->why, sizeof(m->why), "%s %s) for %.0f s only, after %.0f s of start-up: "
			 "too short to tell from a fill that stops (run longer)", name, rg,
			 m->fit.n ? r->fitted_s : 0, r->fitted_s > 0 ? m->window_start_s : 0);
		break;
	case GATE_SETTLING:
		if (m->settling)
			snprintf(m->why, sizeof(m->why), "%s %s) is slowing down: start-up still "
				 "settling, not a leak", name, rg);
		else
			snprintf(m->why, sizeof(m->why), "%s %s) grows, but not yet told from a "
				 "start-up that may stop", name, rg);
		break;
	case GATE_STOPPED:
		format_level(lvl, sizeof(lvl), m, m->fit.y_last);
		snprintf(m->why, sizeof(m->why), "%s growth stopped %.0f s before the end, flat at "
			 "%s: bounded, not a leak", name, sh->tail, lvl);
		break;
	case GATE_ONCE:
		snprintf(m->why, sizeof(m->why), "%s rose in one half of the window only: a pool "
			 "that grew once, not a leak", name);
		break;
	case GATE_NOISE:
		snprintf(m->why, sizeof(m->why), "%s %s) is not told apart from noise: %s, fell "
			 "back by %s", name, rg, p, fall);
		break;
	case GATE_SAWTOOTH:
		format_level(lvl, sizeof(lvl), m, sh->floor_last);
		snprintf(m->why, sizeof(m->why), "%s troughs flat at %s, falling back by %s: a "
			 "sawtooth, not growth", name, lvl, fall);
		break;
	case GATE_UNDER:
		if (m->limit_per_min >= 0 && m->below) {
			char hi[32];
			units_format_rate(hi, sizeof(hi), m->upper_per_min, 0);
			snprintf(m->why, sizeof(m->why), "%s %s): at most %s%s", name, rg, hi,
				 rate_suffix(m));
		} else {
			snprintf(m->why, sizeof(m->why), "%s %s)%s", name, rg,
				 m->limit_per_min >= 0 ? ": under the gate" : "");
		}
		break;
	}
	prefix_transient(m);
}
