/*
 * test_spawn — the one helper that starts and ends child processes: exec failures reported
 * at start, the log, the environment, the function mode, the parent-death signal, and the
 * bounded stop (a child that ignores SIGTERM is SIGKILLed after the grace, with its group).
 * Waits are on pidfds and pipes, bounded only to turn a hang into a failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "base/clock.h"
#include "base/diag.h"
#include "base/spawn.h"

static char tree_path[PATH_MAX];
static char msg[512];

static int setup_group(void **state)
{
	(void)state;
	return tu_find_helper("tree", tree_path, sizeof(tree_path));
}

static struct spawn *start_argv(char **argv, const char *log)
{
	struct spawn_opts o = { .argv = argv, .log_path = log, .own_group = 1 };

	return spawn_start(&o);
}

static void test_exit_status(void **state)
{
	char *argv[] = { tree_path, (char *)"-x", (char *)"3", NULL };
	struct spawn *s = start_argv(argv, NULL);
	int st = -1;

	(void)state;
	assert_non_null(s);
	assert_true(spawn_fd(s) >= 0);
	assert_int_equal(spawn_wait(s, TU_HANG_GUARD_MS), 1);
	assert_int_equal(spawn_exited(s, &st), 1);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	spawn_describe(s, msg, sizeof(msg));
	assert_string_equal(msg, "exited with status 3");
	spawn_free(&s);
	assert_null(s);
}

static void test_missing_program_fails_at_start(void **state)
{
	char *argv[] = { (char *)"/nonexistent/leaksoak-nope", NULL };

	(void)state;
	diag_capture(msg, sizeof(msg));
	assert_null(start_argv(argv, NULL));
	diag_capture(NULL, 0);
	assert_string_equal(msg, "cannot start '/nonexistent/leaksoak-nope': No such file or "
			    "directory");
}

/* The log gets stdout and stderr; env_extra reaches the child. */
static void test_log_and_env(void **state)
{
	char *argv[] = { tree_path, (char *)"-e", (char *)"LS_SPAWN_X", NULL };
	char *env[] = { (char *)"LS_SPAWN_X=42", NULL };
	char *log = tu_path(*state, "child.log");
	struct spawn_opts o = { .argv = argv, .env_extra = env, .log_path = log };
	struct spawn *s = spawn_start(&o);

	assert_non_null(s);
	assert_int_equal(spawn_wait(s, TU_HANG_GUARD_MS), 1);
	spawn_free(&s);
	char *text = tu_slurp(log);
	assert_string_equal(text, "LS_SPAWN_X=42\nstderr\n");
	free(text);
	free(log);
}

static int write_and_exit(void *arg)
{
	int fd = *(int *)arg;

	return write(fd, "fn", 2) == 2 ? 7 : 1;
}

/* The function mode runs fn in the child and exits with its value. */
static void test_function_mode(void **state)
{
	int p[2];
	char buf[4] = "";
	char *argv[] = { (char *)"fn", NULL };
	struct spawn_opts o = { .argv = argv, .fn = write_and_exit, .arg = &p[1] };
	struct spawn *s;
	int st = 0;

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	s = spawn_start(&o);
	assert_non_null(s);
	assert_int_equal(spawn_wait(s, TU_HANG_GUARD_MS), 1);
	spawn_exited(s, &st);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 7);
	assert_int_equal(read(p[0], buf, 2), 2);
	assert_memory_equal(buf, "fn", 2);
	spawn_free(&s);
	close(p[0]);
	close(p[1]);
}

/* A wait shorter than the child's life returns 0, without reaping. */
static void test_wait_bounded(void **state)
{
	char *argv[] = { tree_path, NULL };
	struct spawn *s = start_argv(argv, NULL);
	int64_t t0 = clock_now_ns();

	(void)state;
	assert_non_null(s);
	assert_int_equal(spawn_wait(s, 50), 0);
	assert_true(clock_now_ns() - t0 >= 50 * CLOCK_NS_PER_MS);
	assert_int_equal(spawn_exited(s, NULL), 0);
	assert_int_equal(spawn_stop(s, SIGTERM, 5000), 0);
	spawn_describe(s, msg, sizeof(msg));
	assert_string_equal(msg, "killed by signal 15 (SIGTERM)");
	spawn_free(&s);
}

/* SIGTERM ignored: SIGKILL after the grace, to the group (a child of the child goes too). */
static void test_stop_escalates_to_group_kill(void **state)
{
	char dir[] = "/tmp/leaksoak-test-spawn-XXXXXX", fifo[PATH_MAX], line[256];
	char *argv[] = { tree_path, (char *)"-I", (char *)"-N", (char *)"-c", (char *)"1",
			 (char *)"-r", fifo, NULL };
	struct spawn *s;
	int ready, child_fd;
	long child;

	(void)state;
	assert_non_null(mkdtemp(dir));
	ready = tu_fifo(dir, "ready", fifo, sizeof(fifo));
	s = start_argv(argv, NULL);
	assert_non_null(s);
	tu_read_line(ready, line, sizeof(line));
	close(ready);
	unlink(fifo);
	rmdir(dir);
	child = strtol(line + 5, NULL, 10);
	assert_true(child > 0);
	child_fd = pidfd_open((pid_t)child, 0);
	assert_true(child_fd >= 0);
	int64_t t0 = clock_now_ns();
	assert_int_equal(spawn_stop(s, SIGTERM, 200), 0);
	assert_true(clock_now_ns() - t0 >= 200 * CLOCK_NS_PER_MS);
	spawn_describe(s, msg, sizeof(msg));
	assert_string_equal(msg, "killed by signal 9 (SIGKILL)");
	/* the child, in the group, was killed too (it is reaped by our subreaper or init) */
	tu_wait_readable(child_fd);
	close(child_fd);
	assert_int_equal(spawn_stop(s, SIGTERM, 200), 0);	/* idempotent */
	spawn_free(&s);
}

/* The death signal reaches the child when its parent dies. */
static void test_death_signal(void **state)
{
	int ch[2];
	pid_t parent, child = 0;

	(void)state;
	assert_int_equal(pipe2(ch, O_CLOEXEC), 0);
	parent = fork();
	assert_true(parent >= 0);
	if (parent == 0) {
		char *argv[] = { tree_path, NULL };
		struct spawn_opts o = { .argv = argv, .death_signal = SIGKILL };
		struct spawn *s = spawn_start(&o);
		pid_t pid = s ? spawn_pid(s) : 0;

		if (write(ch[1], &pid, sizeof(pid)) != sizeof(pid))
			_exit(1);
		for (;;)
			pause();
	}
	close(ch[1]);
	tu_wait_readable(ch[0]);
	assert_int_equal(read(ch[0], &child, sizeof(child)), sizeof(child));
	close(ch[0]);
	assert_true(child > 0);
	int fd = pidfd_open(child, 0);
	assert_true(fd >= 0);
	assert_int_equal(kill(parent, SIGKILL), 0);
	assert_int_equal(waitpid(parent, NULL, 0), parent);
	tu_wait_readable(fd);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_missing_program_fails_at_start),
		tu_tmpdir_test(test_log_and_env),
		cmocka_unit_test(test_function_mode),
		cmocka_unit_test(test_wait_bounded),
		cmocka_unit_test(test_stop_escalates_to_group_kill),
		cmocka_unit_test(test_death_signal),
	};

	return cmocka_run_group_tests_name("spawn", tests, setup_group, NULL);
}
