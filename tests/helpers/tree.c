/*
 * tree — a process tree for the target and sampler tests and the sampler bench.
 *
 *   tree [-c N] [-g] [-s] [-o] [-t N] [-m MIB] [-I] [-N] [-z N] [-r FIFO] [-C FIFO]
 *   tree -x STATUS | -k SIGNAL | -e NAME
 *
 *   -c N    fork N children that wait for a signal
 *   -g      each child forks a grandchild
 *   -s      the grandchildren call setsid(): they leave the process group
 *   -o      leave an orphan: a setsid()'d process whose parent exits at once
 *   -t N    start N more threads in the root
 *   -m MIB  touch MIB of anonymous memory in the root, then MADV_FREE half of it
 *   -I      every process of the tree ignores SIGTERM
 *   -N      no process of the tree asks for a parent-death signal: they outlive their
 *           parents, as daemons do (the default is to die with the parent, so that a test
 *           failing half-way leaves nothing behind)
 *   -z N    once up, the root detaches N short-lived children a second: each is a double
 *           fork whose grandchild calls setsid() and exits after 10 ms, orphaned, so that its
 *           zombie is the subreaper's to reap
 *   -r FIFO once everything is up, write "ready PID PID ...\n" (the descendants) to FIFO
 *   -C FIFO read commands from FIFO, each answered "ok\n" on the -r FIFO:
 *           'f' opens 16 more fds, 't' starts one more thread (both in the root);
 *           'x' makes the root exit 0 at once, unanswered
 *   -x N    exit with status N at once
 *   -k SIG  raise SIG at once (without a core file)
 *   -e NAME print "NAME=VALUE" of that environment variable on stdout and "stderr" on
 *           stderr, then exit 0
 *
 * Readiness goes through named pipes so that tests never sleep to wait for it: a target
 * inherits no descriptor from the harness, so the channels are opened by path.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PIDS 256

struct opts {
	long children, threads, memory_mib, exit_status, raise_sig;
	int grandchildren, setsid_grandchildren, orphan, ignore_term, no_death_signal;
	long detach_per_s;
	int ready_fd, cmd_fd;
	const char *env_name;
};

static long number(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0) {
		fprintf(stderr, "tree: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static int open_channel(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0) {
		fprintf(stderr, "tree: cannot open '%s': %s\n", path, strerror(errno));
		exit(2);
	}
	return fd;
}

static void parse(int argc, char **argv, struct opts *o)
{
	int c;

	*o = (struct opts){ .exit_status = -1, .raise_sig = -1, .ready_fd = -1, .cmd_fd = -1 };
	while ((c = getopt(argc, argv, "c:gsot:m:INz:r:C:x:k:e:")) != -1) {
		switch (c) {
		case 'c': o->children = number(optarg); break;
		case 'g': o->grandchildren = 1; break;
		case 's': o->setsid_grandchildren = 1; break;
		case 'o': o->orphan = 1; break;
		case 't': o->threads = number(optarg); break;
		case 'm': o->memory_mib = number(optarg); break;
		case 'I': o->ignore_term = 1; break;
		case 'N': o->no_death_signal = 1; break;
		case 'z': o->detach_per_s = number(optarg); break;
		case 'r': o->ready_fd = open_channel(optarg, O_WRONLY); break;
		case 'C': o->cmd_fd = open_channel(optarg, O_RDONLY); break;
		case 'x': o->exit_status = number(optarg); break;
		case 'k': o->raise_sig = number(optarg); break;
		case 'e': o->env_name = optarg; break;
		default: exit(2);
		}
	}
}

static __attribute__((noreturn)) void wait_forever(void)
{
	for (;;)
		pause();
}

static void *sleeper(void *arg)
{
	(void)arg;
	wait_forever();
}

static void start_thread(void)
{
	pthread_t th;

	if (pthread_create(&th, NULL, sleeper, NULL) != 0) {
		fprintf(stderr, "tree: cannot start a thread\n");
		exit(1);
	}
}

/* Tell the root "this process is up" through the internal pipe (one atomic write). */
static void report_up(int up_fd)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "%d\n", (int)getpid());

	if (write(up_fd, line, (size_t)n) != n)
		_exit(1);
}

/*
 * Die with the parent, so that a test failing half-way leaves nothing behind.  (Stopping the
 * tree on purpose is what target_stop is tested for; this only cleans up after a failure.)
 */
static int no_death_signal;

static void die_with(pid_t parent)
{
	if (no_death_signal)
		return;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
}

static __attribute__((noreturn)) void child(const struct opts *o, int up_fd, pid_t root)
{
	die_with(root);
	if (o->grandchildren) {
		pid_t parent = getpid();
		pid_t pid = fork();

		if (pid < 0)
			_exit(1);
		if (pid == 0) {
			die_with(parent);
			if (o->setsid_grandchildren && setsid() < 0)
				_exit(1);
			report_up(up_fd);
			wait_forever();
		}
	}
	report_up(up_fd);
	wait_forever();
}

/*
 * The middle process exits at once, leaving the orphan to the subreaper.  Its pidfd polls
 * readable only after the orphan has been reparented, so the death signal set then belongs
 * to the new parent.
 */
static __attribute__((noreturn)) void orphan(int up_fd)
{
	pid_t middle = getpid();
	pid_t pid = fork();

	if (pid < 0)
		_exit(1);
	if (pid == 0) {
		struct pollfd p = { .fd = (int)syscall(SYS_pidfd_open, middle, 0), .events = POLLIN };

		/* ESRCH: the middle is gone and reaped already */
		if (p.fd < 0 ? errno != ESRCH : poll(&p, 1, -1) != 1)
			_exit(1);
		if (setsid() < 0)
			_exit(1);
		die_with(getppid());
		report_up(up_fd);
		wait_forever();
	}
	_exit(0);
}

static void touch_memory(long mib)
{
	size_t len = (size_t)mib << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "tree: cannot map %ld MiB\n", mib);
		exit(1);
	}
	memset(p, 1, len);
	madvise(p + len / 2, len / 2, MADV_FREE);
}

/* Wait until expected processes reported in, then send "ready PID ..." on ready_fd. */
static void announce(int up_fd, int ready_fd, long expected)
{
	char in[MAX_PIDS * 12], out[MAX_PIDS * 12 + 8];
	size_t have = 0;
	long lines = 0;
	int n;

	while (lines < expected && have < sizeof(in)) {
		ssize_t r = read(up_fd, in + have, sizeof(in) - have);

		if (r <= 0) {
			fprintf(stderr, "tree: a process did not come up\n");
			exit(1);
		}
		for (ssize_t i = 0; i < r; i++)
			lines += in[have + (size_t)i] == '\n';
		have += (size_t)r;
	}
	for (size_t i = 0; i < have; i++)
		if (in[i] == '\n')
			in[i] = ' ';
	n = snprintf(out, sizeof(out), "ready %.*s\n", (int)have, in);
	if (ready_fd >= 0 && write(ready_fd, out, (size_t)n) != n)
		exit(1);
}

static void serve_commands(int cmd_fd, int ready_fd)
{
	char c;
	ssize_t r;

	while ((r = read(cmd_fd, &c, 1)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		if (c == 'f') {
			for (int i = 0; i < 16; i++)
				if (open("/dev/null", O_RDONLY) < 0)
					exit(1);
		} else if (c == 't') {
			start_thread();
		} else if (c == 'x') {
			_exit(0);
		}
		if (write(ready_fd, "ok\n", 3) != 3)
			exit(1);
	}
}

/* A double fork whose grandchild leaves the session and dies 10 ms later, orphaned. */
static void detach_one(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (fork() == 0) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			setsid();
			nanosleep(&ts, NULL);
			_exit(0);
		}
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static __attribute__((noreturn)) void detach_forever(long per_s)
{
	struct timespec ts = { 0, 1000L * 1000 * 1000 / per_s };

	if (per_s >= 1000)
		ts.tv_nsec = 1000 * 1000;
	for (;;) {
		detach_one();
		nanosleep(&ts, NULL);
	}
}

static int run_once(const struct opts *o)
{
	if (o->exit_status >= 0)
		return (int)o->exit_status;
	if (o->raise_sig >= 0) {
		struct rlimit no_core = { 0, 0 };

		/* no core file, not even through a core_pattern pipe */
		setrlimit(RLIMIT_CORE, &no_core);
		prctl(PR_SET_DUMPABLE, 0);
		signal((int)o->raise_sig, SIG_DFL);
		raise((int)o->raise_sig);
		return 1;
	}
	const char *v = getenv(o->env_name);

	printf("%s=%s\n", o->env_name, v ? v : "(unset)");
	if (fflush(stdout) != 0)
		return 1;
	fprintf(stderr, "stderr\n");
	return 0;
}

int main(int argc, char **argv)
{
	pid_t root = getpid();
	struct opts o;
	int up[2];
	long expected;

	parse(argc, argv, &o);
	no_death_signal = o.no_death_signal;
	if (o.exit_status >= 0 || o.raise_sig >= 0 || o.env_name)
		return run_once(&o);
	if (o.ignore_term)
		signal(SIGTERM, SIG_IGN);
	if (pipe(up) < 0)
		return 1;
	expected = o.children * (1 + o.grandchildren) + o.orphan;
	if (expected > MAX_PIDS)
		return 2;
	for (long i = 0; i < o.children; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0)
			child(&o, up[1], root);
	}
	if (o.orphan) {
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0)
			orphan(up[1]);
		waitpid(pid, NULL, 0);
	}
	for (long i = 0; i < o.threads; i++)
		start_thread();
	if (o.memory_mib)
		touch_memory(o.memory_mib);
	announce(up[0], o.ready_fd, expected);
	if (o.cmd_fd >= 0)
		serve_commands(o.cmd_fd, o.ready_fd);
	if (o.detach_per_s > 0)
		detach_forever(o.detach_per_s);
	wait_forever();
}
