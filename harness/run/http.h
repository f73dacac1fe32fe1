/*
 * http — the options every HTTP transfer of leaksoak has, and its one-shot requests.
 *
 * Every transfer, the load's (driver.h) included, is set up here: http and https only, no
 * redirects, no proxy from the environment, no signals, close-on-exec sockets, a timeout, and
 * a loopback guard unless remote hosts are allowed.  The guard is checked on the resolved
 * address at connect time (curl's open-socket callback), so a host name cannot smuggle
 * traffic out whatever the URL said (the URL itself is checked when the scenario is loaded,
 * urlpolicy.h).  A refused connection fails its transfer, and the caller counts it.
 *
 * The one-shot requests are the ready probe (session), evidence.http_get and Go's pprof
 * profiles (evidence_run, evidence_go), and the scraper's handle (scrape).
 *
 * libcurl's global state is initialised once, on first use (http_global_init, which every
 * function here and driver_new call); a program that must end leak-free under a sanitizer
 * calls curl_global_cleanup() before exit.
 */
#ifndef LEAKSOAK_HTTP_H
#define LEAKSOAK_HTTP_H

#include <curl/curl.h>
#include <stdatomic.h>

/* The loopback guard of a handle; it must outlive the handle. */
struct http_guard {
	int allow_remote;	/* 0: refuse any peer that is not a loopback address */
	atomic_int warn;	/* 1: print why the next refusal happened, once; 0: never */
};

/* curl_global_init once per process: 0, or -1 after printing why. */
int http_global_init(void);

/*
 * Give e the options every transfer has, under g, with timeout_ms (at least 1); its body is
 * discarded until the caller sets CURLOPT_WRITEFUNCTION.  CURLE_OK, or curl's error.
 */
CURLcode http_setup(CURL *e, struct http_guard *g, long timeout_ms);

/*
 * A new easy handle set up by http_setup with a guard that never prints (a probe repeats
 * every few ms while a target starts, a scrape every second: a warning each time would
 * flood).  NULL after printing why; the caller curl_easy_cleanup()s it.
 */
CURL *http_easy_new(int allow_remote, long timeout_ms);

/*
 * One GET of url with a timeout, for readiness checks.  Returns the HTTP status (e.g. 200),
 * or 0 when no response came (refused, timeout).  Loopback-only unless allow_remote.
 */
long http_probe(const char *url, long timeout_ms, int allow_remote);

/*
 * One GET of url with a timeout, its body written to path (created, truncated): evidence.
 * A refused remote peer is printed once.  Returns the HTTP status, or 0 after printing why
 * when no response came or path could not be written.
 */
long http_fetch(const char *url, long timeout_ms, int allow_remote, const char *path);

#endif
