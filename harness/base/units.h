/*
 * units — checked parsing of command-line numbers with units; never atoi.  And the one way a
 * growth rate is written for people.
 *
 * Each parser accepts the whole string or nothing: "30x" and "" are errors, not 30 or 0.
 * Each returns 0 on success, -1 on error (nothing printed: the caller names the option).
 */
#ifndef LEAKSOAK_UNITS_H
#define LEAKSOAK_UNITS_H

#include <stddef.h>

/*
 * Upper bounds of every number a scenario or the command line gives (leaksoak(1), LIMITS):
 * far above any sensible value, and low enough that no conversion to nanoseconds,
 * milliseconds or an integer type can overflow.
 */
#define UNITS_MAX_DURATION_S 2678400.0	/* 31 days: --duration, duration_s, warmup_s */
#define UNITS_MAX_TIMEOUT_S 3600.0	/* ready/request timeouts, stop_grace_s */
#define UNITS_MAX_RATE_PER_S 1000000.0	/* drive.http.rate_per_s */
#define UNITS_MAX_PER_MIN 1e12		/* gates: KiB, threads or FDs per minute */

/* A duration: "90", "90s", "1.5m", "2h", "250ms" -> seconds (> 0, <= UNITS_MAX_DURATION_S). */
int units_parse_duration_s(const char *s, double *out);

/* A size: "512", "512KiB", "2MiB", "1GiB" -> KiB (>= 0, <= UNITS_MAX_PER_MIN). Plain numbers are
 * KiB. */
int units_parse_kib(const char *s, double *out);

/* A non-negative decimal number with no unit: "1", "0.5" (<= UNITS_MAX_PER_MIN). */
int units_parse_double(const char *s, double *out);

/* An unsigned integer in [min, max]. */
int units_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/*
 * A rate (per minute, in its metric's unit) as every why, status line, report and history
 * words it: whole numbers from 100 up, three significant digits below ("2310", "2.46",
 * "-0.5"); with sign, '+' before a positive number (printf's '+' flag).  The unit is the
 * caller's: "KiB/min", "/min" and their spacing differ from one output to another.  Into
 * buf, which is returned.
 */
char *units_format_rate(char *buf, size_t len, double per_min, int sign);

#endif
