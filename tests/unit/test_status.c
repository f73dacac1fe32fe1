/*
 * Unit tests for status: the live line's text (every field, unknowns, units, the cut to the
 * terminal's width) and where it goes: drawn and erased in place on a pseudo-terminal, nothing
 * at all on a pipe or with quiet, and erased before a diag message.
 */
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "testutil.h"
#include "base/diag.h"
#include "run/status.h"

static struct status_view full_view(void)
{
	return (struct status_view){
		.elapsed_s = 12.34, .max_s = 30, .rss_kib = 10240, .threads = 4, .fds = 12,
		.slope_name = "rss", .slope_unit = "KiB/min", .slope_per_min = 512,
		.gate_per_min = 1024, .verdict = "pass so far", .driven = 1, .req_per_s = 1980.4,
		.errors = 3,
	};
}

static void test_every_field(void **state)
{
	struct status_view v = full_view();
	char line[256];

	(void)state;
	size_t n = status_format(&v, 0, line, sizeof(line));
	assert_int_equal(n, strlen(line));
	assert_string_equal(line, "12.3s/30.0s  rss 10.0 MiB  thr 4  fds 12  "
			    "rss +512 KiB/min (gate 1024): pass so far  1980 req/s  3 err");
}

static void test_unknowns_and_units(void **state)
{
	struct status_view v = {
		.elapsed_s = 307, .max_s = 7380, .rss_kib = NAN, .threads = NAN, .fds = NAN,
		.slope_per_min = NAN, .gate_per_min = NAN, .verdict = "warming up",
		.req_per_s = NAN,
	};
	char line[256];

	(void)state;
	status_format(&v, 0, line, sizeof(line));
	assert_string_equal(line, "5m07s/2h03m  rss ?  thr ?  fds ?  warming up");
	v.rss_kib = 3.5 * 1024 * 1024;
	v.driven = 1;
	v.slope_name = "fds";
	v.slope_unit = "/min";
	v.slope_per_min = -2;
	v.gate_per_min = -1;	/* not gated: no gate shown */
	v.verdict = NULL;
	status_format(&v, 0, line, sizeof(line));
	assert_string_equal(line, "5m07s/2h03m  rss 3.50 GiB  thr ?  fds ?  fds -2 /min  0 err");
	/* No exponents: whole numbers from 100 up, three significant digits below. */
	v.slope_per_min = 12240.4;
	v.gate_per_min = 1e6;
	status_format(&v, 0, line, sizeof(line));
	assert_non_null(strstr(line, "fds +12240 /min (gate 1000000)"));
	v.slope_per_min = 0.01234;
	v.gate_per_min = 0.5;
	status_format(&v, 0, line, sizeof(line));
	assert_non_null(strstr(line, "fds +0.0123 /min (gate 0.5)"));
}

static void test_cut_to_the_width(void **state)
{
	struct status_view v = full_view();
	char line[256], small[16];

	(void)state;
	/* Too wide for 80 columns: the compact form, which fits. */
	assert_true(status_format(&v, 0, line, sizeof(line)) > 79);
	status_format(&v, 80, line, sizeof(line));
	assert_string_equal(line, "12s/30s rss 10.0M thr 4 fds 12  rss +512K/min gate 1.0M "
			    "pass?  1980 req/s 3 err");
	/* A verdict without "so far" stays whole; rates of counts are plain numbers. */
	v.verdict = "leak";
	v.slope_name = "threads";
	v.slope_unit = "/min";
	v.slope_per_min = 2.5;
	v.gate_per_min = 1;
	status_format(&v, 80, line, sizeof(line));
	assert_non_null(strstr(line, "  threads +2.5/min gate 1 leak  "));
	/* Narrower still: cut. */
	assert_int_equal(status_format(&v, 20, line, sizeof(line)), 19);
	assert_int_equal(strlen(line), 19);
	assert_memory_equal(line, "12s/30s rss 10.0M t", 19);
	/* A buffer shorter than the line still ends in a NUL. */
	assert_true(status_format(&v, 0, small, sizeof(small)) < sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

/* Everything readable on fd now (non-blocking), as a string. */
static size_t drain(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (n < len - 1 && poll(&p, 1, 0) > 0 && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	return n;
}

static void test_nothing_off_a_terminal(void **state)
{
	struct status_view v = full_view();
	struct status *s;
	char buf[256];
	int p[2];

	(void)state;
	setenv("TERM", "xterm", 1);
	assert_int_equal(pipe(p), 0);
	s = status_new(p[1], 0);
	assert_non_null(s);
	assert_false(status_live(s));
	status_show(s, &v);
	status_clear(s);
	status_free(&s);
	assert_null(s);
	assert_int_equal(drain(p[0], buf, sizeof(buf)), 0);
	close(p[0]);
	close(p[1]);
}

/* A pseudo-terminal in raw mode: what the harness writes arrives on *master unchanged. */
static int open_pty(int *master)
{
	struct termios t;
	int slave;

	*master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(*master >= 0);
	assert_int_equal(grantpt(*master), 0);
	assert_int_equal(unlockpt(*master), 0);
	slave = open(ptsname(*master), O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	assert_int_equal(tcgetattr(slave, &t), 0);
	cfmakeraw(&t);
	assert_int_equal(tcsetattr(slave, TCSANOW, &t), 0);
	return slave;
}

static void test_drawn_and_erased_on_a_terminal(void **state)
{
	struct status_view v = full_view();
	struct status *s;
	char buf[512];
	int master, slave = open_pty(&master);

	(void)state;
	setenv("TERM", "xterm", 1);
	s = status_new(slave, 0);
	assert_true(status_live(s));
	status_show(s, &v);
	drain(master, buf, sizeof(buf));
	assert_true(buf[0] == '\r');
	assert_non_null(strstr(buf, "12s/30s rss 10.0M thr 4 fds 12"));
	assert_non_null(strstr(buf, "\033[K"));
	assert_null(strchr(buf, '\n'));
	/* Once erased, the line is drawn again at the next show, however soon. */
	v.elapsed_s = 13.2;
	status_clear(s);
	drain(master, buf, sizeof(buf));
	assert_string_equal(buf, "\r\033[K");
	status_clear(s);	/* nothing drawn: nothing to erase */
	assert_int_equal(drain(master, buf, sizeof(buf)), 0);
	status_show(s, &v);
	drain(master, buf, sizeof(buf));
	assert_non_null(strstr(buf, "13s/30s"));
	/* A message erases the line first (the message itself goes to stderr). */
	diag_warning("status test: the line is erased before this");
	drain(master, buf, sizeof(buf));
	assert_string_equal(buf, "\r\033[K");
	status_show(s, &v);
	status_free(&s);
	drain(master, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\r\033[K"));
	/* Detached from diag once freed. */
	diag_warning("status test: no hook any more");
	assert_int_equal(drain(master, buf, sizeof(buf)), 0);
	close(slave);
	close(master);
}

static void test_quiet_and_dumb_terminals(void **state)
{
	struct status_view v = full_view();
	struct status *s;
	char buf[256];
	int master, slave = open_pty(&master);

	(void)state;
	setenv("TERM", "xterm", 1);
	s = status_new(slave, 1);
	assert_false(status_live(s));
	status_show(s, &v);
	status_free(&s);
	setenv("TERM", "dumb", 1);
	s = status_new(slave, 0);
	assert_false(status_live(s));
	status_show(s, &v);
	status_free(&s);
	assert_int_equal(drain(master, buf, sizeof(buf)), 0);
	close(slave);
	close(master);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field),
		cmocka_unit_test(test_unknowns_and_units),
		cmocka_unit_test(test_cut_to_the_width),
		cmocka_unit_test(test_nothing_off_a_terminal),
		cmocka_unit_test(test_drawn_and_erased_on_a_terminal),
		cmocka_unit_test(test_quiet_and_dumb_terminals),
	};

	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
