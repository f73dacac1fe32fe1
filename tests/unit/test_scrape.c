/*
 * test_scrape — the Prometheus scraper against a real HTTP server on loopback (libmicrohttpd
 * inside this process) serving a page the Prometheus Go client wrote, a 404, garbage and a
 * page that turns bad; a port that accepts and never answers; a refused port; an address
 * that is not loopback.  The loop is the one a caller runs: poll on scrape_pollfds for
 * scrape_timeout_ms, then scrape_run.  Waits end on the totals, bounded only by a hang guard.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "testutil.h"
#include "base/clock.h"
#include "base/diag.h"
#include "run/scrape.h"

#define HANG_GUARD_NS ((int64_t)TU_HANG_GUARD_MS * CLOCK_NS_PER_MS)

/* ---- the server ------------------------------------------------------------------------- */

static char *page;			/* /metrics: tests/unit/fixtures/prom/go-client.prom */
static atomic_int metrics_broken;	/* 1: /metrics answers 503 from now on */
static atomic_int connections;		/* TCP connections the server accepted */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								 MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret = MHD_queue_response(c, status, r);

	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **state)
{
	(void)cls, (void)method, (void)version, (void)data, (void)size;
	if (!*state) {		/* answer on the second call: keeps the connection alive */
		*state = c;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") == 0)
		return atomic_load(&metrics_broken) ? reply(c, 503, "down\n") : reply(c, 200, page);
	if (strcmp(url, "/garbage") == 0)
		return reply(c, 200, "<html><body>hello</body></html>\n");
	return reply(c, 404, "404 page not found\n");
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	(void)cls, (void)c, (void)socket_context;
	if (code == MHD_CONNECTION_NOTIFY_STARTED)
		atomic_fetch_add(&connections, 1);
}

struct fixture {
	struct MHD_Daemon *daemon;
	unsigned port;
	int silent_fd;			/* listens, never accepts */
	unsigned silent_port;
	char url[128];
};

static unsigned bound_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	return ntohs(a.sin_port);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	assert_non_null(f);
	page = tu_slurp("tests/unit/fixtures/prom/go-client.prom");
	assert_non_null(page);
	f->daemon = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, on_request,
				     NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				     MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
				     MHD_OPTION_END);
	assert_non_null(f->daemon);
	f->port = MHD_get_daemon_info(f->daemon, MHD_DAEMON_INFO_BIND_PORT)->port;
	f->silent_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->silent_fd >= 0);
	assert_int_equal(bind(f->silent_fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(f->silent_fd, 4), 0);
	f->silent_port = bound_port(f->silent_fd);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	MHD_stop_daemon(f->daemon);
	close(f->silent_fd);
	free(f);
	free(page);
	return 0;
}

/* ---- driving a scraper as the run loop does ------------------------------------------------ */

static const struct prom_label code_500 = { "code", "500" };
static const struct prom_selector series[] = {
	{ "fixture_goroutines", NULL, 0 },
	{ "http_requests_total", &code_500, 1 },
	{ "not_on_the_page", NULL, 0 },
};

static struct scrape *new_scraper(const char *url, unsigned interval_ms, unsigned timeout_ms,
				  int allow_remote)
{
	struct scrape_config c = {
		.url = url, .interval_ms = interval_ms, .timeout_ms = timeout_ms,
		.allow_remote = allow_remote, .series = series, .n_series = 3,
	};
	struct scrape *s = scrape_new(&c);

	assert_non_null(s);
	return s;
}

static uint64_t count_of(const struct scrape *s, const char *what)
{
	struct scrape_totals t;

	scrape_totals(s, &t);
	return strcmp(what, "ok") == 0 ? t.ok : strcmp(what, "failed") == 0 ? t.failed
		: t.malformed;
}

/* Run the loop until the count named what reaches n. */
static void run_until(struct scrape *s, const char *what, uint64_t n)
{
	int64_t guard = clock_now_ns() + HANG_GUARD_NS;

	while (count_of(s, what) < n) {
		struct pollfd pfd[SCRAPE_MAX_FDS];
		unsigned k = scrape_pollfds(s, pfd, SCRAPE_MAX_FDS);

		assert_true(poll(pfd, k, scrape_timeout_ms(s)) >= 0);
		assert_int_equal(scrape_run(s, pfd, k), 0);
		if (clock_now_ns() > guard)
			fail_msg("still waiting for %s = %llu after %d ms", what,
				 (unsigned long long)n, TU_HANG_GUARD_MS);
	}
	/* Every finished scrape is exactly one of read, failed or refused. */
	struct scrape_totals t;
	scrape_totals(s, &t);
	assert_int_equal(t.scrapes, t.ok + t.failed + t.malformed);
}

static void url_of(struct fixture *f, unsigned port, const char *path)
{
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u%s", port, path);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_reads_series(void **state)
{
	struct fixture *f = *state;
	char msg[512];
	double v[3];
	struct scrape *s;
	struct scrape_totals t;

	url_of(f, f->port, "/metrics");
	s = new_scraper(f->url, 1000, 1000, 0);
	scrape_values(s, v);
	assert_true(isnan(v[0]) && isnan(v[1]));	/* nothing before the first scrape */
	diag_capture(msg, sizeof(msg));
	run_until(s, "ok", 1);
	diag_capture(NULL, 0);
	scrape_values(s, v);
	assert_true(v[0] == 42);
	assert_true(v[1] == 3);
	assert_true(isnan(v[2]));
	scrape_totals(s, &t);
	assert_int_equal(t.scrapes, 1);
	assert_int_equal(t.failed + t.malformed + t.skipped, 0);
	assert_int_equal(t.missing[0], 0);
	assert_int_equal(t.missing[2], 1);
	assert_int_equal(t.matched[1], 1);
	/* The absent series was worth a warning, naming it. */
	assert_non_null(strstr(msg, "not_on_the_page"));
	assert_string_equal(scrape_last_error(s), "");
	scrape_free(&s);
	assert_null(s);
}

/* Scrapes reuse one keep-alive connection: the target sees no FD come and go. */
static void test_keeps_connection(void **state)
{
	struct fixture *f = *state;
	int before = atomic_load(&connections);
	char msg[512];
	struct scrape *s;

	url_of(f, f->port, "/metrics");
	s = new_scraper(f->url, 20, 1000, 0);
	diag_capture(msg, sizeof(msg));
	run_until(s, "ok", 5);
	diag_capture(NULL, 0);
	assert_int_equal(atomic_load(&connections) - before, 1);
	scrape_free(&s);
}

/* Scraping path counts each scrape under what (n of them), warns once with warning, keeps
 * last_error, and never yields a value. */
static void assert_counted(struct fixture *f, const char *path, const char *what, uint64_t n,
			   const char *last_error, const char *warning)
{
	char msg[512];
	double v[3];
	struct scrape *s;

	url_of(f, f->port, path);
	s = new_scraper(f->url, 20, 1000, 0);
	diag_capture(msg, sizeof(msg));
	run_until(s, what, n);
	diag_capture(NULL, 0);
	assert_string_equal(scrape_last_error(s), last_error);
	assert_non_null(strstr(msg, warning));
	assert_int_equal(count_of(s, "ok"), 0);
	scrape_values(s, v);
	assert_true(isnan(v[0]) && isnan(v[1]) && isnan(v[2]));
	scrape_free(&s);
}

static void test_http_error_counted(void **state)
{
	assert_counted(*state, "/nothing-here", "failed", 3, "HTTP 404", "failed: HTTP 404");
}

static void test_garbage_counted(void **state)
{
	assert_counted(*state, "/garbage", "malformed", 2, "line 1, column 1: metric name expected",
		       "refused");
}

/* A target that accepts and never answers costs a timeout, not a stalled loop. */
static void test_timeout(void **state)
{
	struct fixture *f = *state;
	char msg[512];
	struct scrape *s;
	struct scrape_totals t;

	url_of(f, f->silent_port, "/metrics");
	s = new_scraper(f->url, 100, 60, 0);
	diag_capture(msg, sizeof(msg));
	run_until(s, "failed", 2);
	diag_capture(NULL, 0);
	assert_string_equal(scrape_last_error(s), "no answer within 60 ms");
	scrape_totals(s, &t);
	assert_int_equal(t.skipped, 0);		/* the timeout ends each before the next is due */
	scrape_free(&s);
}

/* The timeout is cut to the interval, so scrapes never overlap. */
static void test_timeout_cut_to_interval(void **state)
{
	struct fixture *f = *state;
	char msg[512];
	struct scrape *s;

	url_of(f, f->silent_port, "/metrics");
	s = new_scraper(f->url, 50, 5000, 0);
	diag_capture(msg, sizeof(msg));
	run_until(s, "failed", 1);
	diag_capture(NULL, 0);
	assert_string_equal(scrape_last_error(s), "no answer within 50 ms");
	scrape_free(&s);
}

static void test_refused_port(void **state)
{
	struct fixture *f = *state;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char msg[512];
	struct scrape *s;

	/* A port bound but not listening: connections to it are refused. */
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	url_of(f, bound_port(fd), "/metrics");
	s = new_scraper(f->url, 20, 1000, 0);
	diag_capture(msg, sizeof(msg));
	run_until(s, "failed", 2);
	diag_capture(NULL, 0);
	assert_int_equal(count_of(s, "ok"), 0);
	scrape_free(&s);
	close(fd);
}

/* Not loopback and not allowed: refused at connect time, before any packet leaves. */
static void test_remote_refused(void **state)
{
	char msg[512];
	struct scrape *s;

	(void)state;
	s = new_scraper("http://192.0.2.1:9/metrics", 20, 1000, 0);
	diag_capture(msg, sizeof(msg));
	run_until(s, "failed", 1);
	diag_capture(NULL, 0);
	assert_string_not_equal(scrape_last_error(s), "no answer within 1000 ms");
	scrape_free(&s);
}

/* Values of a target that stops answering go NaN after SCRAPE_STALE_INTERVALS intervals. */
static void test_stale_values(void **state)
{
	struct fixture *f = *state;
	char msg[512];
	double v[3];
	struct scrape *s;
	int64_t broke_ns;

	url_of(f, f->port, "/metrics");
	s = new_scraper(f->url, 20, 1000, 0);
	diag_capture(msg, sizeof(msg));
	run_until(s, "ok", 1);
	atomic_store(&metrics_broken, 1);
	broke_ns = clock_now_ns();
	scrape_values(s, v);
	assert_true(v[0] == 42);
	run_until(s, "failed", SCRAPE_STALE_INTERVALS + 2);
	diag_capture(NULL, 0);
	atomic_store(&metrics_broken, 0);
	scrape_values(s, v);
	/* Only once enough time has passed: else the test would prove nothing. */
	assert_true(clock_now_ns() - broke_ns > SCRAPE_STALE_INTERVALS * 20 * CLOCK_NS_PER_MS);
	assert_true(isnan(v[0]));
	assert_string_equal(scrape_last_error(s), "HTTP 503");
	scrape_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_series),
		cmocka_unit_test(test_keeps_connection),
		cmocka_unit_test(test_http_error_counted),
		cmocka_unit_test(test_garbage_counted),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_timeout_cut_to_interval),
		cmocka_unit_test(test_refused_port),
		cmocka_unit_test(test_remote_refused),
		cmocka_unit_test(test_stale_values),
	};
	int r = cmocka_run_group_tests(tests, setup, teardown);

	curl_global_cleanup();
	return r;
}
