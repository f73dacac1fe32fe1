/*
 * driver — HTTP load on libcurl's multi interface, and readiness probes.
 *
 * The driver starts requests on a steady schedule (rate_per_s) with at most `concurrency`
 * keep-alive transfers in flight, picking each request from the scenario's weighted mix and
 * expanding {seq} and {uuid} per request.  It never connects to a non-loopback address unless
 * the scenario allows it (drive.allow_remote): the check is made on the resolved address at
 * connect time, so a hostname cannot smuggle traffic out.
 *
 * It owns no thread: the run loop calls driver_poll, which also waits on the caller's fds.
 *
 * {seq} counts the driver's requests from 0; one {uuid} is drawn per request, so every
 * occurrence in its URL, headers and body gets the same value.
 *
 * libcurl's global state is initialised once, on first use (driver_new or driver_probe); a
 * program that must end leak-free under a sanitizer calls curl_global_cleanup() before exit.
 */
#ifndef LEAKSOAK_DRIVER_H
#define LEAKSOAK_DRIVER_H

#include <poll.h>
#include <stdint.h>

#include "scenario.h"

struct driver;

struct driver_totals {
	uint64_t started;	/* transfers started */
	uint64_t completed;	/* finished with a 2xx/3xx status */
	uint64_t errors;	/* transport failures and other statuses */
	uint64_t connects;	/* new connections (reuse shows as connects << completed) */
	uint64_t behind;	/* requests started late because all connections were busy */
};

/*
 * A driver for drive (which must outlive it; templates are compiled from it).  Returns NULL
 * after printing why.  Nothing is sent before the first driver_poll.
 */
struct driver *driver_new(const struct scenario_drive *drive);

/*
 * Start at most n requests in total (0, the default: no limit).  Transfers already started
 * run to completion; the caller sees the end when completed + errors reaches n.
 */
void driver_set_limit(struct driver *d, uint64_t n);

/*
 * Start the requests due by now, wait up to timeout_ms (negative: no limit, as in poll(2)) for
 * curl's sockets or any of the n_extra caller fds (their revents are filled in as poll(2) would,
 * POLLHUP and POLLERR included), and complete finished transfers.  Returns 0, or -1 on a curl
 * failure (message printed).
 */
int driver_poll(struct driver *d, struct pollfd *extra, unsigned n_extra, int timeout_ms);

void driver_totals(const struct driver *d, struct driver_totals *out);

/*
 * Abort transfers in flight and stop starting new ones.  Aborted transfers count in neither
 * completed nor errors.  driver_poll may still be called: it only waits on the extra fds.
 */
void driver_stop(struct driver *d);

void driver_free(struct driver **d);

/*
 * One GET of url with a timeout, for readiness checks.  Returns the HTTP status (e.g. 200),
 * or 0 when no response came (refused, timeout).  Loopback-only unless allow_remote.
 */
long driver_probe(const char *url, long timeout_ms, int allow_remote);

/*
 * One GET of url with a timeout, its body written to path (created, truncated), with the
 * probe's safety (loopback only unless allow_remote, no proxy, http(s) only, no redirect):
 * evidence.http_get.  Returns the HTTP status, or 0 after printing why when no response came
 * or path could not be written.
 */
long driver_fetch(const char *url, long timeout_ms, int allow_remote, const char *path);

#endif
