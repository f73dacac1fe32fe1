/*
 * driver — HTTP load on libcurl's multi interface (driver.h), shaped like curl's
 * docs/examples/10-at-a-time.c: a fixed set of easy handles, one per keep-alive connection,
 * each pointing back at its slot through CURLOPT_PRIVATE; finished transfers are drained from
 * curl_multi_info_read and their handles refilled with the next due request.
 *
 * Easy handles are created once and re-added for every request, so their connections stay in
 * the multi handle's cache and are reused: creating a handle per request would also work, but
 * costs an allocation storm per request in a tool whose own memory must stay flat.
 *
 * The schedule is absolute: request k is due at t0 + k / rate.  When every handle is busy the
 * due requests wait (and count as `behind`), and once handles free up the driver starts at most
 * as many as are free, so a stalled target sees a catch-up no larger than `concurrency`.
 */
#include "driver.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"
#include "diag.h"
#include "template.h"


/* The loopback guard handed to curl's open-socket callback. */
struct guard {
	int allow_remote;
	int warn;	/* say why the next refusal happened: once for a driver, never for probes */
};

/* One entry of the mix, compiled once. */
struct kind {
	const struct scenario_request *req;
	const char *custom;	/* CURLOPT_CUSTOMREQUEST, NULL for a plain GET, POST or HEAD */
	int post;		/* send a request body (POST, or any method with a body) */
	int head;
	int uses_seq, uses_uuid;
	int dynamic;		/* some template uses {seq} or {uuid}: expand per request */
	struct template *url_t, *body_t, **hdr_t;
	size_t n_hdr;
	/* Expansions made once, for templates without per-request placeholders. */
	char *url;
	char *body;
	size_t body_len;
	struct curl_slist *headers;
	long swrr;		/* smooth weighted round-robin credit */
};

/* One easy handle and what must outlive its transfer. */
struct slot {
	struct driver *d;
	CURL *easy;
	const struct kind *last;	/* kind whose options are set on the handle */
	int busy;
	char *body;			/* per-request body (CURLOPT_POSTFIELDS does not copy) */
	size_t body_cap;
	struct curl_slist *headers;	/* per-request headers */
};

struct driver {
	struct guard guard;
	CURLM *multi;
	struct kind *kinds;
	size_t n_kinds;
	long weight_sum;
	struct slot *slots;
	unsigned n_slots;
	struct slot **free_slots;	/* a stack of idle slots */
	unsigned n_free;
	double period_ns;		/* 0: flat out */
	int clock_started;
	int64_t t0_ns;
	uint64_t limit;
	uint64_t behind_mark;		/* requests below this index are counted late or started */
	int stopped;
	unsigned long long uuid_state;
	char *scratch;			/* URL and header expansion (curl copies both) */
	size_t scratch_cap;
	struct curl_waitfd *waitfds;
	unsigned waitfds_cap;
	struct driver_totals totals;
};

/* ---- libcurl setup ------------------------------------------------------------------------ */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

static void curl_init_once(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int global_init(void)
{
	pthread_once(&curl_once, curl_init_once);
	if (curl_init_result != CURLE_OK)
		return diag_error("cannot initialise libcurl: %s",
				  curl_easy_strerror(curl_init_result));
	return 0;
}

static int is_loopback(const struct curl_sockaddr *a)
{
	if (a->family == AF_INET && a->addrlen >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in in;
		memcpy(&in, &a->addr, sizeof(in));
		return (ntohl(in.sin_addr.s_addr) >> 24) == 127;
	}
	if (a->family == AF_INET6 && a->addrlen >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 in6;
		memcpy(&in6, &a->addr, sizeof(in6));
		if (IN6_IS_ADDR_LOOPBACK(&in6.sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr) && in6.sin6_addr.s6_addr[12] == 127;
	}
	return 0;
}

static void warn_refused(struct guard *g, const struct curl_sockaddr *a)
{
	char text[INET6_ADDRSTRLEN] = "?";
	struct sockaddr_storage ss;

	g->warn = 0;
	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, &a->addr, a->addrlen < sizeof(ss) ? a->addrlen : sizeof(ss));
	if (a->family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, text, sizeof(text));
	else if (a->family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, text, sizeof(text));
	diag_warning("refused to connect to %s: not a loopback address "
		     "(set drive.allow_remote to send traffic elsewhere)", text);
}

/*
 * curl calls this instead of socket(2) for every new connection, after name resolution: the
 * one place where the real peer address is known, whatever the URL said.
 */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct guard *g = clientp;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	if (!g->allow_remote && !is_loopback(a)) {
		if (g->warn)
			warn_refused(g, a);
		return CURL_SOCKET_BAD;
	}
	/* Close-on-exec: a target started later must not inherit (and count) our sockets. */
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static size_t discard(char *data, size_t size, size_t nmemb, void *cls)
{
	(void)data;
	(void)cls;
	return size * nmemb;
}

/* Options every handle gets, the safety ones included. */
static CURLcode setup_easy(CURL *e, struct guard *g, long timeout_ms)
{
	CURLcode rc;

	if ((rc = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https")) ||
	    (rc = curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L)) ||
	    /* An http_proxy from the environment could relay "loopback" traffic anywhere. */
	    (rc = curl_easy_setopt(e, CURLOPT_PROXY, "")) ||
	    (rc = curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket)) ||
	    (rc = curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, g)))
		return rc;
	return CURLE_OK;
}

/* ---- expanding templates ----------------------------------------------------------------- */

/* Expand t into *buf, growing it; returns the length, or -1 when out of memory. */
static long expand(const struct template *t, const struct template_vars *v, char **buf,
		   size_t *cap)
{
	size_t n = template_expand(t, v, *buf, *cap);

	if (n >= *cap) {
		char *nb = realloc(*buf, n + 1);
		if (!nb)
			return -1;
		*buf = nb;
		*cap = n + 1;
		template_expand(t, v, *buf, *cap);
	}
	return (long)n;
}

/*
 * The header list from the templates.  A request with a body also gets an empty "Expect:",
 * which stops curl from waiting for a 100-continue before sending a large body.
 */
static struct curl_slist *build_headers(const struct kind *k, const struct template_vars *v,
					char **scratch, size_t *cap)
{
	struct curl_slist *list = NULL, *grown;

	if (k->post && !(list = curl_slist_append(NULL, "Expect:")))
		return NULL;
	for (size_t h = 0; h < k->n_hdr; h++) {
		if (expand(k->hdr_t[h], v, scratch, cap) < 0 ||
		    !(grown = curl_slist_append(list, *scratch))) {
			curl_slist_free_all(list);
			return NULL;
		}
		list = grown;
	}
	return list;
}

/* ---- the mix ------------------------------------------------------------------------------ */

static int compile(const char *text, const char *what, size_t i, struct template **out)
{
	char *bad = NULL;

	*out = template_compile(text, &bad);
	if (*out)
		return 0;
	if (bad) {
		diag_error("drive request %zu: unknown placeholder '{%s}' in its %s "
			   "(use {seq} or {uuid})", i + 1, bad, what);
		free(bad);
		return -1;
	}
	return diag_error("drive request %zu: out of memory compiling its %s", i + 1, what);
}

static int uses_per_request(const struct template *t, struct kind *k)
{
	int seq = template_uses(t, "seq"), uuid = template_uses(t, "uuid");

	k->uses_seq |= seq;
	k->uses_uuid |= uuid;
	return seq || uuid;
}

static int kind_method(struct kind *k, size_t i)
{
	const char *m = k->req->method ? k->req->method : "GET";

	k->head = strcmp(m, "HEAD") == 0;
	if (k->head && k->req->body)
		return diag_error("drive request %zu: a HEAD request cannot have a body "
				  "(remove 'body' or use another method)", i + 1);
	k->post = strcmp(m, "POST") == 0 || k->req->body;
	/* GET, POST and HEAD are what curl sends by itself for these settings. */
	if (!k->head && strcmp(m, "POST") != 0 && !(strcmp(m, "GET") == 0 && !k->req->body))
		k->custom = m;
	return 0;
}

static int kind_init(struct kind *k, const struct scenario_request *req, size_t i,
		     char **scratch, size_t *cap)
{
	static const struct template_vars none = { 0 };
	int dyn_url, dyn_body = 0, dyn_hdr = 0;

	k->req = req;
	if (kind_method(k, i) < 0 || compile(req->url, "url", i, &k->url_t) < 0)
		return -1;
	if (req->body && compile(req->body, "body", i, &k->body_t) < 0)
		return -1;
	while (req->headers && req->headers[k->n_hdr])
		k->n_hdr++;
	k->hdr_t = calloc(k->n_hdr ? k->n_hdr : 1, sizeof(*k->hdr_t));
	if (!k->hdr_t)
		return diag_error("out of memory setting up the driver");
	for (size_t h = 0; h < k->n_hdr; h++) {
		if (compile(req->headers[h], "headers", i, &k->hdr_t[h]) < 0)
			return -1;
		dyn_hdr |= uses_per_request(k->hdr_t[h], k);
	}
	dyn_url = uses_per_request(k->url_t, k);
	if (k->body_t)
		dyn_body = uses_per_request(k->body_t, k);
	k->dynamic = dyn_url || dyn_body || dyn_hdr;
	if (!dyn_url && !(k->url = template_expand_dup(k->url_t, &none)))
		return diag_error("out of memory setting up the driver");
	if (k->body_t && !dyn_body) {
		if (!(k->body = template_expand_dup(k->body_t, &none)))
			return diag_error("out of memory setting up the driver");
		k->body_len = strlen(k->body);
	}
	if (!dyn_hdr && (k->n_hdr || k->post) &&
	    !(k->headers = build_headers(k, &none, scratch, cap)))
		return diag_error("out of memory setting up the driver");
	return 0;
}

static void kind_release(struct kind *k)
{
	template_free(&k->url_t);
	template_free(&k->body_t);
	for (size_t h = 0; k->hdr_t && h < k->n_hdr; h++)
		template_free(&k->hdr_t[h]);
	free(k->hdr_t);
	free(k->url);
	free(k->body);
	curl_slist_free_all(k->headers);
}

/*
 * Smooth weighted round-robin (nginx's): every pick adds each weight to its credit and takes
 * the largest, which then pays the total.  Weights 3:1 give A A B A, repeating — the same
 * sequence every run, spread out rather than in bursts.
 */
static struct kind *pick_kind(struct driver *d)
{
	struct kind *best = &d->kinds[0];

	for (size_t i = 0; i < d->n_kinds; i++) {
		d->kinds[i].swrr += d->kinds[i].req->weight;
		if (d->kinds[i].swrr > best->swrr)
			best = &d->kinds[i];
	}
	best->swrr -= d->weight_sum;
	return best;
}

/* ---- setting up one request -------------------------------------------------------------- */

static CURLcode set_method(CURL *e, const struct kind *k, const char *body, size_t len)
{
	CURLcode rc;

	/* NOBODY first: clearing it would turn a later POST setting back into a GET. */
	if ((rc = curl_easy_setopt(e, CURLOPT_NOBODY, (long)k->head)))
		return rc;
	if (k->post) {
		if ((rc = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len)) ||
		    (rc = curl_easy_setopt(e, CURLOPT_POSTFIELDS, body ? body : "")))
			return rc;
	} else if (!k->head && (rc = curl_easy_setopt(e, CURLOPT_HTTPGET, 1L))) {
		return rc;
	}
	return curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, k->custom);
}

/* Expand the per-request parts of k for request seq; point url, body and headers at them. */
static int set_dynamic(struct slot *s, const struct kind *k, uint64_t seq, const char **url,
		       const char **body, size_t *body_len, struct curl_slist **headers)
{
	struct driver *d = s->d;
	char seq_text[24], uuid[37];
	struct template_vars v = { 0 };
	long n;

	if (k->uses_seq) {
		snprintf(seq_text, sizeof(seq_text), "%llu", (unsigned long long)seq);
		v.seq = seq_text;
	}
	if (k->uses_uuid) {
		template_uuid(&d->uuid_state, uuid);
		v.uuid = uuid;
	}
	if (k->body_t && !k->body) {
		if ((n = expand(k->body_t, &v, &s->body, &s->body_cap)) < 0)
			return -1;
		*body = s->body;
		*body_len = (size_t)n;
	}
	if (!k->headers && (k->n_hdr || k->post)) {
		curl_slist_free_all(s->headers);
		if (!(s->headers = build_headers(k, &v, &d->scratch, &d->scratch_cap)))
			return -1;
		*headers = s->headers;
	}
	/* The URL last: it shares the scratch buffer with the headers. */
	if (!k->url) {
		if (expand(k->url_t, &v, &d->scratch, &d->scratch_cap) < 0)
			return -1;
		*url = d->scratch;
	}
	return 0;
}

/* Point the slot's handle at request seq of kind k. */
static int configure(struct slot *s, const struct kind *k, uint64_t seq)
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
				  (size_t)(k - s->d->kinds) + 1);
	if ((rc = curl_easy_setopt(s->easy, CURLOPT_URL, url)) ||
	    (rc = curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, headers)) ||
	    (rc = set_method(s->easy, k, body, body_len)))
		return diag_error("cannot set up a request to '%s': %s", url,
				  curl_easy_strerror(rc));
	s->last = k;
	return 0;
}

/* ---- slots -------------------------------------------------------------------------------- */

static int slot_init(struct slot *s, struct driver *d, long timeout_ms)
{
	CURLcode rc;

	s->d = d;
	if (!(s->easy = curl_easy_init()))
		return diag_error("cannot create a curl handle (out of memory?)");
	if ((rc = setup_easy(s->easy, &d->guard, timeout_ms)) ||
	    (rc = curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s)))
		return diag_error("cannot set up a curl handle: %s", curl_easy_strerror(rc));
	d->free_slots[d->n_free++] = s;
	return 0;
}

/* The transfer is over (done or aborted): take the handle out and make the slot idle. */
static void slot_release(struct slot *s)
{
	struct driver *d = s->d;

	curl_multi_remove_handle(d->multi, s->easy);
	curl_slist_free_all(s->headers);
	s->headers = NULL;
	s->busy = 0;
	d->free_slots[d->n_free++] = s;
}

/* ---- the schedule ------------------------------------------------------------------------- */

static int64_t due_ns(const struct driver *d, uint64_t k)
{
	return d->t0_ns + (int64_t)((double)k * d->period_ns);
}

static int may_start(const struct driver *d)
{
	return !d->stopped && (!d->limit || d->totals.started < d->limit);
}

static int start_one(struct driver *d)
{
	struct slot *s = d->free_slots[d->n_free - 1];
	uint64_t seq = d->totals.started;
	CURLMcode mc;

	if (configure(s, pick_kind(d), seq) < 0)
		return -1;
	if ((mc = curl_multi_add_handle(d->multi, s->easy)))
		return diag_error("cannot start a request: %s", curl_multi_strerror(mc));
	d->n_free--;
	s->busy = 1;
	d->totals.started++;
	return 0;
}

/*
 * Every handle is busy and requests are due: each of them will start late.  Count each
 * request once, however many polls it waits through.
 */
static void count_behind(struct driver *d, int64_t now)
{
	uint64_t due = (uint64_t)((double)(now - d->t0_ns) / d->period_ns) + 1;
	uint64_t from = d->behind_mark > d->totals.started ? d->behind_mark : d->totals.started;

	if (d->limit && due > d->limit)
		due = d->limit;
	if (due > from) {
		d->totals.behind += due - from;
		d->behind_mark = due;
	}
}

/* Start what is due by now on the free handles; returns how many, or -1. */
static int start_due(struct driver *d, int64_t now)
{
	int n = 0;

	while (may_start(d) && d->n_free) {
		if (d->period_ns > 0 && due_ns(d, d->totals.started) > now)
			return n;
		if (start_one(d) < 0)
			return -1;
		n++;
	}
	if (may_start(d) && d->period_ns > 0 && due_ns(d, d->totals.started) <= now)
		count_behind(d, now);
	return n;
}

/* How long driver_poll may wait before the next request is due. */
static int wait_ms(const struct driver *d, int timeout_ms)
{
	int64_t left;

	if (timeout_ms < 0)
		timeout_ms = INT_MAX;
	/* With every handle busy only a finished transfer (a socket event) frees one. */
	if (!may_start(d) || !d->n_free)
		return timeout_ms;
	if (d->period_ns <= 0)
		return 0;
	left = due_ns(d, d->totals.started) - clock_now_ns();
	if (left <= 0)
		return 0;
	/* Rounded up: waking a little late and starting two is better than spinning. */
	left = (left + CLOCK_NS_PER_MS - 1) / CLOCK_NS_PER_MS;
	return left < timeout_ms ? (int)left : timeout_ms;
}

/* ---- the loop ----------------------------------------------------------------------------- */

static void drain(struct driver *d)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(d->multi, &left))) {
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
			d->totals.completed++;
		else
			d->totals.errors++;
		d->totals.connects += (uint64_t)connects;
		slot_release(s);
	}
}

static int perform(struct driver *d)
{
	int running;
	CURLMcode mc = curl_multi_perform(d->multi, &running);

	if (mc != CURLM_OK)
		return diag_error("curl_multi_perform failed: %s", curl_multi_strerror(mc));
	drain(d);
	return 0;
}

/* Start due requests and send them right away rather than after the next wait. */
static int kick(struct driver *d)
{
	int n = start_due(d, clock_now_ns());

	if (n < 0)
		return -1;
	return n ? perform(d) : 0;
}

static int wait_events(struct driver *d, struct pollfd *extra, unsigned n, int timeout_ms)
{
	int numfds = 0;
	CURLMcode mc;

	if (n > d->waitfds_cap) {
		struct curl_waitfd *w = realloc(d->waitfds, n * sizeof(*w));
		if (!w)
			return diag_error("out of memory polling %u fds", n);
		d->waitfds = w;
		d->waitfds_cap = n;
	}
	for (unsigned i = 0; i < n; i++) {
		d->waitfds[i] = (struct curl_waitfd){ .fd = extra[i].fd };
		if (extra[i].events & POLLIN)
			d->waitfds[i].events |= CURL_WAIT_POLLIN;
		if (extra[i].events & POLLPRI)
			d->waitfds[i].events |= CURL_WAIT_POLLPRI;
		if (extra[i].events & POLLOUT)
			d->waitfds[i].events |= CURL_WAIT_POLLOUT;
		extra[i].revents = 0;
	}
	mc = curl_multi_poll(d->multi, d->waitfds, n, timeout_ms, &numfds);
	if (mc != CURLM_OK)
		return diag_error("curl_multi_poll failed: %s", curl_multi_strerror(mc));
	/*
	 * curl passes back only POLLIN/PRI/OUT: a pipe whose writer closed (POLLHUP alone) would
	 * wake us for ever with empty revents.  Ask the kernel for the full answer instead.
	 */
	if (n && numfds > 0 && poll(extra, n, 0) < 0 && errno != EINTR)
		return diag_error("poll failed: %s", strerror(errno));
	return 0;
}

int driver_poll(struct driver *d, struct pollfd *extra, unsigned n_extra, int timeout_ms)
{
	if (!d->clock_started) {
		d->clock_started = 1;
		d->t0_ns = clock_now_ns();
	}
	if (kick(d) < 0 || wait_events(d, extra, n_extra, wait_ms(d, timeout_ms)) < 0 ||
	    perform(d) < 0)
		return -1;
	return kick(d);
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

static int driver_init(struct driver *d, const struct scenario_drive *drive)
{
	long timeout_ms = (long)(drive->timeout_s * 1000.0);

	d->guard.allow_remote = drive->allow_remote;
	d->guard.warn = 1;
	d->period_ns = drive->rate_per_s > 0 ? (double)CLOCK_NS_PER_S / drive->rate_per_s : 0;
	d->uuid_state = template_uuid_seed();
	d->n_kinds = drive->n_requests;
	d->n_slots = drive->concurrency;
	d->kinds = calloc(d->n_kinds, sizeof(*d->kinds));
	d->slots = calloc(d->n_slots, sizeof(*d->slots));
	d->free_slots = calloc(d->n_slots, sizeof(*d->free_slots));
	d->multi = curl_multi_init();
	if (!d->kinds || !d->slots || !d->free_slots || !d->multi)
		return diag_error("out of memory setting up the driver");
	/* Exactly one cached connection per handle: reuse, never a connection storm. */
	curl_multi_setopt(d->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)d->n_slots);
	curl_multi_setopt(d->multi, CURLMOPT_MAXCONNECTS, (long)d->n_slots);
	for (size_t i = 0; i < d->n_kinds; i++) {
		if (kind_init(&d->kinds[i], &drive->requests[i], i, &d->scratch,
			      &d->scratch_cap) < 0)
			return -1;
		d->weight_sum += drive->requests[i].weight;
	}
	for (unsigned i = 0; i < d->n_slots; i++)
		if (slot_init(&d->slots[i], d, timeout_ms < 1 ? 1 : timeout_ms) < 0)
			return -1;
	return 0;
}

struct driver *driver_new(const struct scenario_drive *drive)
{
	struct driver *d = NULL;

	if (global_init() < 0 || check_drive(drive) < 0)
		return NULL;
	if (!(d = calloc(1, sizeof(*d)))) {
		diag_error("out of memory setting up the driver");
		return NULL;
	}
	if (driver_init(d, drive) < 0)
		driver_free(&d);
	return d;
}

void driver_set_limit(struct driver *d, uint64_t n)
{
	d->limit = n;
}

void driver_totals(const struct driver *d, struct driver_totals *out)
{
	*out = d->totals;
}

void driver_stop(struct driver *d)
{
	d->stopped = 1;
	for (unsigned i = 0; i < d->n_slots; i++)
		if (d->slots[i].busy)
			slot_release(&d->slots[i]);
}

void driver_free(struct driver **dp)
{
	struct driver *d = *dp;

	if (!d)
		return;
	for (unsigned i = 0; d->slots && i < d->n_slots; i++) {
		struct slot *s = &d->slots[i];
		if (s->busy)
			curl_multi_remove_handle(d->multi, s->easy);
		if (s->easy)
			curl_easy_cleanup(s->easy);
		curl_slist_free_all(s->headers);
		free(s->body);
	}
	if (d->multi)
		curl_multi_cleanup(d->multi);
	for (size_t i = 0; d->kinds && i < d->n_kinds; i++)
		kind_release(&d->kinds[i]);
	free(d->kinds);
	free(d->slots);
	free(d->free_slots);
	free(d->scratch);
	free(d->waitfds);
	free(d);
	*dp = NULL;
}

/* ---- readiness probes --------------------------------------------------------------------- */

long driver_probe(const char *url, long timeout_ms, int allow_remote)
{
	/* Probes repeat every few ms while a target starts: a warning each time would flood. */
	struct guard g = { .allow_remote = allow_remote, .warn = 0 };
	long status = 0;
	CURL *e;

	if (global_init() < 0 || !(e = curl_easy_init()))
		return 0;
	if (setup_easy(e, &g, timeout_ms < 1 ? 1 : timeout_ms) == CURLE_OK &&
	    curl_easy_setopt(e, CURLOPT_URL, url) == CURLE_OK &&
	    curl_easy_perform(e) == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(e);
	return status;
}

static size_t write_file(char *data, size_t size, size_t nmemb, void *cls)
{
	return fwrite(data, size, nmemb, cls) * size;
}

long driver_fetch(const char *url, long timeout_ms, int allow_remote, const char *path)
{
	struct guard g = { .allow_remote = allow_remote, .warn = 1 };
	long status = 0;
	CURLcode rc = CURLE_FAILED_INIT;
	CURL *e = NULL;
	FILE *f = fopen(path, "wbe");

	if (!f) {
		diag_error("cannot create '%s': %s", path, strerror(errno));
		goto out;
	}
	if (global_init() < 0 || !(e = curl_easy_init()))
		goto out;
	if ((rc = setup_easy(e, &g, timeout_ms < 1 ? 1 : timeout_ms)) == CURLE_OK &&
	    (rc = curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_file)) == CURLE_OK &&
	    (rc = curl_easy_setopt(e, CURLOPT_WRITEDATA, f)) == CURLE_OK &&
	    (rc = curl_easy_setopt(e, CURLOPT_URL, url)) == CURLE_OK &&
	    (rc = curl_easy_perform(e)) == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
		diag_error("cannot fetch '%s': %s", url, curl_easy_strerror(rc));
out:
	if (e)
		curl_easy_cleanup(e);
	if (f && fclose(f) != 0 && status) {
		diag_error("cannot write '%s': %s", path, strerror(errno));
		status = 0;
	}
	return status;
}
