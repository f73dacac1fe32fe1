/*
 * driver — HTTP load on libcurl's multi interface (driver.h).
 *
 * The load runs on worker threads, one libcurl multi handle each, so the driver can use as
 * many cores as wrk does.  Each worker is shaped like curl's docs/examples/10-at-a-time.c: a
 * fixed set of easy handles, one per keep-alive connection, each pointing back at its slot
 * through CURLOPT_PRIVATE; finished transfers are drained from curl_multi_info_read and their
 * handles refilled with the next due request; curl_multi_poll waits, and curl_multi_wakeup
 * ends the wait when the driver stops.  (The event-driven curl_multi_socket_action with epoll
 * was tried and cost more per request at these connection counts: every request moves its
 * connection out of and back into curl's cache, which is two epoll_ctl calls.)
 *
 * Easy handles are created once and re-added for every request, so their connections stay in
 * the multi handle's cache and are reused: creating a handle per request would also work, but
 * costs an allocation storm per request in a tool whose own memory must stay flat.  What does
 * not change between requests is expanded and parsed once (request.h).
 *
 * The schedule is absolute and global: request k is due at t0 + k / rate.  With T workers,
 * worker i starts requests i, i + T, i + 2T, ..., so the aggregate rate is the scenario's
 * whatever the split, each worker wakes only for its own requests, and {seq} and the mix follow
 * the same sequence as with one worker.  When every handle of a worker is busy its due requests
 * wait (and count as `behind`), and once handles free up it starts at most as many as are free,
 * so a stalled target sees a catch-up no larger than `concurrency`.
 *
 * Counters are per worker, written only by it and read (summed) by the caller's thread: relaxed
 * atomics, each worker's on its own cache line.
 */
#include "run/driver.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/diag.h"
#include "base/template.h"
#include "run/http.h"
#include "run/request.h"

#define IDLE_WAIT_MS 1000	/* the longest curl_multi_poll; curl shortens it to its timers */

struct worker;

/* One easy handle and what must outlive its transfer. */
struct slot {
	struct worker *w;
	CURL *easy;
	const struct request *last;	/* kind whose options are set on the handle */
	int busy;
	char *body;			/* per-request body (CURLOPT_POSTFIELDS does not copy) */
	size_t body_cap;
	struct curl_slist *headers;	/* per-request headers */
};

/* A worker's counters: written by the worker alone, summed by driver_totals. */
struct counters {
	atomic_uint_fast64_t started, completed, errors, connects, behind;
};

struct worker {
	struct driver *d;
	unsigned index;			/* starts requests index, index + T, ... */
	pthread_t thread;
	int running;			/* the thread exists and is not joined yet */
	CURLM *multi;
	struct slot *slots;
	unsigned n_slots;
	struct slot **free_slots;	/* a stack of idle slots */
	unsigned n_free;
	long *swrr;			/* smooth weighted round-robin credits, one per kind */
	uint64_t n_started;		/* requests this worker started */
	uint64_t quota;			/* its share of the limit; UINT64_MAX: none */
	uint64_t behind_mark;		/* local requests below this are counted late or started */
	int done_told;			/* the caller was told this worker reached its quota */
	unsigned long long uuid_state;
	char *scratch;			/* URL and header expansion (curl copies both) */
	size_t scratch_cap;
	struct rusage usage;		/* the thread's own CPU, taken as it ends */
	_Alignas(64) struct counters c;
};

struct driver {
	struct http_guard guard;	/* warns once: a driver's refusals are news */
	struct request *kinds;
	size_t n_kinds;
	long weight_sum;
	struct worker *workers;
	unsigned n_workers;
	double period_ns;		/* between two requests of the whole driver; 0: flat out */
	int64_t t0_ns;
	uint64_t limit;
	int started;			/* the workers were started */
	int stopped;
	atomic_int stop;		/* the workers must end */
	atomic_int failed;		/* a worker hit a curl failure (message printed) */
	int event_fd;			/* eventfd: a worker failed or reached its quota */
};

/*
 * Smooth weighted round-robin (nginx's): every pick adds each weight to its credit and takes
 * the largest, which then pays the total.  Weights 3:1 give A A B A, repeating — the same
 * sequence every run, spread out rather than in bursts.  A worker keeps its own credits and
 * steps through the whole sequence, using only its own requests' picks, so request k is of
 * the same kind whatever the number of workers.
 */
static const struct request *swrr_step(const struct driver *d, long *credit)
{
	size_t best = 0;

	for (size_t i = 0; i < d->n_kinds; i++) {
		credit[i] += d->kinds[i].req->weight;
		if (credit[i] > credit[best])
			best = i;
	}
	credit[best] -= d->weight_sum;
	return &d->kinds[best];
}

/* The kind of the worker's next request; skips the picks of the other workers' requests. */
static const struct request *pick_kind(struct worker *w)
{
	const struct request *k = swrr_step(w->d, w->swrr);

	for (unsigned i = 1; i < w->d->n_workers; i++)
		swrr_step(w->d, w->swrr);
	return k;
}

/* ---- setting up one request -------------------------------------------------------------- */

/* Expand the per-request parts of k for request seq; point url, body and headers at them. */
static int set_dynamic(struct slot *s, const struct request *k, uint64_t seq, const char **url,
		       const char **body, size_t *body_len, struct curl_slist **headers)
{
	struct worker *w = s->w;
	char seq_text[24], uuid[37];
	struct template_vars v = { 0 };
	long n;

	if (k->uses_seq) {
		snprintf(seq_text, sizeof(seq_text), "%llu", (unsigned long long)seq);
		v.seq = seq_text;
	}
	if (k->uses_uuid) {
		template_uuid(&w->uuid_state, uuid);
		v.uuid = uuid;
	}
	if (k->body_t && !k->body) {
		if ((n = template_expand_buf(k->body_t, &v, &s->body, &s->body_cap)) < 0)
			return -1;
		*body = s->body;
		*body_len = (size_t)n;
	}
	if (!k->headers && (k->n_hdr || k->post)) {
		curl_slist_free_all(s->headers);
		if (!(s->headers = request_headers(k, &v, &w->scratch, &w->scratch_cap)))
			return -1;
		*headers = s->headers;
	}
	/* The URL last: it shares the scratch buffer with the headers. */
	if (!k->url) {
		if (template_expand_buf(k->url_t, &v, &w->scratch, &w->scratch_cap) < 0)
			return -1;
		*url = w->scratch;
	}
	return 0;
}

/* Point the slot's handle at request seq of kind k. */
static int configure(struct slot *s, const struct request *k, uint64_t seq)
{
	const char *url = k->url, *body = k->body;
	size_t body_len = k->body_len;
	struct curl_slist *headers = k->headers;
	CURLcode rc;

	/* A handle that last ran this fixed request already has every option in place. */
	if (s->last == k && !k->dynamic)
		return 0;
	s->last = NULL;
	if (k->dynamic && set_dynamic(s, k, seq, &url, &body, &body_len, &headers) < 0)
		return diag_error("out of memory expanding drive request %zu",
				  (size_t)(k - s->w->d->kinds) + 1);
	if ((rc = curl_easy_setopt(s->easy, CURLOPT_CURLU, k->curlu)) ||
	    (!k->curlu && (rc = curl_easy_setopt(s->easy, CURLOPT_URL, url))) ||
	    (rc = curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, headers)) ||
	    (rc = request_set_method(s->easy, k, body, body_len)))
		return diag_error("cannot set up a request to '%s': %s", url,
				  curl_easy_strerror(rc));
	s->last = k;
	return 0;
}

/* ---- slots -------------------------------------------------------------------------------- */

static int slot_init(struct slot *s, struct worker *w, long timeout_ms)
{
	CURLcode rc;

	s->w = w;
	if (!(s->easy = curl_easy_init()))
		return diag_error("cannot create a curl handle (out of memory?)");
	if ((rc = http_setup(s->easy, &w->d->guard, timeout_ms)) ||
	    (rc = curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s)))
		return diag_error("cannot set up a curl handle: %s", curl_easy_strerror(rc));
	w->free_slots[w->n_free++] = s;
	return 0;
}

/* The transfer is over (done or aborted): take the handle out and make the slot idle. */
static void slot_release(struct slot *s)
{
	struct worker *w = s->w;

	curl_multi_remove_handle(w->multi, s->easy);
	curl_slist_free_all(s->headers);
	s->headers = NULL;
	s->busy = 0;
	w->free_slots[w->n_free++] = s;
}

/* ---- the schedule ------------------------------------------------------------------------- */

/* Add n to a counter only this worker writes: no locked instruction needed. */
static void count(atomic_uint_fast64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* The driver-wide index of the worker's local request j. */
static uint64_t global_index(const struct worker *w, uint64_t j)
{
	return w->index + j * w->d->n_workers;
}

static int64_t due_ns(const struct worker *w, uint64_t j)
{
	return w->d->t0_ns + (int64_t)((double)global_index(w, j) * w->d->period_ns);
}

static int may_start(const struct worker *w)
{
	return !atomic_load_explicit(&w->d->stop, memory_order_relaxed) &&
	       w->n_started < w->quota;
}

static int start_one(struct worker *w)
{
	struct slot *s = w->free_slots[w->n_free - 1];
	CURLMcode mc;

	if (configure(s, pick_kind(w), global_index(w, w->n_started)) < 0)
		return -1;
	if ((mc = curl_multi_add_handle(w->multi, s->easy)))
		return diag_error("cannot start a request: %s", curl_multi_strerror(mc));
	w->n_free--;
	s->busy = 1;
	w->n_started++;
	count(&w->c.started, 1);
	return 0;
}

/*
 * Every handle is busy and requests are due: each of them will start late.  Count each
 * request once, however many turns it waits through.
 */
static void count_behind(struct worker *w, int64_t now)
{
	const struct driver *d = w->d;
	double due_global = (double)(now - d->t0_ns) / d->period_ns;
	uint64_t due = 0, from = w->behind_mark > w->n_started ? w->behind_mark : w->n_started;

	/* Local requests j with index + j * T <= due_global. */
	if (due_global >= w->index)
		due = (uint64_t)((due_global - w->index) / d->n_workers) + 1;
	if (due > w->quota)
		due = w->quota;
	if (due > from) {
		count(&w->c.behind, due - from);
		w->behind_mark = due;
	}
}

/* Start what is due by now on the free handles; returns how many, or -1. */
static int start_due(struct worker *w, int64_t now)
{
	int n = 0;

	while (may_start(w) && w->n_free) {
		if (w->d->period_ns > 0 && due_ns(w, w->n_started) > now)
			return n;
		if (start_one(w) < 0)
			return -1;
		n++;
	}
	if (may_start(w) && w->d->period_ns > 0 && due_ns(w, w->n_started) <= now)
		count_behind(w, now);
	return n;
}

/* How long the worker may wait in curl_multi_poll before its next due request. */
static int wait_ms(const struct worker *w)
{
	int64_t left;

	/* With every handle busy only a finished transfer (a socket event) frees one; curl
	 * shortens the wait to its own timers. */
	if (!may_start(w) || !w->n_free)
		return IDLE_WAIT_MS;
	if (w->d->period_ns <= 0)
		return 0;
	left = due_ns(w, w->n_started) - clock_now_ns();
	if (left <= 0)
		return 0;
	/* Rounded up: waking a little late and starting two is better than spinning. */
	left = (left + CLOCK_NS_PER_MS - 1) / CLOCK_NS_PER_MS;
	return left < IDLE_WAIT_MS ? (int)left : IDLE_WAIT_MS;
}

/* ---- the worker --------------------------------------------------------------------------- */

static void drain(struct worker *w)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(w->multi, &left))) {
		struct slot *s;
		char *priv = NULL;
		long status = 0, connects = 0;
		CURLcode result = m->data.result;

		if (m->msg != CURLMSG_DONE)
			continue;
		/* Read everything first: m dies with curl_multi_remove_handle. */
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		s = (struct slot *)(void *)priv;
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &connects);
		if (result == CURLE_OK && status >= 200 && status < 400)
			count(&w->c.completed, 1);
		else
			count(&w->c.errors, 1);
		if (connects)
			count(&w->c.connects, (uint64_t)connects);
		slot_release(s);
	}
}

static void tell_caller(struct driver *d)
{
	uint64_t one = 1;

	/* Only fails when the counter is saturated, and then the caller is awake anyway. */
	if (write(d->event_fd, &one, sizeof(one)) < 0)
		return;
}

static int perform(struct worker *w)
{
	int running;
	CURLMcode mc = curl_multi_perform(w->multi, &running);

	if (mc != CURLM_OK)
		return diag_error("curl_multi_perform failed: %s", curl_multi_strerror(mc));
	drain(w);
	return 0;
}

/* Start due requests and send them right away rather than after the next wait. */
static int kick(struct worker *w)
{
	int n = start_due(w, clock_now_ns());

	if (n < 0)
		return -1;
	return n ? perform(w) : 0;
}

/*
 * One turn: start what is due, wait for curl's sockets (or curl_multi_wakeup from
 * driver_stop), complete transfers and refill their handles.
 */
static int turn(struct worker *w)
{
	CURLMcode mc;

	if (kick(w) < 0)
		return -1;
	if ((mc = curl_multi_poll(w->multi, NULL, 0, wait_ms(w), NULL)))
		return diag_error("curl_multi_poll failed: %s", curl_multi_strerror(mc));
	if (perform(w) < 0 || kick(w) < 0)
		return -1;
	if (!w->done_told && w->n_started == w->quota && w->n_free == w->n_slots) {
		w->done_told = 1;
		tell_caller(w->d);
	}
	return 0;
}

/* After a failure: abort what is in flight, tell the caller, and wait to be stopped. */
static void fail(struct worker *w)
{
	for (unsigned i = 0; i < w->n_slots; i++)
		if (w->slots[i].busy)
			slot_release(&w->slots[i]);
	atomic_store(&w->d->failed, 1);
	tell_caller(w->d);
	/* With no transfer left, only curl_multi_wakeup ends the wait. */
	while (!atomic_load(&w->d->stop))
		curl_multi_poll(w->multi, NULL, 0, IDLE_WAIT_MS, NULL);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load_explicit(&w->d->stop, memory_order_relaxed))
		if (turn(w) < 0)
			fail(w);
	getrusage(RUSAGE_THREAD, &w->usage);
	return NULL;
}

/* ---- starting and stopping ---------------------------------------------------------------- */

/* The worker's share of the limit: the requests index, index + T, ... below it. */
static uint64_t quota_of(const struct driver *d, unsigned index)
{
	if (!d->limit)
		return UINT64_MAX;
	if (d->limit <= index)
		return 0;
	return (d->limit - index + d->n_workers - 1) / d->n_workers;
}

/*
 * Start every worker.  The first requests are added here, before the threads exist, so they
 * count as started as soon as the first driver_poll returns.  The threads block every signal:
 * the run loop reads them from its signalfd.
 */
static int start_workers(struct driver *d)
{
	int64_t now = clock_now_ns();
	sigset_t all, old;
	int ret = 0;

	d->started = 1;
	d->t0_ns = now;
	for (unsigned i = 0; i < d->n_workers; i++) {
		d->workers[i].quota = quota_of(d, i);
		if (start_due(&d->workers[i], now) < 0)
			return -1;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned i = 0; i < d->n_workers && ret == 0; i++) {
		int e = pthread_create(&d->workers[i].thread, NULL, worker_main, &d->workers[i]);
		if (e)
			ret = diag_error("cannot start a driver thread: %s", strerror(e));
		else
			d->workers[i].running = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

/* Ask every worker to end and wait for it; then abort what is still in flight. */
static void stop_workers(struct driver *d)
{
	atomic_store(&d->stop, 1);
	for (unsigned i = 0; i < d->n_workers; i++) {
		struct worker *w = &d->workers[i];
		if (!w->running)
			continue;
		/* Ends the worker's curl_multi_poll; it sees the stop flag right after. */
		curl_multi_wakeup(w->multi);
		pthread_join(w->thread, NULL);
		w->running = 0;
	}
	for (unsigned i = 0; i < d->n_workers; i++)
		for (unsigned j = 0; j < d->workers[i].n_slots; j++)
			if (d->workers[i].slots[j].busy)
				slot_release(&d->workers[i].slots[j]);
}

/* ---- the caller's side -------------------------------------------------------------------- */

int driver_poll(struct driver *d, struct pollfd *extra, unsigned n_extra, int timeout_ms)
{
	struct pollfd pfd[DRIVER_MAX_EXTRA + 1];
	uint64_t v;
	int n;

	if (n_extra > DRIVER_MAX_EXTRA)
		return diag_error("driver_poll: at most %d extra fds", DRIVER_MAX_EXTRA);
	if (!d->started && !d->stopped && start_workers(d) < 0) {
		atomic_store(&d->failed, 1);
		return -1;
	}
	for (unsigned i = 0; i < n_extra; i++)
		pfd[i] = (struct pollfd){ .fd = extra[i].fd, .events = extra[i].events };
	pfd[n_extra] = (struct pollfd){ .fd = d->event_fd, .events = POLLIN };
	n = poll(pfd, n_extra + 1, timeout_ms);
	if (n < 0 && errno != EINTR)
		return diag_error("poll failed: %s", strerror(errno));
	for (unsigned i = 0; i < n_extra; i++)
		extra[i].revents = n > 0 ? pfd[i].revents : 0;
	if (n > 0 && pfd[n_extra].revents && read(d->event_fd, &v, sizeof(v)) < 0 &&
	    errno != EAGAIN)
		return diag_error("cannot read the driver's events: %s", strerror(errno));
	return atomic_load(&d->failed) ? -1 : 0;
}

void driver_totals(const struct driver *d, struct driver_totals *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < d->n_workers; i++) {
		const struct counters *c = &d->workers[i].c;
		out->started += atomic_load_explicit(&c->started, memory_order_relaxed);
		out->completed += atomic_load_explicit(&c->completed, memory_order_relaxed);
		out->errors += atomic_load_explicit(&c->errors, memory_order_relaxed);
		out->connects += atomic_load_explicit(&c->connects, memory_order_relaxed);
		out->behind += atomic_load_explicit(&c->behind, memory_order_relaxed);
	}
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

void driver_cpu(const struct driver *d, double *user_s, double *sys_s)
{
	*user_s = *sys_s = 0;
	for (unsigned i = 0; i < d->n_workers; i++) {
		*user_s += tv_s(d->workers[i].usage.ru_utime);
		*sys_s += tv_s(d->workers[i].usage.ru_stime);
	}
}

unsigned driver_threads(const struct driver *d)
{
	return d->n_workers;
}

void driver_set_limit(struct driver *d, uint64_t n)
{
	d->limit = n;
}

void driver_stop(struct driver *d)
{
	if (d->stopped)
		return;
	d->stopped = 1;
	stop_workers(d);
}

/* ---- the handle --------------------------------------------------------------------------- */

static int check_drive(const struct scenario_drive *drive)
{
	if (!drive->n_requests)
		return diag_error("drive has no requests (add drive.http.url)");
	if (!drive->concurrency)
		return diag_error("drive.http.concurrency must be >= 1");
	if (!(drive->rate_per_s >= 0))
		return diag_error("drive.http.rate_per_s must be >= 0 (0: as fast as possible)");
	if (!(drive->timeout_s > 0))
		return diag_error("drive.http.timeout_s must be > 0");
	for (size_t i = 0; i < drive->n_requests; i++)
		if (!drive->requests[i].weight)
			return diag_error("drive request %zu: weight must be >= 1", i + 1);
	return 0;
}

unsigned driver_default_threads(unsigned concurrency, double rate_per_s)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = cores < 1 ? 1 : cores > 1024 ? 1024 : (unsigned)cores;

	/* At a set rate a thread more adds no load, only wake-ups: CPU taken from the target
	 * under measurement (make bench prints the cost per request on one and two threads). */
	if (rate_per_s > 0 && ceil(rate_per_s / DRIVER_RATE_PER_THREAD) < n)
		n = (unsigned)ceil(rate_per_s / DRIVER_RATE_PER_THREAD);
	return concurrency && n > concurrency ? concurrency : n;
}

static int multi_init(struct worker *w)
{
	CURLMcode mc;

	if (!(w->multi = curl_multi_init()))
		return diag_error("out of memory setting up the driver");
	/* Exactly one cached connection per handle: reuse, never a connection storm. */
	if ((mc = curl_multi_setopt(w->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)w->n_slots)) ||
	    (mc = curl_multi_setopt(w->multi, CURLMOPT_MAXCONNECTS, (long)w->n_slots)))
		return diag_error("cannot set up the driver: %s", curl_multi_strerror(mc));
	return 0;
}

/* Worker index of n: its share of the connections (the first ones take the remainder). */
static int worker_init(struct worker *w, struct driver *d, unsigned index, unsigned n_slots,
		       long timeout_ms)
{
	w->d = d;
	w->index = index;
	w->quota = UINT64_MAX;
	w->n_slots = n_slots;
	w->uuid_state = template_uuid_seed();
	w->slots = calloc(n_slots, sizeof(*w->slots));
	w->free_slots = calloc(n_slots, sizeof(*w->free_slots));
	w->swrr = calloc(d->n_kinds, sizeof(*w->swrr));
	if (!w->slots || !w->free_slots || !w->swrr)
		return diag_error("out of memory setting up the driver");
	if (multi_init(w) < 0)
		return -1;
	/* Skip the picks of the requests before this worker's first one. */
	for (unsigned i = 0; i < index; i++)
		swrr_step(d, w->swrr);
	for (unsigned i = 0; i < n_slots; i++)
		if (slot_init(&w->slots[i], w, timeout_ms) < 0)
			return -1;
	return 0;
}

static void worker_release(struct worker *w)
{
	for (unsigned i = 0; w->slots && i < w->n_slots; i++) {
		struct slot *s = &w->slots[i];
		if (s->busy)
			curl_multi_remove_handle(w->multi, s->easy);
		if (s->easy)
			curl_easy_cleanup(s->easy);
		curl_slist_free_all(s->headers);
		free(s->body);
	}
	if (w->multi)
		curl_multi_cleanup(w->multi);
	free(w->slots);
	free(w->free_slots);
	free(w->swrr);
	free(w->scratch);
}

static int driver_init(struct driver *d, const struct scenario_drive *drive)
{
	long timeout_ms = (long)(drive->timeout_s * 1000.0);

	d->guard.allow_remote = drive->allow_remote;
	atomic_init(&d->guard.warn, 1);
	d->period_ns = drive->rate_per_s > 0 ? (double)CLOCK_NS_PER_S / drive->rate_per_s : 0;
	d->n_kinds = drive->n_requests;
	d->n_workers = drive->threads ? drive->threads : driver_default_threads(drive->concurrency,
								       drive->rate_per_s);
	if (d->n_workers > drive->concurrency)
		d->n_workers = drive->concurrency;
	d->kinds = calloc(d->n_kinds, sizeof(*d->kinds));
	d->workers = calloc(d->n_workers, sizeof(*d->workers));
	d->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!d->kinds || !d->workers)
		return diag_error("out of memory setting up the driver");
	if (d->event_fd < 0)
		return diag_error("cannot set up the driver: %s", strerror(errno));
	for (size_t i = 0; i < d->n_kinds; i++) {
		if (request_init(&d->kinds[i], &drive->requests[i], i, &d->workers[0].scratch,
			      &d->workers[0].scratch_cap) < 0)
			return -1;
		d->weight_sum += drive->requests[i].weight;
	}
	for (unsigned i = 0; i < d->n_workers; i++) {
		unsigned share = drive->concurrency / d->n_workers +
				 (i < drive->concurrency % d->n_workers);
		if (worker_init(&d->workers[i], d, i, share, timeout_ms) < 0)
			return -1;
	}
	return 0;
}

struct driver *driver_new(const struct scenario_drive *drive)
{
	struct driver *d = NULL;

	if (http_global_init() < 0 || check_drive(drive) < 0)
		return NULL;
	if (!(d = calloc(1, sizeof(*d)))) {
		diag_error("out of memory setting up the driver");
		return NULL;
	}
	d->event_fd = -1;
	if (driver_init(d, drive) < 0)
		driver_free(&d);
	return d;
}

void driver_free(struct driver **dp)
{
	struct driver *d = *dp;

	if (!d)
		return;
	if (d->workers) {
		driver_stop(d);
		for (unsigned i = 0; i < d->n_workers; i++)
			worker_release(&d->workers[i]);
	}
	for (size_t i = 0; d->kinds && i < d->n_kinds; i++)
		request_release(&d->kinds[i]);
	if (d->event_fd >= 0)
		close(d->event_fd);
	free(d->kinds);
	free(d->workers);
	free(d);
	*dp = NULL;
}
