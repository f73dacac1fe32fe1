/*
 * status — the one line `run` and `watch` keep up to date on a terminal while they sample:
 *
 *   12.3s/30s  rss 10.2 MiB  thr 4  fds 12  rss +512 KiB/min (gate 1024): pass so far  1980 req/s  0 err
 *
 * It is redrawn in place (carriage return, the line, erase to its end) and erased before any
 * other output, so warnings and the final summary start on a clean line.  Off the terminal it
 * prints nothing at all, so CI logs stay clean; --quiet turns it off on a terminal too.
 *
 * status_format only formats (unit-tested); a struct status owns the line on the terminal and
 * may be erased from another thread (a driver thread's warning), so its drawing is locked.
 */
#ifndef LEAKSOAK_STATUS_H
#define LEAKSOAK_STATUS_H

#include <stddef.h>
#include <stdint.h>

/* What the line shows; NaN (or NULL) for what is not known yet. */
struct status_view {
	double elapsed_s, max_s;
	double rss_kib, threads, fds;		/* now */
	const char *slope_name;			/* the metric judged closest to its gate, e.g. "rss" */
	const char *slope_unit;			/* its rate unit, "KiB/min" */
	double slope_per_min, gate_per_min;	/* gate < 0 or NaN: not gated */
	const char *verdict;			/* "warming up", "pass so far", "leak", ... */
	int driven;				/* a driver runs: show requests */
	double req_per_s;			/* over the last second or so; NaN: not yet */
	uint64_t errors;			/* failed requests so far */
};

/*
 * The line for v into buf (NUL-terminated, no newline), cut to at most width - 1 columns so a
 * terminal never wraps it (width 0: no limit).  Returns its length.
 */
size_t status_format(const struct status_view *v, unsigned width, char *buf, size_t len);

struct status;

/*
 * A status line on fd: live when fd is a terminal, TERM is set and not "dumb", and quiet is
 * 0; otherwise a handle whose every call does nothing.  It also asks diag to erase the line
 * before each message.  NULL only when out of memory (message printed).
 */
struct status *status_new(int fd, int quiet);

/* 1 when the line is drawn on a terminal. */
int status_live(const struct status *s);

/* Redraw the line for v (at most every STATUS_REDRAW_MS, unless the last draw was erased). */
#define STATUS_REDRAW_MS 200
void status_show(struct status *s, const struct status_view *v);

/* Erase the line if it is drawn; the next status_show draws it again. */
void status_clear(struct status *s);

/* Erase the line, detach from diag and free; NULLs *s.  Safe on NULL. */
void status_free(struct status **s);

#endif
