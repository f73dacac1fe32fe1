/*
 * evidence_bench — what one evidence snapshot costs as the tree gets big: a child process
 * with N threads, N FDs (half of them sockets) and N mappings, read whole
 * (evidence_snapshot_take) and compared (evidence_diff_json), median of 5, wall time.  The
 * bounds of evidence.h keep the big cases bounded in time and memory.  Figures, not
 * assertions; the real targets' figures are bench/evidence.sh's.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "evidence/evidence.h"

#define ROUNDS 5

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *park(void *arg)
{
	char c;

	(void)!read(*(int *)arg, &c, 1);
	return NULL;
}

/* The child: n threads parked on a pipe, n FDs, n separate mappings; "r" once set up. */
static void child(unsigned n, int ready)
{
	static int park_fd;
	struct rlimit rl;
	int p[2];
	pthread_attr_t a;
	pthread_t t;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n + 64) {
		rl.rlim_cur = rl.rlim_max < n + 64 ? rl.rlim_max : n + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (pipe(p) < 0)
		_exit(3);
	park_fd = p[0];
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 * 1024);
	for (unsigned i = 0; i < n && i < 2000; i++)
		if (pthread_create(&t, &a, park, &park_fd) != 0)
			break;
	for (unsigned i = 0; i + 1 < n; i += 2) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
			break;
	}
	/* one page each, every other one read-only, so that the kernel cannot merge them */
	for (unsigned i = 0; i < n; i++) {
		char *m = mmap(NULL, 4096, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			break;
		if (!(i % 2))
			m[0] = 1;
	}
	if (write(ready, "r", 1) != 1)
		_exit(3);
	pause();
	_exit(0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void bench(unsigned n)
{
	double snap[ROUNDS], diff[ROUNDS];
	int ready[2];
	char c;
	pid_t pid;
	size_t json_len = 0;

	if (pipe(ready) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		close(ready[0]);
		child(n, ready[1]);
	}
	close(ready[1]);
	if (pid < 0 || read(ready[0], &c, 1) != 1) {
		fprintf(stderr, "evidence_bench: the child for n=%u did not start\n", n);
		goto out;
	}
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ms();
		struct evidence_snapshot *a = evidence_snapshot_take(NULL, &pid, 1, 0);
		struct evidence_snapshot *b;
		snap[r] = now_ms() - t0;
		b = evidence_snapshot_take(NULL, &pid, 1, 1);
		t0 = now_ms();
		json_t *j = a && b ? evidence_diff_json(a, b) : NULL;
		diff[r] = now_ms() - t0;
		char *text = j ? json_dumps(j, 0) : NULL;
		json_len = text ? strlen(text) : 0;
		free(text);
		json_decref(j);
		evidence_snapshot_free(&a);
		evidence_snapshot_free(&b);
	}
	qsort(snap, ROUNDS, sizeof(*snap), cmp_double);
	qsort(diff, ROUNDS, sizeof(*diff), cmp_double);
	printf("  %6u threads/FDs/mappings: snapshot %7.1f ms, compare %5.1f ms, evidence "
	       "%5zu bytes of JSON\n", n, snap[ROUNDS / 2], diff[ROUNDS / 2], json_len);
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	close(ready[0]);
}

int main(void)
{
	static const unsigned sizes[] = { 10, 100, 1000, 10000 };

	printf("evidence: one snapshot of a process (median of %d; threads capped at 2000)\n",
	       ROUNDS);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		bench(sizes[i]);
	return 0;
}
