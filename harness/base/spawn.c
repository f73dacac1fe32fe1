/*
 * spawn — fork, set the child up, exec (or run a function), and stop it within a bound.
 *
 * Start: the child resets what the parent changed (signal mask and dispositions: the harness
 * blocks SIGTERM and friends for its signalfd, and exec keeps a blocked mask), takes
 * /dev/null as stdin and the log as stdout and stderr, marks every other inherited descriptor
 * close-on-exec (a CI runner's pipes must not reach a target, and would keep a pipeline
 * waiting for EOF), optionally makes a group of its own and asks for a parent-death signal.
 * Whatever fails before the exec is sent back as an errno through a close-on-exec pipe.
 *
 * Stop: signal, poll the pidfd up to the grace, SIGKILL, poll again, reap.  Nothing sleeps.
 */
#include "base/spawn.h"

#include "base/clock.h"
#include "base/diag.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long a SIGKILLed process may take to go before we call it stuck (D state, NFS). */
#define KILL_WAIT_MS 5000u

#if defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 32)
#define HAVE_SIGABBREV_NP 1
#endif
#endif

extern char **environ;

struct spawn {
	pid_t pid;
	int pidfd;
	int own_group;
	int reaped;
	int lost;		/* reaped by someone else (SIGCHLD ignored): status unknown */
	int wstatus;
	int stopped, stop_result;
};

/* What the child needs, all prepared before fork so that it does not allocate. */
struct child_setup {
	const struct spawn_opts *o;
	char **envp;
	pid_t parent;
	int null_fd;
	int log_fd;		/* -1: inherit stdout and stderr */
	int err_fd;		/* close-on-exec: gets errno if the setup or the exec fails */
};

/* ---- starting ------------------------------------------------------------------------ */

static int env_overridden(const char *entry, char *const extra[])
{
	size_t key_len = strcspn(entry, "=");

	for (size_t i = 0; extra && extra[i]; i++)
		if (strncmp(extra[i], entry, key_len) == 0 && extra[i][key_len] == '=')
			return 1;
	return 0;
}

/* environ plus extra, extra winning. */
static char **build_env(char *const extra[])
{
	size_t n_env = 0, n_extra = 0, n = 0;
	char **env;

	while (environ[n_env])
		n_env++;
	while (extra && extra[n_extra])
		n_extra++;
	env = calloc(n_env + n_extra + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n_env; i++)
		if (!env_overridden(environ[i], extra))
			env[n++] = environ[i];
	for (size_t i = 0; i < n_extra; i++)
		env[n++] = extra[i];
	return env;
}

static void child_reset_signals(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void child_fail(const struct child_setup *c)
{
	int err = errno;

	if (write(c->err_fd, &err, sizeof(err)) < 0)
		_exit(126);
	_exit(127);
}

static __attribute__((noreturn)) void child_run(const struct child_setup *c)
{
	const struct spawn_opts *o = c->o;

	if (o->own_group)
		setpgid(0, 0);
	/*
	 * The death signal fires when the thread that forked us exits (the harness is
	 * single-threaded).  If the parent died before prctl, nobody would send it: check.
	 */
	if (o->death_signal) {
		if (prctl(PR_SET_PDEATHSIG, o->death_signal) < 0)
			child_fail(c);
		if (getppid() != c->parent)
			_exit(127);
	}
	child_reset_signals();
	if (dup2(c->null_fd, STDIN_FILENO) < 0)
		child_fail(c);
	if (c->log_fd >= 0 &&
	    (dup2(c->log_fd, STDOUT_FILENO) < 0 || dup2(c->log_fd, STDERR_FILENO) < 0))
		child_fail(c);
	if (o->fn) {
		/* started: the parent reads EOF; fn keeps or closes the rest itself */
		close(c->err_fd);
		close(c->null_fd);
		if (c->log_fd >= 0)
			close(c->log_fd);
		_exit(o->fn(o->arg));
	}
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (o->exe || strchr(o->argv[0], '/'))
		execve(o->exe ? o->exe : o->argv[0], o->argv, c->envp);
	else
		execvpe(o->argv[0], o->argv, c->envp);
	child_fail(c);
	_exit(127);
}

/*
 * Move a close-on-exec descriptor above 0-2: if the harness runs with stdin or stdout closed,
 * open() hands those numbers out, and the child's dup2 onto 0-2 would then be a no-op that
 * leaves the close-on-exec flag on (or would clobber the error pipe).
 */
static int above_stdio(int fd)
{
	int high;

	if (fd < 0 || fd > STDERR_FILENO)
		return fd;
	high = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
	close(fd);
	return high;
}

/* 0 when the pipe closed (exec or fn started), else the child's errno. */
static int read_start_result(int fd)
{
	int err = 0;
	ssize_t n;

	do
		n = read(fd, &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	return n == (ssize_t)sizeof(err) ? err : EIO;
}

static int open_setup(const struct spawn_opts *o, struct child_setup *c, int err_pipe[2])
{
	const char *what = o->argv[0];

	c->null_fd = above_stdio(open("/dev/null", O_RDONLY | O_CLOEXEC));
	if (c->null_fd < 0)
		return diag_error("cannot open '/dev/null': %s", strerror(errno));
	if (o->log_path) {
		int how = o->log_append ? O_APPEND : O_TRUNC;

		c->log_fd = above_stdio(open(o->log_path, O_WRONLY | O_CREAT | how | O_CLOEXEC,
					     0644));
		if (c->log_fd < 0)
			return diag_error("cannot create '%s': %s", o->log_path, strerror(errno));
	}
	if (pipe2(err_pipe, O_CLOEXEC) < 0 || (err_pipe[0] = above_stdio(err_pipe[0])) < 0 ||
	    (err_pipe[1] = above_stdio(err_pipe[1])) < 0)
		return diag_error("cannot start '%s': %s", what, strerror(errno));
	c->err_fd = err_pipe[1];
	return 0;
}

struct spawn *spawn_start(const struct spawn_opts *o)
{
	struct child_setup c = { .o = o, .null_fd = -1, .log_fd = -1, .err_fd = -1 };
	struct spawn *s = NULL, *ret = NULL;
	int err_pipe[2] = { -1, -1 };
	pid_t pid;
	int err;

	if (!o->argv || !o->argv[0] || !o->argv[0][0]) {
		diag_error("cannot start a process: empty command");
		goto out;
	}
	s = calloc(1, sizeof(*s));
	c.envp = build_env(o->env_extra);
	if (!s || !c.envp) {
		diag_error("cannot start '%s': out of memory", o->argv[0]);
		goto out;
	}
	if (open_setup(o, &c, err_pipe) < 0)
		goto out;
	c.parent = getpid();
	pid = fork();
	if (pid < 0) {
		diag_error("cannot start '%s': %s", o->argv[0], strerror(errno));
		goto out;
	}
	if (pid == 0)
		child_run(&c);
	close(err_pipe[1]);
	err_pipe[1] = -1;
	/* Also from this side, so that a stop right after start reaches the whole group. */
	if (o->own_group)
		setpgid(pid, pid);
	err = read_start_result(err_pipe[0]);
	if (err) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		diag_error("cannot start '%s': %s", o->argv[0], strerror(err));
		goto out;
	}
	s->pid = pid;
	s->own_group = o->own_group;
	s->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	ret = s;
	s = NULL;
out:
	if (err_pipe[0] >= 0)
		close(err_pipe[0]);
	if (err_pipe[1] >= 0)
		close(err_pipe[1]);
	if (c.log_fd >= 0)
		close(c.log_fd);
	if (c.null_fd >= 0)
		close(c.null_fd);
	free(c.envp);
	free(s);
	return ret;
}

/* ---- watching ------------------------------------------------------------------------ */

pid_t spawn_pid(const struct spawn *s)
{
	return s->pid;
}

int spawn_fd(const struct spawn *s)
{
	return s->pidfd;
}

static void reap(struct spawn *s, int options)
{
	int st;
	pid_t r;

	if (s->reaped)
		return;
	do
		r = waitpid(s->pid, &st, options);
	while (r < 0 && errno == EINTR);
	if (r == s->pid) {
		s->reaped = 1;
		s->wstatus = st;
	} else if (r < 0 && errno == ECHILD) {
		/* SIGCHLD set to SIG_IGN somewhere: the kernel reaped it for us */
		s->reaped = 1;
		s->lost = 1;
	}
}

int spawn_poll(struct spawn *s)
{
	reap(s, WNOHANG);
	return s->reaped;
}

int spawn_wait(struct spawn *s, unsigned timeout_ms)
{
	int64_t deadline = clock_now_ns() + (int64_t)timeout_ms * CLOCK_NS_PER_MS;
	struct pollfd p = { .fd = s->pidfd, .events = POLLIN };

	while (!spawn_poll(s)) {
		int64_t left_ns = deadline - clock_now_ns();
		int64_t left = (left_ns + CLOCK_NS_PER_MS - 1) / CLOCK_NS_PER_MS;

		if (left_ns <= 0)
			return 0;
		/* without a pidfd (Linux < 5.3) the exit is polled every 10 ms */
		if (s->pidfd < 0 && left > 10)
			left = 10;
		if (poll(&p, s->pidfd >= 0, (int)left) < 0 && errno != EINTR)
			return 0;
	}
	return 1;
}

int spawn_exited(const struct spawn *s, int *wstatus)
{
	if (s->reaped && wstatus)
		*wstatus = s->wstatus;
	return s->reaped;
}

static void describe_status(int wstatus, char *buf, size_t len)
{
	if (WIFEXITED(wstatus)) {
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(wstatus));
	} else if (WIFSIGNALED(wstatus)) {
		int sig = WTERMSIG(wstatus);
#ifdef HAVE_SIGABBREV_NP
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev)
			snprintf(buf, len, "killed by signal %d (SIG%s)", sig, abbrev);
		else
			snprintf(buf, len, "killed by signal %d", sig);
#else
		snprintf(buf, len, "killed by signal %d (%s)", sig, strsignal(sig));
#endif
	} else {
		snprintf(buf, len, "ended with wait status 0x%x", (unsigned)wstatus);
	}
}

void spawn_describe_end(int reaped, int lost, int wstatus, char *buf, size_t len)
{
	if (!reaped)
		snprintf(buf, len, "is still running");
	else if (lost)
		snprintf(buf, len, "exited (status unknown)");
	else
		describe_status(wstatus, buf, len);
}

void spawn_describe(const struct spawn *s, char *buf, size_t len)
{
	spawn_describe_end(s->reaped, s->lost, s->wstatus, buf, len);
}

/* ---- stopping ------------------------------------------------------------------------ */

void spawn_signal(const struct spawn *s, int sig)
{
	if (s->reaped)
		return;
	/* an unreaped child: its PID (and group ID) cannot have been reused */
	if (s->own_group)
		kill(-s->pid, sig);
	kill(s->pid, sig);
}

int spawn_stop(struct spawn *s, int sig, unsigned grace_ms)
{
	if (s->stopped)
		return s->stop_result;
	s->stopped = 1;
	if (!spawn_poll(s) && sig) {
		spawn_signal(s, sig);
		spawn_wait(s, grace_ms);
	}
	if (!s->reaped) {
		spawn_signal(s, SIGKILL);
		spawn_wait(s, KILL_WAIT_MS);
	} else if (s->own_group) {
		/* the leader went: what it left in its group goes too */
		kill(-s->pid, SIGKILL);
	}
	if (!s->reaped)
		s->stop_result = diag_error("process %d did not die after SIGKILL (is it stuck in "
					    "the kernel?)", (int)s->pid);
	return s->stop_result;
}

static void release(struct spawn *s)
{
	if (s->pidfd >= 0)
		close(s->pidfd);
	free(s);
}

void spawn_free(struct spawn **sp)
{
	struct spawn *s = sp ? *sp : NULL;

	if (!s)
		return;
	spawn_stop(s, 0, 0);
	release(s);
	*sp = NULL;
}

void spawn_detach(struct spawn **sp)
{
	if (!sp || !*sp)
		return;
	release(*sp);
	*sp = NULL;
}

int spawn_in_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, exe[PATH_MAX];
	int found = 0;

	if (!path || !(copy = strdup(path)))
		return 0;
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save))
		found = (size_t)snprintf(exe, sizeof(exe), "%s/%s", *dir ? dir : ".", name) <
			sizeof(exe) && access(exe, X_OK) == 0;
	free(copy);
	return found;
}
