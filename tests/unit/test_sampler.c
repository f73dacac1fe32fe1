/*
 * test_sampler — the process-tree sampler, on a fixture /proc and on live processes.
 *
 * Fixture: a temp directory laid out like /proc (PID/stat, PID/statm, PID/fd/, PID/status,
 * PID/smaps_rollup) with a root, two children, a grandchild and an unrelated process; the
 * tests rewrite or remove files between reads.  Files are rewritten in place because the
 * sampler keeps them open, as it keeps /proc files open.
 *
 * Live: this test process itself, and build/helpers/tree with 8 children, which opens FDs and
 * starts threads on command through a pipe and answers on another, so nothing sleeps.
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "base/diag.h"
#include "proc/sampler.h"
#include "run/target.h"

static char tree_path[PATH_MAX];
static char msg[512];
static long page_kib;
static long ticks;

/* ---- the fixture --------------------------------------------------------------------- */

struct fproc {
	int pid, ppid;
	const char *comm;
	char state;
	unsigned long utime, stime;	/* ticks */
	unsigned threads, fds;
	unsigned long rss_pages;
	unsigned long lazyfree_kib;
};

static void write_file(const char *dir, int pid, const char *name, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%d/%s", dir, pid, name);
	tu_spit(path, text, strlen(text));	/* in place: the sampler's open fd sees it */
}

/* Every fixture process's resident shared (file-backed and shmem) pages: the rest is anon. */
#define SHARED_PAGES 200

/* The anonymous KiB the sampler must find for p. */
static uint64_t anon_kib(const struct fproc *p)
{
	return p->rss_pages > SHARED_PAGES ?
	       (uint64_t)(p->rss_pages - SHARED_PAGES) * (unsigned long)page_kib : 0;
}

/*
 * stat and statm.  stat's own rss field (24) says 1 page: the sampler must take RSS from
 * statm, which the kernel sums exactly.
 */
static void write_stat(const char *dir, const struct fproc *p)
{
	char text[1024];

	snprintf(text, sizeof(text),
		 "%d (%s) %c %d %d %d 0 -1 4194560 120 0 0 0 %lu %lu 0 0 20 0 %u 0 4242 "
		 "12345678 1 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n",
		 p->pid, p->comm, p->state, p->ppid, p->pid, p->pid, p->utime, p->stime,
		 p->threads);
	write_file(dir, p->pid, "stat", text);
	snprintf(text, sizeof(text), "3000 %lu %d 100 0 400 0\n", p->rss_pages, SHARED_PAGES);
	write_file(dir, p->pid, "statm", text);
}

static void fixture_add(const char *dir, const struct fproc *p)
{
	char path[PATH_MAX], text[512];

	snprintf(path, sizeof(path), "%s/%d", dir, p->pid);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%d/fd", dir, p->pid);
	assert_int_equal(mkdir(path, 0755), 0);
	for (unsigned i = 0; i < p->fds; i++) {
		snprintf(path, sizeof(path), "%s/%d/fd/%u", dir, p->pid, i);
		assert_int_equal(symlink("/dev/null", path), 0);
	}
	write_stat(dir, p);
	snprintf(text, sizeof(text), "Name:\t%s\nState:\t%c\nPPid:\t%d\nThreads:\t%u\n", p->comm,
		 p->state, p->ppid, p->threads);
	write_file(dir, p->pid, "status", text);
	snprintf(text, sizeof(text),
		 "55d0c0a00000-7ffd2b1fe000 ---p 00000000 00:00 0                          "
		 "[rollup]\nRss:                3000 kB\nPss:                2000 kB\n"
		 "LazyFree:         %lu kB\nSwap:                  0 kB\n", p->lazyfree_kib);
	write_file(dir, p->pid, "smaps_rollup", text);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void fixture_remove(const char *dir, int pid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%d", dir, pid);
	assert_int_equal(nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/*
 * 100 root, 101 and 102 its children (101's comm holds ") ("), 103 a grandchild under
 * 101, 200 unrelated, 1 init.
 */
static const struct fproc base[] = {
	{ 1, 0, "init", 'S', 9000, 9000, 1, 64, 3000, 99999 },
	{ 100, 1, "svc", 'S', 250, 50, 4, 12, 2000, 100 },
	{ 101, 100, "wor) (ker", 'R', 100, 0, 2, 5, 1000, 20 },
	{ 102, 100, "helper", 'S', 0, 100, 1, 3, 500, 0 },
	{ 103, 101, "grand child", 'S', 50, 50, 3, 7, 250, 3 },
	{ 200, 1, "unrelated", 'S', 7000, 7000, 9, 99, 88888, 77777 },
};

struct fixture {
	char dir[64];
	struct sampler *s;
};

static int fixture_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	strcpy(fx->dir, "/tmp/leaksoak-test-proc-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		fixture_add(fx->dir, &base[i]);
	fx->s = sampler_new(100, fx->dir);
	assert_non_null(fx->s);
	diag_capture(msg, sizeof(msg));
	*state = fx;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *fx = *state;

	diag_capture(NULL, 0);
	sampler_free(&fx->s);
	assert_null(fx->s);
	assert_int_equal(nftw(fx->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	free(fx);
	return 0;
}

/* A test on a fresh fixture /proc, given as *state. */
#define fixture_test(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)

/* The expected sample of the members (indices into base). */
static struct sample expect(const int *idx, size_t n)
{
	struct sample e = { 0 };
	unsigned long cpu_ticks = 0;

	for (size_t i = 0; i < n; i++) {
		const struct fproc *p = &base[idx[i]];

		e.rss_kib += p->rss_pages * (unsigned long)page_kib;
		e.rss_anon_kib += anon_kib(p);
		e.threads += p->threads;
		e.fds += p->fds;
		e.procs++;
		cpu_ticks += p->utime + p->stime;
	}
	e.cpu_s = (double)cpu_ticks / (double)ticks;
	return e;
}

static void assert_sample(const struct sample *got, const struct sample *want)
{
	assert_int_equal(got->rss_kib, want->rss_kib);
	assert_int_equal(got->rss_anon_kib, want->rss_anon_kib);
	assert_int_equal(got->threads, want->threads);
	assert_int_equal(got->fds, want->fds);
	assert_int_equal(got->procs, want->procs);
	assert_float_equal(got->cpu_s, want->cpu_s, 1e-9);
}

/* ---- fixture tests ------------------------------------------------------------------- */

static void test_tree_summed_unrelated_excluded(void **state)
{
	struct fixture *fx = *state;
	const int members[] = { 1, 2, 3, 4 };
	struct sample got = { .t_s = 12.5 }, want = expect(members, 4);

	assert_int_equal(sampler_read(fx->s, &got), 0);
	assert_sample(&got, &want);
	assert_float_equal(got.t_s, 12.5, 0);	/* the caller's field is left alone */
	assert_int_equal(sampler_read(fx->s, &got), 0);
	assert_sample(&got, &want);
}

/* PROC/PID/task/TID/children with text, the way the kernel lists a thread's children. */
static void write_children(const char *dir, int pid, int tid, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%d/task", dir, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/task/%d", dir, pid, tid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "task/%d/children", tid);
	write_file(dir, pid, path, text);
}

/*
 * The tree mode: the descendants of a keeper (50), found through children files.  The root
 * 100 and an orphan that left it (300, reparented to the keeper) count; the keeper, init and
 * the unrelated 200 do not.  103 is the child of a second thread of 101.  A process that
 * appears is counted at the very next sample.
 */
static void test_tree_mode_walks_children(void **state)
{
	struct fixture *fx = *state;
	const struct fproc keeper = { 50, 1, "leaksoak-keeper", 'S', 1, 1, 1, 4, 300, 0 };
	const struct fproc orphan = { 300, 50, "orphan", 'S', 10, 10, 1, 2, 700, 0 };
	const struct fproc late = { 301, 50, "late", 'S', 0, 0, 1, 1, 100, 0 };
	const int members[] = { 1, 2, 3, 4 };
	struct sample got = { 0 }, want = expect(members, 4);
	struct sampler *s;

	fixture_add(fx->dir, &keeper);
	fixture_add(fx->dir, &orphan);
	write_children(fx->dir, 50, 50, "100 300");
	write_children(fx->dir, 100, 100, "101 102 ");
	write_children(fx->dir, 101, 101, "");
	write_children(fx->dir, 101, 1011, "103");
	s = sampler_new_tree(100, 50, fx->dir);
	assert_non_null(s);
	assert_int_equal(sampler_read(s, &got), 0);
	want.rss_kib += orphan.rss_pages * (unsigned long)page_kib;
	want.rss_anon_kib += anon_kib(&orphan);
	want.threads += 1;
	want.fds += 2;
	want.procs += 1;
	want.cpu_s += 20.0 / (double)ticks;
	assert_sample(&got, &want);
	fixture_add(fx->dir, &late);
	write_children(fx->dir, 50, 50, "100 300 301");
	assert_int_equal(sampler_read(s, &got), 0);
	assert_int_equal(got.procs, want.procs + 1);
	sampler_free(&s);
}

/* The kept-open files are re-read from the start: changes show, nothing is appended. */
static void test_values_follow_changes(void **state)
{
	struct fixture *fx = *state;
	struct fproc grown = base[3];
	struct sample before, after;

	assert_int_equal(sampler_read(fx->s, &before), 0);
	grown.rss_pages += 1000;
	grown.threads += 5;
	grown.utime += 2 * (unsigned long)ticks;
	write_stat(fx->dir, &grown);
	assert_int_equal(sampler_read(fx->s, &after), 0);
	assert_int_equal(after.rss_kib, before.rss_kib + 1000 * (uint64_t)page_kib);
	assert_int_equal(after.threads, before.threads + 5);
	assert_float_equal(after.cpu_s, before.cpu_s + 2.0, 1e-9);
	assert_int_equal(after.procs, 4);
}

/* A vanished child is dropped; the rediscovery that triggers finds a new child at once. */
static void test_vanished_child_dropped(void **state)
{
	struct fixture *fx = *state;
	const struct fproc newcomer = { 104, 100, "new", 'S', 10, 10, 1, 4, 100, 1 };
	struct sample got, want;
	int members[] = { 1, 2, 4 };

	assert_int_equal(sampler_read(fx->s, &got), 0);
	assert_int_equal(got.procs, 4);
	fixture_remove(fx->dir, 102);
	assert_int_equal(sampler_read(fx->s, &got), 0);
	want = expect(members, 3);
	assert_sample(&got, &want);
	fixture_remove(fx->dir, 101);
	fixture_add(fx->dir, &newcomer);
	assert_int_equal(sampler_read(fx->s, &got), 0);
	/* 103 stays although its parent went: members are kept until they die themselves */
	members[1] = 4;
	want = expect(members, 2);
	want.rss_kib += newcomer.rss_pages * (unsigned long)page_kib;
	want.rss_anon_kib += anon_kib(&newcomer);
	want.threads += newcomer.threads;
	want.fds += newcomer.fds;
	want.procs++;
	want.cpu_s += (double)(newcomer.utime + newcomer.stime) / (double)ticks;
	assert_sample(&got, &want);
}

/* A zombie child holds nothing and is not counted; a zombie root means "gone". */
static void test_zombies(void **state)
{
	struct fixture *fx = *state;
	struct fproc zombie = base[3];
	struct sample got, want;
	const int members[] = { 1, 2, 4 };

	zombie.state = 'Z';
	zombie.rss_pages = 0;
	write_stat(fx->dir, &zombie);
	assert_int_equal(sampler_read(fx->s, &got), 0);
	want = expect(members, 3);
	assert_sample(&got, &want);
	zombie = base[1];
	zombie.state = 'Z';
	write_stat(fx->dir, &zombie);
	assert_int_equal(sampler_read(fx->s, &got), -1);
}

static void test_root_gone(void **state)
{
	struct fixture *fx = *state;
	struct sample got;
	uint64_t kib = 0;

	assert_int_equal(sampler_read(fx->s, &got), 0);
	fixture_remove(fx->dir, 100);
	assert_int_equal(sampler_read(fx->s, &got), -1);
	assert_int_equal(sampler_read_lazyfree(fx->s, &kib), -1);
}

static void test_lazyfree_summed(void **state)
{
	struct fixture *fx = *state;
	struct sample got;
	uint64_t kib = 0;

	assert_int_equal(sampler_read(fx->s, &got), 0);
	assert_int_equal(sampler_read_lazyfree(fx->s, &kib), 0);
	assert_int_equal(kib, 100 + 20 + 0 + 3);
}

static void test_unparsable_stat_is_gone(void **state)
{
	struct fixture *fx = *state;
	struct sample got;

	assert_int_equal(sampler_read(fx->s, &got), 0);
	write_file(fx->dir, 102, "stat", "102 no closing parenthesis S 100\n");
	assert_int_equal(sampler_read(fx->s, &got), 0);
	assert_int_equal(got.procs, 3);
}

static void test_missing_root(void **state)
{
	struct fixture *fx = *state;

	assert_null(sampler_new(999, fx->dir));
	assert_string_equal(msg, "no process with pid 999 (is it running?)");
	assert_null(sampler_new(100, "/nonexistent/proc"));
	assert_string_equal(msg, "cannot open '/nonexistent/proc': No such file or directory");
}

/* ---- live tests ---------------------------------------------------------------------- */

/* build/helpers/tree with a ready pipe (its answers) and a command pipe. */
struct tree {
	struct target *t;
	int ready_fd, cmd_fd;
};

static void tree_start(struct tree *tr, const char *children)
{
	char dir[] = "/tmp/leaksoak-test-sampler-XXXXXX", ready[PATH_MAX], cmd[PATH_MAX];
	char line[1024];
	/* -m 8: 8 MiB touched in the root, half of it then released with MADV_FREE. */
	char *argv[] = { tree_path, (char *)"-c", (char *)children, (char *)"-m", (char *)"8",
			 (char *)"-r", ready, (char *)"-C", cmd, NULL };

	assert_non_null(mkdtemp(dir));
	tr->ready_fd = tu_fifo(dir, "ready", ready, sizeof(ready));
	tr->cmd_fd = tu_fifo(dir, "cmd", cmd, sizeof(cmd));
	tr->t = target_start(argv, NULL, NULL);
	assert_non_null(tr->t);
	tu_read_line(tr->ready_fd, line, sizeof(line));
	assert_memory_equal(line, "ready", 5);
	/* The helper has both pipes open: their names are no longer needed. */
	assert_int_equal(unlink(ready), 0);
	assert_int_equal(unlink(cmd), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void tree_command(struct tree *tr, char c)
{
	char line[16];

	assert_int_equal(write(tr->cmd_fd, &c, 1), 1);
	tu_read_line(tr->ready_fd, line, sizeof(line));
	assert_string_equal(line, "ok\n");
}

static void tree_stop(struct tree *tr)
{
	assert_int_equal(target_stop(tr->t, 5000), 0);
	target_free(&tr->t);
	close(tr->ready_fd);
	close(tr->cmd_fd);
}

/* Entries of /proc/self/fd, not counting the descriptor that lists them. */
static unsigned count_own_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3;		/* ".", ".." and the listing's own descriptor */
}

static void test_self(void **state)
{
	struct sampler *s = sampler_new(getpid(), NULL);
	struct sample a, b;
	int fds[10];

	(void)state;
	assert_non_null(s);
	assert_int_equal(sampler_read(s, &a), 0);
	assert_true(a.procs >= 1);
	assert_true(a.rss_kib > 1000);
	/* The test's own heap and stacks are anonymous; its mapped binary and libraries are not. */
	assert_true(a.rss_anon_kib > 0 && a.rss_anon_kib < a.rss_kib);
	assert_true(a.threads >= 1);
	assert_int_equal(a.fds, count_own_fds());
	for (int i = 0; i < 10; i++)
		assert_true((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
	assert_int_equal(sampler_read(s, &b), 0);
	assert_int_equal(b.fds, a.fds + 10);
	assert_true(b.cpu_s >= a.cpu_s);
	for (int i = 0; i < 10; i++)
		close(fds[i]);
	sampler_free(&s);
	assert_null(s);
	sampler_free(&s);
}

static void test_live_tree(void **state)
{
	struct tree tr;
	struct sampler *s;
	struct sample a, b, c;
	uint64_t kib = 1;

	(void)state;
	tree_start(&tr, "8");
	s = sampler_new(target_pid(tr.t), NULL);
	assert_non_null(s);
	assert_int_equal(sampler_read(s, &a), 0);
	assert_int_equal(a.procs, 9);
	assert_true(a.threads >= 9);
	assert_true(a.fds >= 9 * 3);
	assert_true(a.rss_kib >= 9 * 100);
	tree_command(&tr, 'f');
	assert_int_equal(sampler_read(s, &b), 0);
	assert_int_equal(b.procs, 9);
	assert_int_equal(b.fds, a.fds + 16);
	tree_command(&tr, 't');
	assert_int_equal(sampler_read(s, &c), 0);
	assert_int_equal(c.threads, b.threads + 1);
	assert_int_equal(sampler_read_lazyfree(s, &kib), 0);
	/* The 4 MiB the root released lazily stay counted until memory runs short. */
	assert_true(kib >= 2048);
	tree_stop(&tr);
	assert_int_equal(sampler_read(s, &a), -1);
	sampler_free(&s);
}

/*
 * A root that exited is no data point: neither as a zombie nor once reaped.  It exits on
 * command once the sampler holds it, so its exit cannot win the race with sampler_new.
 */
static void test_live_root_exits(void **state)
{
	struct tree tr;
	struct sampler *s;
	struct sample got;
	char x = 'x';

	(void)state;
	tree_start(&tr, "0");
	s = sampler_new(target_pid(tr.t), NULL);
	assert_non_null(s);
	assert_int_equal(sampler_read(s, &got), 0);
	/* the pidfd before the command: the keeper may reap the root before one could be had */
	int fd = pidfd_open(target_pid(tr.t), 0);
	assert_int_equal(write(tr.cmd_fd, &x, 1), 1);
	if (fd >= 0) {
		tu_wait_readable(fd);
		close(fd);
	} else {
		tu_await_exit(target_pid(tr.t));
	}
	/* exited, reaped or not (the keeper reaps it): no data point */
	assert_int_equal(sampler_read(s, &got), -1);
	assert_int_equal(target_poll(tr.t), 1);
	assert_int_equal(sampler_read(s, &got), -1);
	sampler_free(&s);
	target_free(&tr.t);
	close(tr.ready_fd);
	close(tr.cmd_fd);
}

static int setup_group(void **state)
{
	(void)state;
	page_kib = sysconf(_SC_PAGESIZE) / 1024;
	ticks = sysconf(_SC_CLK_TCK);
	if (tu_find_helper("tree", tree_path, sizeof(tree_path)) < 0)
		return -1;
	return target_init();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		fixture_test(test_tree_summed_unrelated_excluded),
		fixture_test(test_tree_mode_walks_children),
		fixture_test(test_values_follow_changes),
		fixture_test(test_vanished_child_dropped),
		fixture_test(test_zombies),
		fixture_test(test_root_gone),
		fixture_test(test_lazyfree_summed),
		fixture_test(test_unparsable_stat_is_gone),
		fixture_test(test_missing_root),
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_live_tree),
		cmocka_unit_test(test_live_root_exits),
	};

	return cmocka_run_group_tests_name("sampler", tests, setup_group, NULL);
}
