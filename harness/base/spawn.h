/*
 * spawn — the one way leaksoak starts and ends another process: the target's keeper and the
 * target itself (target.c), each run of a soak (soak.c) and gnuplot (plot.c).
 *
 * A child starts from an argv (never a shell), with stdin from /dev/null, stdout and stderr
 * to a log file or inherited, the signal mask and dispositions reset, no descriptor of the
 * parent but 0-2, optionally a process group of its own and a parent-death signal.  The
 * parent holds a pidfd for it, so waiting is a poll and no signal can hit a reused PID.
 */
#ifndef LEAKSOAK_SPAWN_H
#define LEAKSOAK_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

struct spawn;

struct spawn_opts {
	char *const *argv;		/* argv[0]: a path with a '/' as is, a bare name via PATH */
	const char *exe;		/* execute this file with argv instead of argv[0]; NULL */
	char *const *env_extra;		/* "KEY=VALUE", NULL-terminated, added; may be NULL */
	const char *log_path;		/* stdout and stderr (created, truncated); NULL: inherit */
	int log_append;			/* append to log_path rather than truncate it */
	int death_signal;		/* sent to the child when the parent thread dies; 0: none */
	int own_group;			/* a process group of its own (stop signals the group) */
	/*
	 * Run fn(arg) in the child instead of an exec (its return value is the exit status).
	 * The child then keeps the parent's descriptors: fn closes what it must not hold.
	 */
	int (*fn)(void *arg);
	void *arg;
};

/*
 * Start a child.  An exec (or setup) failure travels back through a close-on-exec pipe, so a
 * missing program is an error here, not a mysterious early exit.  Returns a handle to free
 * with spawn_free, or NULL after printing one line naming argv[0].
 */
struct spawn *spawn_start(const struct spawn_opts *o);

pid_t spawn_pid(const struct spawn *s);

/* A pidfd that polls readable once the child has exited. */
int spawn_fd(const struct spawn *s);

/* Reap the child if it has exited, without blocking: 1 exited, 0 still running. */
int spawn_poll(struct spawn *s);

/* Wait up to timeout_ms for the child to exit and reap it: 1 exited, 0 still running. */
int spawn_wait(struct spawn *s, unsigned timeout_ms);

/* 1 once reaped; *wstatus gets its waitpid status when not NULL. */
int spawn_exited(const struct spawn *s, int *wstatus);

/* How it ended: "exited with status 3", "killed by signal 11 (SIGSEGV)", "is still running". */
void spawn_describe(const struct spawn *s, char *buf, size_t len);

/* Send sig to the child (to its group when own_group) if it has not been reaped. */
void spawn_signal(const struct spawn *s, int sig);

/*
 * Bounded stop: send sig (0: none) to the child (to its group when own_group), wait up to
 * grace_ms, then SIGKILL the same way and reap.  Idempotent.  0 once reaped, -1 if it did not
 * die within a few seconds of SIGKILL (message printed).
 */
int spawn_stop(struct spawn *s, int sig, unsigned grace_ms);

/* SIGKILL if still running, reap, free and NULL *s; safe on NULL. */
void spawn_free(struct spawn **s);

/* Forget the child without stopping or reaping it (its parent reaps it some other way). */
void spawn_detach(struct spawn **s);

/*
 * 1 when name (without a '/') is an executable file in a folder of $PATH, as spawn_start
 * would find it: to say "not installed" before trying, rather than after.
 */
int spawn_in_path(const char *name);

/*
 * How a child ended, from what its reaper knows: "is still running" unless reaped, "exited
 * (status unknown)" when lost (reaped by someone else), else its waitpid status worded as
 * "exited with status 3", "killed by signal 9 (SIGKILL)".  spawn_describe's words, for a
 * child reaped some other way (target.h's keeper).
 */
void spawn_describe_end(int reaped, int lost, int wstatus, char *buf, size_t len);

#endif
