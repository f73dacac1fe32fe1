/*
 * target — start, watch and stop the program under test, and its whole process tree.
 *
 * Why a keeper process, and not a cgroup.  What must hold: every process the target starts,
 * however it detaches, is sampled and ended, orphans are reaped as they die, and nothing
 * outlives a harness killed with SIGKILL.  A cgroup v2 per run would list the tree exactly
 * (cgroup.procs) and end it in one write (cgroup.kill), but it needs a writable cgroup2
 * hierarchy: the machines leaksoak runs on have it mounted beside the v1 controllers at
 * /sys/fs/cgroup/unified with no controller enabled (hybrid layout), a desktop user under
 * systemd can write only a delegated subtree, and a container often none at all; nothing
 * would end a cgroup whose harness was SIGKILLed either, unless a process were left to do it.
 * A keeper needs none of that and works unprivileged on any Linux >= 3.4:
 *
 *   harness ── keeper (child subreaper, own process group) ── target ── ...
 *
 * - The keeper is a child subreaper: a process whose parent dies is reparented to the
 *   nearest subreaper ancestor, so a setsid'd, double-forked or daemon()ised descendant stays
 *   a descendant of the keeper.  The tree is exactly the keeper's descendants, found by
 *   walking /proc/PID/task/TID/children down from it (cost grows with the tree, not with the
 *   machine), which the sampler does.
 * - The keeper waits on SIGCHLD (a signalfd) and reaps every orphan as it dies: zombies do
 *   not pile up however many short-lived children the target detaches.
 * - The harness talks to the keeper over a socketpair.  When the harness dies, whatever
 *   killed it, the kernel closes its end, the keeper reads end-of-file and SIGKILLs the tree
 *   until it has no child left.  A parent-death signal alone would not do: a SIGKILLed keeper
 *   cannot end anything, and its orphans would escape to init.
 * - Stop: the keeper SIGTERMs each process of the tree once, waits up to the grace period for
 *   it to have no child left, then SIGKILLs the tree round after round (a process forked
 *   between the walk and the kill is caught by the next round) and reaps.
 *
 * The target itself (the group leader) gets SIGKILL as its parent-death signal, so it also
 * dies if the keeper is killed from outside; the harness stays a subreaper as a second line,
 * so such a keeper's orphans come to the harness and target_stop sweeps them.
 */
#include "run/target.h"

#include "base/clock.h"
#include "base/diag.h"
#include "proc/proctree.h"
#include "base/spawn.h"
#include "base/vec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define FREE_GRACE_MS 1000u
/* How long a SIGKILLed tree may take to go before we call it stuck (D state, NFS). */
#define KILL_WAIT_MS 5000u
/* Between two SIGKILL rounds of a tree that is still there. */
#define KILL_ROUND_MS 20
/* How long the harness waits for the keeper beyond the grace and the kill wait. */
#define KEEPER_SLACK_MS 2000u
/* Bound on the sweep of orphans a killed keeper left to the harness. */
#define SWEEP_ROUNDS 64

/* Messages on the socketpair between the harness and the keeper. */
enum keeper_kind {
	KM_STARTED = 1,		/* keeper → harness: value is the target's PID */
	KM_FAILED,		/* keeper → harness: text says why the target could not start */
	KM_EXITED,		/* keeper → harness: value is the target's wait status */
	KM_DONE,		/* keeper → harness: the tree is gone (value 0) or not (-1) */
	KM_STOP,		/* harness → keeper: stop the tree, value is the grace in ms */
};

struct keeper_msg {
	int32_t kind;
	int32_t value;
	char text[480];
};

struct target {
	struct spawn *keeper;
	int sock;		/* -1 once the keeper is gone */
	pid_t pid;		/* the target: also its process group id */
	int pidfd;		/* the target's, for polling its exit; -1 on kernels < 5.3 */
	int reaped;
	int lost;		/* the keeper went without telling how the target ended */
	int wstatus;
	int stopped;
	int stop_result;
	struct target *next;	/* in live_targets */
};

/* Every target not yet freed: the sweep of one must leave the keeper of another alone. */
static struct target *live_targets;

struct pid_list {
	pid_t *v;
	size_t n, cap;
};

/* ---- the process tree ---------------------------------------------------------------- */

static int pid_list_add(struct pid_list *l, pid_t pid)
{
	pid_t *v = vec_grow(l->v, &l->cap, l->n + 1, sizeof(*v));

	if (!v)
		return -1;
	l->v = v;
	l->v[l->n++] = pid;
	return 0;
}

static void add_pid(void *cls, pid_t pid)
{
	pid_list_add(cls, pid);
}

/* The children of every thread of pid, appended to out (none when /proc cannot be opened). */
static void list_children(pid_t pid, struct pid_list *out)
{
	proctree_children_live(pid, add_pid, out);
}

/* Every descendant of this process, breadth first (out grows while it is walked). */
static void list_descendants(struct pid_list *out)
{
	list_children(getpid(), out);
	for (size_t i = 0; i < out->n; i++)
		list_children(out->v[i], out);
}

/* ---- the keeper (runs in its own process) ------------------------------------------- */

struct keeper {
	char *const *argv;
	char *const *env_extra;
	const char *log_path;
	int log_append;
	int sock;
	int sigfd;
	pid_t leader;
};

static void keeper_send(const struct keeper *k, int kind, int value, const char *text)
{
	struct keeper_msg m = { .kind = kind, .value = value };

	if (text)
		snprintf(m.text, sizeof(m.text), "%s", text);
	/* the harness may be gone: no SIGPIPE, and nothing to do about it */
	send(k->sock, &m, sizeof(m), MSG_NOSIGNAL);
}

/* Reap every child that has exited; 1 when the keeper has no child left. */
static int keeper_reap(struct keeper *k)
{
	int st;
	pid_t r;

	for (;;) {
		r = waitpid(-1, &st, WNOHANG);
		if (r > 0 && r == k->leader)
			keeper_send(k, KM_EXITED, st, NULL);
		if (r > 0 || (r < 0 && errno == EINTR))
			continue;
		return r < 0 && errno == ECHILD;
	}
}

/* Signal every process of the tree once; a walk, so setsid'd ones are not missed. */
static void keeper_signal_tree(int sig)
{
	struct pid_list all = { 0 };

	list_descendants(&all);
	for (size_t i = 0; i < all.n; i++)
		kill(all.v[i], sig);
	free(all.v);
}

/* Wait up to ms for SIGCHLD (or another signal), then drain them; 1 if a stop signal came. */
static int keeper_wait_signal(const struct keeper *k, int ms)
{
	struct pollfd p = { .fd = k->sigfd, .events = POLLIN };
	struct signalfd_siginfo si;
	int stop = 0;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	while (read(k->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		stop |= si.ssi_signo != SIGCHLD;
	return stop;
}

/* SIGKILL the tree round after round until the keeper has no child: 0, or -1 if stuck. */
static int keeper_kill_tree(struct keeper *k)
{
	int64_t deadline = clock_now_ns() + (int64_t)KILL_WAIT_MS * CLOCK_NS_PER_MS;

	for (;;) {
		keeper_signal_tree(SIGKILL);
		if (keeper_reap(k))
			return 0;
		if (clock_now_ns() >= deadline)
			return -1;
		keeper_wait_signal(k, KILL_ROUND_MS);
	}
}

static int keeper_stop_tree(struct keeper *k, unsigned grace_ms)
{
	int64_t deadline = clock_now_ns() + (int64_t)grace_ms * CLOCK_NS_PER_MS;

	keeper_signal_tree(SIGTERM);
	while (!keeper_reap(k)) {
		int64_t left = (deadline - clock_now_ns()) / CLOCK_NS_PER_MS;

		if (left <= 0)
			break;
		keeper_wait_signal(k, (int)left);
	}
	return keeper_kill_tree(k);
}

/* Start the target as the keeper's child; tells the harness either way.  0 or -1. */
static int keeper_start_target(struct keeper *k)
{
	struct spawn_opts o = {
		.argv = k->argv, .env_extra = k->env_extra, .log_path = k->log_path,
		.log_append = k->log_append, .death_signal = SIGKILL, .own_group = 1,
	};
	char why[480];
	struct spawn *s;

	/* the reason goes to the harness, which prints it: one line, from the right process */
	diag_capture(why, sizeof(why));
	s = spawn_start(&o);
	diag_capture(NULL, 0);
	if (!s) {
		keeper_send(k, KM_FAILED, 0, why);
		return -1;
	}
	k->leader = spawn_pid(s);
	spawn_detach(&s);	/* reaped by keeper_reap, with every other child */
	keeper_send(k, KM_STARTED, (int)k->leader, NULL);
	return 0;
}

/* Until the harness says stop (or goes away): reap what dies. */
static int keeper_loop(struct keeper *k)
{
	struct pollfd p[2] = { { .fd = k->sock, .events = POLLIN },
			       { .fd = k->sigfd, .events = POLLIN } };
	struct keeper_msg m;

	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return keeper_kill_tree(k);
		if (p[1].revents && keeper_wait_signal(k, 0))
			return keeper_kill_tree(k);
		keeper_reap(k);
		if (!p[0].revents)
			continue;
		ssize_t n = recv(k->sock, &m, sizeof(m), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(m) || m.kind != KM_STOP)
			return keeper_kill_tree(k);	/* the harness died */
		int r = keeper_stop_tree(k, (unsigned)m.value);

		keeper_send(k, KM_DONE, r, NULL);
		return r;
	}
}

static int keeper_main(void *arg)
{
	struct keeper *k = arg;
	sigset_t set;

	/* only the socket: the harness's end of it, above all, must close when the harness dies */
	if (k->sock != 3 && dup2(k->sock, 3) < 0)
		return 127;
	k->sock = 3;
	close_range(4, ~0U, 0);
	prctl(PR_SET_NAME, "leaksoak-keeper");
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	k->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (k->sigfd < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		keeper_send(k, KM_FAILED, 0, "cannot set up the keeper of the target");
		return 127;
	}
	if (keeper_start_target(k) < 0)
		return 127;
	return keeper_loop(k) < 0 ? 1 : 0;
}

/* ---- the harness's side -------------------------------------------------------------- */

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

/* Handle one message from the keeper; *done set on KM_DONE.  -1 when the keeper went. */
static int on_message(struct target *t, const struct keeper_msg *m, ssize_t n, int *done)
{
	if (n != (ssize_t)sizeof(*m)) {
		/* end-of-file: the keeper went without a word about the target */
		if (t->sock >= 0)
			close(t->sock);
		t->sock = -1;
		if (!t->reaped)
			t->reaped = t->lost = 1;
		return -1;
	}
	if (m->kind == KM_EXITED) {
		t->reaped = 1;
		t->wstatus = m->value;
	} else if (m->kind == KM_DONE && done) {
		*done = m->value == 0 ? 1 : -1;
	}
	return 0;
}

/* Receive one message, waiting up to timeout_ms (0: not at all); 1 got one, 0 none, -1 gone. */
static int receive(struct target *t, int timeout_ms, int *done)
{
	struct pollfd p = { .fd = t->sock, .events = POLLIN };
	struct keeper_msg m;
	ssize_t n;

	if (t->sock < 0)
		return -1;
	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	do
		n = recv(t->sock, &m, sizeof(m), MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return 0;
	return on_message(t, &m, n, done) < 0 ? -1 : 1;
}

/* The keeper's first word: the target's PID, or why it did not start.  0 or -1. */
static int await_started(struct target *t, const char *what)
{
	struct keeper_msg m;
	ssize_t n;

	do
		n = recv(t->sock, &m, sizeof(m), 0);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(m) && m.kind == KM_STARTED) {
		t->pid = (pid_t)m.value;
		return 0;
	}
	if (n == (ssize_t)sizeof(m) && m.kind == KM_FAILED) {
		m.text[sizeof(m.text) - 1] = '\0';
		return diag_error("%s", m.text);
	}
	return diag_error("cannot start '%s': its keeper process failed", what);
}

static struct target *start(char *const argv[], char *const env_extra[], const char *log_path,
			    int log_append)
{
	static char keeper_name[] = "leaksoak-keeper";
	char *const keeper_argv[] = { keeper_name, NULL };
	struct keeper k = { .argv = argv, .env_extra = env_extra, .log_path = log_path,
			    .log_append = log_append, .sigfd = -1 };
	struct spawn_opts o = { .argv = keeper_argv, .own_group = 1, .fn = keeper_main,
				.arg = &k };
	struct target *t = NULL, *ret = NULL;
	int sv[2] = { -1, -1 };

	if (!argv || !argv[0] || !argv[0][0]) {
		diag_error("cannot start a target: empty command");
		goto out;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		diag_error("cannot start '%s': out of memory", argv[0]);
		goto out;
	}
	t->sock = t->pidfd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		diag_error("cannot start '%s': socketpair: %s", argv[0], strerror(errno));
		goto out;
	}
	k.sock = sv[1];
	/* Own group: a signal to the harness's group (Ctrl-C) leaves the keeper to the harness. */
	t->keeper = spawn_start(&o);
	close(sv[1]);
	t->sock = sv[0];
	if (!t->keeper || await_started(t, argv[0]) < 0)
		goto out;
	t->pidfd = (int)syscall(SYS_pidfd_open, t->pid, 0);
	registry_add(t);
	ret = t;
	t = NULL;
out:
	if (t) {
		if (t->sock >= 0)
			close(t->sock);
		else if (sv[0] >= 0)
			close(sv[0]);
		spawn_free(&t->keeper);
		free(t);
	}
	return ret;
}

struct target *target_start(char *const argv[], char *const env_extra[], const char *log_path)
{
	return start(argv, env_extra, log_path, 0);
}

struct target *target_start_appending(char *const argv[], char *const env_extra[],
				      const char *log_path)
{
	return start(argv, env_extra, log_path, 1);
}

/* ---- watching ------------------------------------------------------------------------ */

pid_t target_pid(const struct target *t)
{
	return t->pid;
}

pid_t target_tree_root(const struct target *t)
{
	return spawn_pid(t->keeper);
}

int target_fd(const struct target *t)
{
	return t->pidfd;
}

/* 1 when the target has exited (its pidfd is readable), whoever has reaped it yet. */
static int leader_dead(const struct target *t)
{
	struct pollfd p = { .fd = t->pidfd, .events = POLLIN };

	if (t->pidfd < 0)
		return kill(t->pid, 0) < 0 && errno == ESRCH;
	return poll(&p, 1, 0) == 1;
}

int target_poll(struct target *t)
{
	while (!t->reaped && receive(t, 0, NULL) > 0)
		;
	/* dead but not yet reaped by the keeper: its report is a moment away */
	if (!t->reaped && leader_dead(t)) {
		int64_t deadline = clock_now_ns() + (int64_t)KEEPER_SLACK_MS * CLOCK_NS_PER_MS;

		while (!t->reaped && clock_now_ns() < deadline && receive(t, 100, NULL) >= 0)
			;
	}
	return t->reaped;
}

int target_exited(const struct target *t, int *wstatus)
{
	if (t->reaped && wstatus)
		*wstatus = t->wstatus;
	return t->reaped;
}

void target_describe(const struct target *t, char *buf, size_t len)
{
	spawn_describe_end(t->reaped, t->lost, t->wstatus, buf, len);
}

/* ---- stopping ------------------------------------------------------------------------ */

static int is_keeper(pid_t pid)
{
	for (const struct target *t = live_targets; t; t = t->next)
		if (t->keeper && spawn_pid(t->keeper) == pid && !spawn_exited(t->keeper, NULL))
			return 1;
	return 0;
}

/*
 * Kill and reap the harness's children that are no keeper: what a keeper killed from outside
 * left to the harness (its second-line subreaper).  Round after round, since killing one may
 * hand us its children.  -1 if something would not die.
 */
static int sweep_strays(const struct target *t)
{
	int64_t deadline = clock_now_ns() + (int64_t)KILL_WAIT_MS * CLOCK_NS_PER_MS;

	for (int round = 0; round < SWEEP_ROUNDS; round++) {
		struct pid_list all = { 0 };
		size_t strays = 0;

		list_children(getpid(), &all);
		for (size_t i = 0; i < all.n; i++) {
			if (is_keeper(all.v[i]))
				continue;
			strays++;
			kill(all.v[i], SIGKILL);
			/* our own child: the PID cannot be reused before we reap it */
			while (waitpid(all.v[i], NULL, 0) < 0 && errno == EINTR)
				;
		}
		free(all.v);
		if (strays == 0)
			return 0;
		if (clock_now_ns() >= deadline)
			break;
	}
	return diag_error("the tree of target %d keeps forking while being killed", (int)t->pid);
}

/* Ask the keeper to stop the tree and wait for its answer: 0, or -1 (message printed). */
static int stop_through_keeper(struct target *t, unsigned grace_ms)
{
	struct keeper_msg m = { .kind = KM_STOP,
				.value = grace_ms > INT32_MAX ? INT32_MAX : (int32_t)grace_ms };
	int64_t deadline = clock_now_ns() +
			   ((int64_t)grace_ms + KILL_WAIT_MS + KEEPER_SLACK_MS) * CLOCK_NS_PER_MS;
	int done = 0;

	if (t->sock < 0 || send(t->sock, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		return diag_error("the keeper of target %d is gone; ending what is left",
				  (int)t->pid);
	while (!done) {
		int64_t left = (deadline - clock_now_ns()) / CLOCK_NS_PER_MS;

		if (left <= 0 || receive(t, (int)left, &done) < 0)
			break;
	}
	if (done > 0)
		return 0;
	if (done < 0)
		return diag_error("target %d: a process of its tree did not die after SIGKILL "
				  "(is it stuck in the kernel?)", (int)t->pid);
	return diag_error("the keeper of target %d did not answer; ending what is left",
			  (int)t->pid);
}

int target_stop(struct target *t, unsigned grace_ms)
{
	int ret;

	if (t->stopped)
		return t->stop_result;
	t->stopped = 1;
	ret = stop_through_keeper(t, grace_ms);
	/* the keeper exits after its answer; if it did not answer, it is killed here */
	if (!spawn_wait(t->keeper, ret == 0 ? KEEPER_SLACK_MS : 0))
		spawn_stop(t->keeper, SIGKILL, 0);
	if (ret < 0) {
		kill(-t->pid, SIGKILL);
		sweep_strays(t);
	}
	if (!t->reaped) {
		/* reaped by the keeper, or by the sweep, without a word back to us */
		t->reaped = t->lost = 1;
	}
	t->stop_result = ret;
	return ret;
}

void target_free(struct target **tp)
{
	struct target *t = tp ? *tp : NULL;

	if (!t)
		return;
	target_stop(t, FREE_GRACE_MS);
	spawn_free(&t->keeper);
	if (t->sock >= 0)
		close(t->sock);
	if (t->pidfd >= 0)
		close(t->pidfd);
	registry_remove(t);
	free(t);
	*tp = NULL;
}
