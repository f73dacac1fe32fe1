/*
 * scrape — read a target's Prometheus metrics page at its own interval (sample.prometheus),
 * without ever holding up the sampling loop.
 *
 * One GET at a time on libcurl's multi interface in its socket mode: the scraper tells the
 * caller which fds to wait on and how long it may wait (scrape_pollfds, scrape_timeout_ms),
 * the caller puts them into the poll it already runs (the run loop's, the driver's) and hands
 * the results back (scrape_run).  Nothing here blocks or sleeps.
 *
 * Scrapes are due every interval_ms from the first scrape_run; one that is due while the
 * previous one still runs is skipped (counted), so a slow target never sees them pile up.
 * Each has its own timeout (at most the interval).  A scrape that fails (no answer, timeout,
 * a status other than 2xx, a page over SCRAPE_MAX_BODY) or whose page the exposition reader
 * refuses (prom.h) is counted and changes no value; the first of each kind is also printed as
 * a warning, with why.
 *
 * A series' value is the one its last good scrape read: NaN before the first, NaN when the
 * last good scrape is older than SCRAPE_STALE_INTERVALS intervals (the target stopped
 * answering: an old number must not pass for a current one), and NaN while the series is
 * absent from the page (counted as missing; the first time is a warning).
 */
#ifndef LEAKSOAK_SCRAPE_H
#define LEAKSOAK_SCRAPE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario/metric.h"
#include "scenario/prom.h"

#define SCRAPE_MAX_FDS 4		/* sockets of one transfer (IPv4 and IPv6 attempts) */
#define SCRAPE_MAX_BODY (16u << 20)	/* bytes of one page */
#define SCRAPE_STALE_INTERVALS 3

struct scrape;

struct scrape_config {
	const char *url;		/* {port} already bound */
	unsigned interval_ms;		/* > 0 */
	unsigned timeout_ms;		/* > 0; longer than interval_ms is cut to it */
	int allow_remote;		/* 0: loopback only, checked on the address connected to */
	const struct prom_selector *series;	/* n_series selectors, borrowed */
	size_t n_series;		/* at most METRIC_MAX_SERIES */
};

struct scrape_totals {
	uint64_t scrapes;		/* finished: ok + failed + malformed (one cut short by
					   scrape_free is not counted) */
	uint64_t ok;			/* answered 2xx and read */
	uint64_t failed;		/* no answer, timeout, not 2xx, too large */
	uint64_t malformed;		/* answered 2xx with a page the reader refused */
	uint64_t skipped;		/* due while the previous one still ran */
	uint64_t missing[METRIC_MAX_SERIES];	/* good scrapes without the series */
	unsigned long matched[METRIC_MAX_SERIES];	/* samples summed in the last good one */
};

/* A scraper for c (its strings must outlive it).  NULL after printing why. */
struct scrape *scrape_new(const struct scrape_config *c);

/*
 * The fds to wait on now, into pfd[0, max) with their events (max >= SCRAPE_MAX_FDS takes
 * them all).  Returns how many.  Call it before every wait: curl opens and closes sockets.
 */
unsigned scrape_pollfds(const struct scrape *s, struct pollfd *pfd, unsigned max);

/* How long the caller may wait before calling scrape_run even if no fd is ready: 0 or more. */
int scrape_timeout_ms(const struct scrape *s);

/*
 * After the wait: act on the fds scrape_pollfds gave (pfd[0, n) with their revents), on
 * curl's timeouts, read finished pages and start the scrape that is due.  Returns 0, or -1
 * on a curl failure (message printed); a failed scrape is not a failure of scrape_run.
 */
int scrape_run(struct scrape *s, const struct pollfd *pfd, unsigned n);

/* The value of each series now (see the top of this file) into out[0, n_series). */
void scrape_values(const struct scrape *s, double *out);

void scrape_totals(const struct scrape *s, struct scrape_totals *out);

/* What the scraper was made with (its timeout as cut to the interval). */
const struct scrape_config *scrape_get_config(const struct scrape *s);

/* Why the last failed or refused scrape was, e.g. "HTTP 404" or "line 3, column 7: ...";
 * "" when none has. */
const char *scrape_last_error(const struct scrape *s);

void scrape_free(struct scrape **s);

#endif
