/*
 * units — checked parsing of command-line numbers with units, and rates written for people.
 *
 * strtod and strtoul are lenient in ways an option parser must not be: they skip leading
 * blanks, take a sign (strtoul silently wraps "-1"), read hex, "inf" and "nan", and stop at the
 * first bad character.  So every number here must start with a digit or '.', hex is refused,
 * the whole string must be consumed (a unit suffix aside), and overflow, inf and NaN are errors.
 */
#include "base/units.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit {
	const char *suffix;
	double scale;
};

static const struct unit duration_units[] = {
	{ "", 1 }, { "s", 1 }, { "ms", 0.001 }, { "m", 60 }, { "h", 3600 }, { NULL, 0 },
};

static const struct unit size_units[] = {
	{ "", 1 }, { "KiB", 1 }, { "MiB", 1024 }, { "GiB", 1024.0 * 1024 }, { NULL, 0 },
};

static int starts_like_decimal(const char *s)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return 0;
	return (s[0] >= '0' && s[0] <= '9') || s[0] == '.';
}

/* A finite non-negative decimal at the start of s; *rest is what follows it. */
static int parse_decimal(const char *s, double *out, const char **rest)
{
	char *end;
	double v;

	if (!starts_like_decimal(s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	/* ERANGE covers overflow ("1e999") and underflow to a denormal or zero ("1e-999"). */
	if (end == s || errno == ERANGE || !isfinite(v))
		return -1;
	*out = v;
	*rest = end;
	return 0;
}

static int parse_with_units(const char *s, const struct unit *units, double *out)
{
	const char *rest;
	double v;

	if (parse_decimal(s, &v, &rest) < 0)
		return -1;
	for (const struct unit *u = units; u->suffix; u++) {
		if (strcmp(rest, u->suffix) == 0) {
			v *= u->scale;
			if (!isfinite(v))
				return -1;
			*out = v;
			return 0;
		}
	}
	return -1;
}

int units_parse_duration_s(const char *s, double *out)
{
	double v;

	if (parse_with_units(s, duration_units, &v) < 0 || !(v > 0) || v > UNITS_MAX_DURATION_S)
		return -1;
	*out = v;
	return 0;
}

int units_parse_kib(const char *s, double *out)
{
	double v;

	if (parse_with_units(s, size_units, &v) < 0 || v > UNITS_MAX_PER_MIN)
		return -1;
	*out = v;
	return 0;
}

int units_parse_double(const char *s, double *out)
{
	static const struct unit none[] = { { "", 1 }, { NULL, 0 } };
	double v;

	if (parse_with_units(s, none, &v) < 0 || v > UNITS_MAX_PER_MIN)
		return -1;
	*out = v;
	return 0;
}

int units_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!(s[0] >= '0' && s[0] <= '9'))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || errno == ERANGE || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

char *units_format_rate(char *buf, size_t len, double per_min, int sign)
{
	if (fabs(per_min) >= 100)
		snprintf(buf, len, sign ? "%+.0f" : "%.0f", per_min);
	else
		snprintf(buf, len, sign ? "%+.3g" : "%.3g", per_min);
	return buf;
}
