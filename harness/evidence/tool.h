/*
 * tool — run a program evidence relies on (go tool pprof, heaptrack_print) and read what it
 * wrote.
 *
 * The program starts from an argv (spawn.h: no shell), its stdout and stderr to a file in the
 * run folder, and gets a time limit: past it, it is killed and the error says so.  What it
 * wrote is then read whole, up to a bound, for a parser that takes any bytes.  Every failure
 * prints one line naming the program (or the file).
 */
#ifndef LEAKSOAK_TOOL_H
#define LEAKSOAK_TOOL_H

#include <stddef.h>

#include "base/spawn.h"

/*
 * The file at path, its first max bytes at most, malloc'd (no terminating NUL); *len its
 * length.  NULL when it cannot be opened or out of memory (errno set, nothing printed).
 */
char *tool_slurp(const char *path, size_t max, size_t *len);

/*
 * Run o (o->log_path: the file its output goes to) under the name name ("go tool pprof"),
 * wait at most timeout_ms, and read its output as tool_slurp(o->log_path, max, len).  The
 * text, with how it ended in how ("exited with status 0"); or NULL after printing why (it
 * could not be started, did not finish in time, or its output cannot be read).
 */
char *tool_run(const struct spawn_opts *o, const char *name, unsigned timeout_ms, size_t max,
	       size_t *len, char *how, size_t how_len);

#endif
