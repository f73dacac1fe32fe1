/*
 * cmd — the subcommands.  Each takes the arguments after its name (argv[0] is the command
 * name) and returns the process exit code (enum ls_exit).
 */
#ifndef LEAKSOAK_CMD_H
#define LEAKSOAK_CMD_H

int cmd_run(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_soak(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_history(int argc, char **argv);

#endif
