/*
 * target — start, watch and stop the program under test.
 *
 * The target runs from an argv array (never a shell) in its own process group, with a
 * parent-death signal so it cannot outlive a harness killed with SIGKILL.  The harness makes
 * itself a child subreaper (target_init) so that descendants orphaned by the target are
 * reparented to it and can be stopped and reaped too.
 */
#ifndef LEAKSOAK_TARGET_H
#define LEAKSOAK_TARGET_H

#include <stddef.h>
#include <sys/types.h>

struct target;

/* Once per process before the first target_start: become a child subreaper. 0 or -1. */
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

pid_t target_pid(const struct target *t);

/* A pidfd that polls readable when the target (the group leader) exits; -1 if unsupported. */
int target_fd(const struct target *t);

/* Reap the target if it has exited, without blocking: 1 exited, 0 still running. */
int target_poll(struct target *t);

/* 1 once the target has been reaped; *wstatus gets its waitpid status when not NULL. */
int target_exited(const struct target *t, int *wstatus);

/* How it ended, for messages: "exited with status 3", "killed by signal 11 (SIGSEGV)". */
void target_describe(const struct target *t, char *buf, size_t len);

/*
 * SIGTERM the process group, wait up to grace_ms for it to go, then SIGKILL the group and any
 * orphaned descendants the subreaper inherited, and reap them all.  Idempotent.  Returns 0 when
 * nothing is left, -1 if something could not be killed (message printed).
 */
int target_stop(struct target *t, unsigned grace_ms);

/* Stop (with a short grace) if still running, free, and NULL *t; safe on NULL. */
void target_free(struct target **t);

#endif
