/*
 * driver_bench — how close the HTTP driver comes to wrk, and how well it holds a rate.
 *
 * Against build/helpers/hello on loopback, side by side on the same server and 16 connections
 * for 5 s each: wrk -t1, the driver on one thread, wrk -t2, the driver on two threads
 * (alternated, so a busy neighbour on a shared machine weighs on both), each with its requests
 * per second and its own CPU per request (the driver's worker threads, wrk's process), and the
 * ratios driver/wrk.  Then scheduled runs at 2000 req/s on one and two threads (achieved rate
 * and its deviation).  Run from the repository root, with no arguments.
 *
 * What to expect on a small machine (2 cores, the server on one epoll thread): wrk spends
 * ~4 us of CPU per request, nearly all of it in the kernel; the driver ~9 us, as much kernel
 * time plus ~5 us in libcurl (7.88 makes some twenty allocations and two or three poll(2)
 * calls per request: a liveness check of the reused connection, a readiness check after
 * sending).  With one thread each, wrk saturates the server and the driver its own thread,
 * so the ratio is about 0.5; with two threads the driver and the server share the cores.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run/driver.h"
#include "run/http.h"

#define HELLO "build/helpers/hello"
#define CONNECTIONS 16
#define RUN_S 5

struct run {
	double elapsed_s;
	double user_s, sys_s;	/* the driver's worker threads, or wrk */
	struct driver_totals t;
	double rps;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static unsigned free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unsigned port = 0;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* Start argv with the parent-death signal set, stdout to out_fd when >= 0. */
static pid_t spawn(char *const argv[], int out_fd)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
		_exit(126);
	execvp(argv[0], argv);
	_exit(127);
}

static void stop_child(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

static int wait_ready(unsigned port, pid_t pid)
{
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/healthz", port);
	for (int tries = 0; tries < 250; tries++) {
		if (http_probe(url, 200, 0) == 200)
			return 0;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		poll(NULL, 0, 20);
	}
	return -1;
}

/* Drive for RUN_S seconds; an idle pipe rides along, as the run loop's signal fd would. */
static int drive(const struct scenario_drive *dr, unsigned threads, struct run *out)
{
	struct scenario_drive threaded = *dr;
	struct driver *d = NULL;
	int p[2] = { -1, -1 }, ret = -1;
	struct pollfd idle = { .events = POLLIN };
	double t0, end;

	threaded.threads = threads;
	d = driver_new(&threaded);
	if (!d || pipe(p) < 0)
		goto out;
	idle.fd = p[0];
	t0 = now_s();
	end = t0 + RUN_S;
	while (now_s() < end)
		if (driver_poll(d, &idle, 1, 100) < 0)
			goto out;
	driver_stop(d);
	out->elapsed_s = now_s() - t0;
	driver_cpu(d, &out->user_s, &out->sys_s);
	driver_totals(d, &out->t);
	out->rps = (double)out->t.completed / out->elapsed_s;
	ret = 0;
out:
	if (p[0] >= 0) {
		close(p[0]);
		close(p[1]);
	}
	driver_free(&d);
	return ret;
}

static int in_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	while (path && *path) {
		size_t n = strcspn(path, ":");
		int len = snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name);
		if (n && len > 0 && (size_t)len < sizeof(buf) && access(buf, X_OK) == 0)
			return 1;
		path += n + (path[n] == ':');
	}
	return 0;
}

/*
 * Run wrk with threads ("-t1") on 16 connections for RUN_S; its Requests/sec, its requests and
 * its CPU (from wait4) in *out.  -1 when wrk printed no Requests/sec line.
 */
static int run_wrk(unsigned port, const char *threads, struct run *out)
{
	char url[64], out_text[8192], dur[16];
	char *argv[] = { (char *)"wrk", (char *)threads, (char *)"-c16", dur, url, NULL };
	struct rusage ru = { 0 };
	size_t len = 0;
	ssize_t n;
	int p[2];

	memset(out, 0, sizeof(*out));
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", port);
	snprintf(dur, sizeof(dur), "-d%ds", RUN_S);
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = spawn(argv, p[1]);
	close(p[1]);
	while (pid > 0 && len < sizeof(out_text) - 1) {
		n = read(p[0], out_text + len, sizeof(out_text) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	out_text[len] = '\0';
	close(p[0]);
	if (pid > 0)
		wait4(pid, NULL, 0, &ru);
	const char *line = strstr(out_text, "Requests/sec:");
	const char *total = strstr(out_text, " requests in ");
	if (!line || !total)
		return -1;
	out->rps = strtod(line + strlen("Requests/sec:"), NULL);
	while (total > out_text && total[-1] != '\n' && total[-1] != ' ')
		total--;
	out->t.completed = strtoull(total, NULL, 10);
	out->user_s = seconds(ru.ru_utime);
	out->sys_s = seconds(ru.ru_stime);
	return out->rps > 0 ? 0 : -1;
}

/* CPU per completed request, split into user and kernel time. */
static void print_cpu(const struct run *r)
{
	double n = (double)(r->t.completed ? r->t.completed : 1);

	printf("%.1f us CPU per request (%.1f user, %.1f kernel)",
	       (r->user_s + r->sys_s) * 1e6 / n, r->user_s * 1e6 / n, r->sys_s * 1e6 / n);
}

/* The driver flat out on `threads` threads beside wrk -t<threads>, and their ratio. */
static int side_by_side(const struct scenario_drive *dr, unsigned port, unsigned threads,
			int have_wrk)
{
	char t_opt[16];
	struct run wrk, flat;
	int wrk_ok = 0;

	snprintf(t_opt, sizeof(t_opt), "-t%u", threads);
	if (have_wrk) {
		wrk_ok = run_wrk(port, t_opt, &wrk) == 0;
		if (wrk_ok) {
			printf("wrk %s -c%d -d%ds: %.0f req/s, ", t_opt, CONNECTIONS, RUN_S, wrk.rps);
			print_cpu(&wrk);
			printf("\n");
		} else {
			printf("wrk %s: no Requests/sec line in its output\n", t_opt);
		}
	}
	if (drive(dr, threads, &flat) < 0)
		return -1;
	printf("driver %u thread%s, %d connections, %d s: %.0f req/s, %llu errors, %llu connects, ",
	       threads, threads == 1 ? "" : "s", CONNECTIONS, RUN_S, flat.rps,
	       (unsigned long long)flat.t.errors, (unsigned long long)flat.t.connects);
	print_cpu(&flat);
	printf("\n");
	if (wrk_ok)
		printf("driver/wrk %s: %.2f (requests per second; goal >= 0.90); "
		       "CPU per request driver/wrk: %.2f\n",
		       t_opt, flat.rps / wrk.rps,
		       ((flat.user_s + flat.sys_s) / (double)(flat.t.completed ? flat.t.completed : 1)) /
		       ((wrk.user_s + wrk.sys_s) / (double)(wrk.t.completed ? wrk.t.completed : 1)));
	return 0;
}

static int scheduled(struct scenario_drive *dr, unsigned threads)
{
	struct run sched;

	dr->rate_per_s = 2000;
	if (drive(dr, threads, &sched) < 0)
		return -1;
	double rate = sched.rps;
	printf("driver scheduled 2000 req/s, %u thread%s, %d s: %.1f req/s achieved (%+.2f %%), "
	       "%llu behind, %llu errors, ", threads, threads == 1 ? "" : "s", RUN_S, rate,
	       (rate - dr->rate_per_s) / dr->rate_per_s * 100.0,
	       (unsigned long long)sched.t.behind, (unsigned long long)sched.t.errors);
	print_cpu(&sched);
	printf("\n");
	dr->rate_per_s = 0;
	return 0;
}

static int bench(unsigned port)
{
	char url[64];
	char *no_headers[] = { NULL };
	struct scenario_request req = { .method = (char *)"GET", .url = url,
					.headers = no_headers, .weight = 1 };
	struct scenario_drive dr = { .requests = &req, .n_requests = 1,
				     .concurrency = CONNECTIONS, .timeout_s = 10 };
	int have_wrk = in_path("wrk");

	snprintf(url, sizeof(url), "http://127.0.0.1:%u/", port);
	if (!have_wrk)
		printf("wrk: not installed (make bench installs it)\n");
	printf("online cores: %u (the driver's default threads on %d connections flat out; "
	       "%u at 2000 req/s)\n", driver_default_threads(CONNECTIONS, 0), CONNECTIONS,
	       driver_default_threads(CONNECTIONS, 2000));
	if (side_by_side(&dr, port, 1, have_wrk) < 0 || side_by_side(&dr, port, 2, have_wrk) < 0)
		return -1;
	if (scheduled(&dr, 1) < 0 || scheduled(&dr, 2) < 0)
		return -1;
	return 0;
}

int main(void)
{
	unsigned port = free_port();
	char port_text[16];
	char *argv[] = { (char *)HELLO, (char *)"--port", port_text, NULL };
	int ret = 1;

	signal(SIGPIPE, SIG_IGN);
	snprintf(port_text, sizeof(port_text), "%u", port);
	if (!port || access(HELLO, X_OK) < 0) {
		fprintf(stderr, "driver_bench: %s missing (run make from the repository root)\n",
			HELLO);
		return 1;
	}
	pid_t pid = spawn(argv, -1);
	if (pid < 0 || wait_ready(port, pid) < 0)
		fprintf(stderr, "driver_bench: %s did not become ready on port %u\n", HELLO, port);
	else if (bench(port) == 0)
		ret = 0;
	if (pid > 0)
		stop_child(pid);
	curl_global_cleanup();
	if (fflush(stdout) != 0 || ferror(stdout))
		ret = 1;
	return ret;
}
