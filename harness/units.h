/*
 * units — checked parsing of command-line numbers with units; never atoi.
 *
 * Each parser accepts the whole string or nothing: "30x" and "" are errors, not 30 or 0.
 * Each returns 0 on success, -1 on error (nothing printed: the caller names the option).
 */
#ifndef LEAKSOAK_UNITS_H
#define LEAKSOAK_UNITS_H

/* A duration: "90", "90s", "1.5m", "2h", "250ms" -> seconds (> 0). */
int units_parse_duration_s(const char *s, double *out);

/* A size: "512", "512KiB", "2MiB", "1GiB" -> KiB (>= 0). Plain numbers are KiB. */
int units_parse_kib(const char *s, double *out);

/* A non-negative decimal number with no unit: "1", "0.5". */
int units_parse_double(const char *s, double *out);

/* An unsigned integer in [min, max]. */
int units_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);

#endif
