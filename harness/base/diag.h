/*
 * diag — the one error vocabulary of leaksoak, and its exit codes.
 *
 * Every message is one line on stderr, prefixed "leaksoak: ", lower case, what is wrong first,
 * then what to do in parentheses:
 *   leaksoak: scenarios/x.json:7:12: unknown key 'duraton_s' (did you mean 'duration_s'?)
 */
#ifndef LEAKSOAK_DIAG_H
#define LEAKSOAK_DIAG_H

/* The exit codes of every command (leaksoak(1), EXIT STATUS). */
enum ls_exit {
	LS_EXIT_PASS = 0,	/* nothing grew beyond its gate */
	LS_EXIT_LEAK = 1,	/* a gate failed */
	LS_EXIT_USAGE = 2,	/* usage error or invalid scenario */
	LS_EXIT_TARGET = 3,	/* target could not start, never became ready, crashed or was killed */
	/* + N: interrupted by signal N (SIGINT, SIGTERM, SIGHUP); the target was stopped and
	 * the summary written, as a shell reports a command killed by N. */
	LS_EXIT_SIGNAL_BASE = 128,
};

/* Print the message; always returns -1 so callers can `return diag_error(...)`. */
int diag_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "leaksoak: warning: ..." and go on. */
void diag_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Call before(cls) ahead of every message printed (not captured), e.g. to erase a status line
 * from the terminal first; NULL removes it.  before may be called from any thread.
 */
void diag_set_hook(void (*before)(void *cls), void *cls);

/*
 * Tests capture messages instead of printing them: while a buffer is set, diag_error and
 * diag_warning write their line (without the "leaksoak: " prefix and newline) into it, the
 * last message winning.  Pass NULL to print again.
 */
void diag_capture(char *buf, unsigned long len);

/* The capture buffer in force (NULL: none) and its length, so that a caller capturing one
 * message for itself can put the caller's capture back afterwards. */
char *diag_capturing(unsigned long *len);

#endif
