/*
 * status — the live line of `run` and `watch` (status.h).
 */
#include "run/status.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/diag.h"
#include "base/units.h"

struct status {
	int fd;
	int live;
	int drawn;		/* the line is on the terminal now */
	int64_t drawn_ns;	/* when it was last drawn */
	pthread_mutex_t lock;
};

/* ---- formatting --------------------------------------------------------------------------- */

/* Append to buf at *at, never past len; a cut line is still terminated. */
static __attribute__((format(printf, 4, 5))) void put(char *buf, size_t len, size_t *at,
						      const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*at >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *at, len - *at, fmt, ap);
	va_end(ap);
	if (n > 0)
		*at = *at + (size_t)n < len ? *at + (size_t)n : len - 1;
}

/* 42.1s (compact: 42s), 5m07s, 2h03m: short enough for a line that says everything else. */
static void duration(double s, int compact, char *out, size_t len)
{
	if (!isfinite(s) || s < 0)
		snprintf(out, len, "?");
	else if (s < 60)
		snprintf(out, len, compact ? "%.0fs" : "%.1fs", s);
	else if (s < 3600)
		snprintf(out, len, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
	else
		snprintf(out, len, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
}

/* 4288 KiB, 10.0 MiB, 3.50 GiB; compact: 512K, 4.2M, 3.50G. */
static const char *size_kib(double kib, int compact, char *out, size_t len)
{
	static const char *const units[2][3] = { { " KiB", " MiB", " GiB" }, { "K", "M", "G" } };
	const char *const *u = units[compact != 0];
	double a = fabs(kib);

	if (!isfinite(kib))
		snprintf(out, len, "?");
	else if (a < (compact ? 1024 : 10240))
		snprintf(out, len, "%.0f%s", kib, u[0]);
	else if (a < 1024.0 * 1024)
		snprintf(out, len, "%.1f%s", kib / 1024, u[1]);
	else
		snprintf(out, len, "%.2f%s", kib / (1024.0 * 1024), u[2]);
	return out;
}

static const char *count(double n, char *out, size_t len)
{
	if (isfinite(n))
		snprintf(out, len, "%.0f", n);
	else
		snprintf(out, len, "?");
	return out;
}

/* A rate in a compact line: KiB rates sized ("+12.6M"), others as numbers ("+3"). */
static const char *compact_rate(const struct status_view *v, double x, int sign, char *out,
				size_t len)
{
	if (!v->slope_unit || strncmp(v->slope_unit, "KiB", 3) != 0)
		return units_format_rate(out, len, x, sign);
	if (len < 2)
		return "";
	out[0] = '+';
	/* The sign, when asked for and not already there, then the sized value. */
	size_kib(x, 1, out + (sign && x >= 0), len - 1);
	return out;
}

/* "pass so far" reads "pass?" when the line is short of room. */
static void put_verdict(const struct status_view *v, int compact, const char *lead, char *buf,
			size_t len, size_t *at)
{
	size_t n = v->verdict ? strlen(v->verdict) : 0;
	static const char so_far[] = " so far";

	if (!v->verdict)
		return;
	if (compact && n > sizeof(so_far) - 1 && strcmp(v->verdict + n - (sizeof(so_far) - 1),
							  so_far) == 0)
		put(buf, len, at, "%s%.*s?", lead, (int)(n - (sizeof(so_far) - 1)), v->verdict);
	else
		put(buf, len, at, "%s%s", lead, v->verdict);
}

static void put_slope(const struct status_view *v, int compact, char *buf, size_t len,
		      size_t *at)
{
	const char *unit = v->slope_unit ? v->slope_unit : "/min";
	int gated = isfinite(v->gate_per_min) && v->gate_per_min >= 0;
	char a[32], b[32];

	if (!v->slope_name || !isfinite(v->slope_per_min)) {
		put_verdict(v, compact, "  ", buf, len, at);
		return;
	}
	if (compact) {
		put(buf, len, at, "  %s %s/min", v->slope_name,
		    compact_rate(v, v->slope_per_min, 1, a, sizeof(a)));
		if (gated)
			put(buf, len, at, " gate %s", compact_rate(v, v->gate_per_min, 0, b, sizeof(b)));
	} else {
		put(buf, len, at, "  %s %s %s", v->slope_name,
		    units_format_rate(a, sizeof(a), v->slope_per_min, 1), unit);
		if (gated)
			put(buf, len, at, " (gate %s)",
			    units_format_rate(b, sizeof(b), v->gate_per_min, 0));
	}
	put_verdict(v, compact, compact ? " " : ": ", buf, len, at);
}

static size_t format(const struct status_view *v, int compact, char *buf, size_t len)
{
	const char *sep = compact ? " " : "  ";
	char el[16], mx[16], rss[24], thr[24], fds[24];
	size_t at = 0;

	buf[0] = '\0';
	duration(v->elapsed_s, compact, el, sizeof(el));
	duration(v->max_s, compact, mx, sizeof(mx));
	put(buf, len, &at, "%s/%s%srss %s%sthr %s%sfds %s", el, mx, sep,
	    size_kib(v->rss_kib, compact, rss, sizeof(rss)), sep,
	    count(v->threads, thr, sizeof(thr)), sep, count(v->fds, fds, sizeof(fds)));
	put_slope(v, compact, buf, len, &at);
	if (v->driven) {
		if (isfinite(v->req_per_s))
			put(buf, len, &at, "  %.0f req/s", v->req_per_s);
		put(buf, len, &at, "%s%llu err", isfinite(v->req_per_s) ? sep : "  ",
		    (unsigned long long)v->errors);
	}
	return at;
}

size_t status_format(const struct status_view *v, unsigned width, char *buf, size_t len)
{
	size_t at;

	if (!len)
		return 0;
	at = format(v, 0, buf, len);
	/* Too wide: the compact form, then a cut.  Everything is ASCII (metric names are
	 * [a-z0-9_:]), so bytes are columns. */
	if (width && at > width - 1)
		at = format(v, 1, buf, len);
	if (width && at > width - 1) {
		at = width - 1;
		buf[at] = '\0';
	}
	return at;
}

/* ---- the terminal ------------------------------------------------------------------------- */

static unsigned terminal_width(int fd)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

/* Write all of buf; a terminal that went away only costs the line. */
static void write_all(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
}

/* "\r" then erase to the end of the line: the cursor back at column 0 of a blank line. */
static void erase_locked(struct status *s)
{
	if (s->drawn)
		write_all(s->fd, "\r\033[K", 4);
	s->drawn = 0;
}

static void erase_hook(void *cls)
{
	status_clear(cls);
}

static int terminal_ok(int fd)
{
	const char *term = getenv("TERM");

	return isatty(fd) && term && *term && strcmp(term, "dumb") != 0;
}

struct status *status_new(int fd, int quiet)
{
	struct status *s = calloc(1, sizeof(*s));

	if (!s) {
		diag_error("out of memory");
		return NULL;
	}
	s->fd = fd;
	s->live = !quiet && terminal_ok(fd);
	pthread_mutex_init(&s->lock, NULL);
	if (s->live)
		diag_set_hook(erase_hook, s);
	return s;
}

int status_live(const struct status *s)
{
	return s && s->live;
}

void status_show(struct status *s, const struct status_view *v)
{
	char line[512], out[520];
	int64_t now = clock_now_ns();

	if (!status_live(s))
		return;
	pthread_mutex_lock(&s->lock);
	if (!s->drawn || now - s->drawn_ns >= STATUS_REDRAW_MS * CLOCK_NS_PER_MS) {
		size_t n = status_format(v, terminal_width(s->fd), line, sizeof(line));
		int m = snprintf(out, sizeof(out), "\r%.*s\033[K", (int)n, line);
		/* Whatever stdout holds goes first, so the line never lands inside it. */
		fflush(stdout);
		write_all(s->fd, out, m > 0 ? (size_t)m : 0);
		s->drawn = 1;
		s->drawn_ns = now;
	}
	pthread_mutex_unlock(&s->lock);
}

void status_clear(struct status *s)
{
	if (!status_live(s))
		return;
	pthread_mutex_lock(&s->lock);
	erase_locked(s);
	pthread_mutex_unlock(&s->lock);
}

void status_free(struct status **sp)
{
	struct status *s = *sp;

	if (!s)
		return;
	if (s->live) {
		diag_set_hook(NULL, NULL);
		status_clear(s);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
	*sp = NULL;
}
