/*
 * cmd — the subcommands.  Each takes the arguments after its name (argv[0] is the command
 * name) and returns the process exit code (enum ls_exit).
 *
 * LEAKSOAK_COMMANDS is the one list of them, in the order `leaksoak --help` shows them, with
 * the line it says of each: it declares cmd_NAME (defined in cmd_NAME.c) and makes main's
 * dispatch table, so a new command is a line here and its file.
 */
#ifndef LEAKSOAK_CMD_H
#define LEAKSOAK_CMD_H

#define LEAKSOAK_COMMANDS(X) \
	X(run, "run one scenario and judge its growth") \
	X(soak, "run many scenarios and write one report") \
	X(plot, "draw a run's RSS, threads and FDs with gnuplot") \
	X(report, "merge soak folders into one report") \
	X(watch, "sample a running process and judge its growth") \
	X(history, "the soaks of a results folder over time")

#define LEAKSOAK_CMD_DECLARE(name, summary) int cmd_##name(int argc, char **argv);
LEAKSOAK_COMMANDS(LEAKSOAK_CMD_DECLARE)
#undef LEAKSOAK_CMD_DECLARE

#endif
