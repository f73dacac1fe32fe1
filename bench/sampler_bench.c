/*
 * sampler_bench — what one sample of a process tree costs, in CPU time of this process.
 *
 * sampler_read on build/helpers/tree with 0 and 8 children, sampled as `run` does (the
 * keeper's descendants, walked through their children files whenever a PID was allocated
 * anywhere on the machine since the last sample), beside its floor (a pread of a
 * kept-open /proc/PID/statm) and beside libproc2 reading the same items (RSS, threads, CPU)
 * with procps_pids_select; the tree discovery (a libproc2 reap of every process, which the
 * sampler runs at most once a second); the sampler at 100 Hz beside the pread floor and a
 * loop that only sleeps and wakes, since at real rates the wake-up and cold caches cost more
 * than the reading itself; and LazyFree of a process with 200 MiB touched.  Run from the
 * repository root.
 */
#include <errno.h>
#include <fcntl.h>
#include <libproc2/pids.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/diag.h"
#include "proc/sampler.h"
#include "run/target.h"

#define TREE "build/helpers/tree"
#define MAX_PIDS 64

struct tree {
	struct target *t;
	unsigned pids[MAX_PIDS];	/* root first, then its descendants */
	int n;
};

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start the tree helper with extra flags and wait (on a named pipe) until it is all up. */
static int tree_start(struct tree *tr, const char *children, const char *memory_mib)
{
	char dir[] = "/tmp/leaksoak-bench-XXXXXX", fifo[64], line[1024];
	char *argv[] = { (char *)TREE, (char *)"-c", (char *)children, (char *)"-m",
			 (char *)memory_mib, (char *)"-r", fifo, NULL };
	struct pollfd p;
	int ready;
	ssize_t n = 0;
	char *s, *end;

	if (!mkdtemp(dir))
		return -1;
	snprintf(fifo, sizeof(fifo), "%s/ready", dir);
	/* Read-write: the open does not wait for the helper, and no EOF before it writes. */
	ready = mkfifo(fifo, 0600) == 0 ? open(fifo, O_RDWR | O_CLOEXEC) : -1;
	tr->t = ready >= 0 ? target_start(argv, NULL, NULL) : NULL;
	p = (struct pollfd){ .fd = ready, .events = POLLIN };
	if (tr->t && poll(&p, 1, 20000) == 1)
		n = read(ready, line, sizeof(line) - 1);
	if (ready >= 0)
		close(ready);
	unlink(fifo);
	rmdir(dir);
	if (n <= 5)
		return -1;
	line[n] = '\0';
	tr->pids[0] = (unsigned)target_pid(tr->t);
	tr->n = 1;
	for (s = line + 5; tr->n < MAX_PIDS; s = end) {
		unsigned long v = strtoul(s, &end, 10);

		if (end == s)
			break;
		tr->pids[tr->n++] = (unsigned)v;
	}
	return 0;
}

/* µs of CPU per sampler_read, after a first read that finds the tree. */
static double bench_sampler(const struct tree *tr, int iterations, unsigned *procs)
{
	struct sampler *s = sampler_new_tree((pid_t)tr->pids[0], target_tree_root(tr->t), NULL);
	struct sample out;
	double t0, t1;

	if (!s || sampler_read(s, &out) < 0)
		return -1;
	*procs = out.procs;
	t0 = cpu_s();
	for (int i = 0; i < iterations; i++)
		sampler_read(s, &out);
	t1 = cpu_s();
	sampler_free(&s);
	return (t1 - t0) / iterations * 1e6;
}

static double bench_pread_statm(pid_t pid, int iterations)
{
	char path[64], buf[256];
	double t0, t1;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	t0 = cpu_s();
	for (int i = 0; i < iterations; i++)
		if (pread(fd, buf, sizeof(buf), 0) <= 0)
			break;
	t1 = cpu_s();
	close(fd);
	return (t1 - t0) / iterations * 1e6;
}

/* µs per procps_pids_select of the tree's PIDs, for the items the sampler reads. */
static double bench_select(const struct tree *tr, int iterations)
{
	enum pids_item items[] = { PIDS_ID_PID, PIDS_MEM_RES, PIDS_NLWP, PIDS_TICS_ALL };
	struct pids_info *info = NULL;
	unsigned pids[MAX_PIDS];
	double t0, t1 = 0;
	int ok = 1;

	memcpy(pids, tr->pids, sizeof(pids));
	if (procps_pids_new(&info, items, 4) < 0)
		return -1;
	t0 = cpu_s();
	for (int i = 0; i < iterations && ok; i++) {
		struct pids_fetch *f = procps_pids_select(info, pids, tr->n, PIDS_SELECT_PID);

		ok = f && f->counts->total == tr->n;
	}
	t1 = cpu_s();
	procps_pids_unref(&info);
	return ok ? (t1 - t0) / iterations * 1e6 : -1;
}

/* µs per libproc2 reap of all processes with PID and PPID: what a discovery costs. */
static double bench_reap(int iterations, int *total)
{
	enum pids_item items[] = { PIDS_ID_PID, PIDS_ID_PPID };
	struct pids_info *info = NULL;
	double t0, t1;

	if (procps_pids_new(&info, items, 2) < 0)
		return -1;
	t0 = cpu_s();
	for (int i = 0; i < iterations; i++) {
		struct pids_fetch *f = procps_pids_reap(info, PIDS_FETCH_TASKS_ONLY);

		*total = f ? f->counts->total : 0;
	}
	t1 = cpu_s();
	procps_pids_unref(&info);
	return (t1 - t0) / iterations * 1e6;
}

enum tick_work { TICK_SLEEP_ONLY, TICK_SAMPLER, TICK_PREAD_FLOOR };

/* The floor of a sample: pread of kept-open /proc/PID/stat and /proc/PID/statm. */
static void pread_floor(const int fds[2])
{
	char buf[1024];

	for (int i = 0; i < 2; i++)
		if (pread(fds[i], buf, sizeof(buf), 0) <= 0)
			return;
}

/* µs of CPU per tick of a loop at rate_hz for duration_s that does work on every tick. */
static double bench_cadence(const struct tree *tr, int rate_hz, double duration_s,
			    enum tick_work work)
{
	struct sampler *s = NULL;
	long step_ns = 1000000000L / rate_hz;
	int ticks = (int)(duration_s * rate_hz), fds[2] = { -1, -1 };
	struct timespec next;
	struct sample out;
	char path[64];
	double t0, t1;

	if (work == TICK_SAMPLER) {
		s = sampler_new_tree((pid_t)tr->pids[0], target_tree_root(tr->t), NULL);
		if (!s || sampler_read(s, &out) < 0)
			return -1;
	} else if (work == TICK_PREAD_FLOOR) {
		snprintf(path, sizeof(path), "/proc/%u/stat", tr->pids[0]);
		fds[0] = open(path, O_RDONLY | O_CLOEXEC);
		snprintf(path, sizeof(path), "/proc/%u/statm", tr->pids[0]);
		fds[1] = open(path, O_RDONLY | O_CLOEXEC);
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	t0 = cpu_s();
	for (int i = 0; i < ticks; i++) {
		next.tv_nsec += step_ns;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		if (work == TICK_SAMPLER)
			sampler_read(s, &out);
		else if (work == TICK_PREAD_FLOOR)
			pread_floor(fds);
	}
	t1 = cpu_s();
	sampler_free(&s);
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return (t1 - t0) / ticks * 1e6;
}

static double bench_lazyfree(const struct tree *tr, int iterations, uint64_t *kib)
{
	struct sampler *s = sampler_new_tree((pid_t)tr->pids[0], target_tree_root(tr->t), NULL);
	struct sample out;
	double t0, t1;
	int ok = 1;

	if (!s || sampler_read(s, &out) < 0)
		return -1;
	t0 = cpu_s();
	for (int i = 0; i < iterations && ok; i++)
		ok = sampler_read_lazyfree(s, kib) == 0;
	t1 = cpu_s();
	sampler_free(&s);
	return ok ? (t1 - t0) / iterations * 1e3 : -1;
}

int main(void)
{
	struct tree one = { 0 }, nine = { 0 }, big = { 0 };
	double sampler1, sampler9, statm, sel1, sel9, reap, floor1, tick1, tick9, wake, lazy;
	unsigned procs1 = 0, procs9 = 0;
	uint64_t lazy_kib = 0;
	int total = 0, ret = 1;

	if (access(TREE, X_OK) < 0) {
		diag_error("'%s' not found (run from the repository root after make)", TREE);
		return 1;
	}
	if (target_init() < 0 || tree_start(&one, "0", "0") < 0 ||
	    tree_start(&nine, "8", "0") < 0) {
		diag_error("cannot start '%s'", TREE);
		goto out;
	}
	sampler1 = bench_sampler(&one, 50000, &procs1);
	sampler9 = bench_sampler(&nine, 10000, &procs9);
	statm = bench_pread_statm((pid_t)one.pids[0], 100000);
	sel1 = bench_select(&one, 5000);
	sel9 = bench_select(&nine, 1000);
	reap = bench_reap(200, &total);
	printf("sampler_read: %u process %.1f µs/sample, %u processes %.1f µs/sample "
	       "(%.1f µs/process)\n", procs1, sampler1, procs9, sampler9, sampler9 / procs9);
	printf("pread of kept-open /proc/PID/statm alone: %.2f µs\n", statm);
	printf("libproc2 select of RSS, threads, CPU: 1 process %.1f µs, %d processes %.1f µs "
	       "(%.1f µs/process)\n", sel1, nine.n, sel9, sel9 / nine.n);
	printf("tree discovery (libproc2 reap of all %d processes; at most once a second, only "
	       "after a new PID): %.0f µs, at most %.0f µs/sample at 10 Hz\n", total, reap,
	       reap / 10);
	fflush(stdout);
	wake = bench_cadence(&one, 100, 2.0, TICK_SLEEP_ONLY);
	floor1 = bench_cadence(&one, 100, 2.0, TICK_PREAD_FLOOR);
	tick1 = bench_cadence(&one, 100, 2.0, TICK_SAMPLER);
	tick9 = bench_cadence(&nine, 100, 2.0, TICK_SAMPLER);
	printf("at 100 Hz for 2 s (CPU per tick, wake-up included): sleep only %.1f µs, "
	       "pread of stat+statm %.1f µs, sampler_read %u process %.1f µs, "
	       "%u processes %.1f µs\n", wake, floor1, procs1, tick1, procs9, tick9);
	fflush(stdout);
	if (tree_start(&big, "0", "200") < 0) {
		diag_error("cannot start '%s -m 200'", TREE);
		goto out;
	}
	lazy = bench_lazyfree(&big, 20, &lazy_kib);
	printf("sampler_read_lazyfree of a process with 200 MiB touched: %.2f ms/read "
	       "(LazyFree %llu KiB)\n", lazy, (unsigned long long)lazy_kib);
	ret = fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
out:
	target_free(&one.t);
	target_free(&nine.t);
	target_free(&big.t);
	return ret;
}
