/*
 * why — the sentence that says why a metric passed or failed (gate_metric.why), in words a
 * person can check against the plot:
 *   "rss rose in 7 steps and never fell back: +2310 KiB/min (gate 512 KiB/min)"
 *   "rss troughs flat at 31.2 MiB, falling back by 12.1 MiB: a sawtooth, not growth"
 *   "fds +0.5/min (gate 1/min): at most 0.9/min"
 * One sentence per reason (verdict.h, enum gate_reason), with the rate that decided it and
 * its gate, the trend test's p, or the level it settled at; a window whose start-up was cut
 * says so first.  Rates are written by units_format_rate, memory levels in KiB, MiB or GiB.
 * The line is ASCII and always fits gate_metric.why, cut at its end if it must be.
 */
#ifndef LEAKSOAK_WHY_H
#define LEAKSOAK_WHY_H

#include "judge/verdict.h"

/* Write r->metric[i].why from its reason, fit and shape (and r's fitted span, per request). */
void why_describe(struct gate_report *r, int i);

#endif
