/*
 * scrape — the Prometheus scraper (scrape.h) on curl's multi socket interface.
 *
 * curl_multi_poll would wait by itself, and the run loop already waits (in driver_poll or
 * poll): two waits cannot share one turn.  In socket mode curl only says which sockets and
 * which deadline it cares about (the socket and timer callbacks below record them) and the
 * caller's single wait covers them; scrape_run then hands curl the events.  One easy handle
 * is reused for every scrape so its keep-alive connection is too: the target sees one
 * steady connection, not a new one (and an FD that comes and goes) every interval.
 */
#include "run/scrape.h"

#include <curl/curl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/diag.h"
#include "base/vec.h"
#include "run/http.h"

struct sock {
	curl_socket_t fd;
	int what;		/* CURL_POLL_IN, _OUT or _INOUT */
};

struct scrape {
	struct scrape_config c;
	CURLM *multi;
	CURL *easy;
	struct curl_slist *headers;
	int busy;		/* the easy handle is in the multi handle */
	int started;		/* scrape_run has run: the schedule has begun */
	int64_t next_due_ns;
	int64_t timer_ns;	/* curl's deadline; -1: none */
	struct sock socks[SCRAPE_MAX_FDS];
	unsigned n_socks;
	char *body;
	size_t len, cap;
	int too_large;
	double value[METRIC_MAX_SERIES];
	int have_good;
	int64_t good_ns;	/* when the last good scrape ended */
	struct scrape_totals t;
	int warned_failed, warned_malformed;
	int warned_missing[METRIC_MAX_SERIES];
	char last_error[160];
};

/* ---- curl's callbacks ------------------------------------------------------------------- */

static int on_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct scrape *s = userp;
	unsigned i;

	(void)e;
	(void)socketp;
	for (i = 0; i < s->n_socks && s->socks[i].fd != fd; i++)
		;
	if (what == CURL_POLL_REMOVE) {
		if (i < s->n_socks)
			s->socks[i] = s->socks[--s->n_socks];
		return 0;
	}
	if (i == s->n_socks) {
		if (s->n_socks == SCRAPE_MAX_FDS)
			return -1;	/* curl fails the transfer: counted, never a crash */
		s->socks[s->n_socks++].fd = fd;
	}
	s->socks[i].what = what;
	return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *userp)
{
	struct scrape *s = userp;

	(void)m;
	s->timer_ns = timeout_ms < 0 ? -1 : clock_now_ns() + (int64_t)timeout_ms * CLOCK_NS_PER_MS;
	return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *cls)
{
	struct scrape *s = cls;
	size_t n = size * nmemb;

	if (n > SCRAPE_MAX_BODY - s->len) {
		s->too_large = 1;
		return 0;	/* curl ends the transfer with a write error */
	}
	/* vec_grow's capacities are powers of two: never past SCRAPE_MAX_BODY, itself one. */
	char *b = vec_grow(s->body, &s->cap, s->len + n, 1);
	if (!b)
		return 0;
	s->body = b;
	memcpy(s->body + s->len, data, n);
	s->len += n;
	return n;
}

/* ---- one scrape's end --------------------------------------------------------------------- */

static void failed(struct scrape *s)
{
	s->t.failed++;
	if (!s->warned_failed) {
		s->warned_failed = 1;
		diag_warning("scrape of '%s' failed: %s (counted in summary.json; later failures "
			     "are not shown)", s->c.url, s->last_error);
	}
}

static void malformed(struct scrape *s, const struct prom_error *err)
{
	snprintf(s->last_error, sizeof(s->last_error), "line %lu, column %lu: %s", err->line,
		 err->column, err->what);
	s->t.malformed++;
	if (!s->warned_malformed) {
		s->warned_malformed = 1;
		diag_warning("scrape of '%s' refused: not a Prometheus text page: %s (counted in "
			     "summary.json; later refusals are not shown)", s->c.url, s->last_error);
	}
}

static void read_page(struct scrape *s)
{
	struct prom_value v[METRIC_MAX_SERIES];
	struct prom_error err;

	if (prom_select(s->body, s->len, s->c.series, s->c.n_series, v, &err) < 0) {
		malformed(s, &err);
		return;
	}
	s->t.ok++;
	s->have_good = 1;
	s->good_ns = clock_now_ns();
	for (size_t i = 0; i < s->c.n_series; i++) {
		s->value[i] = v[i].value;
		s->t.matched[i] = v[i].matched;
		if (v[i].matched)
			continue;
		s->t.missing[i]++;
		if (!s->warned_missing[i]) {
			s->warned_missing[i] = 1;
			diag_warning("no sample of '%s'%s in the page of '%s' (its column stays "
				     "empty until one appears)", s->c.series[i].metric,
				     s->c.series[i].n_labels ? " with the labels asked for" : "",
				     s->c.url);
		}
	}
}

static void finish(struct scrape *s, CURLcode result, long status)
{
	s->t.scrapes++;
	if (result == CURLE_OK && status >= 200 && status < 300) {
		read_page(s);
		return;
	}
	if (s->too_large)
		snprintf(s->last_error, sizeof(s->last_error), "page larger than %u MiB",
			 SCRAPE_MAX_BODY >> 20);
	else if (result == CURLE_OPERATION_TIMEDOUT)
		snprintf(s->last_error, sizeof(s->last_error), "no answer within %u ms",
			 s->c.timeout_ms);
	else if (result != CURLE_OK)
		snprintf(s->last_error, sizeof(s->last_error), "%s", curl_easy_strerror(result));
	else
		snprintf(s->last_error, sizeof(s->last_error), "HTTP %ld", status);
	failed(s);
}

static void drain(struct scrape *s)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(s->multi, &left))) {
		CURLcode result = m->data.result;
		long status = 0;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
		curl_multi_remove_handle(s->multi, s->easy);	/* m dies here */
		s->busy = 0;
		finish(s, result, status);
	}
}

/* ---- the loop's side ---------------------------------------------------------------------- */

static int action(struct scrape *s, curl_socket_t fd, int mask)
{
	int running;
	CURLMcode mc = curl_multi_socket_action(s->multi, fd, mask, &running);

	if (mc != CURLM_OK)
		return diag_error("curl_multi_socket_action failed: %s", curl_multi_strerror(mc));
	return 0;
}

static int start(struct scrape *s)
{
	CURLMcode mc;

	s->len = 0;
	s->too_large = 0;
	if ((mc = curl_multi_add_handle(s->multi, s->easy)) != CURLM_OK)
		return diag_error("cannot start a scrape: %s", curl_multi_strerror(mc));
	s->busy = 1;
	/* Connect now rather than a loop turn later, when curl's 0 ms timer would fire. */
	s->timer_ns = -1;
	return action(s, CURL_SOCKET_TIMEOUT, 0);
}

unsigned scrape_pollfds(const struct scrape *s, struct pollfd *pfd, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < s->n_socks && n < max; i++, n++) {
		pfd[n] = (struct pollfd){ .fd = s->socks[i].fd };
		if (s->socks[i].what & CURL_POLL_IN)
			pfd[n].events |= POLLIN;
		if (s->socks[i].what & CURL_POLL_OUT)
			pfd[n].events |= POLLOUT;
	}
	return n;
}

int scrape_timeout_ms(const struct scrape *s)
{
	int64_t now = clock_now_ns(), until = now + (int64_t)INT_MAX * CLOCK_NS_PER_MS / 2;

	if (!s->started)
		return 0;
	if (s->next_due_ns < until)
		until = s->next_due_ns;
	if (s->timer_ns >= 0 && s->timer_ns < until)
		until = s->timer_ns;
	if (until <= now)
		return 0;
	/* Rounded up: waking a little late beats spinning on a deadline not yet reached. */
	return (int)((until - now + CLOCK_NS_PER_MS - 1) / CLOCK_NS_PER_MS);
}

static int socket_events(struct scrape *s, const struct pollfd *pfd, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		int mask = 0;

		if (pfd[i].revents & (POLLIN | POLLPRI | POLLHUP))
			mask |= CURL_CSELECT_IN;
		if (pfd[i].revents & POLLOUT)
			mask |= CURL_CSELECT_OUT;
		if (pfd[i].revents & (POLLERR | POLLNVAL))
			mask |= CURL_CSELECT_ERR;
		if (mask && action(s, pfd[i].fd, mask) < 0)
			return -1;
	}
	return 0;
}

int scrape_run(struct scrape *s, const struct pollfd *pfd, unsigned n)
{
	int64_t now = clock_now_ns(), interval_ns = (int64_t)s->c.interval_ms * CLOCK_NS_PER_MS;

	if (!s->started) {
		s->started = 1;
		s->next_due_ns = now;
	}
	if (socket_events(s, pfd, n) < 0)
		return -1;
	if (s->timer_ns >= 0 && clock_now_ns() >= s->timer_ns) {
		s->timer_ns = -1;
		if (action(s, CURL_SOCKET_TIMEOUT, 0) < 0)
			return -1;
	}
	drain(s);
	if (now < s->next_due_ns)
		return 0;
	/* The schedule is absolute, but a loop held up for long resumes rather than catching up. */
	s->next_due_ns += interval_ns;
	if (s->next_due_ns <= now)
		s->next_due_ns = now + interval_ns;
	if (s->busy) {
		s->t.skipped++;
		return 0;
	}
	if (start(s) < 0)
		return -1;
	drain(s);	/* a refused connection can end it at once */
	return 0;
}

void scrape_values(const struct scrape *s, double *out)
{
	int64_t stale_ns = (int64_t)SCRAPE_STALE_INTERVALS * s->c.interval_ms * CLOCK_NS_PER_MS;
	int fresh = s->have_good && clock_now_ns() - s->good_ns <= stale_ns;

	for (size_t i = 0; i < s->c.n_series; i++)
		out[i] = fresh ? s->value[i] : NAN;
}

void scrape_totals(const struct scrape *s, struct scrape_totals *out)
{
	*out = s->t;
}

const struct scrape_config *scrape_get_config(const struct scrape *s)
{
	return &s->c;
}

const char *scrape_last_error(const struct scrape *s)
{
	return s->last_error;
}

/* ---- the handle -------------------------------------------------------------------------- */

static int configure(struct scrape *s)
{
	CURLcode rc;

	/* Ask for the text format: a server that negotiates would otherwise choose OpenMetrics
	 * or protobuf, which the reader does not take. */
	s->headers = curl_slist_append(NULL, "Accept: text/plain;version=0.0.4");
	if (!s->headers)
		return diag_error("out of memory setting up the scraper");
	if ((rc = curl_easy_setopt(s->easy, CURLOPT_URL, s->c.url)) ||
	    (rc = curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers)) ||
	    (rc = curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_body)) ||
	    (rc = curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s)))
		return diag_error("cannot set up the scrape of '%s': %s", s->c.url,
				  curl_easy_strerror(rc));
	curl_multi_setopt(s->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(s->multi, CURLMOPT_SOCKETDATA, s);
	curl_multi_setopt(s->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(s->multi, CURLMOPT_TIMERDATA, s);
	curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, 1L);
	return 0;
}

struct scrape *scrape_new(const struct scrape_config *c)
{
	struct scrape *s;

	if (!c->interval_ms || !c->timeout_ms || c->n_series > METRIC_MAX_SERIES) {
		diag_error("sample.prometheus: interval and timeout must be > 0, series at most %d",
			   METRIC_MAX_SERIES);
		return NULL;
	}
	if (!(s = calloc(1, sizeof(*s)))) {
		diag_error("out of memory setting up the scraper");
		return NULL;
	}
	s->c = *c;
	if (s->c.timeout_ms > s->c.interval_ms)
		s->c.timeout_ms = s->c.interval_ms;
	s->timer_ns = -1;
	s->easy = http_easy_new(c->allow_remote, (long)s->c.timeout_ms);
	if (!s->easy || !(s->multi = curl_multi_init()) || configure(s) < 0) {
		if (s->easy && !s->multi)
			diag_error("out of memory setting up the scraper");
		scrape_free(&s);
	}
	return s;
}

void scrape_free(struct scrape **sp)
{
	struct scrape *s = *sp;

	if (!s)
		return;
	if (s->busy)
		curl_multi_remove_handle(s->multi, s->easy);
	/* curl's order: the multi handle goes first, then its easy handles. */
	if (s->multi)
		curl_multi_cleanup(s->multi);
	if (s->easy)
		curl_easy_cleanup(s->easy);
	curl_slist_free_all(s->headers);
	free(s->body);
	free(s);
	*sp = NULL;
}
