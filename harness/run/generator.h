/*
 * generator — the user's own load generator (drive.exec): wrk, k6, a gRPC client, a script.
 *
 * It starts from an argv (never a shell) once the target is ready, under a keeper of its own
 * exactly like the target (target.h): nothing it starts outlives the run, a generator that
 * ignores SIGTERM is SIGKILLed after a short grace, and its tree is sampled apart from the
 * target's, so its memory and CPU never count in the target's verdict.  Its stdout and
 * stderr go to a log (drive.log in the run folder).
 *
 * The run loop waits on generator_fd and calls generator_check when it polls readable: a
 * generator that ends with status 0 is started again when restart is set (if it ran at least
 * GENERATOR_MIN_RUN_MS: one that ends at once is a failure, not a busy loop of restarts);
 * otherwise its end is the run's business (generator_check says which).
 */
#ifndef LEAKSOAK_GENERATOR_H
#define LEAKSOAK_GENERATOR_H

#include <stddef.h>
#include <stdint.h>

/* How long a generator has between SIGTERM and SIGKILL when the run ends. */
#define GENERATOR_GRACE_MS 1000u

/* A restart needs the start before it to have run this long: no busy loop of restarts. */
#define GENERATOR_MIN_RUN_MS 1000

struct generator;

struct generator_config {
	char *const *argv;	/* {port} already bound; argv[0] as for target_start */
	char *const *env;	/* "KEY=VALUE" added to the environment; may be NULL */
	const char *log_path;	/* stdout and stderr, created (truncated on the first start) */
	int restart;		/* start again after an exit with status 0 */
};

/* What the summary shows of it. */
struct generator_totals {
	double cpu_s;		/* user + system CPU of its tree, as sampled, over every start */
	uint64_t peak_rss_kib;	/* the largest RSS of its tree in any sample */
	unsigned starts;	/* 1 + restarts */
	int ended;		/* its last start ended before the run stopped it */
	int wstatus;		/* with ended: its waitpid status */
	double ended_at_s;	/* with ended: seconds since generator_start */
};

/*
 * Start the generator.  Returns a handle to free with generator_free, or NULL after printing
 * one line (the program could not be started: missing, not executable).
 */
struct generator *generator_start(const struct generator_config *c);

/* A pidfd that polls readable when the current process ends (-1 on kernels < 5.3). */
int generator_fd(const struct generator *g);

/*
 * After generator_fd polled readable (or at any time): 0 while it runs, also after a
 * restart; 1 when it ended and the run goes on without it (status 0, no restart); -1 when it
 * failed (a non-zero status, a signal, or a restart that could not start: message printed
 * for the latter).  generator_totals says how it ended.
 */
int generator_check(struct generator *g);

/* Sample its tree once (CPU, peak RSS); cheap enough for every tick of the run. */
void generator_sample(struct generator *g);

/* Stop its tree (SIGTERM, GENERATOR_GRACE_MS, SIGKILL), sampling it a last time.  Idempotent. */
void generator_stop(struct generator *g);

void generator_totals(const struct generator *g, struct generator_totals *out);

/* How its last start ended, for messages: "exited with status 1", "is still running". */
void generator_describe(const struct generator *g, char *buf, size_t len);

/*
 * The last lines of the log at path (at most max_lines, at most len - 1 bytes, the start of a
 * cut line dropped), escaped for a terminal and joined with " | ", into buf; "" when it is
 * empty or unreadable.
 */
void generator_log_tail(const char *path, unsigned max_lines, char *buf, size_t len);

void generator_free(struct generator **g);

#endif
