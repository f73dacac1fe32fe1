/*
 * driver — HTTP load on libcurl's multi interface.
 *
 * The driver starts requests on a steady schedule (rate_per_s) with at most `concurrency`
 * keep-alive transfers in flight, picking each request from the scenario's weighted mix and
 * expanding {seq} and {uuid} per request.  It never connects to a non-loopback address unless
 * the scenario allows it (drive.allow_remote): the check is made on the resolved address at
 * connect time, so a hostname cannot smuggle traffic out (http.h: every transfer's options).
 *
 * The requests go out from worker threads, one libcurl multi loop each (by default one per
 * online core, never more than `concurrency`), which split the connections and the schedule
 * between them: the aggregate rate is rate_per_s whatever the split.  The caller's thread only
 * starts them (the first driver_poll), reads the totals and stops them; driver_poll waits on
 * the caller's fds and wakes early when a worker fails or reaches its share of the limit.
 * The workers block every signal, so a signalfd in the caller's thread sees them all.
 *
 * {seq} counts the driver's requests from 0; one {uuid} is drawn per request, so every
 * occurrence in its URL, headers and body gets the same value.
 *
 * libcurl's global state is initialised once, on first use (http.h); a program that must end
 * leak-free under a sanitizer calls curl_global_cleanup() before exit.  One-shot requests
 * (ready probes, evidence fetches, the scraper's handle) are http.h's, not the driver's.
 */
#ifndef LEAKSOAK_DRIVER_H
#define LEAKSOAK_DRIVER_H

#include <curl/curl.h>
#include <poll.h>
#include <stdint.h>

#include "scenario/scenario.h"

#define DRIVER_MAX_EXTRA 16	/* caller fds driver_poll can wait on */

struct driver;

struct driver_totals {
	uint64_t started;	/* transfers started */
	uint64_t completed;	/* finished with a 2xx/3xx status */
	uint64_t errors;	/* transport failures and other statuses */
	uint64_t connects;	/* new connections (reuse shows as connects << completed) */
	uint64_t behind;	/* requests started late because all connections were busy */
};

/*
 * A driver for drive (which must outlive it; templates are compiled from it), on
 * drive->threads worker threads (0: driver_default_threads), never more than concurrency.
 * Returns NULL after printing why.  Nothing is sent before the first driver_poll.
 */
struct driver *driver_new(const struct scenario_drive *drive);

/* A scheduled rate one thread keeps on its own, with room to spare. */
#define DRIVER_RATE_PER_THREAD 20000.0

/*
 * The default thread count: the online cores, but no more than a set rate needs
 * (rate_per_s / DRIVER_RATE_PER_THREAD, rounded up; 0: flat out, every core), and at most
 * concurrency (when non-zero).
 */
unsigned driver_default_threads(unsigned concurrency, double rate_per_s);

/* How many worker threads d runs. */
unsigned driver_threads(const struct driver *d);

/*
 * Start at most n requests in total (0, the default: no limit); call it before the first
 * driver_poll.  Transfers already started run to completion; the caller sees the end when
 * completed + errors reaches n (driver_poll returns early as each worker gets there).
 */
void driver_set_limit(struct driver *d, uint64_t n);

/*
 * Start the workers on the first call (the driver's clock starts then), and wait up to
 * timeout_ms (negative: no limit, as in poll(2)) for any of the n_extra caller fds (at most
 * DRIVER_MAX_EXTRA; their revents are filled in as poll(2) would, POLLHUP and POLLERR included)
 * or for a worker's news (a failure, or its share of the limit reached).  Returns 0, or -1 once
 * a worker failed (message printed).
 */
int driver_poll(struct driver *d, struct pollfd *extra, unsigned n_extra, int timeout_ms);

/* The totals so far, summed over the workers; safe while they run. */
void driver_totals(const struct driver *d, struct driver_totals *out);

/* The CPU time the worker threads used, user and kernel; known once driver_stop returned. */
void driver_cpu(const struct driver *d, double *user_s, double *sys_s);

/*
 * Stop the workers and wait for them (threads joined), then abort the transfers in flight.
 * Aborted transfers count in neither completed nor errors.  driver_poll may still be called:
 * it only waits on the extra fds.  driver_free stops a driver that was not stopped.
 */
void driver_stop(struct driver *d);

void driver_free(struct driver **d);

#endif
