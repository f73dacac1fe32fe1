/*
 * session — one poll loop carries the whole run: the sample timer (timerfd), Ctrl-C and
 * friends (signalfd), the target's exit (pidfd) and the driver's news (driver_poll, which
 * waits on our fds too while the driver's own threads send the requests).  Nothing here
 * sleeps; every wait is on an fd.
 */
#include "run/session.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/diag.h"
#include "base/vec.h"
#include "run/http.h"

#define READY_PROBE_EVERY_MS 100
#define LOOP_MAX_WAIT_MS 1000

int session_signals_open(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return diag_error("cannot block signals: %s", strerror(errno));
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return diag_error("cannot create signalfd: %s", strerror(errno));
	return fd;
}

/* The signal waiting on fd, or 0. */
static int read_signal(int fd)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}

int session_wait_ready(struct target *t, const char *url, long timeout_ms, int allow_remote,
		       int signal_fd, int *signo)
{
	int64_t deadline = clock_now_ns() + (int64_t)timeout_ms * CLOCK_NS_PER_MS;
	long last = 0;
	char how[128];

	*signo = 0;
	for (;;) {
		int64_t left_ms = (deadline - clock_now_ns()) / CLOCK_NS_PER_MS;
		if (left_ms <= 0)
			break;
		last = http_probe(url, left_ms < 1000 ? left_ms : 1000, allow_remote);
		if (last >= 200 && last < 300)
			return 0;
		struct pollfd pfd[2] = {
			{ .fd = signal_fd, .events = POLLIN },
			{ .fd = target_fd(t), .events = POLLIN },
		};
		/* Waits on the target's exit and on signals: the pause ends early for either. */
		poll(pfd, 2, READY_PROBE_EVERY_MS);
		if (pfd[0].revents && (*signo = read_signal(signal_fd)))
			return diag_error("interrupted by SIG%s while waiting for the target",
					  sigabbrev_np(*signo));
		if (target_poll(t)) {
			target_describe(t, how, sizeof(how));
			return diag_error("target %s before it became ready (see target.log)", how);
		}
	}
	if (last)
		return diag_error("target never became ready: '%s' answered HTTP %ld for %.1f s "
				  "(raise target.ready.timeout_s?)", url, last, timeout_ms / 1e3);
	return diag_error("target never became ready: no answer from '%s' within %.1f s "
			  "(raise target.ready.timeout_s, or check target.log)",
			  url, timeout_ms / 1e3);
}

/* Every column of the series, for what is done to all of them alike. */
static size_t series_columns(struct session_series *s, double ***cols)
{
	size_t n = 0;

	cols[n++] = &s->t_s;
	cols[n++] = &s->lazyfree_kib;
	cols[n++] = &s->requests;
	for (size_t i = 0; i < s->n_metrics; i++)
		cols[n++] = &s->col[i];
	return n;
}

/* Keep every other kept sample: the thinning that bounds the series (top of session.h). */
static void series_thin(struct session_series *s)
{
	double **cols[SESSION_COLUMNS];
	size_t n = series_columns(s, cols);

	for (size_t c = 0; c < n; c++)
		for (size_t i = 0; 2 * i < s->n; i++)
			(*cols[c])[i] = (*cols[c])[2 * i];
	s->n = (s->n + 1) / 2;
	s->stride *= 2;
}

/* Room for one more sample in every column: they share one capacity, so each grows alike. */
static int series_grow(struct session_series *s)
{
	double **cols[SESSION_COLUMNS];
	size_t n = series_columns(s, cols), cap = s->cap;

	for (size_t i = 0; i < n; i++) {
		double *p;

		cap = s->cap;
		if (!(p = vec_grow(*cols[i], &cap, s->n + 1, sizeof(double))))
			return diag_error("out of memory after %zu samples", s->n);
		*cols[i] = p;
	}
	s->cap = cap;
	return 0;
}

static int series_push(struct session_series *s, const struct results_row *r, double requests)
{
	if (!s->stride)
		s->stride = 1;
	if (s->seen++ % s->stride)
		return 0;
	if (s->n == SESSION_MAX_KEPT)
		series_thin(s);
	if (s->n == s->cap && series_grow(s) < 0)
		return -1;
	s->t_s[s->n] = r->s.t_s;
	s->lazyfree_kib[s->n] = r->lazyfree_kib;
	s->requests[s->n] = requests;
	for (size_t i = 0; i < s->n_metrics; i++)
		s->col[i][s->n] = r->metric[i];
	s->n++;
	return 0;
}

/* State the loop carries between samples. */
struct loop {
	const struct session_config *c;
	struct session_result *out;
	struct results_csv *csv;
	int64_t t0_ns;
	int64_t next_lazyfree_ns;
	double lazyfree_kib;
	struct driver_totals prev;
	double max_s;			/* the run's duration */
	double next_look_s;		/* when to judge next (early verdicts) */
	struct gate_monitor monitor;
	int window_started;		/* on_window_start has been called */
	/* The live line: a fit of its own once a second when the run does not judge early,
	 * and requests per second over the last second or so. */
	int looked;			/* out->decision holds a look */
	struct gate_report shown;	/* the live line's own fit */
	int has_shown;
	double next_show_s;
	double rate_t_s, rate_req_per_s;
	uint64_t rate_completed;
};

/*
 * Judge the samples so far, once a second after the warm-up: 1 when the verdict is settled
 * (out->settled and out->decision say what), else 0.
 */
static int look(struct loop *l)
{
	const struct session_judge *j = l->c->judge;
	struct session_result *out = l->out;
	struct gate_input in;

	if (!j || out->elapsed_s < l->next_look_s)
		return 0;
	l->next_look_s = out->elapsed_s + 1;
	session_gate_input(out, j->warmup_s, j->with_lazyfree, j->with_requests, &in);
	in.max_fit_s = l->max_s - j->warmup_s;
	in.early = 1;
	if (gate_evaluate(j->gate, &in, &out->decision) < 0)
		return 0;
	l->looked = 1;
	out->settled = gate_monitor_look(&l->monitor, &out->decision, in.max_fit_s);
	if (out->settled == GATE_OPEN)
		return 0;
	out->decided_at_s = out->elapsed_s;
	return 1;
}

/* ---- the live line ------------------------------------------------------------------------ */

/* The live line's fit when the run does not look early: at most once a second. */
static const struct gate_report *show_fit(struct loop *l)
{
	const struct session_judge *j = l->c->show_judge;
	struct gate_input in;

	if (l->looked)
		return &l->out->decision;
	if (l->c->judge || !j || l->out->elapsed_s < l->next_show_s)
		return l->has_shown ? &l->shown : NULL;
	l->next_show_s = l->out->elapsed_s + 1;
	session_gate_input(l->out, j->warmup_s, j->with_lazyfree, j->with_requests, &in);
	if (l->out->elapsed_s > j->warmup_s && gate_evaluate(j->gate, &in, &l->shown) == 0)
		l->has_shown = 1;
	return l->has_shown ? &l->shown : NULL;
}

/* The fitted, gated metric closest to its gate (the largest slope / gate), or -1. */
static int closest_to_gate(const struct gate_report *r)
{
	double best = -INFINITY;
	int at = -1;

	for (size_t i = 0; i < r->n_metrics; i++) {
		const struct gate_metric *m = &r->metric[i];
		double ratio;
		if (!m->fitted || m->limit_per_min < 0)
			continue;
		ratio = m->fit.theil_sen.slope * 60 / (m->limit_per_min > 0 ? m->limit_per_min : 1e-9);
		if (ratio > best) {
			best = ratio;
			at = (int)i;
		}
	}
	return at;
}

static const char *verdict_so_far(const struct loop *l, const struct gate_report *r)
{
	const struct session_judge *j = l->c->judge ? l->c->judge : l->c->show_judge;

	if (l->out->settled != GATE_OPEN)
		return l->out->settled == GATE_SETTLED_LEAK ? "leak" : "pass";
	if (!r)
		return j && l->out->elapsed_s < j->warmup_s ? "warming up" : "fitting";
	return r->leak ? "leak so far" : "pass so far";
}

static void show_slope(const struct gate_report *r, struct status_view *v)
{
	int i = r ? closest_to_gate(r) : -1;

	if (i < 0)
		return;
	v->slope_name = r->metric[i].name;
	v->slope_unit = r->metric[i].def ? r->metric[i].def->rate_unit : "/min";
	v->slope_per_min = r->metric[i].fit.theil_sen.slope * 60;
	v->gate_per_min = r->metric[i].limit_per_min;
}

/* Requests per second over the last second or so: the line reads steadier than per sample. */
static void show_rate(struct loop *l, double t_s, uint64_t completed)
{
	if (t_s - l->rate_t_s < 1)
		return;
	l->rate_req_per_s = (double)(completed - l->rate_completed) / (t_s - l->rate_t_s);
	l->rate_t_s = t_s;
	l->rate_completed = completed;
}

static void show_status(struct loop *l, const struct results_row *row,
			const struct driver_totals *now)
{
	const struct gate_report *r;
	struct status_view v = {
		.elapsed_s = row->s.t_s, .max_s = l->max_s, .rss_kib = (double)row->s.rss_kib,
		.threads = row->s.threads, .fds = row->s.fds, .slope_per_min = NAN,
		.gate_per_min = NAN, .driven = l->c->driver != NULL, .req_per_s = NAN,
		.errors = now->errors,
	};

	if (!status_live(l->c->status))
		return;
	r = show_fit(l);
	show_slope(r, &v);
	v.verdict = verdict_so_far(l, r);
	show_rate(l, row->s.t_s, now->completed);
	if (l->rate_t_s > 0)
		v.req_per_s = l->rate_req_per_s;
	status_show(l->c->status, &v);
}

/* Take one sample: 0, 1 when the sampled process is gone, 2 past a cap, -1 on failure. */
static int take_sample(struct loop *l)
{
	const struct session_config *c = l->c;
	struct results_row row = { .lazyfree_kib = l->lazyfree_kib };
	struct driver_totals now = { 0 };
	struct sample now_s = { 0 };
	int64_t t_ns = clock_now_ns();

	if (sampler_read(c->sampler, &now_s) < 0)
		return 1;
	if (c->generator)
		generator_sample(c->generator);
	now_s.t_s = (double)(t_ns - l->t0_ns) / CLOCK_NS_PER_S;
	results_row_set_sample(&row, &now_s);
	for (size_t i = METRIC_N_BUILTIN; i < METRIC_MAX; i++)
		row.metric[i] = NAN;
	if (c->scrape)
		scrape_values(c->scrape, &row.metric[METRIC_N_BUILTIN]);
	if (c->lazyfree_interval_ms && t_ns >= l->next_lazyfree_ns) {
		uint64_t kib;
		if (sampler_read_lazyfree(c->sampler, &kib) == 0)
			row.lazyfree_kib = l->lazyfree_kib = (double)kib;
		l->next_lazyfree_ns = t_ns + (int64_t)c->lazyfree_interval_ms * CLOCK_NS_PER_MS;
	}
	if (c->driver)
		driver_totals(c->driver, &now);
	row.requests = now.completed - l->prev.completed;
	row.errors = now.errors - l->prev.errors;
	l->prev = now;
	l->out->last = row.s;
	l->out->elapsed_s = row.s.t_s;
	if (results_csv_append(l->csv, &row) < 0 ||
	    series_push(&l->out->series, &row, (double)now.completed) < 0)
		return -1;
	if (c->on_sample)
		c->on_sample(c->cls, &row);
	show_status(l, &row, &now);
	/* after the row is written: the sample that crossed the cap is in samples.csv */
	return c->caps && cap_check(c->caps, &row.s, &l->out->cap) ? 2 : 0;
}

static int start_timer(unsigned interval_ms)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	struct itimerspec its = {
		.it_value = { .tv_nsec = 1 },	/* the first sample right away, at t = 0 */
		.it_interval = { .tv_sec = interval_ms / 1000,
				 .tv_nsec = (long)(interval_ms % 1000) * CLOCK_NS_PER_MS },
	};

	if (fd < 0)
		return diag_error("cannot create timerfd: %s", strerror(errno));
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		close(fd);
		return diag_error("cannot arm timerfd: %s", strerror(errno));
	}
	return fd;
}

/*
 * Wait for the next event: on the driver's poll when there is traffic to drive.  The
 * scraper's sockets go after the loop's n fds (pfd has room for SCRAPE_MAX_FDS more), and
 * its deadline shortens the wait; it acts on what the wait saw right after.
 */
static int wait_events(struct loop *l, struct pollfd *pfd, unsigned n, int timeout_ms)
{
	struct scrape *s = l->c->scrape;
	unsigned k = 0;

	if (s) {
		int due_ms = scrape_timeout_ms(s);
		k = scrape_pollfds(s, pfd + n, SCRAPE_MAX_FDS);
		if (due_ms < timeout_ms)
			timeout_ms = due_ms;
	}
	if (l->c->driver) {
		if (driver_poll(l->c->driver, pfd, n + k, timeout_ms) < 0)
			return -1;
	} else if (poll(pfd, n + k, timeout_ms) < 0 && errno != EINTR) {
		return diag_error("poll failed: %s", strerror(errno));
	}
	return s ? scrape_run(s, pfd + n, k) : 0;
}

/*
 * The generator's news: -1 when it failed; else 0, with pfd set to wait on its current
 * process (a restart has a new one) or on nothing once it ended for good.
 */
static int watch_generator(struct generator *g, struct pollfd *pfd)
{
	int r = generator_check(g);

	pfd->fd = r == 0 ? generator_fd(g) : -1;
	return r < 0 ? -1 : 0;
}

/* One turn of the loop: 0 to go on, 1 when the run ended (out->end says how), -1 failure. */
static int loop_turn(struct loop *l, struct pollfd *pfd, unsigned n, int64_t deadline_ns)
{
	struct session_result *out = l->out;
	int64_t left_ms = (deadline_ns - clock_now_ns()) / CLOCK_NS_PER_MS;
	uint64_t expirations;

	if (left_ms <= 0) {
		out->end = SESSION_COMPLETED;
		return 1;
	}
	for (unsigned i = 0; i < n; i++)
		pfd[i].revents = 0;
	if (wait_events(l, pfd, n, left_ms < LOOP_MAX_WAIT_MS ? (int)left_ms : LOOP_MAX_WAIT_MS))
		return -1;
	if (pfd[1].revents && (out->signo = read_signal(pfd[1].fd))) {
		out->end = SESSION_INTERRUPTED;
		return 1;
	}
	if (l->c->target && target_poll(l->c->target)) {
		out->end = SESSION_TARGET_EXITED;
		return 1;
	}
	if (l->c->generator && watch_generator(l->c->generator, &pfd[3]) < 0) {
		out->end = SESSION_GENERATOR_FAILED;
		return 1;
	}
	if (!pfd[0].revents || read(pfd[0].fd, &expirations, sizeof(expirations)) < 0)
		return 0;
	int r = take_sample(l);
	if (r > 0) {
		out->end = r == 2 ? SESSION_CAPPED : SESSION_TARGET_EXITED;
		return 1;
	}
	if (r == 0 && l->c->on_window_start && !l->window_started &&
	    out->elapsed_s >= l->c->window_start_s) {
		l->window_started = 1;
		l->c->on_window_start(l->c->window_cls, out->elapsed_s);
	}
	if (r == 0 && look(l)) {
		out->end = SESSION_SETTLED;
		return 1;
	}
	return r;
}

int session_run(const struct session_config *c, struct session_result *out)
{
	struct loop l = { .c = c, .out = out, .lazyfree_kib = NAN, .max_s = c->duration_s };
	int timer = -1;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	out->end = SESSION_FAILED;
	out->metrics = c->metrics;
	out->series.n_metrics = c->metrics->n;
	l.csv = results_csv_open(c->csv_path, c->metrics);
	if (!l.csv)
		goto out;
	timer = start_timer(c->interval_ms);
	if (timer < 0)
		goto out;
	struct pollfd pfd[4 + SCRAPE_MAX_FDS] = {
		{ .fd = timer, .events = POLLIN },
		{ .fd = c->signal_fd, .events = POLLIN },
		{ .fd = c->target ? target_fd(c->target) : -1, .events = POLLIN },
		{ .fd = c->generator ? generator_fd(c->generator) : -1, .events = POLLIN },
	};
	l.t0_ns = clock_now_ns();
	l.next_lazyfree_ns = l.t0_ns;
	if (c->judge)
		l.next_look_s = c->judge->warmup_s + 1;
	int64_t deadline_ns = l.t0_ns + (int64_t)(c->duration_s * CLOCK_NS_PER_S);
	/* Without a pidfd (watching a process we did not start) the sampler notices the exit;
	 * poll(2) skips an entry whose fd is -1. */
	unsigned n = 4;
	int r;
	while ((r = loop_turn(&l, pfd, n, deadline_ns)) == 0)
		;
	if (r < 0)
		goto out;
	if (c->driver)
		driver_totals(c->driver, &out->totals);
	ret = 0;
out:
	/* Whatever comes next (the summary, a message) starts on a clean line. */
	status_clear(c->status);
	if (timer >= 0)
		close(timer);
	if (results_csv_close(&l.csv) < 0)
		ret = -1;
	if (ret < 0)
		out->end = SESSION_FAILED;
	return ret;
}

void session_gate_input(const struct session_result *r, double warmup_s, int with_lazyfree,
			int with_requests, struct gate_input *in)
{
	const struct session_series *s = &r->series;

	*in = (struct gate_input){
		.metrics = r->metrics, .t_s = s->t_s,
		.lazyfree_kib = with_lazyfree ? s->lazyfree_kib : NULL,
		.requests = with_requests ? s->requests : NULL,
		.n = s->n, .warmup_s = warmup_s,
	};
	for (size_t i = 0; i < s->n_metrics; i++)
		in->col[i] = s->col[i];
}

int session_verdict(const struct session_result *r, const struct session_judge *j, int looked,
		    double duration_s, struct gate_report *out)
{
	struct gate_input in;

	session_gate_input(r, j->warmup_s, j->with_lazyfree, j->with_requests, &in);
	if (looked)
		in.max_fit_s = duration_s - j->warmup_s;
	if (r->end != SESSION_SETTLED)
		return gate_evaluate(j->gate, &in, out);
	/* A run that settled on a leak ends here: each metric is reported as a run of this length
	 * judges it, so one still waiting out an early look's guards (a curve that may bend) is
	 * not shown as passing beside the metrics that failed.  Never a verdict the look did not
	 * reach: any other outcome keeps the look's report. */
	*out = r->decision;
	if (out->leak) {
		struct gate_report *whole = malloc(sizeof(*whole));
		if (whole && gate_evaluate(j->gate, &in, whole) == 0 && whole->leak)
			*out = *whole;
		free(whole);
	}
	return 0;
}

int session_series_unjudged(const struct gate_report *r, const struct scrape *scrape, char *buf,
			    size_t len)
{
	struct scrape_totals t;
	const char *last;

	if (!scrape)
		return 0;
	scrape_totals(scrape, &t);
	last = scrape_last_error(scrape);
	for (size_t i = METRIC_N_BUILTIN; i < r->n_metrics; i++) {
		const struct gate_metric *m = &r->metric[i];
		if (m->limit_per_min < 0 || m->fitted)
			continue;
		snprintf(buf, len, "gated series '%s' had no readings to judge (%llu scrapes: %llu "
			 "read, %llu failed, %llu refused, %llu without it; last error: %s)",
			 m->name, (unsigned long long)t.scrapes, (unsigned long long)t.ok,
			 (unsigned long long)t.failed, (unsigned long long)t.malformed,
			 (unsigned long long)t.missing[i - METRIC_N_BUILTIN], last[0] ? last : "none");
		return 1;
	}
	return 0;
}

void session_result_release(struct session_result *r)
{
	double **cols[SESSION_COLUMNS];
	size_t n = series_columns(&r->series, cols);

	for (size_t i = 0; i < n; i++)
		free(*cols[i]);
	memset(r, 0, sizeof(*r));
}
