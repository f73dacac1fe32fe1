/*
 * testutil.h — what several unit tests need: files and scratch folders, the helper programs
 * under build/helpers, bounded waits on fds and children, and assert_near.
 *
 * Each tests/unit/test_*.c is its own program linked with the harness objects only, so the
 * helpers live here as static inline functions (no object file to link, no unused-function
 * warning where a test uses only some).  Failures go through cmocka's asserts, so a helper
 * that cannot do its job fails the test that called it.
 */
#ifndef LEAKSOAK_TESTUTIL_H
#define LEAKSOAK_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Bound on every wait for a child or a pipe: turns a hang into a failure, never a timing. */
#define TU_HANG_GUARD_MS 20000

#define assert_near(a, b, tol)                                                        \
	do {                                                                          \
		double a_ = (a), b_ = (b);                                            \
		if (!(fabs(a_ - b_) <= (tol))) {                                      \
			print_error("%s = %.9g, expected %.9g +- %g\n", #a, a_, b_,   \
				    (double)(tol));                                   \
			fail();                                                       \
		}                                                                     \
	} while (0)

/* ---- files and scratch folders ------------------------------------------------------- */

/* "dir/file", malloc'd. */
static inline char *tu_path(const char *dir, const char *file)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", dir, file) > 0);
	return p;
}

/* The whole of a file, malloc'd and NUL-terminated; NULL if it cannot be opened. */
static inline char *tu_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;
	FILE *m;
	int c;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	assert_non_null(m);
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	assert_int_equal(fclose(m), 0);
	fclose(f);
	return buf;
}

/*
 * Create path, or truncate and rewrite it in place (not replaced by a rename: an fd held open
 * on it reads the new bytes), with len bytes of data.
 */
static inline void tu_spit(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* cmocka setup: *state becomes a fresh folder /tmp/leaksoak-<test program>-XXXXXX. */
static inline int tu_make_tmpdir(void **state)
{
	char tmpl[PATH_MAX];

	if ((size_t)snprintf(tmpl, sizeof(tmpl), "/tmp/leaksoak-%s-XXXXXX",
			     program_invocation_short_name) >= sizeof(tmpl) || !mkdtemp(tmpl))
		return -1;
	*state = strdup(tmpl);
	return *state ? 0 : -1;
}

/* cmocka teardown: the folder of tu_make_tmpdir, and all in it, removed. */
static inline int tu_remove_tmpdir(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
	free(*state);
	return system(cmd) == 0 ? 0 : -1;
}

/* A test that runs in a scratch folder of its own, given as *state. */
#define tu_tmpdir_test(f) cmocka_unit_test_setup_teardown(f, tu_make_tmpdir, tu_remove_tmpdir)

/* ---- helper programs and children ---------------------------------------------------- */

/*
 * build/helpers/name, found from this binary (build/{rel,san}/tests/test_x), into out.
 * Returns 0, or -1 after saying how to build it.
 */
static inline int tu_find_helper(const char *name, char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if ((size_t)snprintf(out, len, "%s/../../helpers/%s", exe, name) < len &&
			    access(out, X_OK) == 0)
				return 0;
		}
	}
	fprintf(stderr, "%s: build/helpers/%s not found (make build/helpers/%s)\n",
		program_invocation_short_name, name, name);
	return -1;
}

/*
 * A named pipe dir/name, opened read-write so that neither side's open blocks and reads never
 * see end-of-file: the channel to a helper started as a target, which inherits no fd.
 */
static inline int tu_fifo(const char *dir, const char *name, char *path, size_t len)
{
	int fd;

	assert_true((size_t)snprintf(path, len, "%s/%s", dir, name) < len);
	assert_int_equal(mkfifo(path, 0600), 0);
	fd = open(path, O_RDWR | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static inline void tu_wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	assert_int_equal(poll(&p, 1, TU_HANG_GUARD_MS), 1);
}

/* Read from fd until line holds a whole line (len - 1 bytes at most), NUL-terminated. */
static inline void tu_read_line(int fd, char *line, size_t len)
{
	size_t have = 0;

	while (!memchr(line, '\n', have)) {
		ssize_t r;

		tu_wait_readable(fd);
		r = read(fd, line + have, len - 1 - have);
		assert_true(r > 0);
		have += (size_t)r;
	}
	line[have] = '\0';
}

/*
 * Block until our child pid has exited, leaving it to be reaped.  Bounded by a pidfd where
 * there is one; valgrind has no pidfd_open, and then waitid blocks.
 */
static inline void tu_await_exit(pid_t pid)
{
	siginfo_t info;
	int fd = pidfd_open(pid, 0);

	if (fd >= 0) {
		tu_wait_readable(fd);
		close(fd);
		return;
	}
	assert_int_equal(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT), 0);
}

#endif
