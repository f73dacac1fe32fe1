/*
 * jvmhist: `jcmd PID GC.class_histogram` read from fixtures the real jcmd wrote
 * (tests/unit/fixtures/jvmhist/regen.sh on tests/helpers/java/JvmLeak), and edge cases.
 */
#include "testutil.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "evidence/evidence_jvm.h"
#include "evidence/jvmhist.h"

static void load(const char *path, struct jvmhist *h)
{
	char *text = tu_slurp(path);

	assert_non_null(text);
	assert_int_equal(jvmhist_parse(text, strlen(text), h), 0);
	free(text);
}

/* JvmLeak keeps every Session: it is the application class that grew, named first. */
static void test_fixture(void **state)
{
	struct jvmhist a, b;
	struct jvmhist_growth g[JVMHIST_TOP];
	size_t n;

	(void)state;
	load("tests/unit/fixtures/jvmhist/start.txt", &a);
	load("tests/unit/fixtures/jvmhist/end.txt", &b);
	assert_true(b.n > 100);
	assert_true(b.total_bytes > a.total_bytes);
	n = jvmhist_diff(&a, &b, g, JVMHIST_TOP);
	assert_true(n >= 2);
	assert_string_equal(g[0].name, "Session");
	assert_false(g[0].jdk);
	assert_true(g[0].instances > 1000);
	assert_int_equal(g[0].bytes, g[0].instances * 24);
	/* the token arrays grow with them, but come after the application's class */
	assert_string_equal(g[1].name, "[B");
	assert_true(g[1].jdk);
	jvmhist_release(&a);
	jvmhist_release(&b);
}

static void test_rows(void **state)
{
	static const char text[] =
		"123:\n"
		" num     #instances         #bytes  class name (module)\n"
		"   1:        10        1000  [B (java.base@17.0.15)\n"
		"   2:         5         100  com.x.Cache$Entry\n"
		"   3:        -5         100  negative\n"
		"   4:         5  99999999999999999999  huge\n"
		"   5:         5         100  \n"
		"Total        15        1100\n";
	struct jvmhist none = { 0 }, h;
	struct jvmhist_growth g[1];

	(void)state;
	assert_int_equal(jvmhist_parse(text, sizeof(text) - 1, &h), 0);
	assert_int_equal(h.n, 2);
	assert_int_equal(h.total_instances, 15);
	assert_int_equal(h.total_bytes, 1100);
	/* bounded to one: the application's class wins over a larger JDK one */
	assert_int_equal(jvmhist_diff(&none, &h, g, 1), 1);
	assert_string_equal(g[0].name, "com.x.Cache$Entry");
	assert_int_equal(jvmhist_diff(&h, &h, g, 1), 0);
	jvmhist_release(&h);
	assert_int_equal(jvmhist_parse("", 0, &h), 0);
	assert_int_equal(h.n, 0);
	jvmhist_release(&h);
}

static void test_bounds(void **state)
{
	size_t cap = (JVMHIST_MAX_CLASSES + 5) * 40;
	char *text = malloc(cap), *p = text;
	struct jvmhist h;

	(void)state;
	for (int i = 0; i < JVMHIST_MAX_CLASSES + 5; i++)
		p += sprintf(p, "%d: 1 16 C%d\n", i + 1, i);
	assert_int_equal(jvmhist_parse(text, (size_t)(p - text), &h), 0);
	assert_int_equal(h.n, JVMHIST_MAX_CLASSES);
	assert_true(h.truncated);
	jvmhist_release(&h);
	free(text);
}

/* ---- evidence_jvm with a fake jcmd and a process named java ------------------------ */

/* Put a script named jcmd first in PATH; returns the old PATH (malloc'd). */
static char *fake_jcmd(const char *dir, const char *body)
{
	char *jcmd = tu_path(dir, "jcmd"), *old = strdup(getenv("PATH") ? getenv("PATH") : "");
	char script[1024], path[4096];

	snprintf(script, sizeof(script), "#!/bin/sh\n%s\n", body);
	tu_spit(jcmd, script, strlen(script));
	assert_int_equal(chmod(jcmd, 0755), 0);
	snprintf(path, sizeof(path), "%s:%s", dir, old);
	setenv("PATH", path, 1);
	free(jcmd);
	return old;
}

/* A child whose comm is "java": sleep, copied under that name. */
static pid_t start_java(const char *dir)
{
	char *java = tu_path(dir, "java"), cmd[PATH_MAX * 2];
	pid_t pid;

	snprintf(cmd, sizeof(cmd), "cp /bin/sleep '%s'", java);
	assert_int_equal(system(cmd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(java, "java", "30", (char *)NULL);
		_exit(127);
	}
	free(java);
	usleep(50000);	/* exec'd: its comm is java */
	return pid;
}

static void stop_java(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* jcmd's two histograms (the fixtures) diffed: Session grew; its files in the folder. */
static void test_evidence_jvm_fake(void **state)
{
	const char *dir = *state;
	char body[512], *old;
	pid_t pids[2] = { getpid(), start_java(dir) };
	struct evidence_jvm *j = evidence_jvm_new(dir, 1);
	json_t *o;

	/* the first call prints the start's histogram, the second the end's */
	snprintf(body, sizeof(body), "test \"$1\" = %d -a \"$2\" = GC.class_histogram || exit 9\n"
		 "if [ -e '%s/once' ]; then exec cat tests/unit/fixtures/jvmhist/end.txt; fi\n"
		 ": >'%s/once'; exec cat tests/unit/fixtures/jvmhist/start.txt", (int)pids[1],
		 dir, dir);
	old = fake_jcmd(dir, body);
	evidence_jvm_start(j, pids, 2);
	evidence_jvm_end(j);
	o = evidence_jvm_json(j);
	assert_non_null(o);
	assert_true(json_is_null(json_object_get(o, "error")));
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), pids[1]);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(o, "top"), 0), "class")), "Session");
	evidence_jvm_free(&j);
	setenv("PATH", old, 1);
	free(old);
	stop_java(pids[1]);
}

/* A jcmd that fails is said, with its status; no JVM in the tree is said when required. */
static void test_evidence_jvm_errors(void **state)
{
	const char *dir = *state;
	pid_t pids[2] = { getpid(), start_java(dir) };
	char *old = fake_jcmd(dir, "echo 'AttachNotSupportedException' >&2; exit 1");
	struct evidence_jvm *j = evidence_jvm_new(dir, 1);
	json_t *o;

	evidence_jvm_start(j, pids, 2);
	evidence_jvm_end(j);
	o = evidence_jvm_json(j);
	assert_string_equal(json_string_value(json_object_get(o, "error")),
			    "jcmd at the window's start exited with status 1 "
			    "(see jvm-histogram-start.txt)");
	assert_int_equal(json_array_size(json_object_get(o, "top")), 0);
	evidence_jvm_free(&j);
	j = evidence_jvm_new(dir, 1);
	evidence_jvm_start(j, pids, 1);
	evidence_jvm_end(j);
	assert_string_equal(json_string_value(json_object_get(evidence_jvm_json(j), "error")),
			    "no java process in the target's tree");
	evidence_jvm_free(&j);
	/* auto: nothing at all */
	j = evidence_jvm_new(dir, 0);
	evidence_jvm_start(j, pids, 1);
	evidence_jvm_end(j);
	assert_null(evidence_jvm_json(j));
	evidence_jvm_free(&j);
	setenv("PATH", old, 1);
	free(old);
	stop_java(pids[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_bounds),
		tu_tmpdir_test(test_evidence_jvm_fake),
		tu_tmpdir_test(test_evidence_jvm_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
