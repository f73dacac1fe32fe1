/*
 * target — start, watch and stop the program under test.
 *
 * Start: fork, and in the child make a process group of its own, ask for SIGKILL when the
 * harness dies, reset what the harness changed (signal mask and dispositions, stdio) and exec
 * the argv — no shell.  An exec failure travels back through a close-on-exec pipe, so the
 * parent knows "started" or "could not start (errno)" before target_start returns.
 *
 * Stop: the target may have children, and some of them may have left its process group
 * (setsid) or been orphaned.  The harness is a child subreaper, so every orphan of the tree is
 * reparented to it rather than to init.  target_stop takes a snapshot of the tree as pidfds
 * (safe against PID reuse), sends SIGTERM to the group and to the escapees, waits up to the
 * grace period on those pidfds, SIGKILLs whatever is left, then reaps every child it inherited.
 */
#include "target.h"

#include "clock.h"
#include "diag.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FREE_GRACE_MS 1000u
/* How long a SIGKILLed process may take to go before we call it stuck (D state, NFS). */
#define KILL_WAIT_MS 5000u
/* Bound on the orphan sweep: each round reaps one generation of reparented processes. */
#define SWEEP_ROUNDS 64

#if defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 32)
#define HAVE_SIGABBREV_NP 1
#endif
#endif

extern char **environ;

struct target {
	pid_t pid;		/* also the process group id */
	int pidfd;		/* -1 on kernels without pidfd_open (< 5.3) */
	int reaped;
	int lost;		/* reaped by someone else: status unknown */
	int wstatus;
	int stopped;
	int stop_result;
	struct target *next;	/* in live_targets */
};

/*
 * Every target not yet freed.  The orphan sweep of one target reaps the harness's stray
 * children, and must leave alone the leader of another target running beside it.
 */
static struct target *live_targets;

/* A process of the tree being stopped: a pidfd so that signals cannot hit a reused PID. */
struct proc_ref {
	pid_t pid;
	int pidfd;
	int escaped;		/* not in the target's process group: the group kill misses it */
};

struct ref_list {
	struct proc_ref *v;
	size_t n, cap;
};

struct pid_list {
	pid_t *v;
	size_t n, cap;
};

static int sys_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int sys_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* ---- starting ------------------------------------------------------------------------ */

static int env_overridden(const char *entry, char *const extra[])
{
	size_t key_len = strcspn(entry, "=");

	for (size_t i = 0; extra && extra[i]; i++)
		if (strncmp(extra[i], entry, key_len) == 0 && extra[i][key_len] == '=')
			return 1;
	return 0;
}

/* environ plus extra, extra winning; built before fork so the child need not allocate. */
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

struct child_setup {
	char *const *argv;
	char **envp;
	pid_t parent;
	int null_fd;
	int log_fd;		/* -1: inherit stdout and stderr */
	int err_fd;		/* close-on-exec: gets errno if exec (or the setup) fails */
};

static void child_reset_signals(void)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	/* exec keeps ignored signals ignored and the mask as is: the harness blocks SIGTERM */
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static __attribute__((noreturn)) void child_exec(const struct child_setup *c)
{
	int err;

	setpgid(0, 0);
	/*
	 * The death signal fires when the thread that forked us exits (the harness is
	 * single-threaded).  If the parent died before prctl, nobody would send it: check.
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		goto fail;
	if (getppid() != c->parent)
		_exit(127);
	child_reset_signals();
	if (dup2(c->null_fd, STDIN_FILENO) < 0)
		goto fail;
	if (c->log_fd >= 0 &&
	    (dup2(c->log_fd, STDOUT_FILENO) < 0 || dup2(c->log_fd, STDERR_FILENO) < 0))
		goto fail;
	/*
	 * Whatever the harness inherited (a CI runner's pipes, a terminal) must not reach the
	 * target: it would raise its FD count and could keep a pipeline waiting for EOF.
	 */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (strchr(c->argv[0], '/'))
		execve(c->argv[0], c->argv, c->envp);
	else
		execvpe(c->argv[0], c->argv, c->envp);
fail:
	err = errno;
	if (write(c->err_fd, &err, sizeof(err)) < 0)
		_exit(126);
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

/* 0 when the pipe closed on exec, else the child's errno. */
static int read_exec_result(int fd)
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

static void registry_add(struct target *t)
{
	t->next = live_targets;
	live_targets = t;
}

static void registry_remove(struct target *t)
{
	for (struct target **p = &live_targets; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			return;
		}
	}
}

int target_init(void)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return diag_error("cannot become a child subreaper: %s", strerror(errno));
	return 0;
}

struct target *target_start(char *const argv[], char *const env_extra[], const char *log_path)
{
	struct child_setup c = { .argv = argv, .null_fd = -1, .log_fd = -1, .err_fd = -1 };
	struct target *t = NULL, *ret = NULL;
	int err_pipe[2] = { -1, -1 };
	pid_t pid;
	int err;

	if (!argv || !argv[0] || !argv[0][0]) {
		diag_error("cannot start a target: empty command");
		goto out;
	}
	t = calloc(1, sizeof(*t));
	c.envp = build_env(env_extra);
	if (!t || !c.envp) {
		diag_error("cannot start '%s': out of memory", argv[0]);
		goto out;
	}
	c.null_fd = above_stdio(open("/dev/null", O_RDONLY | O_CLOEXEC));
	if (c.null_fd < 0) {
		diag_error("cannot open '/dev/null': %s", strerror(errno));
		goto out;
	}
	if (log_path) {
		c.log_fd = above_stdio(open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
					    0644));
		if (c.log_fd < 0) {
			diag_error("cannot create '%s': %s", log_path, strerror(errno));
			goto out;
		}
	}
	if (pipe2(err_pipe, O_CLOEXEC) < 0 || (err_pipe[0] = above_stdio(err_pipe[0])) < 0 ||
	    (err_pipe[1] = above_stdio(err_pipe[1])) < 0) {
		diag_error("cannot start '%s': %s", argv[0], strerror(errno));
		goto out;
	}
	c.err_fd = err_pipe[1];
	c.parent = getpid();
	pid = fork();
	if (pid < 0) {
		diag_error("cannot start '%s': %s", argv[0], strerror(errno));
		goto out;
	}
	if (pid == 0)
		child_exec(&c);
	close(err_pipe[1]);
	err_pipe[1] = -1;
	/* Also from this side, so that a stop right after start reaches the whole group. */
	setpgid(pid, pid);
	err = read_exec_result(err_pipe[0]);
	if (err) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		diag_error("cannot start '%s': %s", argv[0], strerror(err));
		goto out;
	}
	t->pid = pid;
	t->pidfd = sys_pidfd_open(pid);
	registry_add(t);
	ret = t;
	t = NULL;
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
	free(t);
	return ret;
}

/* ---- watching ------------------------------------------------------------------------ */

pid_t target_pid(const struct target *t)
{
	return t->pid;
}

int target_fd(const struct target *t)
{
	return t->pidfd;
}

static void reap_leader(struct target *t)
{
	int st;
	pid_t r;

	if (t->reaped)
		return;
	do
		r = waitpid(t->pid, &st, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == t->pid) {
		t->reaped = 1;
		t->wstatus = st;
	} else if (r < 0 && errno == ECHILD) {
		/* SIGCHLD set to SIG_IGN somewhere: the kernel reaped it for us */
		t->reaped = 1;
		t->lost = 1;
	}
}

int target_poll(struct target *t)
{
	reap_leader(t);
	return t->reaped;
}

int target_exited(const struct target *t, int *wstatus)
{
	if (t->reaped && wstatus)
		*wstatus = t->wstatus;
	return t->reaped;
}

static void describe_signal(int sig, char *buf, size_t len)
{
#ifdef HAVE_SIGABBREV_NP
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(buf, len, "killed by signal %d (SIG%s)", sig, abbrev);
	else
		snprintf(buf, len, "killed by signal %d", sig);
#else
	snprintf(buf, len, "killed by signal %d (%s)", sig, strsignal(sig));
#endif
}

void target_describe(const struct target *t, char *buf, size_t len)
{
	if (!t->reaped)
		snprintf(buf, len, "is still running");
	else if (t->lost)
		snprintf(buf, len, "exited (status unknown)");
	else if (WIFEXITED(t->wstatus))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(t->wstatus));
	else if (WIFSIGNALED(t->wstatus))
		describe_signal(WTERMSIG(t->wstatus), buf, len);
	else
		snprintf(buf, len, "ended with wait status 0x%x", (unsigned)t->wstatus);
}

/* ---- the process tree ---------------------------------------------------------------- */

static int pid_list_add(struct pid_list *l, pid_t pid)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		pid_t *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = pid;
	return 0;
}

static int pid_list_has(const struct pid_list *l, pid_t pid)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == pid)
			return 1;
	return 0;
}

static void read_children_file(const char *path, struct pid_list *out)
{
	char buf[4096];
	char *p, *end;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	/* a thread with more than ~500 children is cut short here: the group kill and the
	 * sweep, which runs until no stray is left, cover the rest */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (p = buf;; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (v > 0 && !pid_list_has(out, (pid_t)v))
			pid_list_add(out, (pid_t)v);
	}
}

/* The children of every thread of pid ("self" for the harness), appended to out. */
static void list_children(const char *pid, struct pid_list *out)
{
	char path[512];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%s/task", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task/%s/children", pid, e->d_name);
		read_children_file(path, out);
	}
	closedir(d);
}

static int is_target_leader(pid_t pid)
{
	for (const struct target *t = live_targets; t; t = t->next)
		if (t->pid == pid && !t->reaped)
			return 1;
	return 0;
}

/* Children of the harness that are not a live target's leader: orphans it inherited. */
static void list_strays(struct pid_list *out)
{
	struct pid_list all = { 0 };

	list_children("self", &all);
	for (size_t i = 0; i < all.n; i++)
		if (!is_target_leader(all.v[i]))
			pid_list_add(out, all.v[i]);
	free(all.v);
}

static void ref_list_add(struct ref_list *l, pid_t pid, pid_t pgid)
{
	int pidfd = sys_pidfd_open(pid);

	if (pidfd < 0)
		return;		/* gone already, or no pidfd: the sweep still reaps our children */
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		struct proc_ref *v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			close(pidfd);
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (struct proc_ref){ pid, pidfd, getpgid(pid) != pgid };
}

static void ref_list_release(struct ref_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		close(l->v[i].pidfd);
	free(l->v);
	*l = (struct ref_list){ 0 };
}

/*
 * Every descendant of the leader and every stray child (with its descendants), as pidfds,
 * taken before any signal: once a parent dies its children move, and a PID may be reused.
 */
static void snapshot_tree(const struct target *t, struct ref_list *out)
{
	struct pid_list todo = { 0 };
	char name[24];

	if (!t->reaped) {
		snprintf(name, sizeof(name), "%d", (int)t->pid);
		list_children(name, &todo);
	}
	list_strays(&todo);
	/* todo grows while we walk it: a breadth-first walk of the whole tree */
	for (size_t i = 0; i < todo.n; i++) {
		ref_list_add(out, todo.v[i], t->pid);
		snprintf(name, sizeof(name), "%d", (int)todo.v[i]);
		list_children(name, &todo);
	}
	free(todo.v);
}

/*
 * Signal the group, and each process of the snapshot the group kill misses (SIGKILL: all of
 * them); no process gets a second SIGTERM, which some servers take as "quit now".
 */
static void signal_tree(const struct target *t, const struct ref_list *refs, int sig)
{
	kill(-t->pid, sig);
	/* a leader that moved to another group; it is our unreaped child, so its PID is ours */
	if (!t->reaped && getpgid(t->pid) != t->pid)
		kill(t->pid, sig);
	for (size_t i = 0; i < refs->n; i++)
		if (sig == SIGKILL || refs->v[i].escaped)
			sys_pidfd_send_signal(refs->v[i].pidfd, sig);
}

/*
 * Wait until the leader and every ref have exited, or timeout_ms passed.  Returns how many
 * are still running.  Without a pidfd for the leader (old kernels) its exit is polled.
 */
static size_t wait_exit(struct target *t, const struct ref_list *refs, unsigned timeout_ms)
{
	struct pollfd *fds = calloc(refs->n + 1, sizeof(*fds));
	uint64_t deadline = (uint64_t)(clock_now_ns() / CLOCK_NS_PER_MS) + timeout_ms;
	size_t n = 0, left;

	if (!fds)
		return refs->n + 1;
	for (size_t i = 0; i < refs->n; i++)
		fds[n++] = (struct pollfd){ .fd = refs->v[i].pidfd, .events = POLLIN };
	if (t->pidfd >= 0)
		fds[n++] = (struct pollfd){ .fd = t->pidfd, .events = POLLIN };
	for (;;) {
		uint64_t now = (uint64_t)(clock_now_ns() / CLOCK_NS_PER_MS);
		int wait_ms = now < deadline ? (int)(deadline - now) : 0;

		/* a readable pidfd stays readable: drop it from the set */
		for (size_t i = 0; i < n;)
			if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
				fds[i] = fds[--n];
			else
				i++;
		if (t->pidfd < 0)
			reap_leader(t);
		left = n + (t->pidfd < 0 && !t->reaped);
		if (left == 0 || wait_ms == 0)
			break;
		if (t->pidfd < 0 && !t->reaped && wait_ms > 10)
			wait_ms = 10;
		if (poll(fds, n, wait_ms) < 0 && errno != EINTR)
			break;
	}
	free(fds);
	return left;
}

/* SIGKILL and reap one child of ours; -1 if it did not go within KILL_WAIT_MS. */
static int kill_and_reap(pid_t pid)
{
	int pidfd = sys_pidfd_open(pid);
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	pid_t r;

	/* our own child: its PID cannot be reused before we reap it */
	kill(pid, SIGKILL);
	if (pidfd >= 0) {
		while (poll(&p, 1, (int)KILL_WAIT_MS) < 0 && errno == EINTR)
			;
		close(pidfd);
	}
	do
		r = waitpid(pid, NULL, pidfd >= 0 ? WNOHANG : 0);
	while (r < 0 && errno == EINTR);
	return r == 0 ? -1 : 0;
}

/*
 * Reap every stray child: orphans of the tree that the subreaper inherited, including the
 * zombies of processes killed above.  Killing one may reparent its children to us, hence the
 * rounds.  -1 if something would not die.
 */
static int sweep_strays(const struct target *t)
{
	for (int round = 0; round < SWEEP_ROUNDS; round++) {
		struct pid_list strays = { 0 };
		int ret = 0;

		list_strays(&strays);
		for (size_t i = 0; i < strays.n; i++)
			if (kill_and_reap(strays.v[i]) < 0)
				ret = diag_error("process %d of target %d did not die after SIGKILL "
						 "(is it stuck in the kernel?)", (int)strays.v[i],
						 (int)t->pid);
		free(strays.v);
		if (strays.n == 0 || ret < 0)
			return ret;
	}
	return diag_error("target %d keeps forking while being killed", (int)t->pid);
}

int target_stop(struct target *t, unsigned grace_ms)
{
	struct ref_list refs = { 0 };
	int ret = 0;

	if (t->stopped)
		return t->stop_result;
	t->stopped = 1;
	snapshot_tree(t, &refs);
	signal_tree(t, &refs, SIGTERM);
	if (wait_exit(t, &refs, grace_ms) > 0) {
		signal_tree(t, &refs, SIGKILL);
		wait_exit(t, &refs, KILL_WAIT_MS);
	}
	/* even when all went on SIGTERM: a member forked during the grace may still be there */
	kill(-t->pid, SIGKILL);
	reap_leader(t);
	if (!t->reaped)
		ret = diag_error("target %d did not die after SIGKILL (is it stuck in the kernel?)",
				 (int)t->pid);
	if (sweep_strays(t) < 0)
		ret = -1;
	ref_list_release(&refs);
	t->stop_result = ret;
	return ret;
}

void target_free(struct target **tp)
{
	struct target *t = tp ? *tp : NULL;

	if (!t)
		return;
	target_stop(t, FREE_GRACE_MS);
	if (t->pidfd >= 0)
		close(t->pidfd);
	registry_remove(t);
	free(t);
	*tp = NULL;
}
