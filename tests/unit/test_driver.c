/*
 * test_driver — the HTTP load driver, and http.h's one-shot requests (probe, fetch), against
 * real servers on loopback.
 *
 * Two servers: build/helpers/hello as a child process (request counts, errors, keep-alive,
 * probes), and a libmicrohttpd "recorder" inside this process that keeps what every request
 * carried, so the mix proportions, the methods and the {seq}/{uuid} expansion are checked on
 * what actually arrived.  Every drive loop is bounded in requests and in time; the time bound
 * only guards against a hang, nothing asserts on durations.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "base/diag.h"
#include "run/driver.h"
#include "run/http.h"

#define HANG_GUARD_NS ((int64_t)TU_HANG_GUARD_MS * 1000000)
#define MAX_RECORDS 1024

/* ---- the recorder: an in-process server that remembers each request ------------------------ */

struct record {
	char method[16];
	char *path;
	char *seq_arg;		/* ?seq= */
	char *x_seq;		/* X-Seq: header */
	char *x_fixed;		/* X-Fixed: header */
	char *body;
	size_t body_len;
};

struct recorder {
	struct MHD_Daemon *daemon;
	unsigned port;
	pthread_mutex_t lock;
	struct record rec[MAX_RECORDS];
	size_t n;
	unsigned long total;	/* every request that arrived, recorded or not */
};

struct upload {
	char *body;
	size_t len;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void record_request(struct recorder *r, struct MHD_Connection *conn, const char *url,
			   const char *method, struct upload *u)
{
	pthread_mutex_lock(&r->lock);
	r->total++;
	if (r->n < MAX_RECORDS) {
		struct record *rec = &r->rec[r->n++];
		snprintf(rec->method, sizeof(rec->method), "%s", method);
		rec->path = strdup(url);
		rec->seq_arg = dup_or_null(MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
								       "seq"));
		rec->x_seq = dup_or_null(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
								     "X-Seq"));
		rec->x_fixed = dup_or_null(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
								       "X-Fixed"));
		rec->body = u->body;
		rec->body_len = u->len;
		u->body = NULL;
	}
	pthread_mutex_unlock(&r->lock);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	static const char ok[] = "ok\n";
	struct upload *u = *con_cls;

	(void)version;
	/* Queueing on the first call would make libmicrohttpd close the connection. */
	if (!u) {
		*con_cls = calloc(1, sizeof(*u));
		return *con_cls ? MHD_YES : MHD_NO;
	}
	if (*upload_data_size) {
		char *nb = realloc(u->body, u->len + *upload_data_size);
		if (!nb)
			return MHD_NO;
		memcpy(nb + u->len, upload_data, *upload_data_size);
		u->body = nb;
		u->len += *upload_data_size;
		*upload_data_size = 0;
		return MHD_YES;
	}
	record_request(cls, conn, url, method, u);
	struct MHD_Response *resp = MHD_create_response_from_buffer(sizeof(ok) - 1, (void *)ok,
								    MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret = MHD_queue_response(conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (u)
		free(u->body);
	free(u);
	*con_cls = NULL;
}

static int recorder_start(struct recorder *r)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	r->daemon = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, on_request, r,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				     MHD_OPTION_END);
	if (!r->daemon)
		return -1;
	r->port = MHD_get_daemon_info(r->daemon, MHD_DAEMON_INFO_BIND_PORT)->port;
	return r->port ? 0 : -1;
}

/*
 * How many requests arrived.  Call it once the driver has seen every answer: the handler
 * records before it answers, and taking the lock here makes its writes visible, so the records
 * can then be read (and asserted on) without holding the lock.
 */
static unsigned long recorder_total(struct recorder *r)
{
	unsigned long n;

	pthread_mutex_lock(&r->lock);
	n = r->total;
	pthread_mutex_unlock(&r->lock);
	return n;
}

static size_t recorder_count(struct recorder *r)
{
	size_t n;

	pthread_mutex_lock(&r->lock);
	n = r->n;
	pthread_mutex_unlock(&r->lock);
	return n;
}

static void recorder_clear(struct recorder *r)
{
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->n; i++) {
		struct record *rec = &r->rec[i];
		free(rec->path);
		free(rec->seq_arg);
		free(rec->x_seq);
		free(rec->x_fixed);
		free(rec->body);
	}
	r->n = 0;
	r->total = 0;
	pthread_mutex_unlock(&r->lock);
}

static void recorder_stop(struct recorder *r)
{
	if (r->daemon)
		MHD_stop_daemon(r->daemon);
	r->daemon = NULL;
	recorder_clear(r);
	pthread_mutex_destroy(&r->lock);
}

/* ---- the hello child and a refusing port ------------------------------------------------- */

struct fixture {
	pid_t hello_pid;
	int hello_pidfd;
	unsigned hello_port;
	int refuse_fd;		/* bound, never listening: connections to it are refused */
	unsigned refuse_port;
	struct recorder rec;
	char diag[512];
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A loopback TCP socket bound to a kernel-chosen port; returns the fd, its port in *port. */
static int bind_loopback(unsigned *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static int hello_spawn(struct fixture *f)
{
	char path[PATH_MAX], port[16];
	pid_t parent = getpid();
	int fd;

	if (tu_find_helper("hello", path, sizeof(path)) < 0)
		return -1;
	/* A port the kernel just handed out, free for hello to bind. */
	fd = bind_loopback(&f->hello_port);
	if (fd < 0)
		return -1;
	close(fd);
	snprintf(port, sizeof(port), "%u", f->hello_port);
	f->hello_pid = fork();
	if (f->hello_pid < 0)
		return -1;
	if (f->hello_pid == 0) {
		/* The server dies with this process, even when a sanitizer aborts it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		execl(path, "hello", "--port", port, (char *)NULL);
		_exit(127);
	}
	f->hello_pidfd = pidfd_open(f->hello_pid, 0);
	return f->hello_pidfd < 0 ? -1 : 0;
}

/* Probe /healthz until it answers 200; the pause between tries ends early if hello dies. */
static int hello_wait_ready(struct fixture *f)
{
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/healthz", f->hello_port);
	for (int tries = 0; tries < 250; tries++) {
		if (http_probe(url, 200, 0) == 200)
			return 0;
		struct pollfd p = { .fd = f->hello_pidfd, .events = POLLIN };
		if (poll(&p, 1, 20) > 0)
			return -1;
	}
	return -1;
}

static void hello_kill(struct fixture *f)
{
	struct pollfd p = { .fd = f->hello_pidfd, .events = POLLIN };

	if (f->hello_pid <= 0)
		return;
	kill(f->hello_pid, SIGTERM);
	if (f->hello_pidfd < 0 || poll(&p, 1, 3000) <= 0)
		kill(f->hello_pid, SIGKILL);
	waitpid(f->hello_pid, NULL, 0);
	if (f->hello_pidfd >= 0)
		close(f->hello_pidfd);
	f->hello_pid = 0;
}

static int group_teardown(void **state)
{
	struct fixture *f = *state;

	if (!f)
		return 0;
	*state = NULL;
	hello_kill(f);
	if (f->refuse_fd >= 0)
		close(f->refuse_fd);
	recorder_stop(&f->rec);
	free(f);
	return 0;
}

static int group_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	*state = f;
	pthread_mutex_init(&f->rec.lock, NULL);
	f->hello_pidfd = -1;
	f->refuse_fd = bind_loopback(&f->refuse_port);
	if (f->refuse_fd < 0 || recorder_start(&f->rec) < 0 || hello_spawn(f) < 0 ||
	    hello_wait_ready(f) < 0) {
		/* Clean up here: whether cmocka runs the group teardown after this varies. */
		group_teardown(state);
		return -1;
	}
	return 0;
}

static int test_teardown(void **state)
{
	struct fixture *f = *state;

	diag_capture(NULL, 0);
	recorder_clear(&f->rec);
	return 0;
}

/* ---- helpers ------------------------------------------------------------------------------ */

static char *no_headers[] = { NULL };

static struct scenario_drive one_request(struct scenario_request *r, char *url)
{
	*r = (struct scenario_request){ .method = (char *)"GET", .url = url,
					.headers = no_headers, .weight = 1 };
	return (struct scenario_drive){ .requests = r, .n_requests = 1, .concurrency = 4,
					.timeout_s = 10 };
}

/* Poll until n transfers ended (completed or failed); the time bound only catches a hang. */
static void run_until_done(struct driver *d, uint64_t n, struct driver_totals *t)
{
	int64_t give_up = now_ns() + HANG_GUARD_NS;

	do {
		assert_int_equal(driver_poll(d, NULL, 0, 100), 0);
		driver_totals(d, t);
	} while (t->completed + t->errors < n && now_ns() < give_up);
	assert_int_equal(t->completed + t->errors, n);
}

/* The worker threads drivers get in the tests that follow (0: the default). */
static unsigned test_threads;

static struct driver *new_limited(const struct scenario_drive *drive, uint64_t limit)
{
	struct scenario_drive threaded = *drive;
	struct driver *d;

	threaded.threads = test_threads;
	d = driver_new(&threaded);

	assert_non_null(d);
	driver_set_limit(d, limit);
	return d;
}

/* Run drive until limit transfers ended, then free its driver; the totals in *t. */
static void drive_to_limit(const struct scenario_drive *drive, uint64_t limit,
			   struct driver_totals *t)
{
	struct driver *d = new_limited(drive, limit);

	run_until_done(d, limit, t);
	driver_free(&d);
}

/* A drive of GET http://127.0.0.1:port + path, as one_request makes it, and its storage. */
struct get_drive {
	char url[80];
	struct scenario_request r;
	struct scenario_drive drive;
};

static struct scenario_drive *get_drive(struct get_drive *g, unsigned port, const char *path)
{
	snprintf(g->url, sizeof(g->url), "http://127.0.0.1:%u%s", port, path);
	g->drive = one_request(&g->r, g->url);
	return &g->drive;
}

/* ---- counts, errors, connections ---------------------------------------------------------- */

static void test_flat_out_completes_exactly_the_limit(void **state)
{
	struct fixture *f = *state;
	struct get_drive g;
	struct driver_totals t;
	struct driver *d = new_limited(get_drive(&g, f->hello_port, "/"), 200);

	run_until_done(d, 200, &t);
	assert_int_equal(t.completed, 200);
	assert_int_equal(t.errors, 0);
	assert_int_equal(t.behind, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(driver_poll(d, NULL, 0, 5), 0);
	driver_totals(d, &t);
	assert_int_equal(t.started, 200);
	driver_free(&d);
	assert_null(d);
}

static void test_refused_port_counts_errors(void **state)
{
	struct fixture *f = *state;
	struct get_drive g;
	struct driver_totals t;

	drive_to_limit(get_drive(&g, f->refuse_port, "/"), 30, &t);
	assert_int_equal(t.errors, 30);
	assert_int_equal(t.completed, 0);
	assert_int_equal(t.started, 30);
}

static void test_keep_alive_reuses_connections(void **state)
{
	struct fixture *f = *state;
	struct get_drive g;
	struct scenario_drive *drive = get_drive(&g, f->hello_port, "/");
	struct driver_totals t;

	drive->concurrency = 8;
	drive_to_limit(drive, 500, &t);
	assert_int_equal(t.completed, 500);
	assert_in_range(t.connects, 1, 8);
}

static void test_late_starts_count_as_behind(void **state)
{
	struct fixture *f = *state;
	struct get_drive g;
	struct scenario_drive *drive = get_drive(&g, f->hello_port, "/");
	struct driver_totals t;

	/* One request every microsecond on one connection: a round trip takes far longer. */
	drive->concurrency = 1;
	drive->rate_per_s = 1e6;
	drive_to_limit(drive, 20, &t);
	assert_int_equal(t.completed, 20);
	/* Request 0 starts on time; each later one at most once. */
	assert_in_range(t.behind, 1, 19);
}

/* ---- what arrives: the recorder ----------------------------------------------------------- */

static size_t count_records(struct recorder *r, const char *method, const char *path_prefix)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->rec[i].method, method) == 0 &&
		    strncmp(r->rec[i].path, path_prefix, strlen(path_prefix)) == 0)
			n++;
	return n;
}

/* Run drive against the recorder until limit requests completed and every one arrived. */
static void drive_recorded(struct fixture *f, const struct scenario_drive *drive,
			   uint64_t limit)
{
	struct driver_totals t;

	drive_to_limit(drive, limit, &t);
	assert_int_equal(t.completed, limit);
	assert_int_equal(recorder_count(&f->rec), limit);
}

static void test_mix_weights_3_to_1(void **state)
{
	struct fixture *f = *state;
	char url_a[64], url_b[64], body[4001];

	snprintf(url_a, sizeof(url_a), "http://127.0.0.1:%u/a", f->rec.port);
	snprintf(url_b, sizeof(url_b), "http://127.0.0.1:%u/b", f->rec.port);
	memset(body, 'x', 4000);
	body[4000] = '\0';
	struct scenario_request mix[] = {
		{ .method = (char *)"GET", .url = url_a, .headers = no_headers, .weight = 3 },
		{ .method = (char *)"POST", .url = url_b, .headers = no_headers, .body = body,
		  .weight = 1 },
	};
	struct scenario_drive drive = { .requests = mix, .n_requests = 2, .concurrency = 4,
					.timeout_s = 10 };

	drive_recorded(f, &drive, 400);
	assert_int_equal(count_records(&f->rec, "GET", "/a"), 300);
	assert_int_equal(count_records(&f->rec, "POST", "/b"), 100);
	for (size_t i = 0; i < f->rec.n; i++) {
		const struct record *rec = &f->rec.rec[i];
		if (rec->method[0] == 'G') {
			assert_int_equal(rec->body_len, 0);
		} else {
			assert_int_equal(rec->body_len, 4000);
			assert_memory_equal(rec->body, body, 4000);
		}
	}
}

static int is_uuid4(const char *s, size_t len)
{
	if (len != 36 || s[14] != '4')
		return 0;
	for (size_t i = 0; i < len; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]))
			return 0;
	}
	return 1;
}

/* POST /p?seq={seq} with X-Seq: {seq} and body {uuid}, alternating with PUT /u/{uuid}. */
static void check_placeholder_records(struct recorder *r, size_t n)
{
	int seen_seq[100] = { 0 };

	for (size_t i = 0; i < n; i++) {
		const struct record *rec = &r->rec[i];
		if (strcmp(rec->method, "POST") == 0) {
			assert_non_null(rec->seq_arg);
			assert_non_null(rec->x_seq);
			assert_string_equal(rec->seq_arg, rec->x_seq);
			assert_non_null(rec->x_fixed);
			assert_string_equal(rec->x_fixed, "yes");
			long seq = strtol(rec->seq_arg, NULL, 10);
			/* 1:1 round-robin: the POSTs are requests 0, 2, 4, ... */
			assert_in_range(seq, 0, 98);
			assert_int_equal(seq % 2, 0);
			seen_seq[seq]++;
			assert_true(is_uuid4(rec->body, rec->body_len));
		} else {
			assert_string_equal(rec->method, "PUT");
			assert_int_equal(strlen(rec->path), 3 + 36);
			/* One {uuid} per request: the path and the body carry the same one. */
			assert_int_equal(rec->body_len, 36);
			assert_memory_equal(rec->path + 3, rec->body, 36);
			assert_true(is_uuid4(rec->body, rec->body_len));
		}
		for (size_t j = 0; j < i; j++)
			assert_false(rec->body_len == 36 && r->rec[j].body_len == 36 &&
				     memcmp(rec->body, r->rec[j].body, 36) == 0);
	}
	for (int s = 0; s < 100; s += 2)
		assert_int_equal(seen_seq[s], 1);
}

static void test_placeholders_expand_per_request(void **state)
{
	struct fixture *f = *state;
	char url_p[64], url_u[64];
	char *hdr_p[] = { (char *)"X-Seq: {seq}", (char *)"X-Fixed: yes", NULL };

	snprintf(url_p, sizeof(url_p), "http://127.0.0.1:%u/p?seq={seq}", f->rec.port);
	snprintf(url_u, sizeof(url_u), "http://127.0.0.1:%u/u/{uuid}", f->rec.port);
	struct scenario_request mix[] = {
		{ .method = (char *)"POST", .url = url_p, .headers = hdr_p,
		  .body = (char *)"{uuid}", .weight = 1 },
		{ .method = (char *)"PUT", .url = url_u, .headers = no_headers,
		  .body = (char *)"{uuid}", .weight = 1 },
	};
	struct scenario_drive drive = { .requests = mix, .n_requests = 2, .concurrency = 3,
					.timeout_s = 10 };

	drive_recorded(f, &drive, 100);
	assert_int_equal(count_records(&f->rec, "POST", "/p"), 50);
	assert_int_equal(count_records(&f->rec, "PUT", "/u/"), 50);
	check_placeholder_records(&f->rec, f->rec.n);
}

/* One kind only: every handle runs it again and again, and must still expand each time. */
static void test_seq_counts_every_request(void **state)
{
	struct fixture *f = *state;
	struct get_drive g;
	struct scenario_drive *drive = get_drive(&g, f->rec.port, "/s?seq={seq}");
	int seen[30] = { 0 };

	drive->concurrency = 2;
	drive_recorded(f, drive, 30);
	for (size_t i = 0; i < 30; i++) {
		assert_non_null(f->rec.rec[i].seq_arg);
		long seq = strtol(f->rec.rec[i].seq_arg, NULL, 10);
		assert_in_range(seq, 0, 29);
		seen[seq]++;
	}
	for (int i = 0; i < 30; i++)
		assert_int_equal(seen[i], 1);
}

/* Handles move between kinds: nothing of one request's method or body may stick to the next. */
static void test_methods_survive_handle_reuse(void **state)
{
	struct fixture *f = *state;
	static const char *const methods[] = { "POST", "OPTIONS", "HEAD", "DELETE", "GET" };
	struct scenario_request mix[5];
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/m", f->rec.port);
	for (int i = 0; i < 5; i++)
		mix[i] = (struct scenario_request){ .method = (char *)methods[i], .url = url,
						    .headers = no_headers, .weight = 1 };
	mix[0].body = (char *)"p";
	struct scenario_drive drive = { .requests = mix, .n_requests = 5, .concurrency = 2,
					.timeout_s = 10 };

	drive_recorded(f, &drive, 50);
	for (int i = 0; i < 5; i++)
		assert_int_equal(count_records(&f->rec, methods[i], "/m"), 10);
	for (size_t i = 0; i < f->rec.n; i++) {
		const struct record *rec = &f->rec.rec[i];
		assert_int_equal(rec->body_len, strcmp(rec->method, "POST") == 0 ? 1 : 0);
	}
}

/* ---- safety ------------------------------------------------------------------------------- */

static void test_remote_address_is_refused(void **state)
{
	struct fixture *f = *state;
	struct scenario_request r;
	struct driver_totals t;

	/* 192.0.2.0/24 is TEST-NET-1: nothing answers, so only a refusal ends this quickly. */
	struct scenario_drive drive = one_request(&r, (char *)"http://192.0.2.1/");
	drive.concurrency = 2;
	drive.timeout_s = 600;
	diag_capture(f->diag, sizeof(f->diag));
	struct driver *d = new_limited(&drive, 4);

	run_until_done(d, 4, &t);
	assert_int_equal(t.errors, 4);
	assert_int_equal(t.completed, 0);
	assert_int_equal(t.connects, 0);
	assert_non_null(strstr(f->diag, "192.0.2.1"));
	assert_non_null(strstr(f->diag, "allow_remote"));
	driver_free(&d);
	assert_int_equal(http_probe("http://192.0.2.1/", 20000, 0), 0);
}

static void test_probe(void **state)
{
	struct fixture *f = *state;
	char url[80];

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/healthz", f->hello_port);
	assert_int_equal(http_probe(url, 2000, 0), 200);
	/* A name is fine when it resolves to loopback. */
	snprintf(url, sizeof(url), "http://localhost:%u/healthz", f->hello_port);
	assert_int_equal(http_probe(url, 2000, 0), 200);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/healthz", f->refuse_port);
	assert_int_equal(http_probe(url, 2000, 0), 0);
	assert_int_equal(http_probe("file:///etc/hostname", 2000, 0), 0);
}

/* http_fetch: the body into a file; a refused remote peer and an unwritable file say why. */
static void test_fetch(void **state)
{
	struct fixture *f = *state;
	char dir[] = "/tmp/leaksoak-test_driver-XXXXXX", url[80], *path, *body;

	assert_non_null(mkdtemp(dir));
	path = tu_path(dir, "body.txt");
	diag_capture(f->diag, sizeof(f->diag));
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/x", f->hello_port);
	assert_int_equal(http_fetch(url, 2000, 0, path), 200);
	assert_non_null(body = tu_slurp(path));
	assert_string_equal(body, "hello\n");
	free(body);
	f->diag[0] = '\0';
	assert_int_equal(http_fetch("http://192.0.2.1/", 20000, 0, path), 0);
	/* The last message wins the capture: the refusal's warning came before it. */
	assert_non_null(strstr(f->diag, "cannot fetch 'http://192.0.2.1/'"));
	assert_int_equal(http_fetch(url, 2000, 0, "/nonexistent-dir/body.txt"), 0);
	assert_non_null(strstr(f->diag, "cannot create '/nonexistent-dir/body.txt'"));
	unlink(path);
	free(path);
	assert_int_equal(rmdir(dir), 0);
}

static void test_rejects_bad_drives(void **state)
{
	struct fixture *f = *state;
	struct scenario_request r;
	struct scenario_drive drive = one_request(&r, (char *)"http://127.0.0.1:1/{nope}");

	diag_capture(f->diag, sizeof(f->diag));
	assert_null(driver_new(&drive));
	assert_non_null(strstr(f->diag, "nope"));
	r.url = (char *)"http://127.0.0.1:1/";
	drive.concurrency = 0;
	assert_null(driver_new(&drive));
	assert_non_null(strstr(f->diag, "concurrency"));
	drive.concurrency = 1;
	r.method = (char *)"HEAD";
	r.body = (char *)"x";
	assert_null(driver_new(&drive));
	assert_non_null(strstr(f->diag, "HEAD"));
}

/* ---- the caller's fds, stopping, freeing -------------------------------------------------- */

static void test_extra_fds_get_their_revents(void **state)
{
	struct fixture *f = *state;
	struct get_drive g;
	struct driver_totals t;
	int written[2], quiet[2], closed[2];

	assert_int_equal(pipe(written), 0);
	assert_int_equal(pipe(quiet), 0);
	assert_int_equal(pipe(closed), 0);
	assert_int_equal(write(written[1], "x", 1), 1);
	close(closed[1]);
	struct driver *d = new_limited(get_drive(&g, f->hello_port, "/"), 20);
	struct pollfd pfd[3] = {
		{ .fd = written[0], .events = POLLIN },
		{ .fd = quiet[0], .events = POLLIN, .revents = POLLIN },	/* stale */
		{ .fd = closed[0], .events = POLLIN },
	};

	/* With traffic in flight. */
	assert_int_equal(driver_poll(d, pfd, 3, 1000), 0);
	assert_true(pfd[0].revents & POLLIN);
	assert_int_equal(pfd[1].revents, 0);
	/* A closed writer is POLLHUP alone: curl would drop it and leave the loop spinning. */
	assert_true(pfd[2].revents & POLLHUP);
	run_until_done(d, 20, &t);
	/* And on a stopped driver, where only the caller's fds are left. */
	driver_stop(d);
	pfd[1].revents = POLLIN;
	assert_int_equal(driver_poll(d, pfd, 2, 1000), 0);
	assert_true(pfd[0].revents & POLLIN);
	assert_int_equal(pfd[1].revents, 0);
	assert_int_equal(driver_poll(d, &pfd[1], 1, 10), 0);
	assert_int_equal(pfd[1].revents, 0);
	driver_free(&d);
	close(written[0]);
	close(written[1]);
	close(quiet[0]);
	close(quiet[1]);
	close(closed[0]);
}

static void test_stop_aborts_and_starts_nothing_more(void **state)
{
	struct fixture *f = *state;
	struct get_drive g;
	struct driver_totals before, after;
	int64_t give_up = now_ns() + HANG_GUARD_NS;
	struct driver *d = driver_new(get_drive(&g, f->hello_port, "/"));

	assert_non_null(d);
	do {
		assert_int_equal(driver_poll(d, NULL, 0, 100), 0);
		driver_totals(d, &before);
	} while (before.completed < 50 && now_ns() < give_up);
	assert_true(before.completed >= 50);
	driver_stop(d);
	driver_totals(d, &before);
	for (int i = 0; i < 3; i++)
		assert_int_equal(driver_poll(d, NULL, 0, 5), 0);
	driver_totals(d, &after);
	assert_int_equal(after.started, before.started);
	assert_int_equal(after.completed, before.completed);
	assert_true(after.completed + after.errors <= after.started);
	driver_free(&d);
}

static void test_free_with_transfers_in_flight(void **state)
{
	struct fixture *f = *state;
	struct get_drive g;
	struct driver_totals t;
	struct driver *d = driver_new(get_drive(&g, f->hello_port, "/"));

	assert_non_null(d);
	assert_int_equal(driver_poll(d, NULL, 0, 0), 0);
	driver_totals(d, &t);
	assert_true(t.started > 0);
	driver_free(&d);
	assert_null(d);
	driver_free(&d);
}


/* ---- worker threads ----------------------------------------------------------------------- */

static void test_threads_are_capped_at_concurrency(void **state)
{
	struct fixture *f = *state;
	struct get_drive g;
	struct scenario_drive *drive = get_drive(&g, f->hello_port, "/");
	struct driver *d;

	drive->concurrency = 5;
	drive->threads = 3;
	d = driver_new(drive);
	assert_non_null(d);
	assert_int_equal(driver_threads(d), 3);
	driver_free(&d);
	drive->threads = 64;
	d = driver_new(drive);
	assert_non_null(d);
	assert_int_equal(driver_threads(d), 5);
	driver_free(&d);
	drive->concurrency = 1;
	drive->threads = 0;
	assert_int_equal(driver_default_threads(1, 0), 1);
	d = driver_new(drive);
	assert_non_null(d);
	assert_int_equal(driver_threads(d), 1);
	driver_free(&d);
	assert_true(driver_default_threads(1000, 0) >= 1);
	/* A set rate gets the threads it needs, not every core. */
	assert_int_equal(driver_default_threads(1000, 2000), 1);
	assert_int_equal(driver_default_threads(1000, 30000),
			 driver_default_threads(1000, 0) >= 2 ? 2 : 1);
}

/*
 * Three workers on five connections share one sequence: every {seq} from 0 to limit - 1
 * arrives exactly once, whatever worker sent it, and the limit holds in total.
 */
static void test_threads_share_one_sequence(void **state)
{
	struct fixture *f = *state;
	struct get_drive g;
	struct scenario_drive *drive = get_drive(&g, f->rec.port, "/s?seq={seq}");
	int seen[301] = { 0 };

	drive->concurrency = 5;
	test_threads = 3;
	drive_recorded(f, drive, 301);
	test_threads = 0;
	for (size_t i = 0; i < 301; i++) {
		long seq = strtol(f->rec.rec[i].seq_arg, NULL, 10);
		assert_in_range(seq, 0, 300);
		seen[seq]++;
	}
	for (int i = 0; i < 301; i++)
		assert_int_equal(seen[i], 1);
}

/* The mix follows the one-worker sequence too: 1:1 alternation keeps POSTs on even {seq}. */
static void test_threads_keep_the_mix_sequence(void **state)
{
	for (unsigned t = 2; t <= 3; t++) {
		test_threads = t;
		test_placeholders_expand_per_request(state);
		test_teardown(state);
	}
	test_threads = 0;
}

/*
 * The aggregate rate, counted where it matters, at the server: two workers hold 1000 req/s
 * within 1 % over 3 s.  The window is the test's own (from before the first driver_poll to
 * after driver_stop), so it can only be a little longer than the driver's; a request in
 * flight at the stop may or may not have arrived, which is at most `concurrency` of them.
 */
static void test_threads_hold_the_aggregate_rate(void **state)
{
	struct fixture *f = *state;
	struct get_drive g;
	struct scenario_drive *drive = get_drive(&g, f->rec.port, "/rate");
	struct driver_totals t;
	const double rate = 1000, window_s = 3;

	drive->concurrency = 4;
	drive->threads = 2;
	drive->rate_per_s = rate;
	struct driver *d = driver_new(drive);
	assert_non_null(d);
	int64_t t0 = now_ns();
	while (now_ns() - t0 < (int64_t)(window_s * 1e9))
		assert_int_equal(driver_poll(d, NULL, 0, 100), 0);
	driver_stop(d);
	double elapsed_s = (double)(now_ns() - t0) / 1e9;
	driver_totals(d, &t);
	driver_free(&d);
	double expected = rate * elapsed_s;
	double at_server = (double)recorder_total(&f->rec);
	assert_true(at_server >= expected * 0.99 - drive->concurrency);
	assert_true(at_server <= expected * 1.01);
	assert_true((double)t.completed >= expected * 0.99 - drive->concurrency);
	assert_true((double)t.started <= expected * 1.01 + 1);
	assert_int_equal(t.errors, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_flat_out_completes_exactly_the_limit, test_teardown),
		cmocka_unit_test_teardown(test_refused_port_counts_errors, test_teardown),
		cmocka_unit_test_teardown(test_keep_alive_reuses_connections, test_teardown),
		cmocka_unit_test_teardown(test_late_starts_count_as_behind, test_teardown),
		cmocka_unit_test_teardown(test_mix_weights_3_to_1, test_teardown),
		cmocka_unit_test_teardown(test_placeholders_expand_per_request, test_teardown),
		cmocka_unit_test_teardown(test_seq_counts_every_request, test_teardown),
		cmocka_unit_test_teardown(test_methods_survive_handle_reuse, test_teardown),
		cmocka_unit_test_teardown(test_remote_address_is_refused, test_teardown),
		cmocka_unit_test_teardown(test_probe, test_teardown),
		cmocka_unit_test_teardown(test_fetch, test_teardown),
		cmocka_unit_test_teardown(test_rejects_bad_drives, test_teardown),
		cmocka_unit_test_teardown(test_extra_fds_get_their_revents, test_teardown),
		cmocka_unit_test_teardown(test_stop_aborts_and_starts_nothing_more, test_teardown),
		cmocka_unit_test_teardown(test_free_with_transfers_in_flight, test_teardown),
		cmocka_unit_test_teardown(test_threads_are_capped_at_concurrency, test_teardown),
		cmocka_unit_test_teardown(test_threads_share_one_sequence, test_teardown),
		cmocka_unit_test_teardown(test_threads_keep_the_mix_sequence, test_teardown),
		cmocka_unit_test_teardown(test_threads_hold_the_aggregate_rate, test_teardown),
	};
	int failed;

	/* Writes to a server that went away must fail, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	failed = cmocka_run_group_tests_name("driver", tests, group_setup, group_teardown);
	curl_global_cleanup();
	return failed;
}
