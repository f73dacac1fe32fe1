/*
 * target — start, watch and stop the program under test and every process it starts.
 *
 * The target runs from an argv array (never a shell) in its own process group, under a
 * keeper: a small process forked by the harness that is a child subreaper, so that every
 * descendant of the target, however it detaches (setsid, double fork, daemon()), stays a
 * descendant of the keeper.  The keeper reaps orphans as they die, ends the whole tree on
 * target_stop, and ends it too when the harness dies (even by SIGKILL), which it sees as
 * end-of-file on its socket.  The tree to sample is the keeper's descendants
 * (target_tree_root, sampler_new_tree).
 */
#ifndef LEAKSOAK_TARGET_H
#define LEAKSOAK_TARGET_H

#include <stddef.h>
#include <sys/types.h>

struct target;

/*
 * Once per process before the first target_start: become a child subreaper too, a second
 * line behind the keeper (if a keeper is killed from outside, its tree comes here and
 * target_stop still ends it).  0 or -1.
 */
int target_init(void);

/*
 * Start argv[0] (a path with a '/' is used as is, relative to the current directory; a bare
 * name is looked up in PATH) with env_extra ("KEY=VALUE", NULL-terminated, may be NULL) added
 * to the current environment.  stdout/stderr of the target go to log_path (created, truncated)
 * when it is not NULL, else they are inherited.  stdin is /dev/null.
 *
 * Returns a handle the caller frees with target_free, or NULL after printing one line: the
 * exec failure is reported from the child through a close-on-exec pipe, so a missing or
 * non-executable program is an error here, not a mysterious early exit.
 */
struct target *target_start(char *const argv[], char *const env_extra[], const char *log_path);

/* target_start with its output appended to log_path, not truncating it (a restart). */
struct target *target_start_appending(char *const argv[], char *const env_extra[],
				      const char *log_path);

pid_t target_pid(const struct target *t);

/* The keeper: every process of the target's tree, and only those, descend from it. */
pid_t target_tree_root(const struct target *t);

/* A pidfd that polls readable when the target (the group leader) exits; -1 if unsupported. */
int target_fd(const struct target *t);

/* Reap the target if it has exited, without blocking: 1 exited, 0 still running. */
int target_poll(struct target *t);

/* 1 once the target has been reaped; *wstatus gets its waitpid status when not NULL. */
int target_exited(const struct target *t, int *wstatus);

/* How it ended, for messages: "exited with status 3", "killed by signal 11 (SIGSEGV)". */
void target_describe(const struct target *t, char *buf, size_t len);

/*
 * SIGTERM every process of the tree once, wait up to grace_ms for them all to go, then
 * SIGKILL whatever is left (again and again, so that a tree forking while it is killed ends
 * too), and reap them all.  Idempotent.  Returns 0 when nothing is left, -1 if something
 * could not be killed (message printed).
 */
int target_stop(struct target *t, unsigned grace_ms);

/* Stop (with a short grace) if still running, free, and NULL *t; safe on NULL. */
void target_free(struct target **t);

#endif
