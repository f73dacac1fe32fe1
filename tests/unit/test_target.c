/*
 * test_target — starting, describing and stopping real processes.
 *
 * The targets are build/helpers/tree (a configurable process tree that reports the PIDs of
 * its descendants through a pipe once they are all up) and standard programs by name.  This
 * process is made a child subreaper first, as the harness is, so that orphans come back to it
 * and "gone" can be checked as kill(pid, 0) failing with ESRCH: reaped, not just dead.
 * Waits are on pidfds and pipes, bounded only to turn a hang into a failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "base/diag.h"
#include "run/target.h"

#define MAX_TREE_PIDS 64

static char tree_path[PATH_MAX];
static char msg[512];

static int setup_group(void **state)
{
	(void)state;
	if (tu_find_helper("tree", tree_path, sizeof(tree_path)) < 0)
		return -1;
	return target_init();
}

static int capture(void **state)
{
	(void)state;
	diag_capture(msg, sizeof(msg));
	return 0;
}

static int release(void **state)
{
	(void)state;
	diag_capture(NULL, 0);
	return 0;
}

/* ---- helpers ------------------------------------------------------------------------- */

static int gone(pid_t pid)
{
	return kill(pid, 0) == -1 && errno == ESRCH;
}

/* Wait until pid has exited, whoever's child it is (it may be gone already). */
static void await_gone(pid_t pid)
{
	int fd = pidfd_open(pid, 0);

	if (fd < 0) {
		assert_int_equal(errno, ESRCH);
		return;
	}
	tu_wait_readable(fd);
	close(fd);
}

/* The state letter of /proc/PID/stat (after the last ')'), or 0. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* How many children pid has (every thread's), and how many of them are zombies. */
static void count_children(pid_t pid, int *children, int *zombies)
{
	char path[64];
	FILE *f;
	int child;

	*children = *zombies = 0;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fscanf(f, "%d", &child) == 1) {
		(*children)++;
		*zombies += proc_state(child) == 'Z';
	}
	fclose(f);
}

/* Wait for the target to exit on its own, reap it, describe it into msg. */
static void wait_exit(struct target *t)
{
	await_gone(target_pid(t));
	assert_int_equal(target_poll(t), 1);
	target_describe(t, msg, sizeof(msg));
}

struct tree {
	struct target *t;
	pid_t pids[MAX_TREE_PIDS];	/* descendants, as the helper reported them */
	int n;
};

/* Start tree with flags, and wait for its "ready PID ..." line on a named pipe. */
static void tree_start(struct tree *tr, const char *flags[])
{
	char dir[] = "/tmp/leaksoak-test-target-XXXXXX", fifo[PATH_MAX], line[1024];
	char *argv[32] = { tree_path, (char *)"-r", fifo };
	int ready, argc = 3;
	char *p, *end;

	for (int i = 0; flags[i]; i++)
		argv[argc++] = (char *)flags[i];
	assert_non_null(mkdtemp(dir));
	ready = tu_fifo(dir, "ready", fifo, sizeof(fifo));
	tr->t = target_start(argv, NULL, NULL);
	assert_non_null(tr->t);
	tu_read_line(ready, line, sizeof(line));
	close(ready);
	assert_int_equal(unlink(fifo), 0);
	assert_int_equal(rmdir(dir), 0);
	assert_memory_equal(line, "ready", 5);
	tr->n = 0;
	for (p = line + 5; tr->n < MAX_TREE_PIDS; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		tr->pids[tr->n++] = (pid_t)v;
	}
}

/* ---- starting ------------------------------------------------------------------------ */

/* Starting cmd, its output going to log_path, fails and says want. */
static void assert_start_fails(const char *cmd, const char *log_path, const char *want)
{
	char *argv[] = { (char *)cmd, NULL };

	assert_null(target_start(argv, NULL, log_path));
	assert_string_equal(msg, want);
}

static void test_missing_binary_names_it(void **state)
{
	(void)state;
	assert_start_fails("/nonexistent/leaksoak-no-such-target", NULL,
			   "cannot start '/nonexistent/leaksoak-no-such-target': "
			   "No such file or directory");
}

static void test_missing_name_in_path(void **state)
{
	(void)state;
	assert_start_fails("leaksoak-no-such-program", NULL,
			   "cannot start 'leaksoak-no-such-program': No such file or directory");
}

/* A file without an execute bit: EACCES even for root. */
static void test_not_executable(void **state)
{
	char path[] = "/tmp/leaksoak-test-target-XXXXXX";
	char want[128];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	snprintf(want, sizeof(want), "cannot start '%s': Permission denied", path);
	assert_start_fails(path, NULL, want);
	unlink(path);
}

static void test_name_found_in_path(void **state)
{
	char *argv[] = { (char *)"true", NULL };
	struct target *t = target_start(argv, NULL, NULL);

	(void)state;
	assert_non_null(t);
	assert_true(target_pid(t) > 0);
	wait_exit(t);
	assert_string_equal(msg, "exited with status 0");
	assert_int_equal(target_stop(t, 1000), 0);
	target_free(&t);
	assert_null(t);
}

static void test_exit_status_described(void **state)
{
	char *argv[] = { tree_path, (char *)"-x", (char *)"3", NULL };
	struct target *t = target_start(argv, NULL, NULL);
	int st = 0;

	(void)state;
	assert_non_null(t);
	wait_exit(t);
	assert_string_equal(msg, "exited with status 3");
	assert_int_equal(target_exited(t, &st), 1);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
	target_free(&t);
}

static void test_crash_described(void **state)
{
	char *segv[] = { tree_path, (char *)"-k", (char *)"11", NULL };
	char *abrt[] = { tree_path, (char *)"-k", (char *)"6", NULL };
	struct target *t = target_start(segv, NULL, NULL);

	(void)state;
	assert_non_null(t);
	wait_exit(t);
	assert_string_equal(msg, "killed by signal 11 (SIGSEGV)");
	target_free(&t);
	t = target_start(abrt, NULL, NULL);
	assert_non_null(t);
	wait_exit(t);
	assert_string_equal(msg, "killed by signal 6 (SIGABRT)");
	target_free(&t);
}

static void test_running_described(void **state)
{
	const char *flags[] = { NULL };
	struct tree tr;

	(void)state;
	tree_start(&tr, flags);
	assert_int_equal(target_poll(tr.t), 0);
	assert_int_equal(target_exited(tr.t, NULL), 0);
	target_describe(tr.t, msg, sizeof(msg));
	assert_string_equal(msg, "is still running");
	target_free(&tr.t);
}

/* env_extra is added, overrides a variable of ours, and stdout/stderr land in log_path. */
static void test_env_and_log(void **state)
{
	char log_path[] = "/tmp/leaksoak-test-target-XXXXXX";
	char *argv[] = { tree_path, (char *)"-e", (char *)"LEAKSOAK_TEST_VAR", NULL };
	char *env[] = { (char *)"LEAKSOAK_TEST_VAR=from-extra", NULL };
	char buf[256] = "";
	struct target *t;
	int fd = mkstemp(log_path);
	ssize_t n;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(setenv("LEAKSOAK_TEST_VAR", "inherited", 1), 0);
	t = target_start(argv, env, log_path);
	assert_non_null(t);
	wait_exit(t);
	assert_string_equal(msg, "exited with status 0");
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	assert_string_equal(buf, "LEAKSOAK_TEST_VAR=from-extra\nstderr\n");
	target_free(&t);
	close(fd);
	unlink(log_path);
	unsetenv("LEAKSOAK_TEST_VAR");
}

static void test_log_path_unwritable(void **state)
{
	(void)state;
	assert_start_fails("true", "/nonexistent/dir/log",
			   "cannot create '/nonexistent/dir/log': No such file or directory");
}

/* ---- stopping ------------------------------------------------------------------------ */

/* Children, grandchildren that left the group with setsid, and an orphan: all reaped. */
static void test_stop_kills_whole_tree(void **state)
{
	const char *flags[] = { "-c", "2", "-g", "-s", "-o", NULL };
	struct tree tr;
	pid_t leader;

	(void)state;
	tree_start(&tr, flags);
	assert_int_equal(tr.n, 5);
	leader = target_pid(tr.t);
	assert_int_equal(target_stop(tr.t, 5000), 0);
	assert_int_equal(target_exited(tr.t, NULL), 1);
	target_describe(tr.t, msg, sizeof(msg));
	assert_string_equal(msg, "killed by signal 15 (SIGTERM)");
	assert_true(gone(leader));
	assert_true(kill(-leader, 0) == -1 && errno == ESRCH);
	for (int i = 0; i < tr.n; i++)
		assert_true(gone(tr.pids[i]));
	assert_int_equal(target_stop(tr.t, 5000), 0);
	target_free(&tr.t);
}

/* A descriptor the harness inherited without close-on-exec does not reach the target. */
static void test_inherits_no_fds(void **state)
{
	const char *flags[] = { NULL };
	/* High, so that no descriptor the helper opens itself can take the same number. */
	int stray = dup2(STDERR_FILENO, 200);
	char path[64];
	struct tree tr;

	(void)state;
	assert_int_equal(stray, 200);
	tree_start(&tr, flags);
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)target_pid(tr.t), stray);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "/proc/%d/fd/1", (int)target_pid(tr.t));
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(target_stop(tr.t, 5000), 0);
	target_free(&tr.t);
	close(stray);
}

static void test_sigterm_ignored_gets_sigkill(void **state)
{
	const char *flags[] = { "-I", "-c", "2", "-g", "-s", NULL };
	struct tree tr;

	(void)state;
	tree_start(&tr, flags);
	assert_int_equal(tr.n, 4);
	assert_int_equal(target_stop(tr.t, 200), 0);
	target_describe(tr.t, msg, sizeof(msg));
	assert_string_equal(msg, "killed by signal 9 (SIGKILL)");
	for (int i = 0; i < tr.n; i++)
		assert_true(gone(tr.pids[i]));
	target_free(&tr.t);
}

/*
 * The leader exited on its own; its children, which outlive it (-N), are still running,
 * then stopped and reaped.
 */
static void test_stop_after_leader_exited(void **state)
{
	const char *flags[] = { "-N", "-c", "2", "-g", "-s", NULL };
	struct tree tr;

	(void)state;
	tree_start(&tr, flags);
	assert_int_equal(kill(target_pid(tr.t), SIGKILL), 0);
	wait_exit(tr.t);
	assert_string_equal(msg, "killed by signal 9 (SIGKILL)");
	for (int i = 0; i < tr.n; i++)
		assert_int_equal(proc_state(tr.pids[i]), 'S');
	assert_int_equal(target_stop(tr.t, 5000), 0);
	for (int i = 0; i < tr.n; i++)
		assert_true(gone(tr.pids[i]));
	target_free(&tr.t);
}

/*
 * A target that detaches short-lived children (double fork, setsid, exit 10 ms later) has
 * their zombies reaped as they die, not at stop: however many died, few are zombies at any
 * moment.  Counted from /proc: the processes in state Z whose parent is the keeper.
 */
static void test_orphans_reaped_as_they_die(void **state)
{
	const char *flags[] = { "-z", "200", NULL };
	int most = 0, seen_children = 0;
	struct tree tr;

	(void)state;
	tree_start(&tr, flags);
	pid_t keeper = target_tree_root(tr.t);
	/* 200 a second: over 40 rounds of listing (each ~10 ms) some hundreds die */
	for (int round = 0; round < 40; round++) {
		int zombies = 0, children = 0;

		count_children(keeper, &children, &zombies);
		most = zombies > most ? zombies : most;
		seen_children += children > 1;
		usleep(10000);
	}
	/* the detached children did reach the keeper (else this test proves nothing) */
	assert_true(seen_children > 0);
	assert_true(most <= 5);
	assert_int_equal(target_stop(tr.t, 5000), 0);
	target_free(&tr.t);
}

/*
 * A keeper killed from outside: the target dies with it (parent-death signal), and what it
 * leaves, reparented to the harness (the second-line subreaper), is still ended at stop,
 * which reports the keeper gone.
 */
static void test_stop_after_keeper_killed(void **state)
{
	const char *flags[] = { "-N", "-I", "-c", "2", "-g", "-s", NULL };
	struct tree tr;
	pid_t keeper;

	(void)state;
	tree_start(&tr, flags);
	keeper = target_tree_root(tr.t);
	assert_int_equal(kill(keeper, SIGKILL), 0);
	await_gone(target_pid(tr.t));
	diag_capture(msg, sizeof(msg));
	assert_int_equal(target_stop(tr.t, 200), -1);
	diag_capture(NULL, 0);
	assert_non_null(strstr(msg, "keeper"));
	for (int i = 0; i < tr.n; i++)
		assert_true(gone(tr.pids[i]));
	assert_true(gone(keeper));
	target_free(&tr.t);
}

/* target_free of a running target stops it. */
static void test_free_stops(void **state)
{
	const char *flags[] = { "-c", "1", NULL };
	struct tree tr;
	pid_t leader;

	(void)state;
	tree_start(&tr, flags);
	leader = target_pid(tr.t);
	target_free(&tr.t);
	assert_null(tr.t);
	assert_true(gone(leader));
	assert_true(gone(tr.pids[0]));
	target_free(&tr.t);
}

/* Stopping one target leaves a second one running beside it alone. */
static void test_stop_spares_other_target(void **state)
{
	const char *flags[] = { "-c", "1", NULL };
	struct tree a, b;

	(void)state;
	tree_start(&a, flags);
	tree_start(&b, flags);
	assert_int_equal(target_stop(a.t, 5000), 0);
	assert_true(gone(a.pids[0]));
	assert_int_equal(target_poll(b.t), 0);
	assert_false(gone(b.pids[0]));
	target_free(&a.t);
	target_free(&b.t);
	assert_true(gone(b.pids[0]));
}

/*
 * The target's tree does not outlive its harness: a child of ours plays the harness, starts a
 * tree whose processes ignore SIGTERM, have no parent-death signal, and include setsid'd
 * grandchildren and a double-forked orphan, and is SIGKILLed.  Every process of the tree
 * must then go, and the keeper too (reparented to us, the subreaper, and reaped here).
 */
static void test_tree_dies_with_harness(void **state)
{
	const char *flags[] = { "-N", "-I", "-c", "2", "-g", "-s", "-o", NULL };
	int ch[2];
	pid_t harness, pids[MAX_TREE_PIDS + 2];
	int n = 0;

	(void)state;
	assert_int_equal(pipe2(ch, O_CLOEXEC), 0);
	harness = fork();
	assert_true(harness >= 0);
	if (harness == 0) {
		struct tree tr;

		tree_start(&tr, flags);
		pids[0] = target_tree_root(tr.t);
		pids[1] = target_pid(tr.t);
		memcpy(pids + 2, tr.pids, (size_t)tr.n * sizeof(pid_t));
		n = tr.n + 2;
		if (write(ch[1], pids, (size_t)n * sizeof(pid_t)) != (ssize_t)(n * sizeof(pid_t)))
			_exit(1);
		for (;;)
			pause();
	}
	close(ch[1]);
	tu_wait_readable(ch[0]);
	ssize_t got = read(ch[0], pids, sizeof(pids));
	close(ch[0]);
	assert_true(got >= (ssize_t)(7 * sizeof(pid_t)));
	n = (int)(got / (ssize_t)sizeof(pid_t));
	assert_int_equal(kill(harness, SIGKILL), 0);
	assert_int_equal(waitpid(harness, NULL, 0), harness);
	for (int i = 1; i < n; i++)
		await_gone(pids[i]);
	/* the keeper ends after the tree, reparented to us: reap it, then nothing is left */
	await_gone(pids[0]);
	assert_int_equal(waitpid(pids[0], NULL, 0), pids[0]);
	for (int i = 0; i < n; i++)
		assert_true(gone(pids[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_binary_names_it, capture, release),
		cmocka_unit_test_setup_teardown(test_missing_name_in_path, capture, release),
		cmocka_unit_test_setup_teardown(test_not_executable, capture, release),
		cmocka_unit_test(test_name_found_in_path),
		cmocka_unit_test(test_exit_status_described),
		cmocka_unit_test(test_crash_described),
		cmocka_unit_test(test_running_described),
		cmocka_unit_test(test_env_and_log),
		cmocka_unit_test_setup_teardown(test_log_path_unwritable, capture, release),
		cmocka_unit_test(test_stop_kills_whole_tree),
		cmocka_unit_test(test_inherits_no_fds),
		cmocka_unit_test(test_sigterm_ignored_gets_sigkill),
		cmocka_unit_test(test_stop_after_leader_exited),
		cmocka_unit_test(test_stop_after_keeper_killed),
		cmocka_unit_test(test_free_stops),
		cmocka_unit_test(test_stop_spares_other_target),
		cmocka_unit_test(test_orphans_reaped_as_they_die),
		cmocka_unit_test(test_tree_dies_with_harness),
	};

	return cmocka_run_group_tests_name("target", tests, setup_group, NULL);
}
